/* Thread identity and exit bookkeeping: set_tid_address's return value and
 * the clear-and-wake of its word when a thread exits (not when a lone
 * process exits), set/get_robust_list and their validation, robust mutexes
 * released by the kernel when their owner dies (thread and process),
 * tgkill/tkill with wrong or stale ids. */
#define _GNU_SOURCE
#define FUTEX_WAIT 0
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"

struct robust_head {
    void *next;
    long offset;
    void *pending;
};

static volatile int ctid_word = 1;
static volatile long ctid_ret;
static void *clearer(void *a) {
    (void)a;
    ctid_ret = syscall(SYS_set_tid_address, &ctid_word);
    ctid_word = (int)syscall(SYS_gettid);
    syscall(SYS_exit, 0); /* raw: the word is the kernel's to clear */
    return NULL;
}
static int set_tid_address_thread(void) {
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    STEP(1, pthread_create(&t, &at, clearer, NULL) == 0);
    /* wait (with a bound) for the kernel to zero the word and wake us */
    for (int i = 0; i < 500 && ctid_word != 0; i++) {
        int v = ctid_word;
        if (v == 0)
            break;
        struct timespec ts = {0, 10000000};
        syscall(SYS_futex, &ctid_word, FUTEX_WAIT, v, &ts, NULL, 0);
    }
    STEP(2, ctid_word == 0);
    STEP(3, ctid_ret > 0 && ctid_ret != getpid());
    return 0;
}
static int lone_process_word_kept(void) {
    int *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    STEP(1, w != MAP_FAILED);
    *w = 77;
    pid_t p = fork();
    if (p == 0) {
        syscall(SYS_set_tid_address, w);
        _exit(0);
    }
    int st;
    STEP(2, waitpid(p, &st, 0) == p);
    /* the exiting task was the address space's only user: nothing written */
    STEP(3, *w == 77);
    return 0;
}

static void *get_other_head;
static volatile int o_go, o_stop;
static pid_t o_tid;
static struct robust_head o_head;
static void *other(void *a) {
    (void)a;
    o_head.next = &o_head;
    o_head.offset = 0;
    syscall(SYS_set_robust_list, &o_head, sizeof o_head);
    o_tid = syscall(SYS_gettid);
    __atomic_store_n(&o_go, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&o_stop, __ATOMIC_SEQ_CST))
        t_sleep_ms(1);
    return NULL;
}
static int robust_list_calls(void) {
    static struct robust_head h = {&h, 0, NULL};
    STEP(1, syscall(SYS_set_robust_list, &h, sizeof h) == 0);
    void *head = NULL;
    size_t len = 0;
    STEP(2, syscall(SYS_get_robust_list, 0, &head, &len) == 0 && head == &h && len == sizeof h);
    STEP(3, syscall(SYS_set_robust_list, &h, sizeof h - 1) == -1 && errno == EINVAL);
    STEP(4, syscall(SYS_set_robust_list, &h, sizeof h + 8) == -1 && errno == EINVAL);
    STEP(5, syscall(SYS_get_robust_list, 0, &head, &len) == 0 && head == &h); /* unchanged */
    STEP(6, syscall(SYS_get_robust_list, 0, (void *)8, &len) == -1 && errno == EFAULT);
    pthread_t t;
    STEP(7, pthread_create(&t, NULL, other, NULL) == 0);
    while (!__atomic_load_n(&o_go, __ATOMIC_SEQ_CST))
        t_sleep_ms(1);
    int ok = syscall(SYS_get_robust_list, o_tid, &get_other_head, &len) == 0 && get_other_head == &o_head;
    __atomic_store_n(&o_stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(t, NULL);
    STEP(8, ok);
    /* the tid goes away soon after the join (the joiner is woken a little
     * before the thread is unhashed, on Linux too) */
    int gone = 0;
    for (int i = 0; i < 200 && !gone; i++) {
        gone = syscall(SYS_get_robust_list, o_tid, &head, &len) == -1 && errno == ESRCH;
        if (!gone)
            t_sleep_ms(5);
    }
    STEP(9, gone);
    return 0;
}
static int robust_list_other_user(void) {
    pid_t v = t_fork_sleeper();
    STEP(1, syscall(SYS_setresuid, 1000, 1000, 0) == 0);
    void *head;
    size_t len;
    int r = syscall(SYS_get_robust_list, v, &head, &len) == -1 && errno == EPERM;
    syscall(SYS_setresuid, -1, 0, -1);
    int st;
    kill(v, SIGKILL);
    waitpid(v, &st, 0);
    STEP(2, r);
    return 0;
}

static pthread_mutex_t *rm;
static void *die_holding(void *a) {
    (void)a;
    pthread_mutex_lock(rm);
    return NULL; /* exits without unlocking */
}
static int robust_mutex_thread(void) {
    static pthread_mutex_t m;
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    STEP(1, pthread_mutex_init(&m, &ma) == 0);
    rm = &m;
    pthread_t t;
    STEP(2, pthread_create(&t, NULL, die_holding, NULL) == 0 && pthread_join(t, NULL) == 0);
    STEP(3, pthread_mutex_lock(&m) == EOWNERDEAD);
    STEP(4, pthread_mutex_consistent(&m) == 0 && pthread_mutex_unlock(&m) == 0);
    STEP(5, pthread_mutex_lock(&m) == 0 && pthread_mutex_unlock(&m) == 0);
    return 0;
}
static int robust_mutex_process(void) {
    pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    STEP(1, m != MAP_FAILED);
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    STEP(2, pthread_mutex_init(m, &ma) == 0);
    pid_t p = fork();
    if (p == 0) {
        pthread_mutex_lock(m);
        _exit(0);
    }
    int st;
    STEP(3, waitpid(p, &st, 0) == p);
    STEP(4, pthread_mutex_lock(m) == EOWNERDEAD);
    STEP(5, pthread_mutex_consistent(m) == 0 && pthread_mutex_unlock(m) == 0);
    return 0;
}
static pid_t exited_tid;
static void *note_tid(void *a) {
    (void)a;
    exited_tid = syscall(SYS_gettid);
    return NULL;
}
static int tgkill_ids(void) {
    pid_t me = getpid(), tid = syscall(SYS_gettid);
    STEP(1, syscall(SYS_tgkill, me, tid, 0) == 0);
    STEP(2, syscall(SYS_tgkill, me + 100000, tid, 0) == -1 && errno == ESRCH);
    STEP(3, syscall(SYS_tgkill, -1, tid, 0) == -1 && errno == EINVAL);
    STEP(4, syscall(SYS_tgkill, me, 0, 0) == -1 && errno == EINVAL);
    STEP(5, syscall(SYS_tkill, -5, 0) == -1 && errno == EINVAL);
    pthread_t t;
    STEP(6, pthread_create(&t, NULL, note_tid, NULL) == 0 && pthread_join(t, NULL) == 0);
    int gone = 0;
    for (int i = 0; i < 200 && !gone; i++) {
        gone = syscall(SYS_tgkill, me, exited_tid, 0) == -1 && errno == ESRCH;
        if (!gone)
            t_sleep_ms(5);
    }
    STEP(7, gone);
    STEP(8, syscall(SYS_tkill, exited_tid, 0) == -1 && errno == ESRCH);
    return 0;
}
static int tgkill_other_process_thread(void) {
    /* a thread id paired with the wrong process is ESRCH even if both exist */
    pid_t v = t_fork_sleeper();
    int r = syscall(SYS_tgkill, v, syscall(SYS_gettid), 0) == -1 && errno == ESRCH;
    int r2 = syscall(SYS_tgkill, getpid(), v, 0) == -1 && errno == ESRCH;
    int st;
    kill(v, SIGKILL);
    waitpid(v, &st, 0);
    STEP(1, r && r2);
    return 0;
}

int main(void) {
    t_watchdog(30);
    long r = syscall(SYS_set_tid_address, NULL);
    CHECK(r == getpid(), "set_tid_address returns the caller's tid (the pid in the main thread)", "r %ld", r);
    CHECK_CHILD(set_tid_address_thread, "a thread's set_tid_address word is zeroed and futex-woken when it exits");
    CHECK_CHILD(lone_process_word_kept, "a lone process's set_tid_address word is not written at exit");
    CHECK_CHILD(robust_list_calls, "set/get_robust_list round trip, EINVAL for a wrong size, EFAULT, another thread, ESRCH");
    CHECK_CHILD(robust_list_other_user, "get_robust_list of another user's process is EPERM");
    CHECK_CHILD(robust_mutex_thread, "a robust mutex held by an exited thread is EOWNERDEAD");
    CHECK_CHILD(robust_mutex_process, "a process-shared robust mutex held by a dead process is EOWNERDEAD");
    CHECK_CHILD(tgkill_ids, "tgkill/tkill: EINVAL for ids <= 0, ESRCH for a wrong tgid or an exited thread");
    CHECK_CHILD(tgkill_other_process_thread, "tgkill with a live tid of another process is ESRCH");
    CHECK_NO_CHILDREN();
    return t_done("thread_tid");
}
