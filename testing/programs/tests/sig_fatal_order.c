/* A fatal signal decides the exit status when it is sent (Linux's
 * complete_signal): SIGTERM then SIGKILL, sent back to back, leave a child
 * killed by SIGTERM, whether it sleeps in pause() or spins in user mode;
 * with SIGTERM blocked, or handled, SIGKILL decides; a process-directed
 * SIGTERM to a multithreaded child counts the same way. */
#include <pthread.h>
#include <stdlib.h>
#include "../t.h"

static void on_term(int s) { (void)s; }
static void *sleeper(void *a) {
    (void)a;
    for (;;)
        pause();
    return NULL;
}

/* Runs a child of the given kind, sends TERM then KILL, returns the signal
 * that ended it (or -1). */
static int term_then_kill(int kind) {
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        if (kind == 2) {
            sigset_t s;
            sigemptyset(&s);
            sigaddset(&s, SIGTERM);
            sigprocmask(SIG_BLOCK, &s, NULL);
        }
        if (kind == 3)
            signal(SIGTERM, on_term);
        if (kind == 4) {
            pthread_t t;
            pthread_create(&t, NULL, sleeper, NULL);
        }
        write(p[1], "r", 1);
        if (kind == 1)
            for (;;)
                ;
        for (;;)
            pause();
    }
    close(p[1]);
    char ch;
    read(p[0], &ch, 1);
    close(p[0]);
    kill(c, SIGTERM);
    kill(c, SIGKILL);
    int st = 0;
    if (waitpid(c, &st, 0) != c || !WIFSIGNALED(st))
        return -1;
    return WTERMSIG(st);
}

int main(void) {
    t_watchdog(60);
    int n[5] = {0};
    int want[5] = {SIGTERM, SIGTERM, SIGKILL, SIGKILL, SIGTERM};
    for (int kind = 0; kind < 5; kind++)
        for (int i = 0; i < 10; i++)
            n[kind] += term_then_kill(kind) == want[kind];
    CHECK(n[0] == 10, "SIGTERM then SIGKILL to a sleeping child: it dies of SIGTERM", "%d of 10", n[0]);
    CHECK(n[1] == 10, "to a spinning child: SIGTERM", "%d of 10", n[1]);
    CHECK(n[2] == 10, "with SIGTERM blocked: SIGKILL", "%d of 10", n[2]);
    CHECK(n[3] == 10, "with a SIGTERM handler: SIGKILL", "%d of 10", n[3]);
    CHECK(n[4] == 10, "to a child with two threads: SIGTERM", "%d of 10", n[4]);
    return t_done("sig_fatal_order");
}
