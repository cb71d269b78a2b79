/* POSIX timers by raw syscalls (timer_create/settime/gettime/getoverrun/
 * delete): SIGEV_SIGNAL on CLOCK_MONOTONIC, REALTIME and BOOTTIME with the
 * siginfo (SI_TIMER, si_timerid, si_overrun, a 64-bit si_value), a NULL
 * sigevent (SIGALRM, value = timer id), SIGEV_NONE counting down, interval
 * timers, overrun counts, TIMER_ABSTIME in the past, the old value from
 * settime, deleted ids, argument errors (clock, sigev_notify, signal,
 * tv_nsec), SIGEV_THREAD_ID to one thread and to another process's tid,
 * no inheritance across fork, and timers on the CPU-time clocks.
 * Raw syscalls keep glibc and musl identical: the kernel's timer id is an
 * int and struct sigevent is laid out as the kernel reads it. Every wait
 * has a timeout, and every CPU burn a cap, so nothing can hang. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include "../t.h"

#define MS 1000000LL
#define K_SIGEV_SIGNAL 0
#define K_SIGEV_NONE 1
#define K_SIGEV_THREAD_ID 4

/* The kernel's struct sigevent: 64 bytes. */
struct ksigevent {
    uint64_t value;
    int signo;
    int notify;
    union {
        int tid;
        int pad[12];
    } u;
};
_Static_assert(sizeof(struct ksigevent) == 64, "sigevent is 64 bytes");

static long k_create(clockid_t clk, struct ksigevent *ev, int *id) { return syscall(SYS_timer_create, clk, ev, id); }
static long k_settime(int id, int flags, const struct itimerspec *n, struct itimerspec *o) {
    return syscall(SYS_timer_settime, id, flags, n, o);
}
static long k_gettime(int id, struct itimerspec *c) { return syscall(SYS_timer_gettime, id, c); }
static long k_getoverrun(int id) { return syscall(SYS_timer_getoverrun, id); }
static long k_delete(int id) { return syscall(SYS_timer_delete, id); }
static pid_t k_gettid(void) { return (pid_t)syscall(SYS_gettid); }

static struct ksigevent sev(int notify, int signo, uint64_t value) {
    struct ksigevent e;
    memset(&e, 0, sizeof e);
    e.notify = notify;
    e.signo = signo;
    e.value = value;
    return e;
}
static struct itimerspec its(int64_t value_ns, int64_t interval_ns) {
    struct itimerspec t = {{interval_ns / 1000000000, interval_ns % 1000000000}, {value_ns / 1000000000, value_ns % 1000000000}};
    return t;
}
static int64_t ts_ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }
static int64_t clock_ns(clockid_t c) {
    struct timespec t;
    syscall(SYS_clock_gettime, c, &t);
    return ts_ns(t);
}
static int64_t mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return ts_ns(t);
}

/* Raw rt_sigtimedwait for one signal; returns the signal or -1. */
static int wait_sig(int sig, siginfo_t *si, int ms) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    struct timespec to = {ms / 1000, (ms % 1000) * 1000000L};
    memset(si, 0, sizeof *si);
    return (int)syscall(SYS_rt_sigtimedwait, &s, si, &to, 8);
}
/* Consumes anything left pending of the test signals. */
static void drain(void) {
    siginfo_t si;
    int sigs[] = {SIGALRM, SIGUSR1, SIGRTMIN + 1};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        while (wait_sig(sigs[i], &si, 0) > 0) {
        }
}

static volatile uint64_t sink;
static void spin(void) {
    for (int i = 0; i < 20000; i++)
        sink = sink * 6364136223846793005ULL + (uint64_t)i;
}

static volatile sig_atomic_t usr2_hits;
static void on_usr2(int sig) {
    (void)sig;
    usr2_hits++;
}

/* SIGEV_THREAD_ID target: publishes its tid, then waits for SIGUSR1. */
static volatile pid_t target_tid;
static volatile int target_sig;
static siginfo_t target_si;
static void *target_thread(void *arg) {
    (void)arg;
    __atomic_store_n(&target_tid, k_gettid(), __ATOMIC_SEQ_CST);
    target_sig = wait_sig(SIGUSR1, &target_si, 5000);
    return NULL;
}

/* One-shot 20 ms SIGEV_SIGNAL timer on clock clk: the signal arrives no
 * sooner than 20 ms later (measured on CLOCK_MONOTONIC, with 0.1 ms of
 * slack for a slewed CLOCK_REALTIME), with the timer's siginfo. */
static void one_shot(clockid_t clk, const char *name) {
    uint64_t val = 0x1122334455660000ULL + (uint64_t)clk;
    struct ksigevent e = sev(K_SIGEV_SIGNAL, SIGRTMIN + 1, val);
    int id = -1;
    long rc = k_create(clk, &e, &id);
    struct itimerspec t = its(20 * MS, 0);
    int64_t t0 = mono_ns();
    k_settime(id, 0, &t, NULL);
    siginfo_t si;
    int sig = wait_sig(SIGRTMIN + 1, &si, 5000);
    int64_t el = mono_ns() - t0;
    CHECK(rc == 0 && sig == SIGRTMIN + 1 && si.si_code == SI_TIMER && si.si_timerid == id && si.si_overrun == 0 &&
              (uint64_t)si.si_value.sival_ptr == val && el >= 20 * MS - MS / 10,
          name, "rc %ld sig %d code %d timerid %d/%d overrun %d value %#llx elapsed %lld", rc, sig, si.si_code, si.si_timerid, id,
          si.si_overrun, (unsigned long long)(uint64_t)si.si_value.sival_ptr, (long long)el);
    k_delete(id);
    drain();
}

int main(void) {
    sigset_t blk;
    sigemptyset(&blk);
    sigaddset(&blk, SIGALRM);
    sigaddset(&blk, SIGUSR1);
    sigaddset(&blk, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &blk, NULL);
    siginfo_t si;
    int sig;
    long rc;

    one_shot(CLOCK_MONOTONIC, "a CLOCK_MONOTONIC timer signals with SI_TIMER, its id, 0 overruns and the value");
    one_shot(CLOCK_REALTIME, "a CLOCK_REALTIME timer signals with SI_TIMER, its id, 0 overruns and the value");
    one_shot(CLOCK_BOOTTIME, "a CLOCK_BOOTTIME timer signals with SI_TIMER, its id, 0 overruns and the value");

    /* NULL sigevent: SIGEV_SIGNAL, SIGALRM, sival_int = the timer id. */
    int id = -1;
    rc = k_create(CLOCK_MONOTONIC, NULL, &id);
    struct itimerspec t = its(10 * MS, 0), cur, old;
    k_settime(id, 0, &t, NULL);
    sig = wait_sig(SIGALRM, &si, 5000);
    CHECK(rc == 0 && sig == SIGALRM && si.si_code == SI_TIMER && si.si_timerid == id && si.si_value.sival_int == id,
          "a NULL sigevent means SIGALRM with the timer id as the value", "rc %ld sig %d code %d timerid %d value %d id %d", rc, sig,
          si.si_code, si.si_timerid, si.si_value.sival_int, id);
    k_delete(id);
    drain();

    /* SIGEV_NONE: no signal, but the timer counts down to 0. */
    struct ksigevent e = sev(K_SIGEV_NONE, SIGUSR1, 0);
    rc = k_create(CLOCK_MONOTONIC, &e, &id);
    t = its(1000 * MS, 0);
    k_settime(id, 0, &t, NULL);
    k_gettime(id, &cur);
    int64_t left = ts_ns(cur.it_value);
    t_sleep_ms(10);
    k_gettime(id, &cur);
    int64_t left2 = ts_ns(cur.it_value);
    CHECK(rc == 0 && left > 0 && left <= 1000 * MS && left2 > 0 && left2 <= left - 10 * MS && ts_ns(cur.it_interval) == 0,
          "a SIGEV_NONE timer counts down in timer_gettime", "rc %ld left %lld then %lld", rc, (long long)left, (long long)left2);
    t = its(50 * MS, 0);
    k_settime(id, 0, &t, NULL);
    t_sleep_ms(80);
    sigset_t pend;
    sigpending(&pend);
    k_gettime(id, &cur);
    CHECK(!sigismember(&pend, SIGUSR1) && ts_ns(cur.it_value) == 0 && ts_ns(cur.it_interval) == 0,
          "an expired SIGEV_NONE one-shot sends nothing and shows 0 left", "pending %d left %lld", sigismember(&pend, SIGUSR1),
          (long long)ts_ns(cur.it_value));
    k_delete(id);

    /* Interval timer: fires again and again, never early. */
    e = sev(K_SIGEV_SIGNAL, SIGUSR1, 5);
    k_create(CLOCK_MONOTONIC, &e, &id);
    t = its(10 * MS, 10 * MS);
    int64_t t0 = mono_ns();
    k_settime(id, 0, &t, NULL);
    int got = 0;
    for (int i = 0; i < 3; i++)
        if (wait_sig(SIGUSR1, &si, 5000) == SIGUSR1 && si.si_code == SI_TIMER && si.si_value.sival_int == 5)
            got++;
    int64_t el = mono_ns() - t0;
    CHECK(got == 3 && el >= 30 * MS, "a 10 ms interval timer fires three times in no less than 30 ms", "got %d elapsed %lld", got,
          (long long)el);
    k_gettime(id, &cur);
    CHECK(ts_ns(cur.it_interval) == 10 * MS && ts_ns(cur.it_value) > 0 && ts_ns(cur.it_value) <= 10 * MS,
          "timer_gettime on an interval timer reports the interval and the time left", "interval %lld left %lld",
          (long long)ts_ns(cur.it_interval), (long long)ts_ns(cur.it_value));
    k_delete(id);
    drain();

    /* Overruns: the signal stays blocked for 100 ms of 10 ms periods. */
    e = sev(K_SIGEV_SIGNAL, SIGUSR1, 6);
    k_create(CLOCK_MONOTONIC, &e, &id);
    k_settime(id, 0, &t, NULL);
    t_sleep_ms(100);
    sig = wait_sig(SIGUSR1, &si, 5000);
    long ovr = k_getoverrun(id);
    CHECK(sig == SIGUSR1 && si.si_overrun >= 3, "a blocked 10 ms interval timer reports overruns in si_overrun after 100 ms",
          "sig %d overrun %d", sig, si.si_overrun);
    CHECK(ovr == si.si_overrun, "timer_getoverrun matches the delivered signal's si_overrun", "getoverrun %ld si_overrun %d", ovr,
          si.si_overrun);
    k_delete(id);
    drain();

    /* TIMER_ABSTIME in the past fires at once. */
    e = sev(K_SIGEV_SIGNAL, SIGUSR1, 7);
    k_create(CLOCK_MONOTONIC, &e, &id);
    t = its(1000000000LL, 0);
    rc = k_settime(id, TIMER_ABSTIME, &t, NULL);
    sig = wait_sig(SIGUSR1, &si, 5000);
    CHECK(rc == 0 && sig == SIGUSR1 && si.si_value.sival_int == 7, "an absolute CLOCK_MONOTONIC time in the past fires at once",
          "rc %ld sig %d", rc, sig);
    k_delete(id);
    drain();
    e = sev(K_SIGEV_SIGNAL, SIGUSR1, 8);
    k_create(CLOCK_REALTIME, &e, &id);
    rc = k_settime(id, TIMER_ABSTIME, &t, NULL);
    sig = wait_sig(SIGUSR1, &si, 5000);
    CHECK(rc == 0 && sig == SIGUSR1 && si.si_value.sival_int == 8, "an absolute CLOCK_REALTIME time in the past fires at once",
          "rc %ld sig %d", rc, sig);

    /* timer_settime returns the old setting. */
    t = its(1000 * MS, 200 * MS);
    k_settime(id, 0, &t, NULL);
    struct itimerspec t2 = its(2000 * MS, 0);
    rc = k_settime(id, 0, &t2, &old);
    CHECK(rc == 0 && ts_ns(old.it_interval) == 200 * MS && ts_ns(old.it_value) > 0 && ts_ns(old.it_value) <= 1000 * MS,
          "timer_settime returns the old interval and time left", "rc %ld interval %lld left %lld", rc,
          (long long)ts_ns(old.it_interval), (long long)ts_ns(old.it_value));
    k_gettime(id, &cur);
    CHECK(ts_ns(cur.it_interval) == 0 && ts_ns(cur.it_value) > 0 && ts_ns(cur.it_value) <= 2000 * MS,
          "timer_gettime shows the new setting", "interval %lld left %lld", (long long)ts_ns(cur.it_interval),
          (long long)ts_ns(cur.it_value));
    struct itimerspec zero = its(0, 0);
    k_settime(id, 0, &zero, &old);
    k_gettime(id, &cur);
    CHECK(ts_ns(old.it_value) > 0 && ts_ns(cur.it_value) == 0 && ts_ns(cur.it_interval) == 0,
          "a zero value disarms the timer", "old %lld now %lld", (long long)ts_ns(old.it_value), (long long)ts_ns(cur.it_value));

    /* tv_nsec out of range. */
    struct itimerspec bad = {{0, 0}, {0, -1}};
    errno = 0;
    CHECK(k_settime(id, 0, &bad, NULL) == -1 && errno == EINVAL, "timer_settime with a negative tv_nsec is EINVAL", "errno %d", errno);
    bad.it_value.tv_nsec = 1000000000;
    errno = 0;
    CHECK(k_settime(id, 0, &bad, NULL) == -1 && errno == EINVAL, "timer_settime with tv_nsec of a billion is EINVAL", "errno %d",
          errno);
    bad.it_value.tv_nsec = 1000;
    bad.it_interval.tv_nsec = 1000000000;
    errno = 0;
    CHECK(k_settime(id, 0, &bad, NULL) == -1 && errno == EINVAL, "an interval with tv_nsec of a billion is EINVAL", "errno %d", errno);

    /* Deleted ids. */
    CHECK(k_delete(id) == 0, "timer_delete succeeds", "errno %d", errno);
    t = its(10 * MS, 0);
    errno = 0;
    CHECK(k_settime(id, 0, &t, NULL) == -1 && errno == EINVAL, "timer_settime on a deleted timer is EINVAL", "errno %d", errno);
    errno = 0;
    rc = k_gettime(id, &cur);
    int e1 = errno;
    errno = 0;
    long rc2 = k_getoverrun(id);
    int e2 = errno;
    errno = 0;
    long rc3 = k_delete(id);
    int e3 = errno;
    CHECK(rc == -1 && e1 == EINVAL && rc2 == -1 && e2 == EINVAL && rc3 == -1 && e3 == EINVAL,
          "timer_gettime, timer_getoverrun and timer_delete on a deleted timer are EINVAL", "errno %d %d %d", e1, e2, e3);
    drain();

    /* timer_create argument errors. */
    e = sev(K_SIGEV_SIGNAL, SIGUSR1, 0);
    errno = 0;
    CHECK(k_create(100, &e, &id) == -1 && errno == EINVAL, "timer_create on clock id 100 is EINVAL", "errno %d", errno);
    errno = 0;
    CHECK(k_create(CLOCK_MONOTONIC_RAW, &e, &id) == -1 && errno == EOPNOTSUPP, "timer_create on CLOCK_MONOTONIC_RAW is EOPNOTSUPP",
          "errno %d", errno);
    e.notify = 99;
    errno = 0;
    CHECK(k_create(CLOCK_MONOTONIC, &e, &id) == -1 && errno == EINVAL, "an unknown sigev_notify is EINVAL", "errno %d", errno);
    e = sev(K_SIGEV_SIGNAL, 0, 0);
    errno = 0;
    CHECK(k_create(CLOCK_MONOTONIC, &e, &id) == -1 && errno == EINVAL, "signal 0 is EINVAL", "errno %d", errno);
    e.signo = 65;
    errno = 0;
    CHECK(k_create(CLOCK_MONOTONIC, &e, &id) == -1 && errno == EINVAL, "signal 65 is EINVAL", "errno %d", errno);

    /* SIGEV_THREAD_ID: the signal goes to the chosen thread only. */
    pthread_t th;
    pthread_create(&th, NULL, target_thread, NULL);
    while (!__atomic_load_n(&target_tid, __ATOMIC_SEQ_CST))
        t_sleep_ms(1);
    t_sleep_ms(20); /* let it reach its wait */
    e = sev(K_SIGEV_SIGNAL | K_SIGEV_THREAD_ID, SIGUSR1, 9);
    e.u.tid = target_tid;
    rc = k_create(CLOCK_MONOTONIC, &e, &id);
    t = its(20 * MS, 0);
    k_settime(id, 0, &t, NULL);
    int main_sig = wait_sig(SIGUSR1, &si, 300);
    pthread_join(th, NULL);
    CHECK(rc == 0 && target_sig == SIGUSR1 && target_si.si_code == SI_TIMER && target_si.si_value.sival_int == 9 &&
              target_si.si_timerid == id,
          "a SIGEV_THREAD_ID timer signals the chosen thread", "rc %ld sig %d code %d value %d", rc, target_sig, target_si.si_code,
          target_si.si_value.sival_int);
    CHECK(main_sig == -1, "another thread waiting for the same signal does not get it", "main got %d", main_sig);
    k_delete(id);
    drain();

    int to_child[2];
    pipe(to_child);
    pid_t child = fork();
    if (child == 0) {
        char c;
        read(to_child[0], &c, 1);
        _exit(0);
    }
    e.u.tid = child;
    errno = 0;
    rc = k_create(CLOCK_MONOTONIC, &e, &id);
    CHECK(rc == -1 && errno == EINVAL, "SIGEV_THREAD_ID naming another process's thread is EINVAL", "rc %ld errno %d", rc, errno);
    write(to_child[1], "x", 1);
    waitpid(child, NULL, 0);
    e.u.tid = 0;
    errno = 0;
    CHECK(k_create(CLOCK_MONOTONIC, &e, &id) == -1 && errno == EINVAL, "SIGEV_THREAD_ID with tid 0 is EINVAL", "errno %d", errno);

    /* Timers are not inherited across fork. */
    e = sev(K_SIGEV_SIGNAL, SIGUSR1, 10);
    k_create(CLOCK_MONOTONIC, &e, &id);
    t = its(5000 * MS, 0);
    k_settime(id, 0, &t, NULL);
    child = fork();
    if (child == 0) {
        struct itimerspec c;
        errno = 0;
        _exit(k_gettime(id, &c) == -1 && errno == EINVAL ? 0 : 1);
    }
    int st = -1;
    waitpid(child, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a forked child does not inherit the timer (timer_gettime is EINVAL)", "status %#x",
          st);
    k_gettime(id, &cur);
    CHECK(ts_ns(cur.it_value) > 0, "the parent's timer is still armed after the fork", "left %lld", (long long)ts_ns(cur.it_value));
    k_delete(id);
    drain();

    /* CPU-time clocks: the timer fires once that much CPU has been used. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    clockid_t cpu_clocks[2] = {CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
    const char *names[2] = {"a CLOCK_PROCESS_CPUTIME_ID timer fires after 30 ms of process CPU time, not before",
                            "a CLOCK_THREAD_CPUTIME_ID timer fires after 30 ms of thread CPU time, not before"};
    for (int i = 0; i < 2; i++) {
        usr2_hits = 0;
        e = sev(K_SIGEV_SIGNAL, SIGUSR2, 0);
        rc = k_create(cpu_clocks[i], &e, &id);
        t = its(30 * MS, 0);
        int64_t c0 = clock_ns(cpu_clocks[i]), m0 = mono_ns();
        k_settime(id, 0, &t, NULL);
        /* No system calls in the loop (CLOCK_MONOTONIC is in the vDSO):
         * Linux checks CPU timers on its tick, and a thread that keeps
         * reading its CPU clock on a busy CPU can be preempted just before
         * every tick. At most 10 s. */
        do
            spin();
        while (!usr2_hits && mono_ns() - m0 < 10000 * MS);
        int64_t c1 = clock_ns(cpu_clocks[i]);
        CHECK(rc == 0 && usr2_hits == 1 && c1 - c0 >= 30 * MS, names[i], "rc %ld hits %d cpu %lld", rc, (int)usr2_hits,
              (long long)(c1 - c0));
        k_delete(id);
    }
    return t_done("time_posix_timers");
}
