/* Copy-on-write with threads on several CPUs: when one thread forks, the
 * process's writable pages turn read-only and shared with the child; the
 * first store afterwards copies the page. Every other thread of the process
 * must see that store at once: a CPU that keeps the old translation in its
 * TLB reads the old frame forever (pthread_join then never returns). */
#define _GNU_SOURCE
#include <pthread.h>

#include "../t.h"

#define ROUNDS 100

static volatile int word; /* in .bss: a private, copy-on-write page */
static volatile int forked;

static void *writer(void *arg) {
    (void)arg;
    pid_t p = fork(); /* write-protects the pages the reader is reading */
    if (p == 0)
        _exit(0);
    forked = 1;                   /* this store breaks copy-on-write... */
    __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
    waitpid(p, NULL, 0);
    return NULL;
}

int main(void) {
    int stale = 0, joined = 0;
    for (int i = 0; i < ROUNDS; i++) {
        word = 0;
        forked = 0;
        pthread_t t;
        if (pthread_create(&t, NULL, writer, NULL) != 0)
            break;
        /* ...and this thread, reading in a loop, must see it. */
        double deadline = t_now() + 2;
        while (__atomic_load_n(&word, __ATOMIC_SEQ_CST) == 0 && t_now() < deadline)
            ;
        if (word == 0)
            stale++;
        if (pthread_join(t, NULL) == 0)
            joined++;
    }
    CHECK(stale == 0, "a store after fork's copy-on-write is seen by the process's other threads",
          "%d of %d rounds read a stale page", stale, ROUNDS);
    CHECK(joined == ROUNDS, "pthread_join returns after the forking thread exits", "%d of %d joined", joined, ROUNDS);
    return t_done("mm_cow_threads");
}
