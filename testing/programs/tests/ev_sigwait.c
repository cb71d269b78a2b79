/* Signals as waits: rt_sigtimedwait's three paths (a pending signal at
 * once, a zero time-out polling with EAGAIN, a wait ended by a signal sent
 * from another thread or by its deadline) with the siginfo fields;
 * signalfd and sigprocmask (a signalfd reads only blocked signals, the
 * calling thread's own and the process's); a POSIX timer aimed at one
 * thread with SIGEV_THREAD_ID; timerfd's saturating arithmetic for huge
 * values and TFD_TIMER_CANCEL_ON_SET when the clock is not set. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "../t.h"

static long timedwait(const sigset_t *set, siginfo_t *si, const struct timespec *ts) {
    return syscall(SYS_rt_sigtimedwait, set, si, ts, 8);
}
static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

static pid_t main_tid;
static volatile int stop_sender;

static void *late_sender(void *arg) {
    (void)arg;
    for (int i = 0; i < 200 && !stop_sender; i++) {
        t_sleep_ms(30);
        if (!stop_sender) {
            union sigval v = {.sival_int = 42};
            siginfo_t si = {0};
            si.si_signo = SIGRTMIN + 1;
            si.si_code = SI_QUEUE;
            si.si_pid = getpid();
            si.si_uid = getuid();
            si.si_value = v;
            syscall(SYS_rt_tgsigqueueinfo, getpid(), main_tid, SIGRTMIN + 1, &si);
            break;
        }
    }
    return NULL;
}

/* A thread that blocks SIGUSR1 and reports what its signalfd sees. */
static int sfd_shared;
static volatile int thread_saw;
static pid_t other_tid;
static volatile int other_ready, other_go;

static void *other_thread(void *arg) {
    (void)arg;
    other_tid = gettid_();
    other_ready = 1;
    while (!other_go)
        sched_yield();
    struct signalfd_siginfo s;
    thread_saw = read(sfd_shared, &s, sizeof s) == sizeof s ? (int)s.ssi_signo : -errno;
    return NULL;
}

/* The target of the SIGEV_THREAD_ID timer: waits for the timer's signal. */
static volatile int timer_thread_got;
static volatile int timer_thread_code, timer_thread_value;
static void *timer_target(void *arg) {
    (void)arg;
    other_tid = gettid_();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 2);
    other_ready = 1;
    siginfo_t si;
    struct timespec ts = {10, 0};
    if (timedwait(&set, &si, &ts) == SIGRTMIN + 2) {
        timer_thread_got = 1;
        timer_thread_code = si.si_code;
        timer_thread_value = si.si_value.sival_int;
    }
    return NULL;
}

int main(void) {
    t_watchdog(60);
    main_tid = gettid_();
    sigset_t all;
    sigemptyset(&all);
    sigaddset(&all, SIGUSR1);
    sigaddset(&all, SIGUSR2);
    sigaddset(&all, SIGRTMIN + 1);
    sigaddset(&all, SIGRTMIN + 2);
    sigprocmask(SIG_BLOCK, &all, NULL);

    /* 1. a pending signal is returned at once, with its siginfo */
    sigset_t s1;
    sigemptyset(&s1);
    sigaddset(&s1, SIGUSR1);
    kill(getpid(), SIGUSR1);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    struct timespec zero = {0, 0};
    long r = timedwait(&s1, &si, &zero);
    CHECK(r == SIGUSR1 && si.si_signo == SIGUSR1 && si.si_code == SI_USER && si.si_pid == getpid() &&
              si.si_uid == getuid(),
          "a pending kill() is returned at once: si_signo, SI_USER, si_pid, si_uid", "%ld %d %d", r, si.si_signo,
          si.si_code);
    sigset_t pend;
    sigpending(&pend);
    CHECK(!sigismember(&pend, SIGUSR1), "the returned signal is no longer pending", "still pending");

    /* 2. a zero time-out with nothing pending polls: EAGAIN */
    errno = 0;
    r = timedwait(&s1, &si, &zero);
    CHECK(r == -1 && errno == EAGAIN, "a zero time-out with nothing pending is EAGAIN", "%ld %d", r, errno);
    struct timespec short_ts = {0, 30000000};
    double t0 = t_now();
    errno = 0;
    r = timedwait(&s1, NULL, &short_ts);
    double took = t_now() - t0;
    CHECK(r == -1 && errno == EAGAIN && took >= 0.03, "a 30 ms time-out expires with EAGAIN, never early",
          "%ld %d %.3f", r, errno, took);
    struct timespec badts = {0, 1000000000};
    errno = 0;
    r = timedwait(&s1, NULL, &badts);
    CHECK(r == -1 && errno == EINVAL, "a tv_nsec of a billion is EINVAL", "%ld %d", r, errno);

    /* 3. a wait ended by a signal another thread queues to this thread */
    sigset_t s3;
    sigemptyset(&s3);
    sigaddset(&s3, SIGRTMIN + 1);
    pthread_t th;
    stop_sender = 0;
    pthread_create(&th, NULL, late_sender, NULL);
    struct timespec ten = {10, 0};
    memset(&si, 0, sizeof si);
    r = timedwait(&s3, &si, &ten);
    stop_sender = 1;
    pthread_join(th, NULL);
    CHECK(r == SIGRTMIN + 1 && si.si_code == SI_QUEUE && si.si_value.sival_int == 42 && si.si_pid == getpid(),
          "a blocked wait ends with a signal queued by another thread: SI_QUEUE and its value", "%ld %d %d", r,
          si.si_code, si.si_value.sival_int);
    memset(&si, 0, sizeof si);
    r = syscall(SYS_rt_sigtimedwait, &s3, &si, &zero, 4);
    CHECK(r == -1 && errno == EINVAL, "a sigset size other than 8 is EINVAL", "%ld %d", r, errno);

    /* signalfd and sigprocmask */
    sigset_t u1;
    sigemptyset(&u1);
    sigaddset(&u1, SIGUSR2);
    sfd_shared = signalfd(-1, &u1, SFD_NONBLOCK);
    kill(getpid(), SIGUSR2);
    struct signalfd_siginfo ss;
    CHECK(read(sfd_shared, &ss, sizeof ss) == sizeof ss && ss.ssi_signo == SIGUSR2 && ss.ssi_code == SI_USER &&
              ss.ssi_pid == (uint32_t)getpid(),
          "a blocked process signal is read from the signalfd with its sender", "%d", ss.ssi_signo);
    /* Unblocked, a signal is delivered (here: ignored) rather than queued
     * for the signalfd. */
    struct sigaction ign = {0}, old;
    ign.sa_handler = SIG_IGN;
    sigaction(SIGUSR2, &ign, &old);
    sigprocmask(SIG_UNBLOCK, &u1, NULL);
    kill(getpid(), SIGUSR2);
    sigprocmask(SIG_BLOCK, &u1, NULL);
    sigaction(SIGUSR2, &old, NULL);
    errno = 0;
    CHECK(read(sfd_shared, &ss, sizeof ss) == -1 && errno == EAGAIN,
          "an ignored signal sent while unblocked never reaches the signalfd", "errno %d", errno);
    /* A signal directed at this thread is not seen by another thread's read
     * of the same signalfd; a process-wide one is. */
    other_ready = other_go = 0;
    pthread_create(&th, NULL, other_thread, NULL);
    while (!other_ready)
        sched_yield();
    syscall(SYS_tgkill, getpid(), main_tid, SIGUSR2);
    other_go = 1;
    pthread_join(th, NULL);
    CHECK(thread_saw == -EAGAIN, "another thread's signalfd read does not see a signal aimed at this thread",
          "%d", thread_saw);
    CHECK(read(sfd_shared, &ss, sizeof ss) == sizeof ss && ss.ssi_signo == SIGUSR2 && ss.ssi_code == SI_TKILL,
          "this thread reads its own tgkill signal: SI_TKILL", "%d %d", ss.ssi_signo, ss.ssi_code);
    other_ready = other_go = 0;
    pthread_create(&th, NULL, other_thread, NULL);
    while (!other_ready)
        sched_yield();
    kill(getpid(), SIGUSR2);
    other_go = 1;
    pthread_join(th, NULL);
    CHECK(thread_saw == SIGUSR2, "a process-wide signal is read by whichever thread reads", "%d", thread_saw);
    sigset_t u12;
    sigemptyset(&u12);
    sigaddset(&u12, SIGUSR1);
    sigaddset(&u12, SIGUSR2);
    CHECK(signalfd(sfd_shared, &u12, 0) == sfd_shared, "signalfd on an existing signalfd changes its mask",
          "errno %d", errno);
    kill(getpid(), SIGUSR1);
    CHECK(read(sfd_shared, &ss, sizeof ss) == sizeof ss && ss.ssi_signo == SIGUSR1,
          "the new mask takes effect at once", "%d", ss.ssi_signo);
    close(sfd_shared);

    /* A POSIX timer aimed at one thread with SIGEV_THREAD_ID */
    other_ready = 0;
    pthread_create(&th, NULL, timer_target, NULL);
    while (!other_ready)
        sched_yield();
    /* The kernel's struct sigevent (glibc and musl name the tid field
     * differently). */
    struct {
        union sigval value;
        int signo, notify, tid, pad[11];
    } sev = {.value.sival_int = 7, .signo = SIGRTMIN + 2, .notify = SIGEV_THREAD_ID, .tid = other_tid};
    long timer = -1;
    r = syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &timer);
    struct itimerspec once = {{0, 0}, {0, 20000000}};
    syscall(SYS_timer_settime, timer, 0, &once, NULL);
    pthread_join(th, NULL);
    CHECK(r == 0 && timer_thread_got && timer_thread_code == SI_TIMER && timer_thread_value == 7,
          "the SIGEV_THREAD_ID timer's signal reaches its thread: SI_TIMER and sigev_value", "%ld %d %d %d", r,
          timer_thread_got, timer_thread_code, timer_thread_value);
    sigset_t s4;
    sigemptyset(&s4);
    sigaddset(&s4, SIGRTMIN + 2);
    errno = 0;
    CHECK(timedwait(&s4, NULL, &zero) == -1 && errno == EAGAIN, "and is not left pending for the process",
          "errno %d", errno);
    syscall(SYS_timer_delete, timer);

    /* timerfd: huge values saturate */
    int tf = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct itimerspec huge = {{INT64_MAX, 999999999}, {INT64_MAX, 999999999}};
    r = timerfd_settime(tf, 0, &huge, NULL);
    struct itimerspec cur;
    timerfd_gettime(tf, &cur);
    CHECK(r == 0 && cur.it_interval.tv_sec == 9223372036 && cur.it_interval.tv_nsec == 854775807,
          "a huge timerfd interval saturates to KTIME_MAX (9223372036.854775807 s)", "%ld %lld %ld", r,
          (long long)cur.it_interval.tv_sec, (long)cur.it_interval.tv_nsec);
    CHECK(cur.it_value.tv_sec > 9000000000LL && cur.it_value.tv_sec <= 9223372036,
          "a huge relative value is armed, far in the future, and not wrapped", "%lld",
          (long long)cur.it_value.tv_sec);
    uint64_t n;
    errno = 0;
    CHECK(read(tf, &n, 8) == -1 && errno == EAGAIN, "the saturated timer has not expired", "errno %d", errno);
    struct itimerspec habs = {{0, 0}, {INT64_MAX, 0}};
    r = timerfd_settime(tf, TFD_TIMER_ABSTIME, &habs, NULL);
    timerfd_gettime(tf, &cur);
    CHECK(r == 0 && cur.it_value.tv_sec > 9000000000LL, "a huge absolute value saturates too", "%ld %lld", r,
          (long long)cur.it_value.tv_sec);
    close(tf);

    /* TFD_TIMER_CANCEL_ON_SET without a clock change: an ordinary timer */
    tf = timerfd_create(CLOCK_REALTIME, 0);
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    rt.tv_nsec += 30000000;
    t_ts_carry(&rt);
    struct itimerspec cs = {{0, 0}, rt};
    r = timerfd_settime(tf, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &cs, NULL);
    n = 0;
    long got = read(tf, &n, 8);
    CHECK(r == 0 && got == 8 && n == 1,
          "CANCEL_ON_SET on an absolute REALTIME timer: with no clock change it expires once", "%ld %ld %llu", r,
          got, (unsigned long long)n);
    struct itimerspec rel = {{0, 0}, {0, 10000000}};
    r = timerfd_settime(tf, TFD_TIMER_CANCEL_ON_SET, &rel, NULL);
    got = read(tf, &n, 8);
    CHECK(r == 0 && got == 8 && n == 1, "CANCEL_ON_SET without ABSTIME is accepted and ignored", "%ld %ld", r,
          got);
    close(tf);
    tf = timerfd_create(CLOCK_MONOTONIC, 0);
    r = timerfd_settime(tf, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &rel, NULL);
    got = read(tf, &n, 8);
    CHECK(r == 0 && got == 8 && n == 1, "CANCEL_ON_SET on a MONOTONIC timer is accepted and ignored", "%ld %ld",
          r, got);
    close(tf);

    return t_done("ev_sigwait");
}
