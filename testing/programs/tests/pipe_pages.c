/* A pipe is a ring of page buffers (16 by default): a small write merges
 * into the last page only if all of it fits there, anything else takes new
 * pages. So the byte capacity depends on the write sizes: 100-byte writes
 * fit 40 to a page (64000 bytes), a 1-byte write followed by page-sized
 * writes leaves room for only 15 pages, and POLLOUT means a free page.
 * F_SETPIPE_SZ counts pages (EBUSY below the pages in use, EINVAL above
 * 2^31); O_DIRECT makes a packet pipe (one write per read). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include "../t.h"

static char buf[70000];

static long fill_with(int fd, long chunk, long *writes) {
    long total = 0, r;
    *writes = 0;
    while ((r = write(fd, buf, chunk)) > 0) {
        total += r;
        ++*writes;
    }
    return total;
}
static short revents(int fd, short ev) {
    struct pollfd pf = {fd, ev, 0};
    return poll(&pf, 1, 0) < 0 ? -1 : pf.revents;
}
static int avail(int fd) {
    int n = -1;
    ioctl(fd, FIONREAD, &n);
    return n;
}

int main(void) {
    int p[2];
    long r, r2, n;
    int e;
    alarm(20);
    memset(buf, 'x', sizeof buf);

    syscall(SYS_pipe2, p, O_NONBLOCK);
    r = fill_with(p[1], 100, &n);
    e = errno;
    CHECK(r == 64000 && n == 640 && e == EAGAIN, "100-byte writes fill 16 pages of 40 writes each (64000 bytes)",
          "%ld bytes in %ld writes errno %d", r, n, e);
    CHECK(revents(p[1], POLLOUT) == 0 && avail(p[0]) == 64000, "a pipe with no free page is not POLLOUT", "%#x %d",
          revents(p[1], POLLOUT), avail(p[0]));
    r = read(p[0], buf, 4000);
    CHECK(r == 4000 && revents(p[1], POLLOUT) == POLLOUT, "reading a whole page makes it POLLOUT again", "%ld %#x", r,
          revents(p[1], POLLOUT));
    r = write(p[1], buf, 4096);
    errno = 0;
    r2 = write(p[1], buf, 1);
    CHECK(r == 4096 && r2 == -1 && errno == EAGAIN, "a page-sized write takes the free page, then the pipe is full",
          "%ld %ld/%d", r, r2, errno);
    close(p[0]);
    close(p[1]);

    syscall(SYS_pipe2, p, O_NONBLOCK);
    write(p[1], buf, 1);
    r = fill_with(p[1], 4096, &n);
    e = errno;
    CHECK(r == 61440 && n == 15 && e == EAGAIN, "after a 1-byte write only 15 more pages fit", "%ld in %ld", r, n);
    errno = 0;
    r = write(p[1], buf, 1);
    CHECK(r == -1 && errno == EAGAIN && avail(p[0]) == 61441, "a byte does not merge into a full page", "%ld/%d %d", r,
          errno, avail(p[0]));
    close(p[0]);
    close(p[1]);

    syscall(SYS_pipe2, p, O_NONBLOCK);
    r = fill_with(p[1], 1, &n);
    CHECK(r == 65536, "1-byte writes merge: 65536 of them fit", "%ld", r);
    r = read(p[0], buf, 10);
    errno = 0;
    r2 = write(p[1], buf, 10);
    CHECK(r == 10 && r2 == -1 && errno == EAGAIN, "bytes read from the front page do not make room for a write",
          "%ld %ld/%d", r, r2, errno);
    r = read(p[0], buf, 4086);
    r2 = write(p[1], buf, 5000);
    CHECK(r == 4086 && r2 == 4096, "once the front page is empty a page of room is back", "%ld %ld", r, r2);
    close(p[0]);
    close(p[1]);

    /* a write merges into the last page only if all of it fits */
    syscall(SYS_pipe2, p, O_NONBLOCK);
    syscall(SYS_fcntl, p[1], F_SETPIPE_SZ, 8192);
    write(p[1], buf, 4000);
    r = write(p[1], buf, 200);
    r2 = write(p[1], buf, 100);
    errno = 0;
    long r3 = write(p[1], buf, 4000);
    e = errno;
    CHECK(r == 200 && r2 == 100 && r3 == -1 && e == EAGAIN && avail(p[0]) == 4300,
          "a write that does not fit the last page takes a new one", "%ld %ld %ld/%d %d", r, r2, r3, e, avail(p[0]));
    /* F_SETPIPE_SZ counts pages */
    errno = 0;
    r = syscall(SYS_fcntl, p[0], F_SETPIPE_SZ, 4096);
    CHECK(r == -1 && errno == EBUSY, "F_SETPIPE_SZ below the pages in use is EBUSY (4300 bytes in 2 pages)",
          "%ld/%d", r, errno);
    read(p[0], buf, 4000);
    r = syscall(SYS_fcntl, p[0], F_SETPIPE_SZ, 4096);
    r2 = write(p[1], buf, 3000);
    errno = 0;
    r3 = write(p[1], buf, 1000);
    e = errno;
    CHECK(r == 4096 && r2 == 3000 && r3 == -1 && e == EAGAIN,
          "shrunk to one page holding 300 bytes: 3000 more merge, 1000 more do not fit", "%ld %ld %ld/%d", r, r2, r3, e);
    close(p[0]);
    close(p[1]);
    pipe(p);
    errno = 0;
    r = syscall(SYS_fcntl, p[1], F_SETPIPE_SZ, 0x80000001UL);
    e = errno;
    r2 = syscall(SYS_fcntl, p[1], F_SETPIPE_SZ, 0);
    CHECK(r == -1 && e == EINVAL && r2 == 4096, "F_SETPIPE_SZ above 2^31 is EINVAL, 0 gives one page", "%ld/%d %ld", r,
          e, r2);
    r = syscall(SYS_fcntl, p[1], F_SETPIPE_SZ, 0x100000000UL + 8192);
    CHECK(r == 8192, "F_SETPIPE_SZ uses the low 32 bits of its argument", "%ld errno %d", r, errno);
    close(p[0]);
    close(p[1]);

    /* packet mode */
    syscall(SYS_pipe2, p, O_DIRECT | O_NONBLOCK);
    write(p[1], "first", 5);
    write(p[1], "second", 6);
    write(p[1], "third", 5);
    char in[64];
    r = read(p[0], in, sizeof in);
    CHECK(r == 5 && memcmp(in, "first", 5) == 0, "an O_DIRECT pipe returns one write per read", "%ld", r);
    r = read(p[0], in, 3);
    r2 = read(p[0], in + 3, sizeof in - 3);
    CHECK(r == 3 && r2 == 5 && memcmp(in, "secthird", 8) == 0, "a short read of a packet discards its rest",
          "%ld %ld", r, r2);
    r = write(p[1], buf, 5000);
    r2 = read(p[0], in, sizeof in);
    long r4 = read(p[0], in, sizeof in);
    CHECK(r == 5000 && r2 == 64 && r4 == 64 && avail(p[0]) == 0, "a write larger than a page makes a packet per page",
          "%ld %ld %ld %d", r, r2, r4, avail(p[0]));
    close(p[0]);
    close(p[1]);
    return t_done("pipe_pages");
}
