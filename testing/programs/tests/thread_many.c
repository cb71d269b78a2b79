/* Many threads and the thread group's life: 100 threads with their own
 * __thread storage and tids, nested creation, small stacks, a raw
 * exit(2) of one thread, the leader exiting first (a zombie leader that is
 * not reported while other threads run), SIGKILL ending every thread,
 * thread-directed signals and the per-thread mask. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"

#define N 100

static __thread long tls_val = 7;
static __thread char tls_buf[256];
static pid_t tids[N];
static int tls_ok[N];

static void *hundred(void *a) {
    int i = (int)(intptr_t)a;
    int fresh = tls_val == 7 && tls_buf[0] == 0;
    tls_val = 1000 + i;
    memset(tls_buf, i, sizeof tls_buf);
    tids[i] = syscall(SYS_gettid);
    sched_yield();
    tls_ok[i] = fresh && tls_val == 1000 + i && tls_buf[255] == (char)i && getpid() == getpid();
    return (void *)(intptr_t)(i * 3);
}

static int nested_depth;
static pid_t nested_tids[6];
static void *nest(void *a) {
    int d = (int)(intptr_t)a;
    nested_tids[d] = syscall(SYS_gettid);
    if (d < 5) {
        pthread_t t;
        if (pthread_create(&t, NULL, nest, (void *)(intptr_t)(d + 1)) != 0 || pthread_join(t, NULL) != 0)
            return NULL;
    }
    __atomic_fetch_add(&nested_depth, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static volatile int small_ok;
static void *small(void *a) {
    (void)a;
    volatile char buf[16384];
    memset((char *)buf, 1, sizeof buf);
    small_ok = buf[100] == 1;
    return NULL;
}

static void *raw_exit(void *a) {
    (void)a;
    syscall(SYS_exit, 0);
    return NULL;
}

/* The leader exits first; a shared word tells the parent what the other
 * thread saw. */
static volatile int *shared;
static pid_t leader_pid;
static void *survivor(void *a) {
    (void)a;
    /* wait until the leader is gone: tgkill to it stops working only when
     * it is a zombie, so probe it via its /proc-less trait: the leader's
     * tid stays the pid and getpid keeps answering it */
    t_sleep_ms(100);
    shared[1] = getpid() == leader_pid;
    shared[0] = 1; /* tell the parent we are running */
    for (int i = 0; i < 200 && shared[2] == 0; i++)
        t_sleep_ms(5);
    syscall(SYS_exit_group, 5);
    return NULL;
}
static void *sleeper(void *a) {
    (void)a;
    for (;;)
        pause();
    return NULL;
}

static volatile pid_t handler_tid;
static void on_usr1(int s) {
    (void)s;
    handler_tid = syscall(SYS_gettid);
}
static volatile int t_ready, t_stop;
static pid_t target_tid;
static void *target(void *a) {
    (void)a;
    t_thread_park(&target_tid, &t_ready, &t_stop);
    return NULL;
}

int main(void) {
    t_watchdog(30);
    pthread_t th[N];
    int created = 0;
    for (int i = 0; i < N; i++)
        if (pthread_create(&th[i], NULL, hundred, (void *)(intptr_t)i) == 0)
            created++;
    int rets_ok = 1;
    for (int i = 0; i < created; i++) {
        void *ret;
        if (pthread_join(th[i], &ret) != 0 || (intptr_t)ret != i * 3)
            rets_ok = 0;
    }
    CHECK(created == N && rets_ok, "100 threads are created and joined with their return values", "created %d",
          created);
    int all_tls = 1, distinct = 1;
    for (int i = 0; i < N; i++) {
        all_tls &= tls_ok[i];
        if (tids[i] == getpid() || tids[i] <= 0)
            distinct = 0;
        for (int j = 0; j < i; j++)
            if (tids[i] == tids[j])
                distinct = 0;
    }
    CHECK(all_tls, "each thread starts with fresh __thread storage and keeps its own", "mismatch");
    CHECK(distinct, "100 distinct tids, none equal to the pid", "duplicate");
    CHECK(tls_val == 7, "the main thread's __thread value is untouched", "got %ld", tls_val);

    pthread_t t;
    int ok = pthread_create(&t, NULL, nest, (void *)0) == 0 && pthread_join(t, NULL) == 0;
    int nd = 1;
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < i; j++)
            if (nested_tids[i] == nested_tids[j])
                nd = 0;
    CHECK(ok && nested_depth == 6 && nd, "threads created by threads, six deep", "depth %d", nested_depth);

    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 65536);
    ok = pthread_create(&t, &at, small, NULL) == 0 && pthread_join(t, NULL) == 0;
    CHECK(ok && small_ok, "a thread on a 64 KiB stack runs", "ok %d", ok);

    /* in a child: musl's join does not expect a raw exit, so nobody joins */
    pid_t p = fork();
    if (p == 0) {
        if (pthread_create(&t, NULL, raw_exit, NULL) != 0)
            _exit(1);
        t_sleep_ms(100);
        _exit(3);
    }
    int st = 0;
    ok = waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 3;
    CHECK(ok, "a thread's raw exit(2) ends only that thread", "status %#x", st);

    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    p = fork();
    if (p == 0) {
        leader_pid = getpid();
        pthread_create(&t, NULL, survivor, NULL);
        syscall(SYS_exit, 9); /* the leader alone */
    }
    for (int i = 0; i < 400 && shared[0] == 0; i++)
        t_sleep_ms(5);
    pid_t w = waitpid(p, &st, WNOHANG);
    int alive = kill(p, 0) == 0;
    shared[2] = 1;
    pid_t w2 = waitpid(p, &st, 0);
    CHECK(shared[0] == 1 && shared[1] == 1, "after the leader exits the other thread runs on with the same pid",
          "ran %d pid %d", shared[0], shared[1]);
    CHECK(w == 0 && alive, "a zombie leader is not reported while another thread runs", "w %d alive %d", w == 0,
          alive);
    CHECK(w2 == p && WIFEXITED(st) && WEXITSTATUS(st) == 5, "the last thread's exit_group status is reported",
          "status %#x", st);

    p = fork();
    if (p == 0) {
        for (int i = 0; i < 8; i++)
            pthread_create(&t, NULL, sleeper, NULL);
        shared[3] = 1;
        for (;;)
            pause();
    }
    for (int i = 0; i < 400 && shared[3] == 0; i++)
        t_sleep_ms(5);
    kill(p, SIGKILL);
    w = waitpid(p, &st, 0);
    CHECK(w == p && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "SIGKILL ends a process of nine threads",
          "status %#x", st);

    signal(SIGUSR1, on_usr1);
    ok = pthread_create(&t, NULL, target, NULL) == 0;
    while (!__atomic_load_n(&t_ready, __ATOMIC_SEQ_CST))
        t_sleep_ms(1);
    pthread_kill(t, SIGUSR1);
    for (int i = 0; i < 400 && handler_tid == 0; i++)
        t_sleep_ms(5);
    CHECK(ok && handler_tid == target_tid, "pthread_kill runs the handler in the target thread", "wrong thread");
    /* the main thread blocks SIGUSR1: a process-directed one goes to the
     * other thread */
    handler_tid = 0;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    kill(getpid(), SIGUSR1);
    for (int i = 0; i < 400 && handler_tid == 0; i++)
        t_sleep_ms(5);
    CHECK(handler_tid == target_tid, "a process signal goes to a thread that does not block it", "wrong thread");
    __atomic_store_n(&t_stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(t, NULL);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    CHECK(wait(&st) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("thread_many");
}
