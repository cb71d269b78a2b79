/* A process with thousands of threads, each blocked (pause, a futex wait,
 * poll), is ended by one SIGKILL and reaped; so are 5,000 sleepers with
 * random deadlines all woken. No timing is asserted: a lost wake-up or a
 * kill that never completes ends in the watchdog. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include "../t.h"

#define THREADS 2000
#define SLEEPERS 5000

static atomic_int started, woke;

static void *blocked(void *a) {
    atomic_fetch_add(&started, 1);
    switch ((long)a % 3) {
    case 0:
        for (;;)
            pause();
    case 1: {
        int word = 0;
        for (;;)
            syscall(SYS_futex, &word, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0);
    }
    default:
        for (;;)
            poll(NULL, 0, -1);
    }
    return NULL;
}

static void *sleeper(void *a) {
    struct timespec ts = {0, (long)a};
    nanosleep(&ts, NULL);
    atomic_fetch_add(&woke, 1);
    return NULL;
}

int main(void) {
    t_watchdog(240);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 16384);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);

    pid_t c = fork();
    if (c == 0) {
        for (long i = 0; i < THREADS; i++) {
            pthread_t t;
            if (pthread_create(&t, &at, blocked, (void *)i) != 0)
                _exit(3);
        }
        while (atomic_load(&started) < THREADS)
            usleep(1000);
        kill(getppid(), SIGUSR1);
        for (;;)
            pause();
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sig = 0;
    sigwait(&set, &sig);
    kill(c, SIGKILL);
    int st = 0;
    pid_t w = waitpid(c, &st, 0);
    CHECK(w == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "a process with 2000 blocked threads dies of one SIGKILL",
          "w %d st %x", w, st);

    srand(1);
    int made = 0;
    for (int i = 0; i < SLEEPERS; i++) {
        pthread_t t;
        if (pthread_create(&t, &at, sleeper, (void *)(long)((rand() % 500) * 1000000L)) == 0)
            made++;
        else
            break;
    }
    while (atomic_load(&woke) < made)
        usleep(10000);
    CHECK(made == SLEEPERS && atomic_load(&woke) == made, "5000 sleepers with random deadlines all wake", "%d of %d",
          atomic_load(&woke), made);
    CHECK_NO_CHILDREN();
    return t_done("thread_kill_many");
}
