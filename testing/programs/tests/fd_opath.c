/* What an O_PATH descriptor can and cannot do: it only names a file.
 * fs_open covers read/write/fstat/F_GETFL/fchdir/openat; this covers the
 * other fd-taking calls (EBADF from lseek, ioctl, F_SETFL, fsync, ftruncate,
 * fchmod, fchown, flock, mmap, fallocate, readv, pread, sendfile; POLLNVAL
 * from poll, which select reports in all three sets) and what still works (dup keeping O_PATH, F_SETFD,
 * fstatfs, newfstatat with AT_EMPTY_PATH, close). */
#define _GNU_SOURCE
#include <poll.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fd_opath.d"

static long getfl(int fd) { return syscall(SYS_fcntl, fd, F_GETFL); }
/* -1 with EBADF? */
#define EBADF_OF(expr) (errno = 0, (expr) == -1 && errno == EBADF)

int main(void) {
    long r;
    int e;
    if (t_fresh_dir(D) != 0)
        return 1;
    t_put("f", "0123456789");
    int op = t_open("f", O_PATH, 0);
    int opd = t_open(".", O_PATH | O_DIRECTORY, 0);
    char buf[16];

    CHECK(EBADF_OF(syscall(SYS_lseek, op, 0, SEEK_SET)), "lseek on an O_PATH fd is EBADF", "errno %d", errno);
    int v = 1;
    CHECK(EBADF_OF(syscall(SYS_ioctl, op, FIONBIO, &v)) && EBADF_OF(syscall(SYS_ioctl, op, FIOCLEX, NULL)),
          "ioctl (even FIONBIO/FIOCLEX) on an O_PATH fd is EBADF", "errno %d", errno);
    CHECK(EBADF_OF(syscall(SYS_fcntl, op, F_SETFL, O_NONBLOCK)) && (getfl(op) & O_NONBLOCK) == 0,
          "F_SETFL on an O_PATH fd is EBADF", "errno %d", errno);
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
    CHECK(EBADF_OF(syscall(SYS_fcntl, op, F_GETLK, &fl)) && EBADF_OF(syscall(SYS_fcntl, op, F_SETLK, &fl)),
          "F_GETLK/F_SETLK on an O_PATH fd are EBADF", "errno %d", errno);
    CHECK(EBADF_OF(syscall(SYS_fsync, op)) && EBADF_OF(syscall(SYS_fdatasync, op)),
          "fsync and fdatasync on an O_PATH fd are EBADF", "errno %d", errno);
    CHECK(EBADF_OF(syscall(SYS_ftruncate, op, 0L)), "ftruncate on an O_PATH fd is EBADF", "errno %d", errno);
    CHECK(EBADF_OF(syscall(SYS_fchmod, op, 0600)) && EBADF_OF(syscall(SYS_fchown, op, 0, 0)),
          "fchmod and fchown on an O_PATH fd are EBADF", "errno %d", errno);
    CHECK(EBADF_OF(syscall(SYS_flock, op, LOCK_SH)), "flock on an O_PATH fd is EBADF", "errno %d", errno);
    errno = 0;
    void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, op, 0);
    CHECK(m == MAP_FAILED && errno == EBADF, "mmap of an O_PATH fd is EBADF", "errno %d", errno);
    CHECK(EBADF_OF(syscall(SYS_fallocate, op, 0, 0L, 10L)), "fallocate on an O_PATH fd is EBADF", "errno %d", errno);
    struct iovec iov = {buf, sizeof buf};
    CHECK(EBADF_OF(syscall(SYS_readv, op, &iov, 1)) && EBADF_OF(syscall(SYS_pread64, op, buf, 1, 0L)),
          "readv and pread on an O_PATH fd are EBADF", "errno %d", errno);
    int p[2];
    pipe(p);
    CHECK(EBADF_OF(syscall(SYS_sendfile, p[1], op, NULL, 5)), "sendfile from an O_PATH fd is EBADF", "errno %d",
          errno);
    CHECK(EBADF_OF(syscall(SYS_getdents64, opd, buf, sizeof buf)), "getdents64 on an O_PATH directory is EBADF",
          "errno %d", errno);
    struct pollfd pf = {op, POLLIN, 0};
    r = poll(&pf, 1, 0);
    CHECK(r == 1 && pf.revents == POLLNVAL, "poll reports POLLNVAL for an O_PATH fd", "%ld %#x", r, pf.revents);
    fd_set rs, ws, xs;
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_ZERO(&xs);
    FD_SET(op, &rs);
    FD_SET(op, &ws);
    FD_SET(op, &xs);
    struct timeval tv = {0, 0};
    r = syscall(SYS_select, op + 1, &rs, &ws, &xs, &tv);
    CHECK(r == 3 && FD_ISSET(op, &rs) && FD_ISSET(op, &ws) && FD_ISSET(op, &xs),
          "select reports an O_PATH fd in all three sets (POLLNVAL), not EBADF", "%ld errno %d", r, errno);

    /* what works */
    int d = dup(op);
    CHECK(d >= 0 && (getfl(d) & O_PATH) && EBADF_OF(read(d, buf, 1)), "dup of an O_PATH fd is O_PATH too",
          "fd %d flags %#lx", d, getfl(d));
    close(d);
    r = syscall(SYS_fcntl, op, F_SETFD, FD_CLOEXEC);
    CHECK(r == 0 && syscall(SYS_fcntl, op, F_GETFD) == FD_CLOEXEC, "F_SETFD works on an O_PATH fd", "%ld", r);
    struct statfs sf;
    r = fstatfs(op, &sf);
    CHECK(r == 0, "fstatfs works on an O_PATH fd", "%ld errno %d", r, errno);
    struct stat st;
    r = syscall(SYS_newfstatat, op, "", &st, AT_EMPTY_PATH);
    CHECK(r == 0 && st.st_size == 10, "newfstatat(AT_EMPTY_PATH) works on an O_PATH fd", "%ld", r);
    errno = 0;
    r = syscall(SYS_openat, op, "x", O_RDONLY);
    e = errno;
    CHECK(r == -1 && e == ENOTDIR, "openat relative to an O_PATH file is ENOTDIR", "%ld/%d", r, e);
    CHECK(close(op) == 0 && close(opd) == 0, "close works on O_PATH fds", "errno %d", errno);
    close(p[0]);
    close(p[1]);
    chdir("/");
    t_rm_rf(D);
    return t_done("fd_opath");
}
