/* The descriptor table: lowest free number, RLIMIT_NOFILE and EMFILE for
 * open/dup/pipe/F_DUPFD, dup2 onto itself, dup2/dup3 past the limit, dup3
 * EINVAL, F_DUPFD's minimum, FD_CLOEXEC kept by dup3/F_DUPFD_CLOEXEC and
 * dropped by dup/dup2, close of a bad fd. Raw syscalls throughout. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include "../t.h"

static long getfd(int fd) { return syscall(SYS_fcntl, fd, F_GETFD); }
static int isopen(int fd) { return syscall(SYS_fcntl, fd, F_GETFD) >= 0; }

/* Runs f in a child with RLIMIT_NOFILE = 16 and fds 3..15 closed first;
 * the child's exit status is f's result. */
static int in_child(int (*f)(void)) {
    pid_t pid = fork();
    if (pid == 0) {
        alarm(10);
        syscall(SYS_close_range, 3, ~0U, 0);
        struct rlimit rl = {16, 16};
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            _exit(99);
        _exit(f());
    }
    int st = -1;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + (st & 0x7f);
}

static int fill(void) {
    for (int i = 3; i < 16; i++)
        if (syscall(SYS_dup2, 0, i) != i)
            return 0;
    return 1;
}
static int emfile_open(void) {
    if (!fill())
        return 1;
    errno = 0;
    long r = syscall(SYS_open, "/dev/null", O_RDONLY);
    return r == -1 && errno == EMFILE ? 0 : 2;
}
static int emfile_dup(void) {
    if (!fill())
        return 1;
    errno = 0;
    long r = syscall(SYS_dup, 0);
    int e1 = errno;
    errno = 0;
    long r2 = syscall(SYS_fcntl, 0, F_DUPFD, 0);
    int e2 = errno;
    errno = 0;
    long r3 = syscall(SYS_fcntl, 0, F_DUPFD_CLOEXEC, 5);
    int e3 = errno;
    return r == -1 && e1 == EMFILE && r2 == -1 && e2 == EMFILE && r3 == -1 && e3 == EMFILE ? 0 : 2;
}
static int emfile_pipe(void) {
    /* one slot left: pipe needs two, fails and leaves the slot free */
    if (!fill())
        return 1;
    close(15);
    int p[2] = {-5, -5};
    errno = 0;
    long r = syscall(SYS_pipe2, p, 0);
    int e = errno;
    if (!(r == -1 && e == EMFILE && p[0] == -5))
        return 2;
    return !isopen(15) && syscall(SYS_dup, 0) == 15 ? 0 : 3;
}
static int limit_edges(void) {
    errno = 0;
    long r = syscall(SYS_dup2, 0, 16);
    if (!(r == -1 && errno == EBADF))
        return 1;
    errno = 0;
    r = syscall(SYS_dup3, 0, 16, 0);
    if (!(r == -1 && errno == EBADF))
        return 2;
    if (syscall(SYS_dup2, 0, 15) != 15)
        return 3;
    errno = 0;
    r = syscall(SYS_fcntl, 0, F_DUPFD, 16);
    if (!(r == -1 && errno == EINVAL))
        return 4;
    r = syscall(SYS_fcntl, 0, F_DUPFD, 14);
    return r == 14 ? 0 : 5;
}
static int lowered(void) {
    /* fds above a lowered limit stay open and usable */
    if (syscall(SYS_dup2, 0, 12) != 12)
        return 1;
    struct rlimit rl = {5, 16};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 2;
    char c;
    if (!isopen(12) || read(12, &c, 0) != 0)
        return 3;
    errno = 0;
    long r = syscall(SYS_fcntl, 12, F_DUPFD, 6);
    if (!(r == -1 && errno == EINVAL))
        return 4;
    return syscall(SYS_close, 12) == 0 ? 0 : 5;
}

int main(void) {
    long r, r2, r3;
    int e;
    int a = syscall(SYS_open, "/dev/null", O_RDONLY);
    int b = syscall(SYS_open, "/dev/null", O_RDONLY);
    int c = syscall(SYS_open, "/dev/null", O_RDONLY);
    close(a);
    close(c);
    r = syscall(SYS_dup, b);
    r2 = syscall(SYS_open, "/dev/null", O_RDONLY);
    CHECK(b == a + 1 && c == b + 1 && r == a && r2 == c, "dup and open take the lowest free number",
          "%d %d %d %ld %ld", a, b, c, r, r2);
    close(r);
    close(r2);

    r = syscall(SYS_fcntl, b, F_DUPFD, 100);
    r2 = syscall(SYS_fcntl, b, F_DUPFD, 100);
    CHECK(r == 100 && r2 == 101, "F_DUPFD takes the lowest free number at or above its argument", "%ld %ld", r, r2);
    close(100);
    close(101);

    r = syscall(SYS_dup2, b, b);
    errno = 0;
    r2 = syscall(SYS_dup2, 200, 200);
    e = errno;
    CHECK(r == b && isopen(b) && r2 == -1 && e == EBADF, "dup2 onto itself returns the fd; for a closed fd EBADF",
          "%ld %ld/%d", r, r2, e);
    errno = 0;
    r = syscall(SYS_dup3, b, b, 0);
    e = errno;
    errno = 0;
    r2 = syscall(SYS_dup3, b, 50, O_NONBLOCK);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL && !isopen(50),
          "dup3 onto the same fd or with a flag other than O_CLOEXEC is EINVAL", "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    r = syscall(SYS_dup3, 200, 50, 0);
    CHECK(r == -1 && errno == EBADF && !isopen(50), "dup3 of a closed fd is EBADF", "%ld/%d", r, errno);

    /* FD_CLOEXEC is per descriptor */
    syscall(SYS_fcntl, b, F_SETFD, FD_CLOEXEC);
    r = syscall(SYS_dup, b);
    r2 = syscall(SYS_dup2, b, 60);
    r3 = syscall(SYS_fcntl, b, F_DUPFD, 70);
    CHECK(getfd(r) == 0 && getfd(r2) == 0 && getfd(r3) == 0 && getfd(b) == FD_CLOEXEC,
          "dup, dup2 and F_DUPFD give a copy without FD_CLOEXEC", "%ld %ld %ld", getfd(r), getfd(r2), getfd(r3));
    close(r);
    r = syscall(SYS_dup3, b, 61, O_CLOEXEC);
    r2 = syscall(SYS_fcntl, b, F_DUPFD_CLOEXEC, 71);
    CHECK(r == 61 && r2 == 71 && getfd(61) == FD_CLOEXEC && getfd(71) == FD_CLOEXEC,
          "dup3(O_CLOEXEC) and F_DUPFD_CLOEXEC set FD_CLOEXEC", "%ld %ld", getfd(61), getfd(71));
    syscall(SYS_fcntl, 61, F_SETFD, FD_CLOEXEC);
    r = syscall(SYS_dup2, b, 61);
    CHECK(r == 61 && getfd(61) == 0, "dup2 over a close-on-exec fd leaves the new one without FD_CLOEXEC", "%ld %ld",
          r, getfd(61));
    syscall(SYS_fcntl, b, F_SETFD, 0);
    r = syscall(SYS_fcntl, b, F_SETFD, 0xfe);
    CHECK(r == 0 && getfd(b) == 0, "F_SETFD ignores bits other than FD_CLOEXEC", "%ld %ld", r, getfd(b));
    close(60);
    close(61);
    close(70);
    close(71);

    /* dup2 onto an open fd replaces what it referred to */
    int p[2];
    pipe(p);
    r = syscall(SYS_dup2, b, p[1]);
    char ch;
    r2 = read(p[0], &ch, 1);
    CHECK(r == p[1] && r2 == 0, "dup2 onto an open fd closes its old file (the pipe sees EOF)", "%ld %ld", r, r2);
    close(p[0]);
    close(p[1]);

    /* close */
    errno = 0;
    r = syscall(SYS_close, 300);
    e = errno;
    errno = 0;
    r2 = syscall(SYS_close, -1);
    int e2 = errno;
    int d = syscall(SYS_dup, b);
    close(d);
    errno = 0;
    r3 = syscall(SYS_close, d);
    CHECK(r == -1 && e == EBADF && r2 == -1 && e2 == EBADF && r3 == -1 && errno == EBADF,
          "close of a closed, negative or already closed fd is EBADF", "%ld/%d %ld/%d %ld/%d", r, e, r2, e2, r3, errno);
    errno = 0;
    r = syscall(SYS_fcntl, 300, F_GETFD);
    e = errno;
    errno = 0;
    r2 = syscall(SYS_dup, 300);
    CHECK(r == -1 && e == EBADF && r2 == -1 && errno == EBADF, "fcntl and dup of a closed fd are EBADF",
          "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    r = syscall(SYS_fcntl, b, F_DUPFD, -1L);
    CHECK(r == -1 && errno == EINVAL, "F_DUPFD with a negative minimum is EINVAL", "%ld/%d", r, errno);
    r = syscall(SYS_fcntl, b, F_DUPFD, (1L << 32) + 40);
    CHECK(r == 40, "F_DUPFD uses the low 32 bits of its argument", "%ld/%d", r, errno);
    close(40);
    errno = 0;
    r = syscall(SYS_fcntl, b, 12345, 0);
    CHECK(r == -1 && errno == EINVAL, "an unknown fcntl command is EINVAL", "%ld/%d", r, errno);

    /* RLIMIT_NOFILE */
    CHECK(in_child(emfile_open) == 0, "open with every fd below RLIMIT_NOFILE in use is EMFILE", "child %d",
          in_child(emfile_open));
    CHECK(in_child(emfile_dup) == 0, "dup, F_DUPFD and F_DUPFD_CLOEXEC at the limit are EMFILE", "child %d",
          in_child(emfile_dup));
    CHECK(in_child(emfile_pipe) == 0, "pipe with one free fd is EMFILE and leaves it free", "child %d",
          in_child(emfile_pipe));
    CHECK(in_child(limit_edges) == 0, "dup2/dup3 at the limit are EBADF, F_DUPFD at the limit EINVAL", "child %d",
          in_child(limit_edges));
    CHECK(in_child(lowered) == 0, "fds above a lowered RLIMIT_NOFILE stay open and usable", "child %d",
          in_child(lowered));
    close(b);
    return t_done("fd_table");
}
