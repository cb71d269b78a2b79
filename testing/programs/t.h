/* Tiny self-checking test helpers shared by the guest test programs.
 * Each CHECK prints "ok - name" or "FAIL - name (detail)"; t_done() prints
 * the "N passed, M failed" summary line and returns the exit status. The
 * same binaries run on the host's Linux and must print the same. */
#ifndef ARAMID_T_H
#define ARAMID_T_H
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int t_passed, t_failed;

#define CHECK(cond, name, ...)                                  \
    do {                                                        \
        if (cond) {                                             \
            t_passed++;                                         \
            printf("ok - %s\n", name);                          \
        } else {                                                \
            t_failed++;                                         \
            printf("FAIL - %s (", name);                        \
            printf(__VA_ARGS__);                                \
            printf(") at %s:%d\n", __FILE__, __LINE__);         \
        }                                                       \
        fflush(stdout);                                         \
    } while (0)

/* CLOCK_MONOTONIC in seconds. */
static inline double t_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleeps `ms` milliseconds in all, resuming after signal handlers. */
static inline void t_sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* Watchdog: a blocking call that never returns ends the test with a FAIL
 * line after `seconds` instead of hanging the suite (uses SIGALRM). */
static inline void t_watchdog_fired(int sig) {
    static const char msg[] = "FAIL - watchdog: a blocking call never returned\n";
    (void)sig;
    write(1, msg, sizeof msg - 1);
    _exit(1);
}
static inline void t_watchdog(unsigned seconds) {
    signal(SIGALRM, t_watchdog_fired);
    alarm(seconds);
}

/* In a step function run by t_in_child: return `n` (the failing step) unless cond holds. */
#define STEP(n, cond)   \
    do {                \
        if (!(cond))    \
            return (n); \
    } while (0)

/* True when expr failed with -1 and errno err (errno is cleared first). */
#define FAILS(expr, err) (errno = 0, (expr) == -1 && errno == (err))

/* Runs fn in a forked child; its exit status, or 255 if it did not exit normally. */
static inline int t_in_child(int (*fn)(void)) {
    pid_t p = fork();
    if (p == 0)
        _exit(fn());
    int st;
    if (waitpid(p, &st, 0) != p || !WIFEXITED(st))
        return 255;
    return WEXITSTATUS(st);
}

/* One check that step function fn, run by t_in_child, returns 0 (the failing step otherwise). */
#define CHECK_CHILD(fn, name)                            \
    do {                                                 \
        int _step = t_in_child(fn);                      \
        CHECK(_step == 0, name, "step %d", _step);       \
    } while (0)

/* CHECK_CHILD with its own detail format for the child's status. */
#define CHECK_CHILD_AS(fn, name, fmt)                    \
    do {                                                 \
        int _st = t_in_child(fn);                        \
        CHECK(_st == 0, name, fmt, _st);                 \
    } while (0)

/* The check that every child has been reaped. */
#define CHECK_NO_CHILDREN()                                                                        \
    do {                                                                                           \
        int _st;                                                                                   \
        CHECK(wait(&_st) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno); \
    } while (0)

/* Carries a tv_nsec that went past one second into tv_sec. */
static inline void t_ts_carry(struct timespec *ts) {
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

/* Waits for pid: its exit status, 100 + the signal that killed it, -1 if not a child. */
static inline int t_wait_exit(pid_t pid) {
    int st = 0;
    if (waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

/* waitpid polled with WNOHANG for about 5 s: its result, or 0 if nothing came. */
static inline pid_t t_wait_poll(pid_t pid, int *st, int flags) {
    for (int i = 0; i < 5000; i++) {
        pid_t r = waitpid(pid, st, flags | WNOHANG);
        if (r != 0)
            return r;
        t_sleep_ms(1);
    }
    return 0;
}

/* Runs fn(arg) in a forked child: the signal that killed it, 0 if it exited. */
static inline int t_dies_by(void (*fn)(void *), void *arg) {
    pid_t pid = fork();
    if (pid == 0) {
        fn(arg);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* Sleeps about `ms` milliseconds; a signal handler ends the sleep early. */
static inline void t_nap_ms(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Bounded wait (about 10 s) for the shared word *w to become val; 0 if it never did. */
static inline int t_await(volatile int *w, int val) {
    for (int i = 0; i < 10000; i++) {
        if (__atomic_load_n(w, __ATOMIC_SEQ_CST) == val)
            return 1;
        t_nap_ms(1);
    }
    return 0;
}

/* Sets the shared word *w to val (the other side waits with t_await). */
static inline void t_set(volatile int *w, int val) { __atomic_store_n(w, val, __ATOMIC_SEQ_CST); }

/* A siginfo for sig with si_code `code`, our pid and uid, and sival_int `val`. */
static inline siginfo_t t_siginfo(int sig, int code, int val) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = sig;
    si.si_code = code;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_int = val;
    return si;
}

/* rt_sigqueueinfo(pid, sig) with t_siginfo(sig, code, val). */
static inline long t_sigqueueinfo(pid_t pid, int sig, int code, int val) {
    siginfo_t si = t_siginfo(sig, code, val);
    return syscall(SYS_rt_sigqueueinfo, pid, sig, &si);
}

/* A child that only sleeps (30 s at most, in 100 ms naps) until killed. */
static inline pid_t t_fork_sleeper(void) {
    pid_t p = fork();
    if (p == 0) {
        for (int i = 0; i < 300; i++)
            t_sleep_ms(100);
        _exit(0);
    }
    return p;
}
/* For a thread: stores its tid in *tid, sets *go, then naps until *stop
 * is set. */
static inline void t_thread_park(pid_t *tid, volatile int *go, volatile int *stop) {
    *tid = syscall(SYS_gettid);
    __atomic_store_n(go, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(stop, __ATOMIC_SEQ_CST))
        t_sleep_ms(1);
}
/* Ends a child such as t_fork_sleeper's with SIGKILL and reaps it. */
static inline void t_kill_reap(pid_t p) {
    int st;
    kill(p, SIGKILL);
    waitpid(p, &st, 0);
}

/* Installs sa for sig with sa_flags `flags` and an empty sa_mask. */
static inline void t_sigaction(int sig, struct sigaction *sa, int flags) {
    sa->sa_flags = flags;
    sigemptyset(&sa->sa_mask);
    sigaction(sig, sa, NULL);
}

/* Installs handler h for sig with sa_flags `flags` and an empty sa_mask. */
static inline void t_handle(int sig, void (*h)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    t_sigaction(sig, &sa, flags);
}

/* Installs the three-argument handler h for sig: sa_flags `flags` (say SA_SIGINFO), empty sa_mask. */
static inline void t_handle_info(int sig, void (*h)(int, siginfo_t *, void *), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    t_sigaction(sig, &sa, flags);
}

/* SIGCHLD deliveries counted by t_on_chld, and the si_code of the first 16. */
static volatile int t_chld_n, t_chld_code[16];

/* SA_SIGINFO handler for SIGCHLD: counts it and keeps its si_code. */
static inline void t_on_chld(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)uc;
    if (t_chld_n < 16)
        t_chld_code[t_chld_n] = si->si_code;
    t_chld_n++;
}

/* Installs t_on_chld for SIGCHLD with SA_SIGINFO | flags. */
static inline void t_catch_chld(int flags) { t_handle_info(SIGCHLD, t_on_chld, SA_SIGINFO | flags); }

/* Waits (about 3 s at most) until n SIGCHLDs have been counted. */
static inline void t_await_chld(int n) {
    for (int i = 0; i < 3000 && t_chld_n < n; i++)
        t_sleep_ms(1);
}

/* Prints the "NAME: N passed, M failed" line; the exit status (1 if any check failed). */
static inline int t_done(const char *prog) {
    printf("%s: %d passed, %d failed\n", prog, t_passed, t_failed);
    fflush(stdout);
    return t_failed ? 1 : 0;
}
#endif
