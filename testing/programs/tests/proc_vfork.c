/* vfork semantics: the parent is suspended until the child execs or exits,
 * the child borrows the parent's memory, its exit status reaches wait, a
 * failed execve in the child, signals sent to the suspended parent are
 * delivered once it resumes, and CLONE_VFORK through the raw clone call. */
#define _GNU_SOURCE
#include "../t.h"
#include <sched.h>
#include <stdlib.h>

static volatile int shared_word;
static volatile sig_atomic_t usr1_hits;
static volatile int seen_in_child, child_ppid_ok;
static void on_usr1(int s) { (void)s; usr1_hits++; }


int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--sleeper") == 0) {
        struct timespec ts = {0, 300000000};
        nanosleep(&ts, NULL);
        return 33;
    }
    t_watchdog(60);
    int status;

    /* 1: child's store is visible to the parent */
    shared_word = 0;
    pid_t p = vfork();
    if (p == 0) { shared_word = 1234; _exit(0); }
    CHECK(p > 0 && shared_word == 1234, "a store by the vfork child is seen by the parent", "p=%d v=%d", p, shared_word);
    waitpid(p, &status, 0);

    /* 2: parent suspended: child sleeps, then writes; parent sees it right after */
    shared_word = 0;
    p = vfork();
    if (p == 0) {
        struct timespec ts = {0, 200000000};
        nanosleep(&ts, NULL);
        shared_word = 5;
        _exit(0);
    }
    CHECK(shared_word == 5, "the parent does not run until the vfork child exits", "v=%d", shared_word);

    /* 3: exit status */
    int w = waitpid(p, &status, 0);
    CHECK(w == p && WIFEXITED(status) && WEXITSTATUS(status) == 0, "the vfork child is reaped by waitpid", "w=%d st=%x", w, status);
    p = vfork();
    if (p == 0) _exit(42);
    w = waitpid(p, &status, 0);
    CHECK(w == p && WIFEXITED(status) && WEXITSTATUS(status) == 42, "the vfork child's _exit status reaches the parent", "st=%x", status);

    /* 4: execve of a missing file fails in the child, which reports errno */
    shared_word = 0;
    p = vfork();
    if (p == 0) {
        char *av[] = {"nope", NULL};
        execve("/nonexistent/proc_vfork_missing", av, NULL);
        shared_word = errno;
        _exit(127);
    }
    w = waitpid(p, &status, 0);
    CHECK(shared_word == ENOENT, "execve of a missing file in the vfork child fails with ENOENT", "e=%d", shared_word);
    CHECK(w == p && WIFEXITED(status) && WEXITSTATUS(status) == 127, "the child then _exits with its own status", "st=%x", status);

    /* 5: the parent resumes when the child execs (the exec'd program then runs on) */
    shared_word = 0;
    p = vfork();
    if (p == 0) {
        shared_word = 9;
        char *av[] = {argv[0], "--sleeper", NULL};
        execve(argv[0], av, NULL);
        _exit(126);
    }
    int alive = waitpid(p, &status, WNOHANG);
    CHECK(shared_word == 9 && alive == 0, "the parent resumes at the child's execve, before the new program ends", "v=%d alive=%d", shared_word, alive);
    w = waitpid(p, &status, 0);
    CHECK(w == p && WIFEXITED(status) && WEXITSTATUS(status) == 33, "the program the vfork child exec'd runs to its end", "st=%x", status);

    /* 6: a signal sent to the suspended parent is delivered after it resumes */
    signal(SIGUSR1, on_usr1);
    usr1_hits = 0;
    pid_t parent = getpid();
    seen_in_child = -1;
    p = vfork();
    if (p == 0) {
        kill(parent, SIGUSR1);
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
        seen_in_child = usr1_hits;
        _exit(0);
    }
    int after = usr1_hits;
    waitpid(p, &status, 0);
    CHECK(seen_in_child == 0, "a signal to the parent is not handled while it is vfork-suspended", "seen=%d", seen_in_child);
    CHECK(after == 1, "the signal is delivered once the parent resumes", "hits=%d", after);

    /* 7: the vfork child's parent is the caller */
    child_ppid_ok = 0;
    p = vfork();
    if (p == 0) { child_ppid_ok = getppid() == parent; _exit(0); }
    waitpid(p, &status, 0);
    CHECK(child_ppid_ok == 1, "the vfork child's getppid is the caller", "ok=%d", child_ppid_ok);

    /* 8: raw clone(CLONE_VFORK|SIGCHLD) without CLONE_VM: memory copied, parent still waits */
    shared_word = 0;
    double t0 = t_now();
    long cp = syscall(SYS_clone, CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
    if (cp == 0) {
        shared_word = 55;
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
        syscall(SYS_exit, 4);
    }
    double waited = t_now() - t0;
    int wr = waitpid((pid_t)cp, &status, 0);
    CHECK(cp > 0 && shared_word == 0, "clone(CLONE_VFORK) without CLONE_VM does not share memory", "v=%d", shared_word);
    CHECK(waited >= 0.1 && wr == (pid_t)cp && WEXITSTATUS(status) == 4, "clone(CLONE_VFORK) returns only after the child's 100 ms sleep and exit", "wr=%d st=%x", wr, status);

    return t_done("proc_vfork");
}
