/* File status flags (F_GETFL/F_SETFL) versus descriptor flags (F_GETFD):
 * what F_SETFL may change (O_APPEND, O_NONBLOCK, O_ASYNC, O_NOATIME) and
 * what it never changes (the access mode, creation flags), status flags
 * shared by dup and fork while FD_CLOEXEC is per descriptor, O_DIRECT on a
 * pipe, and F_GETPIPE_SZ on a non-pipe. */
#define _GNU_SOURCE
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fd_flags.d"
#define K_LARGEFILE 0100000

static long getfl(int fd) { return syscall(SYS_fcntl, fd, F_GETFL); }
static long setfl(int fd, long fl) { return syscall(SYS_fcntl, fd, F_SETFL, fl); }
static long getfd(int fd) { return syscall(SYS_fcntl, fd, F_GETFD); }

int main(void) {
    long r, r2;
    int e;
    if (t_fresh_dir(D) != 0)
        return 1;
    t_put("f", "0123456789");

    int fd = t_open("f", O_RDONLY, 0);
    r = setfl(fd, O_WRONLY);
    r2 = setfl(fd, O_RDWR);
    errno = 0;
    long w = write(fd, "x", 1);
    e = errno;
    CHECK(r == 0 && r2 == 0 && getfl(fd) == (O_RDONLY | K_LARGEFILE) && w == -1 && e == EBADF,
          "F_SETFL never changes the access mode", "%ld %ld flags %#lx write %ld/%d", r, r2, getfl(fd), w, e);
    r = setfl(fd, O_ASYNC);
    CHECK(r == 0 && getfl(fd) == (O_RDONLY | K_LARGEFILE), "F_SETFL O_ASYNC on a regular file (no fasync) is dropped",
          "%ld %#lx", r, getfl(fd));
    r = setfl(fd, O_NOATIME);
    CHECK(r == 0 && getfl(fd) == (O_RDONLY | K_LARGEFILE | O_NOATIME), "F_SETFL sets O_NOATIME for the owner",
          "%ld %#lx", r, getfl(fd));
    r = setfl(fd, O_DSYNC | O_SYNC | O_DIRECTORY | O_NOFOLLOW | O_NOCTTY | O_PATH);
    CHECK(r == 0 && getfl(fd) == (O_RDONLY | K_LARGEFILE), "F_SETFL ignores O_SYNC, O_DSYNC, O_NOCTTY and open-only flags",
          "%ld %#lx", r, getfl(fd));
    r = setfl(fd, 0);
    CHECK(r == 0 && getfl(fd) == (O_RDONLY | K_LARGEFILE), "F_SETFL(0) clears the changeable flags", "%#lx",
          getfl(fd));
    close(fd);

    fd = t_open("f", O_WRONLY | O_SYNC, 0);
    r = getfl(fd);
    setfl(fd, 0);
    r2 = getfl(fd);
    CHECK(r == (O_WRONLY | O_SYNC | K_LARGEFILE) && r2 == r, "O_SYNC from open is reported and F_SETFL cannot clear it",
          "%#lx %#lx", r, r2);
    close(fd);

    /* status flags live in the description, FD_CLOEXEC in the fd */
    fd = t_open("f", O_RDWR, 0);
    int d = dup(fd);
    setfl(fd, O_APPEND | O_NONBLOCK);
    syscall(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
    CHECK(getfl(d) == (O_RDWR | O_APPEND | O_NONBLOCK | K_LARGEFILE) && getfd(d) == 0,
          "F_SETFL through one fd shows through its dup; FD_CLOEXEC does not", "%#lx %ld", getfl(d), getfd(d));
    r = write(d, "A", 1);
    struct stat st;
    fstat(fd, &st);
    CHECK(r == 1 && st.st_size == 11 && lseek(fd, 0, SEEK_CUR) == 11,
          "O_APPEND set on one fd makes the dup append", "%ld size %ld", r, (long)st.st_size);
    pid_t pid = fork();
    if (pid == 0) {
        setfl(d, O_RDWR);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(getfl(fd) == (O_RDWR | K_LARGEFILE), "F_SETFL in a forked child changes the parent's description", "%#lx",
          getfl(fd));
    int other = t_open("f", O_RDWR | O_APPEND, 0);
    CHECK(getfl(fd) == (O_RDWR | K_LARGEFILE) && getfl(other) == (O_RDWR | O_APPEND | K_LARGEFILE),
          "a second open has its own status flags", "%#lx %#lx", getfl(fd), getfl(other));
    close(other);
    close(d);
    close(fd);

    /* pipes */
    int p[2];
    pipe(p);
    CHECK(getfl(p[0]) == O_RDONLY && getfl(p[1]) == O_WRONLY, "pipe ends report no O_LARGEFILE", "%#lx %#lx",
          getfl(p[0]), getfl(p[1]));
    r = setfl(p[1], O_NONBLOCK | O_APPEND | O_ASYNC);
    CHECK(r == 0 && getfl(p[1]) == (O_WRONLY | O_NONBLOCK | O_APPEND | O_ASYNC) && getfl(p[0]) == O_RDONLY,
          "F_SETFL on a pipe end changes only that end and keeps O_ASYNC", "%#lx %#lx", getfl(p[1]), getfl(p[0]));
    r = setfl(p[0], O_DIRECT);
    CHECK(r == 0 && getfl(p[0]) == (O_RDONLY | O_DIRECT), "F_SETFL O_DIRECT on a pipe end is kept", "%ld %#lx",
          r, getfl(p[0]));
    close(p[0]);
    close(p[1]);
    r = syscall(SYS_pipe2, p, O_DIRECT);
    CHECK(r == 0 && getfl(p[0]) == O_RDONLY && getfl(p[1]) == (O_WRONLY | O_DIRECT),
          "pipe2(O_DIRECT) reports O_DIRECT on the write end only", "%ld %#lx %#lx", r, getfl(p[0]), getfl(p[1]));
    close(p[0]);
    close(p[1]);

    fd = t_open("f", O_RDONLY, 0);
    errno = 0;
    r = syscall(SYS_fcntl, fd, F_GETPIPE_SZ);
    e = errno;
    errno = 0;
    r2 = syscall(SYS_fcntl, fd, F_SETPIPE_SZ, 4096);
    CHECK(r == -1 && e == EBADF && r2 == -1 && errno == EBADF, "F_GETPIPE_SZ/F_SETPIPE_SZ on a file are EBADF",
          "%ld/%d %ld/%d", r, e, r2, errno);
    close(fd);
    errno = 0;
    r = setfl(300, 0);
    CHECK(r == -1 && errno == EBADF, "F_SETFL on a closed fd is EBADF", "%ld/%d", r, errno);

    chdir("/");
    t_rm_rf(D);
    return t_done("fd_flags");
}
