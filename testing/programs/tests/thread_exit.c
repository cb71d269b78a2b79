/* Ending a thread group whose threads are blocked in the kernel: exit_group
 * from one thread, SIGKILL from outside, and the leader's pthread_exit,
 * each with other threads asleep in futex, nanosleep, a pipe read, wait4,
 * poll and sigwaitinfo. The process must end with the right status and
 * its files must be closed (EOF on the pipe's other end). */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include "../t.h"

static int pipe_r, pipe_w2; /* a pipe nobody writes to */
static volatile int *ready;
static int futex_word;

static void *b_futex(void *a) {
    (void)a;
    __atomic_add_fetch(ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        syscall(SYS_futex, &futex_word, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0);
    return NULL;
}
static void *b_sleep(void *a) {
    (void)a;
    __atomic_add_fetch(ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        sleep(100);
    return NULL;
}
static void *b_read(void *a) {
    (void)a;
    char c;
    __atomic_add_fetch(ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        read(pipe_r, &c, 1);
    return NULL;
}
static void *b_wait(void *a) {
    (void)a;
    __atomic_add_fetch(ready, 1, __ATOMIC_SEQ_CST);
    int st;
    for (;;)
        waitpid(-1, &st, 0);
    return NULL;
}
static void *b_poll(void *a) {
    (void)a;
    struct pollfd p = {pipe_r, POLLIN, 0};
    __atomic_add_fetch(ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        poll(&p, 1, -1);
    return NULL;
}
static void *b_sigwait(void *a) {
    (void)a;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    __atomic_add_fetch(ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        sigwaitinfo(&s, NULL);
    return NULL;
}
#define NBLOCK 6
static void *(*blockers[NBLOCK])(void *) = {b_futex, b_sleep, b_read, b_wait, b_poll, b_sigwait};

/* Starts the blockers (and a child for wait4 to wait on) in the calling
 * process; returns when all are about to block. */
static void start_blockers(void) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    pid_t kid = fork();
    if (kid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        for (int i = 0; i < 50; i++)
            t_sleep_ms(100);
        _exit(0);
    }
    pthread_t t;
    for (int i = 0; i < NBLOCK; i++)
        pthread_create(&t, NULL, blockers[i], NULL);
    for (int i = 0; i < 1000 && __atomic_load_n(ready, __ATOMIC_SEQ_CST) < NBLOCK; i++)
        t_sleep_ms(2);
    t_sleep_ms(50); /* let them reach the kernel */
}

static void *exit_grouper(void *a) {
    (void)a;
    t_sleep_ms(20);
    syscall(SYS_exit_group, 42);
    return NULL;
}

/* Forks a process running `body` with a pipe whose write end only it
 * holds; returns the status, and whether the parent then saw EOF. */
static int run(void (*body)(void), int kill_it, int *eof) {
    int fds[2], blk[2];
    if (pipe(fds) != 0 || pipe(blk) != 0)
        return -1;
    *ready = 0;
    pid_t p = fork();
    if (p == 0) {
        close(fds[0]);
        close(blk[1]);
        pipe_r = blk[0];
        pipe_w2 = fds[1];
        start_blockers();
        body();
        for (;;)
            pause();
    }
    close(fds[1]);
    close(blk[0]);
    if (kill_it) {
        for (int i = 0; i < 1000 && __atomic_load_n(ready, __ATOMIC_SEQ_CST) < NBLOCK; i++)
            t_sleep_ms(2);
        t_sleep_ms(100);
        kill(p, SIGKILL);
    }
    int st = 0;
    waitpid(p, &st, 0);
    char c;
    *eof = read(fds[0], &c, 1) == 0;
    close(fds[0]);
    close(blk[1]);
    return st;
}

static void body_exit_group(void) {
    pthread_t t;
    pthread_create(&t, NULL, exit_grouper, NULL);
}
static void body_idle(void) {}
static volatile unsigned long spins;
static void *spinner(void *a) {
    (void)a;
    __atomic_add_fetch(ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        spins++; /* user mode only, never a system call */
    return NULL;
}
static void start_spinners(void) {
    pthread_t t;
    for (int i = 0; i < 3; i++)
        pthread_create(&t, NULL, spinner, NULL);
}
static void body_spin_exit_group(void) {
    start_spinners();
    body_exit_group();
}
static void body_spin(void) { start_spinners(); }
static void *raw_exiter(void *a) {
    (void)a;
    syscall(SYS_exit, 7);
    return NULL;
}
static void body_one_thread_exits(void) {
    pthread_t t;
    pthread_create(&t, NULL, raw_exiter, NULL);
}
static void body_leader_exits(void) {
    pthread_t t;
    pthread_create(&t, NULL, exit_grouper, NULL);
    pthread_exit(NULL);
}

int main(void) {
    t_watchdog(30);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    ready = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int eof = 0;
    int st = run(body_exit_group, 0, &eof);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42, "exit_group ends threads blocked in six kinds of wait",
          "status %#x", st);
    CHECK(eof, "after exit_group every file of the process is closed", "no EOF");
    st = run(body_idle, 1, &eof);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "SIGKILL ends threads blocked in six kinds of wait",
          "status %#x", st);
    CHECK(eof, "after SIGKILL every file of the process is closed", "no EOF");
    st = run(body_leader_exits, 0, &eof);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42, "exit_group after the leader's pthread_exit ends the rest",
          "status %#x", st);
    CHECK(eof, "and closes the files", "no EOF");
    st = run(body_spin_exit_group, 0, &eof);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42 && eof, "exit_group also ends threads spinning in user mode",
          "status %#x", st);
    st = run(body_spin, 1, &eof);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && eof, "SIGKILL ends threads spinning in user mode",
          "status %#x", st);
    /* one thread's exit(2) leaves the blocked ones and the process alone */
    int fds[2];
    pipe(fds);
    *ready = 0;
    pid_t p = fork();
    if (p == 0) {
        pipe_r = fds[0];
        start_blockers();
        body_one_thread_exits();
        for (;;)
            pause();
    }
    for (int i = 0; i < 1000 && __atomic_load_n(ready, __ATOMIC_SEQ_CST) < NBLOCK; i++)
        t_sleep_ms(2);
    t_sleep_ms(200);
    pid_t w = waitpid(p, &st, WNOHANG);
    int alive = kill(p, 0) == 0;
    kill(p, SIGKILL);
    pid_t w2 = waitpid(p, &st, 0);
    CHECK(w == 0 && alive && w2 == p && WIFSIGNALED(st), "one thread's exit(2) leaves the process and its blocked threads",
          "w %d alive %d", w == 0, alive);
    close(fds[0]);
    close(fds[1]);
    /* the wait4 targets were orphaned to us (the subreaper) and die of
     * PDEATHSIG: collect them */
    int n = 0;
    while (waitpid(-1, &st, 0) > 0 && n < 100)
        n++;
    CHECK(errno == ECHILD, "the orphans come back to the subreaper and nothing is left", "errno %d", errno);
    return t_done("thread_exit");
}
