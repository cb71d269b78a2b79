/* Signals: rt_sigaction round trip (flags, SA_RESTORER, sa_mask without
 * SIGKILL/SIGSTOP), delivery via kill/tgkill/tkill/rt_sigqueueinfo with
 * siginfo fields, pending and blocked signals (standard signals coalesce,
 * real-time signals queue), SA_RESETHAND, SA_NODEFER, nesting, sa_mask,
 * the mask inside a handler, sigaltstack, invalid requests, default actions
 * in forked children, SIGCHLD siginfo, and FPU/SSE state across a handler. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

struct ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static pid_t gettid_raw(void) { return (pid_t)syscall(SYS_gettid); }
static uint64_t bit(int sig) { return 1ULL << (sig - 1); }
static uint64_t cur_mask(void) {
    uint64_t m = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
    return m;
}

static volatile int hits, depth, max_depth;
static volatile int last_signo, last_code, last_pid, last_uid, last_value;
static volatile uint64_t mask_in_handler;
static volatile uintptr_t local_addr;
static volatile int onstack_flag;

static void h_info(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    hits++;
    last_signo = si->si_signo;
    last_code = si->si_code;
    last_pid = si->si_pid;
    last_uid = si->si_uid;
    last_value = si->si_value.sival_int;
    mask_in_handler = cur_mask();
    (void)sig;
}

static void h_count(int sig) {
    (void)sig;
    hits++;
}

/* Re-raises its own signal once from inside; records the nesting depth. */
static void h_reraise(int sig) {
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    hits++;
    if (hits == 1)
        raise(sig);
    depth--;
}

static volatile int usr2_depth_seen;
static void h_usr2(int sig) {
    (void)sig;
    usr2_depth_seen = depth;
    hits++;
}
static void h_usr1_nests(int sig) {
    (void)sig;
    depth++;
    mask_in_handler = cur_mask();
    raise(SIGUSR2);
    last_value = hits; /* how many SIGUSR2 handlers had run before we return */
    depth--;
}

static void h_stack(int sig) {
    (void)sig;
    volatile int local = 0;
    local_addr = (uintptr_t)&local;
    stack_t ss;
    sigaltstack(NULL, &ss);
    onstack_flag = (ss.ss_flags & SS_ONSTACK) != 0;
    hits++;
}

static volatile int chld_code, chld_pid, chld_status;
static void h_chld(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    (void)uc;
    chld_code = si->si_code;
    chld_pid = si->si_pid;
    chld_status = si->si_status;
}

static volatile double fp_sink;
static volatile unsigned handler_mxcsr;
static void h_fp(int sig) {
    (void)sig;
    unsigned m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    handler_mxcsr = m;
    /* Clobber the registers the interrupted code keeps values in. */
    __asm__ volatile("pcmpeqd %%xmm8, %%xmm8\n\tpcmpeqd %%xmm15, %%xmm15" ::: "xmm8", "xmm15");
    double x = 1.0;
    for (int i = 1; i < 200; i++)
        x = x * 1.0001 + 3.0 / i;
    fp_sink = x;
    hits++;
}

static void install(int sig, void (*h)(int), int flags, const sigset_t *mask) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    if (mask)
        sa.sa_mask = *mask;
    else
        sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}
static void install_info(int sig, void (*h)(int, siginfo_t *, void *), int flags) {
    t_handle_info(sig, h, flags | SA_SIGINFO);
}

static int child_status(pid_t pid) {
    int st = 0;
    waitpid(pid, &st, 0);
    return st;
}

int main(void) {
    pid_t me = getpid();
    int r;

    /* rt_sigaction round trip. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h_info;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaddset(&sa.sa_mask, SIGKILL);
    sigaddset(&sa.sa_mask, SIGSTOP);
    sigaction(SIGUSR1, &sa, NULL);
    struct ksigaction k;
    memset(&k, 0, sizeof k);
    r = (int)syscall(SYS_rt_sigaction, SIGUSR1, NULL, &k, 8);
    unsigned long want = SA_SIGINFO | SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_ONSTACK;
    CHECK(r == 0 && k.handler == (void *)h_info && (k.flags & want) == want, "rt_sigaction reads back handler and flags",
          "r %d flags %#lx", r, k.flags);
    CHECK((k.flags & SA_RESTORER) && k.restorer != NULL, "libc sets SA_RESTORER and a restorer", "flags %#lx",
          k.flags);
    CHECK(k.mask == bit(SIGUSR2), "sa_mask reads back without SIGKILL and SIGSTOP", "mask %#llx",
          (unsigned long long)k.mask);
    errno = 0;
    r = (int)syscall(SYS_rt_sigaction, SIGUSR1, NULL, &k, 4);
    CHECK(r == -1 && errno == EINVAL, "rt_sigaction with sigsetsize 4 is EINVAL", "r %d errno %d", r, errno);

    /* Delivery and siginfo. */
    install_info(SIGUSR1, h_info, 0);
    hits = 0;
    kill(me, SIGUSR1);
    CHECK(hits == 1 && last_signo == SIGUSR1 && last_code == SI_USER && last_pid == me && last_uid == (int)getuid(),
          "kill to self runs the handler with SI_USER, si_pid, si_uid", "hits %d code %d", hits, last_code);
    hits = 0;
    syscall(SYS_tgkill, me, gettid_raw(), SIGUSR1);
    int c1 = last_code;
    syscall(SYS_tkill, gettid_raw(), SIGUSR1);
    CHECK(hits == 2 && c1 == SI_TKILL && last_code == SI_TKILL && last_pid == me, "tgkill and tkill deliver with SI_TKILL",
          "hits %d codes %d %d", hits, c1, last_code);
    siginfo_t qi;
    memset(&qi, 0, sizeof qi);
    qi.si_signo = SIGUSR1;
    qi.si_code = SI_QUEUE;
    qi.si_pid = me;
    qi.si_uid = getuid();
    qi.si_value.sival_int = 1234;
    hits = 0;
    r = (int)syscall(SYS_rt_sigqueueinfo, me, SIGUSR1, &qi);
    CHECK(r == 0 && hits == 1 && last_code == SI_QUEUE && last_value == 1234 && last_pid == me,
          "rt_sigqueueinfo delivers SI_QUEUE with si_value", "r %d hits %d code %d value %d", r, hits, last_code,
          last_value);

    /* rt_sigqueueinfo to another process with a non-negative si_code is EPERM. */
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 500; i++)
            usleep(10000);
        _exit(0);
    }
    qi.si_code = SI_USER;
    errno = 0;
    r = (int)syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &qi);
    CHECK(r == -1 && errno == EPERM, "rt_sigqueueinfo with si_code >= 0 to another process is EPERM", "r %d errno %d",
          r, errno);
    kill(pid, SIGKILL);
    child_status(pid);

    /* Blocked signals stay pending; standard ones coalesce, RT ones queue. */
    sigset_t blk, old, pend;
    sigemptyset(&blk);
    sigaddset(&blk, SIGUSR1);
    sigaddset(&blk, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &blk, &old);
    install(SIGRTMIN, h_count, 0, NULL);
    hits = 0;
    kill(me, SIGUSR1);
    kill(me, SIGUSR1);
    int before = hits;
    sigpending(&pend);
    int pending_ok = sigismember(&pend, SIGUSR1) == 1;
    sigprocmask(SIG_SETMASK, &old, NULL);
    CHECK(before == 0 && pending_ok && hits == 1, "a blocked signal is pending, then delivered once on unblock",
          "before %d pending %d hits %d", before, pending_ok, hits);
    sigprocmask(SIG_BLOCK, &blk, &old);
    hits = 0;
    for (int i = 0; i < 3; i++) {
        union sigval v = {.sival_int = i};
        sigqueue(me, SIGRTMIN, v);
    }
    before = hits;
    sigprocmask(SIG_SETMASK, &old, NULL);
    CHECK(before == 0 && hits == 3, "three queued real-time signals are delivered three times", "before %d hits %d",
          before, hits);

    /* SA_RESETHAND. */
    install(SIGUSR1, h_count, SA_RESETHAND, NULL);
    hits = 0;
    raise(SIGUSR1);
    sigaction(SIGUSR1, NULL, &sa);
    CHECK(hits == 1 && sa.sa_handler == SIG_DFL, "SA_RESETHAND resets the disposition after one delivery",
          "hits %d", hits);

    /* SA_NODEFER vs the default: recursion depth. */
    install(SIGUSR1, h_reraise, SA_NODEFER, NULL);
    hits = depth = max_depth = 0;
    raise(SIGUSR1);
    CHECK(hits == 2 && max_depth == 2, "SA_NODEFER lets the same signal nest (depth 2)", "hits %d depth %d", hits,
          max_depth);
    install(SIGUSR1, h_reraise, 0, NULL);
    hits = depth = max_depth = 0;
    raise(SIGUSR1);
    CHECK(hits == 2 && max_depth == 1, "without SA_NODEFER the re-raised signal waits for the handler to return",
          "hits %d depth %d", hits, max_depth);

    /* Mask inside a handler. */
    install_info(SIGUSR1, h_info, 0);
    raise(SIGUSR1);
    uint64_t m_default = mask_in_handler;
    install_info(SIGUSR1, h_info, SA_NODEFER);
    raise(SIGUSR1);
    uint64_t m_nodefer = mask_in_handler;
    CHECK((m_default & bit(SIGUSR1)) && !(m_nodefer & bit(SIGUSR1)) && !(cur_mask() & bit(SIGUSR1)),
          "the handler's mask has its signal unless SA_NODEFER, restored after", "default %#llx nodefer %#llx",
          (unsigned long long)m_default, (unsigned long long)m_nodefer);

    /* Nested different signals, and sa_mask deferring one. */
    install(SIGUSR2, h_usr2, 0, NULL);
    install(SIGUSR1, h_usr1_nests, 0, NULL);
    hits = depth = 0;
    usr2_depth_seen = -1;
    raise(SIGUSR1);
    CHECK(last_value == 1 && usr2_depth_seen == 1, "a different signal nests inside a running handler",
          "inner hits %d depth %d", last_value, usr2_depth_seen);
    sigset_t sm;
    sigemptyset(&sm);
    sigaddset(&sm, SIGUSR2);
    install(SIGUSR1, h_usr1_nests, 0, &sm);
    hits = depth = 0;
    usr2_depth_seen = -1;
    raise(SIGUSR1);
    CHECK(last_value == 0 && hits == 1 && usr2_depth_seen == 0 && (mask_in_handler & bit(SIGUSR2)),
          "sa_mask blocks SIGUSR2 during the handler; it runs afterwards", "inner %d hits %d depth %d", last_value,
          hits, usr2_depth_seen);

    /* sigaltstack. */
    static char alt[65536] __attribute__((aligned(16)));
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    r = sigaltstack(&ss, NULL);
    install(SIGUSR1, h_stack, SA_ONSTACK, NULL);
    local_addr = 0;
    raise(SIGUSR1);
    int on = local_addr >= (uintptr_t)alt && local_addr < (uintptr_t)alt + sizeof alt && onstack_flag;
    install(SIGUSR1, h_stack, 0, NULL);
    raise(SIGUSR1);
    int off = !(local_addr >= (uintptr_t)alt && local_addr < (uintptr_t)alt + sizeof alt) && !onstack_flag;
    CHECK(r == 0 && on && off, "SA_ONSTACK handlers run on the alternate stack (SS_ONSTACK), others do not",
          "r %d on %d off %d", r, on, off);
    stack_t tiny = {.ss_sp = alt, .ss_size = 1024, .ss_flags = 0};
    errno = 0;
    r = sigaltstack(&tiny, NULL);
    CHECK(r == -1 && errno == ENOMEM, "sigaltstack smaller than MINSIGSTKSZ is ENOMEM", "r %d errno %d", r, errno);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);

    /* Invalid requests. */
    install(SIGUSR1, h_count, 0, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h_count;
    errno = 0;
    r = sigaction(SIGKILL, &sa, NULL);
    int e1 = errno;
    errno = 0;
    int r2 = sigaction(SIGSTOP, &sa, NULL);
    int e2 = errno;
    sa.sa_handler = SIG_IGN;
    errno = 0;
    int r3 = sigaction(SIGKILL, &sa, NULL);
    CHECK(r == -1 && e1 == EINVAL && r2 == -1 && e2 == EINVAL && r3 == -1 && errno == EINVAL &&
              sigaction(SIGKILL, NULL, &sa) == 0,
          "SIGKILL and SIGSTOP cannot be caught or ignored (EINVAL), only read", "e1 %d e2 %d e3 %d", e1, e2, errno);
    errno = 0;
    r = (int)syscall(SYS_rt_sigaction, 0, NULL, &k, 8);
    e1 = errno;
    errno = 0;
    r2 = (int)syscall(SYS_rt_sigaction, 65, NULL, &k, 8);
    e2 = errno;
    errno = 0;
    r3 = kill(me, 65);
    CHECK(r == -1 && e1 == EINVAL && r2 == -1 && e2 == EINVAL && r3 == -1 && errno == EINVAL && kill(me, 0) == 0,
          "signal numbers 0 and 65 are EINVAL; kill with 0 only probes", "e1 %d e2 %d e3 %d", e1, e2, errno);

    /* Default actions, in forked children. */
    int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid = fork();
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        raise(SIGTERM);
        _exit(0);
    }
    int st = child_status(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "SIGTERM's default action terminates", "status %#x", st);
    pid = fork();
    if (pid == 0) {
        raise(SIGCHLD);
        raise(SIGURG);
        raise(SIGWINCH);
        raise(SIGCONT);
        _exit(7);
    }
    st = child_status(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7, "SIGCHLD, SIGURG, SIGWINCH and SIGCONT are ignored by default",
          "status %#x", st);
    sh[0] = 0;
    pid = fork();
    if (pid == 0) {
        raise(SIGSTOP);
        for (int i = 0; i < 10000 && __atomic_load_n(&sh[0], __ATOMIC_SEQ_CST) == 0; i++)
            usleep(1000);
        _exit(8);
    }
    int st1 = 0, st2 = 0;
    waitpid(pid, &st1, WUNTRACED);
    kill(pid, SIGCONT);
    waitpid(pid, &st2, WCONTINUED);
    __atomic_store_n(&sh[0], 1, __ATOMIC_SEQ_CST);
    st = child_status(pid);
    CHECK(WIFSTOPPED(st1) && WSTOPSIG(st1) == SIGSTOP && WIFCONTINUED(st2) && WIFEXITED(st) && WEXITSTATUS(st) == 8,
          "SIGSTOP stops and SIGCONT continues a child", "st1 %#x st2 %#x st %#x", st1, st2, st);

    /* SIGCHLD to the parent with CLD_EXITED. */
    install_info(SIGCHLD, h_chld, SA_RESTART);
    chld_code = chld_pid = chld_status = 0;
    pid = fork();
    if (pid == 0)
        _exit(9);
    child_status(pid);
    for (int i = 0; i < 1000 && chld_pid == 0; i++)
        usleep(1000);
    CHECK(chld_code == CLD_EXITED && chld_pid == pid && chld_status == 9,
          "SIGCHLD reaches the parent with CLD_EXITED, si_pid, si_status", "code %d status %d", chld_code,
          chld_status);
    signal(SIGCHLD, SIG_DFL);

    /* FPU/SSE state across a handler that uses floating point. */
    install(SIGUSR1, h_fp, 0, NULL);
    double in8 = 3.25, in15 = -7.5, out8 = 0, out15 = 0;
    unsigned mx_rz = 0x1f80 | (3u << 13); /* round toward zero */
    unsigned mx_saved, mx_after;
    __asm__ volatile("stmxcsr %0" : "=m"(mx_saved));
    __asm__ volatile("ldmxcsr %0" ::"m"(mx_rz));
    hits = 0;
    long mytid = gettid_raw();
    {
        register long rax __asm__("rax") = SYS_tgkill;
        register long rdi __asm__("rdi") = me;
        register long rsi __asm__("rsi") = mytid;
        register long rdx __asm__("rdx") = SIGUSR1;
        __asm__ volatile("movsd %[a], %%xmm8\n\t"
                         "movsd %[b], %%xmm15\n\t"
                         "syscall\n\t"
                         "movsd %%xmm8, %[c]\n\t"
                         "movsd %%xmm15, %[d]\n\t"
                         : "+r"(rax), [c] "=m"(out8), [d] "=m"(out15)
                         : [a] "m"(in8), [b] "m"(in15), "r"(rdi), "r"(rsi), "r"(rdx)
                         : "rcx", "r11", "xmm8", "xmm15", "memory");
    }
    __asm__ volatile("stmxcsr %0" : "=m"(mx_after));
    __asm__ volatile("ldmxcsr %0" ::"m"(mx_saved));
    CHECK(hits == 1 && out8 == 3.25 && out15 == -7.5, "xmm registers survive a handler that uses floating point",
          "hits %d", hits);
    CHECK(handler_mxcsr == 0x1f80 && mx_after == mx_rz, "the handler starts with the default MXCSR; ours is restored",
          "handler %#x after %#x", handler_mxcsr, mx_after);
    volatile double acc = 0;
    hits = 0;
    for (int i = 1; i <= 2000; i++) {
        acc += 1.0 / i;
        if (i % 500 == 0)
            raise(SIGUSR1);
    }
    double ref = 0;
    for (int i = 1; i <= 2000; i++)
        ref += 1.0 / i;
    CHECK(hits == 4 && acc == ref, "a floating point loop interrupted by handlers gets the same result", "hits %d",
          hits);

    return t_done("sig_basic");
}
