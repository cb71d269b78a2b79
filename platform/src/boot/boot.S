/* PVH entry: QEMU starts us here in 32-bit protected mode, paging off,
 * interrupts off, with EBX = physical address of struct hvm_start_info.
 * We read the TSC first (CLOCK_MONOTONIC counts from here), build boot page
 * tables (identity + direct map + -2 GiB kernel window over the first GiB),
 * enter long mode and jump to the higher-half kernel. */

.section .note.pvh, "a", @note
.align 4
.long 4                 /* namesz: "Xen\0" */
.long 8                 /* descsz */
.long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
.asciz "Xen"
.align 4
.quad pvh_start32

.section .boot.text, "ax"
.code32
.global pvh_start32
pvh_start32:
    cli
    cld
    rdtsc
    movl %eax, boot_tsc
    movl %edx, boot_tsc + 4
    movl %ebx, boot_start_info

    /* boot_pd: 512 x 2 MiB pages covering physical 0..1 GiB */
    movl $boot_pd, %edi
    movl $0x83, %eax            /* present | writable | huge */
    movl $512, %ecx
1:  movl %eax, (%edi)
    movl $0, 4(%edi)
    addl $0x200000, %eax
    addl $8, %edi
    loop 1b

    movl %cr4, %eax
    orl $0x20, %eax             /* PAE */
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl $0xC0000080, %ecx      /* EFER */
    rdmsr
    orl $0x900, %eax            /* LME | NXE */
    wrmsr
    movl %cr0, %eax
    orl $0x80010001, %eax       /* PG | WP | PE */
    movl %eax, %cr0
    lgdt boot_gdt_ptr
    ljmp $0x08, $start64

.code64
start64:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorl %eax, %eax
    movw %ax, %fs
    movw %ax, %gs
    movabs $high64, %rax
    jmp *%rax

.section .boot.data, "aw"
.align 4096
.global boot_pml4
boot_pml4:
    .quad boot_pdpt_low + 3     /* 0: identity (boot only) */
    .fill 255, 8, 0
    .quad boot_pdpt_low + 3     /* 256: direct map at 0xffff800000000000 */
    .fill 254, 8, 0
    .quad boot_pdpt_high + 3    /* 511: kernel window at -2 GiB */
boot_pdpt_low:
    .quad boot_pd + 3
    .fill 511, 8, 0
boot_pdpt_high:
    .fill 510, 8, 0
    .quad boot_pd + 3
    .quad 0
.global boot_pd
boot_pd:
    .fill 512, 8, 0
.align 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff    /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff    /* 0x10: data */
boot_gdt_ptr:
    .word boot_gdt_ptr - boot_gdt - 1
    .long boot_gdt
.align 8
boot_tsc:
    .quad 0
boot_start_info:
    .quad 0

.section .text.boot_high, "ax"
high64:
    movabs $__bss_start, %rdi
    movabs $__bss_end, %rcx
    subq %rdi, %rcx
    xorl %eax, %eax
    rep stosb
    movabs $boot_stack_top, %rsp
    xorl %ebp, %ebp
    movl boot_start_info, %edi
    movq boot_tsc, %rsi
    call platform_entry
2:  hlt
    jmp 2b

.section .bss.boot_stack, "aw", @nobits
.align 4096
boot_stack_guard:
    .skip 4096
boot_stack:
    .skip 65536
.global boot_stack_top
boot_stack_top:
