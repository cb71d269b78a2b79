/* CLOCK_REALTIME at its edges, as Linux's do_settimeofday64: a time before
 * the monotonic clock (before boot) or at TIME_SETTOD_SEC_MAX (KTIME_SEC_MAX
 * less 30 years) and past it is EINVAL, for clock_settime and settimeofday,
 * and leaves the clock alone; the last second before that limit is
 * accepted and reads back positive, in the vDSO too. With the clock set
 * low (just above the monotonic clock, or as low as a kernel lets it) and
 * high, far-future absolute REALTIME and TAI sleeps, timerfds and POSIX
 * timers wait, a signal ends them with EINTR and SIGKILL ends a process
 * in them. Guest-only: it sets the clock (put back at the end). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../t.h"

#ifndef CLOCK_TAI
#define CLOCK_TAI 11
#endif
#define SETTOD_SEC_MAX 8277292036LL

static const struct timespec end_of_time = {9223372036, 854775807};

static long long ns_of(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}
static long long sys_ns(clockid_t c) {
    struct timespec t;
    syscall(SYS_clock_gettime, c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}
static int set_ns(long long ns) {
    struct timespec t = {ns / 1000000000LL, ns % 1000000000LL};
    return clock_settime(CLOCK_REALTIME, &t);
}

static void on_usr1(int sig) { (void)sig; }
static pthread_t main_thread;
static void *poker(void *arg) {
    (void)arg;
    t_sleep_ms(50);
    pthread_kill(main_thread, SIGUSR1);
    return NULL;
}

/* Far-future absolute waits on the realtime clocks, with the clock where
 * it is now (`when` names that in the lines). */
static void far_waits(const char *when) {
    char name[200];
    static const struct {
        clockid_t clk;
        const char *name;
    } clocks[] = {{CLOCK_REALTIME, "REALTIME"}, {CLOCK_TAI, "TAI"}};
    for (int i = 0; i < 2; i++) {
        pthread_t p;
        pthread_create(&p, NULL, poker, NULL);
        int r = clock_nanosleep(clocks[i].clk, TIMER_ABSTIME, &end_of_time, NULL);
        pthread_join(p, NULL);
        snprintf(name, sizeof name, "%s: an absolute %s sleep to the end of time ends with EINTR at a signal", when, clocks[i].name);
        CHECK(r == EINTR, name, "returned %d", r);
    }
    int fd = timerfd_create(CLOCK_REALTIME, 0);
    struct itimerspec its = {{0, 0}, end_of_time};
    timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
    pthread_t p;
    pthread_create(&p, NULL, poker, NULL);
    uint64_t n;
    errno = 0;
    ssize_t r = read(fd, &n, 8);
    int e = errno;
    pthread_join(p, NULL);
    snprintf(name, sizeof name, "%s: a REALTIME timerfd set to the end of time: its read ends with EINTR at a signal", when);
    CHECK(r == -1 && e == EINTR, name, "read %zd errno %d", r, e);
    close(fd);

    timer_t id;
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    timer_create(CLOCK_REALTIME, &ev, &id);
    timer_settime(id, TIMER_ABSTIME, &its, NULL);
    t_sleep_ms(30);
    struct itimerspec cur = {{0, 0}, {0, 0}};
    timer_gettime(id, &cur);
    snprintf(name, sizeof name, "%s: a REALTIME POSIX timer set to the end of time stays armed", when);
    CHECK(cur.it_value.tv_sec > 100000000, name, "%lld s left", (long long)cur.it_value.tv_sec);
    timer_delete(id);

    pid_t c = fork();
    if (c == 0) {
        clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &end_of_time, NULL);
        _exit(0);
    }
    t_sleep_ms(30);
    kill(c, SIGKILL);
    int st = 0;
    waitpid(c, &st, 0);
    snprintf(name, sizeof name, "%s: SIGKILL ends a process in such a sleep", when);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, name, "status %#x", st);
}

int main(void) {
    t_watchdog(100);
    main_thread = pthread_self();
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    /* "A second before the monotonic clock" must be a valid time. */
    while (ns_of(CLOCK_MONOTONIC) < 2500000000LL)
        t_sleep_ms(100);
    long long m0 = ns_of(CLOCK_MONOTONIC), r0 = ns_of(CLOCK_REALTIME);

    errno = 0;
    CHECK(set_ns(0) == -1 && errno == EINVAL, "clock_settime to the epoch, before boot, is EINVAL", "errno %d", errno);
    errno = 0;
    CHECK(set_ns(ns_of(CLOCK_MONOTONIC) - 1000000000LL) == -1 && errno == EINVAL,
          "clock_settime a second before the monotonic clock is EINVAL", "errno %d", errno);
    struct timeval tv = {0, 0};
    errno = 0;
    CHECK(settimeofday(&tv, NULL) == -1 && errno == EINVAL, "settimeofday to the epoch is EINVAL", "errno %d", errno);
    far_waits("after setting the clock before boot");

    errno = 0;
    CHECK(clock_settime(CLOCK_REALTIME, &end_of_time) == -1 && errno == EINVAL, "clock_settime to INT64_MAX ns is EINVAL", "errno %d",
          errno);
    struct timespec limit = {SETTOD_SEC_MAX, 0};
    errno = 0;
    CHECK(clock_settime(CLOCK_REALTIME, &limit) == -1 && errno == EINVAL, "clock_settime to TIME_SETTOD_SEC_MAX is EINVAL", "errno %d",
          errno);
    tv.tv_sec = SETTOD_SEC_MAX;
    errno = 0;
    CHECK(settimeofday(&tv, NULL) == -1 && errno == EINVAL, "settimeofday to TIME_SETTOD_SEC_MAX is EINVAL", "errno %d", errno);
    tv.tv_sec = -1;
    errno = 0;
    CHECK(settimeofday(&tv, NULL) == -1 && errno == EINVAL, "settimeofday to a negative time is EINVAL", "errno %d", errno);
    long long r1 = ns_of(CLOCK_REALTIME), m1 = ns_of(CLOCK_MONOTONIC);
    CHECK(r1 - r0 >= 0 && r1 - r0 <= m1 - m0 + 1000000000LL, "the refused settings left the clock alone", "moved %lld ns in %lld ns",
          r1 - r0, m1 - m0);

    limit.tv_sec = SETTOD_SEC_MAX - 1;
    CHECK(clock_settime(CLOCK_REALTIME, &limit) == 0, "clock_settime to the last second before the limit works", "errno %d", errno);
    long long hi = sys_ns(CLOCK_REALTIME);
    CHECK(hi >= (SETTOD_SEC_MAX - 1) * 1000000000LL, "CLOCK_REALTIME then reads that time, positive", "reads %lld", hi);
    long long hv = ns_of(CLOCK_REALTIME);
    CHECK(hv >= hi && hv - hi < 10000000000LL, "the vDSO agrees", "vdso %lld syscall %lld", hv, hi);
    far_waits("with the clock near its limit");

    CHECK(set_ns(ns_of(CLOCK_MONOTONIC) + 1000000000LL) == 0, "clock_settime a second after the monotonic clock works", "errno %d",
          errno);
    far_waits("with the clock just above the monotonic clock");

    long long back = r0 + (ns_of(CLOCK_MONOTONIC) - m0);
    CHECK(set_ns(back) == 0, "the clock is put back", "errno %d", errno);
    return t_done("clock_edges");
}
