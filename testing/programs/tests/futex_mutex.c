/* Futex-based synchronisation hammered by 8 threads (on every CPU there
 * is): a three-state mutex (0 free, 1 locked, 2 contended), a sequence
 * condition variable with a producer/consumer queue, broadcast by
 * CMP_REQUEUE onto the mutex word, signal-and-unlock by FUTEX_WAKE_OP, a
 * generation barrier, a counting semaphore whose waiters use short
 * time-outs, and the mutex shared by 4 processes through MAP_SHARED
 * memory. Every result is an exact count; a lost wake shows as a hang,
 * which the watchdog turns into a FAIL line. */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"

#include "../futex.h"
#define PRIV 128
#define NT 8

static int priv_flag = PRIV;
static long fx(int *uaddr, int op, int val, unsigned long val2, int *uaddr2, unsigned val3) {
    return syscall(SYS_futex, uaddr, op | priv_flag, val, val2, uaddr2, val3);
}
static int cas(int *p, int old, int new) { __atomic_compare_exchange_n(p, &old, new, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return old; }
static int load(int *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }

/* Drepper's mutex. */
static void lock(int *m) {
    int c = cas(m, 0, 1);
    if (c == 0)
        return;
    if (c != 2)
        c = __atomic_exchange_n(m, 2, __ATOMIC_SEQ_CST);
    while (c != 0) {
        fx(m, FUTEX_WAIT, 2, 0, NULL, 0);
        c = __atomic_exchange_n(m, 2, __ATOMIC_SEQ_CST);
    }
}
static void unlock(int *m) {
    if (__atomic_fetch_sub(m, 1, __ATOMIC_SEQ_CST) != 1) {
        __atomic_store_n(m, 0, __ATOMIC_SEQ_CST);
        fx(m, FUTEX_WAKE, 1, 0, NULL, 0);
    }
}

/* A sequence condition variable. */
static void cond_wait(int *seq, int *m) {
    int s = load(seq);
    unlock(m);
    fx(seq, FUTEX_WAIT, s, 0, NULL, 0);
    /* Relock as contended: others may have been requeued onto m, and only
     * an unlock of a word at 2 wakes them. */
    while (__atomic_exchange_n(m, 2, __ATOMIC_SEQ_CST) != 0)
        fx(m, FUTEX_WAIT, 2, 0, NULL, 0);
}
static void cond_signal(int *seq) {
    __atomic_add_fetch(seq, 1, __ATOMIC_SEQ_CST);
    fx(seq, FUTEX_WAKE, 1, 0, NULL, 0);
}
/* Broadcast: wake one, move the rest onto the mutex word (they then wait
 * there as contended lockers). */
static void cond_broadcast_requeue(int *seq, int *m) {
    int s = __atomic_add_fetch(seq, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(m, 2, __ATOMIC_SEQ_CST); /* caller holds m: mark contended */
    while (fx(seq, FUTEX_CMP_REQUEUE, 1, INT_MAX, m, (unsigned)s) == -1 && errno == EAGAIN)
        s = load(seq);
}

/* Part 1: the mutex. */
#define INCS 3000
/* Data the locks protect is volatile: glibc declares syscall() a leaf
 * function, so without it GCC may keep these in registers across waits. */
static int mtx;
static volatile int counter;
static void *incr(void *arg) {
    (void)arg;
    for (int i = 0; i < INCS; i++) {
        lock(&mtx);
        int v = counter; /* not atomic: the mutex must protect it */
        if ((i & 63) == 0)
            sched_yield();
        counter = v + 1;
        unlock(&mtx);
    }
    return NULL;
}

/* Part 2: producer/consumer queue under the mutex and two condvars. */
#define QCAP 4
#define ITEMS 1500
static int qm, not_empty, not_full;
static volatile int q[QCAP], qhead, qcount, produced_done;
static volatile long consumed_sum, consumed_n;
static void *producer(void *arg) {
    int base = (int)(intptr_t)arg * ITEMS;
    for (int i = 1; i <= ITEMS; i++) {
        lock(&qm);
        while (qcount == QCAP)
            cond_wait(&not_full, &qm);
        q[(qhead + qcount) % QCAP] = base + i;
        qcount++;
        cond_signal(&not_empty);
        unlock(&qm);
    }
    return NULL;
}
static void *consumer(void *arg) {
    (void)arg;
    for (;;) {
        lock(&qm);
        while (qcount == 0 && !produced_done)
            cond_wait(&not_empty, &qm);
        if (qcount == 0 && produced_done) {
            unlock(&qm);
            return NULL;
        }
        int v = q[qhead];
        qhead = (qhead + 1) % QCAP;
        qcount--;
        consumed_sum += v;
        consumed_n++;
        cond_signal(&not_full);
        unlock(&qm);
    }
}

/* Part 3: broadcast by requeue. */
static int bm, bseq;
static volatile int go_flag, through;
static void *bwaiter(void *arg) {
    (void)arg;
    lock(&bm);
    while (!go_flag)
        cond_wait(&bseq, &bm);
    through++;
    unlock(&bm);
    return NULL;
}

/* Part 4: a barrier. */
#define ROUNDS 200
static int bar_count, bar_gen, bar_bad;
static void barrier(void) {
    int gen = load(&bar_gen);
    if (__atomic_add_fetch(&bar_count, 1, __ATOMIC_SEQ_CST) == NT) {
        __atomic_store_n(&bar_count, 0, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&bar_gen, 1, __ATOMIC_SEQ_CST);
        fx(&bar_gen, FUTEX_WAKE, INT_MAX, 0, NULL, 0);
        return;
    }
    while (load(&bar_gen) == gen)
        fx(&bar_gen, FUTEX_WAIT, gen, 0, NULL, 0);
}
static volatile int round_seen[NT];
static void *bar_thread(void *arg) {
    int me = (int)(intptr_t)arg;
    for (int r = 0; r < ROUNDS; r++) {
        round_seen[me] = r;
        barrier();
        for (int i = 0; i < NT; i++)
            if (round_seen[i] < r)
                __atomic_add_fetch(&bar_bad, 1, __ATOMIC_SEQ_CST);
        barrier();
    }
    return NULL;
}

/* Part 5: a semaphore with timed waits. */
#define TOKENS 2000
static int sem, taken;
static void *sem_taker(void *arg) {
    (void)arg;
    struct timespec ts = {0, 1000000};
    for (;;) {
        int v = load(&sem);
        if (v > 0) {
            if (cas(&sem, v, v - 1) == v) {
                if (__atomic_add_fetch(&taken, 1, __ATOMIC_SEQ_CST) >= TOKENS)
                    fx(&sem, FUTEX_WAKE, INT_MAX, 0, NULL, 0);
            }
            continue;
        }
        if (load(&taken) >= TOKENS)
            return NULL;
        fx(&sem, FUTEX_WAIT, 0, (unsigned long)&ts, NULL, 0);
    }
}

/* Part 6: WAKE_OP signal-and-unlock: *m = 0 and wake a locker if it was
 * contended (old > 1), plus wake one condvar waiter. */
static int wm, wseq;
static volatile int wready, wdone;
static void *wake_op_waiter(void *arg) {
    (void)arg;
    lock(&wm);
    while (!wready)
        cond_wait(&wseq, &wm);
    wdone++;
    unlock(&wm);
    return NULL;
}

int main(void) {
    t_watchdog(100);
    pthread_t t[NT];

    for (int i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, incr, NULL);
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    CHECK(counter == NT * INCS, "a futex mutex keeps 8 threads' increments exact", "counter %d", counter);
    CHECK(mtx == 0, "the mutex word ends free", "word %d", mtx);

    for (int i = 0; i < NT / 2; i++)
        pthread_create(&t[i], NULL, producer, (void *)(intptr_t)i);
    for (int i = NT / 2; i < NT; i++)
        pthread_create(&t[i], NULL, consumer, NULL);
    for (int i = 0; i < NT / 2; i++)
        pthread_join(t[i], NULL);
    lock(&qm);
    produced_done = 1;
    __atomic_add_fetch(&not_empty, 1, __ATOMIC_SEQ_CST);
    fx(&not_empty, FUTEX_WAKE, INT_MAX, 0, NULL, 0);
    unlock(&qm);
    for (int i = NT / 2; i < NT; i++)
        pthread_join(t[i], NULL);
    long left = fx(&not_empty, FUTEX_WAKE, INT_MAX, 0, NULL, 0) + fx(&not_full, FUTEX_WAKE, INT_MAX, 0, NULL, 0) +
                fx(&qm, FUTEX_WAKE, INT_MAX, 0, NULL, 0);
    CHECK(left == 0 && qm == 0, "after the queue drains, no thread is left waiting on its words", "left %ld", left);
    long n = (long)NT / 2 * ITEMS;
    CHECK(consumed_n == n && consumed_sum == n * (n + 1) / 2,
          "a condition-variable queue: 4 producers, 4 consumers, every item once", "n %ld sum %ld", consumed_n,
          consumed_sum);

    for (int i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, bwaiter, NULL);
    t_sleep_ms(200);
    lock(&bm);
    go_flag = 1;
    cond_broadcast_requeue(&bseq, &bm);
    unlock(&bm);
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    CHECK(through == NT && bm == 0, "a broadcast by CMP_REQUEUE onto the mutex lets all 8 waiters through",
          "through %d word %d", through, bm);

    for (int i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, bar_thread, (void *)(intptr_t)i);
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    CHECK(fx(&bar_gen, FUTEX_WAKE, INT_MAX, 0, NULL, 0) == 0 && bar_count == 0,
          "the barrier ends with no waiter and a zero count", "count %d", bar_count);
    CHECK(bar_bad == 0 && bar_gen == 2 * ROUNDS, "a futex barrier holds 8 threads in step for 200 rounds",
          "bad %d gen %d", bar_bad, bar_gen);

    for (int i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, sem_taker, NULL);
    for (int i = 0; i < TOKENS; i++) {
        __atomic_add_fetch(&sem, 1, __ATOMIC_SEQ_CST);
        fx(&sem, FUTEX_WAKE, 1, 0, NULL, 0);
        if ((i & 15) == 0)
            sched_yield();
    }
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    CHECK(taken == TOKENS && sem == 0, "a semaphore with 1 ms timed waits hands out every token once",
          "taken %d left %d", taken, sem);

    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, wake_op_waiter, NULL);
    for (int tries = 0; tries < 2000 && wdone < 4; tries++) {
        t_sleep_ms(1);
        lock(&wm);
        wready = 1;
        __atomic_add_fetch(&wseq, 1, __ATOMIC_SEQ_CST);
        /* unlock wm (set 0) and wake a locker if it was contended; wake a
         * condvar waiter on wseq too */
        syscall(SYS_futex, &wseq, FUTEX_WAKE_OP | PRIV, 1, 1, &wm, (4u << 24) | 1u); /* SET 0, CMP_GT 1 */
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    CHECK(wdone == 4 && wm == 0, "signal-and-unlock with FUTEX_WAKE_OP releases all 4 waiters", "done %d word %d",
          wdone, wm);

    /* Part 7: the mutex across 4 processes (shared futex keys). */
    priv_flag = 0;
    int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t pids[4];
    for (int p = 0; p < 4; p++) {
        pids[p] = fork();
        if (pids[p] == 0) {
            for (int i = 0; i < 1000; i++) {
                lock(&sh[0]);
                int v = sh[1];
                if ((i & 31) == 0)
                    sched_yield();
                sh[1] = v + 1;
                unlock(&sh[0]);
            }
            _exit(0);
        }
    }
    int ok = 0;
    for (int p = 0; p < 4; p++) {
        int st = 0;
        waitpid(pids[p], &st, 0);
        ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    CHECK(ok == 4 && sh[1] == 4000 && sh[0] == 0, "the mutex in MAP_SHARED memory serialises 4 processes",
          "ok %d count %d", ok, sh[1]);
    return t_done("futex_mutex");
}
