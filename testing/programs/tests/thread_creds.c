/* Credentials are per thread (Linux's task->cred).
 *
 * Credentials and threads: libc's setresuid/setgroups reach every thread,
 * the raw system calls only the caller; a new thread takes its creator's
 * credentials; permission checks use the calling thread's. */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <stdlib.h>
#include "../t.h"

/* A helper thread that runs one job at a time for the main thread. */
static int (*job)(void);
static volatile int job_seq, job_done, job_result;
static void *helper(void *a) {
    (void)a;
    int seen = 0;
    for (;;) {
        while (__atomic_load_n(&job_seq, __ATOMIC_SEQ_CST) == seen)
            t_sleep_ms(1);
        seen = job_seq;
        if (!job)
            return NULL;
        job_result = job();
        __atomic_store_n(&job_done, seen, __ATOMIC_SEQ_CST);
    }
}
static int run_in_helper(int (*fn)(void)) {
    job = fn;
    int s = __atomic_add_fetch(&job_seq, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 2000 && __atomic_load_n(&job_done, __ATOMIC_SEQ_CST) != s; i++)
        t_sleep_ms(1);
    return __atomic_load_n(&job_done, __ATOMIC_SEQ_CST) == s ? job_result : -1;
}
static pthread_t start_helper(void) {
    pthread_t t;
    pthread_create(&t, NULL, helper, NULL);
    return t;
}

static uid_t euid_of_thread(void) { return geteuid(); }
static int h_euid(void) { return (int)geteuid(); }
static int h_raw_setresuid(void) { return (int)syscall(SYS_setresuid, 1000, 1000, 1000); }
static int h_groups(void) {
    gid_t g[4];
    int n = syscall(SYS_getgroups, 4, g);
    return n == 1 ? (int)g[0] : -n;
}
static int h_raw_setgroups(void) {
    gid_t g[1] = {77};
    return (int)syscall(SYS_setgroups, 1, g);
}
static pid_t root_victim;
static int h_kill_victim(void) { return kill(root_victim, 0) == -1 ? errno : 0; }
static volatile uid_t grandchild_euid;
static void *grandchild(void *a) {
    (void)a;
    grandchild_euid = geteuid();
    return NULL;
}
static int h_spawn(void) {
    pthread_t t;
    if (pthread_create(&t, NULL, grandchild, NULL) != 0)
        return -1;
    pthread_join(t, NULL);
    return (int)grandchild_euid;
}

static int libc_broadcast(void) {
    start_helper();
    STEP(1, setresuid(1000, 1000, 1000) == 0);
    STEP(2, run_in_helper(h_euid) == 1000);
    return 0;
}
static int raw_is_per_thread(void) {
    start_helper();
    STEP(1, run_in_helper(h_raw_setresuid) == 0);
    STEP(2, run_in_helper(h_euid) == 1000);
    STEP(3, euid_of_thread() == 0);
    return 0;
}
static int libc_setgroups_broadcast(void) {
    start_helper();
    gid_t g[1] = {55};
    STEP(1, setgroups(1, g) == 0);
    STEP(2, run_in_helper(h_groups) == 55);
    return 0;
}
static int raw_setgroups_per_thread(void) {
    start_helper();
    STEP(1, syscall(SYS_setgroups, 0, NULL) == 0);
    STEP(2, run_in_helper(h_raw_setgroups) == 0 && run_in_helper(h_groups) == 77);
    STEP(3, syscall(SYS_getgroups, 0, NULL) == 0);
    return 0;
}
static int checks_use_thread_creds(void) {
    root_victim = fork();
    if (root_victim == 0) {
        for (int i = 0; i < 300; i++)
            t_sleep_ms(100);
        _exit(0);
    }
    start_helper();
    int a = run_in_helper(h_raw_setresuid);
    int b = run_in_helper(h_kill_victim);
    int c = kill(root_victim, 0);
    int st;
    kill(root_victim, SIGKILL);
    waitpid(root_victim, &st, 0);
    STEP(1, a == 0);
    STEP(2, b == EPERM);
    STEP(3, c == 0);
    return 0;
}
static int new_thread_inherits(void) {
    start_helper();
    STEP(1, run_in_helper(h_raw_setresuid) == 0);
    STEP(2, run_in_helper(h_spawn) == 1000);
    return 0;
}

int main(void) {
    t_watchdog(30);
    CHECK_CHILD(libc_broadcast, "libc's setresuid changes every thread");
    CHECK_CHILD(raw_is_per_thread, "a raw setresuid changes only the calling thread");
    CHECK_CHILD(libc_setgroups_broadcast, "libc's setgroups changes every thread");
    CHECK_CHILD(raw_setgroups_per_thread, "a raw setgroups changes only the calling thread");
    CHECK_CHILD(checks_use_thread_creds, "permission checks use the calling thread's credentials");
    CHECK_CHILD(new_thread_inherits, "a new thread takes its creating thread's credentials");
    CHECK_NO_CHILDREN();
    return t_done("thread_creds");
}
