/* Process groups and sessions as signal targets and setpgid's rules:
 * kill(0) reaches the caller's group (and the caller), kill(-pgrp) every
 * member and nobody else, ESRCH for an empty group, signal 0 as an
 * existence probe (zombies included), setpgid EACCES after the child
 * exec'd, EPERM into a group of another session, ESRCH for a non-child,
 * EPERM for a session leader, joining an existing group. Everything runs
 * in a child that first makes its own session, so the caller's group is
 * never signalled. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"

static volatile int *hits; /* hits[i]: child i got SIGUSR1 */

static void h_usr1(int sig) {
    (void)sig;
}

/* A member that records SIGUSR1 in hits[slot] and exits. */
static pid_t member(int slot, pid_t pgid) {
    pid_t p = fork();
    if (p == 0) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        sigprocmask(SIG_BLOCK, &s, NULL);
        if (pgid >= 0)
            setpgid(0, pgid);
        hits[slot + 8] = 1; /* ready */
        struct timespec ts = {3, 0};
        int sig = sigtimedwait(&s, NULL, &ts);
        if (sig == SIGUSR1)
            hits[slot] = 1;
        _exit(0);
    }
    if (pgid >= 0)
        setpgid(p, pgid ? pgid : p);
    while (!hits[slot + 8])
        t_sleep_ms(1);
    return p;
}

static int body(void) {
    int st;
    int code = 0;
    signal(SIGUSR1, h_usr1);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);

    /* Group A = a new group led by member 0, with member 1; member 2 stays
     * in our group. */
    for (int i = 0; i < 16; i++)
        hits[i] = 0;
    pid_t a0 = member(0, 0);
    pid_t a1 = member(1, a0);
    pid_t b = member(2, -1);
    if (kill(-a0, SIGUSR1) != 0)
        code |= 1;
    t_wait_poll(a0, &st, 0);
    t_wait_poll(a1, &st, 0);
    t_sleep_ms(20);
    if (!(hits[0] && hits[1]))
        code |= 2; /* kill(-pgrp) reached every member */
    if (hits[2])
        code |= 4; /* ...and nobody outside */
    /* kill(0): our group, i.e. member 2 and ourselves. */
    if (kill(0, SIGUSR1) != 0)
        code |= 8;
    t_wait_poll(b, &st, 0);
    sigset_t p;
    sigpending(&p);
    if (!hits[2])
        code |= 16;
    if (!sigismember(&p, SIGUSR1))
        code |= 32; /* the caller is in its own group */
    struct timespec zero = {0, 0};
    sigtimedwait(&s, NULL, &zero);
    return code;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "wait")) {
        char ch;
        return read(0, &ch, 1) == 1 ? 0 : 1;
    }
    t_watchdog(30);
    hits = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int st;

    /* kill targets, inside a new session. */
    pid_t d = fork();
    if (d == 0) {
        setsid();
        _exit(body());
    }
    st = -1;
    t_wait_poll(d, &st, 0);
    int c = WIFEXITED(st) ? WEXITSTATUS(st) : 255;
    CHECK(c != 255 && !(c & 1), "kill(-pgrp) succeeds for a live group", "st %#x", st);
    CHECK(c != 255 && !(c & 2), "kill(-pgrp) reaches every member of the group", "st %#x", st);
    CHECK(c != 255 && !(c & 4), "kill(-pgrp) does not reach processes outside the group", "st %#x", st);
    CHECK(c != 255 && !(c & 8), "kill(0) succeeds", "st %#x", st);
    CHECK(c != 255 && !(c & 16), "kill(0) reaches the other members of the caller's group", "st %#x", st);
    CHECK(c != 255 && !(c & 32), "kill(0) also signals the caller", "st %#x", st);

    /* ESRCH and signal 0. */
    errno = 0;
    CHECK(kill(-0x3ffffff0, SIGUSR1) == -1 && errno == ESRCH, "kill of an empty process group is ESRCH", "errno %d",
          errno);
    errno = 0;
    CHECK(kill(0x3ffffff0, 0) == -1 && errno == ESRCH, "kill(pid, 0) of a missing pid is ESRCH", "errno %d", errno);
    pid_t z = fork();
    if (z == 0)
        _exit(0);
    siginfo_t si;
    waitid(P_PID, z, &si, WEXITED | WNOWAIT);
    CHECK(kill(z, 0) == 0, "kill(pid, 0) of a zombie succeeds", "errno %d", errno);
    CHECK(kill(z, SIGKILL) == 0, "kill of a zombie succeeds and does nothing", "errno %d", errno);
    st = -1;
    waitpid(z, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the zombie's status is its exit, not the late SIGKILL", "st %#x", st);
    errno = 0;
    CHECK(kill(getpid(), 65) == -1 && errno == EINVAL, "kill with signal 65 is EINVAL", "errno %d", errno);

    /* setpgid rules. */
    int pfd[2];
    pipe(pfd);
    pid_t e = fork();
    if (e == 0) {
        close(pfd[1]);
        char ch;
        read(pfd[0], &ch, 1); /* wait until the parent tried before exec */
        char *argv[] = {"/proc-pgrp-missing", NULL};
        execve(argv[0], argv, NULL); /* fails: still not exec'd */
        read(pfd[0], &ch, 1);
        _exit(0);
    }
    close(pfd[0]);
    CHECK(setpgid(e, e) == 0, "setpgid of a child before exec works", "errno %d", errno);
    write(pfd[1], "x", 1);
    t_sleep_ms(20);
    CHECK(setpgid(e, 0) == 0, "a failed execve does not count as exec", "errno %d", errno);
    write(pfd[1], "x", 1);
    waitpid(e, &st, 0);
    close(pfd[1]);

    pipe(pfd);
    e = fork();
    if (e == 0) {
        /* Exec ourselves in "wait" mode: it reads one byte from stdin. */
        close(pfd[1]);
        dup2(pfd[0], 0);
        char *args[] = {argv[0], "wait", NULL};
        execve(argv[0], args, NULL);
        _exit(127);
    }
    close(pfd[0]);
    /* Wait until the child has exec'd: its group stays until then. */
    t_sleep_ms(200);
    errno = 0;
    int r = setpgid(e, e);
    CHECK(r == -1 && errno == EACCES, "setpgid of a child after it exec'd is EACCES", "r %d errno %d", r, errno);
    write(pfd[1], "\n", 1);
    close(pfd[1]);
    waitpid(e, &st, 0);

    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the exec'd child ran and exited", "st %#x", st);
    /* A grandchild is not ours to move. */
    hits[15] = 0;
    pid_t m = fork();
    if (m == 0) {
        pid_t g = fork();
        if (g == 0) {
            t_sleep_ms(300);
            _exit(0);
        }
        hits[15] = g;
        waitpid(g, NULL, 0);
        _exit(0);
    }
    while (!hits[15])
        t_sleep_ms(1);
    errno = 0;
    r = setpgid(hits[15], 0);
    CHECK(r == -1 && errno == ESRCH, "setpgid of a grandchild is ESRCH", "r %d errno %d", r, errno);
    waitpid(m, NULL, 0);
    errno = 0;
    CHECK(setpgid(0x3ffffff0, 0) == -1 && errno == ESRCH, "setpgid of a missing pid is ESRCH", "errno %d", errno);

    /* A session leader cannot change its group; a child cannot join a
     * group of another session. */
    pid_t X = fork(); /* leader of a group in another session */
    if (X == 0) {
        setsid();
        t_sleep_ms(500);
        _exit(0);
    }
    while (getsid(X) != X)
        t_sleep_ms(1);
    pid_t L = fork();
    if (L == 0) {
        setsid();
        errno = 0;
        int code = 0;
        if (!(setpgid(0, 0) == -1 && errno == EPERM))
            code |= 1;
        pid_t k = fork();
        if (k == 0) {
            t_sleep_ms(300);
            _exit(0);
        }
        /* X's group is in another session. */
        errno = 0;
        if (!(setpgid(k, X) == -1 && errno == EPERM))
            code |= 2;
        /* A group that does not exist in this session. */
        errno = 0;
        if (!(setpgid(k, 0x3ffffff0) == -1 && errno == EPERM))
            code |= 4;
        /* Move k into a new group, then a second child into it. */
        if (setpgid(k, k) != 0)
            code |= 8;
        pid_t k2 = fork();
        if (k2 == 0) {
            t_sleep_ms(300);
            _exit(0);
        }
        if (setpgid(k2, k) != 0 || getpgid(k2) != k)
            code |= 16;
        waitpid(k, NULL, 0);
        waitpid(k2, NULL, 0);
        _exit(code);
    }
    st = -1;
    t_wait_poll(L, &st, 0);
    kill(X, SIGKILL);
    waitpid(X, NULL, 0);
    c = WIFEXITED(st) ? WEXITSTATUS(st) : 255;
    CHECK(c != 255 && !(c & 1), "setpgid by a session leader is EPERM", "st %#x", st);
    CHECK(c != 255 && !(c & 2), "setpgid into a group of another session is EPERM", "st %#x", st);
    CHECK(c != 255 && !(c & 4), "setpgid into a missing group is EPERM", "st %#x", st);
    CHECK(c != 255 && !(c & 8), "setpgid(child, child) makes a new group", "st %#x", st);
    CHECK(c != 255 && !(c & 16), "a second child can join that group", "st %#x", st);

    errno = 0;
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("proc_pgrp_kill");
}
