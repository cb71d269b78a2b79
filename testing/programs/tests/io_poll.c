/* poll/ppoll/select/pselect6 edge cases beyond fs_pipe: nfds above
 * RLIMIT_NOFILE (poll EINVAL), the same fd twice, event filtering,
 * POLLRDNORM/POLLWRNORM, regular files always ready, ppoll and pselect6
 * writing the time left back (raw syscalls), invalid timeouts, select's
 * EBADF, negative nfds, nfds far above the open fds, tv_usec of a second
 * or more, and select's sets for a pipe whose other end closed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/select.h>
#include "../t.h"

static long sselect(int n, fd_set *r, fd_set *w, fd_set *x, struct timeval *tv) {
    return syscall(SYS_select, n, r, w, x, tv);
}
static int nfds_child(void) {
    struct rlimit rl = {16, 16};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 9;
    struct pollfd pf[17];
    for (int i = 0; i < 17; i++) {
        pf[i].fd = -1;
        pf[i].events = POLLIN;
    }
    if (poll(pf, 16, 0) != 0)
        return 1;
    errno = 0;
    if (!(poll(pf, 17, 0) == -1 && errno == EINVAL))
        return 2;
    return 0;
}

int main(void) {
    long r, r2;
    int e, p[2];
    alarm(20);
    pipe(p);

    pid_t pid = fork();
    if (pid == 0)
        _exit(nfds_child());
    int st = -1;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "poll with nfds up to RLIMIT_NOFILE works, one more is EINVAL",
          "status %#x", st);

    write(p[1], "x", 1);
    struct pollfd two[3] = {{p[0], POLLIN, 0}, {p[0], POLLIN | POLLOUT, 0}, {p[1], POLLIN, 0}};
    r = poll(two, 3, 0);
    CHECK(r == 2 && two[0].revents == POLLIN && two[1].revents == POLLIN && two[2].revents == 0,
          "the same fd twice is reported twice; events not asked are not reported", "%ld %#x %#x %#x", r,
          two[0].revents, two[1].revents, two[2].revents);
    struct pollfd norm[2] = {{p[0], POLLRDNORM | POLLRDBAND, 0}, {p[1], POLLWRNORM | POLLWRBAND, 0}};
    r = poll(norm, 2, 0);
    CHECK(r == 2 && norm[0].revents == POLLRDNORM && norm[1].revents == POLLWRNORM,
          "pipes report POLLRDNORM and POLLWRNORM, never the BAND events", "%ld %#x %#x", r, norm[0].revents,
          norm[1].revents);
    int f = open("/tmp", O_RDONLY | O_DIRECTORY);
    int n = open("/dev/null", O_RDWR);
    struct pollfd file[2] = {{f, POLLIN | POLLOUT | POLLPRI, 0}, {n, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM, 0}};
    r = poll(file, 2, 0);
    CHECK(r == 2 && file[0].revents == (POLLIN | POLLOUT) &&
              file[1].revents == (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM),
          "a directory and /dev/null are always readable and writable, never POLLPRI", "%ld %#x %#x", r,
          file[0].revents, file[1].revents);

    /* ppoll and pselect6 write back the time left */
    char c;
    read(p[0], &c, 1);
    struct pollfd pf = {p[0], POLLIN, 0};
    struct timespec ts = {0, 20000000};
    r = syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8);
    CHECK(r == 0 && ts.tv_sec == 0 && ts.tv_nsec == 0, "ppoll that times out writes back a zero timeout", "%ld %ld.%09ld",
          r, (long)ts.tv_sec, ts.tv_nsec);
    ts.tv_sec = 100;
    ts.tv_nsec = 0;
    write(p[1], "y", 1);
    r = syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8);
    CHECK(r == 1 && ts.tv_sec >= 99 && ts.tv_sec <= 100 && (ts.tv_sec < 100 || ts.tv_nsec == 0),
          "ppoll that returns early writes back the time left", "%ld %ld", r, (long)ts.tv_sec);
    read(p[0], &c, 1);
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    ts.tv_sec = 0;
    ts.tv_nsec = 20000000;
    r = syscall(SYS_pselect6, p[0] + 1, &rs, NULL, NULL, &ts, NULL);
    CHECK(r == 0 && ts.tv_sec == 0 && ts.tv_nsec == 0 && !FD_ISSET(p[0], &rs),
          "pselect6 that times out writes back a zero timeout", "%ld %ld.%09ld", r, (long)ts.tv_sec, ts.tv_nsec);
    ts.tv_sec = -1;
    ts.tv_nsec = 0;
    errno = 0;
    r = syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8);
    e = errno;
    ts.tv_sec = 0;
    ts.tv_nsec = 1000000000;
    errno = 0;
    r2 = syscall(SYS_pselect6, p[0] + 1, &rs, NULL, NULL, &ts, NULL);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL,
          "a negative ppoll timeout or a pselect6 tv_nsec of 10^9 is EINVAL", "%ld/%d %ld/%d", r, e, r2, errno);
    uint64_t mask = 0;
    ts.tv_sec = 0;
    ts.tv_nsec = 0;
    errno = 0;
    r = syscall(SYS_ppoll, &pf, 1, &ts, &mask, 4);
    CHECK(r == -1 && errno == EINVAL, "ppoll with a sigset size other than 8 is EINVAL", "%ld/%d", r, errno);

    /* select */
    fd_set ws, xs;
    struct timeval tv = {0, 0};
    /* fd 50: below the 64 slots every descriptor table has (select cuts
     * nfds down to the table's size, which depends on the fds inherited) */
    FD_ZERO(&rs);
    FD_SET(50, &rs);
    errno = 0;
    r = sselect(51, &rs, NULL, NULL, &tv);
    e = errno;
    FD_ZERO(&xs);
    FD_SET(50, &xs);
    errno = 0;
    r2 = sselect(51, NULL, NULL, &xs, &tv);
    CHECK(r == -1 && e == EBADF && r2 == -1 && errno == EBADF, "select on a closed fd is EBADF, in any set",
          "%ld/%d %ld/%d", r, e, r2, errno);
    FD_ZERO(&rs);
    FD_SET(50, &rs);
    r = sselect(50, &rs, NULL, NULL, &tv);
    CHECK(r == 0, "bits at or above nfds are ignored", "%ld errno %d", r, errno);
    errno = 0;
    r = sselect(-1, NULL, NULL, NULL, &tv);
    CHECK(r == -1 && errno == EINVAL, "select with a negative nfds is EINVAL", "%ld/%d", r, errno);
    FD_ZERO(&ws);
    FD_SET(p[1], &ws);
    r = sselect(INT_MAX, NULL, &ws, NULL, &tv);
    CHECK(r == 1 && FD_ISSET(p[1], &ws), "select with nfds far above the open fds works", "%ld errno %d", r, errno);
    tv.tv_sec = 0;
    tv.tv_usec = 1500000;
    FD_ZERO(&ws);
    FD_SET(p[1], &ws);
    r = sselect(p[1] + 1, NULL, &ws, NULL, &tv);
    CHECK(r == 1, "select takes a tv_usec of a second or more", "%ld errno %d", r, errno);
    tv.tv_sec = 0;
    tv.tv_usec = -1;
    errno = 0;
    r = sselect(p[1] + 1, NULL, &ws, NULL, &tv);
    CHECK(r == -1 && errno == EINVAL, "select with a negative tv_usec is EINVAL", "%ld/%d", r, errno);
    tv.tv_sec = 0;
    tv.tv_usec = 20000;
    r = sselect(0, NULL, NULL, NULL, &tv);
    CHECK(r == 0 && tv.tv_usec == 0, "select with no fds sleeps out its timeout", "%ld %ld", r, (long)tv.tv_usec);

    /* the other end closed */
    int q[2];
    pipe(q);
    close(q[0]);
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_ZERO(&xs);
    FD_SET(q[1], &rs);
    FD_SET(q[1], &ws);
    FD_SET(q[1], &xs);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    r = sselect(q[1] + 1, &rs, &ws, &xs, &tv);
    CHECK(r == 2 && FD_ISSET(q[1], &rs) && FD_ISSET(q[1], &ws) && !FD_ISSET(q[1], &xs),
          "a write end without readers is readable and writable for select (POLLERR)", "%ld %d %d %d", r,
          FD_ISSET(q[1], &rs), FD_ISSET(q[1], &ws), FD_ISSET(q[1], &xs));
    close(q[1]);
    pipe(q);
    close(q[1]);
    FD_ZERO(&rs);
    FD_ZERO(&xs);
    FD_SET(q[0], &rs);
    FD_SET(q[0], &xs);
    r = sselect(q[0] + 1, &rs, NULL, &xs, &tv);
    CHECK(r == 1 && FD_ISSET(q[0], &rs) && !FD_ISSET(q[0], &xs), "a read end without writers is readable (POLLHUP)",
          "%ld", r);
    struct pollfd hp = {q[1], POLLIN, 0};
    close(q[0]);
    r = poll(&hp, 1, 0);
    CHECK(r == 1 && hp.revents == POLLNVAL, "a closed fd in poll gives POLLNVAL", "%ld %#x", r, hp.revents);

    /* poll with a negative timeout waits for another process */
    pipe(q);
    pid = fork();
    if (pid == 0) {
        t_sleep_ms(50);
        write(q[1], "z", 1);
        _exit(0);
    }
    struct pollfd wp = {q[0], POLLIN, 0};
    r = poll(&wp, 1, -5);
    waitpid(pid, NULL, 0);
    CHECK(r == 1 && wp.revents == POLLIN, "poll with any negative timeout waits without limit", "%ld %#x", r,
          wp.revents);
    return t_done("io_poll");
}
