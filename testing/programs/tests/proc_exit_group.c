/* Exits of multithreaded processes and what the parent sees: exit_group
 * from several threads at once, exit_group from a thread while others are
 * blocked in calls, a leader that exits first (the process is not
 * reapable until the last thread is gone, still receives signals, and its
 * status is the leader's code unless exit_group ran), getrusage of
 * children (only waited-for ones, grandchildren folded in) and rlimits
 * inherited by fork but private afterwards. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include "../t.h"

static volatile int *sh;

static volatile int go;
static void *racer(void *arg) {
    while (!go) {
    }
    syscall(SYS_exit_group, (int)(intptr_t)arg);
    return NULL;
}

static void *blocker(void *arg) {
    int fd = (int)(intptr_t)arg;
    char c;
    read(fd, &c, 1);
    return NULL;
}

static void *late_exit(void *arg) {
    /* Outlives the leader, then ends with its own code. */
    while (!sh[0])
        t_sleep_ms(1);
    syscall(SYS_exit, (int)(intptr_t)arg);
    return NULL;
}

static void *late_group_exit(void *arg) {
    while (!sh[0])
        t_sleep_ms(1);
    syscall(SYS_exit_group, (int)(intptr_t)arg);
    return NULL;
}

static volatile int got_usr1;
static void h_usr1(int sig) {
    (void)sig;
    got_usr1 = 1;
}
static void *signalled(void *arg) {
    (void)arg;
    for (int i = 0; i < 3000 && !got_usr1; i++)
        t_sleep_ms(1);
    syscall(SYS_exit_group, got_usr1 ? 33 : 34);
    return NULL;
}

static void burn_ms(int ms) {
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    volatile unsigned long x = 0;
    for (;;) {
        for (int i = 0; i < 100000; i++)
            x += i;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
        if ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 >= ms)
            break;
    }
}

static void *set_nofile_16(void *arg) {
    (void)arg;
    struct rlimit n = {16, 128};
    setrlimit(RLIMIT_NOFILE, &n);
    return NULL;
}

static long usec(struct timeval tv) {
    return tv.tv_sec * 1000000L + tv.tv_usec;
}

/* A child whose leader leaves with exit(leader) while a thread runs fn(arg). */
static pid_t leader_exits(void *(*fn)(void *), void *arg, int leader) {
    pid_t c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, NULL, fn, arg);
        syscall(SYS_exit, leader);
    }
    return c;
}

/* t_wait_poll for c, with *st -1 until it is reaped */
static pid_t reap(pid_t c, int *st) {
    *st = -1;
    return t_wait_poll(c, st, 0);
}

int main(void) {
    t_watchdog(40);
    sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int st;

    /* 1. Four threads call exit_group at once: one code wins. */
    int any_bad = 0;
    for (int round = 0; round < 5; round++) {
        pid_t c = fork();
        if (c == 0) {
            pthread_t t[4];
            for (int i = 0; i < 4; i++)
                pthread_create(&t[i], NULL, racer, (void *)(intptr_t)(10 + i));
            t_sleep_ms(10);
            go = 1;
            for (;;)
                pause();
        }
        st = -1;
        t_wait_poll(c, &st, 0);
        if (!(WIFEXITED(st) && WEXITSTATUS(st) >= 10 && WEXITSTATUS(st) <= 13))
            any_bad = 1;
    }
    CHECK(!any_bad, "racing exit_group calls end the process with one of their codes", "st %#x", st);

    /* 2. exit_group from a thread while others are blocked in read. */
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        pthread_t t;
        for (int i = 0; i < 3; i++)
            pthread_create(&t, NULL, blocker, (void *)(intptr_t)p[0]);
        pthread_create(&t, NULL, racer, (void *)(intptr_t)21);
        t_sleep_ms(20);
        go = 1;
        char ch;
        read(p[0], &ch, 1);
        _exit(99);
    }
    st = -1;
    CHECK(t_wait_poll(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 21,
          "exit_group from a thread ends threads blocked in read, with its code", "st %#x", st);
    close(p[0]);
    close(p[1]);

    /* 3. The leader exits first: not reapable while a thread lives. */
    sh[0] = 0;
    c = leader_exits(late_exit, (void *)(intptr_t)3, 9);
    t_sleep_ms(50);
    st = -1;
    pid_t r = waitpid(c, &st, WNOHANG);
    CHECK(r == 0, "a process whose leader exited is not reapable while a thread runs", "r %d", r);
    CHECK(kill(c, 0) == 0, "it still exists for kill(pid, 0)", "errno %d", errno);
    sh[0] = 1;
    r = reap(c, &st);
    CHECK(r == c && WIFEXITED(st) && WEXITSTATUS(st) == 3,
          "after the leader's exit(9) the last thread's exit(3) is the status", "st %#x", st);

    sh[0] = 0;
    c = leader_exits(late_group_exit, (void *)(intptr_t)4, 9);
    t_sleep_ms(30);
    sh[0] = 1;
    r = reap(c, &st);
    CHECK(r == c && WIFEXITED(st) && WEXITSTATUS(st) == 4,
          "exit_group by the survivor sets the status over the leader's exit code", "st %#x", st);

    /* A process signal reaches the surviving thread. */
    c = fork();
    if (c == 0) {
        signal(SIGUSR1, h_usr1);
        pthread_t t;
        pthread_create(&t, NULL, signalled, NULL);
        syscall(SYS_exit, 0);
    }
    t_sleep_ms(50);
    kill(c, SIGUSR1);
    r = reap(c, &st);
    CHECK(r == c && WIFEXITED(st) && WEXITSTATUS(st) == 33,
          "kill() of a process with an exited leader is handled by a live thread", "st %#x", st);

    /* The leader exits, then SIGKILL: status is SIGKILL. */
    sh[0] = 0;
    c = leader_exits(late_exit, (void *)(intptr_t)3, 9);
    t_sleep_ms(30);
    kill(c, SIGKILL);
    r = reap(c, &st);
    CHECK(r == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "SIGKILL after the leader exited reports SIGKILL",
          "st %#x", st);

    /* 4. getrusage(RUSAGE_CHILDREN). */
    struct rusage ru0, ru1, ru2, rw;
    getrusage(RUSAGE_CHILDREN, &ru0);
    c = fork();
    if (c == 0) {
        burn_ms(60);
        _exit(0);
    }
    siginfo_t si;
    waitid(P_PID, c, &si, WEXITED | WNOWAIT);
    getrusage(RUSAGE_CHILDREN, &ru1);
    CHECK(usec(ru1.ru_utime) + usec(ru1.ru_stime) == usec(ru0.ru_utime) + usec(ru0.ru_stime),
          "a zombie's CPU time is not in RUSAGE_CHILDREN before it is reaped", "before %ld after %ld",
          usec(ru0.ru_utime), usec(ru1.ru_utime));
    memset(&rw, 0, sizeof rw);
    wait4(c, &st, 0, &rw);
    getrusage(RUSAGE_CHILDREN, &ru2);
    CHECK(usec(rw.ru_utime) + usec(rw.ru_stime) > 0, "wait4 reports the child's CPU time", "%ld",
          usec(rw.ru_utime) + usec(rw.ru_stime));
    CHECK(usec(ru2.ru_utime) + usec(ru2.ru_stime) > usec(ru1.ru_utime) + usec(ru1.ru_stime),
          "after the reap RUSAGE_CHILDREN includes it", "%ld", usec(ru2.ru_utime));
    /* A grandchild reaped by the child counts for us too. */
    c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) {
            burn_ms(60);
            _exit(0);
        }
        waitpid(g, NULL, 0);
        _exit(0);
    }
    memset(&rw, 0, sizeof rw);
    wait4(c, &st, 0, &rw);
    CHECK(usec(rw.ru_utime) + usec(rw.ru_stime) > 0, "a child's rusage includes the grandchildren it reaped", "%ld",
          usec(rw.ru_utime) + usec(rw.ru_stime));
    /* RUSAGE_THREAD and bad who. */
    struct rusage rt;
    CHECK(getrusage(RUSAGE_THREAD, &rt) == 0, "RUSAGE_THREAD works", "errno %d", errno);
    errno = 0;
    CHECK(getrusage(7, &rt) == -1 && errno == EINVAL, "getrusage with an unknown who is EINVAL", "errno %d", errno);

    /* 5. rlimits: inherited by fork, private afterwards. */
    struct rlimit old, rl = {64, 128};
    getrlimit(RLIMIT_NOFILE, &old);
    setrlimit(RLIMIT_NOFILE, &rl);
    c = fork();
    if (c == 0) {
        struct rlimit g;
        getrlimit(RLIMIT_NOFILE, &g);
        int code = g.rlim_cur == 64 && g.rlim_max == 128 ? 0 : 1;
        struct rlimit n = {32, 64};
        setrlimit(RLIMIT_NOFILE, &n);
        _exit(code);
    }
    st = -1;
    t_wait_poll(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a forked child inherits the rlimits", "st %#x", st);
    struct rlimit now;
    getrlimit(RLIMIT_NOFILE, &now);
    CHECK(now.rlim_cur == 64 && now.rlim_max == 128, "the child's setrlimit does not change the parent's",
          "cur %ld max %ld", (long)now.rlim_cur, (long)now.rlim_max);
    /* Threads share them. */
    pthread_t t;
    pthread_create(&t, NULL, set_nofile_16, NULL);
    pthread_join(t, NULL);
    getrlimit(RLIMIT_NOFILE, &now);
    CHECK(now.rlim_cur == 16, "a thread's setrlimit applies to the whole process", "cur %ld", (long)now.rlim_cur);
    setrlimit(RLIMIT_NOFILE, &old);

    errno = 0;
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("proc_exit_group");
}
