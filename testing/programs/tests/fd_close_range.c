/* close_range(2): closing a range, ranges past the table and up to ~0U,
 * CLOSE_RANGE_CLOEXEC marking instead of closing, CLOSE_RANGE_UNSHARE in a
 * CLONE_FILES child, EINVAL for first > last and unknown flags; and
 * descriptor tables shared by CLONE_FILES and copied by fork. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include "../t.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static long getfd(int fd) { return syscall(SYS_fcntl, fd, F_GETFD); }
static int isopen(int fd) { return syscall(SYS_fcntl, fd, F_GETFD) >= 0; }
static long crange(unsigned a, unsigned b, unsigned f) { return syscall(SYS_close_range, a, b, f); }
static void open_at(int fd) { syscall(SYS_dup2, 0, fd); }
static int count_open(int lo, int hi) {
    int n = 0;
    for (int i = lo; i <= hi; i++)
        n += isopen(i);
    return n;
}

static char stack[64 * 1024] __attribute__((aligned(16)));
static volatile int child_arg;
static int child_close_range(void *arg) {
    (void)arg;
    _exit(crange(child_arg, child_arg, child_arg == 40 ? CLOSE_RANGE_UNSHARE : 0) == 0 ? 0 : 1);
}
/* Runs child_close_range in a CLONE_FILES child; returns its status. */
static int files_child(int fd) {
    child_arg = fd;
    pid_t pid = clone(child_close_range, stack + sizeof stack, CLONE_FILES | SIGCHLD, NULL);
    int st = -1;
    waitpid(pid, &st, 0);
    return st;
}

int main(void) {
    long r, r2;
    int e;
    alarm(20);
    for (int i = 20; i < 30; i++)
        open_at(i);
    r = crange(22, 25, 0);
    CHECK(r == 0 && count_open(20, 29) == 6 && isopen(21) && !isopen(22) && !isopen(25) && isopen(26),
          "close_range closes exactly first..last", "ret %ld open %d", r, count_open(20, 29));
    r = crange(28, 1000, 0);
    CHECK(r == 0 && !isopen(28) && !isopen(29) && isopen(27), "a range past the last open fd is fine", "ret %ld", r);
    r = crange(22, 25, 0);
    CHECK(r == 0, "a range of closed fds is not an error", "ret %ld errno %d", r, errno);
    errno = 0;
    r = crange(25, 22, 0);
    e = errno;
    CHECK(r == -1 && e == EINVAL && isopen(20), "first > last is EINVAL", "ret %ld errno %d", r, e);
    errno = 0;
    r = crange(20, 21, 1U << 0);
    e = errno;
    errno = 0;
    r2 = crange(20, 21, 1U << 3);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL && isopen(20),
          "unknown close_range flags are EINVAL and close nothing", "%ld/%d %ld/%d", r, e, r2, errno);

    r = crange(20, 23, CLOSE_RANGE_CLOEXEC);
    CHECK(r == 0 && getfd(20) == FD_CLOEXEC && getfd(21) == FD_CLOEXEC && isopen(20) && getfd(26) == 0 &&
              !isopen(22),
          "CLOSE_RANGE_CLOEXEC marks the open fds close-on-exec and opens none", "ret %ld %ld %ld", r, getfd(20),
          getfd(26));
    r = crange(24, ~0U, CLOSE_RANGE_CLOEXEC);
    CHECK(r == 0 && getfd(26) == FD_CLOEXEC && getfd(27) == FD_CLOEXEC && getfd(2) == 0,
          "CLOSE_RANGE_CLOEXEC up to ~0U", "ret %ld", r);
    r = crange(20, ~0U, 0);
    CHECK(r == 0 && count_open(20, 29) == 0 && isopen(0), "close_range up to ~0U closes everything from first",
          "ret %ld open %d", r, count_open(20, 29));

    /* a dup'd fd's file stays open when close_range closes the original */
    int p[2];
    pipe(p);
    int keep = dup(p[1]);
    open_at(90);
    crange(p[1], p[1], 0);
    r = write(keep, "k", 1);
    char ch;
    r2 = read(p[0], &ch, 1);
    CHECK(r == 1 && r2 == 1 && !isopen(p[1]), "closing one of two fds of a pipe end keeps the end open",
          "%ld %ld", r, r2);
    close(keep);
    r = read(p[0], &ch, 1);
    CHECK(r == 0, "closing the last write fd gives EOF", "%ld", r);
    close(p[0]);

    /* CLONE_FILES shares the table; CLOSE_RANGE_UNSHARE unshares first */
    open_at(30);
    open_at(40);
    int st = files_child(30);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && !isopen(30),
          "close_range in a CLONE_FILES child closes the parent's fd", "status %#x", st);
    st = files_child(40);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && isopen(40),
          "CLOSE_RANGE_UNSHARE in a CLONE_FILES child leaves the parent's fd open", "status %#x", st);
    pid_t pid = fork();
    if (pid == 0) {
        crange(40, 40, 0);
        open_at(41);
        _exit(0);
    }
    waitpid(pid, &st, 0);
    CHECK(isopen(40) && !isopen(41), "a forked child's table is a copy", "%d %d", isopen(40), isopen(41));
    pid = fork();
    if (pid == 0)
        _exit(isopen(40) && getfd(90) == 0 ? 0 : 1);
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork copies every open fd", "status %#x", st);
    syscall(SYS_fcntl, 90, F_SETFD, FD_CLOEXEC);
    pid = fork();
    if (pid == 0)
        _exit(getfd(90) == FD_CLOEXEC ? 0 : 1);
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork keeps FD_CLOEXEC", "status %#x", st);
    crange(3, ~0U, 0);
    return t_done("fd_close_range");
}
