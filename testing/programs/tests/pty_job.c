/* A pty as a controlling terminal: a session leader that opens the slave
 * without O_NOCTTY gets it (tcgetsid, /dev/tty), one that is not a leader
 * or passes O_NOCTTY does not; TIOCSCTTY (EPERM for a tty another session
 * holds); the foreground group (tcgetpgrp/tcsetpgrp, ENOTTY outside the
 * session); ISIG characters typed on the master signal the foreground
 * group (^C SIGINT echoed as "^C", ^\ SIGQUIT, ^Z SIGTSTP); TIOCSWINSZ
 * sends SIGWINCH; a background reader that ignores SIGTTIN gets EIO;
 * closing the master sends SIGHUP to the session leader. */
#define _GNU_SOURCE
#include <sys/sysmacros.h>
#include "../t.h"
#include "../pty.h"

static char name[64];
static int master;
static volatile sig_atomic_t got;
static void on_sig(int sig) { got = sig; }

/* Waits about 3 s for a signal to arrive: the signal number, or 0. */
static int await_sig(void) {
    for (int i = 0; i < 3000 && !got; i++)
        t_sleep_ms(1);
    return got;
}

static int leader_gets_ctty(void) {
    STEP(1, setsid() == getpid());
    int s = open(name, O_RDWR);
    STEP(2, s >= 0);
    STEP(3, tcgetsid(s) == getpid());
    STEP(4, tcgetpgrp(s) == getpgrp());
    int tty = open("/dev/tty", O_RDWR);
    STEP(5, tty >= 0 && write(tty, "via tty\n", 8) == 8);
    char buf[32];
    STEP(6, t_read_avail(master, buf, sizeof buf, 9, 2000) == 9 && strcmp(buf, "via tty\r\n") == 0);
    return 0;
}

static int noctty_or_not_leader(void) {
    int s = open(name, O_RDWR);
    STEP(1, s >= 0);
    STEP(2, FAILS(tcgetsid(s), ENOTTY));
    STEP(3, setsid() == getpid());
    int s2 = open(name, O_RDWR | O_NOCTTY);
    STEP(4, FAILS(tcgetsid(s2), ENOTTY));
    STEP(5, FAILS(open("/dev/tty", O_RDWR), ENXIO));
    STEP(6, ioctl(s2, TIOCSCTTY, 0) == 0 && tcgetsid(s2) == getpid());
    STEP(7, ioctl(s2, TIOCSCTTY, 0) == 0);
    return 0;
}

static int steal_refused(void) {
    STEP(1, setsid() == getpid());
    int s = open(name, O_RDWR | O_NOCTTY);
    STEP(2, s >= 0 && ioctl(s, TIOCSCTTY, 0) == 0);
    pid_t c = fork();
    if (c == 0) {
        setsid();
        int s2 = open(name, O_RDWR | O_NOCTTY);
        _exit(FAILS(ioctl(s2, TIOCSCTTY, 0), EPERM) && FAILS(tcgetpgrp(s2), ENOTTY) ? 0 : 1);
    }
    STEP(3, t_wait_exit(c) == 0);
    return 0;
}

static pid_t other_session; /* a process leading another session */

static int foreground_steps(int s, pid_t c) {
    STEP(2, tcsetpgrp(s, c) == 0 && tcgetpgrp(s) == c);
    signal(SIGTTOU, SIG_IGN);
    STEP(3, tcsetpgrp(s, getpgrp()) == 0 && tcgetpgrp(s) == getpgrp());
    STEP(4, FAILS(tcsetpgrp(s, other_session), EPERM));
    STEP(5, FAILS(tcsetpgrp(s, 0x3ffffff0), ESRCH));
    return 0;
}

static int foreground(void) {
    STEP(1, setsid() == getpid());
    int s = open(name, O_RDWR);
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        for (int i = 0; i < 300; i++)
            t_sleep_ms(10);
        _exit(0);
    }
    setpgid(c, c);
    int r = foreground_steps(s, c);
    t_kill_reap(c);
    return r;
}

/* Types character ch on the master; the leader must get signal `want`. */
static int typed(char ch, int want) {
    got = 0;
    t_handle(want, on_sig, 0);
    STEP(1, setsid() == getpid());
    int s = open(name, O_RDWR);
    STEP(2, s >= 0);
    STEP(3, write(master, &ch, 1) == 1);
    STEP(4, await_sig() == want);
    return 0;
}
static int typed_intr(void) { return typed(3, SIGINT); }
static int typed_quit(void) { return typed(034, SIGQUIT); }
static int typed_susp(void) { return typed(032, SIGTSTP); }

static int winch(void) {
    got = 0;
    t_handle(SIGWINCH, on_sig, 0);
    STEP(1, setsid() == getpid());
    int s = open(name, O_RDWR);
    STEP(2, s >= 0);
    struct winsize w = {30, 90, 0, 0};
    STEP(3, ioctl(master, TIOCSWINSZ, &w) == 0);
    STEP(4, await_sig() == SIGWINCH);
    return 0;
}

static int ttin(void) {
    STEP(1, setsid() == getpid());
    int s = open(name, O_RDWR);
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        signal(SIGTTIN, SIG_IGN);
        char b[8];
        _exit(FAILS(read(s, b, sizeof b), EIO) ? 0 : 1);
    }
    STEP(2, t_wait_exit(c) == 0);
    return 0;
}

static int outside_session(void) {
    int s = open(name, O_RDWR | O_NOCTTY);
    STEP(1, FAILS(tcgetpgrp(s), ENOTTY));
    STEP(2, FAILS(tcsetpgrp(s, getpgrp()), ENOTTY));
    return 0;
}

static int new_pair(void) {
    if (master >= 0)
        close(master);
    master = t_pty_master(O_NONBLOCK, name, sizeof name);
    return master;
}

int main(void) {
    t_watchdog(60);
    CHECK(t_devpts() == 0, "/dev/pts is devpts", "errno %d", errno);
    master = -1;
    CHECK(new_pair() >= 0, "a pair", "errno %d", errno);
    CHECK_CHILD(leader_gets_ctty, "a session leader opening the slave gets it as its terminal; /dev/tty opens it");
    new_pair();
    CHECK_CHILD(noctty_or_not_leader, "not for O_NOCTTY or a non-leader; TIOCSCTTY takes it");
    new_pair();
    CHECK_CHILD(steal_refused, "TIOCSCTTY on a tty another session holds: EPERM");
    new_pair();
    int sync[2];
    pipe(sync);
    other_session = fork();
    if (other_session == 0) {
        setsid();
        write(sync[1], "s", 1);
        for (int i = 0; i < 300; i++)
            t_sleep_ms(10);
        _exit(0);
    }
    char ch;
    read(sync[0], &ch, 1);
    CHECK_CHILD(foreground, "tcsetpgrp/tcgetpgrp within the session; EPERM for another session's group, ESRCH for none");
    new_pair();
    t_kill_reap(other_session);
    CHECK_CHILD(outside_session, "outside the tty's session tcgetpgrp and tcsetpgrp are ENOTTY");
    new_pair();
    CHECK_CHILD(typed_intr, "^C typed on the master: SIGINT to the foreground group");
    char buf[64];
    int r = t_read_avail(master, buf, sizeof buf, 2, 2000);
    CHECK(r == 2 && strcmp(buf, "^C") == 0, "and it is echoed as ^C", "r %d [%s]", r, buf);
    new_pair();
    CHECK_CHILD(typed_quit, "^\\ typed on the master: SIGQUIT");
    new_pair();
    CHECK_CHILD(typed_susp, "^Z typed on the master: SIGTSTP");
    new_pair();
    CHECK_CHILD(winch, "TIOCSWINSZ on the master: SIGWINCH to the foreground group");
    new_pair();
    CHECK_CHILD(ttin, "a background reader ignoring SIGTTIN: EIO");

    new_pair();
    int pipefd[2];
    pipe(pipefd);
    pid_t c = fork();
    if (c == 0) {
        close(master);
        got = 0;
        t_handle(SIGHUP, on_sig, 0);
        setsid();
        int s = open(name, O_RDWR);
        write(pipefd[1], "r", 1);
        int sig = await_sig();
        char b[8];
        long n = read(s, b, sizeof b);
        _exit(sig == SIGHUP && n == 0 ? 0 : 1);
    }
    char ready;
    read(pipefd[0], &ready, 1);
    close(master);
    master = -1;
    CHECK(t_wait_exit(c) == 0, "closing the master: SIGHUP to the session leader, its reads return 0", "child failed");
    CHECK_NO_CHILDREN();
    return t_done("pty_job");
}
