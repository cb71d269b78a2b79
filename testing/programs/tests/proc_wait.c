/* wait4 / waitpid / waitid: P_PID, P_PGID, P_ALL, WNOHANG, WNOWAIT,
 * stop/continue reporting, siginfo fields, killed-by-signal status, rusage,
 * zombies, SIGCHLD ignored (auto-reap), EINVAL/ECHILD, and orphan
 * reparenting to a PR_SET_CHILD_SUBREAPER. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include "../t.h"

static volatile int *shared; /* MAP_SHARED page for parent/child handshakes */

int main(void) {
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return 1;
    pid_t me = getpid();
    int status;
    siginfo_t si;

    /* waitid P_PID + WEXITED: siginfo fields. */
    pid_t pid = fork();
    if (pid == 0)
        _exit(17);
    memset(&si, 0, sizeof si);
    int r = waitid(P_PID, pid, &si, WEXITED);
    CHECK(r == 0 && si.si_pid == pid && si.si_signo == SIGCHLD && si.si_code == CLD_EXITED && si.si_status == 17 &&
              si.si_uid == getuid(),
          "waitid P_PID reports si_pid, SIGCHLD, CLD_EXITED, status 17, si_uid", "r %d code %d status %d", r,
          si.si_code, si.si_status);

    /* WNOHANG with a running child: returns 0 and zeroes si_pid/si_signo. */
    t_set(&shared[0], 0);
    pid = fork();
    if (pid == 0) {
        t_await(&shared[0], 1);
        _exit(0);
    }
    memset(&si, 0x5a, sizeof si);
    r = waitid(P_PID, pid, &si, WEXITED | WNOHANG);
    CHECK(r == 0 && si.si_pid == 0 && si.si_signo == 0, "waitid WNOHANG on a running child returns 0, si_pid 0",
          "r %d", r);
    r = waitpid(pid, &status, WNOHANG);
    CHECK(r == 0, "waitpid WNOHANG on a running child returns 0", "r %d", r);
    t_set(&shared[0], 1);

    /* WNOWAIT leaves the zombie reapable; a zombie still exists for kill(0). */
    memset(&si, 0, sizeof si);
    r = waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
    int alive = kill(pid, 0);
    CHECK(r == 0 && si.si_pid == pid && si.si_code == CLD_EXITED && alive == 0,
          "waitid WNOWAIT reports the exit and the zombie remains", "r %d kill %d", r, alive);
    r = wait4(pid, &status, 0, NULL);
    errno = 0;
    alive = kill(pid, 0);
    CHECK(r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 && alive == -1 && errno == ESRCH,
          "the zombie is reaped afterwards and then gone", "r %d status %#x", r, status);

    /* P_PGID and waitpid(-pgid). */
    pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        _exit(4);
    }
    setpgid(pid, pid);
    memset(&si, 0, sizeof si);
    r = waitid(P_PGID, pid, &si, WEXITED);
    CHECK(r == 0 && si.si_pid == pid && si.si_status == 4, "waitid P_PGID reaps a child in that group",
          "r %d errno %d", r, errno);
    pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        _exit(5);
    }
    setpgid(pid, pid);
    r = waitpid(-pid, &status, 0);
    CHECK(r == pid && WEXITSTATUS(status) == 5, "waitpid(-pgid) reaps a child in that group", "r %d", r);

    /* waitpid(0): same process group as the caller. */
    pid = fork();
    if (pid == 0)
        _exit(6);
    r = waitpid(0, &status, 0);
    CHECK(r == pid && WEXITSTATUS(status) == 6, "waitpid(0) reaps a child in the caller's group", "r %d", r);

    /* P_ALL with several children. */
    int sum = 0, n = 0;
    for (int i = 1; i <= 5; i++)
        if (fork() == 0)
            _exit(i);
    for (;;) {
        memset(&si, 0, sizeof si);
        if (waitid(P_ALL, 0, &si, WEXITED) != 0)
            break;
        n++;
        sum += si.si_status;
    }
    CHECK(n == 5 && sum == 15 && errno == ECHILD, "waitid P_ALL reaps all five children then ECHILD", "n %d sum %d",
          n, sum);

    /* Errors. */
    errno = 0;
    r = waitid(P_ALL, 0, &si, WNOHANG);
    CHECK(r == -1 && errno == EINVAL, "waitid without WEXITED/WSTOPPED/WCONTINUED is EINVAL", "r %d errno %d", r,
          errno);
    errno = 0;
    r = syscall(SYS_waitid, 42, 0, &si, WEXITED, NULL);
    CHECK(r == -1 && errno == EINVAL, "waitid with an unknown idtype is EINVAL", "r %d errno %d", r, errno);
    errno = 0;
    r = waitpid(me, &status, 0);
    CHECK(r == -1 && errno == ECHILD, "waitpid on a non-child is ECHILD", "r %d errno %d", r, errno);

    /* Stop / continue. */
    t_set(&shared[1], 0);
    pid = fork();
    if (pid == 0) {
        raise(SIGSTOP);
        t_await(&shared[1], 1);
        raise(SIGSTOP);
        t_await(&shared[1], 2);
        _exit(3);
    }
    memset(&si, 0, sizeof si);
    r = waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT);
    CHECK(r == 0 && si.si_pid == pid && si.si_code == CLD_STOPPED && si.si_status == SIGSTOP,
          "waitid WSTOPPED reports CLD_STOPPED with SIGSTOP", "r %d code %d status %d", r, si.si_code, si.si_status);
    r = waitpid(pid, &status, WUNTRACED);
    CHECK(r == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "waitpid WUNTRACED sees the stop kept by WNOWAIT",
          "r %d status %#x", r, status);
    r = waitpid(pid, &status, WUNTRACED | WNOHANG);
    CHECK(r == 0, "a stop is reported only once", "r %d status %#x", r, status);
    kill(pid, SIGCONT);
    memset(&si, 0, sizeof si);
    r = waitid(P_PID, pid, &si, WCONTINUED);
    CHECK(r == 0 && si.si_pid == pid && si.si_code == CLD_CONTINUED && si.si_status == SIGCONT,
          "waitid WCONTINUED reports CLD_CONTINUED with SIGCONT", "r %d code %d status %d", r, si.si_code,
          si.si_status);
    t_set(&shared[1], 1);
    r = waitpid(pid, &status, WUNTRACED);
    int stopped_again = r == pid && WIFSTOPPED(status);
    kill(pid, SIGCONT);
    r = waitpid(pid, &status, WCONTINUED);
    CHECK(stopped_again && r == pid && WIFCONTINUED(status), "waitpid WCONTINUED sees WIFCONTINUED", "r %d status %#x",
          r, status);
    t_set(&shared[1], 2);
    r = waitpid(pid, &status, 0);
    CHECK(r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 3, "the continued child exits normally",
          "r %d status %#x", r, status);

    /* Killed by a signal. */
    pid = fork();
    if (pid == 0) {
        kill(getpid(), SIGTERM);
        for (int i = 0; i < 1000; i++)
            t_nap_ms(10);
        _exit(0);
    }
    r = waitpid(pid, &status, 0);
    CHECK(r == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM && !WIFEXITED(status),
          "a child killed by SIGTERM is WIFSIGNALED with WTERMSIG SIGTERM", "status %#x", status);
    pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 1000; i++)
            t_nap_ms(10);
        _exit(0);
    }
    kill(pid, SIGKILL);
    memset(&si, 0, sizeof si);
    r = waitid(P_PID, pid, &si, WEXITED);
    CHECK(r == 0 && si.si_code == CLD_KILLED && si.si_status == SIGKILL, "waitid reports CLD_KILLED with SIGKILL",
          "code %d status %d", si.si_code, si.si_status);
    pid = fork();
    if (pid == 0) {
        prctl(PR_SET_DUMPABLE, 0); /* never dump core, whatever the limits */
        kill(getpid(), SIGQUIT);
        for (int i = 0; i < 1000; i++)
            t_nap_ms(10);
        _exit(0);
    }
    memset(&si, 0, sizeof si);
    r = waitid(P_PID, pid, &si, WEXITED);
    CHECK(r == 0 && si.si_code == CLD_KILLED && si.si_status == SIGQUIT,
          "a non-dumpable child killed by SIGQUIT is CLD_KILLED, not CLD_DUMPED", "code %d status %d", si.si_code,
          si.si_status);

    /* rusage. */
    pid = fork();
    if (pid == 0) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        do {
            for (volatile int i = 0; i < 100000; i++) {
            }
            clock_gettime(CLOCK_MONOTONIC, &b);
        } while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 100000000L);
        _exit(0);
    }
    struct rusage ru;
    memset(&ru, 0xff, sizeof ru);
    r = wait4(pid, &status, 0, &ru);
    long cpu_us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L +
                  ru.ru_stime.tv_usec;
    CHECK(r == pid && ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000 && cpu_us > 0,
          "wait4 fills rusage with the busy child's CPU time", "r %d", r);

    /* SIGCHLD ignored: children are reaped automatically; wait ends in ECHILD. */
    signal(SIGCHLD, SIG_IGN);
    pid = fork();
    if (pid == 0)
        _exit(1);
    errno = 0;
    r = waitpid(pid, &status, 0);
    CHECK(r == -1 && errno == ECHILD, "with SIGCHLD ignored the child is auto-reaped (ECHILD)", "r %d errno %d", r,
          errno);
    signal(SIGCHLD, SIG_DFL);

    /* Orphans are reparented to the child subreaper. */
    int rc = prctl(PR_SET_CHILD_SUBREAPER, 1);
    int isreaper = 0;
    prctl(PR_GET_CHILD_SUBREAPER, &isreaper);
    CHECK(rc == 0 && isreaper == 1, "PR_SET_CHILD_SUBREAPER is set", "rc %d val %d", rc, isreaper);
    t_set(&shared[2], 0);
    pid = fork();
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0) {
            /* Wait until our parent has exited, then check our new parent. */
            for (int i = 0; i < 10000 && getppid() != me; i++)
                t_nap_ms(1);
            _exit(getppid() == me ? 0 : 1);
        }
        t_set(&shared[2], g);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    pid_t g = shared[2];
    status = -1;
    r = g > 0 ? waitpid(g, &status, 0) : -1;
    CHECK(r == g && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "an orphaned grandchild is reparented to the subreaper and reaped by it", "r %d status %#x", r, status);

    errno = 0;
    CHECK(wait(&status) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("proc_wait");
}
