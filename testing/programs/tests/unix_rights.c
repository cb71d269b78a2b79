/* SCM_RIGHTS over AF_UNIX: a passed descriptor refers to the same open
 * file (shared offset), several in one message, MSG_CMSG_CLOEXEC, a file
 * whose only reference is the message in flight, MSG_CTRUNC when the
 * control buffer is too small (the extra descriptors are closed),
 * MSG_PEEK duplicating them, EBADF for a closed descriptor, EINVAL past
 * 253 descriptors, a stream read that stops after the message carrying
 * descriptors, and the collection of a socket cycle that only messages
 * in flight keep alive (its peer then sees end of file). */
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "../t.h"

static int send_fds(int s, const int *fds, int n, const char *data) {
    char ctl[CMSG_SPACE(sizeof(int) * 300)];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {(void *)data, strlen(data)};
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return syscall(SYS_sendmsg, s, &mh, 0); /* musl caps msg_control at 1 KiB */
}

/* Receives into buf; the descriptors into fds (count returned in *n). */
static int recv_fds(int s, char *buf, int len, int *fds, int *n, int room, int flags, int *mflags) {
    char ctl[CMSG_SPACE(sizeof(int) * 300)];
    struct iovec iov = {buf, len};
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl;
    mh.msg_controllen = room;
    int r = syscall(SYS_recvmsg, s, &mh, flags);
    *n = 0;
    if (mflags) *mflags = mh.msg_flags;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(fds + *n, CMSG_DATA(c), k * sizeof(int));
            *n += k;
        }
    }
    return r;
}

int main(void) {
    t_watchdog(30);
    int sv[2], p[2], fds[300], n, mf;
    char buf[64];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int f = open("/tmp/unix_rights.file", O_CREAT | O_RDWR | O_TRUNC, 0600);
    write(f, "abcdef", 6);
    lseek(f, 2, SEEK_SET);
    CHECK(send_fds(sv[0], &f, 1, "F") == 1, "sendmsg with SCM_RIGHTS", "errno %d", errno);
    int r = recv_fds(sv[1], buf, sizeof buf, fds, &n, CMSG_SPACE(sizeof(int)), 0, &mf);
    CHECK(r == 1 && n == 1 && fds[0] != f, "the receiver gets a new descriptor", "r %d n %d", r, n);
    CHECK(lseek(fds[0], 0, SEEK_CUR) == 2 && read(fds[0], buf, 2) == 2 && lseek(f, 0, SEEK_CUR) == 4, "it is the same open file (shared offset)", "off %ld", (long)lseek(f, 0, SEEK_CUR));
    CHECK(!(fcntl(fds[0], F_GETFD) & FD_CLOEXEC), "without MSG_CMSG_CLOEXEC it is not close-on-exec", "fd flags %#x", fcntl(fds[0], F_GETFD));
    close(fds[0]);

    pipe(p);
    int three[3] = {p[0], p[1], f};
    send_fds(sv[0], three, 3, "3");
    r = recv_fds(sv[1], buf, sizeof buf, fds, &n, CMSG_SPACE(3 * sizeof(int)), MSG_CMSG_CLOEXEC, &mf);
    CHECK(r == 1 && n == 3 && (fcntl(fds[0], F_GETFD) & FD_CLOEXEC) && (mf & MSG_CMSG_CLOEXEC), "three at once, MSG_CMSG_CLOEXEC", "n %d flags %#x", n, mf);
    write(fds[1], "pp", 2);
    CHECK(read(p[0], buf, 2) == 2, "a passed pipe end works", "errno %d", errno);
    for (int i = 0; i < 3; i++) close(fds[i]);

    /* A pipe whose only reference is in flight. */
    int q[2];
    pipe(q);
    write(q[1], "inflight", 8);
    send_fds(sv[0], &q[0], 1, "Q");
    close(q[0]);
    close(q[1]);
    recv_fds(sv[1], buf, sizeof buf, fds, &n, CMSG_SPACE(sizeof(int)), 0, NULL);
    CHECK(n == 1 && read(fds[0], buf, 16) == 8 && read(fds[0], buf, 16) == 0, "a file kept alive only in flight is intact", "n %d", n);
    close(fds[0]);

    /* Too little room: MSG_CTRUNC, one descriptor delivered. */
    send_fds(sv[0], three, 3, "T");
    r = recv_fds(sv[1], buf, sizeof buf, fds, &n, CMSG_LEN(sizeof(int)), 0, &mf);
    CHECK(r == 1 && n == 1 && (mf & MSG_CTRUNC), "a short control buffer: MSG_CTRUNC, the descriptors that fit", "n %d flags %#x", n, mf);
    close(fds[0]);
    send_fds(sv[0], three, 3, "N");
    struct msghdr mh = {0};
    struct iovec iov = {buf, sizeof buf};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    r = recvmsg(sv[1], &mh, 0);
    CHECK(r == 1 && (mh.msg_flags & MSG_CTRUNC), "no control buffer at all: MSG_CTRUNC", "flags %#x", mh.msg_flags);

    /* MSG_PEEK duplicates. */
    send_fds(sv[0], &f, 1, "P");
    int n1, n2, pk[4], rv[4];
    recv_fds(sv[1], buf, sizeof buf, pk, &n1, CMSG_SPACE(sizeof(int)), MSG_PEEK, NULL);
    recv_fds(sv[1], buf, sizeof buf, rv, &n2, CMSG_SPACE(sizeof(int)), 0, NULL);
    CHECK(n1 == 1 && n2 == 1 && pk[0] != rv[0], "MSG_PEEK gives its own copy of the descriptors", "n1 %d n2 %d", n1, n2);
    close(pk[0]);
    close(rv[0]);

    int bad = 999;
    CHECK(FAILS(send_fds(sv[0], &bad, 1, "B"), EBADF), "passing a closed descriptor is EBADF", "errno %d", errno);
    for (int i = 0; i < 254; i++) fds[i] = f;
    CHECK(FAILS(send_fds(sv[0], fds, 254, "M"), EINVAL), "more than 253 descriptors is EINVAL", "errno %d", errno);
    CHECK(send_fds(sv[0], fds, 253, "M") == 1, "253 descriptors go", "errno %d", errno);
    r = recv_fds(sv[1], buf, sizeof buf, rv, &n, sizeof(((struct { struct cmsghdr h; int x[300]; } *)0)->x) , 0, NULL);
    (void)r;
    /* Close whatever arrived. */
    int got = 0;
    for (int fd = 3; fd < 1024; fd++) {
        if (fd != sv[0] && fd != sv[1] && fd != f && fd != p[0] && fd != p[1] && fcntl(fd, F_GETFD) >= 0) {
            close(fd);
            got++;
        }
    }
    CHECK(got > 0, "and arrive", "got %d", got);

    /* A stream read stops after the message with descriptors. */
    send_fds(sv[0], &f, 1, "ab");
    write(sv[0], "cd", 2);
    r = recv_fds(sv[1], buf, sizeof buf, fds, &n, CMSG_SPACE(sizeof(int)), 0, NULL);
    CHECK(r == 2 && n == 1, "a stream read stops after the data that carried descriptors", "r %d n %d", r, n);
    close(fds[0]);
    CHECK(read(sv[1], buf, sizeof buf) == 2, "the rest comes with the next read", "errno %d", errno);

    /* Datagram SCM_RIGHTS. */
    int dv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, dv);
    send_fds(dv[0], &f, 1, "D");
    r = recv_fds(dv[1], buf, sizeof buf, fds, &n, CMSG_SPACE(sizeof(int)), 0, NULL);
    CHECK(r == 1 && n == 1, "SCM_RIGHTS on a datagram socket", "r %d n %d", r, n);
    close(fds[0]);

    /* A cycle: each socket of a pair in flight in the other's queue, and
     * a third socket in the cycle whose peer we keep. */
    int a[2], w[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, a);
    socketpair(AF_UNIX, SOCK_STREAM, 0, w);
    send_fds(a[0], &a[0], 1, "x");
    send_fds(a[1], &a[1], 1, "y");
    send_fds(a[0], &w[0], 1, "z");
    close(w[0]);
    close(a[0]);
    close(a[1]);
    /* Any close of a unix socket runs the collector. */
    int t1[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, t1);
    close(t1[0]);
    close(t1[1]);
    struct pollfd pf = {w[1], POLLIN, 0};
    int pr = poll(&pf, 1, 2000);
    CHECK(pr == 1 && (pf.revents & POLLHUP) && read(w[1], buf, 1) == 0, "an unreachable cycle is collected: its peer sees end of file", "pr %d revents %#x", pr, pf.revents);
    close(w[1]);
    unlink("/tmp/unix_rights.file");
    return t_done("unix_rights");
}
