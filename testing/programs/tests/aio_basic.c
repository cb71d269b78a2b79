/* Linux AIO through raw system calls: io_setup's checks (0 events or a
 * non-zero *ctxp EINVAL, past aio-max-nr EAGAIN, a bad pointer EFAULT);
 * PWRITE, PREAD, PWRITEV, PREADV at offsets with user data and the iocb
 * address echoed in the event; FSYNC (EINVAL on a pipe); POLL ready at
 * once or completing later when a child writes, while io_getevents
 * waits; IOCB_FLAG_RESFD counting completions in an eventfd; io_cancel
 * of a pending poll (EINPROGRESS, then an event with result 0) and of
 * anything else (EINVAL); io_getevents' time-out, min_nr/nr checks and
 * EINTR on a signal even with SA_RESTART; io_submit's errors (bad
 * context, negative nr, bad descriptor, opcode, reserved field, iocb
 * pointer; a later bad iocb ends the batch with the count so far);
 * io_pgetevents without a mask; io_destroy with a poll pending, twice.
 * (A poll completed by a wake-up reports the wake-up's key on Linux,
 * POLLIN|POLLRDNORM for a pipe: only POLLIN is asserted.) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "../t.h"

typedef unsigned long aio_ctx;
struct ev {
    uint64_t data, obj;
    int64_t res, res2;
};
struct cb {
    uint64_t data;
    uint32_t key, rw_flags;
    uint16_t opcode;
    int16_t prio;
    uint32_t fd;
    uint64_t buf, nbytes;
    int64_t offset;
    uint64_t reserved2;
    uint32_t flags, resfd;
};
enum { PREAD = 0, PWRITE = 1, FSYNC = 2, POLL = 5, PREADV = 7, PWRITEV = 8 };

static long setup(unsigned n, aio_ctx *c) { return syscall(SYS_io_setup, n, c); }
static long submit(aio_ctx c, long n, struct cb **v) { return syscall(SYS_io_submit, c, n, v); }
static long getev(aio_ctx c, long min, long n, struct ev *e, struct timespec *t) { return syscall(SYS_io_getevents, c, min, n, e, t); }
static long submit1(aio_ctx c, struct cb *b) { return submit(c, 1, &b); }

static struct cb mk(int op, int fd, void *buf, long n, long off, uint64_t data) {
    struct cb b;
    memset(&b, 0, sizeof b);
    b.opcode = op;
    b.fd = fd;
    b.buf = (uintptr_t)buf;
    b.nbytes = n;
    b.offset = off;
    b.data = data;
    return b;
}

static void on_usr1(int s) { (void)s; }

int main(void) {
    t_watchdog(60);
    aio_ctx ctx = 0, bad = 0;
    struct ev e[8];
    struct timespec zero = {0, 0};

    CHECK(FAILS(setup(0, &ctx), EINVAL), "setup_zero", "errno=%d", errno);
    bad = 1;
    CHECK(FAILS(setup(8, &bad), EINVAL), "setup_ctx_not_zero", "errno=%d", errno);
    CHECK(FAILS(setup(8, (aio_ctx *)8), EFAULT), "setup_efault", "errno=%d", errno);
    bad = 0;
    CHECK(FAILS(setup(65537, &bad), EAGAIN), "setup_past_max", "errno=%d", errno);
    bad = 0;
    CHECK(FAILS(setup(5000000, &bad), EINVAL), "setup_overflow", "errno=%d", errno);
    CHECK(setup(64, &ctx) == 0 && ctx != 0, "setup", "errno=%d", errno);

    char path[] = "/tmp/aio_basic.XXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    char wbuf[] = "hello aio world";
    struct cb w = mk(PWRITE, fd, wbuf, 15, 0, 0x1234);
    long n = submit1(ctx, &w);
    long g = getev(ctx, 1, 8, e, NULL);
    CHECK(n == 1 && g == 1 && e[0].data == 0x1234 && e[0].obj == (uintptr_t)&w && e[0].res == 15 && e[0].res2 == 0, "pwrite", "n=%ld g=%ld res=%lld", n, g, (long long)e[0].res);

    char rbuf[16] = {0};
    struct cb r = mk(PREAD, fd, rbuf, 3, 6, 7);
    n = submit1(ctx, &r);
    g = getev(ctx, 1, 8, e, NULL);
    CHECK(n == 1 && g == 1 && e[0].res == 3 && !strcmp(rbuf, "aio") && e[0].data == 7 && lseek(fd, 0, SEEK_CUR) == 0, "pread_offset", "res=%lld buf=%s", (long long)e[0].res, rbuf);

    r = mk(PREAD, fd, rbuf, 10, 100, 8);
    submit1(ctx, &r);
    g = getev(ctx, 1, 8, e, NULL);
    CHECK(g == 1 && e[0].res == 0, "pread_past_eof", "g=%ld res=%lld", g, (long long)e[0].res);

    char a[4] = "AB", b[4] = "CD";
    struct iovec iv[2] = {{a, 2}, {b, 2}};
    struct cb wv = mk(PWRITEV, fd, iv, 2, 20, 9);
    submit1(ctx, &wv);
    g = getev(ctx, 1, 8, e, NULL);
    char c1[3] = {0}, c2[3] = {0};
    struct iovec rv[2] = {{c1, 1}, {c2, 2}};
    struct cb rvb = mk(PREADV, fd, rv, 2, 20, 10);
    submit1(ctx, &rvb);
    long g2 = getev(ctx, 1, 8, e + 1, NULL);
    CHECK(g == 1 && e[0].res == 4 && g2 == 1 && e[1].res == 3 && !strcmp(c1, "A") && !strcmp(c2, "BC"), "vectored", "res=%lld %lld %s %s", (long long)e[0].res, (long long)e[1].res, c1, c2);

    /* two requests in one call, events in order */
    struct cb r1 = mk(PREAD, fd, rbuf, 5, 0, 1), r2 = mk(PREAD, fd, rbuf + 8, 3, 6, 2);
    struct cb *two[2] = {&r1, &r2};
    n = submit(ctx, 2, two);
    g = getev(ctx, 2, 8, e, NULL);
    CHECK(n == 2 && g == 2 && e[0].data + e[1].data == 3 && e[0].res + e[1].res == 8, "batch", "n=%ld g=%ld", n, g);

    struct cb s = mk(FSYNC, fd, NULL, 0, 0, 11);
    n = submit1(ctx, &s);
    g = getev(ctx, 1, 8, e, NULL);
    CHECK(n == 1 && g == 1 && e[0].res == 0 && e[0].data == 11, "fsync", "n=%ld res=%lld", n, (long long)e[0].res);

    int p[2];
    pipe(p);
    s = mk(FSYNC, p[0], NULL, 0, 0, 0);
    CHECK(FAILS(submit1(ctx, &s), EINVAL), "fsync_pipe", "errno=%d", errno);

    /* poll: ready at once */
    struct cb pw = mk(POLL, p[1], NULL, 0, 0, 21);
    pw.buf = POLLOUT;
    submit1(ctx, &pw);
    g = getev(ctx, 1, 8, e, &zero);
    CHECK(g == 1 && e[0].res == POLLOUT && e[0].data == 21, "poll_ready", "g=%ld res=%lld", g, (long long)e[0].res);

    /* poll: completes when a child writes, while getevents waits */
    struct cb pr = mk(POLL, p[0], NULL, 0, 0, 22);
    pr.buf = POLLIN;
    n = submit1(ctx, &pr);
    g = getev(ctx, 0, 8, e, &zero);
    CHECK(n == 1 && g == 0, "poll_pending", "n=%ld g=%ld", n, g);
    pid_t c = fork();
    if (c == 0) {
        t_sleep_ms(50);
        write(p[1], "x", 1);
        _exit(0);
    }
    g = getev(ctx, 1, 8, e, NULL);
    waitpid(c, NULL, 0);
    CHECK(g == 1 && (e[0].res & POLLIN) && !(e[0].res & POLLOUT) && e[0].data == 22 && e[0].obj == (uintptr_t)&pr, "poll_wakes", "g=%ld res=%lld", g, (long long)e[0].res);
    char x;
    read(p[0], &x, 1);

    /* eventfd notification */
    int efd = eventfd(0, 0);
    r = mk(PREAD, fd, rbuf, 2, 0, 0);
    r.flags = 1;
    r.resfd = efd;
    struct cb r3 = r;
    struct cb *rr[2] = {&r, &r3};
    submit(ctx, 2, rr);
    uint64_t cnt = 0;
    read(efd, &cnt, 8);
    g = getev(ctx, 2, 8, e, NULL);
    CHECK(cnt == 2 && g == 2, "resfd", "cnt=%llu g=%ld", (unsigned long long)cnt, g);
    r = mk(PREAD, fd, rbuf, 2, 0, 0);
    r.flags = 1;
    r.resfd = fd;
    CHECK(FAILS(submit1(ctx, &r), EINVAL), "resfd_not_eventfd", "errno=%d", errno);

    /* cancel */
    pr = mk(POLL, p[0], NULL, 0, 0, 23);
    pr.buf = POLLIN;
    submit1(ctx, &pr);
    struct ev ce;
    CHECK(FAILS(syscall(SYS_io_cancel, ctx, &pr, &ce), EINPROGRESS), "cancel_poll", "errno=%d", errno);
    g = getev(ctx, 1, 8, e, NULL);
    CHECK(g == 1 && e[0].res == 0 && e[0].data == 23, "cancel_event", "g=%ld res=%lld", g, (long long)e[0].res);
    CHECK(FAILS(syscall(SYS_io_cancel, ctx, &pr, &ce), EINVAL), "cancel_done", "errno=%d", errno);
    CHECK(FAILS(syscall(SYS_io_cancel, ctx, &w, &ce), EINVAL), "cancel_not_cancellable", "errno=%d", errno);

    /* getevents: time-out, checks, EINTR */
    struct timespec ts = {0, 50 * 1000000};
    pr = mk(POLL, p[0], NULL, 0, 0, 24);
    pr.buf = POLLIN;
    submit1(ctx, &pr);
    double t0 = t_now();
    g = getev(ctx, 1, 8, e, &ts);
    double dt = t_now() - t0;
    CHECK(g == 0 && dt > 0.03 && dt < 10, "getevents_timeout", "g=%ld dt=%f", g, dt);
    CHECK(FAILS(getev(ctx, 2, 1, e, &zero), EINVAL), "min_above_nr", "errno=%d", errno);
    CHECK(FAILS(getev(ctx, -1, 1, e, &zero), EINVAL), "min_negative", "errno=%d", errno);
    CHECK(FAILS(getev(12345, 0, 1, e, &zero), EINVAL), "getevents_bad_ctx", "errno=%d", errno);
    CHECK(FAILS(getev(ctx, 0, 1, e, (struct timespec *)8), EFAULT), "getevents_bad_timeout", "errno=%d", errno);
    t_handle(SIGUSR1, on_usr1, SA_RESTART);
    pid_t me = getpid();
    c = fork();
    if (c == 0) {
        t_sleep_ms(50);
        kill(me, SIGUSR1);
        _exit(0);
    }
    CHECK(FAILS(getev(ctx, 1, 8, e, NULL), EINTR), "getevents_eintr", "errno=%d", errno);
    waitpid(c, NULL, 0);
    CHECK(syscall(SYS_io_pgetevents, ctx, 0, 8, e, &zero, NULL) == 0, "pgetevents_no_mask", "errno=%d", errno);

    /* submit errors */
    r = mk(PREAD, fd, rbuf, 2, 0, 0);
    CHECK(FAILS(submit1(12345, &r), EINVAL), "submit_bad_ctx", "errno=%d", errno);
    CHECK(FAILS(submit(ctx, -1, NULL), EINVAL), "submit_negative", "errno=%d", errno);
    CHECK(submit(ctx, 0, NULL) == 0, "submit_zero", "errno=%d", errno);
    struct cb bfd = mk(PREAD, 999, rbuf, 2, 0, 0);
    CHECK(FAILS(submit1(ctx, &bfd), EBADF), "submit_bad_fd", "errno=%d", errno);
    struct cb bop = mk(99, fd, rbuf, 2, 0, 0);
    CHECK(FAILS(submit1(ctx, &bop), EINVAL), "submit_bad_opcode", "errno=%d", errno);
    struct cb bres = mk(PREAD, fd, rbuf, 2, 0, 0);
    bres.reserved2 = 1;
    CHECK(FAILS(submit1(ctx, &bres), EINVAL), "submit_reserved", "errno=%d", errno);
    struct cb *bp = (struct cb *)8;
    CHECK(FAILS(submit(ctx, 1, &bp), EFAULT), "submit_bad_iocb", "errno=%d", errno);
    struct cb wo = mk(PREAD, p[1], rbuf, 2, 0, 0);
    CHECK(FAILS(submit1(ctx, &wo), EBADF), "submit_write_only", "errno=%d", errno);
    struct cb neg = mk(PREAD, fd, rbuf, 2, -5, 0);
    CHECK(FAILS(submit1(ctx, &neg), EINVAL), "submit_negative_offset", "errno=%d", errno);
    struct cb good = mk(PREAD, fd, rbuf, 2, 0, 31);
    struct cb *mixed[2] = {&good, &bfd};
    n = submit(ctx, 2, mixed);
    g = getev(ctx, 1, 8, e, NULL);
    CHECK(n == 1 && g == 1 && e[0].data == 31, "submit_partial_batch", "n=%ld g=%ld", n, g);

    /* destroy with a poll pending (the one of getevents_timeout) */
    CHECK(syscall(SYS_io_destroy, ctx) == 0, "destroy", "errno=%d", errno);
    CHECK(FAILS(syscall(SYS_io_destroy, ctx), EINVAL), "destroy_twice", "errno=%d", errno);
    CHECK(FAILS(submit1(ctx, &good), EINVAL), "submit_after_destroy", "errno=%d", errno);

    return t_done("aio_basic");
}
