/* A process-directed signal reaches a thread that can take it even when
 * the thread first chosen for it exits, or blocks it, at that moment
 * (Linux's complete_signal and retarget_shared_pending). The main thread
 * blocks SIGUSR1 throughout and sends it with kill(); a waiter thread has
 * it unblocked and sleeps in pause(); a racer thread, earlier in the
 * thread list, has it unblocked too and, just as the signal is sent,
 * exits (first part) or blocks it (second part). Each round the handler
 * must run within a few seconds, whichever thread runs it. A stress loop:
 * it matters at several CPUs, and stops after a bounded time. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "../t.h"

static atomic_int handled, go, stop, racer_ready, waiter_ready;
static void on_usr1(int sig) {
    (void)sig;
    atomic_fetch_add(&handled, 1);
}

static void unblock_usr1(int how) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(how, &s, NULL);
}

/* Sleeps in pause() with SIGUSR1 unblocked until told to stop. */
static void *waiter(void *arg) {
    (void)arg;
    unblock_usr1(SIG_UNBLOCK);
    atomic_store(&waiter_ready, 1);
    while (!atomic_load(&stop))
        pause();
    return NULL;
}

/* First part: unblocked, waits for `go`, then exits. */
static void *exiter(void *arg) {
    (void)arg;
    unblock_usr1(SIG_UNBLOCK);
    atomic_store(&racer_ready, 1);
    while (!atomic_load(&go))
        sched_yield();
    return NULL;
}

/* Second part: each round, unblocked until `go`, then blocks SIGUSR1 and
 * keeps it blocked until the round is over (go back to 0). */
static void *blocker(void *arg) {
    (void)arg;
    while (!atomic_load(&stop)) {
        unblock_usr1(SIG_UNBLOCK);
        atomic_store(&racer_ready, 1);
        while (!atomic_load(&go) && !atomic_load(&stop))
            sched_yield();
        unblock_usr1(SIG_BLOCK);
        atomic_store(&racer_ready, 0);
        while (atomic_load(&go) && !atomic_load(&stop))
            sched_yield();
    }
    return NULL;
}

/* Waits up to 5 s for `handled` to reach `n`. */
static int await_handled(int n) {
    double t0 = t_now();
    while (atomic_load(&handled) < n) {
        if (t_now() - t0 > 5)
            return 0;
        sched_yield();
    }
    return 1;
}

static void spin(unsigned n) {
    for (volatile unsigned i = 0; i < n; i++) {
    }
}

int main(void) {
    t_watchdog(120);
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    unblock_usr1(SIG_BLOCK);
    srand(1);

    /* Part 1: the chosen thread exits. The exiter is created first each
     * round, so it comes before the waiter in the thread list. */
    int rounds = 0, lost = 0;
    double t0 = t_now();
    pthread_t w = 0;
    while (rounds < 300 && t_now() - t0 < 1.5) {
        pthread_t x;
        atomic_store(&go, 0);
        atomic_store(&racer_ready, 0);
        atomic_store(&waiter_ready, 0);
        atomic_store(&stop, 0);
        int before = atomic_load(&handled);
        pthread_create(&x, NULL, exiter, NULL);
        pthread_create(&w, NULL, waiter, NULL);
        while (!atomic_load(&racer_ready) || !atomic_load(&waiter_ready))
            sched_yield();
        atomic_store(&go, 1);
        spin(rand() % 2000);
        kill(getpid(), SIGUSR1);
        if (!await_handled(before + 1)) {
            lost++;
            break;
        }
        pthread_join(x, NULL);
        atomic_store(&stop, 1);
        while (pthread_tryjoin_np(w, NULL) != 0) {
            pthread_kill(w, SIGUSR1);
            t_sleep_ms(1);
        }
        atomic_store(&handled, 0);
        rounds++;
    }
    CHECK(lost == 0 && rounds > 0, "a signal sent as the thread chosen for it exits reaches another thread", "lost after %d rounds",
          rounds);
    if (lost)
        return t_done("sig_shared_retarget");

    /* Part 2: the chosen thread blocks the signal. The blocker is created
     * before the waiter. */
    atomic_store(&stop, 0);
    atomic_store(&go, 0);
    atomic_store(&racer_ready, 0);
    atomic_store(&waiter_ready, 0);
    atomic_store(&handled, 0);
    pthread_t b;
    pthread_create(&b, NULL, blocker, NULL);
    pthread_create(&w, NULL, waiter, NULL);
    while (!atomic_load(&waiter_ready))
        sched_yield();
    rounds = 0;
    t0 = t_now();
    int n = 0;
    while (rounds < 300 && t_now() - t0 < 1.5) {
        while (!atomic_load(&racer_ready))
            sched_yield();
        atomic_store(&go, 1);
        spin(rand() % 2000);
        kill(getpid(), SIGUSR1);
        n++;
        if (!await_handled(n)) {
            lost++;
            break;
        }
        atomic_store(&go, 0);
        rounds++;
    }
    CHECK(lost == 0 && rounds > 0, "a signal sent as the thread chosen for it blocks it reaches another thread", "lost after %d rounds",
          rounds);
    atomic_store(&stop, 1);
    atomic_store(&go, 0);
    pthread_join(b, NULL);
    while (pthread_tryjoin_np(w, NULL) != 0) {
        pthread_kill(w, SIGUSR1);
        t_sleep_ms(1);
    }
    return t_done("sig_shared_retarget");
}
