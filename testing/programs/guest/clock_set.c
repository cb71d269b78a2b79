/* Setting CLOCK_REALTIME (clock_settime, settimeofday) and what follows it:
 * absolute REALTIME sleeps move with the clock, TFD_TIMER_CANCEL_ON_SET
 * timerfds report the change, the monotonic clock does not move, and the
 * vDSO's realtime agrees with the system call. Guest-only: it would set the
 * host's clock. The clock is put back at the end. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include "../t.h"

static long long ns_of(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long shift_clock(long long delta) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    long long v = t.tv_sec * 1000000000LL + t.tv_nsec + delta;
    struct timespec n = {v / 1000000000LL, v % 1000000000LL};
    return clock_settime(CLOCK_REALTIME, &n);
}

static volatile int sleeper_done;
static long long sleeper_target;
static void *abs_sleeper(void *arg) {
    (void)arg;
    struct timespec at = {sleeper_target / 1000000000LL, sleeper_target % 1000000000LL};
    while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, NULL) == EINTR) {
    }
    sleeper_done = 1;
    return NULL;
}

int main(void) {
    t_watchdog(60);
    struct timespec bad = {0, 1000000000};
    errno = 0;
    CHECK(clock_settime(CLOCK_REALTIME, &bad) == -1 && errno == EINVAL, "clock_settime with tv_nsec of a billion is EINVAL", "errno %d",
          errno);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    errno = 0;
    CHECK(clock_settime(CLOCK_MONOTONIC, &now) == -1 && errno == EINVAL, "CLOCK_MONOTONIC cannot be set", "errno %d", errno);
    errno = 0;
    CHECK(clock_settime(CLOCK_PROCESS_CPUTIME_ID, &now) == -1 && errno == EINVAL, "a CPU-time clock cannot be set", "errno %d", errno);

    long long m0 = ns_of(CLOCK_MONOTONIC), r0 = ns_of(CLOCK_REALTIME);
    CHECK(shift_clock(1000LL * 1000000000LL) == 0, "clock_settime moves CLOCK_REALTIME", "errno %d", errno);
    long long m1 = ns_of(CLOCK_MONOTONIC), r1 = ns_of(CLOCK_REALTIME);
    CHECK(r1 - r0 >= 1000LL * 1000000000LL && r1 - r0 < 1010LL * 1000000000LL, "CLOCK_REALTIME reads 1000 s later", "moved %lld ns",
          r1 - r0);
    CHECK(m1 - m0 < 10LL * 1000000000LL, "CLOCK_MONOTONIC does not move with it", "moved %lld ns", m1 - m0);
    struct timespec sys;
    syscall(SYS_clock_gettime, CLOCK_REALTIME, &sys);
    long long viaso = ns_of(CLOCK_REALTIME);
    CHECK(viaso >= sys.tv_sec * 1000000000LL + sys.tv_nsec, "the vDSO's realtime follows the change", "vdso %lld syscall %lld", viaso,
          sys.tv_sec * 1000000000LL + sys.tv_nsec);

    /* An absolute sleep 100 s ahead ends when the clock jumps past it. */
    sleeper_target = ns_of(CLOCK_REALTIME) + 100LL * 1000000000LL;
    pthread_t th;
    pthread_create(&th, NULL, abs_sleeper, NULL);
    t_sleep_ms(100);
    CHECK(!sleeper_done, "an absolute REALTIME sleep waits", "ended early");
    double t0 = t_now();
    shift_clock(200LL * 1000000000LL);
    while (!sleeper_done && t_now() - t0 < 20)
        t_sleep_ms(10);
    CHECK(sleeper_done, "setting the clock past its time ends an absolute REALTIME sleep", "still sleeping");
    pthread_join(th, NULL);

    /* TFD_TIMER_CANCEL_ON_SET: readable and ECANCELED after a change. */
    int tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    struct itimerspec far = {{0, 0}, {ns_of(CLOCK_REALTIME) / 1000000000LL + 100000, 0}};
    timerfd_settime(tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &far, NULL);
    struct pollfd pf = {tfd, POLLIN, 0};
    CHECK(poll(&pf, 1, 0) == 0, "a CANCEL_ON_SET timerfd is not readable before a change", "revents %#x", pf.revents);
    shift_clock(-1LL * 1000000000LL);
    pf.revents = 0;
    CHECK(poll(&pf, 1, 2000) == 1 && (pf.revents & POLLIN), "a clock change makes it readable", "revents %#x", pf.revents);
    uint64_t ticks;
    errno = 0;
    CHECK(read(tfd, &ticks, 8) == -1 && errno == ECANCELED, "its read fails with ECANCELED", "errno %d", errno);
    errno = 0;
    CHECK(read(tfd, &ticks, 8) == -1 && errno == EAGAIN, "once: the next read is EAGAIN", "errno %d", errno);
    close(tfd);

    /* settimeofday, then put the clock back. */
    struct timeval tv;
    gettimeofday(&tv, NULL);
    tv.tv_sec -= 1199;
    CHECK(settimeofday(&tv, NULL) == 0, "settimeofday sets the clock back", "errno %d", errno);
    long long r2 = ns_of(CLOCK_REALTIME);
    CHECK(r2 - r0 < 30LL * 1000000000LL && r2 - r0 > -30LL * 1000000000LL, "the clock is back where it was", "off by %lld ns", r2 - r0);
    return t_done("clock_set");
}
