/* Every clock id through the raw system calls: clock_getres and
 * clock_gettime on each clock Linux has (and EINVAL for ids it has not),
 * the order between the clocks, clock_nanosleep relative and TIMER_ABSTIME
 * on each sleepable clock, EOPNOTSUPP/EINVAL for the ones that cannot be
 * slept on, and the remaining time written back when a signal sent by a
 * thread on another CPU interrupts a relative sleep (never for ABSTIME). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include "../t.h"

#ifndef CLOCK_TAI
#define CLOCK_TAI 11
#endif

static long getres(long id, struct timespec *ts) { return syscall(SYS_clock_getres, id, ts); }
static long gettime(long id, struct timespec *ts) { return syscall(SYS_clock_gettime, id, ts); }
static long nsleep(long id, int flags, const struct timespec *req, struct timespec *rem) {
    return syscall(SYS_clock_nanosleep, id, flags, req, rem);
}
static int64_t ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }
static int64_t now(long id) {
    struct timespec t;
    gettime(id, &t);
    return ns(t);
}

static void on_usr1(int sig) { (void)sig; }

static volatile int sleeping_done;
static pid_t sleeper_tid;

/* Signals the sleeper every 50 ms until it has returned (a signal that
 * arrives before the sleep began only runs the handler). */
static void *nagger(void *arg) {
    (void)arg;
    int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus > 1) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(1, &set);
        sched_setaffinity(0, sizeof set, &set);
    }
    for (int i = 0; i < 400 && !sleeping_done; i++) {
        t_sleep_ms(50);
        if (!sleeping_done)
            syscall(SYS_tgkill, getpid(), sleeper_tid, SIGUSR1);
    }
    return NULL;
}

/* Sleeps on `id` (relative or absolute 5 s ahead) while another thread
 * signals; returns the call's result and errno, the time it took and rem. */
static long interrupted_sleep(long id, int flags, struct timespec *rem, int64_t *took, int *err) {
    pthread_t th;
    sleeping_done = 0;
    sleeper_tid = (pid_t)syscall(SYS_gettid);
    pthread_create(&th, NULL, nagger, NULL);
    struct timespec req = {5, 0};
    if (flags) {
        gettime(id, &req);
        req.tv_sec += 5;
    }
    int64_t t0 = now(CLOCK_MONOTONIC);
    long r = nsleep(id, flags, &req, rem);
    *err = errno;
    *took = now(CLOCK_MONOTONIC) - t0;
    sleeping_done = 1;
    pthread_join(th, NULL);
    return r;
}

int main(void) {
    t_watchdog(60);
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        sched_setaffinity(0, sizeof set, &set);
    }

    /* clock_getres */
    static const long fine[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME,
                                CLOCK_TAI, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
    int ok = 1;
    for (unsigned i = 0; i < sizeof fine / sizeof fine[0]; i++) {
        struct timespec r = {9, 9};
        if (getres(fine[i], &r) != 0 || r.tv_sec != 0 || r.tv_nsec != 1)
            ok = 0;
    }
    CHECK(ok, "clock_getres is 1 ns on the high-resolution clocks and the CPU-time clocks", "no");
    struct timespec rc1 = {9, 9}, rc2 = {9, 9};
    long a = getres(CLOCK_REALTIME_COARSE, &rc1), b = getres(CLOCK_MONOTONIC_COARSE, &rc2);
    CHECK(a == 0 && b == 0 && rc1.tv_sec == 0 && rc1.tv_nsec > 1 && rc1.tv_nsec <= 10000000 &&
              rc1.tv_nsec == rc2.tv_nsec,
          "the coarse clocks share a resolution of one tick (over 1 ns, at most 10 ms)", "%ld %ld %ld %ld", a,
          b, (long)rc1.tv_nsec, (long)rc2.tv_nsec);
    CHECK(getres(CLOCK_REALTIME, NULL) == 0, "clock_getres with a NULL pointer succeeds", "errno %d", errno);
    static const long bad[] = {10, 12, 16, 100, 0x7fffffff};
    ok = 1;
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct timespec r;
        errno = 0;
        if (getres(bad[i], &r) != -1 || errno != EINVAL)
            ok = 0;
        errno = 0;
        if (gettime(bad[i], &r) != -1 || errno != EINVAL)
            ok = 0;
    }
    CHECK(ok, "clock ids 10, 12, 16, 100 and INT_MAX are EINVAL for getres and gettime", "no");

    /* The alarm clocks need an RTC with wake-up alarms; without one Linux
     * answers EINVAL for getres and gettime alike. Either way both clocks
     * agree with each other. */
    struct timespec ra, rb;
    errno = 0;
    long ga = getres(CLOCK_REALTIME_ALARM, &ra);
    int ea = errno;
    errno = 0;
    long gb = getres(CLOCK_BOOTTIME_ALARM, &rb);
    int eb = errno;
    CHECK(ga == gb && (ga == 0 ? ra.tv_nsec == 1 && rb.tv_nsec == 1 : ea == EINVAL && eb == EINVAL),
          "the two alarm clocks answer alike: 1 ns, or EINVAL without an RTC", "%ld %ld %d %d", ga, gb, ea, eb);

    /* clock_gettime and the order between clocks */
    struct timespec t;
    ok = 1;
    static const long all[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE,
                               CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME, CLOCK_TAI, CLOCK_PROCESS_CPUTIME_ID,
                               CLOCK_THREAD_CPUTIME_ID};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        if (gettime(all[i], &t) != 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000)
            ok = 0;
    CHECK(ok, "clock_gettime works on all nine always-present clocks with a normalised tv_nsec", "no");
    int64_t m1 = now(CLOCK_MONOTONIC), bt = now(CLOCK_BOOTTIME), m2 = now(CLOCK_MONOTONIC);
    CHECK(bt >= m1, "CLOCK_BOOTTIME is never behind CLOCK_MONOTONIC", "%lld %lld", (long long)bt,
          (long long)m1);
    (void)m2;
    int64_t r1 = now(CLOCK_REALTIME), tai = now(CLOCK_TAI), r2 = now(CLOCK_REALTIME);
    CHECK(tai >= r1 && tai - r2 < 100LL * 1000000000,
          "CLOCK_TAI is CLOCK_REALTIME plus the TAI offset (0 to 100 s)", "%lld", (long long)(tai - r1));
    int64_t rr = now(CLOCK_REALTIME), rco = now(CLOCK_REALTIME_COARSE);
    int64_t mm = now(CLOCK_MONOTONIC), mco = now(CLOCK_MONOTONIC_COARSE);
    CHECK(rco <= now(CLOCK_REALTIME) && rr - rco < 20000000 && mco <= now(CLOCK_MONOTONIC) &&
              mm - mco < 20000000,
          "a coarse clock is never ahead of its fine clock and lags by under 20 ms", "%lld %lld",
          (long long)(rr - rco), (long long)(mm - mco));
    int64_t raw1 = now(CLOCK_MONOTONIC_RAW);
    t_sleep_ms(20);
    int64_t raw2 = now(CLOCK_MONOTONIC_RAW);
    CHECK(raw2 - raw1 >= 20000000, "CLOCK_MONOTONIC_RAW advances across a 20 ms sleep", "%lld",
          (long long)(raw2 - raw1));

    /* clock_nanosleep on each sleepable clock, relative and absolute */
    static const long sleepable[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_TAI};
    int rel_ok = 1, abs_ok = 1;
    for (unsigned i = 0; i < 4; i++) {
        long id = sleepable[i];
        struct timespec req = {0, 20000000};
        int64_t s0 = now(id);
        if (nsleep(id, 0, &req, NULL) != 0 || now(id) - s0 < 20000000)
            rel_ok = 0;
        struct timespec until;
        gettime(id, &until);
        until.tv_nsec += 20000000;
        t_ts_carry(&until);
        if (nsleep(id, TIMER_ABSTIME, &until, NULL) != 0 || now(id) < ns(until))
            abs_ok = 0;
    }
    CHECK(rel_ok, "a relative 20 ms clock_nanosleep on REALTIME, MONOTONIC, BOOTTIME and TAI never ends early",
          "no");
    CHECK(abs_ok, "a TIMER_ABSTIME sleep on each of them returns at or after its deadline", "no");
    struct timespec past = {1, 0};
    CHECK(nsleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL) == 0,
          "an absolute sleep to a time already past returns 0 at once", "errno %d", errno);
    struct timespec zero = {0, 0};
    CHECK(nsleep(CLOCK_MONOTONIC, 0, &zero, NULL) == 0, "a relative sleep of zero returns 0", "errno %d",
          errno);
    static const long nosleep[] = {CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE};
    ok = 1;
    for (unsigned i = 0; i < 3; i++) {
        struct timespec req = {0, 1000};
        errno = 0;
        if (nsleep(nosleep[i], 0, &req, NULL) != -1 || errno != EOPNOTSUPP)
            ok = 0;
    }
    CHECK(ok, "clock_nanosleep on MONOTONIC_RAW and the coarse clocks is EOPNOTSUPP", "errno %d", errno);
    struct timespec one = {0, 1000};
    errno = 0;
    long th = nsleep(CLOCK_THREAD_CPUTIME_ID, 0, &one, NULL);
    CHECK(th == -1 && errno == EOPNOTSUPP, "clock_nanosleep on CLOCK_THREAD_CPUTIME_ID is EOPNOTSUPP", "%ld %d", th,
          errno);
    errno = 0;
    th = nsleep(100, 0, &one, NULL);
    CHECK(th == -1 && errno == EINVAL, "clock_nanosleep on clock id 100 is EINVAL", "%ld %d", th, errno);
    struct timespec badns = {0, 1000000000};
    errno = 0;
    th = nsleep(CLOCK_MONOTONIC, 0, &badns, NULL);
    int e1 = errno;
    struct timespec negsec = {-1, 0};
    errno = 0;
    long th2 = nsleep(CLOCK_MONOTONIC, 0, &negsec, NULL);
    CHECK(th == -1 && e1 == EINVAL && th2 == -1 && errno == EINVAL,
          "a tv_nsec of a billion or a negative tv_sec is EINVAL", "%ld %d %ld %d", th, e1, th2, errno);
    errno = 0;
    th = nsleep(CLOCK_MONOTONIC, 0, (void *)8, NULL);
    CHECK(th == -1 && errno == EFAULT, "a bad request pointer is EFAULT", "%ld %d", th, errno);

    /* Interrupted by a signal from a thread on another CPU */
    struct timespec rem = {77, 77};
    int64_t took;
    int err;
    long r = interrupted_sleep(CLOCK_MONOTONIC, 0, &rem, &took, &err);
    CHECK(r == -1 && err == EINTR, "a relative sleep interrupted by a handled signal is EINTR", "%ld %d", r,
          err);
    int64_t left = ns(rem);
    CHECK(left < 5000000000LL && left >= 5000000000LL - took - 1000000,
          "the remaining time written back is what was left of the 5 s", "left %lld took %lld",
          (long long)left, (long long)took);
    rem = (struct timespec){77, 77};
    r = interrupted_sleep(CLOCK_REALTIME, 0, &rem, &took, &err);
    left = ns(rem);
    CHECK(r == -1 && err == EINTR && left < 5000000000LL && left >= 5000000000LL - took - 1000000,
          "the same on CLOCK_REALTIME", "%ld %d %lld", r, err, (long long)left);
    rem = (struct timespec){77, 77};
    r = interrupted_sleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &rem, &took, &err);
    CHECK(r == -1 && err == EINTR && rem.tv_sec == 77 && rem.tv_nsec == 77,
          "an interrupted TIMER_ABSTIME sleep is EINTR and leaves rem untouched", "%ld %d %ld %ld", r, err,
          (long)rem.tv_sec, (long)rem.tv_nsec);
    r = interrupted_sleep(CLOCK_BOOTTIME, 0, NULL, &took, &err);
    CHECK(r == -1 && err == EINTR, "an interrupted relative sleep with a NULL rem is EINTR", "%ld %d", r, err);

    return t_done("time_clocks");
}
