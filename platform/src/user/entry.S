/* Entering and leaving user mode.
 *
 * enter_user_asm(ctx, use_sysret) saves the kernel's callee-saved registers
 * on the current (per-CPU executor) stack, records that stack pointer in
 * gs:32 and ctx in gs:40, loads the user registers from ctx and leaves with
 * sysretq or iretq. It "returns" when the thread next enters the kernel:
 *   - syscall_entry (SYSCALL): stores the user registers into ctx and returns
 *     0 to enter_user_asm's caller, on the saved kernel stack;
 *   - user_trap_return(reason) (an interrupt or exception from user mode,
 *     after trap_dispatch copied its TrapFrame into ctx): returns `reason`.
 * Interrupts are disabled on both paths (SFMASK clears IF; interrupt gates). */

/* UserContext offsets (platform/src/user/mod.rs) */
.set UC_RAX, 0
.set UC_RBX, 8
.set UC_RCX, 16
.set UC_RDX, 24
.set UC_RSI, 32
.set UC_RDI, 40
.set UC_RBP, 48
.set UC_R8, 56
.set UC_R9, 64
.set UC_R10, 72
.set UC_R11, 80
.set UC_R12, 88
.set UC_R13, 96
.set UC_R14, 104
.set UC_R15, 112
.set UC_RIP, 120
.set UC_RSP, 128
.set UC_RFLAGS, 136

.section .text.user_entry, "ax"
.code64
.global enter_user_asm
enter_user_asm:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %gs:32
    movq %rdi, %gs:40
    testq %rsi, %rsi
    jz 1f
    movq UC_RIP(%rdi), %rcx
    movq UC_RFLAGS(%rdi), %r11
    movq UC_RAX(%rdi), %rax
    movq UC_RBX(%rdi), %rbx
    movq UC_RDX(%rdi), %rdx
    movq UC_RSI(%rdi), %rsi
    movq UC_RBP(%rdi), %rbp
    movq UC_R8(%rdi), %r8
    movq UC_R9(%rdi), %r9
    movq UC_R10(%rdi), %r10
    movq UC_R12(%rdi), %r12
    movq UC_R13(%rdi), %r13
    movq UC_R14(%rdi), %r14
    movq UC_R15(%rdi), %r15
    movq UC_RSP(%rdi), %rsp
    movq UC_RDI(%rdi), %rdi
    swapgs
    sysretq
1:  pushq $0x23                 /* user SS */
    pushq UC_RSP(%rdi)
    pushq UC_RFLAGS(%rdi)
    pushq $0x2b                 /* user CS (64-bit) */
    pushq UC_RIP(%rdi)
    movq UC_RAX(%rdi), %rax
    movq UC_RBX(%rdi), %rbx
    movq UC_RCX(%rdi), %rcx
    movq UC_RDX(%rdi), %rdx
    movq UC_RSI(%rdi), %rsi
    movq UC_RBP(%rdi), %rbp
    movq UC_R8(%rdi), %r8
    movq UC_R9(%rdi), %r9
    movq UC_R10(%rdi), %r10
    movq UC_R11(%rdi), %r11
    movq UC_R12(%rdi), %r12
    movq UC_R13(%rdi), %r13
    movq UC_R14(%rdi), %r14
    movq UC_R15(%rdi), %r15
    movq UC_RDI(%rdi), %rdi
    swapgs
    iretq

.global syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:24
    movq %gs:32, %rsp
    pushq %rdi
    movq %gs:40, %rdi
    movq %rax, UC_RAX(%rdi)
    movq %rbx, UC_RBX(%rdi)
    movq %rcx, UC_RCX(%rdi)
    movq %rdx, UC_RDX(%rdi)
    movq %rsi, UC_RSI(%rdi)
    popq %rsi
    movq %rsi, UC_RDI(%rdi)
    movq %rbp, UC_RBP(%rdi)
    movq %r8, UC_R8(%rdi)
    movq %r9, UC_R9(%rdi)
    movq %r10, UC_R10(%rdi)
    movq %r11, UC_R11(%rdi)
    movq %r12, UC_R12(%rdi)
    movq %r13, UC_R13(%rdi)
    movq %r14, UC_R14(%rdi)
    movq %r15, UC_R15(%rdi)
    movq %rcx, UC_RIP(%rdi)
    movq %r11, UC_RFLAGS(%rdi)
    movq %gs:24, %rax
    movq %rax, UC_RSP(%rdi)
    xorl %eax, %eax
    jmp 2f

.global user_trap_return
user_trap_return:
    movq %rdi, %rax
    movq %gs:32, %rsp
2:  popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    ret

/* user_copy(dst, src, len) -> bytes not copied (0 on success). A fault on
 * the rep movsb lands in trap_dispatch, which resumes at the fixup with rcx
 * holding the remaining count and the fault address in gs:48. SMAP's
 * stac/clac run only when the CPU has SMAP (smap_enabled). */
.global user_copy
user_copy:
    movq %rdx, %rcx
    cmpb $0, smap_enabled(%rip)
    je 1f
    stac
1:
.global user_copy_insn
user_copy_insn:
    rep movsb
.global user_copy_fixup
user_copy_fixup:
    cmpb $0, smap_enabled(%rip)
    je 2f
    clac
2:  movq %rcx, %rax
    ret

/* user_cmpxchg32(addr, expected, new) -> 0 on success with the old value in
 * *out semantics folded: returns (old << 1) | 0 on completion, or 1 when the
 * access faulted (fault address in gs:48). Used for futex WAKE_OP and robust
 * lists: atomic read-modify-write of a user word. */
.global user_cmpxchg32
user_cmpxchg32:
    movl %esi, %eax
    cmpb $0, smap_enabled(%rip)
    je 1f
    stac
1:
.global user_cmpxchg_insn
user_cmpxchg_insn:
    lock cmpxchgl %edx, (%rdi)
    cmpb $0, smap_enabled(%rip)
    je 2f
    clac
2:  movl %eax, %eax
    shlq $1, %rax
    ret
.global user_cmpxchg_fixup
user_cmpxchg_fixup:
    cmpb $0, smap_enabled(%rip)
    je 3f
    clac
3:  movl $1, %eax
    ret
