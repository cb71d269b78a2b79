/* Zero-length reads and writes still reach the file's read or write
 * method on Linux, so each file type answers in its own way: 0 for regular
 * files (no O_APPEND move, no RLIMIT_FSIZE signal), EISDIR for a
 * directory, ENOSPC for /dev/full, EINVAL for an eventfd, 0 without
 * SIGPIPE for a pipe with no reader, 0 at once for an empty pipe; the
 * access mode, offset, ESPIPE and buffer address checks come first; readv/writev with no
 * bytes return 0 before the file is asked. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/io_zero.d"

static long rd0(int fd) { return syscall(SYS_read, fd, NULL, 0L); }
static long wr0(int fd) { return syscall(SYS_write, fd, "", 0L); }

int main(void) {
    long r, r2;
    int e, st;
    alarm(20);
    if (t_fresh_dir(D) != 0)
        return 1;
    int fd = t_open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "abc", 3);
    lseek(fd, 1, SEEK_SET);
    r = rd0(fd);
    r2 = wr0(fd);
    CHECK(r == 0 && r2 == 0 && lseek(fd, 0, SEEK_CUR) == 1, "zero-length read and write on a file return 0",
          "%ld %ld", r, r2);
    int ap = t_open("f", O_WRONLY | O_APPEND, 0);
    r = wr0(ap);
    CHECK(r == 0 && lseek(ap, 0, SEEK_CUR) == 0, "a zero-length O_APPEND write does not move the position",
          "%ld %ld", r, (long)lseek(ap, 0, SEEK_CUR));
    close(ap);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = {2, 2};
        setrlimit(RLIMIT_FSIZE, &rl);
        lseek(fd, 10, SEEK_SET);
        _exit(wr0(fd) == 0 ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a zero-length write past RLIMIT_FSIZE is 0, no SIGXFSZ",
          "status %#x", st);

    int dir = t_open(".", O_RDONLY | O_DIRECTORY, 0);
    errno = 0;
    r = rd0(dir);
    CHECK(r == -1 && errno == EISDIR, "a zero-length read of a directory is EISDIR", "%ld/%d", r, errno);
    struct iovec none[1] = {{NULL, 0}};
    r = readv(dir, none, 1);
    r2 = readv(dir, none, 0);
    CHECK(r == 0 && r2 == 0, "readv of no bytes on a directory is 0", "%ld %ld", r, r2);
    int full = t_open("/dev/full", O_WRONLY, 0);
    errno = 0;
    r = wr0(full);
    CHECK(r == -1 && errno == ENOSPC, "a zero-length write to /dev/full is ENOSPC", "%ld/%d", r, errno);
    r = writev(full, none, 1);
    CHECK(r == 0, "writev of no bytes to /dev/full is 0", "%ld errno %d", r, errno);
    int ev = eventfd(0, 0);
    errno = 0;
    r = rd0(ev);
    e = errno;
    errno = 0;
    r2 = wr0(ev);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "zero-length read and write of an eventfd are EINVAL",
          "%ld/%d %ld/%d", r, e, r2, errno);

    int p[2];
    pipe(p);
    r = rd0(p[0]);
    CHECK(r == 0, "a zero-length read of an empty pipe returns 0 at once", "%ld", r);
    close(p[0]);
    pid = fork();
    if (pid == 0)
        _exit(wr0(p[1]) == 0 ? 0 : 1);
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a zero-length write to a pipe without readers is 0, no SIGPIPE",
          "status %#x", st);
    close(p[1]);
    pipe(p);
    errno = 0;
    r = syscall(SYS_pread64, p[0], NULL, 0L, 0L);
    e = errno;
    errno = 0;
    r2 = rd0(p[1]);
    CHECK(r == -1 && e == ESPIPE && r2 == -1 && errno == EBADF,
          "ESPIPE and the access mode are checked before the length", "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    r = syscall(SYS_pwrite64, fd, "", 0L, -1L);
    CHECK(r == -1 && errno == EINVAL, "a zero-length pwrite at a negative offset is EINVAL", "%ld/%d", r, errno);
    errno = 0;
    r = syscall(SYS_read, fd, (void *)0xffff800000000000UL, 0L);
    CHECK(r == -1 && errno == EFAULT, "a zero-length read into a kernel address is EFAULT", "%ld/%d", r, errno);
    close(p[0]);
    close(p[1]);
    close(ev);
    close(full);
    close(dir);
    close(fd);
    chdir("/");
    t_rm_rf(D);
    return t_done("io_zero");
}
