/* Common interrupt/exception entry. The stub pushed an error code (real or
 * zero) and the vector; we save the general registers into a TrapFrame on
 * the stack, swapgs when coming from user mode, and call trap_dispatch. */
.section .text.trap_common, "ax"
.code64
.global trap_common
trap_common:
    testb $3, 24(%rsp)          /* CS of the interrupted context */
    jz 1f
    swapgs
1:  pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi
    cld
    call trap_dispatch
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    testb $3, 24(%rsp)
    jz 2f
    swapgs
2:  addq $16, %rsp
    iretq
