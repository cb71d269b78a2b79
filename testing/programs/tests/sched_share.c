/* Runnable threads share a CPU: two threads that never block, pinned to
 * the same CPU, both make progress, and so does a third that sleeps and
 * wakes among them, and a child process that vfork+execs (the parent
 * suspended meanwhile) while both spin. Aramid once let two runnable
 * threads hand the CPU to each other without either reaching user mode. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include "../t.h"

static volatile long counts[2];
static volatile int stop;

static void pin0(void) {
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(0, &s);
    sched_setaffinity(0, sizeof s, &s);
}

static void *spin(void *a) {
    long i = (long)a;
    pin0();
    while (!stop)
        counts[i]++;
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "exit"))
        return 7;
    t_watchdog(60);
    pin0();
    pthread_t t[2];
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, spin, (void *)i);
    /* Sleeps on the same CPU: each one ends (never early). */
    int slept = 0;
    for (int i = 0; i < 20; i++) {
        struct timespec d = {0, 10 * 1000 * 1000};
        if (nanosleep(&d, NULL) == 0)
            slept++;
    }
    CHECK(slept == 20, "a sleeper among two spinning threads wakes every time", "%d of 20", slept);
    long c0 = counts[0], c1 = counts[1];
    CHECK(c0 > 0 && c1 > 0, "both spinning threads have run", "%ld and %ld", c0, c1);
    /* Progress again, not a single burst. */
    t_sleep_ms(200);
    CHECK(counts[0] > c0 && counts[1] > c1, "and both keep running", "%ld->%ld, %ld->%ld", c0, counts[0], c1, counts[1]);
    int ok = 0;
    for (int i = 0; i < 5; i++) {
        pid_t p = vfork();
        if (p == 0) {
            execl(argv[0], argv[0], "exit", (char *)0);
            _exit(1);
        }
        int st = 0;
        if (waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 7)
            ok++;
    }
    CHECK(ok == 5, "vfork+exec completes while two threads spin on its CPU", "%d of 5", ok);
    stop = 1;
    int joined = 0;
    for (int i = 0; i < 2; i++)
        joined += pthread_join(t[i], NULL) == 0;
    CHECK(joined == 2, "the spinning threads end when told", "%d joined", joined);
    return t_done("sched_share");
}
