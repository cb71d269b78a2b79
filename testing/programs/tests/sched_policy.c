/* sched_setscheduler/getscheduler/setparam/getparam, priority ranges,
 * SCHED_BATCH and SCHED_IDLE, SCHED_RESET_ON_FORK, the rules for
 * unprivileged callers, per-thread policies, sched_rr_get_interval and the
 * EINVAL/ESRCH/EPERM cases. Real-time policies are only probed for their
 * argument checks and EPERM (an unprivileged caller). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/resource.h>
#include "../t.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

static long setsched(int pid, int policy, int prio) {
    struct sched_param sp = {.sched_priority = prio};
    return syscall(SYS_sched_setscheduler, pid, policy, &sp);
}
static long getsched(int pid) { return syscall(SYS_sched_getscheduler, pid); }
static long getprio(int pid) {
    struct sched_param sp = {.sched_priority = -1};
    long r = syscall(SYS_sched_getparam, pid, &sp);
    return r == 0 ? sp.sched_priority : -100;
}
static long setparam(int pid, int prio) {
    struct sched_param sp = {.sched_priority = prio};
    return syscall(SYS_sched_setparam, pid, &sp);
}
static long rawnice(void) { return 20 - syscall(SYS_getpriority, PRIO_PROCESS, 0); }

static int batch_idle_round_trip(void) {
    STEP(1, setsched(0, SCHED_BATCH, 0) == 0 && getsched(0) == SCHED_BATCH && getprio(0) == 0);
    STEP(2, setsched(0, SCHED_IDLE, 0) == 0 && getsched(0) == SCHED_IDLE);
    STEP(3, setsched(getpid(), SCHED_OTHER, 0) == 0 && getsched(getpid()) == SCHED_OTHER);
    return 0;
}
static int setparam_keeps_policy(void) {
    STEP(1, setsched(0, SCHED_BATCH, 0) == 0);
    STEP(2, setparam(0, 0) == 0 && getsched(0) == SCHED_BATCH);
    STEP(3, setparam(0, 1) == -1 && errno == EINVAL);
    return 0;
}
static int fork_inherits_policy(void) {
    STEP(1, setsched(0, SCHED_BATCH, 0) == 0);
    pid_t p = fork();
    if (p == 0)
        _exit(getsched(0) == SCHED_BATCH ? 0 : 1);
    int st;
    STEP(2, waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return 0;
}
static int reset_on_fork(void) {
    STEP(1, setsched(0, SCHED_BATCH | SCHED_RESET_ON_FORK, 0) == 0);
    STEP(2, getsched(0) == (SCHED_BATCH | SCHED_RESET_ON_FORK));
    STEP(3, setpriority(PRIO_PROCESS, 0, -5) == 0);
    pid_t p = fork();
    if (p == 0)
        _exit(getsched(0) == SCHED_BATCH && rawnice() == 0 ? 0 : 1);
    int st;
    STEP(4, waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    STEP(5, getsched(0) == (SCHED_BATCH | SCHED_RESET_ON_FORK) && rawnice() == -5);
    /* a positive nice value survives the reset */
    STEP(6, setpriority(PRIO_PROCESS, 0, 6) == 0);
    p = fork();
    if (p == 0)
        _exit(rawnice() == 6 ? 0 : 1);
    STEP(7, waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return 0;
}
static int unprivileged_rules(void) {
    struct rlimit rl = {0, 0};
    STEP(1, setrlimit(RLIMIT_RTPRIO, &rl) == 0 && setrlimit(RLIMIT_NICE, &rl) == 0);
    STEP(2, syscall(SYS_setresuid, 1000, 1000, 1000) == 0);
    STEP(3, setsched(0, SCHED_FIFO, 1) == -1 && errno == EPERM);
    STEP(4, setsched(0, SCHED_RR, 1) == -1 && errno == EPERM);
    STEP(5, setsched(0, SCHED_BATCH, 0) == 0 && setsched(0, SCHED_IDLE, 0) == 0);
    /* leaving SCHED_IDLE needs the right to lower the nice value */
    STEP(6, setsched(0, SCHED_OTHER, 0) == -1 && errno == EPERM && getsched(0) == SCHED_IDLE);
    return 0;
}
static int unprivileged_reset_on_fork(void) {
    STEP(1, setsched(0, SCHED_OTHER | SCHED_RESET_ON_FORK, 0) == 0);
    STEP(2, syscall(SYS_setresuid, 1000, 1000, 1000) == 0);
    STEP(3, setsched(0, SCHED_OTHER, 0) == -1 && errno == EPERM);
    STEP(4, setsched(0, SCHED_BATCH | SCHED_RESET_ON_FORK, 0) == 0);
    return 0;
}
static int other_user_eperm(void) {
    pid_t v = t_fork_sleeper();
    STEP(1, syscall(SYS_setresuid, 1000, 1000, 0) == 0);
    int r = setsched(v, SCHED_BATCH, 0) == -1 && errno == EPERM;
    int g = getsched(v) == SCHED_OTHER && getprio(v) == 0;
    syscall(SYS_setresuid, -1, 0, -1);
    t_kill_reap(v);
    STEP(2, r);
    STEP(3, g);
    return 0;
}

static volatile int t_go, t_done_flag;
static pid_t t_tid;
static volatile long t_policy_seen;
static void *worker(void *a) {
    (void)a;
    t_thread_park(&t_tid, &t_go, &t_done_flag);
    t_policy_seen = getsched(0);
    return NULL;
}
static void *inherit_worker(void *a) {
    (void)a;
    t_policy_seen = getsched(0);
    return NULL;
}
static int per_thread(void) {
    pthread_t t;
    STEP(1, pthread_create(&t, NULL, worker, NULL) == 0);
    while (!__atomic_load_n(&t_go, __ATOMIC_SEQ_CST))
        t_sleep_ms(1);
    int ok = setsched(t_tid, SCHED_IDLE, 0) == 0 && getsched(t_tid) == SCHED_IDLE && getsched(0) == SCHED_OTHER;
    __atomic_store_n(&t_done_flag, 1, __ATOMIC_SEQ_CST);
    pthread_join(t, NULL);
    STEP(2, ok && t_policy_seen == SCHED_IDLE);
    /* a new thread takes the creating thread's policy (explicit-sched
     * attributes aside; glibc and musl default to inherit) */
    STEP(3, setsched(0, SCHED_BATCH, 0) == 0);
    t_policy_seen = -1;
    STEP(4, pthread_create(&t, NULL, inherit_worker, NULL) == 0 && pthread_join(t, NULL) == 0);
    STEP(5, t_policy_seen == SCHED_BATCH);
    return 0;
}

int main(void) {
    t_watchdog(30);
    CHECK(getsched(0) == SCHED_OTHER && getprio(0) == 0, "a process starts as SCHED_OTHER with priority 0",
          "policy %ld prio %ld", getsched(0), getprio(0));
    int ok = sched_get_priority_min(SCHED_FIFO) == 1 && sched_get_priority_max(SCHED_FIFO) == 99 &&
             sched_get_priority_min(SCHED_RR) == 1 && sched_get_priority_max(SCHED_RR) == 99;
    CHECK(ok, "SCHED_FIFO and SCHED_RR priorities range over 1..99", "bad range");
    ok = sched_get_priority_min(SCHED_OTHER) == 0 && sched_get_priority_max(SCHED_OTHER) == 0 &&
         sched_get_priority_min(SCHED_BATCH) == 0 && sched_get_priority_max(SCHED_BATCH) == 0 &&
         sched_get_priority_min(SCHED_IDLE) == 0 && sched_get_priority_max(SCHED_IDLE) == 0;
    CHECK(ok, "SCHED_OTHER, SCHED_BATCH and SCHED_IDLE have only priority 0", "bad range");
    long r1 = syscall(SYS_sched_get_priority_max, 100);
    int e1 = errno;
    long r2 = syscall(SYS_sched_get_priority_min, -1);
    CHECK(r1 == -1 && e1 == EINVAL && r2 == -1 && errno == EINVAL, "priority range of an unknown policy is EINVAL",
          "r1 %ld r2 %ld", r1, r2);
    long a = setsched(0, SCHED_OTHER, 1);
    int ea = errno;
    long b = setsched(0, SCHED_FIFO, 0);
    int eb = errno;
    long c = setsched(0, SCHED_FIFO, 100);
    int ec = errno;
    CHECK(a == -1 && ea == EINVAL && b == -1 && eb == EINVAL && c == -1 && ec == EINVAL,
          "a priority outside the policy's range is EINVAL", "%ld/%d %ld/%d %ld/%d", a, ea, b, eb, c, ec);
    a = setsched(0, 100, 0);
    ea = errno;
    b = setsched(-1, SCHED_OTHER, 0);
    eb = errno;
    c = syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL);
    ec = errno;
    long d = syscall(SYS_sched_getscheduler, -1);
    int ed = errno;
    CHECK(a == -1 && ea == EINVAL && b == -1 && eb == EINVAL && c == -1 && ec == EINVAL && d == -1 && ed == EINVAL,
          "unknown policy, negative pid and NULL param are EINVAL", "%ld/%d %ld/%d %ld/%d %ld/%d", a, ea, b, eb, c,
          ec, d, ed);
    pid_t gone = fork();
    if (gone == 0)
        _exit(0);
    int st;
    waitpid(gone, &st, 0);
    struct sched_param sp = {0};
    struct timespec ts;
    a = getsched(gone);
    ea = errno;
    b = syscall(SYS_sched_getparam, gone, &sp);
    eb = errno;
    c = setsched(gone, SCHED_OTHER, 0);
    ec = errno;
    d = syscall(SYS_sched_rr_get_interval, gone, &ts);
    ed = errno;
    CHECK(a == -1 && ea == ESRCH && b == -1 && eb == ESRCH && c == -1 && ec == ESRCH && d == -1 && ed == ESRCH,
          "a reaped pid is ESRCH for get/setscheduler, getparam and rr_get_interval", "%ld/%d %ld/%d %ld/%d %ld/%d",
          a, ea, b, eb, c, ec, d, ed);
    ts.tv_sec = -1;
    ts.tv_nsec = -1;
    a = syscall(SYS_sched_rr_get_interval, 0, &ts);
    CHECK(a == 0 && ts.tv_sec == 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000,
          "sched_rr_get_interval of a SCHED_OTHER thread answers a time below a second", "r %ld", a);
    a = syscall(SYS_sched_rr_get_interval, -1, &ts);
    ea = errno;
    CHECK(a == -1 && ea == EINVAL, "sched_rr_get_interval with a negative pid is EINVAL", "r %ld errno %d", a, ea);
    CHECK_CHILD(batch_idle_round_trip, "SCHED_BATCH and SCHED_IDLE are set and read back");
    CHECK_CHILD(setparam_keeps_policy, "sched_setparam keeps the policy and checks its priority range");
    CHECK_CHILD(fork_inherits_policy, "a forked child inherits the policy");
    CHECK_CHILD(reset_on_fork, "SCHED_RESET_ON_FORK reads back; the child keeps SCHED_BATCH without the flag and with nice >= 0");
    CHECK_CHILD(unprivileged_rules, "unprivileged: real-time policies are EPERM, SCHED_IDLE cannot be left");
    CHECK_CHILD(unprivileged_reset_on_fork, "unprivileged: SCHED_RESET_ON_FORK cannot be cleared");
    CHECK_CHILD(other_user_eperm, "setscheduler on another user's process is EPERM; reading it works");
    CHECK_CHILD(per_thread, "the policy is per thread and inherited by pthread_create");
    CHECK(wait(&st) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("sched_policy");
}
