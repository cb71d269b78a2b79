/* The generic ioctls every file has (FIONBIO, FIOCLEX, FIONCLEX, FIONREAD,
 * FIOASYNC) and ENOTTY for everything else on files, directories, pipes and
 * /dev/null: isatty, TCGETS and TIOCGWINSZ on non-ttys. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fd_ioctl.d"
#define K_LARGEFILE 0100000

static long getfl(int fd) { return syscall(SYS_fcntl, fd, F_GETFL); }
static long getfd(int fd) { return syscall(SYS_fcntl, fd, F_GETFD); }
static long sioctl(int fd, unsigned long req, void *arg) { return syscall(SYS_ioctl, fd, req, arg); }
/* errno of ioctl(fd, req), or 0 if it succeeded */
static int ioerr(int fd, unsigned long req) {
    char buf[256];
    memset(buf, 0, sizeof buf);
    errno = 0;
    return sioctl(fd, req, buf) == 0 ? 0 : errno;
}

int main(void) {
    long r, r2;
    int v, e;
    if (t_fresh_dir(D) != 0)
        return 1;
    int fd = t_open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "0123456789", 10);
    int dir = t_open(".", O_RDONLY | O_DIRECTORY, 0);
    int null = t_open("/dev/null", O_RDWR, 0);
    int p[2];
    pipe(p);

    /* FIONBIO */
    v = 1;
    r = sioctl(fd, FIONBIO, &v);
    int d = dup(fd);
    CHECK(r == 0 && getfl(d) == (O_RDWR | O_NONBLOCK | K_LARGEFILE), "FIONBIO sets O_NONBLOCK on the description",
          "%ld %#lx", r, getfl(d));
    v = 0;
    r = sioctl(d, FIONBIO, &v);
    CHECK(r == 0 && getfl(fd) == (O_RDWR | K_LARGEFILE), "FIONBIO 0 clears it", "%ld %#lx", r, getfl(fd));
    v = 1;
    r = sioctl(p[0], FIONBIO, &v);
    char ch;
    errno = 0;
    r2 = read(p[0], &ch, 1);
    CHECK(r == 0 && r2 == -1 && errno == EAGAIN, "FIONBIO on a pipe makes an empty read EAGAIN", "%ld %ld/%d", r, r2,
          errno);
    v = 0;
    sioctl(p[0], FIONBIO, &v);

    /* FIOCLEX / FIONCLEX */
    r = sioctl(fd, FIOCLEX, NULL);
    CHECK(r == 0 && getfd(fd) == FD_CLOEXEC && getfd(d) == 0, "FIOCLEX sets FD_CLOEXEC on that fd only", "%ld %ld %ld",
          r, getfd(fd), getfd(d));
    r = sioctl(fd, FIONCLEX, NULL);
    CHECK(r == 0 && getfd(fd) == 0, "FIONCLEX clears it", "%ld %ld", r, getfd(fd));
    r = sioctl(null, FIOCLEX, NULL);
    r2 = sioctl(p[1], FIOCLEX, NULL);
    CHECK(r == 0 && r2 == 0 && getfd(null) == FD_CLOEXEC && getfd(p[1]) == FD_CLOEXEC,
          "FIOCLEX works on /dev/null and pipes", "%ld %ld", r, r2);
    close(d);

    /* FIONREAD on a regular file: size minus the file position */
    lseek(fd, 3, SEEK_SET);
    v = -1;
    r = sioctl(fd, FIONREAD, &v);
    CHECK(r == 0 && v == 7, "FIONREAD on a file is the bytes after the position", "%ld %d", r, v);
    lseek(fd, 25, SEEK_SET);
    v = -1;
    r = sioctl(fd, FIONREAD, &v);
    CHECK(r == 0 && v == -15, "FIONREAD past EOF is negative (size - position)", "%ld %d", r, v);
    write(p[1], "abc", 3);
    v = -1;
    r = sioctl(p[0], FIONREAD, &v);
    CHECK(r == 0 && v == 3, "FIONREAD on a pipe counts its bytes", "%ld %d", r, v);
    e = ioerr(dir, FIONREAD);
    r = ioerr(null, FIONREAD);
    CHECK(e == ENOTTY && r == ENOTTY, "FIONREAD on a directory or /dev/null is ENOTTY", "%d %ld", e, r);

    /* FIOASYNC needs a file with fasync: pipes have it, regular files not */
    v = 1;
    r = sioctl(p[0], FIOASYNC, &v);
    CHECK(r == 0 && getfl(p[0]) == (O_RDONLY | O_ASYNC), "FIOASYNC on a pipe sets O_ASYNC", "%ld %#lx", r,
          getfl(p[0]));
    v = 0;
    sioctl(p[0], FIOASYNC, &v);
    v = 1;
    errno = 0;
    r = sioctl(fd, FIOASYNC, &v);
    e = errno;
    CHECK(r == -1 && e == ENOTTY && getfl(fd) == (O_RDWR | K_LARGEFILE), "FIOASYNC on a regular file is ENOTTY",
          "%ld/%d %#lx", r, e, getfl(fd));

    /* everything else is ENOTTY */
    int fds[5] = {fd, dir, null, p[0], p[1]};
    int ok = 1;
    for (int i = 0; i < 5; i++)
        if (ioerr(fds[i], TCGETS) != ENOTTY || ioerr(fds[i], TIOCGWINSZ) != ENOTTY ||
            ioerr(fds[i], TIOCGPGRP) != ENOTTY)
            ok = 0;
    CHECK(ok, "TCGETS, TIOCGWINSZ and TIOCGPGRP on files, directories, pipes and /dev/null are ENOTTY", "%d %d %d",
          ioerr(fd, TCGETS), ioerr(null, TCGETS), ioerr(p[0], TIOCGWINSZ));
    ok = 1;
    for (int i = 0; i < 5; i++)
        if (ioerr(fds[i], 0x12345678) != ENOTTY || ioerr(fds[i], 0) != ENOTTY)
            ok = 0;
    CHECK(ok, "unknown ioctl numbers are ENOTTY", "%d %d", ioerr(fd, 0x12345678), ioerr(p[1], 0));
    errno = 0;
    r = isatty(fd);
    e = errno;
    errno = 0;
    r2 = isatty(p[0]);
    int e2 = errno;
    CHECK(r == 0 && e == ENOTTY && r2 == 0 && e2 == ENOTTY && !isatty(null), "isatty is 0 with ENOTTY on non-ttys",
          "%ld/%d %ld/%d", r, e, r2, e2);
    struct termios t;
    errno = 0;
    r = tcgetattr(p[1], &t);
    CHECK(r == -1 && errno == ENOTTY, "tcgetattr on a pipe is ENOTTY", "%ld/%d", r, errno);
    errno = 0;
    r = sioctl(300, FIONBIO, &v);
    e = errno;
    errno = 0;
    r2 = sioctl(300, 0x12345678, NULL);
    CHECK(r == -1 && e == EBADF && r2 == -1 && errno == EBADF, "ioctl on a closed fd is EBADF", "%ld/%d %ld/%d", r, e,
          r2, errno);

    close(fd);
    close(dir);
    close(null);
    close(p[0]);
    close(p[1]);
    chdir("/");
    t_rm_rf(D);
    return t_done("fd_ioctl");
}
