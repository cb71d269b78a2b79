/* Periodic timers whose expiries come faster than they are consumed, or
 * whose first expiry lies in the past: the periods that passed are counted
 * by division, as Linux's hrtimer_forward, never by stepping through them.
 * - A POSIX timer armed 3 s in the past with a 1 ns interval: the first
 *   signal's si_overrun and timer_getoverrun saturate at DELAYTIMER_MAX
 *   (INT_MAX); with a 1 ms interval they count the 3000 periods missed
 *   (on CLOCK_MONOTONIC and CLOCK_REALTIME). The timer goes on after it.
 * - A timerfd armed 3 s in the past with a 1 ns interval reads about 3e9
 *   expirations (a u64 count, no saturation), then keeps counting.
 * - setitimer(ITIMER_REAL) with a 1 us interval and SIGALRM blocked stops
 *   after one expiry until its SIGALRM is taken (getitimer reads 0), as
 *   Linux's; with a 1 ms interval and a handler the program keeps running.
 * Raw syscalls keep glibc and musl identical. The watchdog is a thread, as
 * SIGALRM is under test. */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "../t.h"

struct ksigevent {
    uint64_t value;
    int signo;
    int notify;
    int pad[12];
};

static void *watchdog(void *arg) {
    (void)arg;
    sleep(60);
    static const char msg[] = "FAIL - watchdog: a blocking call never returned\n";
    write(1, msg, sizeof msg - 1);
    _exit(1);
}

static long long ns_of(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static struct timespec ts_of(long long ns) {
    struct timespec t = {ns / 1000000000LL, ns % 1000000000LL};
    return t;
}

/* Arms a SIGUSR1 timer on `clk` 3 s in the past with `interval` ns, waits
 * 20 ms, takes the signal; returns its si_overrun (-1: no signal), and
 * timer_getoverrun's answer in *getov. The timer is left armed in *id. */
static int past_timer(clockid_t clk, long long interval, int *id, int *getov) {
    struct ksigevent ev = {0};
    ev.signo = SIGUSR1;
    if (syscall(SYS_timer_create, clk, &ev, id) != 0)
        return -2;
    struct itimerspec its = {ts_of(interval), ts_of(ns_of(clk) - 3000000000LL)};
    if (syscall(SYS_timer_settime, *id, TIMER_ABSTIME, &its, NULL) != 0)
        return -3;
    t_sleep_ms(20);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    siginfo_t si;
    struct timespec wait = {5, 0};
    /* Only this timer's signal counts: one a deleted timer left queued
     * (Linux before 6.13 delivers it) names another timer. */
    do {
        if (sigtimedwait(&s, &si, &wait) != SIGUSR1)
            return -1;
    } while (si.si_timerid != *id);
    *getov = (int)syscall(SYS_timer_getoverrun, *id);
    return si.si_overrun;
}

/* Takes what a deleted timer left queued (Linux since 6.13 drops it, older
 * kernels deliver it). */
static void drain(const sigset_t *s) {
    struct timespec zero = {0, 0};
    siginfo_t si;
    while (sigtimedwait(s, &si, &zero) > 0) {
    }
}

static volatile int alarms;
static void on_alarm(int sig) {
    (void)sig;
    alarms++;
}

int main(void) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    /* The watchdog blocks SIGUSR1 too (inherited) and SIGALRM. */
    sigset_t both = s;
    sigaddset(&both, SIGALRM);
    sigprocmask(SIG_BLOCK, &both, NULL);
    pthread_t w;
    pthread_create(&w, NULL, watchdog, NULL);
    /* "3 s in the past" on CLOCK_MONOTONIC needs a machine up for 3 s. */
    while (ns_of(CLOCK_MONOTONIC) < 3500000000LL)
        t_sleep_ms(100);
    sigprocmask(SIG_UNBLOCK, &both, NULL);
    sigprocmask(SIG_BLOCK, &s, NULL);

    static const struct {
        clockid_t clk;
        const char *name;
    } clocks[] = {{CLOCK_MONOTONIC, "MONOTONIC"}, {CLOCK_REALTIME, "REALTIME"}};
    for (unsigned i = 0; i < 2; i++) {
        char name[160];
        int id, getov = -9;
        int ov = past_timer(clocks[i].clk, 1, &id, &getov);
        snprintf(name, sizeof name, "%s timer 3 s in the past, 1 ns interval: si_overrun is DELAYTIMER_MAX", clocks[i].name);
        CHECK(ov == INT_MAX, name, "si_overrun %d", ov);
        snprintf(name, sizeof name, "%s timer 3 s in the past, 1 ns interval: timer_getoverrun is DELAYTIMER_MAX", clocks[i].name);
        CHECK(getov == INT_MAX, name, "timer_getoverrun %d", getov);
        /* It goes on: the next signal comes, with the periods since. */
        siginfo_t si;
        struct timespec wait = {5, 0};
        int sig = sigtimedwait(&s, &si, &wait);
        snprintf(name, sizeof name, "%s timer with a 1 ns interval expires again after its signal was taken", clocks[i].name);
        CHECK(sig == SIGUSR1 && si.si_overrun > 0, name, "signal %d overrun %d", sig, si.si_overrun);
        syscall(SYS_timer_delete, id);
        drain(&s);

        ov = past_timer(clocks[i].clk, 1000000, &id, &getov);
        snprintf(name, sizeof name, "%s timer 3 s in the past, 1 ms interval: si_overrun counts the 3000 periods missed", clocks[i].name);
        CHECK(ov >= 3000 && ov < 60000, name, "si_overrun %d", ov);
        snprintf(name, sizeof name, "%s timer 3 s in the past, 1 ms interval: timer_getoverrun agrees", clocks[i].name);
        CHECK(getov == ov, name, "timer_getoverrun %d si_overrun %d", getov, ov);
        syscall(SYS_timer_delete, id);
        drain(&s);
    }
    struct timespec zero = {0, 0};
    siginfo_t si;

    int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = {ts_of(1), ts_of(ns_of(CLOCK_MONOTONIC) - 3000000000LL)};
    CHECK(timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0, "a timerfd armed 3 s in the past with a 1 ns interval", "errno %d",
          errno);
    t_sleep_ms(20);
    uint64_t n = 0;
    ssize_t r = read(tfd, &n, 8);
    CHECK(r == 8 && n >= 3000000000ULL && n < 60000000000ULL, "its first read counts about 3e9 expirations", "read %zd count %llu", r,
          (unsigned long long)n);
    t_sleep_ms(10);
    n = 0;
    r = read(tfd, &n, 8);
    CHECK(r == 8 && n > 0, "it goes on counting", "read %zd count %llu", r, (unsigned long long)n);
    struct itimerspec cur;
    CHECK(timerfd_gettime(tfd, &cur) == 0 && cur.it_interval.tv_nsec == 1 && cur.it_value.tv_sec == 0, "timerfd_gettime shows it armed",
          "interval %ld value %ld.%09ld", cur.it_interval.tv_nsec, (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
    close(tfd);

    /* ITIMER_REAL with a 1 us interval and SIGALRM blocked: one SIGALRM
     * is pending and the timer waits for it to be taken (it reads 0), then
     * runs again. */
    sigset_t alrm;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    sigprocmask(SIG_BLOCK, &alrm, NULL);
    struct itimerval iv = {{0, 1}, {0, 1}};
    CHECK(setitimer(ITIMER_REAL, &iv, NULL) == 0, "setitimer ITIMER_REAL with a 1 us interval", "errno %d", errno);
    double t0 = t_now();
    while (t_now() - t0 < 0.05) {
    }
    struct itimerval now;
    getitimer(ITIMER_REAL, &now);
    CHECK(now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0 && now.it_interval.tv_usec == 1,
          "while its SIGALRM is pending the timer is stopped (value 0, interval 1 us)", "value %ld.%06ld interval %ld us",
          (long)now.it_value.tv_sec, (long)now.it_value.tv_usec, (long)now.it_interval.tv_usec);
    struct timespec wait = {5, 0};
    CHECK(sigtimedwait(&alrm, &si, &wait) == SIGALRM, "its SIGALRM is taken", "errno %d", errno);
    CHECK(sigtimedwait(&alrm, &si, &wait) == SIGALRM, "then the timer runs again", "errno %d", errno);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    while (sigtimedwait(&alrm, &si, &zero) > 0) {
    }
    sigprocmask(SIG_UNBLOCK, &alrm, NULL);

    /* A 1 ms interval with a handler: SIGALRM arrives while the program
     * runs. */
    signal(SIGALRM, on_alarm);
    struct itimerval ms = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &ms, NULL);
    t0 = t_now();
    while (t_now() - t0 < 0.1) {
    }
    setitimer(ITIMER_REAL, &off, NULL);
    CHECK(alarms > 0, "a 1 ms ITIMER_REAL delivers SIGALRM while the program keeps running", "%d alarms", alarms);
    getitimer(ITIMER_REAL, &now);
    CHECK(now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0 && now.it_interval.tv_usec == 0, "and it is disarmed", "value %ld us",
          (long)now.it_value.tv_usec);
    return t_done("time_timer_overrun");
}
