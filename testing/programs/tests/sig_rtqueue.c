/* Queued signals: real-time signals queued in order with their values and
 * delivered lowest number first, standard signals coalesced and delivered
 * before real-time ones, rt_sigqueueinfo/rt_tgsigqueueinfo rules (si_code,
 * EINVAL/ESRCH/EPERM), sigtimedwait picking the lowest, and queued
 * signals dropped when the action is set to SIG_IGN. RLIMIT_SIGPENDING is
 * in ../pending/sig_rlimit_sigpending.c. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include "../t.h"

#define MAXLOG 64
static volatile int log_sig[MAXLOG], log_val[MAXLOG], log_code[MAXLOG];
static volatile int nlog;

static void h_log(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    if (nlog < MAXLOG) {
        log_sig[nlog] = sig;
        log_val[nlog] = si->si_value.sival_int;
        log_code[nlog] = si->si_code;
        nlog++;
    }
}

static void set_handler(int sig) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h_log;
    sa.sa_flags = SA_SIGINFO;
    sigfillset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void block(int sig) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_BLOCK, &s, NULL);
}

static void unblock_all(void) {
    sigset_t s;
    sigemptyset(&s);
    sigprocmask(SIG_SETMASK, &s, NULL);
}

static long tgqinfo(pid_t tgid, pid_t tid, int sig, int code, int val) {
    siginfo_t si = t_siginfo(sig, code, val);
    return syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, &si);
}

static int raw_timedwait(const sigset_t *set, siginfo_t *si) {
    struct timespec ts = {0, 0};
    return (int)syscall(SYS_rt_sigtimedwait, set, si, &ts, 8);
}

/* thread target for rt_tgsigqueueinfo */
static volatile pid_t thr_tid;
static volatile int thr_go, thr_got_sig, thr_got_val, thr_got_tid;
static void h_thr(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    thr_got_sig = sig;
    thr_got_val = si->si_value.sival_int;
    thr_got_tid = (int)syscall(SYS_gettid);
}
static void *thread_fn(void *arg) {
    (void)arg;
    thr_tid = (pid_t)syscall(SYS_gettid);
    sigset_t s;
    sigemptyset(&s);
    pthread_sigmask(SIG_SETMASK, &s, NULL);
    for (int i = 0; i < 5000 && !thr_got_sig; i++)
        t_sleep_ms(1);
    return NULL;
}

int main(void) {
    t_watchdog(30);
    int rt = SIGRTMIN;
    pid_t me = getpid();

    /* 1. Order and values of one real-time signal. */
    set_handler(rt);
    block(rt);
    for (int i = 0; i < 5; i++)
        t_sigqueueinfo(me, rt, SI_QUEUE, 100 + i);
    sigset_t pend;
    sigpending(&pend);
    CHECK(sigismember(&pend, rt) == 1, "queued real-time signal is pending while blocked", "pending %d",
          sigismember(&pend, rt));
    nlog = 0;
    unblock_all();
    int ordered = nlog == 5;
    for (int i = 0; i < 5 && ordered; i++)
        ordered = log_sig[i] == rt && log_val[i] == 100 + i && log_code[i] == SI_QUEUE;
    CHECK(ordered, "five queued instances arrive in order with their values and SI_QUEUE", "n %d", nlog);

    /* 2. Several real-time signals: lowest number first, each in its order. */
    set_handler(rt + 1);
    set_handler(rt + 2);
    block(rt);
    block(rt + 1);
    block(rt + 2);
    t_sigqueueinfo(me, rt + 2, SI_QUEUE, 1);
    t_sigqueueinfo(me, rt + 1, SI_QUEUE, 2);
    t_sigqueueinfo(me, rt + 2, SI_QUEUE, 3);
    t_sigqueueinfo(me, rt, SI_QUEUE, 4);
    t_sigqueueinfo(me, rt + 1, SI_QUEUE, 5);
    nlog = 0;
    unblock_all();
    int want_sig[5] = {rt, rt + 1, rt + 1, rt + 2, rt + 2};
    int want_val[5] = {4, 2, 5, 1, 3};
    ordered = nlog == 5;
    for (int i = 0; i < 5 && ordered; i++)
        ordered = log_sig[i] == want_sig[i] && log_val[i] == want_val[i];
    CHECK(ordered, "pending real-time signals are delivered lowest number first, FIFO within one", "n %d first %d",
          nlog, nlog ? log_sig[0] - rt : -1);

    /* 3. Standard signals coalesce, and come before real-time ones. */
    set_handler(SIGUSR1);
    set_handler(SIGUSR2);
    block(SIGUSR1);
    block(SIGUSR2);
    block(rt);
    t_sigqueueinfo(me, rt, SI_QUEUE, 9);
    for (int i = 0; i < 3; i++) {
        kill(me, SIGUSR2);
        t_sigqueueinfo(me, SIGUSR1, SI_QUEUE, 10 + i);
    }
    nlog = 0;
    unblock_all();
    CHECK(nlog == 3, "three sends each of SIGUSR1 and SIGUSR2 coalesce into one each", "n %d", nlog);
    CHECK(nlog == 3 && log_sig[0] == SIGUSR1 && log_sig[1] == SIGUSR2 && log_sig[2] == rt,
          "standard signals are delivered before real-time ones, lowest first", "order %d %d %d", log_sig[0],
          log_sig[1], log_sig[2]);
    CHECK(nlog >= 1 && log_val[0] == 10, "a coalesced standard signal keeps the first sender's siginfo", "val %d",
          log_val[0]);

    /* 4. sigtimedwait takes the lowest pending signal first. */
    block(SIGUSR1);
    block(rt);
    block(rt + 3);
    t_sigqueueinfo(me, rt + 3, SI_QUEUE, 31);
    t_sigqueueinfo(me, rt, SI_QUEUE, 30);
    kill(me, SIGUSR1);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, rt);
    sigaddset(&set, rt + 3);
    siginfo_t si;
    int a = raw_timedwait(&set, &si);
    int b = raw_timedwait(&set, &si);
    int bval = si.si_value.sival_int;
    int c = raw_timedwait(&set, &si);
    int d = raw_timedwait(&set, &si);
    CHECK(a == SIGUSR1 && b == rt && bval == 30 && c == rt + 3 && d == -1,
          "rt_sigtimedwait takes SIGUSR1, then SIGRTMIN, then SIGRTMIN+3", "%d %d %d %d", a, b - rt, c - rt, d);

    /* 5. rt_sigqueueinfo rules. */
    errno = 0;
    CHECK(t_sigqueueinfo(me, 0, SI_QUEUE, 0) == 0, "rt_sigqueueinfo with signal 0 only checks the target", "errno %d", errno);
    errno = 0;
    CHECK(t_sigqueueinfo(me, 65, SI_QUEUE, 0) == -1 && errno == EINVAL, "rt_sigqueueinfo with signal 65 is EINVAL",
          "errno %d", errno);
    errno = 0;
    CHECK(t_sigqueueinfo(me, rt, SI_TKILL, 0) == 0, "rt_sigqueueinfo with SI_TKILL to itself is allowed", "errno %d", errno);
    si.si_code = 0;
    raw_timedwait(&set, &si);
    CHECK(si.si_code == SI_TKILL, "the self-queued SI_TKILL siginfo arrives as given", "code %d", si.si_code);
    errno = 0;
    CHECK(t_sigqueueinfo(me, rt, SI_USER, 0) == 0, "rt_sigqueueinfo with SI_USER to itself is allowed", "errno %d", errno);
    si.si_code = 0;
    raw_timedwait(&set, &si);
    errno = 0;
    CHECK(t_sigqueueinfo(0x3fffff00, rt, SI_QUEUE, 0) == -1 && errno == ESRCH, "rt_sigqueueinfo to a missing pid is ESRCH",
          "errno %d", errno);
    errno = 0;
    CHECK(syscall(SYS_rt_sigqueueinfo, me, rt, (void *)1) == -1 && errno == EFAULT,
          "rt_sigqueueinfo with a bad siginfo pointer is EFAULT", "errno %d", errno);
    unblock_all();

    /* 6. rt_tgsigqueueinfo to a thread. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h_thr;
    sa.sa_flags = SA_SIGINFO;
    sigaction(rt + 4, &sa, NULL);
    block(rt + 4);
    pthread_t t;
    pthread_create(&t, NULL, thread_fn, NULL);
    while (!thr_tid)
        t_sleep_ms(1);
    long r = tgqinfo(me, thr_tid, rt + 4, SI_QUEUE, 77);
    pthread_join(t, NULL);
    CHECK(r == 0 && thr_got_sig == rt + 4 && thr_got_val == 77 && thr_got_tid == thr_tid,
          "rt_tgsigqueueinfo reaches the named thread with its value", "r %ld sig %d val %d", r, thr_got_sig,
          thr_got_val);
    /* pthread_join may return a moment before the thread is gone. */
    long gone = 0;
    for (int i = 0; i < 2000; i++) {
        errno = 0;
        gone = tgqinfo(me, thr_tid, rt + 4, SI_QUEUE, 0);
        if (gone == -1)
            break;
        t_sleep_ms(1);
    }
    CHECK(gone == -1 && errno == ESRCH, "rt_tgsigqueueinfo to an exited thread is ESRCH", "errno %d", errno);
    errno = 0;
    CHECK(tgqinfo(me, 0, rt + 4, SI_QUEUE, 0) == -1 && errno == EINVAL, "rt_tgsigqueueinfo with tid 0 is EINVAL",
          "errno %d", errno);
    unblock_all();

    /* 7. SIG_IGN drops what is queued. */
    block(rt + 5);
    set_handler(rt + 5);
    t_sigqueueinfo(me, rt + 5, SI_QUEUE, 1);
    t_sigqueueinfo(me, rt + 5, SI_QUEUE, 2);
    signal(rt + 5, SIG_IGN);
    sigpending(&pend);
    CHECK(sigismember(&pend, rt + 5) == 0, "setting SIG_IGN discards the queued real-time signals", "pending %d",
          sigismember(&pend, rt + 5));
    set_handler(rt + 5);
    nlog = 0;
    unblock_all();
    CHECK(nlog == 0, "nothing is delivered after the discard", "n %d", nlog);

    return t_done("sig_rtqueue");
}
