/* Futex waits that end by time-out, signal or death never lose a wake or
 * steal one meant for another waiter. Linux's rule: a waiter that a
 * FUTEX_WAKE picked returns 0 even if its time-out or a signal came at the
 * same moment, so "the wake counted 1" and "the waiter returned 0" always
 * go together. Hundreds of rounds race a wake against a time-out and
 * against a signal; a second waiter must get a wake the first missed; a
 * requeued waiter that times out or is interrupted leaves the second
 * word's queue; a waiter killed by SIGKILL leaves the queue. */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include "../t.h"

#include "../futex.h"
#define PRIV 128
#define ROUNDS 300

static long fx(void *uaddr, int op, unsigned val, unsigned long val2, void *uaddr2, unsigned val3) {
    return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}
static long fwait(int *w, long timeout_ns, int priv) {
    struct timespec ts = {timeout_ns / 1000000000L, timeout_ns % 1000000000L};
    long r = fx(w, FUTEX_WAIT | (priv ? PRIV : 0), 0, timeout_ns ? (unsigned long)&ts : 0, NULL, 0);
    return r == 0 ? 0 : errno;
}
static void sleep_us(int us) {
    struct timespec ts = {0, us * 1000L};
    nanosleep(&ts, NULL);
}

/* One waiter thread driven by rounds. */
struct slot {
    int *word;
    long timeout_ns;
    int go;            /* round number, a futex word the slot waits on */
    volatile int done; /* round number */
    volatile long result;
    volatile pid_t tid;
    pthread_t t;
};
static void *slot_main(void *arg) {
    struct slot *s = arg;
    s->tid = (pid_t)syscall(SYS_gettid);
    for (int round = 1; round <= ROUNDS; round++) {
        int g;
        while ((g = __atomic_load_n(&s->go, __ATOMIC_ACQUIRE)) < round)
            fx(&s->go, FUTEX_WAIT | PRIV, (unsigned)g, 0, NULL, 0);
        s->result = fwait(s->word, s->timeout_ns, 1);
        __atomic_store_n(&s->done, round, __ATOMIC_RELEASE);
    }
    return NULL;
}
static void go(struct slot *s, int round) {
    __atomic_store_n(&s->go, round, __ATOMIC_RELEASE);
    fx(&s->go, FUTEX_WAKE | PRIV, 1, 0, NULL, 0);
}
static void wait_done(struct slot *s, int round) {
    while (__atomic_load_n(&s->done, __ATOMIC_ACQUIRE) < round)
        t_sleep_ms(1);
}

/* Waits on the shared word sh[0], then ends the whole process. */
static void *shared_waiter(void *arg) {
    int *sh = arg;
    __atomic_add_fetch(&sh[1], 1, __ATOMIC_SEQ_CST);
    fwait(&sh[0], 0, 0);
    _exit(0);
}

static volatile int usr1_count;
static void on_usr1(int sig) {
    (void)sig;
    usr1_count++;
}

int main(void) {
    t_watchdog(120);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1; /* no SA_RESTART: an interrupted wait is EINTR */
    sigaction(SIGUSR1, &sa, NULL);

    /* A wake racing a time-out. */
    static int w1;
    struct slot a = {.word = &w1, .timeout_ns = 2000000};
    pthread_create(&a.t, NULL, slot_main, &a);
    int mismatch = 0, odd = 0, both = 0, timeouts = 0;
    for (int round = 1; round <= ROUNDS; round++) {
        go(&a, round);
        sleep_us(1500 + (round % 8) * 100);
        long r = fx(&w1, FUTEX_WAKE | PRIV, 1, 0, NULL, 0);
        wait_done(&a, round);
        if ((r == 1) != (a.result == 0))
            mismatch++;
        if (a.result != 0 && a.result != ETIMEDOUT)
            odd++;
        both += r == 1;
        timeouts += a.result == ETIMEDOUT;
    }
    pthread_join(a.t, NULL);
    CHECK(mismatch == 0, "a wake racing a time-out: the wake counts 1 exactly when the wait returns 0",
          "%d of %d rounds disagree", mismatch, ROUNDS);
    CHECK(odd == 0, "a timed wait ends only by a wake or ETIMEDOUT", "%d odd results", odd);

    /* A wake racing a signal. */
    static int w2;
    struct slot b = {.word = &w2, .timeout_ns = 100000000};
    pthread_create(&b.t, NULL, slot_main, &b);
    while (!b.tid)
        t_sleep_ms(1);
    mismatch = 0;
    odd = 0;
    for (int round = 1; round <= ROUNDS; round++) {
        go(&b, round);
        sleep_us(200 + (round % 16) * 50);
        syscall(SYS_tgkill, getpid(), b.tid, SIGUSR1);
        long r = fx(&w2, FUTEX_WAKE | PRIV, 1, 0, NULL, 0);
        wait_done(&b, round);
        if ((r == 1) != (b.result == 0))
            mismatch++;
        if (b.result != 0 && b.result != EINTR && b.result != ETIMEDOUT)
            odd++;
    }
    pthread_join(b.t, NULL);
    CHECK(mismatch == 0, "a wake racing a signal: the wake counts 1 exactly when the wait returns 0",
          "%d of %d rounds disagree", mismatch, ROUNDS);
    CHECK(odd == 0 && usr1_count == ROUNDS, "an interrupted wait is EINTR and every signal is handled",
          "%d odd, %d of %d handled", odd, usr1_count, ROUNDS);

    /* Two waiters: the short one times out around the wake; the wake it
     * missed must reach the long one, and no wake is counted twice. */
    static int w3;
    struct slot s1 = {.word = &w3, .timeout_ns = 2000000}, s2 = {.word = &w3, .timeout_ns = 5000000000L};
    pthread_create(&s1.t, NULL, slot_main, &s1);
    pthread_create(&s2.t, NULL, slot_main, &s2);
    int lost = 0, long_woken = 0;
    for (int round = 1; round <= ROUNDS / 3; round++) {
        go(&s2, round);
        t_sleep_ms(2); /* s2 blocks first */
        go(&s1, round);
        sleep_us(1500 + (round % 8) * 100);
        long r = fx(&w3, FUTEX_WAKE | PRIV, 1, 0, NULL, 0);
        wait_done(&s1, round);
        long rest = 0; /* s2 may not even be blocked yet on a busy host */
        while (__atomic_load_n(&s2.done, __ATOMIC_ACQUIRE) < round) {
            rest += fx(&w3, FUTEX_WAKE | PRIV, INT_MAX, 0, NULL, 0);
            t_sleep_ms(1);
        }
        int zeros = (s1.result == 0) + (s2.result == 0);
        if (r + rest != zeros)
            lost++;
        long_woken += s2.result == 0;
    }
    s1.timeout_ns = s2.timeout_ns = 1; /* run out their remaining rounds */
    go(&s1, ROUNDS);
    go(&s2, ROUNDS);
    pthread_join(s1.t, NULL);
    pthread_join(s2.t, NULL);
    CHECK(lost == 0, "every counted wake is received by exactly one of two waiters", "%d of %d rounds lost one",
          lost, ROUNDS / 3);
    CHECK(long_woken == ROUNDS / 3, "the waiter with the long time-out is always woken", "%d of %d", long_woken,
          ROUNDS / 3);

    /* A zero time-out: ETIMEDOUT at once, but the value is checked first. */
    static int w4;
    long e0 = fwait(&w4, 1, 1);
    w4 = 1;
    long e1 = fwait(&w4, 1, 1);
    w4 = 0;
    CHECK(e0 == ETIMEDOUT && e1 == EAGAIN, "a 1 ns time-out is ETIMEDOUT; a changed word is EAGAIN first",
          "%ld %ld", e0, e1);

    /* A requeued waiter that times out leaves the second word's queue. */
    static int qa, qb;
    struct slot q = {.word = &qa, .timeout_ns = 300000000};
    pthread_create(&q.t, NULL, slot_main, &q);
    go(&q, 1);
    t_sleep_ms(100);
    long moved = fx(&qa, FUTEX_CMP_REQUEUE | PRIV, 0, 1, &qb, 0);
    wait_done(&q, 1);
    long after_b = fx(&qb, FUTEX_WAKE | PRIV, INT_MAX, 0, NULL, 0);
    long after_a = fx(&qa, FUTEX_WAKE | PRIV, INT_MAX, 0, NULL, 0);
    CHECK(moved == 1 && q.result == ETIMEDOUT && after_b == 0 && after_a == 0,
          "a requeued waiter keeps its time-out and then leaves the new queue", "moved %ld result %ld b %ld a %ld",
          moved, q.result, after_b, after_a);

    /* ...and one that is interrupted by a signal. */
    q.timeout_ns = 5000000000L;
    while (!q.tid)
        t_sleep_ms(1);
    go(&q, 2);
    t_sleep_ms(100);
    moved = fx(&qa, FUTEX_CMP_REQUEUE | PRIV, 0, 1, &qb, 0);
    syscall(SYS_tgkill, getpid(), q.tid, SIGUSR1);
    wait_done(&q, 2);
    after_b = fx(&qb, FUTEX_WAKE | PRIV, INT_MAX, 0, NULL, 0);
    CHECK(moved == 1 && q.result == EINTR && after_b == 0, "a requeued waiter interrupted by a signal leaves too",
          "moved %ld result %ld b %ld", moved, q.result, after_b);
    /* Let the slot thread finish its remaining rounds at once. */
    q.timeout_ns = 1;
    go(&q, ROUNDS);
    pthread_join(q.t, NULL);

    /* A waiter in another process killed by SIGKILL leaves the queue. */
    int *sh;
    pid_t pid = t_fork_shared_words(&sh);
    if (pid == 0) {
        fwait(&sh[0], 0, 0);
        _exit(0);
    }
    while (!__atomic_load_n(&sh[1], __ATOMIC_SEQ_CST))
        t_sleep_ms(1);
    t_sleep_ms(150);
    kill(pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    long r = fx(&sh[0], FUTEX_WAKE, INT_MAX, 0, NULL, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && r == 0, "a waiter killed by SIGKILL leaves the queue",
          "status %#x wake %ld", st, r);

    /* Two waiters of one process: one is woken and exits the process; the
     * other, still waiting, must leave the queue as its thread ends. */
    sh[0] = 0;
    sh[1] = 0;
    pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, shared_waiter, sh);
        shared_waiter(sh);
    }
    while (__atomic_load_n(&sh[1], __ATOMIC_SEQ_CST) < 2)
        t_sleep_ms(1);
    t_sleep_ms(150);
    r = fx(&sh[0], FUTEX_WAKE, 1, 0, NULL, 0);
    waitpid(pid, &st, 0);
    long r2 = fx(&sh[0], FUTEX_WAKE, INT_MAX, 0, NULL, 0);
    CHECK(r == 1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && r2 == 0,
          "a process exiting with a thread still waiting leaves no waiter behind", "wake %ld status %#x rest %ld", r,
          st, r2);

    return t_done("futex_cancel");
}
