/* Job control signals of single-threaded children: SA_NOCLDSTOP,
 * SA_NOCLDWAIT, SIGCONT discarding a pending stop and a stop discarding a
 * pending SIGCONT, a SIGCONT handler running after the continue, SIGTSTP
 * ignored, SIGTTIN stopping (and discarded in an orphaned process group),
 * waitid CLD_STOPPED/CLD_CONTINUED with WNOWAIT. Multithreaded stops are
 * in sig_stop_threads. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"

static volatile unsigned long *shared; /* [0], [1]: counters of two threads */

static void h_cont(int sig) {
    (void)sig;
    shared[2] = 1;
}

int main(void) {
    t_watchdog(40);
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int st;

    /* The multithreaded stop/continue is in ../pending/sig_stop_threads.c. */
    pid_t pid, r;
    /* 2. SA_NOCLDSTOP: no SIGCHLD for stop/continue, still for exit. */
    t_catch_chld(SA_NOCLDSTOP);
    t_chld_n = 0;
    pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    kill(pid, SIGSTOP);
    t_wait_poll(pid, &st, WUNTRACED);
    kill(pid, SIGCONT);
    t_wait_poll(pid, &st, WCONTINUED);
    t_sleep_ms(20);
    CHECK(t_chld_n == 0, "SA_NOCLDSTOP: no SIGCHLD for stop and continue", "n %d", t_chld_n);
    kill(pid, SIGTERM);
    r = t_wait_poll(pid, &st, 0);
    t_await_chld(1);
    CHECK(t_chld_n == 1 && t_chld_code[0] == CLD_KILLED, "SA_NOCLDSTOP: SIGCHLD still comes for the death", "n %d code %d",
          t_chld_n, t_chld_code[0]);

    /* 3. SA_NOCLDWAIT: children are reaped automatically; wait is ECHILD. */
    pid = fork();
    if (pid == 0) {
        t_catch_chld(SA_NOCLDWAIT);
        t_chld_n = 0;
        pid_t c = fork();
        if (c == 0)
            _exit(3);
        errno = 0;
        pid_t w = waitpid(-1, &st, 0);
        int e = errno;
        t_await_chld(1);
        int code = 0;
        if (!(w == -1 && e == ECHILD))
            code |= 1;
        if (t_chld_n != 1)
            code |= 2;
        _exit(code);
    }
    st = -1;
    t_wait_poll(pid, &st, 0);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 1) == 0, "SA_NOCLDWAIT: the child is reaped and wait blocks until ECHILD",
          "st %#x", st);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 2) == 0, "SA_NOCLDWAIT with a handler still delivers SIGCHLD", "st %#x",
          st);

    /* 4. A pending stop is discarded by SIGCONT, and a pending SIGCONT by a stop. */
    t_catch_chld(0);
    pid = fork();
    if (pid == 0) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGTSTP);
        sigaddset(&s, SIGCONT);
        sigprocmask(SIG_BLOCK, &s, NULL);
        raise(SIGTSTP);
        kill(getpid(), SIGCONT); /* discards the pending SIGTSTP */
        sigset_t p;
        sigpending(&p);
        int code = 0;
        if (sigismember(&p, SIGTSTP))
            code |= 1;
        if (!sigismember(&p, SIGCONT))
            code |= 2;
        raise(SIGTSTP); /* discards the pending SIGCONT */
        sigpending(&p);
        if (sigismember(&p, SIGCONT))
            code |= 4;
        if (!sigismember(&p, SIGTSTP))
            code |= 8;
        signal(SIGTSTP, SIG_IGN);
        _exit(code);
    }
    st = -1;
    t_wait_poll(pid, &st, 0);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 3) == 0, "SIGCONT discards a pending SIGTSTP", "st %#x", st);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 12) == 0, "a stop signal discards a pending SIGCONT", "st %#x", st);

    /* 5. SIGCONT's handler runs after the process is continued. */
    shared[2] = 0;
    pid = fork();
    if (pid == 0) {
        signal(SIGCONT, h_cont);
        for (;;)
            pause();
    }
    t_sleep_ms(10);
    kill(pid, SIGSTOP);
    t_wait_poll(pid, &st, WUNTRACED);
    kill(pid, SIGCONT);
    for (int i = 0; i < 3000 && !shared[2]; i++)
        t_sleep_ms(1);
    CHECK(shared[2] == 1, "a caught SIGCONT continues the process and runs its handler", "flag %lu", shared[2]);
    kill(pid, SIGKILL);
    t_wait_poll(pid, &st, 0);

    /* 6. Ignored SIGTSTP does not stop; default SIGTSTP/SIGTTIN stop. */
    pid = fork();
    if (pid == 0) {
        signal(SIGTSTP, SIG_IGN);
        raise(SIGTSTP);
        _exit(5);
    }
    st = -1;
    t_wait_poll(pid, &st, WUNTRACED);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5, "an ignored SIGTSTP does not stop", "st %#x", st);
    /* A group is orphaned when no member's parent is in another group of
     * the session, and a parent that is init does not count: run the test
     * from a middle process so that it works when we are PID 1. */
    pid = fork();
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0) {
            setpgid(0, 0);
            raise(SIGTTIN);
            _exit(6);
        }
        int gs = -1;
        int code = 0;
        if (!(t_wait_poll(g, &gs, WUNTRACED) == g && WIFSTOPPED(gs) && WSTOPSIG(gs) == SIGTTIN))
            code |= 1;
        kill(g, SIGCONT);
        gs = -1;
        t_wait_poll(g, &gs, 0);
        if (!(WIFEXITED(gs) && WEXITSTATUS(gs) == 6))
            code |= 2;
        _exit(code);
    }
    st = -1;
    r = t_wait_poll(pid, &st, 0);
    CHECK(r == pid && WIFEXITED(st) && (WEXITSTATUS(st) & 1) == 0, "default SIGTTIN stops with WSTOPSIG SIGTTIN",
          "st %#x", st);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 2) == 0, "after SIGCONT raise returns and the child exits", "st %#x", st);

    /* A new session's only group is orphaned: SIGTTIN there is discarded. */
    pid = fork();
    if (pid == 0) {
        setsid();
        raise(SIGTTIN);
        _exit(7);
    }
    st = -1;
    t_wait_poll(pid, &st, WUNTRACED);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7, "default SIGTTIN in an orphaned process group is discarded",
          "st %#x", st);
    if (WIFSTOPPED(st)) {
        kill(pid, SIGKILL);
        t_wait_poll(pid, &st, 0);
    }

    /* 7. waitid WSTOPPED|WNOWAIT leaves the report for a later waitpid. */
    pid = fork();
    if (pid == 0) {
        raise(SIGSTOP);
        for (;;)
            pause();
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int wr = -1;
    for (int i = 0; i < 3000; i++) {
        wr = waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT | WNOHANG);
        if (wr == 0 && si.si_pid == pid)
            break;
        t_sleep_ms(1);
    }
    CHECK(wr == 0 && si.si_code == CLD_STOPPED && si.si_status == SIGSTOP,
          "waitid WSTOPPED gives CLD_STOPPED with si_status SIGSTOP", "code %d status %d", si.si_code, si.si_status);
    r = waitpid(pid, &st, WUNTRACED | WNOHANG);
    CHECK(r == pid && WIFSTOPPED(st), "the WNOWAIT stop report is still there for waitpid", "st %#x", st);
    kill(pid, SIGCONT);
    memset(&si, 0, sizeof si);
    for (int i = 0; i < 3000; i++) {
        wr = waitid(P_PID, pid, &si, WCONTINUED | WNOHANG);
        if (wr == 0 && si.si_pid == pid)
            break;
        t_sleep_ms(1);
    }
    CHECK(wr == 0 && si.si_code == CLD_CONTINUED && si.si_status == SIGCONT,
          "waitid WCONTINUED gives CLD_CONTINUED with si_status SIGCONT", "code %d status %d", si.si_code,
          si.si_status);
    kill(pid, SIGKILL);
    t_wait_poll(pid, &st, 0);

    errno = 0;
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("sig_stopcont");
}
