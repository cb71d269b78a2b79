/* Far-future deadlines on every clock stay waits like any other: an
 * absolute clock_nanosleep, a timerfd and a POSIX timer set to the end of
 * time (and past it: Linux clamps to KTIME_MAX) wait without expiring, a
 * signal ends the sleep and the read with EINTR, and SIGKILL ends a
 * process sleeping so. The clocks: REALTIME, MONOTONIC, BOOTTIME, TAI and
 * the two alarm clocks; where Linux refuses a clock for a call (timerfd on
 * TAI), the errno is checked; the alarm clocks may be refused by a
 * machine without a wake-up RTC (EOPNOTSUPP) or privilege (EPERM), which
 * counts as passing, so that the lines are the same everywhere. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../t.h"

#ifndef CLOCK_TAI
#define CLOCK_TAI 11
#endif

static const struct {
    clockid_t clk;
    const char *name;
    int alarm;
} clocks[] = {
    {CLOCK_REALTIME, "REALTIME", 0}, {CLOCK_MONOTONIC, "MONOTONIC", 0}, {CLOCK_BOOTTIME, "BOOTTIME", 0},
    {CLOCK_TAI, "TAI", 0},           {CLOCK_REALTIME_ALARM, "REALTIME_ALARM", 1}, {CLOCK_BOOTTIME_ALARM, "BOOTTIME_ALARM", 1},
};
#define NCLOCKS (sizeof clocks / sizeof clocks[0])

/* The last representable time, and a time past it. */
static const struct timespec end_of_time = {9223372036, 854775807};
static const struct timespec past_end = {INT64_MAX / 2, 999999999};

static void on_usr1(int sig) { (void)sig; }

static pthread_t main_thread;
static volatile int poke_ms;
/* Sends SIGUSR1 to the main thread `poke_ms` after it is started. */
static void *poker(void *arg) {
    (void)arg;
    t_sleep_ms(poke_ms);
    pthread_kill(main_thread, SIGUSR1);
    return NULL;
}
static pthread_t poke_later(int ms) {
    pthread_t p;
    poke_ms = ms;
    pthread_create(&p, NULL, poker, NULL);
    return p;
}

/* A refusal the alarm clocks may meet on a machine without a wake-up RTC
 * or the privilege. */
static int alarm_refused(int alarm, int e) { return alarm && (e == EOPNOTSUPP || e == EPERM || e == EINVAL); }

int main(void) {
    t_watchdog(60);
    main_thread = pthread_self();
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1; /* no SA_RESTART */
    sigaction(SIGUSR1, &sa, NULL);
    char name[200];

    for (unsigned i = 0; i < NCLOCKS; i++) {
        for (int k = 0; k < 2; k++) {
            const struct timespec *at = k ? &past_end : &end_of_time;
            pthread_t p = poke_later(50);
            double t0 = t_now();
            int r = clock_nanosleep(clocks[i].clk, TIMER_ABSTIME, at, NULL);
            double took = t_now() - t0;
            pthread_join(p, NULL);
            snprintf(name, sizeof name, "%s: an absolute sleep %s waits until a signal ends it with EINTR", clocks[i].name,
                     k ? "past the end of time" : "to the end of time");
            CHECK((r == EINTR && took >= 0.04) || alarm_refused(clocks[i].alarm, r), name, "returned %d after %.3f s", r, took);
        }
        /* SIGKILL ends a process sleeping so. */
        pid_t c = fork();
        if (c == 0) {
            int r = clock_nanosleep(clocks[i].clk, TIMER_ABSTIME, &end_of_time, NULL);
            _exit(alarm_refused(clocks[i].alarm, r) ? 3 : 0);
        }
        t_sleep_ms(30);
        kill(c, SIGKILL);
        int st = 0;
        waitpid(c, &st, 0);
        snprintf(name, sizeof name, "%s: SIGKILL ends a process in such a sleep", clocks[i].name);
        CHECK((WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) || (WIFEXITED(st) && WEXITSTATUS(st) == 3), name, "status %#x", st);

        /* A timerfd to the end of time. */
        int fd = timerfd_create(clocks[i].clk, 0);
        snprintf(name, sizeof name, "%s: a timerfd set to the end of time waits until a signal ends its read with EINTR", clocks[i].name);
        if (clocks[i].clk == CLOCK_TAI) {
            CHECK(fd == -1 && errno == EINVAL, "TAI: timerfd_create refuses it with EINVAL", "fd %d errno %d", fd, errno);
        } else if (fd < 0) {
            CHECK(alarm_refused(clocks[i].alarm, errno), name, "timerfd_create errno %d", errno);
        } else {
            struct itimerspec its = {{0, 0}, end_of_time};
            int s = timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
            struct itimerspec cur = {{0, 0}, {0, 0}};
            timerfd_gettime(fd, &cur);
            pthread_t p = poke_later(50);
            uint64_t n;
            errno = 0;
            ssize_t r = read(fd, &n, 8);
            int e = errno;
            pthread_join(p, NULL);
            CHECK(s == 0 && r == -1 && e == EINTR, name, "settime %d read %zd errno %d", s, r, e);
            snprintf(name, sizeof name, "%s: timerfd_gettime shows the time left to it", clocks[i].name);
            CHECK(cur.it_value.tv_sec > 1000000000, name, "%lld s left", (long long)cur.it_value.tv_sec);
            close(fd);
        }

        /* A POSIX timer to the end of time (and past it). */
        timer_t id;
        struct sigevent ev = {0};
        ev.sigev_notify = SIGEV_SIGNAL;
        ev.sigev_signo = SIGUSR1;
        snprintf(name, sizeof name, "%s: a POSIX timer set past the end of time stays armed and silent", clocks[i].name);
        if (timer_create(clocks[i].clk, &ev, &id) != 0) {
            CHECK(alarm_refused(clocks[i].alarm, errno), name, "timer_create errno %d", errno);
            continue;
        }
        struct itimerspec its = {{0, 0}, past_end};
        int s = timer_settime(id, TIMER_ABSTIME, &its, NULL);
        sigset_t u;
        sigemptyset(&u);
        sigaddset(&u, SIGUSR1);
        sigprocmask(SIG_BLOCK, &u, NULL);
        struct timespec wait = {0, 30000000};
        siginfo_t si;
        int got = sigtimedwait(&u, &si, &wait);
        sigprocmask(SIG_UNBLOCK, &u, NULL);
        struct itimerspec cur = {{0, 0}, {0, 0}};
        timer_gettime(id, &cur);
        CHECK(s == 0 && got == -1 && cur.it_value.tv_sec > 1000000000, name, "settime %d signal %d left %lld s", s, got,
              (long long)cur.it_value.tv_sec);
        timer_delete(id);
    }

    /* Relative sleeps past the end of time. */
    pthread_t p = poke_later(50);
    struct timespec rem = {0, 0};
    int r = nanosleep(&past_end, &rem);
    int e = errno;
    pthread_join(p, NULL);
    CHECK(r == -1 && e == EINTR && rem.tv_sec > 1000000000, "nanosleep past the end of time: EINTR with the time left", "r %d errno %d rem %lld", r,
          e, (long long)rem.tv_sec);
    return t_done("time_far_deadlines");
}
