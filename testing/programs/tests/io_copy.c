/* sendfile and copy_file_range offsets and limits beyond fs_copy: count 0,
 * offsets at and past EOF (0, offset kept), negative offsets (EINVAL for
 * sendfile, EOVERFLOW for copy_file_range), sendfile to
 * an O_APPEND file (EINVAL) and to /dev/null, copy_file_range's overlap
 * check made after shortening to EOF, one description as both ends, the
 * positions it moves, EBADF by access mode and O_APPEND, EISDIR, and
 * EINVAL for pipes. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/sendfile.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/io_copy.d"

static long sf(int out, int in, long *off, long n) { return syscall(SYS_sendfile, out, in, off, n); }
static long cfr(int in, long *oi, int out, long *oo, long n) {
    return syscall(SYS_copy_file_range, in, oi, out, oo, n, 0);
}
static long pos(int fd) { return lseek(fd, 0, SEEK_CUR); }

int main(void) {
    long r, r2, off, oo;
    int e;
    char buf[64];
    if (t_fresh_dir(D) != 0)
        return 1;
    int a = t_open("a", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(a, "0123456789abcdef", 16);
    int b = t_open("b", O_RDWR | O_CREAT | O_TRUNC, 0644);

    /* sendfile */
    off = 3;
    r = sf(b, a, &off, 0);
    CHECK(r == 0 && off == 3 && t_fsize(b) == 0, "sendfile of 0 bytes returns 0 and keeps the offset", "%ld %ld", r, off);
    off = 16;
    r = sf(b, a, &off, 10);
    off = 100;
    r2 = sf(b, a, &off, 10);
    CHECK(r == 0 && r2 == 0 && off == 100 && t_fsize(b) == 0, "sendfile at or past EOF returns 0", "%ld %ld %ld", r, r2,
          off);
    off = -1;
    errno = 0;
    r = sf(b, a, &off, 10);
    CHECK(r == -1 && errno == EINVAL, "sendfile with a negative offset is EINVAL", "%ld/%d", r, errno);
    off = 10;
    r = sf(b, a, &off, 100);
    CHECK(r == 6 && off == 16 && t_fsize(b) == 6 && pos(b) == 6, "sendfile stops at EOF and moves the output position",
          "%ld %ld %ld", r, off, pos(b));
    int ap = t_open("b", O_WRONLY | O_APPEND, 0);
    off = 0;
    errno = 0;
    r = sf(ap, a, &off, 4);
    CHECK(r == -1 && errno == EINVAL && t_fsize(b) == 6, "sendfile to an O_APPEND file is EINVAL", "%ld/%d", r, errno);
    int dn = t_open("/dev/null", O_WRONLY, 0);
    lseek(a, 5, SEEK_SET);
    r = sf(dn, a, NULL, 100);
    CHECK(r == 11 && pos(a) == 16, "sendfile to /dev/null without an offset moves the input position", "%ld %ld", r,
          pos(a));
    int wo = t_open("a", O_WRONLY, 0);
    int ro = t_open("b", O_RDONLY, 0);
    errno = 0;
    r = sf(b, wo, NULL, 1);
    e = errno;
    errno = 0;
    r2 = sf(ro, a, NULL, 1);
    CHECK(r == -1 && e == EBADF && r2 == -1 && errno == EBADF, "sendfile from O_WRONLY or to O_RDONLY is EBADF",
          "%ld/%d %ld/%d", r, e, r2, errno);

    /* copy_file_range */
    long oi = 2;
    oo = 0;
    r = cfr(a, &oi, b, &oo, 0);
    CHECK(r == 0 && oi == 2 && oo == 0, "copy_file_range of 0 bytes returns 0 and keeps the offsets", "%ld", r);
    oi = 16;
    r = cfr(a, &oi, b, &oo, 5);
    oi = 50;
    r2 = cfr(a, &oi, b, &oo, 5);
    CHECK(r == 0 && r2 == 0 && oi == 50 && oo == 0, "copy_file_range at or past EOF returns 0", "%ld %ld", r, r2);
    oi = -1;
    errno = 0;
    r = cfr(a, &oi, b, &oo, 5);
    e = errno;
    oi = 0;
    oo = -5;
    errno = 0;
    r2 = cfr(a, &oi, b, &oo, 5);
    CHECK(r == -1 && e == EOVERFLOW && r2 == -1 && errno == EOVERFLOW,
          "copy_file_range with a negative offset is EOVERFLOW",
          "%ld/%d %ld/%d", r, e, r2, errno);
    oi = 0;
    oo = 20;
    r = cfr(a, &oi, a, &oo, 100);
    memset(buf, 0, sizeof buf);
    pread(a, buf, sizeof buf, 0);
    CHECK(r == 16 && oi == 16 && oo == 36 && t_fsize(a) == 36 && memcmp(buf + 20, "0123456789abcdef", 16) == 0,
          "copy_file_range in one file checks overlap after shortening to EOF", "%ld/%d size %ld", r, errno,
          t_fsize(a));
    oi = 0;
    oo = 10;
    errno = 0;
    r = cfr(a, &oi, a, &oo, 5);
    e = errno;
    CHECK(r == 5 && oo == 15, "a copy within one file that does not overlap works", "%ld/%d", r, e);
    oi = 0;
    oo = 3;
    errno = 0;
    r = cfr(a, &oi, a, &oo, 5);
    CHECK(r == -1 && errno == EINVAL, "an overlapping copy within one file is EINVAL", "%ld/%d", r, errno);
    lseek(a, 4, SEEK_SET);
    lseek(b, 1, SEEK_SET);
    r = cfr(a, NULL, b, NULL, 3);
    memset(buf, 0, sizeof buf);
    pread(b, buf, 4, 0);
    CHECK(r == 3 && pos(a) == 7 && pos(b) == 4 && memcmp(buf, "a456", 4) == 0,
          "copy_file_range without offsets uses and moves both positions", "%ld %ld %ld '%s'", r, pos(a), pos(b),
          buf);
    lseek(a, 0, SEEK_SET);
    errno = 0;
    r = cfr(a, NULL, a, NULL, 4);
    CHECK(r == -1 && errno == EINVAL, "one description as both ends (same position) is EINVAL", "%ld/%d", r, errno);
    errno = 0;
    r = cfr(wo, NULL, b, NULL, 1);
    e = errno;
    errno = 0;
    r2 = cfr(a, NULL, ro, NULL, 1);
    CHECK(r == -1 && e == EBADF && r2 == -1 && errno == EBADF, "copy_file_range from O_WRONLY or to O_RDONLY is EBADF",
          "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    r = cfr(a, NULL, ap, NULL, 1);
    CHECK(r == -1 && errno == EBADF, "copy_file_range to an O_APPEND file is EBADF", "%ld/%d", r, errno);
    int dir = t_open(".", O_RDONLY | O_DIRECTORY, 0);
    errno = 0;
    r = cfr(dir, NULL, b, NULL, 1);
    CHECK(r == -1 && errno == EISDIR, "copy_file_range from a directory is EISDIR", "%ld/%d", r, errno);
    int p[2];
    pipe(p);
    write(p[1], "pp", 2);
    errno = 0;
    r = cfr(p[0], NULL, b, NULL, 1);
    e = errno;
    errno = 0;
    r2 = cfr(a, NULL, p[1], NULL, 1);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "copy_file_range from or to a pipe is EINVAL",
          "%ld/%d %ld/%d", r, e, r2, errno);

    close(p[0]);
    close(p[1]);
    close(dir);
    close(dn);
    close(ap);
    close(wo);
    close(ro);
    close(a);
    close(b);
    chdir("/");
    t_rm_rf(D);
    return t_done("io_copy");
}
