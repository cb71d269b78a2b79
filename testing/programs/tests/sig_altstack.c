/* sigaltstack in depth: the old stack read back, SS_ONSTACK reported inside
 * a handler running on it, EPERM when changing it while on it, SS_DISABLE,
 * bad flags, a nested signal on the alternate stack placed below the first
 * frame, a non-SA_ONSTACK handler staying on the thread stack, per-thread
 * stacks, inheritance across fork, SS_AUTODISARM, and overflow into SIGSEGV
 * handled on the alternate stack. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include "../t.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

#define STK 65536
static char stk_a[STK] __attribute__((aligned(16)));
static char stk_b[STK] __attribute__((aligned(16)));

static int on_stack(void *p, char *base, size_t size) {
    return (char *)p >= base && (char *)p < base + size;
}

static int raw_sigaltstack(const stack_t *ss, stack_t *old) {
    return (int)syscall(SYS_sigaltstack, ss, old);
}

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags) {
    t_handle_info(sig, fn, SA_SIGINFO | flags);
}

/* ---- state recorded by handlers ---- */
static volatile int h_ss_flags = -1;
static volatile int h_onstk;
static volatile int h_change_rc, h_change_errno;
static volatile int h_disable_rc, h_disable_errno;
static volatile int h_same_rc;
static volatile uintptr_t outer_addr, inner_addr;
static volatile int inner_onstk;

static void h_report(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)si; (void)uc;
    int local;
    stack_t cur;
    raw_sigaltstack(NULL, &cur);
    h_ss_flags = cur.ss_flags;
    h_onstk = on_stack(&local, stk_a, STK);
    /* Changing the stack while on it is EPERM. */
    stack_t ns = {.ss_sp = stk_b, .ss_size = STK, .ss_flags = 0};
    errno = 0;
    h_change_rc = raw_sigaltstack(&ns, NULL);
    h_change_errno = errno;
    stack_t dis = {.ss_flags = SS_DISABLE};
    errno = 0;
    h_disable_rc = raw_sigaltstack(&dis, NULL);
    h_disable_errno = errno;
    /* Reading only (NULL new) works on the stack. */
    h_same_rc = raw_sigaltstack(NULL, &cur);
}

static void h_inner(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)si; (void)uc;
    int local;
    inner_addr = (uintptr_t)&local;
    inner_onstk = on_stack(&local, stk_a, STK);
}

static void h_outer(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)si; (void)uc;
    int local;
    outer_addr = (uintptr_t)&local;
    raise(SIGUSR2);
}

static volatile int plain_onstk = -1;
static void h_plain(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)si; (void)uc;
    int local;
    plain_onstk = on_stack(&local, stk_a, STK);
}

static volatile int disarm_flags_in = -1, disarm_onstk;
static void h_disarm(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)si; (void)uc;
    int local;
    stack_t cur;
    raw_sigaltstack(NULL, &cur);
    disarm_flags_in = cur.ss_flags;
    disarm_onstk = on_stack(&local, stk_a, STK);
}

/* Thread: its own alternate stack starts disabled. */
static volatile int thr_initial_flags = -1;
static volatile int thr_onstk = -1;
static void h_thr(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)si; (void)uc;
    int local;
    thr_onstk = on_stack(&local, stk_b, STK);
}
static void *thread_fn(void *arg) {
    (void)arg;
    stack_t cur;
    raw_sigaltstack(NULL, &cur);
    thr_initial_flags = cur.ss_flags;
    stack_t ns = {.ss_sp = stk_b, .ss_size = STK, .ss_flags = 0};
    raw_sigaltstack(&ns, NULL);
    raise(SIGUSR1);
    return NULL;
}

/* Overflow: infinite recursion ends in SIGSEGV, handled on the altstack. */
static volatile int segv_onstk;
static void h_segv(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)si; (void)uc;
    int local;
    segv_onstk = on_stack(&local, stk_a, STK);
    _exit(segv_onstk ? 7 : 8);
}
static volatile int sink;
static int recurse(int n) {
    volatile char buf[1024];
    buf[0] = (char)n;
    sink += buf[0];
    if (sink == -12345)
        return 0;
    return recurse(n + 1) + buf[0];
}

int main(void) {
    t_watchdog(30);
    stack_t old, ss;

    /* Initial state: disabled. */
    CHECK(raw_sigaltstack(NULL, &old) == 0 && old.ss_flags == SS_DISABLE, "initially the alternate stack is SS_DISABLE",
          "flags %d", old.ss_flags);

    ss.ss_sp = stk_a;
    ss.ss_size = STK;
    ss.ss_flags = 0;
    CHECK(raw_sigaltstack(&ss, NULL) == 0, "sigaltstack installs a stack", "errno %d", errno);
    memset(&old, 0, sizeof old);
    raw_sigaltstack(NULL, &old);
    CHECK(old.ss_sp == stk_a && old.ss_size == STK && old.ss_flags == 0, "the installed stack reads back with flags 0",
          "sp ok %d size %zu flags %d", old.ss_sp == stk_a, old.ss_size, old.ss_flags);

    ss.ss_flags = 0x4;
    errno = 0;
    CHECK(raw_sigaltstack(&ss, NULL) == -1 && errno == EINVAL, "sigaltstack with unknown flags is EINVAL", "errno %d",
          errno);
    ss.ss_flags = SS_ONSTACK;
    CHECK(raw_sigaltstack(&ss, NULL) == 0, "SS_ONSTACK as a new flag is accepted like 0", "errno %d", errno);
    ss.ss_flags = 0;
    ss.ss_size = 1024;
    errno = 0;
    CHECK(raw_sigaltstack(&ss, NULL) == -1 && errno == ENOMEM, "a 1 KiB stack is ENOMEM", "errno %d", errno);
    errno = 0;
    CHECK(raw_sigaltstack((stack_t *)1, NULL) == -1 && errno == EFAULT, "a bad new-stack pointer is EFAULT", "errno %d",
          errno);
    ss.ss_size = STK;
    raw_sigaltstack(&ss, NULL);

    /* Inside an SA_ONSTACK handler. */
    set_handler(SIGUSR1, h_report, SA_ONSTACK);
    raise(SIGUSR1);
    CHECK(h_onstk == 1, "an SA_ONSTACK handler runs on the alternate stack", "onstk %d", h_onstk);
    CHECK(h_ss_flags == SS_ONSTACK, "inside it sigaltstack reports SS_ONSTACK", "flags %d", h_ss_flags);
    CHECK(h_change_rc == -1 && h_change_errno == EPERM, "replacing the stack while on it is EPERM", "rc %d errno %d",
          h_change_rc, h_change_errno);
    CHECK(h_disable_rc == -1 && h_disable_errno == EPERM, "SS_DISABLE while on the stack is EPERM", "rc %d errno %d",
          h_disable_rc, h_disable_errno);
    CHECK(h_same_rc == 0, "reading the stack while on it works", "rc %d", h_same_rc);
    raw_sigaltstack(NULL, &old);
    CHECK(old.ss_flags == 0 && old.ss_sp == stk_a, "after the handler returns the stack is unchanged and not in use",
          "flags %d", old.ss_flags);

    /* Nested: both SA_ONSTACK; the inner frame goes below the outer one. */
    set_handler(SIGUSR1, h_outer, SA_ONSTACK);
    set_handler(SIGUSR2, h_inner, SA_ONSTACK);
    raise(SIGUSR1);
    CHECK(inner_onstk == 1 && inner_addr < outer_addr && on_stack((void *)outer_addr, stk_a, STK),
          "a nested SA_ONSTACK signal runs lower on the same alternate stack", "inner on %d below %d", inner_onstk,
          inner_addr < outer_addr);

    /* A handler without SA_ONSTACK stays on the normal stack. */
    set_handler(SIGUSR1, h_plain, 0);
    raise(SIGUSR1);
    CHECK(plain_onstk == 0, "a handler without SA_ONSTACK runs on the thread stack", "onstk %d", plain_onstk);

    /* SS_DISABLE: SA_ONSTACK handlers use the thread stack again. */
    ss.ss_flags = SS_DISABLE;
    CHECK(raw_sigaltstack(&ss, &old) == 0 && old.ss_flags == 0, "SS_DISABLE returns the previous stack",
          "flags %d", old.ss_flags);
    raw_sigaltstack(NULL, &old);
    CHECK(old.ss_flags == SS_DISABLE, "after SS_DISABLE the stack reads back disabled", "flags %d", old.ss_flags);
    set_handler(SIGUSR1, h_plain, SA_ONSTACK);
    plain_onstk = -1;
    raise(SIGUSR1);
    CHECK(plain_onstk == 0, "with the stack disabled SA_ONSTACK handlers run on the thread stack", "onstk %d",
          plain_onstk);

    /* SS_AUTODISARM: inside the handler the stack reads as disabled. */
    ss.ss_sp = stk_a;
    ss.ss_size = STK;
    ss.ss_flags = SS_AUTODISARM;
    CHECK(raw_sigaltstack(&ss, NULL) == 0, "SS_AUTODISARM is accepted", "errno %d", errno);
    raw_sigaltstack(NULL, &old);
    CHECK(old.ss_flags == (int)SS_AUTODISARM, "SS_AUTODISARM reads back", "flags %#x", old.ss_flags);
    set_handler(SIGUSR1, h_disarm, SA_ONSTACK);
    raise(SIGUSR1);
    CHECK(disarm_onstk == 1 && disarm_flags_in == SS_DISABLE,
          "with SS_AUTODISARM the handler runs on the stack and sees it disabled", "onstk %d flags %#x", disarm_onstk,
          disarm_flags_in);
    raw_sigaltstack(NULL, &old);
    CHECK(old.ss_flags == (int)SS_AUTODISARM && old.ss_sp == stk_a, "sigreturn restores the auto-disarmed stack",
          "flags %#x", old.ss_flags);
    ss.ss_flags = 0;
    raw_sigaltstack(&ss, NULL);

    /* A new thread starts with no alternate stack; its own one is used. */
    set_handler(SIGUSR1, h_thr, SA_ONSTACK);
    pthread_t t;
    pthread_create(&t, NULL, thread_fn, NULL);
    pthread_join(t, NULL);
    CHECK(thr_initial_flags == SS_DISABLE, "a new thread starts with its alternate stack disabled", "flags %d",
          thr_initial_flags);
    CHECK(thr_onstk == 1, "a thread's handler runs on that thread's own alternate stack", "onstk %d", thr_onstk);
    raw_sigaltstack(NULL, &old);
    CHECK(old.ss_sp == stk_a, "the main thread's stack is untouched by the thread's", "sp ok %d", old.ss_sp == stk_a);

    /* fork keeps the alternate stack. */
    pid_t pid = fork();
    if (pid == 0) {
        stack_t c;
        raw_sigaltstack(NULL, &c);
        _exit(c.ss_sp == stk_a && c.ss_size == STK && c.ss_flags == 0 ? 0 : 1);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a forked child inherits the alternate stack", "status %#x", st);

    /* Stack overflow: SIGSEGV handled on the alternate stack. */
    pid = fork();
    if (pid == 0) {
        set_handler(SIGSEGV, h_segv, SA_ONSTACK);
        recurse(0);
        _exit(9);
    }
    st = -1;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7, "a stack overflow's SIGSEGV is handled on the alternate stack",
          "status %#x", st);

    /* Overflow without an alternate stack: the SIGSEGV kills the process. */
    pid = fork();
    if (pid == 0) {
        stack_t d = {.ss_flags = SS_DISABLE};
        raw_sigaltstack(&d, NULL);
        set_handler(SIGSEGV, h_segv, SA_ONSTACK);
        recurse(0);
        _exit(9);
    }
    st = -1;
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "overflow without an alternate stack dies of SIGSEGV",
          "status %#x", st);

    return t_done("sig_altstack");
}
