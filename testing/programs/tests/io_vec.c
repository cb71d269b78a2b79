/* Vectored I/O edge cases: IOV_MAX exactly and plus one, a negative count,
 * zero-length iovecs, readv on a pipe returning what is there without
 * blocking on later iovecs, writev of at most PIPE_BUF bytes to a pipe being
 * atomic (EAGAIN rather than a partial write), preadv2/pwritev2 with offset
 * -1 (the file position) and RWF_* flags (RWF_APPEND, RWF_NOWAIT, unknown
 * EOPNOTSUPP), ESPIPE, EISDIR and EBADF by access mode. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include <sys/uio.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/io_vec.d"
#ifndef RWF_APPEND
#define RWF_HIPRI 0x1
#define RWF_DSYNC 0x2
#define RWF_SYNC 0x4
#define RWF_NOWAIT 0x8
#define RWF_APPEND 0x10
#endif

static long preadv2_(int fd, struct iovec *v, int n, long off, int fl) {
    return syscall(SYS_preadv2, fd, v, n, off, 0L, fl);
}
static long pwritev2_(int fd, struct iovec *v, int n, long off, int fl) {
    return syscall(SYS_pwritev2, fd, v, n, off, 0L, fl);
}

static struct iovec many[IOV_MAX + 1];
static char one[IOV_MAX + 1];

int main(void) {
    long r, r2;
    int e;
    char buf[64];
    if (t_start_in(D, 20) != 0)
        return 1;
    int fd = t_open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);

    for (int i = 0; i <= IOV_MAX; i++) {
        one[i] = 'a' + i % 26;
        many[i].iov_base = &one[i];
        many[i].iov_len = 1;
    }
    r = writev(fd, many, IOV_MAX);
    CHECK(r == IOV_MAX && t_fsize(fd) == IOV_MAX, "writev of exactly IOV_MAX iovecs works", "%ld", r);
    errno = 0;
    r = syscall(SYS_writev, fd, many, IOV_MAX + 1);
    e = errno;
    errno = 0;
    r2 = syscall(SYS_readv, fd, many, -1);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL && t_fsize(fd) == IOV_MAX,
          "IOV_MAX+1 iovecs or a negative count are EINVAL", "%ld/%d %ld/%d", r, e, r2, errno);
    lseek(fd, 0, SEEK_SET);
    memset(one, 0, sizeof one);
    r = readv(fd, many, IOV_MAX);
    CHECK(r == IOV_MAX && one[0] == 'a' && one[IOV_MAX - 1] == 'a' + (IOV_MAX - 1) % 26,
          "readv of IOV_MAX one-byte iovecs reads them in order", "%ld", r);

    /* zero-length iovecs and counts */
    ftruncate(fd, 0);
    lseek(fd, 0, SEEK_SET);
    struct iovec z[4] = {{NULL, 0}, {"ab", 2}, {(void *)1, 0}, {"cd", 2}};
    r = writev(fd, z, 4);
    struct iovec zz[1] = {{NULL, 0}};
    r2 = writev(fd, zz, 1);
    CHECK(r == 4 && r2 == 0 && t_fsize(fd) == 4, "zero-length iovecs are skipped, even with bad bases", "%ld %ld", r,
          r2);
    char a[3], b[10];
    struct iovec rv[3] = {{a, 3}, {NULL, 0}, {b, 10}};
    lseek(fd, 0, SEEK_SET);
    r = readv(fd, rv, 3);
    r2 = readv(fd, rv, 3);
    CHECK(r == 4 && memcmp(a, "abc", 3) == 0 && b[0] == 'd' && r2 == 0, "readv is short at EOF, then 0", "%ld %ld", r,
          r2);

    /* preadv2 / pwritev2 */
    struct iovec w1 = {"XY", 2};
    lseek(fd, 1, SEEK_SET);
    r = pwritev2_(fd, &w1, 1, -1, 0);
    CHECK(r == 2 && lseek(fd, 0, SEEK_CUR) == 3, "pwritev2 with offset -1 writes at and moves the file position",
          "%ld pos %ld", r, (long)lseek(fd, 0, SEEK_CUR));
    memset(buf, 0, sizeof buf);
    struct iovec r1 = {buf, 10};
    lseek(fd, 2, SEEK_SET);
    r = preadv2_(fd, &r1, 1, -1, 0);
    CHECK(r == 2 && memcmp(buf, "Yd", 2) == 0 && lseek(fd, 0, SEEK_CUR) == 4,
          "preadv2 with offset -1 reads at and moves the file position", "%ld '%s'", r, buf);
    errno = 0;
    r = preadv2_(fd, &r1, 1, -2, 0);
    CHECK(r == -1 && errno == EINVAL, "preadv2 with offset -2 is EINVAL", "%ld/%d", r, errno);
    struct iovec w2 = {"END", 3};
    r = pwritev2_(fd, &w2, 1, 0, RWF_APPEND);
    memset(buf, 0, sizeof buf);
    pread(fd, buf, sizeof buf, 0);
    CHECK(r == 3 && strcmp(buf, "aXYdEND") == 0 && lseek(fd, 0, SEEK_CUR) == 4,
          "pwritev2 RWF_APPEND appends whatever the offset", "%ld '%s'", r, buf);
    r = preadv2_(fd, &r1, 1, 0, RWF_HIPRI | RWF_DSYNC | RWF_SYNC);
    CHECK(r == 7, "preadv2 accepts RWF_HIPRI|RWF_DSYNC|RWF_SYNC", "%ld errno %d", r, errno);
    errno = 0;
    r = preadv2_(fd, &r1, 1, 0, 0x100000);
    e = errno;
    errno = 0;
    r2 = pwritev2_(fd, &w2, 1, 0, 0x100000);
    CHECK(r == -1 && e == EOPNOTSUPP && r2 == -1 && errno == EOPNOTSUPP && t_fsize(fd) == 7,
          "unknown RWF_ flags are EOPNOTSUPP", "%ld/%d %ld/%d", r, e, r2, errno);

    /* pipes */
    int p[2];
    pipe(p);
    write(p[1], "hello", 5);
    char c1[5], c2[5];
    struct iovec pv[2] = {{c1, 5}, {c2, 5}};
    r = readv(p[0], pv, 2);
    CHECK(r == 5 && memcmp(c1, "hello", 5) == 0, "readv on a pipe returns what is there without waiting for more",
          "%ld", r);
    write(p[1], "abcdefg", 7);
    r = readv(p[0], pv, 2);
    CHECK(r == 7 && memcmp(c1, "abcde", 5) == 0 && memcmp(c2, "fg", 2) == 0, "readv on a pipe scatters across iovecs",
          "%ld", r);
    errno = 0;
    r = preadv2_(p[0], pv, 2, 0, 0);
    e = errno;
    r2 = preadv2_(p[0], pv, 2, -1, RWF_NOWAIT);
    int e2 = errno;
    CHECK(r == -1 && e == ESPIPE && r2 == -1 && e2 == EAGAIN, "preadv2 on a pipe: an offset is ESPIPE; RWF_NOWAIT "
          "on an empty pipe is EAGAIN", "%ld/%d %ld/%d", r, e, r2, e2);

    /* a writev of at most PIPE_BUF bytes is one atomic write */
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    static char fillbuf[65536];
    r = write(p[1], fillbuf, 65536 - 4096 - 4096 + 100); /* 14 pages and 100 bytes */
    r2 = write(p[1], fillbuf, 4096 - 100);               /* fills page 15 */
    static char h1[3000], h2[3000];
    struct iovec hv[2] = {{h1, 3000}, {h2, 3000}};
    long r3 = writev(p[1], hv, 2);
    CHECK(r == 57444 && r2 == 3996 && r3 == 4096, "a 6000-byte non-blocking writev into 4096 bytes of room is partial",
          "%ld %ld %ld", r, r2, r3);
    close(p[0]);
    close(p[1]);
    pipe(p);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    write(p[1], fillbuf, 65536 - 4096);
    write(p[1], fillbuf, 2096); /* 2000 bytes of room left */
    struct iovec sv[2] = {{h1, 1500}, {h2, 1500}};
    errno = 0;
    r = writev(p[1], sv, 2);
    e = errno;
    CHECK(r == -1 && e == EAGAIN, "a 3000-byte writev into 2000 bytes of room is EAGAIN, not partial", "%ld/%d", r, e);
    close(p[0]);
    close(p[1]);

    /* errors */
    int dir = t_open(".", O_RDONLY | O_DIRECTORY, 0);
    errno = 0;
    r = readv(dir, rv, 3);
    CHECK(r == -1 && errno == EISDIR, "readv on a directory is EISDIR", "%ld/%d", r, errno);
    close(dir);
    int ro = t_open("f", O_RDONLY, 0);
    int wo = t_open("f", O_WRONLY, 0);
    errno = 0;
    r = writev(ro, z, 4);
    e = errno;
    errno = 0;
    r2 = readv(wo, rv, 3);
    CHECK(r == -1 && e == EBADF && r2 == -1 && errno == EBADF, "writev on O_RDONLY and readv on O_WRONLY are EBADF",
          "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    struct iovec bad[2] = {{"ok", 2}, {(void *)8, 4}};
    lseek(wo, 0, SEEK_END);
    r = writev(wo, bad, 2);
    CHECK(r == 2 && t_fsize(wo) == 9, "writev stops at a bad second iovec and returns the bytes written", "%ld", r);
    close(ro);
    close(wo);
    close(fd);
    chdir("/");
    t_rm_rf(D);
    return t_done("io_vec");
}
