/* The bad-pointer sweep for file data buffers: read/write/pread/pwrite,
 * readv/writev iovec arrays and bases, getdents64, fcntl locks, xattr names
 * and values, pipe arrays, poll/ppoll/select and ioctl. Each pointer is
 * NULL, a just-unmapped page, or a kernel address, through raw syscall();
 * the answer must be EFAULT (or the NULL answer noted). The file must be
 * unchanged, no descriptor may leak, and the process must be alive after.
 * All I/O goes to files under /tmp/fs_badptr_io.d, never to fds 0-2. */
#define _GNU_SOURCE
#include "../badptr.h"

#define D "/tmp/fs_badptr_io.d"

int main(void) {
    int fd = t_badptr_start(D);
    if (fd < 0)
        return 1;
    char buf[512];
    mkdir("d", 0755);
    symlink("f", "sl");
    int dfd = syscall(SYS_open, "d", O_RDONLY | O_DIRECTORY);
    int first_free = dup(fd);
    close(first_free);

    /* data */
    SWEEP2("read/pread64 from a file into a bad buffer",
           (syscall(SYS_lseek, fd, 0, SEEK_SET), syscall(SYS_read, fd, B, 10)), syscall(SYS_pread64, fd, B, 10, 0));
    SWEEP2("write/pwrite64 to a file from a bad buffer", syscall(SYS_write, fd, B, 10),
           syscall(SYS_pwrite64, fd, B, 10, 0));
    SWEEP("readv with a bad iovec array", (syscall(SYS_lseek, fd, 0, SEEK_SET), syscall(SYS_readv, fd, B, 1)));
    SWEEP("readv with a bad iov_base", ({
              struct iovec iv = {B, 10};
              syscall(SYS_lseek, fd, 0, SEEK_SET);
              syscall(SYS_readv, fd, &iv, 1);
          }));
    SWEEP("writev with a bad iovec array", syscall(SYS_writev, fd, B, 1));
    SWEEP("writev with a bad iov_base", ({
              struct iovec iv = {B, 10};
              syscall(SYS_writev, fd, &iv, 1);
          }));
    SWEEP2("preadv/pwritev with a bad iovec array", syscall(SYS_preadv, fd, B, 1, 0L, 0L),
           syscall(SYS_pwritev, fd, B, 1, 0L, 0L));
    syscall(SYS_lseek, fd, 0, SEEK_SET);
    memset(buf, 0, sizeof buf);
    long n = syscall(SYS_read, fd, buf, sizeof buf);
    CHECK(n == 10 && memcmp(buf, "0123456789", 10) == 0 && t_path_size("f") == 10,
          "the file is unchanged by the failed writes", "read %ld size %ld", n, t_path_size("f"));
    SWEEP("getdents64 into a bad buffer", syscall(SYS_getdents64, dfd, B, sizeof buf));
    SWEEP2("fcntl F_GETLK/F_SETLK with a bad flock", syscall(SYS_fcntl, fd, F_GETLK, B),
           syscall(SYS_fcntl, fd, F_SETLK, B));

    /* xattrs */
    SWEEP2("getxattr with a bad path or name", syscall(SYS_getxattr, B, "user.a", buf, sizeof buf),
           syscall(SYS_getxattr, "f", B, buf, sizeof buf));
    SWEEP2("setxattr with a bad name or value", syscall(SYS_setxattr, "f", B, "v", 1, 0),
           syscall(SYS_setxattr, "f", "user.a", B, 16, 0));
    syscall(SYS_setxattr, "f", "user.a", "value", 5, 0);
    SWEEP2("getxattr/listxattr into a bad buffer", syscall(SYS_getxattr, "f", "user.a", B, 64),
           syscall(SYS_listxattr, "f", B, 64));
    n = syscall(SYS_getxattr, "f", "user.a", buf, sizeof buf);
    CHECK(n == 5 && memcmp(buf, "value", 5) == 0, "the attribute is intact after the failed calls", "ret %ld", n);

    /* pipes, poll, select */
    SWEEP2("pipe/pipe2 into a bad array", syscall(SYS_pipe, B), syscall(SYS_pipe2, B, O_CLOEXEC));
    int probe = dup(fd);
    CHECK(probe == first_free, "a failed pipe leaks no descriptors", "next fd %d, expected %d", probe, first_free);
    close(probe);
    int p[2];
    syscall(SYS_pipe, p);
    SWEEP("poll with a bad fd array", syscall(SYS_poll, B, 1, 0));
    /* with nfds 0 nothing is copied, but the final write-back still runs
     * access_ok on the array: a kernel address fails, user addresses pass */
    long z0 = syscall(SYS_poll, P[0], 0, 0), z1 = syscall(SYS_poll, P[1], 0, 0);
    errno = 0;
    long z2 = syscall(SYS_poll, P[2], 0, 0);
    CHECK(z0 == 0 && z1 == 0 && z2 == -1 && errno == EFAULT,
          "poll with nfds 0: NULL or unmapped array is 0, a kernel address EFAULT", "%ld %ld %ld/%d", z0, z1, z2,
          errno);
    SWEEP_NULLOK("ppoll with a bad timeout (NULL waits)", _nr == 1, ({
                     /* the write end is ready, so a NULL timeout returns 1 at once */
                     struct pollfd pf = {p[1], POLLOUT, 0};
                     syscall(SYS_ppoll, &pf, 1, B, NULL, 8);
                 }));
    SWEEP_NULLOK("select with a bad read set (NULL is fine)", _nr == 0, ({
                     struct timeval tv = {0, 0};
                     syscall(SYS_select, p[0] + 1, B, NULL, NULL, &tv);
                 }));
    SWEEP_NULLOK("select with a bad timeout (NULL waits)", _nr == 1, ({
                     fd_set ws;
                     FD_ZERO(&ws);
                     FD_SET(p[1], &ws);
                     /* the write end is ready, so a NULL timeout returns 1 at once */
                     syscall(SYS_select, p[1] + 1, NULL, &ws, NULL, B);
                 }));
    SWEEP("ioctl(FIONREAD) into a bad pointer", syscall(SYS_ioctl, p[0], 0x541B, B));
    close(p[0]);
    close(p[1]);

    t_badptr_finish(D, fd, dfd);
    return t_done("fs_badptr_io");
}
