/* lseek, ftruncate/truncate and fallocate edges beyond fs_rw and fs_copy:
 * offsets that overflow (EINVAL, position kept), SEEK_HOLE at EOF and
 * SEEK_DATA in an empty file (ENXIO), the devices' lseek, O_APPEND moving
 * the position to the end, truncate on pipes/FIFOs/directories,
 * RLIMIT_FSIZE for ftruncate and fallocate (EFBIG with SIGXFSZ), and
 * fallocate's mode checks (PUNCH_HOLE needs KEEP_SIZE, unknown modes
 * EOPNOTSUPP before the EBADF of a read-only fd, EFBIG on overflow,
 * ENODEV for devices). */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include <sys/resource.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/io_seek.d"

static long slseek(int fd, long off, int whence) { return syscall(SYS_lseek, fd, off, whence); }
static long sfalloc(int fd, int mode, long off, long len) { return syscall(SYS_fallocate, fd, mode, off, len); }
static int fsize_child(int falloc) {
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {10000, 10000};
        setrlimit(RLIMIT_FSIZE, &rl);
        int fd = t_open("lim", O_RDWR | O_CREAT | O_TRUNC, 0644);
        long ok = falloc ? sfalloc(fd, 0, 0, 10000) : syscall(SYS_ftruncate, fd, 10000L);
        errno = 0;
        long r = falloc ? sfalloc(fd, 0, 5000, 5001) : syscall(SYS_ftruncate, fd, 10001L);
        int e = errno;
        _exit(ok == 0 && r == -1 && e == EFBIG && t_fsize(fd) == 10000 ? 0 : 1);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    return st;
}

int main(void) {
    long r, r2, r3;
    int e, st;
    char buf[256];
    if (t_fresh_dir(D) != 0)
        return 1;
    int fd = t_open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "0123456789", 10);

    /* lseek */
    slseek(fd, 4, SEEK_SET);
    errno = 0;
    r = slseek(fd, LONG_MAX, SEEK_CUR);
    e = errno;
    CHECK(r == -1 && e == EINVAL && slseek(fd, 0, SEEK_CUR) == 4,
          "SEEK_CUR past the largest offset is EINVAL and keeps the position", "%ld/%d", r, e);
    errno = 0;
    r = slseek(fd, LONG_MAX, SEEK_END);
    e = errno;
    CHECK(r == -1 && e == EINVAL && slseek(fd, 0, SEEK_CUR) == 4, "SEEK_END past the largest offset is EINVAL",
          "%ld/%d", r, e);
    errno = 0;
    r = slseek(fd, -5, SEEK_CUR);
    CHECK(r == -1 && errno == EINVAL && slseek(fd, 0, SEEK_CUR) == 4, "SEEK_CUR before 0 is EINVAL", "%ld/%d", r,
          errno);
    r = slseek(fd, 0, SEEK_CUR);
    r2 = slseek(fd, 10, SEEK_HOLE);
    e = errno;
    r3 = slseek(fd, 3, SEEK_HOLE);
    CHECK(r == 4 && r2 == -1 && e == ENXIO && r3 == 10, "SEEK_HOLE at EOF is ENXIO, before it the end of the file",
          "%ld %ld/%d %ld", r, r2, e, r3);
    int empty = t_open("e", O_RDWR | O_CREAT, 0644);
    errno = 0;
    r = slseek(empty, 0, SEEK_DATA);
    e = errno;
    errno = 0;
    r2 = slseek(empty, 0, SEEK_HOLE);
    CHECK(r == -1 && e == ENXIO && r2 == -1 && errno == ENXIO, "SEEK_DATA and SEEK_HOLE in an empty file are ENXIO",
          "%ld/%d %ld/%d", r, e, r2, errno);
    close(empty);
    int dn = t_open("/dev/null", O_RDWR, 0), dz = t_open("/dev/zero", O_RDONLY, 0);
    r = slseek(dn, 100, SEEK_SET);
    r2 = slseek(dz, 100, SEEK_SET);
    r3 = slseek(dn, -100, SEEK_CUR);
    CHECK(r == 0 && r2 == 0 && r3 == 0, "lseek on /dev/null and /dev/zero always returns 0", "%ld %ld %ld", r, r2, r3);
    close(dz);
    int ap = t_open("f", O_RDWR | O_APPEND, 0);
    slseek(ap, 2, SEEK_SET);
    write(ap, "ab", 2);
    r = slseek(ap, 0, SEEK_CUR);
    r2 = read(ap, buf, 10);
    CHECK(r == 12 && r2 == 0 && t_fsize(fd) == 12, "an O_APPEND write leaves the position at the new end", "%ld %ld", r,
          r2);
    close(ap);

    /* truncate */
    int p[2];
    pipe(p);
    errno = 0;
    r = syscall(SYS_ftruncate, p[1], 0L);
    e = errno;
    int dir = t_open(".", O_RDONLY | O_DIRECTORY, 0);
    errno = 0;
    r2 = syscall(SYS_ftruncate, dir, 0L);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "ftruncate on a pipe or a directory fd is EINVAL",
          "%ld/%d %ld/%d", r, e, r2, errno);
    mkfifo("fifo", 0644);
    errno = 0;
    r = truncate("fifo", 0);
    CHECK(r == -1 && errno == EINVAL, "truncate of a FIFO is EINVAL", "%ld/%d", r, errno);
    symlink("f", "link");
    r = truncate("link", 3);
    CHECK(r == 0 && t_fsize(fd) == 3, "truncate follows a symlink", "%ld %ld", r, t_fsize(fd));
    errno = 0;
    r = truncate("f/", 1);
    e = errno;
    errno = 0;
    r2 = truncate("", 1);
    CHECK(r == -1 && e == ENOTDIR && r2 == -1 && errno == ENOENT,
          "truncate of \"file/\" is ENOTDIR, of \"\" ENOENT", "%ld/%d %ld/%d", r, e, r2, errno);
    st = fsize_child(0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "ftruncate up to RLIMIT_FSIZE works, past it is EFBIG",
          "status %#x", st);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = {10000, 10000};
        setrlimit(RLIMIT_FSIZE, &rl);
        syscall(SYS_ftruncate, fd, 20000L);
        _exit(0);
    }
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGXFSZ, "ftruncate past RLIMIT_FSIZE raises SIGXFSZ", "status %#x", st);

    /* fallocate */
    syscall(SYS_ftruncate, fd, 0L);
    memset(buf, 'y', sizeof buf);
    pwrite(fd, buf, 200, 0);
    errno = 0;
    r = sfalloc(fd, FALLOC_FL_PUNCH_HOLE, 10, 20);
    CHECK(r == -1 && errno == EOPNOTSUPP, "FALLOC_FL_PUNCH_HOLE without KEEP_SIZE is EOPNOTSUPP", "%ld/%d", r, errno);
    r = sfalloc(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 10, 20);
    memset(buf, 1, sizeof buf);
    pread(fd, buf, 200, 0);
    CHECK(r == 0 && t_fsize(fd) == 200 && buf[9] == 'y' && t_all_zero(buf + 10, 20) && buf[30] == 'y',
          "PUNCH_HOLE|KEEP_SIZE zeroes exactly the range and keeps the size", "%ld size %ld", r, t_fsize(fd));
    r = sfalloc(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 150, 1000);
    CHECK(r == 0 && t_fsize(fd) == 200, "punching past EOF keeps the size", "%ld %ld", r, t_fsize(fd));
    errno = 0;
    r = sfalloc(fd, 0x1000, 0, 10);
    CHECK(r == -1 && errno == EOPNOTSUPP, "an unknown fallocate mode is EOPNOTSUPP", "%ld/%d", r, errno);
    int ro = t_open("f", O_RDONLY, 0);
    errno = 0;
    r = sfalloc(ro, 0, 0, 10);
    e = errno;
    errno = 0;
    r2 = sfalloc(ro, 0x1000, 0, 10);
    CHECK(r == -1 && e == EBADF && r2 == -1 && errno == EOPNOTSUPP,
          "fallocate on O_RDONLY is EBADF, but a bad mode is EOPNOTSUPP first", "%ld/%d %ld/%d", r, e, r2, errno);
    close(ro);
    errno = 0;
    r = sfalloc(fd, 0, LONG_MAX - 10, 100);
    e = errno;
    errno = 0;
    r2 = sfalloc(fd, 0, -1, 10);
    CHECK(r == -1 && e == EFBIG && r2 == -1 && errno == EINVAL && t_fsize(fd) == 200,
          "fallocate past the largest offset is EFBIG, a negative offset EINVAL", "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    r = sfalloc(dn, 0, 0, 10);
    e = errno;
    errno = 0;
    r2 = sfalloc(p[0], 0, 0, 10);
    CHECK(r == -1 && e == ENODEV && r2 == -1 && errno == EBADF,
          "fallocate on /dev/null is ENODEV, on a pipe's read end EBADF", "%ld/%d %ld/%d", r, e, r2, errno);
    st = fsize_child(1);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fallocate up to RLIMIT_FSIZE works, past it is EFBIG",
          "status %#x", st);

    close(dn);
    close(dir);
    close(p[0]);
    close(p[1]);
    close(fd);
    chdir("/");
    t_rm_rf(D);
    return t_done("io_seek");
}
