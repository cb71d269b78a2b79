/* CPU-time clocks: CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID
 * (resolution, advancing while burning and not while sleeping, never faster
 * than CLOCK_MONOTONIC), clock_getcpuclockid and pthread_getcpuclockid for
 * this process, other threads and a child, EINVAL for bad and stale CPU
 * clock ids, times() and getrusage (SELF, THREAD, CHILDREN),
 * ITIMER_VIRTUAL and ITIMER_PROF (fire only after that much CPU, never
 * while asleep, getitimer's remaining value), clock_nanosleep on the CPU
 * clocks (EOPNOTSUPP for the thread clock, a working process clock).
 * CPU is burnt in user mode until the clock under test has advanced by the
 * wanted amount, never for a fixed number of iterations. Linux charges
 * ITIMER_VIRTUAL/PROF (and checks CPU timers) only on its tick, and a
 * thread that reads its own CPU clock can be preempted just before each
 * tick on a busy CPU and never be charged; so the burn loops make a system
 * call only every 5 ms (CLOCK_MONOTONIC comes from the vDSO) and the
 * itimer loops none at all. An alarm(60) watchdog ends the process if a
 * wait never returns. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include "../t.h"

#define MS 1000000LL

/* Raw syscall: CPU clocks are never answered by the vDSO, and invalid ids
 * must reach the kernel in both libcs. -1 on error. */
static int64_t clock_ns(clockid_t c) {
    struct timespec ts;
    if (syscall(SYS_clock_gettime, c, &ts) != 0)
        return -1;
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static volatile uint64_t sink;
static void spin(void) {
    for (int i = 0; i < 20000; i++)
        sink = sink * 6364136223846793005ULL + (uint64_t)i;
}
/* Spins in user mode for ns of CLOCK_MONOTONIC, or until *stop is set. */
static void spin_wall(int64_t ns, volatile sig_atomic_t *stop) {
    int64_t m0 = mono_ns();
    do
        spin();
    while (!(stop && *stop) && mono_ns() - m0 < ns);
}
/* Spins in user mode until clock c has advanced by ns; returns the advance. */
static int64_t burn(clockid_t c, int64_t ns) {
    int64_t t0 = clock_ns(c), t;
    do {
        spin_wall(5 * MS, NULL);
        t = clock_ns(c);
    } while (t - t0 < ns);
    return t - t0;
}
static int64_t tv_ns(struct timeval tv) { return tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL; }
static int64_t ru_ns(int who) {
    struct rusage ru;
    if (getrusage(who, &ru) != 0)
        return -1;
    return tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
}
static clockid_t proc_clock(pid_t pid) { return (clockid_t)(((~(unsigned)pid) << 3) | 2); }
static clockid_t thread_clock(pid_t tid) { return (clockid_t)(((~(unsigned)tid) << 3) | 6); }

/* Threads: "burner" burns 50 ms of its own CPU time, "sleeper" sleeps
 * 100 ms; both then report and wait on a pipe until main has read their
 * clocks. */
static int release_pipe[2];
static volatile int64_t burner_own;
static volatile int burner_done, sleeper_done;
static void *burner(void *arg) {
    (void)arg;
    burn(CLOCK_THREAD_CPUTIME_ID, 50 * MS);
    burner_own = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    __atomic_store_n(&burner_done, 1, __ATOMIC_SEQ_CST);
    char c;
    read(release_pipe[0], &c, 1);
    return NULL;
}
static void *sleeper(void *arg) {
    (void)arg;
    t_sleep_ms(100);
    __atomic_store_n(&sleeper_done, 1, __ATOMIC_SEQ_CST);
    char c;
    read(release_pipe[0], &c, 1);
    return NULL;
}

/* A thread that burns process CPU time for clock_nanosleep on
 * CLOCK_PROCESS_CPUTIME_ID, until told to stop (at most 10 s). */
static volatile sig_atomic_t stop_burning;
static void *background_burner(void *arg) {
    (void)arg;
    spin_wall(10000 * MS, &stop_burning);
    return NULL;
}

static volatile sig_atomic_t vtalrm, prof;
static void on_sig(int sig) {
    if (sig == SIGVTALRM)
        vtalrm++;
    else if (sig == SIGPROF)
        prof++;
}

/* Arms `which` for 20 ms and burns in user mode until `*flag` is set (at
 * most 10 s); returns the thread CPU time used. */
static int64_t burn_until_itimer(int which, volatile sig_atomic_t *flag) {
    *flag = 0;
    struct itimerval it = {{0, 0}, {0, 20000}};
    int64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    setitimer(which, &it, NULL);
    spin_wall(10000 * MS, flag);
    return clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
}

int main(void) {
    alarm(60);
    struct timespec res = {-1, -1};
    CHECK(syscall(SYS_clock_getres, CLOCK_PROCESS_CPUTIME_ID, &res) == 0 && res.tv_sec == 0 && res.tv_nsec == 1,
          "clock_getres(CLOCK_PROCESS_CPUTIME_ID) is 1 ns", "%ld.%09ld errno %d", (long)res.tv_sec, res.tv_nsec, errno);
    res.tv_sec = res.tv_nsec = -1;
    CHECK(syscall(SYS_clock_getres, CLOCK_THREAD_CPUTIME_ID, &res) == 0 && res.tv_sec == 0 && res.tv_nsec == 1,
          "clock_getres(CLOCK_THREAD_CPUTIME_ID) is 1 ns", "%ld.%09ld errno %d", (long)res.tv_sec, res.tv_nsec, errno);

    /* Burning: both CPU clocks move, never faster than real time. */
    int64_t m0 = mono_ns(), p0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    int64_t burnt = burn(CLOCK_THREAD_CPUTIME_ID, 30 * MS);
    int64_t p1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID), m1 = mono_ns();
    CHECK(p0 >= 0 && p1 - p0 >= burnt, "the process CPU clock advances by at least the thread's burn",
          "process %lld thread %lld", (long long)(p1 - p0), (long long)burnt);
    CHECK(m1 - m0 >= burnt - burnt / 100, "a thread's CPU clock runs no faster than CLOCK_MONOTONIC",
          "cpu %lld monotonic %lld", (long long)burnt, (long long)(m1 - m0));

    /* Sleeping: they hardly move. */
    int64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    p0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    t_sleep_ms(100);
    int64_t t1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    p1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECK(t1 - t0 < 50 * MS, "the thread CPU clock barely moves during a 100 ms sleep", "advanced %lld", (long long)(t1 - t0));
    CHECK(p1 - p0 < 50 * MS, "the process CPU clock barely moves during a 100 ms sleep", "advanced %lld", (long long)(p1 - p0));

    /* clock_getcpuclockid / pthread_getcpuclockid on ourselves. */
    clockid_t cid = 0;
    int rc = clock_getcpuclockid(getpid(), &cid);
    p0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    int64_t v = clock_ns(cid);
    p1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECK(rc == 0 && cid == proc_clock(getpid()) && v >= p0 && v <= p1,
          "clock_getcpuclockid(getpid()) reads the process CPU clock", "rc %d id %d %lld <= %lld <= %lld", rc, (int)cid,
          (long long)p0, (long long)v, (long long)p1);
    rc = pthread_getcpuclockid(pthread_self(), &cid);
    t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    v = clock_ns(cid);
    t1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    CHECK(rc == 0 && cid == thread_clock((pid_t)syscall(SYS_gettid)) && v >= t0 && v <= t1,
          "pthread_getcpuclockid(pthread_self()) reads the thread CPU clock", "rc %d id %d", rc, (int)cid);

    /* Other threads: one burns, one sleeps. */
    pipe(release_pipe);
    p0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    pthread_t tb, ts;
    pthread_create(&tb, NULL, burner, NULL);
    pthread_create(&ts, NULL, sleeper, NULL);
    while (!__atomic_load_n(&burner_done, __ATOMIC_SEQ_CST) || !__atomic_load_n(&sleeper_done, __ATOMIC_SEQ_CST))
        t_sleep_ms(5);
    t_sleep_ms(10); /* both are blocked in read() by now, their times settled */
    clockid_t cb = 0, cs = 0;
    int rb = pthread_getcpuclockid(tb, &cb), rs = pthread_getcpuclockid(ts, &cs);
    int64_t vb = clock_ns(cb), vs = clock_ns(cs);
    p1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECK(rb == 0 && vb >= 50 * MS && vb >= burner_own, "another thread's CPU clock shows its 50 ms burn",
          "rc %d got %lld own %lld", rb, (long long)vb, (long long)burner_own);
    CHECK(rs == 0 && vs >= 0 && vs < 20 * MS, "a thread that slept 100 ms has used far less CPU time", "rc %d got %lld", rs,
          (long long)vs);
    CHECK(p1 - p0 >= vb, "the process CPU clock includes the other threads' time", "process %lld burner %lld",
          (long long)(p1 - p0), (long long)vb);
    write(release_pipe[1], "xx", 2);
    pthread_join(tb, NULL);
    pthread_join(ts, NULL);

    /* A child: burns 30 ms, reports, then waits on a pipe. */
    int to_parent[2], to_child[2];
    pipe(to_parent);
    pipe(to_child);
    int64_t ch0 = ru_ns(RUSAGE_CHILDREN);
    struct tms tm0, tm1;
    times(&tm0);
    pid_t child = fork();
    if (child == 0) {
        burn(CLOCK_PROCESS_CPUTIME_ID, 30 * MS);
        write(to_parent[1], "r", 1);
        char c;
        read(to_child[0], &c, 1);
        _exit(0);
    }
    char c;
    read(to_parent[0], &c, 1);
    rc = clock_getcpuclockid(child, &cid);
    v = clock_ns(cid);
    CHECK(rc == 0 && cid == proc_clock(child) && v >= 30 * MS, "a child's process CPU clock is readable and shows its burn",
          "rc %d got %lld", rc, (long long)v);
    errno = 0;
    CHECK(clock_ns(thread_clock(child)) == -1 && errno == EINVAL, "the thread CPU clock of another process's thread is EINVAL",
          "errno %d", errno);
    write(to_child[1], "g", 1);
    int st = -1;
    waitpid(child, &st, 0);
    errno = 0;
    CHECK(clock_ns(proc_clock(child)) == -1 && errno == EINVAL, "the CPU clock of a reaped child is EINVAL", "errno %d", errno);
    /* Raw: glibc's clock_getcpuclockid turns this EINVAL into ESRCH, musl's
     * passes it on. */
    errno = 0;
    CHECK(syscall(SYS_clock_getres, proc_clock(child), &res) == -1 && errno == EINVAL,
          "clock_getres on the CPU clock of a reaped child is EINVAL", "errno %d", errno);
    int64_t ch1 = ru_ns(RUSAGE_CHILDREN);
    times(&tm1);
    CHECK(ch1 - ch0 >= 25 * MS, "getrusage(RUSAGE_CHILDREN) includes the reaped child's CPU time", "grew %lld",
          (long long)(ch1 - ch0));
    CHECK((tm1.tms_cutime + tm1.tms_cstime) - (tm0.tms_cutime + tm0.tms_cstime) >= 1, "times() counts the reaped child's CPU time",
          "%ld -> %ld", (long)(tm0.tms_cutime + tm0.tms_cstime), (long)(tm1.tms_cutime + tm1.tms_cstime));

    /* Invalid clock ids. */
    errno = 0;
    CHECK(clock_ns(100) == -1 && errno == EINVAL, "clock_gettime on clock id 100 is EINVAL", "errno %d", errno);
    errno = 0;
    CHECK(clock_ns((clockid_t)((~0u << 3) | 3)) == -1 && errno == EINVAL, "a CPU clock id of unknown type 3 is EINVAL", "errno %d",
          errno);

    /* times() and getrusage grow with a burn. */
    int64_t s0 = ru_ns(RUSAGE_SELF), th0 = ru_ns(RUSAGE_THREAD);
    times(&tm0);
    burn(CLOCK_PROCESS_CPUTIME_ID, 50 * MS);
    int64_t s1 = ru_ns(RUSAGE_SELF), th1 = ru_ns(RUSAGE_THREAD);
    times(&tm1);
    CHECK(s1 - s0 >= 40 * MS, "getrusage(RUSAGE_SELF) grows with a 50 ms burn", "grew %lld", (long long)(s1 - s0));
    CHECK(th1 - th0 >= 40 * MS, "getrusage(RUSAGE_THREAD) grows with a 50 ms burn", "grew %lld", (long long)(th1 - th0));
    CHECK((tm1.tms_utime + tm1.tms_stime) - (tm0.tms_utime + tm0.tms_stime) >= 3, "times() grows with a 50 ms burn",
          "%ld -> %ld", (long)(tm0.tms_utime + tm0.tms_stime), (long)(tm1.tms_utime + tm1.tms_stime));

    /* ITIMER_VIRTUAL and ITIMER_PROF. Linux samples these timers on its
     * tick and adds one tick to the value, so the signal never comes
     * before 20 ms of CPU time. Tick sampling on a loaded host charges
     * time unevenly, so only half of it is asked for (an order of
     * magnitude, not a tight margin). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigaction(SIGVTALRM, &sa, NULL);
    sigaction(SIGPROF, &sa, NULL);
    int64_t used = burn_until_itimer(ITIMER_VIRTUAL, &vtalrm);
    CHECK(vtalrm == 1 && used >= 10 * MS, "ITIMER_VIRTUAL of 20 ms fires after about 20 ms of CPU time, not before",
          "signals %d cpu %lld", (int)vtalrm, (long long)used);
    used = burn_until_itimer(ITIMER_PROF, &prof);
    CHECK(prof == 1 && used >= 10 * MS, "ITIMER_PROF of 20 ms fires after about 20 ms of CPU time, not before",
          "signals %d cpu %lld", (int)prof, (long long)used);

    vtalrm = 0;
    struct itimerval it = {{0, 0}, {0, 20000}}, cur, old;
    setitimer(ITIMER_VIRTUAL, &it, NULL);
    t_sleep_ms(100);
    getitimer(ITIMER_VIRTUAL, &cur);
    CHECK(vtalrm == 0 && (cur.it_value.tv_sec > 0 || cur.it_value.tv_usec > 0), "ITIMER_VIRTUAL does not run while asleep",
          "signals %d left %ld.%06ld", (int)vtalrm, (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_VIRTUAL, &off, NULL);

    struct itimerval longer = {{0, 500000}, {1, 0}};
    setitimer(ITIMER_VIRTUAL, &longer, NULL);
    getitimer(ITIMER_VIRTUAL, &cur);
    int64_t left0 = tv_ns(cur.it_value);
    CHECK(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 500000 && left0 > 500 * MS && left0 <= 1010 * MS,
          "getitimer reports the interval and about the whole value just after arming", "interval %ld.%06ld left %lld",
          (long)cur.it_interval.tv_sec, (long)cur.it_interval.tv_usec, (long long)left0);
    /* Burn until the value drops (at most 1 s of CPU time). */
    int64_t left1, b0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    do {
        spin_wall(5 * MS, NULL);
        getitimer(ITIMER_VIRTUAL, &cur);
        left1 = tv_ns(cur.it_value);
    } while (left1 >= left0 && clock_ns(CLOCK_THREAD_CPUTIME_ID) - b0 < 1000 * MS);
    CHECK(vtalrm == 0 && left1 > 0 && left1 < left0, "getitimer's remaining value drops as CPU time is used",
          "%lld -> %lld", (long long)left0, (long long)left1);
    CHECK(setitimer(ITIMER_VIRTUAL, &off, &old) == 0 && old.it_interval.tv_usec == 500000 && tv_ns(old.it_value) > 0 &&
              tv_ns(old.it_value) <= left1,
          "disarming ITIMER_VIRTUAL returns the old setting", "old %ld.%06ld", (long)old.it_value.tv_sec,
          (long)old.it_value.tv_usec);

    /* clock_nanosleep on the CPU clocks (raw: both libcs answer EINVAL for
     * CLOCK_THREAD_CPUTIME_ID without asking the kernel). */
    struct timespec d = {0, 20 * MS};
    errno = 0;
    CHECK(syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &d, NULL) == -1 && errno == EOPNOTSUPP,
          "clock_nanosleep on CLOCK_THREAD_CPUTIME_ID is EOPNOTSUPP", "errno %d", errno);
    errno = 0;
    CHECK(syscall(SYS_clock_nanosleep, thread_clock((pid_t)syscall(SYS_gettid)), 0, &d, NULL) == -1 && errno == EINVAL,
          "clock_nanosleep on the calling thread's own CPU clock by tid is EINVAL", "errno %d", errno);
    struct timespec bad = {0, 1000000000};
    errno = 0;
    CHECK(syscall(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, 0, &bad, NULL) == -1 && errno == EINVAL,
          "clock_nanosleep on the process CPU clock with tv_nsec of a billion is EINVAL", "errno %d", errno);
    pthread_t bg;
    pthread_create(&bg, NULL, background_burner, NULL);
    p0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    long r = syscall(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, 0, &d, NULL);
    p1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECK(r == 0 && p1 - p0 >= 20 * MS, "clock_nanosleep on CLOCK_PROCESS_CPUTIME_ID returns once another thread burnt 20 ms",
          "rc %ld errno %d advanced %lld", r, errno, (long long)(p1 - p0));
    struct timespec past = {0, 0};
    r = syscall(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &past, NULL);
    CHECK(r == 0, "an absolute clock_nanosleep on the process CPU clock in the past returns 0", "rc %ld errno %d", r, errno);
    stop_burning = 1;
    pthread_join(bg, NULL);
    return t_done("time_cputime");
}
