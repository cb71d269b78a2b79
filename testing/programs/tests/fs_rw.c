/* read/write/lseek/pread64/pwrite64/readv/writev/preadv/pwritev on regular
 * files: short reads at EOF, sparse files, SEEK_SET/CUR/END/DATA/HOLE,
 * lseek and pread errors, shared offsets after dup and fork, ftruncate and
 * truncate, RLIMIT_FSIZE, and a 4 MiB write read back. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_rw.d"

static long slseek(int fd, long off, int whence) { return syscall(SYS_lseek, fd, off, whence); }
static long spread(int fd, void *b, long n, long off) { return syscall(SYS_pread64, fd, b, n, off); }
static long spwrite(int fd, const void *b, long n, long off) { return syscall(SYS_pwrite64, fd, b, n, off); }

int main(void) {
    long r, r2, r3;
    int e, status;
    char buf[512];
    if (t_fresh_dir(D) != 0)
        return 1;

    /* short reads at EOF */
    int fd = t_open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    r = write(fd, "0123456789", 10);
    CHECK(r == 10 && slseek(fd, 0, SEEK_CUR) == 10, "write returns the count and advances the offset",
          "ret %ld", r);
    slseek(fd, 0, SEEK_SET);
    r = read(fd, buf, sizeof buf);
    r2 = read(fd, buf, sizeof buf);
    r3 = read(fd, buf, 0);
    CHECK(r == 10 && r2 == 0 && r3 == 0, "read is short at EOF, then returns 0", "%ld %ld %ld", r, r2, r3);
    slseek(fd, 6, SEEK_SET);
    r = read(fd, buf, 100);
    CHECK(r == 4 && memcmp(buf, "6789", 4) == 0, "read from the middle returns the rest", "ret %ld", r);

    /* lseek whence values */
    r = slseek(fd, 3, SEEK_SET);
    r2 = slseek(fd, 2, SEEK_CUR);
    r3 = slseek(fd, -4, SEEK_END);
    long r4 = slseek(fd, -1, SEEK_CUR);
    CHECK(r == 3 && r2 == 5 && r3 == 6 && r4 == 5, "lseek SEEK_SET/SEEK_CUR/SEEK_END return the new offset",
          "%ld %ld %ld %ld", r, r2, r3, r4);
    errno = 0;
    r = slseek(fd, -11, SEEK_END);
    e = errno;
    CHECK(r == -1 && e == EINVAL && slseek(fd, 0, SEEK_CUR) == 5, "lseek to a negative offset is EINVAL",
          "ret %ld errno %d", r, e);
    errno = 0;
    r = slseek(fd, 0, 5);
    CHECK(r == -1 && errno == EINVAL, "lseek with an unknown whence is EINVAL", "ret %ld errno %d", r, errno);
    r = slseek(fd, 0, SEEK_DATA);
    r2 = slseek(fd, 0, SEEK_HOLE);
    errno = 0;
    r3 = slseek(fd, 10, SEEK_DATA);
    e = errno;
    CHECK(r == 0 && r2 == 10 && r3 == -1 && e == ENXIO, "SEEK_DATA/SEEK_HOLE on a dense file; SEEK_DATA at EOF is ENXIO",
          "%ld %ld %ld errno %d", r, r2, r3, e);

    /* sparse file */
    r = slseek(fd, 100000, SEEK_SET);
    r2 = write(fd, "E", 1);
    slseek(fd, 10, SEEK_SET);
    static char big[100000];
    memset(big, 'x', sizeof big);
    r3 = read(fd, big, sizeof big);
    CHECK(r == 100000 && r2 == 1 && t_fsize(fd) == 100001 && r3 == 99991 && t_all_zero(big, 99990) && big[99990] == 'E',
          "writing past EOF leaves a hole that reads as zeros", "seek %ld write %ld size %ld read %ld", r, r2,
          t_fsize(fd), r3);
    r = slseek(fd, 1000000, SEEK_SET);
    CHECK(r == 1000000 && t_fsize(fd) == 100001 && read(fd, buf, 10) == 0, "lseek past EOF alone does not grow the file",
          "ret %ld size %ld", r, t_fsize(fd));

    /* pread / pwrite */
    slseek(fd, 2, SEEK_SET);
    r = spread(fd, buf, 3, 5);
    CHECK(r == 3 && memcmp(buf, "567", 3) == 0 && slseek(fd, 0, SEEK_CUR) == 2, "pread reads at the offset given and does not move the file offset",
          "ret %ld", r);
    r = spwrite(fd, "AB", 2, 0);
    spread(fd, buf, 4, 0);
    CHECK(r == 2 && memcmp(buf, "AB23", 4) == 0 && slseek(fd, 0, SEEK_CUR) == 2, "pwrite does not move the offset",
          "ret %ld", r);
    r = spread(fd, buf, 10, 100001);
    r2 = spread(fd, buf, 10, 99999);
    CHECK(r == 0 && r2 == 2, "pread at and near EOF is short", "%ld %ld", r, r2);
    errno = 0;
    r = spread(fd, buf, 1, -1);
    e = errno;
    errno = 0;
    r2 = spwrite(fd, "x", 1, -1);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "pread/pwrite with a negative offset are EINVAL",
          "%ld/%d %ld/%d", r, e, r2, errno);

    int p[2];
    pipe(p);
    errno = 0;
    r = slseek(p[0], 0, SEEK_CUR);
    e = errno;
    errno = 0;
    r2 = spread(p[0], buf, 1, 0);
    CHECK(r == -1 && e == ESPIPE && r2 == -1 && errno == ESPIPE, "lseek and pread on a pipe are ESPIPE",
          "%ld/%d %ld/%d", r, e, r2, errno);
    close(p[0]);
    close(p[1]);

    /* readv / writev / preadv / pwritev */
    ftruncate(fd, 0);
    slseek(fd, 0, SEEK_SET);
    struct iovec iov[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}};
    r = writev(fd, iov, 3);
    char a[2], b[4], c[8];
    struct iovec riov[3] = {{a, 2}, {b, 4}, {c, 8}};
    slseek(fd, 0, SEEK_SET);
    r2 = readv(fd, riov, 3);
    CHECK(r == 8 && r2 == 8 && memcmp(a, "ab", 2) == 0 && memcmp(b, "cdef", 4) == 0 && memcmp(c, "gh", 2) == 0,
          "writev gathers and readv scatters", "%ld %ld", r, r2);
    struct iovec piov[2] = {{"XY", 2}, {"Z", 1}};
    r = syscall(SYS_pwritev, fd, piov, 2, 1L, 0L);
    memset(buf, 0, 16);
    struct iovec qiov[1] = {{buf, 16}};
    r2 = syscall(SYS_preadv, fd, qiov, 1, 0L, 0L);
    CHECK(r == 3 && r2 == 8 && memcmp(buf, "aXYZefgh", 8) == 0 && slseek(fd, 0, SEEK_CUR) == 8,
          "pwritev/preadv use the offset and leave the file offset", "%ld %ld '%s'", r, r2, buf);
    r = syscall(SYS_writev, fd, iov, 0);
    errno = 0;
    r2 = syscall(SYS_writev, fd, iov, 1025);
    e = errno;
    struct iovec neg[1] = {{"x", (size_t)-1}};
    errno = 0;
    r3 = syscall(SYS_writev, fd, neg, 1);
    CHECK(r == 0 && r2 == -1 && e == EINVAL && r3 == -1 && errno == EINVAL,
          "writev: 0 iovecs is 0; more than IOV_MAX or a huge length is EINVAL", "%ld %ld/%d %ld/%d", r, r2, e, r3,
          errno);
    close(fd);

    /* O_APPEND and pwrite: Linux appends regardless of the offset */
    fd = t_open("ap", O_RDWR | O_CREAT | O_APPEND, 0644);
    write(fd, "12345", 5);
    r = spwrite(fd, "ab", 2, 0);
    memset(buf, 0, 16);
    spread(fd, buf, 16, 0);
    CHECK(r == 2 && strcmp(buf, "12345ab") == 0, "pwrite on an O_APPEND fd appends", "ret %ld '%s'", r, buf);
    close(fd);

    /* shared and independent offsets */
    fd = t_open("f", O_RDWR | O_TRUNC, 0);
    write(fd, "abcdefghijklmnopqrstuvwxyz", 26);
    slseek(fd, 0, SEEK_SET);
    int fd2 = dup(fd);
    read(fd, buf, 3);
    r = slseek(fd2, 0, SEEK_CUR);
    read(fd2, buf, 2);
    CHECK(r == 3 && buf[0] == 'd' && slseek(fd, 0, SEEK_CUR) == 5, "dup'd descriptors share the offset",
          "%ld %c", r, buf[0]);
    close(fd2);
    int fd3 = t_open("f", O_RDONLY, 0);
    r = read(fd3, buf, 1);
    CHECK(r == 1 && buf[0] == 'a' && slseek(fd, 0, SEEK_CUR) == 5,
          "a second open has its own offset", "ret %ld %c", r, buf[0]);
    close(fd3);
    pid_t pid = fork();
    if (pid == 0) {
        char x[4];
        _exit(read(fd, x, 4) == 4 && x[0] == 'f' ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    r = read(fd, buf, 1);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && r == 1 && buf[0] == 'j',
          "a forked child moves the parent's offset", "status %#x ret %ld %c", status, r, buf[0]);

    /* ftruncate / truncate */
    r = ftruncate(fd, 5);
    r2 = slseek(fd, 0, SEEK_CUR);
    r3 = read(fd, buf, 10);
    CHECK(r == 0 && t_fsize(fd) == 5 && r2 == 10 && r3 == 0, "ftruncate shrinks and keeps the offset",
          "ret %ld size %ld off %ld read %ld", r, t_fsize(fd), r2, r3);
    r = ftruncate(fd, 8192);
    memset(buf, 'x', sizeof buf);
    r2 = spread(fd, buf, sizeof buf, 0);
    CHECK(r == 0 && t_fsize(fd) == 8192 && r2 == (long)sizeof buf && memcmp(buf, "abcde", 5) == 0 &&
              t_all_zero(buf + 5, sizeof buf - 5),
          "ftruncate grows with zeros", "ret %ld size %ld", r, t_fsize(fd));
    r = truncate("f", 3);
    CHECK(r == 0 && t_fsize(fd) == 3, "truncate by path", "ret %ld size %ld", r, t_fsize(fd));
    errno = 0;
    r = ftruncate(fd, -1);
    CHECK(r == -1 && errno == EINVAL, "ftruncate to a negative length is EINVAL", "ret %ld errno %d", r, errno);
    close(fd);
    fd = t_open("f", O_RDONLY, 0);
    errno = 0;
    r = ftruncate(fd, 0);
    e = errno;
    close(fd);
    errno = 0;
    r2 = truncate(D, 0);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EISDIR,
          "ftruncate on O_RDONLY is EINVAL, truncate of a directory is EISDIR", "%ld/%d %ld/%d", r, e, r2, errno);

    /* RLIMIT_FSIZE: short write up to the limit, then EFBIG (SIGXFSZ ignored) */
    pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {1000, 1000};
        setrlimit(RLIMIT_FSIZE, &rl);
        int f = t_open("lim", O_RDWR | O_CREAT | O_TRUNC, 0644);
        char x[10] = "123456789";
        long a1 = spwrite(f, x, 10, 995);
        errno = 0;
        long a2 = spwrite(f, x, 10, 1000);
        int e2 = errno;
        _exit(a1 == 5 && a2 == -1 && e2 == EFBIG && t_fsize(f) == 1000 ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "RLIMIT_FSIZE: short write to the limit, then EFBIG",
          "status %#x", status);
    pid = fork();
    if (pid == 0) {
        struct rlimit rl = {1000, 1000};
        setrlimit(RLIMIT_FSIZE, &rl);
        int f = t_open("lim", O_RDWR, 0);
        spwrite(f, "x", 1, 2000);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ, "RLIMIT_FSIZE: writing past the limit raises SIGXFSZ",
          "status %#x", status);

    /* 4 MiB in one write, read back in one read */
    size_t n = 4 << 20;
    unsigned char *w = malloc(n), *rb = malloc(n);
    uint32_t x = 12345;
    uint64_t sum = 0, sum2 = 0;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245 + 12345;
        w[i] = x >> 16;
        sum += w[i] * (i % 251 + 1);
    }
    fd = t_open("big", O_RDWR | O_CREAT | O_TRUNC, 0644);
    r = write(fd, w, n);
    slseek(fd, 0, SEEK_SET);
    memset(rb, 0, n);
    r2 = read(fd, rb, n);
    for (size_t i = 0; i < n; i++)
        sum2 += rb[i] * (i % 251 + 1);
    CHECK(r == (long)n && r2 == (long)n && sum == sum2 && memcmp(w, rb, n) == 0 && t_fsize(fd) == (long)n,
          "4 MiB written in one call reads back identical", "write %ld read %ld", r, r2);
    close(fd);
    free(w);
    free(rb);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_rw");
}
