/* SIGCHLD ignored and SA_NOCLDWAIT: children are reaped at exit and
 * wait blocks until the last one is gone, then ECHILD; zombies made
 * before SIG_IGN stay waitable; a clone child with another exit signal is
 * not auto-reaped; SIG_IGN sends no SIGCHLD while SA_NOCLDWAIT with a
 * handler does; SIG_DFL (ignore by default) keeps zombies. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include "../t.h"

#ifndef __WALL
#define __WALL 0x40000000
#endif

static volatile int nchld;
static void h_chld(int sig) {
    (void)sig;
    nchld++;
}

/* A child that exits at once; returns after its SIGCHLD was counted (or 3 s). */
static pid_t fork_await_chld(void) {
    nchld = 0;
    pid_t a = fork();
    if (a == 0)
        _exit(0);
    for (int i = 0; i < 3000 && !nchld; i++)
        t_sleep_ms(1);
    return a;
}

int main(void) {
    t_watchdog(30);
    int st;

    /* A zombie from before SIG_IGN stays; children after it do not. */
    pid_t old = fork();
    if (old == 0)
        _exit(3);
    siginfo_t si;
    waitid(P_PID, old, &si, WEXITED | WNOWAIT);
    signal(SIGCHLD, SIG_IGN);
    pid_t a = fork();
    if (a == 0)
        _exit(4);
    t_sleep_ms(50);
    st = -1;
    CHECK(waitpid(old, &st, WNOHANG) == old && WIFEXITED(st) && WEXITSTATUS(st) == 3,
          "a zombie made before SIGCHLD was ignored can still be reaped", "st %#x", st);
    errno = 0;
    CHECK(waitpid(a, &st, WNOHANG) == -1 && errno == ECHILD, "a child exiting while SIGCHLD is ignored is reaped at once",
          "errno %d", errno);

    /* wait blocks until every child is gone, then ECHILD. */
    pid_t b = fork();
    if (b == 0) {
        t_sleep_ms(100);
        _exit(0);
    }
    double t0 = t_now();
    errno = 0;
    pid_t r = waitpid(-1, &st, 0);
    int e = errno;
    CHECK(r == -1 && e == ECHILD && t_now() - t0 >= 0.05,
          "with SIGCHLD ignored wait blocks until the children exit, then ECHILD", "r %d errno %d", r, e);

    /* A clone child with exit signal SIGUSR1 is not auto-reaped. */
    signal(SIGUSR1, SIG_IGN);
    long c = syscall(SYS_clone, SIGUSR1, 0, 0, 0, 0);
    if (c == 0)
        _exit(6);
    t_sleep_ms(50);
    st = -1;
    r = waitpid((pid_t)c, &st, __WALL | WNOHANG);
    CHECK(r == c && WIFEXITED(st) && WEXITSTATUS(st) == 6,
          "a child with another exit signal stays a zombie though SIGCHLD is ignored", "r %d st %#x", r == c, st);
    signal(SIGUSR1, SIG_DFL);

    /* SIG_IGN: no SIGCHLD. SA_NOCLDWAIT with a handler: reaped, SIGCHLD sent. */
    t_handle(SIGCHLD, h_chld, SA_NOCLDWAIT);
    a = fork_await_chld();
    CHECK(nchld == 1, "SA_NOCLDWAIT with a handler still delivers SIGCHLD", "n %d", nchld);
    errno = 0;
    CHECK(waitpid(a, &st, WNOHANG) == -1 && errno == ECHILD, "SA_NOCLDWAIT reaps the child", "errno %d", errno);
    t_handle(SIGCHLD, h_chld, 0);
    a = fork_await_chld();
    st = -1;
    CHECK(nchld == 1 && waitpid(a, &st, 0) == a, "without SA_NOCLDWAIT the handled child stays waitable", "n %d",
          nchld);

    /* SIG_DFL ignores SIGCHLD but keeps zombies. */
    signal(SIGCHLD, SIG_DFL);
    a = fork();
    if (a == 0)
        _exit(8);
    t_sleep_ms(30);
    st = -1;
    CHECK(waitpid(a, &st, 0) == a && WEXITSTATUS(st) == 8, "with SIGCHLD at SIG_DFL the child is a zombie to reap",
          "st %#x", st);
    /* Setting SIG_IGN later does not reap an existing zombie. */
    a = fork();
    if (a == 0)
        _exit(9);
    waitid(P_PID, a, &si, WEXITED | WNOWAIT);
    signal(SIGCHLD, SIG_IGN);
    st = -1;
    CHECK(waitpid(a, &st, WNOHANG) == a && WEXITSTATUS(st) == 9, "ignoring SIGCHLD later leaves existing zombies",
          "st %#x", st);
    signal(SIGCHLD, SIG_DFL);

    errno = 0;
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("sig_chld_ignore");
}
