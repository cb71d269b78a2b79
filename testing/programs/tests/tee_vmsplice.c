/* tee(2) and vmsplice(2): tee copies a pipe's content to another pipe
 * without consuming it (up to len, into the free buffers), and a later
 * write to the source does not show in the copy; Linux's errors (EINVAL
 * for bad flags, checked before len 0, for a non-pipe or the same pipe;
 * EBADF; EPIPE without a reader; EAGAIN with SPLICE_F_NONBLOCK or
 * O_NONBLOCK; 0 from an empty pipe without a writer). vmsplice puts
 * user memory into a pipe opened for writing (a buffer per iovec piece,
 * so at most as many pieces as the pipe has buffers) and takes it out
 * of a pipe opened only for reading; EBADF for a non-pipe, EINVAL for
 * bad flags or too many iovecs, EFAULT, EPIPE, EAGAIN. sendfile from a
 * pipe is EINVAL (a pipe cannot be spliced from by sendfile). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include "../t.h"

static int avail(int fd) {
    int n = -1;
    ioctl(fd, FIONREAD, &n);
    return n;
}

static void drain(int fd) {
    char b[70000];
    int n = avail(fd);
    if (n > 0)
        read(fd, b, n > (int)sizeof b ? (int)sizeof b : n);
}

int main(void) {
    t_watchdog(60);
    signal(SIGPIPE, SIG_IGN);
    int p[2], q[2];
    char a[64] = {0}, b[64] = {0};
    pipe(p);
    pipe(q);

    write(p[1], "abcdef", 6);
    long n = tee(p[0], q[1], 100, 0);
    CHECK(n == 6 && avail(p[0]) == 6 && avail(q[0]) == 6, "tee_copies", "n=%ld %d %d", n, avail(p[0]), avail(q[0]));
    /* a write after the tee lands only in the source */
    write(p[1], "XYZ", 3);
    read(p[0], a, sizeof a);
    read(q[0], b, sizeof b);
    CHECK(!strcmp(a, "abcdefXYZ") && !strcmp(b, "abcdef"), "tee_source_writes_separate", "a=%s b=%s", a, b);

    write(p[1], "123456", 6);
    n = tee(p[0], q[1], 4, 0);
    memset(b, 0, sizeof b);
    read(q[0], b, sizeof b);
    CHECK(n == 4 && !strcmp(b, "1234") && avail(p[0]) == 6, "tee_len", "n=%ld b=%s", n, b);
    /* the copy written into does not change the source */
    write(q[1], "Q", 1);
    memset(a, 0, sizeof a);
    read(p[0], a, sizeof a);
    drain(q[0]);
    CHECK(!strcmp(a, "123456"), "tee_dest_writes_separate", "a=%s", a);

    CHECK(FAILS(tee(-1, -1, 0, 0x100), EINVAL), "tee_flags_before_len", "errno=%d", errno);
    CHECK(tee(-1, -1, 0, 0) == 0, "tee_len_zero", "errno=%d", errno);
    CHECK(FAILS(tee(-1, q[1], 10, 0), EBADF), "tee_bad_fd", "errno=%d", errno);
    CHECK(FAILS(tee(p[0], p[1], 10, 0), EINVAL), "tee_same_pipe", "errno=%d", errno);
    CHECK(FAILS(tee(0 == 0 ? open("/", O_RDONLY) : 0, q[1], 10, 0), EINVAL), "tee_not_pipe", "errno=%d", errno);
    CHECK(FAILS(tee(p[1], q[1], 10, 0), EBADF), "tee_input_write_only", "errno=%d", errno);
    CHECK(FAILS(tee(p[0], q[1], 10, SPLICE_F_NONBLOCK), EAGAIN), "tee_nonblock_empty", "errno=%d", errno);
    fcntl(q[1], F_SETFL, O_NONBLOCK);
    CHECK(FAILS(tee(p[0], q[1], 10, 0), EAGAIN), "tee_o_nonblock", "errno=%d", errno);
    fcntl(q[1], F_SETFL, 0);

    /* tee fills the free buffers of the destination */
    static char big[100000];
    int r[2];
    pipe(r);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    n = write(p[1], big, sizeof big);
    fcntl(p[1], F_SETFL, 0);
    write(r[1], big, 4096 * 10);
    long t = tee(p[0], r[1], 1 << 20, 0);
    CHECK(n == 65536 && t == 6 * 4096, "tee_free_buffers", "n=%ld t=%ld", n, t);
    close(r[0]);
    CHECK(FAILS(tee(p[0], r[1], 10, 0), EPIPE), "tee_no_reader", "errno=%d", errno);
    close(r[1]);
    drain(p[0]);
    int e[2];
    pipe(e);
    close(e[1]);
    CHECK(tee(e[0], q[1], 10, 0) == 0, "tee_no_writer", "errno=%d", errno);
    close(e[0]);

    /* vmsplice into a pipe */
    char x[] = "hello ", y[] = "world";
    struct iovec iov[2] = {{x, 6}, {y, 5}};
    n = vmsplice(p[1], iov, 2, 0);
    memset(a, 0, sizeof a);
    read(p[0], a, sizeof a);
    CHECK(n == 11 && !strcmp(a, "hello world"), "vmsplice_to_pipe", "n=%ld a=%s", n, a);

    /* a buffer per iovec: 20 one-byte pieces fill 16 buffers */
    struct iovec many[20];
    for (int i = 0; i < 20; i++)
        many[i] = (struct iovec){x + (i % 5), 1};
    n = vmsplice(p[1], many, 20, 0);
    CHECK(n == 16 && avail(p[0]) == 16, "vmsplice_buffer_per_piece", "n=%ld", n);
    CHECK(FAILS(vmsplice(p[1], many, 1, SPLICE_F_NONBLOCK), EAGAIN), "vmsplice_full_nonblock", "errno=%d", errno);
    /* a full pipe takes no merge either */
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    CHECK(FAILS(write(p[1], "m", 1), EAGAIN), "vmsplice_pages_do_not_merge", "errno=%d", errno);
    fcntl(p[1], F_SETFL, 0);
    drain(p[0]);

    /* vmsplice out of a pipe opened for reading */
    write(p[1], "0123456789", 10);
    char c1[4] = {0}, c2[8] = {0};
    struct iovec out[2] = {{c1, 3}, {c2, 7}};
    n = vmsplice(p[0], out, 2, 0);
    CHECK(n == 10 && !memcmp(c1, "012", 3) && !strcmp(c2, "3456789") && avail(p[0]) == 0, "vmsplice_from_pipe", "n=%ld", n);
    CHECK(FAILS(vmsplice(p[0], out, 2, SPLICE_F_NONBLOCK), EAGAIN), "vmsplice_from_empty_nonblock", "errno=%d", errno);

    CHECK(vmsplice(p[1], iov, 0, 0) == 0, "vmsplice_no_segments", "errno=%d", errno);
    CHECK(FAILS(vmsplice(p[1], iov, 2, 0x100), EINVAL), "vmsplice_bad_flags", "errno=%d", errno);
    CHECK(FAILS(vmsplice(-1, iov, 2, 0), EBADF), "vmsplice_bad_fd", "errno=%d", errno);
    CHECK(FAILS(vmsplice(p[1], iov, 1025, 0), EINVAL), "vmsplice_too_many", "errno=%d", errno);
    struct iovec bad = {(void *)8, 10};
    CHECK(FAILS(vmsplice(p[1], &bad, 1, 0), EFAULT), "vmsplice_efault", "errno=%d", errno);
    int dev = open("/dev/null", O_WRONLY);
    CHECK(FAILS(vmsplice(dev, iov, 2, 0), EBADF), "vmsplice_not_pipe", "errno=%d", errno);
    pipe(e);
    close(e[0]);
    CHECK(FAILS(vmsplice(e[1], iov, 2, 0), EPIPE), "vmsplice_no_reader", "errno=%d", errno);
    close(e[1]);

    /* sendfile from a pipe */
    write(p[1], "s", 1);
    CHECK(FAILS(sendfile(dev, p[0], NULL, 10), EINVAL), "sendfile_from_pipe", "errno=%d", errno);

    return t_done("tee_vmsplice");
}
