/* AF_UNIX SOCK_SEQPACKET (record boundaries and truncation over a
 * connection, end of file after the peer closes, EPIPE without SIGPIPE
 * after, ENOTCONN unconnected), sendmmsg/recvmmsg (counts, msg_len,
 * MSG_WAITFORONE), and the buffer and time-out options: SO_SNDBUF and
 * SO_RCVBUF doubled, SO_RCVTIMEO/SO_SNDTIMEO read back, EDOM and
 * EINVAL for bad values, a receive that times out with EAGAIN, and a
 * signal that interrupts a receive with a time-out: EINTR even under
 * SA_RESTART. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include "../t.h"

static void on_alarm(int s) { (void)s; }

int main(void) {
    int sv[2];
    char buf[64];
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair(AF_UNIX, SOCK_SEQPACKET)", "errno %d", errno);
    write(sv[0], "one", 3);
    write(sv[0], "three", 5);
    int n = read(sv[1], buf, sizeof buf);
    int m = read(sv[1], buf, sizeof buf);
    CHECK(n == 3 && m == 5, "each read takes one record", "n %d m %d", n, m);
    write(sv[0], "truncate", 8);
    struct iovec iov = {buf, 3};
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    n = recvmsg(sv[1], &mh, 0);
    CHECK(n == 3 && (mh.msg_flags & MSG_TRUNC), "a short buffer truncates the record: MSG_TRUNC", "n %d flags %#x", n, mh.msg_flags);
    CHECK(FAILS(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), EAGAIN), "the rest of the record is gone", "errno %d", errno);
    write(sv[0], "0123456789", 10);
    CHECK(recv(sv[1], buf, 2, MSG_TRUNC) == 10, "MSG_TRUNC returns the record's length", "errno %d", errno);
    int type = 0;
    socklen_t tl = sizeof type;
    getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &tl);
    CHECK(type == SOCK_SEQPACKET, "SO_TYPE is SOCK_SEQPACKET", "type %d", type);
    write(sv[0], "last", 4);
    close(sv[0]);
    CHECK(read(sv[1], buf, sizeof buf) == 4 && read(sv[1], buf, sizeof buf) == 0, "queued records, then end of file", "errno %d", errno);
    CHECK(FAILS(write(sv[1], "x", 1), EPIPE), "a write to a closed peer is EPIPE (no SIGPIPE for seqpacket)", "errno %d", errno);
    close(sv[1]);
    int u = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK(FAILS(write(u, "x", 1), ENOTCONN) && FAILS(read(u, buf, 1), ENOTCONN), "an unconnected seqpacket socket: ENOTCONN", "errno %d", errno);
    close(u);

    /* sendmmsg / recvmmsg. */
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    struct mmsghdr mm[4];
    struct iovec iv[4];
    char data[4][8] = {"a", "bb", "ccc", "dddd"};
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 4; i++) {
        iv[i].iov_base = data[i];
        iv[i].iov_len = i + 1;
        mm[i].msg_hdr.msg_iov = &iv[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    n = sendmmsg(sv[0], mm, 3, 0);
    CHECK(n == 3 && mm[0].msg_len == 1 && mm[2].msg_len == 3, "sendmmsg sends each message, msg_len set", "n %d", n);
    char rb[4][8];
    for (int i = 0; i < 4; i++) {
        iv[i].iov_base = rb[i];
        iv[i].iov_len = 8;
        mm[i].msg_len = 0;
    }
    n = recvmmsg(sv[1], mm, 4, MSG_WAITFORONE, NULL);
    CHECK(n == 3 && mm[1].msg_len == 2 && memcmp(rb[2], "ccc", 3) == 0, "recvmmsg with MSG_WAITFORONE takes what is queued", "n %d", n);
    CHECK(FAILS(recvmmsg(sv[1], mm, 4, MSG_DONTWAIT, NULL), EAGAIN), "recvmmsg with nothing queued and MSG_DONTWAIT: EAGAIN", "errno %d", errno);

    /* Options. */
    int v = 65536, r = 0;
    socklen_t l = sizeof r;
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v) == 0 && getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &r, &l) == 0 && r == 131072,
          "SO_SNDBUF is stored doubled", "r %d", r);
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof v) == 0 && getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &r, &l) == 0 && r == 131072,
          "SO_RCVBUF is stored doubled", "r %d", r);
    short sh = 1;
    CHECK(FAILS(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sh, sizeof sh), EINVAL), "an int option from 2 bytes is EINVAL", "errno %d", errno);
    struct timeval tv = {0, 200000}, got = {0, 0};
    l = sizeof got;
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 && getsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &got, &l) == 0 && got.tv_sec == 0 && got.tv_usec == 200000,
          "SO_RCVTIMEO reads back", "%ld.%06ld", (long)got.tv_sec, (long)got.tv_usec);
    struct timeval badtv = {0, 1000000};
    CHECK(FAILS(setsockopt(sv[1], SOL_SOCKET, SO_SNDTIMEO, &badtv, sizeof badtv), EDOM), "a time-out with 10^6 microseconds is EDOM", "errno %d", errno);
    CHECK(FAILS(setsockopt(sv[1], SOL_SOCKET, SO_SNDTIMEO, &tv, 8), EINVAL), "a time-out shorter than a timeval is EINVAL", "errno %d", errno);
    double t0 = t_now();
    CHECK(FAILS(recv(sv[1], buf, sizeof buf, 0), EAGAIN) && t_now() - t0 > 0.1, "a receive times out with EAGAIN", "errno %d after %.3f", errno, t_now() - t0);

    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct itimerval it = {{0, 0}, {0, 100000}};
    setitimer(ITIMER_REAL, &it, NULL);
    t0 = t_now();
    CHECK(FAILS(recv(sv[1], buf, sizeof buf, 0), EINTR) && t_now() - t0 < 4, "a signal ends a receive with a time-out: EINTR despite SA_RESTART", "errno %d", errno);
    tv.tv_sec = 0;
    setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    pid_t c = fork();
    if (c == 0) {
        t_sleep_ms(300);
        send(sv[0], "late", 4, 0);
        _exit(0);
    }
    setitimer(ITIMER_REAL, &it, NULL);
    n = recv(sv[1], buf, sizeof buf, 0);
    CHECK(n == 4, "without a time-out the receive restarts under SA_RESTART", "n %d errno %d", n, errno);
    t_wait_exit(c);
    return t_done("unix_seqpacket");
}
