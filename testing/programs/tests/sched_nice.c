/* getpriority/setpriority: the raw 20-nice answer, clamping, PRIO_PROCESS
 * on threads, PRIO_PGRP and PRIO_USER over several processes, the rules
 * for non-root callers (EACCES to raise, EPERM on others, RLIMIT_NICE),
 * inheritance across fork and pthread_create, and argument errors. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include "../t.h"

/* The kernel's answer: 20 - nice (1..40), or -1 with errno. */
static long rawget(int which, int who) { return syscall(SYS_getpriority, which, who); }
static long rawset(int which, int who, int v) { return syscall(SYS_setpriority, which, who, v); }

static void reap(pid_t p) {
    int st;
    kill(p, SIGKILL);
    waitpid(p, &st, 0);
}

static int set_and_clamp(void) {
    STEP(1, rawset(PRIO_PROCESS, 0, 5) == 0 && rawget(PRIO_PROCESS, 0) == 15);
    STEP(2, getpriority(PRIO_PROCESS, 0) == 5);
    STEP(3, rawset(PRIO_PROCESS, 0, 100) == 0 && rawget(PRIO_PROCESS, 0) == 1);
    STEP(4, rawset(PRIO_PROCESS, 0, -100) == 0 && rawget(PRIO_PROCESS, 0) == 40);
    STEP(5, rawset(PRIO_PROCESS, getpid(), 0) == 0 && rawget(PRIO_PROCESS, getpid()) == 20);
    return 0;
}
static int nonroot_lower_only(void) {
    struct rlimit rl = {0, 0};
    STEP(1, setrlimit(RLIMIT_NICE, &rl) == 0);
    STEP(2, syscall(SYS_setresuid, 1000, 1000, 1000) == 0);
    STEP(3, rawset(PRIO_PROCESS, 0, 4) == 0 && rawget(PRIO_PROCESS, 0) == 16);
    STEP(4, rawset(PRIO_PROCESS, 0, 2) == -1 && errno == EACCES);
    STEP(5, rawget(PRIO_PROCESS, 0) == 16);
    STEP(6, rawset(PRIO_PROCESS, 0, 4) == 0); /* same value is fine */
    return 0;
}
static int nonroot_other_user_eperm(void) {
    pid_t victim = t_fork_sleeper();
    STEP(1, syscall(SYS_setresuid, 1000, 1000, 0) == 0);
    int r = rawset(PRIO_PROCESS, victim, 10) == -1 && errno == EPERM;
    long g = rawget(PRIO_PROCESS, victim); /* reading is allowed */
    syscall(SYS_setresuid, -1, 0, -1);
    reap(victim);
    STEP(2, r);
    STEP(3, g == 20);
    return 0;
}
static int esrch_and_einval(void) {
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    int st;
    waitpid(p, &st, 0);
    STEP(1, rawget(PRIO_PROCESS, p) == -1 && errno == ESRCH);
    STEP(2, rawset(PRIO_PROCESS, p, 1) == -1 && errno == ESRCH);
    STEP(3, rawget(3, 0) == -1 && errno == EINVAL);
    STEP(4, rawset(-1, 0, 1) == -1 && errno == EINVAL);
    return 0;
}
static int fork_inherits(void) {
    STEP(1, rawset(PRIO_PROCESS, 0, 7) == 0);
    pid_t p = fork();
    if (p == 0)
        _exit(rawget(PRIO_PROCESS, 0) == 13 ? 0 : 1);
    int st;
    STEP(2, waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return 0;
}
static int pgrp(void) {
    STEP(1, setpgid(0, 0) == 0);
    pid_t a = t_fork_sleeper(), b = t_fork_sleeper();
    int ok = rawset(PRIO_PGRP, 0, 6) == 0 && rawget(PRIO_PROCESS, a) == 14 && rawget(PRIO_PROCESS, b) == 14 &&
             rawget(PRIO_PROCESS, 0) == 14;
    /* getpriority over a group answers the highest priority (lowest nice) */
    int ok2 = rawset(PRIO_PROCESS, a, 12) == 0 && rawget(PRIO_PGRP, getpgrp()) == 14 &&
              rawset(PRIO_PROCESS, 0, 15) == 0 && rawset(PRIO_PROCESS, b, 17) == 0 && rawget(PRIO_PGRP, 0) == 8;
    reap(a);
    reap(b);
    STEP(2, ok);
    STEP(3, ok2);
    return 0;
}
static int user(void) {
    /* uid 43210 owns only this process and its children */
    STEP(1, syscall(SYS_setresuid, 43210, 43210, 43210) == 0);
    pid_t a = t_fork_sleeper();
    int ok = rawset(PRIO_USER, 0, 9) == 0 && rawget(PRIO_PROCESS, a) == 11 && rawget(PRIO_PROCESS, 0) == 11;
    int ok2 = rawset(PRIO_PROCESS, a, 12) == 0 && rawget(PRIO_USER, 43210) == 11;
    reap(a);
    STEP(2, ok);
    STEP(3, ok2);
    return 0;
}
static int user_nobody_esrch(void) {
    STEP(1, rawget(PRIO_USER, 43211) == -1 && errno == ESRCH);
    STEP(2, rawset(PRIO_USER, 43211, 3) == -1 && errno == ESRCH);
    STEP(3, rawget(PRIO_PGRP, 999999) == -1 && errno == ESRCH);
    return 0;
}

static volatile long thread_saw_start, thread_saw_after;
static volatile int go, done_flag;
static pid_t thread_tid;
static void *worker(void *arg) {
    (void)arg;
    thread_tid = syscall(SYS_gettid);
    thread_saw_start = rawget(PRIO_PROCESS, 0);
    __atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&done_flag, __ATOMIC_SEQ_CST))
        t_sleep_ms(1);
    thread_saw_after = rawget(PRIO_PROCESS, 0);
    return NULL;
}
static int per_thread(void) {
    STEP(1, rawset(PRIO_PROCESS, 0, 3) == 0);
    pthread_t t;
    STEP(2, pthread_create(&t, NULL, worker, NULL) == 0);
    while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST))
        t_sleep_ms(1);
    /* setting the thread's tid changes that thread only */
    int ok = rawset(PRIO_PROCESS, thread_tid, 11) == 0 && rawget(PRIO_PROCESS, thread_tid) == 9;
    int main_kept = rawget(PRIO_PROCESS, 0) == 17 && rawget(PRIO_PROCESS, getpid()) == 17;
    __atomic_store_n(&done_flag, 1, __ATOMIC_SEQ_CST);
    pthread_join(t, NULL);
    STEP(3, thread_saw_start == 17); /* inherited from the creating thread */
    STEP(4, ok && thread_saw_after == 9);
    STEP(5, main_kept);
    return 0;
}

int main(void) {
    t_watchdog(30);
    long raw = rawget(PRIO_PROCESS, 0);
    errno = 0;
    int nice_now = getpriority(PRIO_PROCESS, 0);
    CHECK(raw >= 1 && raw <= 40 && raw == 20 - nice_now && errno == 0,
          "the raw getpriority answer is 20 - nice", "raw %ld nice %d", raw, nice_now);
    if (nice_now != 0)
        rawset(PRIO_PROCESS, 0, 0);
    CHECK_CHILD(set_and_clamp, "setpriority sets the nice value and clamps it to -20..19");
    CHECK_CHILD(nonroot_lower_only, "without privilege the nice value may rise but not fall (EACCES)");
    CHECK_CHILD(nonroot_other_user_eperm, "setpriority on another user's process is EPERM; getpriority works");
    CHECK_CHILD(esrch_and_einval, "a reaped pid is ESRCH; an unknown 'which' is EINVAL");
    CHECK_CHILD(fork_inherits, "a forked child inherits the nice value");
    CHECK_CHILD(pgrp, "PRIO_PGRP sets every member and reads the lowest nice");
    CHECK_CHILD(user, "PRIO_USER (who 0 = own real uid) sets every process of the user");
    CHECK_CHILD(user_nobody_esrch, "PRIO_USER and PRIO_PGRP with no match are ESRCH");
    CHECK_CHILD(per_thread, "the nice value is per thread and inherited by pthread_create");
    CHECK_NO_CHILDREN();
    return t_done("sched_nice");
}
