/* sched_setaffinity/getaffinity beyond the basics: inheritance across fork
 * and pthread_create, per-thread masks set from another thread, a thread
 * pinned to each CPU really running there (raw getcpu and sched_getcpu),
 * masks beyond the online CPUs, short lengths, ESRCH and EPERM. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include "../t.h"

/* The mask as one word (all test machines have fewer than 64 CPUs). */
static long getmask(pid_t pid, uint64_t *m) {
    uint64_t buf[16] = {0};
    long r = syscall(SYS_sched_getaffinity, pid, sizeof buf, buf);
    *m = buf[0];
    return r;
}
static long setmask(pid_t pid, uint64_t m) {
    uint64_t buf[16] = {m};
    return syscall(SYS_sched_setaffinity, pid, sizeof buf, buf);
}
static int rawcpu(void) {
    unsigned c = 999;
    if (syscall(SYS_getcpu, &c, NULL, NULL) != 0)
        return -1;
    return (int)c;
}

static uint64_t all_cpus; /* what the test may use */

static int fork_inherits(void) {
    int first = __builtin_ctzll(all_cpus);
    STEP(1, setmask(0, 1ull << first) == 0);
    pid_t p = fork();
    if (p == 0) {
        uint64_t m;
        _exit(getmask(0, &m) > 0 && m == (1ull << first) && rawcpu() == first ? 0 : 1);
    }
    int st;
    STEP(2, waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return 0;
}

static uint64_t seen_mask;
static int seen_cpu;
static void *report(void *a) {
    (void)a;
    getmask(0, &seen_mask);
    seen_cpu = rawcpu();
    return NULL;
}
static int thread_inherits(void) {
    int last = 63 - __builtin_clzll(all_cpus);
    STEP(1, setmask(0, 1ull << last) == 0);
    pthread_t t;
    STEP(2, pthread_create(&t, NULL, report, NULL) == 0 && pthread_join(t, NULL) == 0);
    STEP(3, seen_mask == (1ull << last));
    STEP(4, seen_cpu == last);
    return 0;
}

static volatile int w_go, w_stop;
static pid_t w_tid;
static volatile int w_cpu = -1;
static uint64_t w_mask;
static void *waiter(void *a) {
    (void)a;
    t_thread_park(&w_tid, &w_go, &w_stop);
    sched_yield();
    getmask(0, &w_mask);
    w_cpu = rawcpu();
    return NULL;
}
static int set_other_thread(void) {
    pthread_t t;
    int last = 63 - __builtin_clzll(all_cpus);
    STEP(1, pthread_create(&t, NULL, waiter, NULL) == 0);
    while (!__atomic_load_n(&w_go, __ATOMIC_SEQ_CST))
        t_sleep_ms(1);
    uint64_t m = 0, mine = 0;
    int ok = setmask(w_tid, 1ull << last) == 0 && getmask(w_tid, &m) > 0 && m == (1ull << last);
    getmask(0, &mine);
    __atomic_store_n(&w_stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(t, NULL);
    STEP(2, ok);
    STEP(3, mine == all_cpus);       /* the caller's own mask is untouched */
    STEP(4, w_mask == (1ull << last) && w_cpu == last);
    return 0;
}

static int pinned_cpu_ok[64];
static void *pinned(void *a) {
    int cpu = (int)(intptr_t)a;
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    if (sched_setaffinity(0, sizeof s, &s) != 0)
        return NULL;
    int ok = 1;
    for (int i = 0; i < 20; i++) {
        if (rawcpu() != cpu || sched_getcpu() != cpu)
            ok = 0;
        sched_yield();
    }
    pinned_cpu_ok[cpu] = ok;
    return NULL;
}
static int each_cpu(void) {
    pthread_t t[64];
    int n = 0;
    for (int c = 0; c < 64; c++)
        if (all_cpus & (1ull << c))
            STEP(1, pthread_create(&t[n++], NULL, pinned, (void *)(intptr_t)c) == 0);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    for (int c = 0; c < 64; c++)
        if (all_cpus & (1ull << c))
            STEP(2, pinned_cpu_ok[c]);
    return 0;
}

static int offline_bits(void) {
    /* all 1024 bits: trimmed to the online CPUs */
    uint64_t buf[16];
    memset(buf, 0xff, sizeof buf);
    STEP(1, syscall(SYS_sched_setaffinity, 0, sizeof buf, buf) == 0);
    uint64_t m;
    /* online CPUs are numbered from 0 up */
    STEP(2, getmask(0, &m) > 0 && (m & all_cpus) == all_cpus && (m & (m + 1)) == 0);
    /* only CPUs that do not exist: EINVAL, mask unchanged */
    memset(buf, 0, sizeof buf);
    buf[15] = 1ull << 63;
    STEP(3, syscall(SYS_sched_setaffinity, 0, sizeof buf, buf) == -1 && errno == EINVAL);
    uint64_t m2;
    STEP(4, getmask(0, &m2) > 0 && m2 == m);
    return 0;
}

static int short_lengths(void) {
    uint32_t small = (uint32_t)(all_cpus & -all_cpus); /* the first CPU */
    STEP(1, syscall(SYS_sched_setaffinity, 0, 4, &small) == 0);
    uint64_t m;
    STEP(2, getmask(0, &m) > 0 && m == small);
    /* length 0: an empty mask */
    STEP(3, syscall(SYS_sched_setaffinity, 0, 0, &small) == -1 && errno == EINVAL);
    return 0;
}

static int other_user(void) {
    pid_t v = t_fork_sleeper();
    STEP(1, syscall(SYS_setresuid, 1000, 1000, 0) == 0);
    uint64_t m = 0;
    int r1 = setmask(v, all_cpus) == -1 && errno == EPERM;
    int r2 = getmask(v, &m) > 0 && m == all_cpus;
    syscall(SYS_setresuid, -1, 0, -1);
    t_kill_reap(v);
    STEP(2, r1);
    STEP(3, r2);
    return 0;
}

int main(void) {
    t_watchdog(30);
    uint64_t m;
    long r = getmask(0, &m);
    all_cpus = m;
    CHECK(r > 0 && m != 0, "the initial mask is a non-empty set of online CPUs",
          "r %ld", r);
    int c = rawcpu();
    CHECK(c >= 0 && (m & (1ull << c)), "getcpu answers a CPU of the mask", "cpu outside the mask");
    CHECK_CHILD(fork_inherits, "a forked child inherits the mask and runs on it");
    CHECK_CHILD(thread_inherits, "pthread_create inherits the creating thread's mask");
    CHECK_CHILD(set_other_thread, "sched_setaffinity on another thread's tid pins that thread only");
    CHECK_CHILD(each_cpu, "a thread pinned to each CPU runs there (getcpu and sched_getcpu)");
    CHECK_CHILD(offline_bits, "bits past the online CPUs are dropped; a mask of only those is EINVAL");
    CHECK_CHILD(short_lengths, "a 4-byte mask is accepted; a 0-byte one is EINVAL");
    CHECK_CHILD(other_user, "setaffinity on another user's process is EPERM; getaffinity works");
    pid_t gone = fork();
    if (gone == 0)
        _exit(0);
    int st;
    waitpid(gone, &st, 0);
    long a = setmask(gone, all_cpus);
    int ea = errno;
    long b = getmask(gone, &m);
    CHECK(a == -1 && ea == ESRCH && b == -1 && errno == ESRCH, "a reaped pid is ESRCH for both calls", "%ld/%d %ld",
          a, ea, b);
    CHECK(wait(&st) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("sched_affinity");
}
