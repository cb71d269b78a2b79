/* io_uring's socket requests through raw system calls: RECV that waits
 * until a child sends (io_uring_enter waiting for it), RECV and SEND that
 * complete at once, SEND to a closed peer (-EPIPE with MSG_NOSIGNAL),
 * ACCEPT pending until a CONNECT on an AF_UNIX socket and on TCP
 * loopback (data then flows through the accepted descriptor),
 * ASYNC_CANCEL of a waiting RECV, and LINK_TIMEOUT: firing (-ETIME, the
 * RECV -ECANCELED), losing to a RECV that completes (-ECANCELED), and
 * outside a chain (-EINVAL). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/socket.h>
#include <stddef.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
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
       ACCEPT = 13, ASYNC_CANCEL = 14, LINK_TIMEOUT = 15, CONNECT = 16, SEND = 26, RECV = 27, OPENAT = 18, CLOSE = 19, STATX = 21, READ = 22, WRITE = 23 };

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


/* Reaps `n` CQEs into res[] indexed by user_data - base. */
static void reap_n(struct ring *r, int n, int base, int *res) {
    struct cqe c;
    for (int i = 0; i < n; i++) {
        if (!reap(r, &c))
            break;
        if ((int)c.user_data >= base && (int)c.user_data < base + 8)
            res[c.user_data - base] = c.res;
    }
}

int main(void) {
    t_watchdog(60);
    struct ring r;
    if (ring_init(&r, 16) != 0) {
        printf("FAIL - ring (errno=%d)\n", errno);
        return 1;
    }
    struct cqe c;
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    char buf[64] = {0};

    q(&r, RECV, sv[1], (uintptr_t)buf, sizeof buf, 0, 1);
    long n = enter(r.fd, 1, 0, 0);
    CHECK(n == 1 && !reap(&r, &c), "recv_pending", "n=%ld", n);
    pid_t ch = fork();
    if (ch == 0) {
        t_sleep_ms(50);
        write(sv[0], "hello", 5);
        _exit(0);
    }
    n = enter(r.fd, 0, 1, 1);
    int got = reap(&r, &c);
    waitpid(ch, NULL, 0);
    CHECK(got && c.user_data == 1 && c.res == 5 && !strcmp(buf, "hello"), "recv_completes", "got=%d res=%d", got, c.res);

    q(&r, SEND, sv[0], (uintptr_t)"abc", 3, 0, 2);
    run1(&r, 1, &c);
    memset(buf, 0, sizeof buf);
    read(sv[1], buf, sizeof buf);
    CHECK(c.res == 3 && !strcmp(buf, "abc"), "send", "res=%d buf=%s", c.res, buf);

    write(sv[0], "xy", 2);
    memset(buf, 0, sizeof buf);
    q(&r, RECV, sv[1], (uintptr_t)buf, sizeof buf, 0, 3);
    run1(&r, 1, &c);
    CHECK(c.res == 2 && !strcmp(buf, "xy"), "recv_ready", "res=%d", c.res);

    /* cancel a waiting recv */
    q(&r, RECV, sv[1], (uintptr_t)buf, sizeof buf, 0, 10);
    q(&r, ASYNC_CANCEL, -1, 10, 0, 0, 11);
    enter(r.fd, 2, 2, 1);
    int res[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    reap_n(&r, 2, 10, res);
    CHECK(res[0] == -ECANCELED && res[1] == 0, "cancel_recv", "%d %d", res[0], res[1]);

    /* link timeouts */
    struct timespec ts = {0, 30 * 1000000};
    q(&r, RECV, sv[1], (uintptr_t)buf, sizeof buf, 0, 20)->flags = 4;
    q(&r, LINK_TIMEOUT, -1, (uintptr_t)&ts, 1, 0, 21);
    n = enter(r.fd, 2, 2, 1);
    for (int i = 0; i < 8; i++)
        res[i] = 1;
    reap_n(&r, 2, 20, res);
    CHECK(n == 2 && res[0] == -ECANCELED && res[1] == -ETIME, "link_timeout_fires", "n=%ld %d %d", n, res[0], res[1]);
    write(sv[0], "q", 1);
    struct timespec longt = {100, 0};
    q(&r, RECV, sv[1], (uintptr_t)buf, sizeof buf, 0, 30)->flags = 4;
    q(&r, LINK_TIMEOUT, -1, (uintptr_t)&longt, 1, 0, 31);
    enter(r.fd, 2, 2, 1);
    for (int i = 0; i < 8; i++)
        res[i] = 1;
    reap_n(&r, 2, 30, res);
    CHECK(res[0] == 1 && res[1] == -ECANCELED, "link_timeout_loses", "%d %d", res[0], res[1]);
    q(&r, LINK_TIMEOUT, -1, (uintptr_t)&ts, 1, 0, 40);
    run1(&r, 1, &c);
    CHECK(c.res == -EINVAL, "link_timeout_alone", "res=%d", c.res);

    /* accept + connect, AF_UNIX */
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    strcpy(un.sun_path + 1, "io_uring_net");
    socklen_t unlen = offsetof(struct sockaddr_un, sun_path) + 1 + strlen("io_uring_net");
    bind(ls, (struct sockaddr *)&un, unlen);
    listen(ls, 4);
    q(&r, ACCEPT, ls, 0, 0, 0, 50);
    n = enter(r.fd, 1, 0, 0);
    CHECK(n == 1 && !reap(&r, &c), "accept_pending", "n=%ld", n);
    int cs = socket(AF_UNIX, SOCK_STREAM, 0);
    q(&r, CONNECT, cs, (uintptr_t)&un, 0, unlen, 51);
    enter(r.fd, 1, 2, 1);
    for (int i = 0; i < 8; i++)
        res[i] = -999;
    reap_n(&r, 2, 50, res);
    int afd = res[0];
    memset(buf, 0, sizeof buf);
    CHECK(afd >= 0 && res[1] == 0 && write(cs, "un", 2) == 2 && read(afd, buf, sizeof buf) == 2, "accept_connect_unix", "accept=%d connect=%d", res[0], res[1]);
    close(afd);
    close(cs);

    /* accept + connect, TCP loopback */
    int tl = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t inlen = sizeof in;
    bind(tl, (struct sockaddr *)&in, sizeof in);
    getsockname(tl, (struct sockaddr *)&in, &inlen);
    listen(tl, 4);
    struct sockaddr_in peer;
    socklen_t peerlen = sizeof peer;
    q(&r, ACCEPT, tl, (uintptr_t)&peer, 0, (uintptr_t)&peerlen, 60);
    enter(r.fd, 1, 0, 0);
    int tc = socket(AF_INET, SOCK_STREAM, 0);
    q(&r, CONNECT, tc, (uintptr_t)&in, 0, sizeof in, 61);
    enter(r.fd, 1, 2, 1);
    for (int i = 0; i < 8; i++)
        res[i] = -999;
    reap_n(&r, 2, 60, res);
    afd = res[0];
    memset(buf, 0, sizeof buf);
    int ok = afd >= 0 && res[1] == 0 && peer.sin_family == AF_INET && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK);
    if (ok) {
        q(&r, SEND, tc, (uintptr_t)"tcp!", 4, 0, 62);
        run1(&r, 1, &c);
        q(&r, RECV, afd, (uintptr_t)buf, sizeof buf, 0, 63);
        struct cqe c2;
        run1(&r, 1, &c2);
        ok = c.res == 4 && c2.res == 4 && !strcmp(buf, "tcp!");
    }
    CHECK(ok, "accept_connect_tcp", "accept=%d connect=%d", res[0], res[1]);

    close(sv[1]);
    q(&r, SEND, sv[0], (uintptr_t)"z", 1, 0, 70)->op_flags = MSG_NOSIGNAL;
    run1(&r, 1, &c);
    CHECK(c.res == -EPIPE, "send_epipe", "res=%d", c.res);

    return t_done("io_uring_net");
}
