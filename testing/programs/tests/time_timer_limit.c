/* POSIX timers and RLIMIT_SIGPENDING, as Linux: each timer takes one
 * pending-signal slot of its owner's real uid when made (its preallocated
 * siginfo), so timer_create past the limit is EAGAIN (root is not exempt); the
 * slot is back after timer_delete; queued real-time signals share the
 * limit; a timer's own signal is still delivered when the slots are gone. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include "../t.h"

static int make(timer_t *t, int sig) {
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = sig};
    return timer_create(CLOCK_MONOTONIC, &ev, t);
}

static int limited(void) {
    struct rlimit rl = {10, 10};
    /* A user of its own: the count is per real uid, system-wide. */
    STEP(1, setrlimit(RLIMIT_SIGPENDING, &rl) == 0 && setresgid(54321, 54321, 54321) == 0 &&
                setresuid(54321, 54321, 54321) == 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigdelset(&set, SIGRTMIN + 1);
    timer_t t[16];
    int n = 0;
    while (n < 16 && make(&t[n], SIGRTMIN) == 0)
        n++;
    STEP(2, n == 10 && errno == EAGAIN);
    union sigval v = {0};
    STEP(3, sigqueue(getpid(), SIGRTMIN + 1, v) == -1 && errno == EAGAIN);
    /* A timer's signal still comes. */
    struct itimerspec its = {{0, 0}, {0, 1000000}};
    STEP(4, timer_settime(t[0], 0, &its, NULL) == 0);
    siginfo_t si;
    struct timespec ts = {10, 0};
    STEP(5, sigtimedwait(&set, &si, &ts) == SIGRTMIN && si.si_code == SI_TIMER);
    STEP(6, timer_delete(t[1]) == 0);
    STEP(7, make(&t[1], SIGRTMIN) == 0);
    STEP(8, make(&t[10], SIGRTMIN) == -1 && errno == EAGAIN);
    STEP(9, timer_delete(t[2]) == 0 && sigqueue(getpid(), SIGRTMIN + 1, v) == 0);
    return 0;
}

int main(void) {
    t_watchdog(60);
    CHECK_CHILD(limited, "timers take RLIMIT_SIGPENDING slots; EAGAIN past it, back after timer_delete");
    CHECK_NO_CHILDREN();
    return t_done("time_timer_limit");
}
