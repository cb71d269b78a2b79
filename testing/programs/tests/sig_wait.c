/* Signals meet blocking calls: futex waits and wait4 interrupted (EINTR vs
 * SA_RESTART), nanosleep's remaining time (never restarted), pause,
 * rt_sigsuspend's temporary mask, rt_sigtimedwait (pending, zero timeout,
 * 20 ms timeout, woken by another thread, queued value), tgkill to a thread
 * blocked in a futex, SIGKILL of a child blocked forever.
 * Signals come from a "nagger" thread that repeats them until the blocked
 * call has returned (so an early signal cannot make the test hang); a
 * watchdog thread ends the process with a FAIL line after 30 s. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include "../t.h"

#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static pid_t me;
static pid_t gettid_raw(void) { return (pid_t)syscall(SYS_gettid); }
static void block_all_signals(void) {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
}

static void *watchdog(void *arg) {
    (void)arg;
    block_all_signals();
    double end = t_now() + 30;
    while (t_now() < end)
        t_sleep_ms(100);
    printf("FAIL - watchdog: a blocking call never returned\n");
    fflush(stdout);
    syscall(SYS_exit_group, 1);
    return NULL;
}

static volatile int hits;
static volatile pid_t handler_tid;
static volatile uint64_t handler_mask;
static void h_count(int sig) {
    (void)sig;
    hits++;
    handler_tid = gettid_raw();
    uint64_t m = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
    handler_mask = m;
}
static void install(int sig, int flags) {
    t_handle(sig, h_count, flags);
}

/* Nagger: after 50 ms, sends sig to tid every 100 ms until *done; after
 * give_up_ms it calls fallback (which must unblock the waiter) once. */
struct nag {
    pid_t tid;
    int sig;
    volatile int done;
    int give_up_ms;
    void (*fallback)(void);
    int sent;
    pthread_t th;
};
static void *nag_main(void *arg) {
    struct nag *n = arg;
    block_all_signals();
    t_sleep_ms(50);
    double start = t_now();
    int fell_back = 0;
    while (!n->done) {
        if (!fell_back && (t_now() - start) * 1000 > n->give_up_ms) {
            fell_back = 1;
            if (n->fallback)
                n->fallback();
        }
        if (!fell_back) {
            syscall(SYS_tgkill, me, n->tid, n->sig);
            n->sent++;
        }
        t_sleep_ms(100);
    }
    return NULL;
}
static void nag_start(struct nag *n, pid_t tid, int sig, int give_up_ms, void (*fallback)(void)) {
    n->tid = tid;
    n->sig = sig;
    n->done = 0;
    n->give_up_ms = give_up_ms;
    n->fallback = fallback;
    n->sent = 0;
    pthread_create(&n->th, NULL, nag_main, n);
}
static void nag_stop(struct nag *n) {
    n->done = 1;
    pthread_join(n->th, NULL);
}

static int fword;
static void futex_fallback(void) {
    __atomic_store_n(&fword, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &fword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Raw rt_sigtimedwait: glibc's wrapper rewrites SI_TKILL to SI_USER. */
static int stw(const sigset_t *set, siginfo_t *si, const struct timespec *ts) {
    return (int)syscall(SYS_rt_sigtimedwait, set, si, ts, 8);
}

static pid_t spawn_sleeper(int ms, int code) {
    pid_t pid = fork();
    if (pid == 0) {
        t_sleep_ms(ms);
        _exit(code);
    }
    return pid;
}

struct blocked_thread {
    pid_t tid;
    volatile int ready;
    long ret;
    int err;
    double elapsed;
};
static int bt_word;
static void *futex_blocker(void *arg) {
    struct blocked_thread *b = arg;
    b->tid = gettid_raw();
    b->ready = 1;
    struct timespec ts = {5, 0};
    double t0 = t_now();
    errno = 0;
    b->ret = syscall(SYS_futex, &bt_word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
    b->err = errno;
    b->elapsed = t_now() - t0;
    return NULL;
}

/* Sends sig to the child k after 100 ms; its wait status. */
static int kill_after_100ms(pid_t k, int sig) {
    t_sleep_ms(100);
    kill(k, sig);
    int status = 0;
    waitpid(k, &status, 0);
    return status;
}

int main(void) {
    me = getpid();
    pid_t mytid = gettid_raw();
    pthread_t wd;
    pthread_create(&wd, NULL, watchdog, NULL);
    struct nag n;
    long r;
    int e, status;

    /* A futex wait (no timeout) interrupted by a handler without SA_RESTART: EINTR. */
    install(SIGUSR1, 0);
    fword = 0;
    hits = 0;
    nag_start(&n, mytid, SIGUSR1, 3000, futex_fallback);
    errno = 0;
    r = syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    e = errno;
    nag_stop(&n);
    CHECK(r == -1 && e == EINTR && hits >= 1 && handler_tid == mytid,
          "a futex wait interrupted by a signal from another thread is EINTR", "r %ld errno %d hits %d", r, e, hits);

    /* wait4 with SA_RESTART restarts transparently; without it, EINTR. */
    install(SIGUSR1, SA_RESTART);
    hits = 0;
    pid_t c = spawn_sleeper(600, 5);
    nag_start(&n, mytid, SIGUSR1, 100000, NULL);
    r = wait4(c, &status, 0, NULL);
    nag_stop(&n);
    CHECK(r == c && WIFEXITED(status) && WEXITSTATUS(status) == 5 && hits >= 1,
          "wait4 restarts transparently after an SA_RESTART handler", "r %ld hits %d", r, hits);
    install(SIGUSR1, 0);
    hits = 0;
    c = spawn_sleeper(3000, 6);
    nag_start(&n, mytid, SIGUSR1, 100000, NULL);
    errno = 0;
    r = wait4(c, &status, 0, NULL);
    e = errno;
    nag_stop(&n);
    CHECK(r == -1 && e == EINTR && hits >= 1, "wait4 without SA_RESTART is EINTR", "r %ld errno %d", r, e);
    kill(c, SIGKILL);
    waitpid(c, &status, 0);

    /* nanosleep: EINTR with the remaining time, even with SA_RESTART. */
    install(SIGUSR1, SA_RESTART);
    hits = 0;
    struct timespec req = {2, 0}, rem = {0, 0};
    nag_start(&n, mytid, SIGUSR1, 100000, NULL);
    errno = 0;
    r = nanosleep(&req, &rem);
    e = errno;
    nag_stop(&n);
    double remain = rem.tv_sec + rem.tv_nsec / 1e9;
    CHECK(r == -1 && e == EINTR && hits >= 1, "nanosleep is interrupted (EINTR) even with SA_RESTART", "r %ld errno %d",
          r, e);
    CHECK(remain > 1.0 && remain < 2.0 && rem.tv_nsec < 1000000000, "nanosleep writes the remaining time",
          "remaining %.3f", remain);

    /* pause. */
    install(SIGUSR1, SA_RESTART);
    hits = 0;
    nag_start(&n, mytid, SIGUSR1, 100000, NULL);
    errno = 0;
    r = pause();
    e = errno;
    nag_stop(&n);
    CHECK(r == -1 && e == EINTR && hits >= 1, "pause returns EINTR after a handler", "r %ld errno %d", r, e);

    /* rt_sigsuspend: temporary mask, EINTR, original mask restored. */
    install(SIGUSR1, 0);
    sigset_t blk, old, susp;
    sigemptyset(&blk);
    sigaddset(&blk, SIGUSR1);
    sigaddset(&blk, SIGUSR2);
    sigprocmask(SIG_BLOCK, &blk, &old);
    hits = 0;
    raise(SIGUSR1); /* pending while blocked */
    int before = hits;
    sigemptyset(&susp);
    errno = 0;
    r = sigsuspend(&susp);
    e = errno;
    sigset_t after;
    sigprocmask(SIG_BLOCK, NULL, &after);
    uint64_t hm = handler_mask;
    CHECK(before == 0 && r == -1 && e == EINTR && hits == 1, "rt_sigsuspend delivers the pending signal and is EINTR",
          "before %d r %ld errno %d hits %d", before, r, e, hits);
    CHECK((hm & (1ULL << (SIGUSR1 - 1))) && !(hm & (1ULL << (SIGUSR2 - 1))) && sigismember(&after, SIGUSR1) == 1 &&
              sigismember(&after, SIGUSR2) == 1,
          "the handler runs under the suspend mask; the old mask comes back", "handler mask %#llx",
          (unsigned long long)hm);

    /* rt_sigtimedwait (SIGUSR1 and SIGUSR2 still blocked). */
    sigset_t w1;
    sigemptyset(&w1);
    sigaddset(&w1, SIGUSR1);
    siginfo_t si;
    kill(me, SIGUSR1);
    memset(&si, 0, sizeof si);
    struct timespec zero = {0, 0};
    int sig = stw(&w1, &si, &zero);
    sigset_t pend;
    sigpending(&pend);
    CHECK(sig == SIGUSR1 && si.si_signo == SIGUSR1 && si.si_code == SI_USER && si.si_pid == me &&
              sigismember(&pend, SIGUSR1) == 0,
          "rt_sigtimedwait takes a pending signal at once with its siginfo", "sig %d code %d", sig, si.si_code);
    errno = 0;
    sig = stw(&w1, &si, &zero);
    CHECK(sig == -1 && errno == EAGAIN, "rt_sigtimedwait with a zero timeout and nothing pending is EAGAIN",
          "sig %d errno %d", sig, errno);
    struct timespec t20 = {0, 20 * 1000 * 1000};
    double t0 = t_now();
    errno = 0;
    sig = stw(&w1, &si, &t20);
    double el = t_now() - t0;
    CHECK(sig == -1 && errno == EAGAIN && el >= 0.020 && el < 5, "rt_sigtimedwait of 20 ms is EAGAIN after >= 20 ms",
          "sig %d errno %d", sig, errno);
    struct timespec t5 = {5, 0};
    nag_start(&n, mytid, SIGUSR1, 100000, NULL);
    t0 = t_now();
    memset(&si, 0, sizeof si);
    sig = stw(&w1, &si, &t5);
    el = t_now() - t0;
    nag_stop(&n);
    CHECK(sig == SIGUSR1 && si.si_code == SI_TKILL && el < 4, "a signal from another thread ends rt_sigtimedwait",
          "sig %d code %d", sig, si.si_code);
    while (stw(&w1, NULL, &zero) > 0) {
    }
    struct timespec badts = {0, 1000000000};
    errno = 0;
    sig = stw(&w1, &si, &badts);
    CHECK(sig == -1 && errno == EINVAL, "rt_sigtimedwait with tv_nsec >= 1e9 is EINVAL", "sig %d errno %d", sig, errno);
    sigset_t wr;
    sigemptyset(&wr);
    sigaddset(&wr, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &wr, NULL);
    union sigval v = {.sival_int = 77};
    sigqueue(me, SIGRTMIN, v);
    memset(&si, 0, sizeof si);
    sig = stw(&wr, &si, &zero);
    CHECK(sig == SIGRTMIN && si.si_code == SI_QUEUE && si.si_value.sival_int == 77,
          "rt_sigtimedwait returns a queued real-time signal's value", "sig %d code %d", sig, si.si_code);
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* tgkill to a thread blocked in a futex wait runs its handler there. */
    install(SIGUSR2, SA_RESTART);
    hits = 0;
    handler_tid = 0;
    bt_word = 0;
    struct blocked_thread b;
    memset(&b, 0, sizeof b);
    pthread_t bth;
    pthread_create(&bth, NULL, futex_blocker, &b);
    for (int i = 0; i < 2000 && !b.ready; i++)
        t_sleep_ms(1);
    t_sleep_ms(100);
    syscall(SYS_tgkill, me, b.tid, SIGUSR2);
    pthread_join(bth, NULL);
    CHECK(hits == 1 && handler_tid == b.tid && b.ret == -1 && b.err == EINTR && b.elapsed < 4,
          "tgkill interrupts a thread's timed futex wait promptly; the handler runs in that thread",
          "hits %d ret %ld errno %d", hits, b.ret, b.err);

    /* SIGKILL ends a child blocked forever in a futex wait. */
    pid_t k = fork();
    if (k == 0) {
        static int forever;
        for (;;)
            syscall(SYS_futex, &forever, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    }
    status = kill_after_100ms(k, SIGKILL);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "SIGKILL ends a child blocked forever in a futex wait",
          "status %#x", status);
    k = fork();
    if (k == 0) {
        struct timespec l = {100, 0};
        nanosleep(&l, NULL);
        _exit(0);
    }
    status = kill_after_100ms(k, SIGTERM);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "SIGTERM's default action ends a child in nanosleep",
          "status %#x", status);

    return t_done("sig_wait");
}
