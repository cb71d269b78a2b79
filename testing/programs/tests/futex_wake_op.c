/* futex(2) counts and FUTEX_WAKE_OP in detail: a wake count of 0 or a
 * negative one still wakes one waiter (Linux's loop wakes before it
 * compares), every WAKE_OP operation and comparison with the 12-bit sign
 * extension of oparg and cmparg, OPARG_SHIFT (including a shift over 31,
 * which Linux masks), invalid operations and comparisons, faults on the
 * second word, both wake counts, and CMP_REQUEUE corner cases (counts 0, a
 * requeue onto the same word, negative counts). */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include "../t.h"

#include "../futex.h"
#define PRIV 128
#define OP(op, oparg, cmp, cmparg) \
    ((unsigned)((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff)))
enum { SET, ADD, OR, ANDN, XOR };
enum { EQ, NE, LT, LE, GT, GE };
#define SHIFT 8

static long fx(void *uaddr, int op, unsigned val, unsigned long val2, void *uaddr2, unsigned val3) {
    return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

/* Waiter threads: each waits once (5 s timeout) on its word for value 0. */
struct waiter {
    int *word;
    long r;
    pthread_t t;
};
static int started;
static void *waiter_main(void *arg) {
    struct waiter *w = arg;
    struct timespec ts = {5, 0};
    __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
    w->r = fx(w->word, FUTEX_WAIT | PRIV, 0, (unsigned long)&ts, NULL, 0);
    return NULL;
}
static void start(struct waiter *w, int n, int *word) {
    started = 0;
    for (int i = 0; i < n; i++) {
        w[i].word = word;
        w[i].r = 99;
        pthread_create(&w[i].t, NULL, waiter_main, &w[i]);
    }
    while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < n)
        t_sleep_ms(1);
    t_sleep_ms(150); /* let them block in the kernel */
}
static int join(struct waiter *w, int n) {
    int woken = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(w[i].t, NULL);
        woken += w[i].r == 0;
    }
    return woken;
}

/* Applies one WAKE_OP to *b starting from `init`; returns the new value, and
 * the syscall's result in *ret. No one waits, so a passing comparison is
 * invisible in the count: compare through `cmp_passed`. */
static int a_word, b_word;
static unsigned apply(unsigned init, unsigned encoded, long *ret) {
    b_word = (int)init;
    *ret = fx(&a_word, FUTEX_WAKE_OP | PRIV, 1, 1, &b_word, encoded);
    return (unsigned)b_word;
}
/* Whether the comparison passes, seen as a wake of a waiter on b. */
static int cmp_passed(unsigned init, int cmp, int cmparg) {
    static struct waiter w[1];
    b_word = 0;
    start(w, 1, &b_word);
    b_word = (int)init; /* the waiter stays blocked: it compares only on entry */
    long r = fx(&a_word, FUTEX_WAKE_OP | PRIV, 1, 1, &b_word, OP(ADD, 0, cmp, cmparg));
    int passed = r == 1;
    if (!passed)
        fx(&b_word, FUTEX_WAKE | PRIV, INT_MAX, 0, NULL, 0);
    join(w, 1);
    return passed;
}

/* Both words 0, then nw waiters on word and no more on other (after them in w). */
static void start_two(struct waiter *w, int *word, int nw, int *other, int no) {
    *word = 0;
    *other = 0;
    start(w, nw, word);
    start(w + nw, no, other);
}

int main(void) {
    static int word, other;
    struct waiter w[3];
    long r, r2;

    /* Counts of 0 and -1 wake one waiter. */
    word = 0;
    start(w, 2, &word);
    r = fx(&word, FUTEX_WAKE | PRIV, 0, 0, NULL, 0);
    r2 = fx(&word, FUTEX_WAKE | PRIV, INT_MAX, 0, NULL, 0);
    join(w, 2);
    CHECK(r == 1 && r2 == 1, "FUTEX_WAKE with a count of 0 wakes one waiter", "woke %ld then %ld", r, r2);
    start(w, 2, &word);
    r = fx(&word, FUTEX_WAKE | PRIV, (unsigned)-1, 0, NULL, 0);
    r2 = fx(&word, FUTEX_WAKE | PRIV, INT_MAX, 0, NULL, 0);
    join(w, 2);
    CHECK(r == 1 && r2 == 1, "FUTEX_WAKE with a negative count wakes one waiter", "woke %ld then %ld", r, r2);
    start(w, 2, &word);
    r = fx(&word, FUTEX_WAKE_BITSET | PRIV, 0, 0, NULL, 0xffffffff);
    r2 = fx(&word, FUTEX_WAKE | PRIV, INT_MAX, 0, NULL, 0);
    join(w, 2);
    CHECK(r == 1 && r2 == 1, "FUTEX_WAKE_BITSET with a count of 0 wakes one waiter", "woke %ld then %ld", r, r2);

    /* The operations. */
    long e1, e2, e3, e4, e5;
    unsigned v1 = apply(7, OP(SET, 42, EQ, 0), &e1);
    unsigned v2 = apply(7, OP(ADD, 5, EQ, 0), &e2);
    unsigned v3 = apply(0x10, OP(OR, 0x3, EQ, 0), &e3);
    unsigned v4 = apply(0xff, OP(ANDN, 0x0f, EQ, 0), &e4);
    unsigned v5 = apply(0xf0, OP(XOR, 0xff, EQ, 0), &e5);
    CHECK(v1 == 42 && v2 == 12 && v3 == 0x13 && v4 == 0xf0 && v5 == 0x0f && !e1 && !e2 && !e3 && !e4 && !e5,
          "WAKE_OP SET, ADD, OR, ANDN and XOR store the right value and wake nobody", "%u %u %#x %#x %#x", v1, v2, v3,
          v4, v5);
    v1 = apply(7, OP(ADD, 0xfff, EQ, 0), &e1);
    v2 = apply(0, OP(SET, 0x800, EQ, 0), &e2);
    CHECK(v1 == 6 && v2 == 0xfffff800, "oparg is a sign-extended 12-bit number", "%u %#x", v1, v2);
    v1 = apply(0, OP(SET | SHIFT, 4, EQ, 0), &e1);
    v2 = apply(1, OP(OR | SHIFT, 31, EQ, 0), &e2);
    CHECK(v1 == 16 && v2 == 0x80000001 && !e1 && !e2, "FUTEX_OP_OPARG_SHIFT uses 1 << oparg", "%u %#x", v1, v2);
    v1 = apply(0, OP(SET | SHIFT, 40, EQ, 0), &e1);
    CHECK(v1 == 256 && e1 == 0, "a shift over 31 is taken modulo 32", "value %u ret %ld", v1, e1);
    errno = 0;
    v1 = apply(9, OP(5, 1, EQ, 0), &e1);
    CHECK(e1 == -1 && errno == ENOSYS && v1 == 9, "an unknown operation is ENOSYS and leaves the word alone",
          "ret %ld errno %d value %u", e1, errno, v1);
    errno = 0;
    v1 = apply(9, OP(ADD, 1, 6, 0), &e1);
    CHECK(e1 == -1 && errno == ENOSYS && v1 == 10, "an unknown comparison is ENOSYS after the operation is done",
          "ret %ld errno %d value %u", e1, errno, v1);

    /* The comparisons, on the old value, signed. */
    int eq = cmp_passed(5, EQ, 5) && !cmp_passed(5, EQ, 6);
    int ne = cmp_passed(5, NE, 6) && !cmp_passed(5, NE, 5);
    CHECK(eq && ne, "WAKE_OP CMP_EQ and CMP_NE compare the old value", "eq %d ne %d", eq, ne);
    int lt = cmp_passed((unsigned)-5, LT, 0) && !cmp_passed(3, LT, 3);
    int le = cmp_passed(3, LE, 3) && !cmp_passed(4, LE, 3);
    int gt = cmp_passed(4, GT, 3) && !cmp_passed((unsigned)-1, GT, 0);
    int ge = cmp_passed(3, GE, 3) && !cmp_passed(2, GE, 3);
    CHECK(lt && le && gt && ge, "WAKE_OP CMP_LT, LE, GT and GE compare as signed numbers", "lt %d le %d gt %d ge %d",
          lt, le, gt, ge);
    int neg = cmp_passed((unsigned)-1, EQ, 0xfff) && !cmp_passed(0xfff, EQ, 0xfff);
    CHECK(neg, "cmparg is a sign-extended 12-bit number", "no");

    /* Both counts: waiters on both words. */
    start_two(w, &word, 2, &other, 1);
    r = fx(&word, FUTEX_WAKE_OP | PRIV, 1, 1, &other, OP(ADD, 1, EQ, 0));
    r2 = fx(&word, FUTEX_WAKE | PRIV, INT_MAX, 0, NULL, 0);
    int woken = join(w, 3);
    CHECK(r == 2 && r2 == 1 && woken == 3 && other == 1,
          "WAKE_OP wakes nr_wake on the first word plus nr_wake2 on the second", "ret %ld rest %ld", r, r2);
    start_two(w, &word, 1, &other, 1);
    r = fx(&word, FUTEX_WAKE_OP | PRIV, 1, 1, &other, OP(ADD, 1, NE, 0));
    r2 = fx(&other, FUTEX_WAKE | PRIV, INT_MAX, 0, NULL, 0);
    join(w, 2);
    CHECK(r == 1 && r2 == 1, "a failed comparison wakes only the first word", "ret %ld rest %ld", r, r2);
    start_two(w, &word, 1, &other, 1);
    r = fx(&word, FUTEX_WAKE_OP | PRIV, 0, 0, &other, OP(ADD, 1, EQ, 0));
    join(w, 2);
    CHECK(r == 2, "WAKE_OP counts of 0 still wake one waiter on each word", "ret %ld", r);

    /* Faults on the second word. */
    int *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    errno = 0;
    r = fx(&word, FUTEX_WAKE_OP | PRIV, 1, 1, ro, OP(ADD, 1, EQ, 0));
    int e = errno;
    munmap(ro, 4096);
    errno = 0;
    r2 = fx(&word, FUTEX_WAKE_OP | PRIV, 1, 1, ro, OP(ADD, 1, EQ, 0));
    CHECK(r == -1 && e == EFAULT && r2 == -1 && errno == EFAULT,
          "WAKE_OP on a read-only or unmapped second word is EFAULT", "e %d e2 %d", e, errno);

    /* CMP_REQUEUE corner cases. */
    word = 0;
    other = 0;
    start(w, 2, &word);
    r = fx(&word, FUTEX_CMP_REQUEUE | PRIV, 0, 0, &other, 0);
    r2 = fx(&word, FUTEX_WAKE | PRIV, INT_MAX, 0, NULL, 0);
    join(w, 2);
    CHECK(r == 0 && r2 == 2, "CMP_REQUEUE with both counts 0 wakes and moves nobody", "ret %ld rest %ld", r, r2);
    start(w, 3, &word);
    r = fx(&word, FUTEX_CMP_REQUEUE | PRIV, 1, 5, &word, 0);
    r2 = fx(&word, FUTEX_WAKE | PRIV, INT_MAX, 0, NULL, 0);
    join(w, 3);
    CHECK(r == 3 && r2 == 2, "CMP_REQUEUE onto the same word counts the requeued waiters", "ret %ld rest %ld", r,
          r2);
    errno = 0;
    r = fx(&word, FUTEX_CMP_REQUEUE | PRIV, (unsigned)-1, 1, &other, 0);
    e = errno;
    errno = 0;
    r2 = fx(&word, FUTEX_REQUEUE | PRIV, 1, (unsigned)-1, &other, 0);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "negative requeue counts are EINVAL", "e %d e2 %d",
          e, errno);
    word = 5;
    errno = 0;
    r = fx(&word, FUTEX_CMP_REQUEUE | PRIV, 1, 1, (int *)((char *)&other + 2), 5);
    CHECK(r == -1 && errno == EINVAL, "CMP_REQUEUE to an unaligned second word is EINVAL", "ret %ld errno %d", r,
          errno);

    return t_done("futex_wake_op");
}
