/* pthreads: create/join of 8 workers, __thread storage, gettid vs getpid,
 * pthread_exit values, detach, a bounded spin barrier between 4 threads,
 * exit_group from a non-main thread, and the exit status when the leader
 * leaves first. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include "../t.h"

#define NWORK 8
static __thread long tls_value = -1;
static pid_t main_pid;

struct work {
    int index;
    long sum;
    pid_t tid, pid;
    int tls_ok;
    long *tls_addr;
};

static void *worker(void *arg) {
    struct work *w = arg;
    int ok = tls_value == -1; /* each thread starts with the initial value */
    tls_value = w->index;
    w->tls_addr = &tls_value;
    long s = 0;
    for (long i = 0; i < 200000; i++) {
        s += (i % 7) * w->index;
        if (i % 50000 == 0)
            sched_yield();
    }
    ok = ok && tls_value == w->index;
    w->sum = s;
    w->tid = (pid_t)syscall(SYS_gettid);
    w->pid = getpid();
    w->tls_ok = ok;
    return (void *)(intptr_t)(100 + w->index);
}

static void *exiter(void *arg) {
    pthread_exit((void *)((intptr_t)arg * 2));
    return NULL;
}

static volatile int detached_ran;
static void *detached(void *arg) {
    (void)arg;
    __atomic_store_n(&detached_ran, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

#define NBAR 4
static int arrived;
static int barrier_ok[NBAR];
static void *barrier_thread(void *arg) {
    int idx = (int)(intptr_t)arg;
    __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
    double deadline = t_now() + 5.0;
    while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < NBAR) {
        if (t_now() > deadline)
            return NULL;
        sched_yield();
    }
    barrier_ok[idx] = 1;
    return NULL;
}

static void *group_exiter(void *arg) {
    (void)arg;
    syscall(SYS_exit_group, 33);
    return NULL;
}

static void *last_thread(void *arg) {
    (void)arg;
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    syscall(SYS_exit, 12); /* raw exit of the last thread, bypassing libc */
    return NULL;
}

/* A child running last_thread whose main thread then leaves with
 * pthread_exit (code < 0) or _exit(code). */
static pid_t fork_last_thread(int code) {
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t g;
        if (pthread_create(&g, NULL, last_thread, NULL) != 0)
            _exit(2);
        if (code < 0)
            pthread_exit(NULL);
        _exit(code);
    }
    return pid;
}

int main(void) {
    main_pid = getpid();
    pid_t main_tid = (pid_t)syscall(SYS_gettid);
    CHECK(main_tid == main_pid, "the main thread's tid is the pid", "differ");

    pthread_t th[NWORK];
    struct work w[NWORK];
    int created = 0;
    tls_value = 999;
    for (int i = 0; i < NWORK; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].index = i + 1;
        if (pthread_create(&th[i], NULL, worker, &w[i]) == 0)
            created++;
    }
    CHECK(created == NWORK, "eight threads created", "created %d", created);
    long total = 0, expect = 0;
    int rets_ok = 1;
    for (int i = 0; i < created; i++) {
        void *ret = NULL;
        pthread_join(th[i], &ret);
        rets_ok = rets_ok && (intptr_t)ret == 100 + i + 1;
        total += w[i].sum;
    }
    for (int i = 0; i < NWORK; i++) {
        long s = 0;
        for (long k = 0; k < 200000; k++)
            s += (k % 7) * (i + 1);
        expect += s;
    }
    CHECK(total == expect && rets_ok, "joined results sum correctly", "total %ld expect %ld", total, expect);

    int tls_ok = tls_value == 999, addr_distinct = 1, tid_distinct = 1, pid_same = 1;
    for (int i = 0; i < NWORK; i++) {
        tls_ok = tls_ok && w[i].tls_ok;
        pid_same = pid_same && w[i].pid == main_pid;
        tid_distinct = tid_distinct && w[i].tid != main_pid && w[i].tid > 0;
        addr_distinct = addr_distinct && w[i].tls_addr != &tls_value;
        for (int j = 0; j < i; j++) {
            addr_distinct = addr_distinct && w[i].tls_addr != w[j].tls_addr;
            tid_distinct = tid_distinct && w[i].tid != w[j].tid;
        }
    }
    CHECK(tls_ok, "__thread values are per thread", "mismatch");
    CHECK(addr_distinct, "__thread addresses differ between threads", "shared");
    CHECK(tid_distinct, "gettid differs per thread and from the pid", "duplicate");
    CHECK(pid_same, "getpid is the same in every thread", "differs");

    pthread_t t;
    void *ret = NULL;
    int rc = pthread_create(&t, NULL, exiter, (void *)21);
    if (rc == 0)
        pthread_join(t, &ret);
    CHECK(rc == 0 && (intptr_t)ret == 42, "pthread_exit value reaches pthread_join", "ret %ld", (long)(intptr_t)ret);

    rc = pthread_create(&t, NULL, detached, NULL);
    int drc = rc == 0 ? pthread_detach(t) : -1;
    double deadline = t_now() + 5.0;
    while (!__atomic_load_n(&detached_ran, __ATOMIC_SEQ_CST) && t_now() < deadline)
        sched_yield();
    CHECK(rc == 0 && drc == 0 && detached_ran, "a detached thread runs", "rc %d drc %d", rc, drc);

    pthread_t bt[NBAR];
    int bcreated = 0;
    for (int i = 0; i < NBAR; i++)
        if (pthread_create(&bt[i], NULL, barrier_thread, (void *)(intptr_t)i) == 0)
            bcreated++;
    for (int i = 0; i < bcreated; i++)
        pthread_join(bt[i], NULL);
    int all = bcreated == NBAR;
    for (int i = 0; i < NBAR; i++)
        all = all && barrier_ok[i];
    CHECK(all, "four threads meet at a spin barrier", "created %d arrived %d", bcreated, arrived);

    /* exit_group from a non-main thread ends the whole process. */
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t g;
        if (pthread_create(&g, NULL, group_exiter, NULL) != 0)
            _exit(2);
        for (int i = 0; i < 1000; i++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        _exit(3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 33, "exit_group from a thread sets the process status",
          "status %#x", status);

    /* Leader exits with pthread_exit; the process lives until the last
     * thread's exit(2). Since Linux 5.19 (synchronize_group_exit) the last
     * thread to exit sets the group's status: 12, not the leader's 0. */
    pid = fork_last_thread(-1);
    status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 12, "the last thread's exit(2) code is the process status",
          "status %#x", status);

    /* A thread blocked in the process ends with exit_group from main. */
    pid = fork_last_thread(4);
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 4, "main's _exit ends a process with a sleeping thread",
          "status %#x", status);

    return t_done("proc_threads");
}
