/* PENDING: Aramid does not enforce RLIMIT_SIGPENDING yet. Linux counts the
 * queued signals of each real uid and refuses rt_sigqueueinfo beyond the
 * limit with EAGAIN; Aramid queues without a limit. Needs a per-uid count
 * of queued signals kept by the pending queues.
 *
 * RLIMIT_SIGPENDING: a queue limit of 3 admits three queued signals, the
 * fourth rt_sigqueueinfo is EAGAIN, and kill of a standard signal still
 * works at the limit. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../t.h"

static void block(int sig) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_BLOCK, &s, NULL);
}

static long qinfo(pid_t pid, int sig, int code, int val) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = sig;
    si.si_code = code;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_int = val;
    return syscall(SYS_rt_sigqueueinfo, pid, sig, &si);
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
            ok += qinfo(getpid(), rt, SI_QUEUE, i) == 0;
        errno = 0;
        long full = qinfo(getpid(), rt, SI_QUEUE, 99);
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
        _exit(code);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 2) == 0, "RLIMIT_SIGPENDING 3 admits three queued signals",
          "status %#x", st);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 4) == 0, "a fourth rt_sigqueueinfo is EAGAIN", "status %#x", st);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 8) == 0, "kill of a standard signal still works at the limit",
          "status %#x", st);

    return t_done("sig_rlimit_sigpending");
}
