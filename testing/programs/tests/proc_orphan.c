/* Orphans and child subreapers: an orphan is reparented to its nearest
 * ancestor marked PR_SET_CHILD_SUBREAPER (the innermost of nested ones),
 * its getppid changes, the subreaper reaps it, PR_GET_CHILD_SUBREAPER reads
 * the flag and a fork does not inherit it. */
#define _GNU_SOURCE
#include "../t.h"
#include <stdlib.h>
#include <sys/prctl.h>

/* waits until getppid() differs from `old`, at most ~5 s */
static pid_t wait_reparent(pid_t old) {
    for (int i = 0; i < 500; i++) {
        pid_t p = getppid();
        if (p != old) return p;
        t_sleep_ms(10);
    }
    return getppid();
}

int main(void) {
    t_watchdog(60);
    int status, fl = -1;
    pid_t me = getpid();

    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0, "PR_SET_CHILD_SUBREAPER 1 succeeds", "e=%d", errno);
    CHECK(prctl(PR_GET_CHILD_SUBREAPER, &fl, 0, 0, 0) == 0 && fl == 1, "PR_GET_CHILD_SUBREAPER reads 1 after setting it", "fl=%d", fl);

    /* a forked child does not inherit the flag */
    pid_t c = fork();
    if (c == 0) {
        int f = -1;
        prctl(PR_GET_CHILD_SUBREAPER, &f, 0, 0, 0);
        _exit(f == 0 ? 0 : 1);
    }
    waitpid(c, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a forked child reads PR_GET_CHILD_SUBREAPER as 0", "st=%x", status);

    /* simple orphan: child forks grandchild, child exits; grandchild's new parent is us */
    int pfd[2];
    if (pipe(pfd) != 0) return 1;
    c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) {
            close(pfd[0]);
            pid_t np = wait_reparent(getppid() == me ? 0 : getppid());
            int r = (np == me) ? 1 : 0;
            write(pfd[1], &r, sizeof r);
            _exit(21);
        }
        _exit(0);
    }
    close(pfd[1]);
    waitpid(c, &status, 0);
    int r = -1;
    ssize_t n = read(pfd[0], &r, sizeof r);
    close(pfd[0]);
    CHECK(n == sizeof r && r == 1, "an orphan's getppid becomes the subreaper", "n=%zd r=%d", n, r);
    pid_t w = waitpid(-1, &status, 0);
    CHECK(w > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 21, "the subreaper reaps the orphan with wait", "w=%d st=%x", w, status);
    errno = 0;
    w = waitpid(-1, &status, WNOHANG);
    CHECK(w == -1 && errno == ECHILD, "after that the subreaper has no children left", "w=%d e=%d", w, errno);

    /* nested: we (outer) -> A (inner subreaper) -> B -> C; B exits; C goes to A */
    int q[2];
    if (pipe(q) != 0) return 1;
    pid_t a = fork();
    if (a == 0) {
        close(q[0]);
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        pid_t apid = getpid();
        pid_t b = fork();
        if (b == 0) {
            pid_t cc = fork();
            if (cc == 0) {
                pid_t bpid = getppid();
                pid_t np = wait_reparent(bpid);
                int v = (np == apid) ? 1 : (np == me ? 2 : 3);
                write(q[1], &v, sizeof v);
                _exit(31);
            }
            t_sleep_ms(50);
            _exit(0);
        }
        int st, got = 0, reaped_c = 0;
        for (int i = 0; i < 2; i++) {
            pid_t x = waitpid(-1, &st, 0);
            if (x == b) got |= 1;
            else if (x > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 31) { got |= 2; reaped_c = 1; }
        }
        _exit(reaped_c && got == 3 ? 10 : 11);
    }
    close(q[1]);
    int v = -1;
    n = read(q[0], &v, sizeof v);
    close(q[0]);
    CHECK(n == sizeof v && v == 1, "with nested subreapers the orphan goes to the innermost one", "n=%zd v=%d", n, v);
    w = waitpid(a, &status, 0);
    CHECK(w == a && WIFEXITED(status) && WEXITSTATUS(status) == 10, "the inner subreaper reaps both its child and the orphan", "st=%x", status);
    errno = 0;
    w = waitpid(-1, &status, WNOHANG);
    CHECK(w == -1 && errno == ECHILD, "the outer subreaper gets nothing from the inner one's subtree", "w=%d e=%d", w, errno);

    /* when the inner subreaper dies too, its orphan goes to the outer one */
    int s2[2];
    if (pipe(s2) != 0) return 1;
    a = fork();
    if (a == 0) {
        close(s2[0]);
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        pid_t g = fork();
        if (g == 0) {
            pid_t np = wait_reparent(getppid());
            int vv = (np == me) ? 1 : 0;
            write(s2[1], &vv, sizeof vv);
            _exit(41);
        }
        _exit(0);
    }
    close(s2[1]);
    waitpid(a, &status, 0);
    v = -1;
    n = read(s2[0], &v, sizeof v);
    close(s2[0]);
    CHECK(n == sizeof v && v == 1, "when the inner subreaper exits its orphans go to the outer one", "v=%d", v);
    w = waitpid(-1, &status, 0);
    CHECK(w > 0 && WEXITSTATUS(status) == 41, "the outer subreaper reaps that orphan", "st=%x", status);

    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) == 0 && prctl(PR_GET_CHILD_SUBREAPER, &fl, 0, 0, 0) == 0 && fl == 0,
          "PR_SET_CHILD_SUBREAPER 0 clears the flag", "fl=%d", fl);
    errno = 0;
    CHECK(prctl(PR_GET_CHILD_SUBREAPER, (int *)8, 0, 0, 0) == -1 && errno == EFAULT, "PR_GET_CHILD_SUBREAPER to a bad pointer is EFAULT", "e=%d", errno);
    return t_done("proc_orphan");
}
