/* PID 1 as Linux starts it: in session 0 and process group 0, not a
 * session leader, so its setsid() succeeds and returns 1 (systemd calls
 * it). Children forked before that inherit session 0 and group 0; after
 * it, session 1 and group 1, and a second setsid() is EPERM. Guest-only:
 * it must be PID 1 (on the host: unshare --pid --fork). */
#define _GNU_SOURCE
#include <sys/wait.h>
#include <unistd.h>
#include "../t.h"

/* The child's (sid, pgid) packed into its exit status: 0 for 0/0, 1 for
 * 1/1, 2 otherwise. */
static int child_ids(void) {
    pid_t c = fork();
    if (c == 0) {
        pid_t s = getsid(0), g = getpgid(0);
        _exit(s == 0 && g == 0 ? 0 : s == 1 && g == 1 ? 1 : 2);
    }
    int st = 0;
    waitpid(c, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void) {
    t_watchdog(30);
    CHECK(getpid() == 1, "the test runs as PID 1", "pid %d", getpid());
    CHECK(getsid(0) == 0, "PID 1 starts in session 0", "getsid %d", getsid(0));
    CHECK(getpgid(0) == 0 && getpgrp() == 0, "PID 1 starts in process group 0", "getpgid %d", getpgid(0));
    CHECK(getsid(1) == 0 && getpgid(1) == 0, "getsid(1) and getpgid(1) agree", "getsid %d getpgid %d", getsid(1), getpgid(1));
    CHECK(child_ids() == 0, "a child forked before setsid is in session 0 and group 0", "child reported %d", child_ids());
    pid_t s = setsid();
    CHECK(s == 1, "setsid in PID 1 returns 1", "setsid %d errno %d", s, errno);
    CHECK(getsid(0) == 1 && getpgid(0) == 1, "then PID 1 leads session 1 and group 1", "getsid %d getpgid %d", getsid(0), getpgid(0));
    CHECK(child_ids() == 1, "a child forked after setsid is in session 1 and group 1", "child reported %d", child_ids());
    errno = 0;
    CHECK(setsid() == -1 && errno == EPERM, "a second setsid is EPERM", "errno %d", errno);
    return t_done("init_session");
}
