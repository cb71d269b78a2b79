/* Application-processor start-up code. Copied to physical 0x8000 (SIPI page
 * 8); the AP starts here in real mode. Parameters are filled in by
 * smp::start_aps at fixed offsets: 8 CR3 (a PML4 below 4 GiB that maps
 * this page 1:1 and the kernel half), 16 stack top, 24 entry, 32 CPU index. */
.section .text.ap_trampoline, "ax"
.code16
.global ap_trampoline_start
ap_trampoline_start:
    jmp 1f
.align 8
    .quad 0                     /* 8: cr3 */
    .quad 0                     /* 16: stack top */
    .quad 0                     /* 24: entry */
    .quad 0                     /* 32: cpu index */
    .quad 0                     /* 40: GDT: null */
    .quad 0x00cf9a000000ffff    /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff    /* 0x10: data */
    .quad 0x00af9a000000ffff    /* 0x18: 64-bit code */
    .word 31                    /* 72: GDT pointer */
    .long 0x8000 + 40
1:
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ds
    lgdtl 0x8000 + 72
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $(0x8000 + ap32 - ap_trampoline_start)
.code32
ap32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %cr4, %eax
    orl $0xa0, %eax             /* PAE | PGE */
    movl %eax, %cr4
    movl 0x8008, %eax
    movl %eax, %cr3
    movl $0xC0000080, %ecx
    rdmsr
    orl $0x900, %eax            /* LME | NXE */
    wrmsr
    movl %cr0, %eax
    orl $0x80010000, %eax       /* PG | WP */
    movl %eax, %cr0
    ljmp $0x18, $(0x8000 + ap64 - ap_trampoline_start)
.code64
ap64:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movq 0x8010, %rsp
    movq 0x8020, %rdi
    xorl %ebp, %ebp
    movq 0x8018, %rax
    call *%rax
2:  hlt
    jmp 2b
.global ap_trampoline_end
ap_trampoline_end:
