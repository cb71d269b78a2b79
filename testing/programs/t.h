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

static inline int t_done(const char *prog) {
    printf("%s: %d passed, %d failed\n", prog, t_passed, t_failed);
    fflush(stdout);
    return t_failed ? 1 : 0;
}
#endif
