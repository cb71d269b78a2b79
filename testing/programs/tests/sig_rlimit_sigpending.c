/* RLIMIT_SIGPENDING counts the signals queued for a real uid.
 *
 * RLIMIT_SIGPENDING: a queue limit of 3 admits three queued signals, the
 * fourth rt_sigqueueinfo is EAGAIN, and kill of a standard signal still
 * works at the limit (and counts), as does kill of a real-time one (queued
 * without its information); taking a queued signal gives its place back. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/resource.h>
#include "../t.h"

static void block(int sig) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_BLOCK, &s, NULL);
}

int main(void) {
    t_watchdog(30);
    int rt = SIGRTMIN;
    sigset_t pend;
    /* 8. RLIMIT_SIGPENDING in a child, so the limit does not leak. */
    pid_t pid = fork();
    if (pid == 0) {
        /* The limit counts every pending signal of the real uid: use a uid
         * nobody else has. */
        struct rlimit rl = {3, 3};
        if (setrlimit(RLIMIT_SIGPENDING, &rl) || setresgid(54321, 54321, 54321) || setresuid(54321, 54321, 54321))
            _exit(1);
        block(rt);
        block(SIGUSR1);
        int ok = 0;
        for (int i = 0; i < 3; i++)
            ok += t_sigqueueinfo(getpid(), rt, SI_QUEUE, i) == 0;
        errno = 0;
        long full = t_sigqueueinfo(getpid(), rt, SI_QUEUE, 99);
        int full_errno = errno;
        /* A standard signal's first instance is still accepted. */
        long std_rc = kill(getpid(), SIGUSR1);
        sigpending(&pend);
        int code = 0;
        if (ok != 3)
            code |= 2;
        if (!(full == -1 && full_errno == EAGAIN))
            code |= 4;
        if (std_rc != 0 || !sigismember(&pend, SIGUSR1))
            code |= 8;
        /* kill() of a real-time signal at the limit: pending, as SI_USER
         * from nobody (its sender's details are lost). */
        int rt2 = SIGRTMIN + 1;
        block(rt2);
        long rt_kill = kill(getpid(), rt2);
        sigset_t w;
        sigemptyset(&w);
        sigaddset(&w, rt2);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        struct timespec zero = {0, 0};
        if (rt_kill != 0 || sigtimedwait(&w, &si, &zero) != rt2 || si.si_code != SI_USER)
            code |= 16;
        /* The SIGUSR1 from kill passed the limit but counts: the queue
         * holds four. Taking two of the queued signals makes room for one. */
        sigemptyset(&w);
        sigaddset(&w, rt);
        int v0 = -1, v1 = -1;
        if (sigtimedwait(&w, &si, &zero) == rt)
            v0 = si.si_value.sival_int;
        if (sigtimedwait(&w, &si, &zero) == rt)
            v1 = si.si_value.sival_int;
        if (v0 != 0 || v1 != 1 || t_sigqueueinfo(getpid(), rt, SI_QUEUE, 7) != 0)
            code |= 32;
        errno = 0;
        if (t_sigqueueinfo(getpid(), rt, SI_QUEUE, 8) != -1 || errno != EAGAIN)
            code |= 64;
        _exit(code);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 2) == 0, "RLIMIT_SIGPENDING 3 admits three queued signals",
          "status %#x", st);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 4) == 0, "a fourth rt_sigqueueinfo is EAGAIN", "status %#x", st);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 8) == 0, "kill of a standard signal still works at the limit",
          "status %#x", st);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 16) == 0, "kill of a real-time signal at the limit is pending as SI_USER",
          "status %#x", st);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 32) == 0, "taking queued signals makes room again",
          "status %#x", st);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 64) == 0, "and then the queue is full again", "status %#x", st);

    return t_done("sig_rlimit_sigpending");
}
