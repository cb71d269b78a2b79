/* Raw clone(2) and clone3(2): CLONE_VM|CLONE_VFORK, CLONE_FILES, CLONE_SIGHAND,
 * PARENT_SETTID / CHILD_SETTID / CHILD_CLEARTID, CLONE_SETTLS, invalid flag
 * combinations, non-SIGCHLD exit signals and clone3 argument validation.
 * Children that share the address space run on their own static stacks and
 * use only raw syscalls (no libc, whose TLS belongs to the parent). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include "../t.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef __WALL
#define __WALL 0x40000000
#endif
#ifndef __WCLONE
#define __WCLONE 0x80000000
#endif
#define FUTEX_WAIT 0
#define ARCH_GET_FS 0x1003

struct clone_args_v2 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size, cgroup;
};

/* Raw syscalls usable from a child that has no libc thread state. */
static inline long rs(long n, long a, long b, long c, long d, long e) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}

/* long clone_raw(flags, stack_top, ptid, ctid, tls, fn, arg):
 * the child runs fn(arg) on stack_top and then exit(2)s with its result. */
long clone_raw(unsigned long flags, void *stack_top, int *ptid, int *ctid, unsigned long tls,
               int (*fn)(void *), void *arg);
__asm__(".text\n"
        ".globl clone_raw\n"
        ".type clone_raw,@function\n"
        "clone_raw:\n"
        "  mov 8(%rsp), %rax\n"
        "  and $-16, %rsi\n"
        "  sub $16, %rsi\n"
        "  mov %r9, 0(%rsi)\n"
        "  mov %rax, 8(%rsi)\n"
        "  mov %rcx, %r10\n"
        "  mov $56, %eax\n"
        "  syscall\n"
        "  test %rax, %rax\n"
        "  jnz 1f\n"
        "  xor %ebp, %ebp\n"
        "  pop %rax\n"
        "  pop %rdi\n"
        "  call *%rax\n"
        "  mov %eax, %edi\n"
        "  mov $60, %eax\n"
        "  syscall\n"
        "  hlt\n"
        "1: ret\n"
        ".size clone_raw, .-clone_raw\n");

/* long clone3_raw(args, size, fn, arg): like clone_raw for clone3 with a stack. */
long clone3_raw(struct clone_args_v2 *args, unsigned long size, int (*fn)(void *), void *arg);
__asm__(".text\n"
        ".globl clone3_raw\n"
        ".type clone3_raw,@function\n"
        "clone3_raw:\n"
        "  mov %rdx, %r8\n"
        "  mov %rcx, %r9\n"
        "  mov $435, %eax\n"
        "  syscall\n"
        "  test %rax, %rax\n"
        "  jnz 1f\n"
        "  xor %ebp, %ebp\n"
        "  mov %r9, %rdi\n"
        "  call *%r8\n"
        "  mov %eax, %edi\n"
        "  mov $60, %eax\n"
        "  syscall\n"
        "  hlt\n"
        "1: ret\n"
        ".size clone3_raw, .-clone3_raw\n");

#define STACK_SIZE (64 * 1024)
static char stack_a[STACK_SIZE] __attribute__((aligned(16)));
static char stack_b[STACK_SIZE] __attribute__((aligned(16)));
#define TOP(s) ((void *)((s) + sizeof(s)))

static volatile long shared_word;
static volatile long seen_tid;

static int child_write(void *arg) {
    /* Spin a little so that a parent that was not suspended would notice. */
    for (volatile long i = 0; i < 3000000; i++) {
    }
    shared_word = (long)arg;
    return 7;
}

static int child_ignore_usr2(void *arg) {
    (void)arg;
    unsigned long act[4] = {(unsigned long)SIG_IGN, 0, 0, 0};
    return rs(SYS_rt_sigaction, SIGUSR2, (long)act, 0, 8, 0) == 0 ? 0 : 1;
}

static int child_record_tid(void *arg) {
    (void)arg;
    seen_tid = rs(SYS_gettid, 0, 0, 0, 0, 0);
    return 0;
}

static int child_read_tls(void *arg) {
    (void)arg;
    long fs0, fsbase = 0;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(fs0));
    rs(SYS_arch_prctl, ARCH_GET_FS, (long)&fsbase, 0, 0, 0);
    shared_word = fs0;
    seen_tid = fsbase;
    return 0;
}

static unsigned long tls_block[64] __attribute__((aligned(64)));

static int wait_cleared(volatile int *ctid) {
    /* Bounded wait for CLONE_CHILD_CLEARTID to zero *ctid. */
    for (int i = 0; i < 500 && *ctid != 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        int v = *ctid;
        if (v != 0)
            rs(SYS_futex, (long)ctid, FUTEX_WAIT, v, (long)&ts, 0);
    }
    return *ctid == 0;
}

static void usr1_handler(int sig) { (void)sig; }

int main(void) {
    int status = 0;
    long pid;

    /* CLONE_VM|CLONE_VFORK: the child writes the parent's memory, the parent
     * resumes only once the child has exited. */
    shared_word = 0;
    pid = clone_raw(CLONE_VM | CLONE_VFORK | SIGCHLD, TOP(stack_a), NULL, NULL, 0, child_write, (void *)42);
    long after = shared_word;
    CHECK(pid > 0 && after == 42, "VM|VFORK parent resumes after the child wrote shared memory",
          "pid %ld value %ld", pid, after);
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7,
          "VM|VFORK child is reaped with its exit code", "status %#x", status);

    /* CLONE_FILES: closing a dup in the child closes it in the parent too. */
    int fd = dup(1);
    pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        close(fd);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    errno = 0;
    int r = fcntl(fd, F_GETFD);
    int close_seen = r == -1 && errno == EBADF;

    fd = dup(1);
    pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        close(fd);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    r = fcntl(fd, F_GETFD);
    CHECK(r == 0, "without CLONE_FILES the parent's fd survives", "r %d errno %d", r, errno);
    close(fd);

    int newfd = -1;
    pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        int d = dup(1);
        _exit(d > 0 && d < 250 ? d : 255);
    }
    waitpid(pid, &status, 0);
    newfd = WEXITSTATUS(status);
    r = newfd != 255 ? fcntl(newfd, F_GETFD) : -1;
    CHECK(close_seen && newfd != 255 && r == 0, "CLONE_FILES child close and dup are seen by the parent",
          "close seen %d fd %d r %d", close_seen, newfd, r);
    if (r == 0)
        close(newfd);

    /* CLONE_SIGHAND (needs CLONE_VM): dispositions are shared. */
    struct sigaction sa;
    signal(SIGUSR2, SIG_DFL);
    pid = clone_raw(CLONE_VM | CLONE_SIGHAND | CLONE_VFORK | SIGCHLD, TOP(stack_a), NULL, NULL, 0,
                    child_ignore_usr2, NULL);
    waitpid(pid, &status, 0);
    sigaction(SIGUSR2, NULL, &sa);
    CHECK(sa.sa_handler == SIG_IGN && WEXITSTATUS(status) == 0, "CLONE_SIGHAND child's SIG_IGN is shared",
          "status %#x", status);
    signal(SIGUSR2, SIG_DFL);
    pid = clone_raw(CLONE_VM | CLONE_VFORK | SIGCHLD, TOP(stack_a), NULL, NULL, 0, child_ignore_usr2, NULL);
    waitpid(pid, &status, 0);
    sigaction(SIGUSR2, NULL, &sa);
    CHECK(sa.sa_handler == SIG_DFL && WEXITSTATUS(status) == 0, "without CLONE_SIGHAND dispositions are copied",
          "status %#x", status);

    /* CLONE_PARENT_SETTID in a fork-like clone: written in the parent's memory only. */
    static int ptid_var;
    ptid_var = 0;
    pid = syscall(SYS_clone, CLONE_PARENT_SETTID | SIGCHLD, 0, &ptid_var, 0, 0);
    if (pid == 0)
        _exit(ptid_var == 0 ? 0 : 1);
    int ptid_seen = ptid_var;
    waitpid(pid, &status, 0);
    CHECK(pid > 0 && ptid_seen == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "PARENT_SETTID stores the tid in the parent's memory only", "ptid %d pid %ld status %#x", ptid_seen, pid,
          status);

    /* CLONE_CHILD_SETTID in a fork-like clone: written in the child's memory only. */
    static int ctid_var;
    ctid_var = 0;
    pid = syscall(SYS_clone, CLONE_CHILD_SETTID | SIGCHLD, 0, 0, &ctid_var, 0);
    if (pid == 0)
        _exit(ctid_var == (int)syscall(SYS_gettid) ? 0 : 1);
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && ctid_var == 0,
          "CHILD_SETTID stores the tid in the child's memory only", "status %#x parent copy %d", status, ctid_var);

    /* A raw thread: PARENT_SETTID + CHILD_CLEARTID, tid differs from the pid. */
    static volatile int thr_ptid, thr_ctid;
    thr_ptid = 0;
    thr_ctid = -1;
    seen_tid = 0;
    unsigned long thread_flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                 CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    pid = clone_raw(thread_flags, TOP(stack_b), (int *)&thr_ptid, (int *)&thr_ctid, 0, child_record_tid, NULL);
    int cleared = pid > 0 && wait_cleared(&thr_ctid);
    CHECK(cleared, "CHILD_CLEARTID zeroes the tid word and wakes on thread exit", "ctid %d", thr_ctid);
    CHECK(pid > 0 && thr_ptid == pid && seen_tid == pid && seen_tid != getpid(),
          "thread gettid equals the returned tid and PARENT_SETTID, not the pid", "pid %ld ptid %d", pid, thr_ptid);
    errno = 0;
    CHECK(waitpid(-1, &status, WNOHANG | __WALL) == -1 && errno == ECHILD, "an exited thread is not a waitable child",
          "errno %d", errno);

    /* CLONE_SETTLS: the thread's fs base is the given block. */
    tls_block[0] = (unsigned long)tls_block;
    thr_ctid = -1;
    shared_word = 0;
    seen_tid = 0;
    pid = clone_raw(thread_flags | CLONE_SETTLS, TOP(stack_b), (int *)&thr_ptid, (int *)&thr_ctid,
                    (unsigned long)tls_block, child_read_tls, NULL);
    cleared = pid > 0 && wait_cleared(&thr_ctid);
    unsigned long myfs = 0;
    syscall(SYS_arch_prctl, ARCH_GET_FS, &myfs);
    CHECK(cleared && shared_word == (long)tls_block && seen_tid == (long)tls_block && myfs != 0 &&
              myfs != (unsigned long)tls_block,
          "CLONE_SETTLS sets the thread's fs base, not the parent's", "cleared %d", cleared);

    /* Invalid combinations. */
    errno = 0;
    pid = syscall(SYS_clone, CLONE_THREAD | CLONE_VM | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(99);
    CHECK(pid == -1 && errno == EINVAL, "CLONE_THREAD without CLONE_SIGHAND is EINVAL", "ret %ld errno %d", pid,
          errno);
    errno = 0;
    pid = syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(99);
    CHECK(pid == -1 && errno == EINVAL, "CLONE_SIGHAND without CLONE_VM is EINVAL", "ret %ld errno %d", pid, errno);
    errno = 0;
    pid = syscall(SYS_clone, CLONE_NEWNS | CLONE_FS | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(99);
    CHECK(pid == -1 && errno == EINVAL, "CLONE_NEWNS with CLONE_FS is EINVAL", "ret %ld errno %d", pid, errno);

    /* Exit signal other than SIGCHLD: only __WALL/__WCLONE waits see the child,
     * and the parent gets that signal. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    signal(SIGUSR1, usr1_handler);
    pid = syscall(SYS_clone, SIGUSR1, 0, 0, 0, 0);
    if (pid == 0)
        _exit(5);
    errno = 0;
    long w = waitpid(pid, &status, WNOHANG);
    CHECK(w == -1 && errno == ECHILD, "a non-SIGCHLD child is invisible to a plain wait", "ret %ld errno %d", w,
          errno);
    w = waitpid(pid, &status, __WCLONE);
    CHECK(w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 5, "__WCLONE reaps the clone child",
          "ret %ld status %#x", w, status);
    sigset_t pend;
    sigpending(&pend);
    CHECK(sigismember(&pend, SIGUSR1) == 1, "the parent receives the chosen exit signal", "not pending");
    struct timespec zero = {0, 0};
    sigtimedwait(&set, NULL, &zero);
    sigprocmask(SIG_SETMASK, &old, NULL);

    pid = syscall(SYS_clone, 0, 0, 0, 0, 0);
    if (pid == 0)
        _exit(6);
    w = waitpid(pid, &status, __WALL);
    CHECK(w == pid && WEXITSTATUS(status) == 6, "exit signal 0 child is reaped with __WALL", "ret %ld status %#x", w,
          status);

    /* clone3. */
    struct clone_args_v2 ca;
    int c3_ptid = 0;
    memset(&ca, 0, sizeof ca);
    ca.flags = CLONE_PARENT_SETTID;
    ca.parent_tid = (uintptr_t)&c3_ptid;
    ca.exit_signal = SIGCHLD;
    errno = 0;
    pid = syscall(SYS_clone3, &ca, 64);
    if (pid == 0)
        _exit(9);
    w = pid > 0 ? waitpid(pid, &status, 0) : -1;
    CHECK(pid > 0 && c3_ptid == pid && w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 9,
          "clone3 (size 64) forks, sets parent_tid and is reaped", "ret %ld errno %d ptid %d status %#x", pid, errno,
          c3_ptid, status);

    shared_word = 0;
    memset(&ca, 0, sizeof ca);
    ca.flags = CLONE_VM | CLONE_VFORK;
    ca.exit_signal = SIGCHLD;
    ca.stack = (uintptr_t)stack_a;
    ca.stack_size = sizeof stack_a;
    pid = clone3_raw(&ca, sizeof ca, child_write, (void *)77);
    after = shared_word;
    status = 0;
    if (pid > 0)
        waitpid(pid, &status, 0);
    CHECK(pid > 0 && after == 77 && WEXITSTATUS(status) == 7, "clone3 VM|VFORK with a stack runs the child first",
          "ret %ld value %ld status %#x", pid, after, status);

    memset(&ca, 0, sizeof ca);
    ca.exit_signal = SIGCHLD;
    errno = 0;
    pid = syscall(SYS_clone3, &ca, 32);
    if (pid == 0)
        _exit(99);
    CHECK(pid == -1 && errno == EINVAL, "clone3 with a size below 64 is EINVAL", "ret %ld errno %d", pid, errno);

    ca.flags = SIGCHLD;
    ca.exit_signal = 0;
    errno = 0;
    pid = syscall(SYS_clone3, &ca, 64);
    if (pid == 0)
        _exit(99);
    int sigbits_einval = pid == -1 && errno == EINVAL;

    ca.flags = 0;
    ca.exit_signal = 65;
    errno = 0;
    pid = syscall(SYS_clone3, &ca, 64);
    if (pid == 0)
        _exit(99);
    CHECK(sigbits_einval && pid == -1 && errno == EINVAL, "clone3 with signal bits in flags or exit_signal 65 is EINVAL",
          "flags case %d ret %ld errno %d", sigbits_einval, pid, errno);

    ca.exit_signal = SIGCHLD;
    ca.stack = (uintptr_t)stack_a;
    ca.stack_size = 0;
    errno = 0;
    pid = syscall(SYS_clone3, &ca, 64);
    if (pid == 0)
        _exit(99);
    CHECK(pid == -1 && errno == EINVAL, "clone3 with a stack but no stack_size is EINVAL", "ret %ld errno %d", pid,
          errno);

    static unsigned char big[128];
    memset(big, 0, sizeof big);
    ((struct clone_args_v2 *)big)->exit_signal = SIGCHLD;
    big[100] = 1;
    errno = 0;
    pid = syscall(SYS_clone3, big, sizeof big);
    if (pid == 0)
        _exit(99);
    CHECK(pid == -1 && errno == E2BIG, "clone3 with non-zero bytes past the known struct is E2BIG",
          "ret %ld errno %d", pid, errno);
    big[100] = 0;
    pid = syscall(SYS_clone3, big, sizeof big);
    if (pid == 0)
        _exit(8);
    w = pid > 0 ? waitpid(pid, &status, 0) : -1;
    CHECK(pid > 0 && w == pid && WEXITSTATUS(status) == 8, "clone3 with a larger zero-padded struct works",
          "ret %ld errno %d", pid, errno);

    errno = 0;
    CHECK(waitpid(-1, &status, __WALL) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("proc_clone");
}
