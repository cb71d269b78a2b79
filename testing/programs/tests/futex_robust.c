/* Robust futexes (set_robust_list/get_robust_list): when a thread ends,
 * exits with its process, is killed or calls execve, the kernel walks its
 * robust list and, for each lock word holding its TID, stores
 * FUTEX_OWNER_DIED (keeping FUTEX_WAITERS, clearing the TID) and wakes one
 * waiter -- through the shared futex key, as Linux's handle_futex_death
 * does, so a FUTEX_WAIT_PRIVATE waiter is not woken. The list_op_pending
 * entry counts too, and a pending lock left at 0 still wakes a waiter.
 * Locks owned by others are untouched; a circular list does not hang. */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"

#include "../futex.h"
#define PRIV 128
#define WAITERS 0x80000000u
#define OWNER_DIED 0x40000000u

struct rlist {
    struct rlist *next;
};
struct rhead {
    struct rlist list;
    long futex_offset;
    struct rlist *pending;
};
/* A lock: the list node, then the word (futex_offset = 8). */
struct lock {
    struct rlist node;
    unsigned word;
};

static long fx(void *uaddr, int op, unsigned val, const struct timespec *ts) {
    return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}
static long set_list(struct rhead *h, size_t len) { return syscall(SYS_set_robust_list, h, len); }
static pid_t tid(void) { return (pid_t)syscall(SYS_gettid); }

/* Links `locks` (n of them) into a list at `h`. */
static void link_locks(struct rhead *h, struct lock **locks, int n) {
    h->futex_offset = offsetof(struct lock, word);
    h->pending = NULL;
    struct rlist *prev = &h->list;
    for (int i = 0; i < n; i++) {
        prev->next = &locks[i]->node;
        prev = &locks[i]->node;
    }
    prev->next = &h->list;
}

/* A dying thread: takes the locks it is given, registers them, exits. */
struct dying {
    struct lock *locks[4];
    int n;
    struct lock *pending;   /* list_op_pending */
    unsigned pending_value; /* 0: the lock was not taken yet */
    int waiters_flag;
    int circular;
    volatile pid_t tid;
    struct rhead head;
};
static void *dying_main(void *arg) {
    struct dying *d = arg;
    d->tid = tid();
    for (int i = 0; i < d->n; i++)
        d->locks[i]->word = (unsigned)d->tid | (d->waiters_flag ? WAITERS : 0);
    link_locks(&d->head, d->locks, d->n);
    if (d->pending) {
        d->pending->word = d->pending_value == 1 ? (unsigned)d->tid : d->pending_value;
        d->head.pending = &d->pending->node;
    }
    if (d->circular && d->n > 0)
        d->locks[d->n - 1]->node.next = &d->locks[d->n - 1]->node;
    set_list(&d->head, sizeof d->head);
    return NULL;
}
static void run_dying(struct dying *d) {
    pthread_t t;
    pthread_create(&t, NULL, dying_main, d);
    pthread_join(t, NULL);
}

/* A waiter thread on a word: returns 0 if woken, else errno. */
struct waiter {
    unsigned *word;
    unsigned expect;
    int op;
    long timeout_ms;
    volatile int started;
    long result;
    pthread_t t;
};
static void *waiter_main(void *arg) {
    struct waiter *w = arg;
    struct timespec ts = {w->timeout_ms / 1000, (w->timeout_ms % 1000) * 1000000L};
    w->started = 1;
    long r = fx(w->word, w->op, w->expect, &ts);
    w->result = r == 0 ? 0 : errno;
    return NULL;
}
static void start_waiter(struct waiter *w) {
    pthread_create(&w->t, NULL, waiter_main, w);
    while (!w->started)
        t_sleep_ms(1);
    t_sleep_ms(150);
}

/* In a child: take l (owner = this pid) on a one-lock robust list. */
static void hold_robust(struct lock *l) {
    static struct rhead h;
    struct lock *ls[1] = {l};
    l->word = (unsigned)getpid();
    link_locks(&h, ls, 1);
    set_list(&h, sizeof h);
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "sleep") == 0) {
        t_sleep_ms(3000); /* the image after exec: just be alive a while */
        return 0;
    }
    t_watchdog(60);
    static struct lock l1, l2, l3;
    struct lock *one[1] = {&l1};

    /* set_robust_list / get_robust_list. */
    static struct rhead mine;
    link_locks(&mine, NULL, 0);
    errno = 0;
    long r = set_list(&mine, sizeof mine + 8);
    int e = errno;
    long r2 = set_list(&mine, sizeof mine);
    struct rhead *got = NULL;
    size_t len = 0;
    long r3 = syscall(SYS_get_robust_list, 0, &got, &len);
    CHECK(r == -1 && e == EINVAL && r2 == 0 && r3 == 0 && got == &mine && len == sizeof mine,
          "set_robust_list needs the 24-byte head; get_robust_list(0) returns it", "e %d r2 %ld r3 %ld", e, r2, r3);
    errno = 0;
    r = syscall(SYS_get_robust_list, INT_MAX, &got, &len);
    CHECK(r == -1 && errno == ESRCH, "get_robust_list of a missing thread is ESRCH", "r %ld errno %d", r, errno);

    /* A thread ends holding a lock nobody waits for. */
    static struct dying d1;
    d1.locks[0] = &l1;
    d1.n = 1;
    run_dying(&d1);
    CHECK(l1.word == OWNER_DIED, "a lock held at thread exit becomes FUTEX_OWNER_DIED with the TID cleared",
          "word %#x", l1.word);

    /* ...with a shared waiter: it is woken, FUTEX_WAITERS stays. */
    static struct dying d2;
    memset(&d2, 0, sizeof d2);
    d2.locks[0] = &l1;
    d2.n = 1;
    d2.waiters_flag = 1;
    l1.word = 0;
    pthread_t t;
    static struct waiter w1;
    run_dying(&d2);
    CHECK(l1.word == (WAITERS | OWNER_DIED), "FUTEX_WAITERS is kept next to FUTEX_OWNER_DIED", "word %#x", l1.word);

    /* A waiter blocked on the word while the owner dies. */
    static unsigned *shared_word;
    int *shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct lock *sl = (struct lock *)shm;
    shared_word = &sl->word;
    pid_t pid = fork();
    if (pid == 0) {
        /* the child owns the lock, with a waiter flagged, then dies */
        sl->word = (unsigned)getpid() | WAITERS;
        static struct rhead h;
        struct lock *ls[1] = {sl};
        link_locks(&h, ls, 1);
        set_list(&h, sizeof h);
        shm[100] = 1;
        while (shm[101] == 0)
            t_sleep_ms(1);
        _exit(0);
    }
    while (__atomic_load_n(&shm[100], __ATOMIC_SEQ_CST) == 0)
        t_sleep_ms(1);
    w1.word = shared_word;
    w1.expect = __atomic_load_n(shared_word, __ATOMIC_SEQ_CST);
    w1.op = FUTEX_WAIT;
    w1.timeout_ms = 5000;
    start_waiter(&w1);
    shm[101] = 1;
    int st = 0;
    waitpid(pid, &st, 0);
    pthread_join(w1.t, NULL);
    CHECK(w1.result == 0 && *shared_word == (WAITERS | OWNER_DIED),
          "a process exiting with a robust lock wakes a waiter in another process", "result %ld word %#x",
          w1.result, *shared_word);

    /* A private waiter is not woken: the wake uses the shared key. */
    static struct dying d3;
    memset(&d3, 0, sizeof d3);
    static struct waiter w2;
    l2.word = 0;
    pid = fork();
    if (pid == 0) {
        /* in a child so the main test's threads stay clean */
        d3.locks[0] = &l2;
        d3.n = 1;
        d3.waiters_flag = 1;
        /* Owner: this thread; the waiter is another thread, private. */
        d3.tid = tid();
        l2.word = (unsigned)d3.tid | WAITERS;
        w2.word = &l2.word;
        w2.expect = l2.word;
        w2.op = FUTEX_WAIT | PRIV;
        w2.timeout_ms = 400;
        start_waiter(&w2);
        /* the owner dies: a thread running dying_main on the same lock */
        static struct dying d4;
        d4.locks[0] = &l2;
        d4.n = 1;
        d4.waiters_flag = 1;
        run_dying(&d4); /* it re-takes the word with its own TID and dies */
        pthread_join(w2.t, NULL);
        _exit(w2.result == ETIMEDOUT && l2.word == (WAITERS | OWNER_DIED) ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a FUTEX_WAIT_PRIVATE waiter is not woken by the owner's death",
          "status %#x", st);

    /* Locks of other owners are untouched; pending entries count. */
    static struct dying d5;
    memset(&d5, 0, sizeof d5);
    l1.word = 12345; /* someone else's TID */
    l3.word = 0;
    d5.locks[0] = &l2;
    d5.n = 1;
    d5.pending = &l3;
    d5.pending_value = 1; /* taken, not yet linked */
    run_dying(&d5);
    CHECK(l1.word == 12345, "a lock not on the list is untouched", "word %#x", l1.word);
    CHECK(l2.word == OWNER_DIED && l3.word == OWNER_DIED, "the list_op_pending lock is released as well",
          "listed %#x pending %#x", l2.word, l3.word);
    static struct dying d6;
    memset(&d6, 0, sizeof d6);
    d6.locks[0] = &l2;
    d6.n = 1;
    l1.word = 777;
    d6.pending = &l1;
    d6.pending_value = 777; /* pending on a lock someone else holds */
    run_dying(&d6);
    CHECK(l1.word == 777, "a pending lock held by another thread is untouched", "word %#x", l1.word);

    /* A pending lock still at 0 wakes a shared waiter (lost-wakeup rule). */
    pid = fork();
    if (pid == 0) {
        static struct dying d7;
        static struct waiter w3;
        l3.word = 0;
        w3.word = &l3.word;
        w3.expect = 0;
        w3.op = FUTEX_WAIT;
        w3.timeout_ms = 3000;
        start_waiter(&w3);
        d7.locks[0] = &l2;
        d7.n = 1;
        d7.pending = &l3;
        d7.pending_value = 0;
        run_dying(&d7);
        pthread_join(w3.t, NULL);
        _exit(w3.result == 0 && l3.word == 0 ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a pending lock left at 0 still wakes one waiter",
          "status %#x", st);

    /* A circular list does not hang the exit. */
    static struct dying d8;
    memset(&d8, 0, sizeof d8);
    d8.locks[0] = &l1;
    d8.locks[1] = &l2;
    d8.n = 2;
    d8.circular = 1;
    run_dying(&d8);
    CHECK(l1.word == OWNER_DIED && l2.word == OWNER_DIED, "a circular robust list is walked and the thread ends",
          "%#x %#x", l1.word, l2.word);

    /* Every thread of an exiting process, and SIGKILL. */
    memset(shm, 0, 4096);
    struct lock *sa = (struct lock *)shm, *sb = (struct lock *)(shm + 16);
    pid = fork();
    if (pid == 0) {
        static struct dying d9;
        d9.locks[0] = sb;
        d9.n = 1;
        hold_robust(sa);
        pthread_create(&t, NULL, dying_main, &d9); /* never joined */
        while (!d9.tid)
            t_sleep_ms(1);
        t_sleep_ms(50);
        _exit(0);
    }
    waitpid(pid, &st, 0);
    CHECK(sa->word == OWNER_DIED && sb->word == OWNER_DIED, "exit releases the robust locks of every thread",
          "%#x %#x", sa->word, sb->word);
    memset(shm, 0, 4096);
    pid = fork();
    if (pid == 0) {
        hold_robust(sa);
        shm[100] = 1;
        for (;;)
            pause();
    }
    while (!__atomic_load_n(&shm[100], __ATOMIC_SEQ_CST))
        t_sleep_ms(1);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && sa->word == OWNER_DIED, "a process killed by SIGKILL releases its robust locks",
          "status %#x word %#x", st, sa->word);

    /* execve releases them too, while the process lives on. */
    memset(shm, 0, 4096);
    pid = fork();
    if (pid == 0) {
        hold_robust(sa);
        char *av[] = {argv[0], "sleep", NULL};
        execv(argv[0], av);
        _exit(1);
    }
    int seen = 0;
    for (int i = 0; i < 2500 && !seen; i++) {
        seen = __atomic_load_n(&sa->word, __ATOMIC_SEQ_CST) == OWNER_DIED;
        if (!seen)
            t_sleep_ms(1);
    }
    int alive = waitpid(pid, &st, WNOHANG) == 0;
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    CHECK(seen && alive, "execve releases the robust locks of the thread", "seen %d alive %d", seen, alive);

    (void)one;
    return t_done("futex_robust");
}
