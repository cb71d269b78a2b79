/* io_uring through raw system calls and a tiny ring helper: setup's
 * checks (0 entries, past 32768 without CLAMP, CLAMP, CQSIZE smaller than
 * the SQ, reserved fields, EFAULT), sizes rounded up to powers of two and
 * the CQ twice the SQ, SINGLE_MMAP and NODROP reported, the fd O_CLOEXEC;
 * NOP with user_data echoed; WRITE, READ, WRITEV, READV at offsets and at
 * the position (-1); FSYNC; a READ of an empty pipe that completes when a
 * child writes while io_uring_enter waits (GETEVENTS, min_complete); a
 * POLL_ADD ready at once and one completed later; POLL_REMOVE and
 * ASYNC_CANCEL (-ECANCELED for the target, -ENOENT for none); TIMEOUT
 * expiring (-ETIME), TIMEOUT_REMOVE and a TIMEOUT with a completion
 * count (0 after that many); more completions than the CQ holds kept and
 * delivered in order (NODROP, IORING_SQ_CQ_OVERFLOW); OPENAT, STATX and CLOSE; a
 * linked chain cut by a failing request (-ECANCELED); an unknown opcode
 * (-EINVAL); the ring fd polling readable with CQEs pending; enter's
 * errors (EBADF, EOPNOTSUPP on another file, bad flags); REGISTER_PROBE. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "../t.h"

struct sqe {
    uint8_t opcode, flags;
    uint16_t ioprio;
    int32_t fd;
    uint64_t off, addr;
    uint32_t len, op_flags;
    uint64_t user_data;
    uint16_t buf_index, personality;
    int32_t file_index;
    uint64_t addr3, pad;
};
struct cqe {
    uint64_t user_data;
    int32_t res;
    uint32_t flags;
};
struct params {
    uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3];
    uint32_t sq_off[10];
    uint32_t cq_off[10];
};
enum { NOP = 0, READV = 1, WRITEV = 2, FSYNC = 3, POLL_ADD = 6, POLL_REMOVE = 7, TIMEOUT = 11, TIMEOUT_REMOVE = 12,
       ASYNC_CANCEL = 14, OPENAT = 18, CLOSE = 19, STATX = 21, READ = 22, WRITE = 23 };

struct ring {
    int fd;
    struct params p;
    char *rings;
    struct sqe *sqes;
    unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
    struct cqe *cqes;
};

static long setup(unsigned n, struct params *p) { return syscall(SYS_io_uring_setup, n, p); }
static long enter(int fd, unsigned sub, unsigned min, unsigned fl) { return syscall(SYS_io_uring_enter, fd, sub, min, fl, NULL, 0); }

static int ring_init(struct ring *r, unsigned n) {
    memset(r, 0, sizeof *r);
    r->fd = setup(n, &r->p);
    if (r->fd < 0)
        return -1;
    size_t sqsz = r->p.sq_off[6] + r->p.sq_entries * 4;
    size_t cqsz = r->p.cq_off[5] + r->p.cq_entries * sizeof(struct cqe);
    size_t sz = sqsz > cqsz ? sqsz : cqsz;
    r->rings = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, 0);
    r->sqes = mmap(NULL, r->p.sq_entries * sizeof(struct sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, 0x10000000);
    if (r->rings == MAP_FAILED || r->sqes == MAP_FAILED)
        return -1;
    r->sq_tail = (unsigned *)(r->rings + r->p.sq_off[1]);
    r->sq_mask = (unsigned *)(r->rings + r->p.sq_off[2]);
    r->sq_array = (unsigned *)(r->rings + r->p.sq_off[6]);
    r->cq_head = (unsigned *)(r->rings + r->p.cq_off[0]);
    r->cq_tail = (unsigned *)(r->rings + r->p.cq_off[1]);
    r->cq_mask = (unsigned *)(r->rings + r->p.cq_off[2]);
    r->cqes = (struct cqe *)(r->rings + r->p.cq_off[5]);
    return 0;
}

/* Queues one SQE (not yet submitted). */
static struct sqe *q(struct ring *r, int op, int fd, uint64_t addr, unsigned len, uint64_t off, uint64_t ud) {
    unsigned t = *r->sq_tail, i = t & *r->sq_mask;
    struct sqe *s = &r->sqes[i];
    memset(s, 0, sizeof *s);
    s->opcode = op;
    s->fd = fd;
    s->addr = addr;
    s->len = len;
    s->off = off;
    s->user_data = ud;
    r->sq_array[i] = i;
    __atomic_store_n(r->sq_tail, t + 1, __ATOMIC_RELEASE);
    return s;
}

/* Takes one CQE (0 if none). */
static int reap(struct ring *r, struct cqe *out) {
    unsigned h = *r->cq_head;
    if (h == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
        return 0;
    *out = r->cqes[h & *r->cq_mask];
    __atomic_store_n(r->cq_head, h + 1, __ATOMIC_RELEASE);
    return 1;
}

/* Submits what is queued, waits for `min` completions, takes one. */
static long run1(struct ring *r, unsigned sub, struct cqe *c) {
    long n = enter(r->fd, sub, 1, 1);
    if (!reap(r, c))
        return -100;
    return n;
}

int main(void) {
    t_watchdog(60);
    struct params p;
    memset(&p, 0, sizeof p);
    CHECK(FAILS(setup(0, &p), EINVAL), "setup_zero", "errno=%d", errno);
    CHECK(FAILS(setup(40000, &p), EINVAL), "setup_too_many", "errno=%d", errno);
    memset(&p, 0, sizeof p);
    p.flags = 1 << 4;
    long fd = setup(40000, &p);
    CHECK(fd >= 0 && p.sq_entries == 32768 && p.cq_entries == 65536, "setup_clamp", "fd=%ld sq=%u cq=%u", fd, p.sq_entries, p.cq_entries);
    close(fd);
    memset(&p, 0, sizeof p);
    p.flags = 1 << 3;
    p.cq_entries = 4;
    CHECK(FAILS(setup(8, &p), EINVAL), "setup_cqsize_small", "errno=%d", errno);
    memset(&p, 0, sizeof p);
    p.flags = 1 << 3;
    p.cq_entries = 100;
    fd = setup(5, &p);
    CHECK(fd >= 0 && p.sq_entries == 8 && p.cq_entries == 128, "setup_cqsize", "sq=%u cq=%u", p.sq_entries, p.cq_entries);
    close(fd);
    memset(&p, 0, sizeof p);
    p.resv[1] = 1;
    CHECK(FAILS(setup(4, &p), EINVAL), "setup_reserved", "errno=%d", errno);
    CHECK(FAILS(setup(4, (struct params *)8), EFAULT), "setup_efault", "errno=%d", errno);

    struct ring r;
    CHECK(ring_init(&r, 6) == 0 && r.p.sq_entries == 8 && r.p.cq_entries == 16, "ring_sizes", "sq=%u cq=%u", r.p.sq_entries, r.p.cq_entries);
    CHECK((r.p.features & 3) == 3, "features_single_mmap_nodrop", "features=%x", r.p.features);
    CHECK(fcntl(r.fd, F_GETFD) == FD_CLOEXEC, "ring_cloexec", "fd flags=%d", fcntl(r.fd, F_GETFD));

    struct cqe c;
    q(&r, NOP, -1, 0, 0, 0, 0xabc);
    long n = run1(&r, 1, &c);
    CHECK(n == 1 && c.user_data == 0xabc && c.res == 0, "nop", "n=%ld ud=%llx res=%d", n, (unsigned long long)c.user_data, c.res);

    char path[] = "/tmp/io_uring_basic.XXXXXX";
    int f = mkstemp(path);
    char msg[] = "ring data";
    q(&r, WRITE, f, (uintptr_t)msg, 9, 0, 1);
    n = run1(&r, 1, &c);
    CHECK(n == 1 && c.res == 9 && c.user_data == 1 && lseek(f, 0, SEEK_CUR) == 0, "write_offset", "res=%d", c.res);
    char buf[32] = {0};
    q(&r, READ, f, (uintptr_t)buf, 4, 5, 2);
    run1(&r, 1, &c);
    CHECK(c.res == 4 && !strcmp(buf, "data"), "read_offset", "res=%d buf=%s", c.res, buf);
    memset(buf, 0, sizeof buf);
    q(&r, READ, f, (uintptr_t)buf, 4, (uint64_t)-1, 3);
    run1(&r, 1, &c);
    CHECK(c.res == 4 && !strcmp(buf, "ring") && lseek(f, 0, SEEK_CUR) == 4, "read_position", "res=%d buf=%s", c.res, buf);
    char a[3] = "XY", b[3] = "Z!";
    struct iovec wv[2] = {{a, 2}, {b, 2}};
    q(&r, WRITEV, f, (uintptr_t)wv, 2, 20, 4);
    run1(&r, 1, &c);
    char c1[3] = {0}, c2[3] = {0};
    struct iovec rv[2] = {{c1, 1}, {c2, 2}};
    q(&r, READV, f, (uintptr_t)rv, 2, 20, 5);
    struct cqe c5;
    run1(&r, 1, &c5);
    CHECK(c.res == 4 && c5.res == 3 && !strcmp(c1, "X") && !strcmp(c2, "YZ"), "vectored", "%d %d %s %s", c.res, c5.res, c1, c2);
    q(&r, FSYNC, f, 0, 0, 0, 6);
    run1(&r, 1, &c);
    CHECK(c.res == 0 && c.user_data == 6, "fsync", "res=%d", c.res);
    q(&r, READ, 999, (uintptr_t)buf, 4, 0, 7);
    run1(&r, 1, &c);
    CHECK(c.res == -EBADF, "read_bad_fd", "res=%d", c.res);
    q(&r, 200, -1, 0, 0, 0, 8);
    run1(&r, 1, &c);
    CHECK(c.res == -EINVAL && c.user_data == 8, "unknown_opcode", "res=%d", c.res);

    /* a read of an empty pipe completes when a child writes */
    int pp[2];
    pipe(pp);
    memset(buf, 0, sizeof buf);
    q(&r, READ, pp[0], (uintptr_t)buf, sizeof buf, 0, 10);
    n = enter(r.fd, 1, 0, 0);
    CHECK(n == 1 && !reap(&r, &c), "pipe_read_pending", "n=%ld", n);
    pid_t ch = fork();
    if (ch == 0) {
        t_sleep_ms(50);
        write(pp[1], "late", 4);
        _exit(0);
    }
    n = enter(r.fd, 0, 1, 1);
    int got = reap(&r, &c);
    waitpid(ch, NULL, 0);
    CHECK(n == 0 && got && c.user_data == 10 && c.res == 4 && !strcmp(buf, "late"), "pipe_read_completes", "n=%ld got=%d res=%d", n, got, c.res);

    /* poll */
    struct sqe *s = q(&r, POLL_ADD, pp[1], 0, 0, 0, 11);
    s->op_flags = POLLOUT;
    run1(&r, 1, &c);
    CHECK(c.user_data == 11 && c.res == POLLOUT, "poll_ready", "res=%d", c.res);
    s = q(&r, POLL_ADD, pp[0], 0, 0, 0, 12);
    s->op_flags = POLLIN;
    n = enter(r.fd, 1, 0, 0);
    CHECK(n == 1 && !reap(&r, &c), "poll_pending", "n=%ld", n);
    struct pollfd pf = {r.fd, POLLIN, 0};
    CHECK(poll(&pf, 1, 0) == 0, "ring_not_readable", "revents=%x", pf.revents);
    write(pp[1], "x", 1);
    CHECK(poll(&pf, 1, 5000) == 1 && (pf.revents & POLLIN), "ring_readable", "revents=%x", pf.revents);
    got = reap(&r, &c);
    CHECK(got && c.user_data == 12 && (c.res & POLLIN), "poll_completes", "res=%d", c.res);
    read(pp[0], buf, 1);

    s = q(&r, POLL_ADD, pp[0], 0, 0, 0, 13);
    s->op_flags = POLLIN;
    q(&r, POLL_REMOVE, -1, 13, 0, 0, 14);
    enter(r.fd, 2, 2, 1);
    struct cqe x, y;
    reap(&r, &x);
    reap(&r, &y);
    struct cqe *tgt = x.user_data == 13 ? &x : &y, *rem = x.user_data == 13 ? &y : &x;
    CHECK(tgt->res == -ECANCELED && rem->user_data == 14 && rem->res == 0, "poll_remove", "%d %d", tgt->res, rem->res);
    q(&r, ASYNC_CANCEL, -1, 999, 0, 0, 15);
    run1(&r, 1, &c);
    CHECK(c.res == -ENOENT, "cancel_none", "res=%d", c.res);

    /* timeouts */
    struct timespec ts = {0, 30 * 1000000};
    double t0 = t_now();
    q(&r, TIMEOUT, -1, (uintptr_t)&ts, 1, 0, 16);
    run1(&r, 1, &c);
    double dt = t_now() - t0;
    CHECK(c.user_data == 16 && c.res == -ETIME && dt > 0.02 && dt < 10, "timeout_expires", "res=%d dt=%f", c.res, dt);
    struct timespec longt = {100, 0};
    q(&r, TIMEOUT, -1, (uintptr_t)&longt, 1, 0, 17);
    q(&r, TIMEOUT_REMOVE, -1, 17, 0, 0, 18);
    enter(r.fd, 2, 2, 1);
    reap(&r, &x);
    reap(&r, &y);
    tgt = x.user_data == 17 ? &x : &y;
    rem = x.user_data == 17 ? &y : &x;
    CHECK(tgt->res == -ECANCELED && rem->res == 0 && rem->user_data == 18, "timeout_remove", "%d %d", tgt->res, rem->res);

    /* a timeout with a count ends with 0 after that many completions */
    q(&r, TIMEOUT, -1, (uintptr_t)&longt, 1, 2, 26);
    q(&r, NOP, -1, 0, 0, 0, 27);
    q(&r, NOP, -1, 0, 0, 0, 28);
    n = enter(r.fd, 3, 3, 1);
    int tres = 1, nops = 0;
    for (int i = 0; i < 3 && reap(&r, &c); i++) {
        if (c.user_data == 26)
            tres = c.res;
        else
            nops++;
    }
    CHECK(n == 3 && tres == 0 && nops == 2, "timeout_count", "n=%ld res=%d nops=%d", n, tres, nops);

    /* more completions than the CQ holds wait in the kernel (NODROP) */
    int posted = 0;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 8; i++)
            q(&r, NOP, -1, 0, 0, 0, 100 + posted++);
        enter(r.fd, 8, 0, 0);
    }
    unsigned *sq_flags = (unsigned *)(r.rings + r.p.sq_off[4]);
    int overflow_flag = (*sq_flags & 2) != 0;
    int reaped = 0, in_order = 1;
    while (reap(&r, &c))
        in_order &= c.user_data == (uint64_t)(100 + reaped++);
    int first = reaped;
    enter(r.fd, 0, 0, 1);
    while (reap(&r, &c))
        in_order &= c.user_data == (uint64_t)(100 + reaped++);
    CHECK(overflow_flag && first == 16 && reaped == 24 && in_order && !(*sq_flags & 2), "cq_overflow_nodrop", "flag=%d first=%d all=%d order=%d", overflow_flag, first, reaped, in_order);

    /* openat, statx, close */
    q(&r, OPENAT, AT_FDCWD, (uintptr_t)path, 0, 0, 19)->op_flags = O_RDONLY;
    run1(&r, 1, &c);
    int nfd = c.res;
    struct stat st;
    CHECK(nfd >= 0 && fstat(nfd, &st) == 0 && st.st_size == 24, "openat", "res=%d size=%ld", nfd, (long)st.st_size);
    static char sx[256];
    s = q(&r, STATX, AT_FDCWD, (uintptr_t)path, 0x7ff, (uintptr_t)sx, 20);
    run1(&r, 1, &c);
    uint64_t size;
    memcpy(&size, sx + 40, 8);
    CHECK(c.res == 0 && size == 24, "statx", "res=%d size=%llu", c.res, (unsigned long long)size);
    q(&r, CLOSE, nfd, 0, 0, 0, 21);
    run1(&r, 1, &c);
    CHECK(c.res == 0 && FAILS(fcntl(nfd, F_GETFD), EBADF), "close", "res=%d", c.res);

    /* a chain cut by a failure */
    q(&r, READ, 999, (uintptr_t)buf, 4, 0, 22)->flags = 4;
    q(&r, NOP, -1, 0, 0, 0, 23)->flags = 4;
    q(&r, NOP, -1, 0, 0, 0, 24);
    q(&r, NOP, -1, 0, 0, 0, 25);
    n = enter(r.fd, 4, 4, 1);
    int res[4] = {1, 1, 1, 1};
    for (int i = 0; i < 4 && reap(&r, &c); i++)
        if (c.user_data >= 22 && c.user_data <= 25)
            res[c.user_data - 22] = c.res;
    CHECK(n == 4 && res[0] == -EBADF && res[1] == -ECANCELED && res[2] == -ECANCELED && res[3] == 0, "link_chain", "n=%ld %d %d %d %d", n, res[0], res[1], res[2], res[3]);

    CHECK(FAILS(enter(999, 0, 0, 0), EBADF), "enter_bad_fd", "errno=%d", errno);
    CHECK(FAILS(enter(f, 0, 0, 0), EOPNOTSUPP), "enter_not_ring", "errno=%d", errno);
    CHECK(FAILS(enter(r.fd, 0, 0, 1 << 20), EINVAL), "enter_bad_flags", "errno=%d", errno);

    static unsigned char probe[16 + 8 * 64];
    long pr = syscall(SYS_io_uring_register, r.fd, 8, probe, 64);
    int ok = pr == 0 && probe[1] > 23;
    int want[] = {NOP, READV, WRITEV, FSYNC, POLL_ADD, POLL_REMOVE, TIMEOUT, TIMEOUT_REMOVE, ASYNC_CANCEL, OPENAT, CLOSE, STATX, READ, WRITE};
    for (unsigned i = 0; ok && i < sizeof want / sizeof *want; i++)
        ok = probe[16 + 8 * want[i]] == want[i] && (probe[16 + 8 * want[i] + 2] & 1);
    CHECK(ok, "register_probe", "pr=%ld errno=%d len=%d", pr, errno, probe[1]);

    unlink(path);
    return t_done("io_uring_basic");
}
