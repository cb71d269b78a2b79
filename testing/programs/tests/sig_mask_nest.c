/* Signal masks around handlers: the mask inside a handler (old | sa_mask |
 * the signal, without it under SA_NODEFER), restored on return even when
 * the handler changed it, replaced by a uc_sigmask the handler edits, a
 * signal of sa_mask held until the return, three levels of nesting in
 * order, registers edited in uc_mcontext taking effect (skipping a ud2),
 * siglongjmp out of a handler restoring the mask, per-thread masks and
 * pending sets, and rt_sigprocmask's argument checks. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <ucontext.h>
#include "../t.h"

static sigset_t cur_mask(void) {
    sigset_t s;
    sigprocmask(SIG_BLOCK, NULL, &s);
    return s;
}

static void set(int sig, void (*fn)(int, siginfo_t *, void *), int flags, const int *mask_sigs) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    for (; mask_sigs && *mask_sigs; mask_sigs++)
        sigaddset(&sa.sa_mask, *mask_sigs);
    sigaction(sig, &sa, NULL);
}

static volatile int in_usr1_self, in_usr1_hup, in_usr1_int, in_usr1_term;
static void h_mask(int sig, siginfo_t *si, void *uc) {
    (void)si; (void)uc;
    sigset_t m = cur_mask();
    in_usr1_self = sigismember(&m, sig);
    in_usr1_hup = sigismember(&m, SIGHUP);   /* from sa_mask */
    in_usr1_int = sigismember(&m, SIGINT);   /* from the old mask */
    in_usr1_term = sigismember(&m, SIGTERM); /* in neither */
}

static void h_change(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)si; (void)uc;
    sigset_t s;
    sigfillset(&s);
    sigprocmask(SIG_SETMASK, &s, NULL);
}

static void h_edit_uc(int sig, siginfo_t *si, void *ucv) {
    (void)sig; (void)si;
    ucontext_t *uc = ucv;
    sigaddset(&uc->uc_sigmask, SIGWINCH);
}

static volatile int order[8], norder;
static void h_held(int sig, siginfo_t *si, void *uc) {
    (void)si; (void)uc;
    order[norder++] = sig;
    if (sig == SIGUSR1) {
        raise(SIGUSR2); /* in sa_mask: held */
        order[norder++] = -1;
    }
}

static void h_nest(int sig, siginfo_t *si, void *uc) {
    (void)si; (void)uc;
    order[norder++] = sig;
    if (sig == SIGUSR1)
        raise(SIGUSR2);
    else if (sig == SIGUSR2)
        raise(SIGHUP);
    order[norder++] = -sig;
}

static void h_skip_ud2(int sig, siginfo_t *si, void *ucv) {
    (void)sig; (void)si;
    ucontext_t *uc = ucv;
    uc->uc_mcontext.gregs[REG_RIP] += 2;
    uc->uc_mcontext.gregs[REG_RAX] = 0x5151;
}

static sigjmp_buf jb;
static volatile int jumped;
static void h_jump(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)si; (void)uc;
    jumped = 1;
    siglongjmp(jb, 1);
}

static volatile int thr_inherit, thr_pending_usr2, thr_pending_usr1;
static volatile int thr_go;
static void *thr(void *arg) {
    (void)arg;
    sigset_t m = cur_mask();
    thr_inherit = sigismember(&m, SIGUSR1) && sigismember(&m, SIGUSR2);
    /* Change our own mask: the main thread's stays. */
    sigset_t u;
    sigemptyset(&u);
    sigaddset(&u, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &u, NULL);
    thr_go = 1;
    while (thr_go != 2)
        t_sleep_ms(1);
    sigset_t p;
    sigpending(&p);
    thr_pending_usr1 = sigismember(&p, SIGUSR1); /* thread-directed at main */
    thr_pending_usr2 = sigismember(&p, SIGUSR2); /* process-directed */
    thr_go = 3;
    return NULL;
}

int main(void) {
    t_watchdog(30);
    sigset_t s, m;
    int hup_term[] = {SIGHUP, 0};

    /* 1. The mask inside a handler. */
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigprocmask(SIG_SETMASK, &s, NULL);
    set(SIGUSR1, h_mask, 0, hup_term);
    raise(SIGUSR1);
    CHECK(in_usr1_self == 1 && in_usr1_hup == 1 && in_usr1_int == 1 && in_usr1_term == 0,
          "inside the handler the mask is the old mask, sa_mask and the signal", "self %d hup %d int %d term %d",
          in_usr1_self, in_usr1_hup, in_usr1_int, in_usr1_term);
    set(SIGUSR1, h_mask, SA_NODEFER, hup_term);
    raise(SIGUSR1);
    CHECK(in_usr1_self == 0 && in_usr1_hup == 1, "SA_NODEFER leaves the signal out but still applies sa_mask",
          "self %d hup %d", in_usr1_self, in_usr1_hup);
    m = cur_mask();
    CHECK(sigismember(&m, SIGINT) && !sigismember(&m, SIGHUP) && !sigismember(&m, SIGUSR1),
          "after the handler the old mask is back", "int %d hup %d", sigismember(&m, SIGINT), sigismember(&m, SIGHUP));

    /* 2. A handler that changes its mask: the saved one is restored. */
    set(SIGUSR1, h_change, 0, NULL);
    raise(SIGUSR1);
    m = cur_mask();
    CHECK(sigismember(&m, SIGINT) && !sigismember(&m, SIGTERM), "sigprocmask inside a handler is undone by sigreturn",
          "term %d", sigismember(&m, SIGTERM));

    /* 3. Editing uc_sigmask sets the mask after the return. */
    set(SIGUSR1, h_edit_uc, 0, NULL);
    raise(SIGUSR1);
    m = cur_mask();
    CHECK(sigismember(&m, SIGWINCH) && sigismember(&m, SIGINT), "a handler's edit of uc_sigmask is the mask afterwards",
          "winch %d", sigismember(&m, SIGWINCH));
    sigemptyset(&s);
    sigprocmask(SIG_SETMASK, &s, NULL);

    /* 4. A signal in sa_mask raised by the handler waits for its return. */
    int usr2[] = {SIGUSR2, 0};
    set(SIGUSR1, h_held, 0, usr2);
    set(SIGUSR2, h_held, 0, NULL);
    norder = 0;
    raise(SIGUSR1);
    CHECK(norder == 3 && order[0] == SIGUSR1 && order[1] == -1 && order[2] == SIGUSR2,
          "a signal blocked by sa_mask is delivered right after the handler returns", "n %d", norder);

    /* 5. Three levels of nesting, in order. */
    set(SIGUSR1, h_nest, 0, NULL);
    set(SIGUSR2, h_nest, 0, NULL);
    set(SIGHUP, h_nest, 0, NULL);
    norder = 0;
    raise(SIGUSR1);
    int want[6] = {SIGUSR1, SIGUSR2, SIGHUP, -SIGHUP, -SIGUSR2, -SIGUSR1};
    int ok = norder == 6;
    for (int i = 0; ok && i < 6; i++)
        ok = order[i] == want[i];
    CHECK(ok, "three nested handlers enter and return in stack order", "n %d", norder);

    /* 6. Registers edited in uc_mcontext: skip a ud2 and set rax. */
    set(SIGILL, h_skip_ud2, 0, NULL);
    long rax;
    __asm__ volatile("xor %%eax, %%eax\n\tud2\n\tmov %%rax, %0" : "=r"(rax) : : "rax", "memory");
    CHECK(rax == 0x5151, "rip and rax edited in uc_mcontext take effect on return", "rax %#lx", rax);
    signal(SIGILL, SIG_DFL);

    /* 7. siglongjmp out of a handler restores the saved mask. */
    set(SIGUSR1, h_jump, 0, hup_term);
    if (sigsetjmp(jb, 1) == 0)
        raise(SIGUSR1);
    m = cur_mask();
    CHECK(jumped && !sigismember(&m, SIGUSR1) && !sigismember(&m, SIGHUP),
          "siglongjmp from a handler restores the mask of sigsetjmp", "usr1 %d hup %d", sigismember(&m, SIGUSR1),
          sigismember(&m, SIGHUP));

    /* 8. Per-thread masks and pending sets. */
    set(SIGUSR1, h_mask, 0, NULL);
    set(SIGUSR2, h_mask, 0, NULL);
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, NULL);
    pthread_t t;
    thr_go = 0;
    pthread_create(&t, NULL, thr, NULL);
    while (thr_go != 1)
        t_sleep_ms(1);
    m = cur_mask();
    CHECK(!sigismember(&m, SIGHUP), "a thread's mask change does not touch the main thread", "hup %d",
          sigismember(&m, SIGHUP));
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
    kill(getpid(), SIGUSR2);
    thr_go = 2;
    while (thr_go != 3)
        t_sleep_ms(1);
    pthread_join(t, NULL);
    CHECK(thr_inherit == 1, "a new thread starts with its creator's mask", "inherit %d", thr_inherit);
    CHECK(thr_pending_usr1 == 0 && thr_pending_usr2 == 1,
          "sigpending shows the process's pending signals but not another thread's", "usr1 %d usr2 %d",
          thr_pending_usr1, thr_pending_usr2);
    sigpending(&m);
    CHECK(sigismember(&m, SIGUSR1) && sigismember(&m, SIGUSR2), "the target thread sees both as pending",
          "usr1 %d usr2 %d", sigismember(&m, SIGUSR1), sigismember(&m, SIGUSR2));
    struct timespec zero = {0, 0};
    sigtimedwait(&s, NULL, &zero);
    sigtimedwait(&s, NULL, &zero);

    /* 9. rt_sigprocmask argument checks. */
    uint64_t k = (1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)), got = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &k, NULL, 8);
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &got, 8);
    CHECK((got & k) == 0, "SIGKILL and SIGSTOP cannot be blocked (silently)", "mask %#llx", (unsigned long long)got);
    errno = 0;
    CHECK(syscall(SYS_rt_sigprocmask, 7, &k, NULL, 8) == -1 && errno == EINVAL, "an unknown how is EINVAL",
          "errno %d", errno);
    errno = 0;
    CHECK(syscall(SYS_rt_sigprocmask, 7, NULL, &got, 8) == 0, "an unknown how with a NULL set only reads the mask",
          "errno %d", errno);
    errno = 0;
    CHECK(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &k, NULL, 4) == -1 && errno == EINVAL, "a sigsetsize of 4 is EINVAL",
          "errno %d", errno);
    errno = 0;
    CHECK(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)1, NULL, 8) == -1 && errno == EFAULT,
          "a bad set pointer is EFAULT", "errno %d", errno);

    return t_done("sig_mask_nest");
}
