/* futex(2): WAIT value mismatch, relative and absolute timeouts (monotonic
 * and FUTEX_CLOCK_REALTIME), WAKE counts, bitsets, REQUEUE/CMP_REQUEUE,
 * WAKE_OP, PRIVATE variants, argument errors, a 10,000-round ping-pong
 * between two threads, and a shared futex across fork. Every wait has a
 * timeout so nothing can hang. */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"

#include "../futex.h"
#define FUTEX_WAIT_PRIVATE_OP (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_OP(op, oparg, cmp, cmparg) \
    ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_GT 4

static long futex(void *uaddr, int op, unsigned val, const struct timespec *ts, void *uaddr2, unsigned val3) {
    return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}
/* For REQUEUE/WAKE_OP the 4th argument is a count, not a pointer. */
static long futex2(void *uaddr, int op, unsigned val, unsigned long val2, void *uaddr2, unsigned val3) {
    return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static double now(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A waiter thread: waits on *addr (expected 0) until it changes, with a
 * 5 s timeout per wait; records how it ended. */
struct waiter {
    int *addr;
    int op;
    unsigned bitset;
    int woke; /* 1 woken normally, -1 timed out */
    pthread_t t;
};
static int arrived;
static void *waiter_main(void *arg) {
    struct waiter *w = arg;
    __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
    struct timespec ts = {5, 0};
    for (int i = 0; i < 2 && __atomic_load_n(w->addr, __ATOMIC_SEQ_CST) == 0; i++) {
        long r;
        if ((w->op & 127) == FUTEX_WAIT_BITSET) {
            struct timespec abs;
            clock_gettime(CLOCK_MONOTONIC, &abs);
            abs.tv_sec += 5;
            r = futex(w->addr, w->op, 0, &abs, NULL, w->bitset);
        } else {
            r = futex(w->addr, w->op, 0, &ts, NULL, 0);
        }
        if (r == -1 && errno == ETIMEDOUT) {
            w->woke = -1;
            return NULL;
        }
    }
    w->woke = 1;
    return NULL;
}
static void start_waiters(struct waiter *w, int n, int *addr, int op, unsigned bitset) {
    arrived = 0;
    for (int i = 0; i < n; i++) {
        w[i].addr = addr;
        w[i].op = op;
        w[i].bitset = bitset;
        w[i].woke = 0;
        pthread_create(&w[i].t, NULL, waiter_main, &w[i]);
    }
    for (int i = 0; i < 5000 && __atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < n; i++)
        t_nap_ms(1);
    t_nap_ms(200); /* let them all block in the kernel */
}
static int join_waiters(struct waiter *w, int n) {
    int woke = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(w[i].t, NULL);
        woke += w[i].woke == 1;
    }
    return woke;
}

#define ROUNDS 10000
static int pp_word, pp_timeouts;
static void *ponger(void *arg) {
    (void)arg;
    struct timespec ts = {1, 0};
    for (int i = 0; i < ROUNDS && pp_timeouts < 5; i++) {
        while (__atomic_load_n(&pp_word, __ATOMIC_SEQ_CST) != 1) {
            if (futex(&pp_word, FUTEX_WAIT_PRIVATE_OP, 0, &ts, NULL, 0) == -1 && errno == ETIMEDOUT &&
                ++pp_timeouts >= 5)
                return NULL;
        }
        __atomic_store_n(&pp_word, 0, __ATOMIC_SEQ_CST);
        futex(&pp_word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    }
    return NULL;
}

int main(void) {
    static int word;
    long r;
    double t0, el;

    /* Value mismatch and timeouts. */
    word = 1;
    errno = 0;
    r = futex(&word, FUTEX_WAIT, 0, NULL, NULL, 0);
    CHECK(r == -1 && errno == EAGAIN, "FUTEX_WAIT with a wrong value is EAGAIN", "r %ld errno %d", r, errno);
    errno = 0;
    r = futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
    CHECK(r == -1 && errno == EAGAIN, "FUTEX_WAIT_PRIVATE with a wrong value is EAGAIN", "r %ld errno %d", r, errno);
    word = 0;
    struct timespec rel = {0, 20 * 1000 * 1000};
    t0 = now(CLOCK_MONOTONIC);
    errno = 0;
    r = futex(&word, FUTEX_WAIT, 0, &rel, NULL, 0);
    el = now(CLOCK_MONOTONIC) - t0;
    CHECK(r == -1 && errno == ETIMEDOUT && el >= 0.020 && el < 5, "FUTEX_WAIT relative 20 ms times out after >= 20 ms",
          "r %ld errno %d", r, errno);
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 20 * 1000 * 1000;
    t_ts_carry(&abs);
    errno = 0;
    r = futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, &abs, NULL, 0xffffffff);
    struct timespec after;
    clock_gettime(CLOCK_MONOTONIC, &after);
    int past = after.tv_sec > abs.tv_sec || (after.tv_sec == abs.tv_sec && after.tv_nsec >= abs.tv_nsec);
    CHECK(r == -1 && errno == ETIMEDOUT && past, "FUTEX_WAIT_BITSET with an absolute CLOCK_MONOTONIC deadline",
          "r %ld errno %d past %d", r, errno, past);
    clock_gettime(CLOCK_REALTIME, &abs);
    abs.tv_nsec += 20 * 1000 * 1000;
    t_ts_carry(&abs);
    errno = 0;
    r = futex(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &abs, NULL, 0xffffffff);
    clock_gettime(CLOCK_REALTIME, &after);
    past = after.tv_sec > abs.tv_sec || (after.tv_sec == abs.tv_sec && after.tv_nsec >= abs.tv_nsec);
    CHECK(r == -1 && errno == ETIMEDOUT && past, "FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME absolute deadline",
          "r %ld errno %d past %d", r, errno, past);
    struct timespec old = {1, 0}; /* long in the past */
    t0 = now(CLOCK_MONOTONIC);
    errno = 0;
    r = futex(&word, FUTEX_WAIT_BITSET, 0, &old, NULL, 0xffffffff);
    el = now(CLOCK_MONOTONIC) - t0;
    CHECK(r == -1 && errno == ETIMEDOUT && el < 1.0, "an absolute deadline in the past times out at once",
          "r %ld errno %d", r, errno);

    /* Errors. */
    errno = 0;
    r = futex((char *)&word + 1, FUTEX_WAIT, 0, &rel, NULL, 0);
    CHECK(r == -1 && errno == EINVAL, "an unaligned futex address is EINVAL", "r %ld errno %d", r, errno);
    errno = 0;
    r = futex(&word, FUTEX_WAIT_BITSET, 0, &rel, NULL, 0);
    long r2 = futex(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0);
    CHECK(r == -1 && r2 == -1 && errno == EINVAL, "bitset 0 is EINVAL for WAIT_BITSET and WAKE_BITSET",
          "r %ld r2 %ld errno %d", r, r2, errno);
    struct timespec badts = {0, 1000000000};
    errno = 0;
    r = futex(&word, FUTEX_WAIT, 0, &badts, NULL, 0);
    CHECK(r == -1 && errno == EINVAL, "a timeout with tv_nsec >= 1e9 is EINVAL", "r %ld errno %d", r, errno);
    errno = 0;
    r = futex(&word, 99, 0, NULL, NULL, 0);
    CHECK(r == -1 && errno == ENOSYS, "an unknown futex op is ENOSYS", "r %ld errno %d", r, errno);

    /* WAKE counts. */
    CHECK(futex(&word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) == 0, "FUTEX_WAKE with no waiters returns 0", "nonzero");
    static int gate;
    struct waiter w[3];
    gate = 0;
    start_waiters(w, 3, &gate, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0);
    __atomic_store_n(&gate, 1, __ATOMIC_SEQ_CST);
    long n1 = futex(&gate, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 2, NULL, NULL, 0);
    long n2 = futex(&gate, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
    int woke = join_waiters(w, 3);
    CHECK(n1 == 2 && n2 == 1 && woke == 3, "FUTEX_WAKE returns how many it woke (2 then 1)", "n1 %ld n2 %ld woke %d",
          n1, n2, woke);

    /* A shared wake does not wake a private waiter on the same word. */
    gate = 0;
    start_waiters(w, 1, &gate, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0);
    __atomic_store_n(&gate, 1, __ATOMIC_SEQ_CST);
    n1 = futex(&gate, FUTEX_WAKE, 1, NULL, NULL, 0);
    n2 = futex(&gate, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    woke = join_waiters(w, 1);
    CHECK(n1 == 0 && n2 == 1 && woke == 1, "a shared FUTEX_WAKE misses a private waiter; a private wake gets it",
          "n1 %ld n2 %ld", n1, n2);

    /* Bitsets. */
    gate = 0;
    start_waiters(w, 1, &gate, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0x1);
    __atomic_store_n(&gate, 1, __ATOMIC_SEQ_CST);
    n1 = futex(&gate, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0x2);
    n2 = futex(&gate, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0x3);
    woke = join_waiters(w, 1);
    CHECK(n1 == 0 && n2 == 1 && woke == 1, "WAKE_BITSET wakes only waiters whose bitset intersects",
          "n1 %ld n2 %ld", n1, n2);

    /* REQUEUE / CMP_REQUEUE. */
    static int qa, qb;
    qa = qb = 0;
    errno = 0;
    r = futex2(&qa, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0, 1, &qb, 7);
    CHECK(r == -1 && errno == EAGAIN, "CMP_REQUEUE with a wrong value is EAGAIN", "r %ld errno %d", r, errno);
    start_waiters(w, 3, &qa, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0);
    __atomic_store_n(&qa, 1, __ATOMIC_SEQ_CST); /* woken waiters see 1 and leave */
    r = futex2(&qa, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, 2, &qb, 1);
    n1 = futex(&qa, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
    n2 = futex(&qb, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
    woke = join_waiters(w, 3);
    CHECK(r == 3, "CMP_REQUEUE returns woken plus requeued (1 + 2)", "r %ld", r);
    CHECK(n1 == 0 && n2 == 2 && woke == 3, "requeued waiters are woken from the second address",
          "n1 %ld n2 %ld woke %d", n1, n2, woke);
    qa = qb = 0;
    start_waiters(w, 2, &qa, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0);
    r = futex2(&qa, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 0, INT_MAX, &qb, 0);
    __atomic_store_n(&qa, 1, __ATOMIC_SEQ_CST);
    n2 = futex(&qb, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
    woke = join_waiters(w, 2);
    CHECK(r == 2 && n2 == 2 && woke == 2, "FUTEX_REQUEUE moves all waiters without waking", "r %ld n2 %ld", r, n2);

    /* WAKE_OP. */
    static int oa, ob;
    oa = 0;
    ob = 0;
    r = futex2(&oa, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, &ob, FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0));
    long r3 = futex2(&oa, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, &ob,
                     FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 3, FUTEX_OP_CMP_EQ, 0));
    CHECK(r == 0 && r3 == 0 && ob == 8, "FUTEX_WAKE_OP applies ADD then SET with OPARG_SHIFT", "r %ld ob %d", r, ob);
    ob = 0;
    start_waiters(w, 1, &ob, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0);
    r = futex2(&oa, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, &ob, FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0));
    woke = join_waiters(w, 1);
    CHECK(r == 1 && ob == 1 && woke == 1, "FUTEX_WAKE_OP wakes the second word when the comparison holds",
          "r %ld ob %d woke %d", r, ob, woke);

    /* Ping-pong. */
    pthread_t pt;
    pp_word = 0;
    pp_timeouts = 0;
    pthread_create(&pt, NULL, ponger, NULL);
    struct timespec ts1 = {1, 0};
    int rounds = 0;
    for (int i = 0; i < ROUNDS && pp_timeouts < 5; i++) {
        while (__atomic_load_n(&pp_word, __ATOMIC_SEQ_CST) != 0) {
            if (futex(&pp_word, FUTEX_WAIT_PRIVATE_OP, 1, &ts1, NULL, 0) == -1 && errno == ETIMEDOUT &&
                ++pp_timeouts >= 5)
                break;
        }
        if (pp_timeouts >= 5)
            break;
        __atomic_store_n(&pp_word, 1, __ATOMIC_SEQ_CST);
        futex(&pp_word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
        rounds++;
    }
    pthread_join(pt, NULL);
    CHECK(rounds == ROUNDS && pp_timeouts == 0, "10,000 futex ping-pong rounds between two threads",
          "rounds %d timeouts %d", rounds, pp_timeouts);

    /* Shared futex across fork. */
    int *sh;
    pid_t pid = t_fork_shared_words(&sh);
    if (pid == 0) {
        struct timespec ts = {5, 0};
        long wr = futex(&sh[0], FUTEX_WAIT, 0, &ts, NULL, 0);
        _exit(wr == 0 && sh[0] == 1 ? 0 : 1);
    }
    for (int i = 0; i < 5000 && __atomic_load_n(&sh[1], __ATOMIC_SEQ_CST) == 0; i++)
        t_nap_ms(1);
    t_nap_ms(200);
    __atomic_store_n(&sh[0], 1, __ATOMIC_SEQ_CST);
    r = futex(&sh[0], FUTEX_WAKE, 1, NULL, NULL, 0);
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(r == 1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "a shared futex in MAP_SHARED memory wakes a waiter in another process", "r %ld status %#x", r, status);

    return t_done("futex_basic");
}
