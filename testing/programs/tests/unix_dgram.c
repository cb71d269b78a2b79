/* AF_UNIX datagram sockets: message boundaries, truncation (MSG_TRUNC
 * in and out), zero-length datagrams, the sender's address on recvfrom
 * (none for an unbound sender), connect and per-peer delivery (EPERM
 * from a socket the receiver is not connected to), AF_UNSPEC to
 * disconnect, a full receiver (EAGAIN after its queue limit; a blocked
 * sender wakes when it drains), ECONNREFUSED once the peer is gone and
 * ENOTCONN after, EMSGSIZE past the send buffer. */
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "../t.h"

static socklen_t mkabstract(struct sockaddr_un *a, const char *name) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, strlen(name));
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

int main(void) {
    t_watchdog(30);
    int sv[2];
    char buf[64];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair(AF_UNIX, SOCK_DGRAM)", "errno %d", errno);
    send(sv[0], "first", 5, 0);
    send(sv[0], "second", 6, 0);
    int n = recv(sv[1], buf, sizeof buf, 0);
    int m = recv(sv[1], buf + 10, sizeof buf - 10, 0);
    CHECK(n == 5 && m == 6, "each read takes one datagram", "n %d m %d", n, m);
    send(sv[0], "truncated", 9, 0);
    struct iovec iov = {buf, 4};
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    n = recvmsg(sv[1], &mh, 0);
    CHECK(n == 4 && (mh.msg_flags & MSG_TRUNC), "a short buffer truncates and sets MSG_TRUNC", "n %d flags %#x", n, mh.msg_flags);
    CHECK(FAILS(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), EAGAIN), "the rest of a truncated datagram is gone", "errno %d", errno);
    send(sv[0], "0123456789", 10, 0);
    n = recv(sv[1], buf, 3, MSG_TRUNC);
    CHECK(n == 10, "MSG_TRUNC returns the datagram's full length", "n %d", n);
    CHECK(send(sv[0], "", 0, 0) == 0 && recv(sv[1], buf, sizeof buf, 0) == 0, "a zero-length datagram is a datagram", "errno %d", errno);
    send(sv[0], "peek", 4, 0);
    n = recv(sv[1], buf, sizeof buf, MSG_PEEK);
    m = recv(sv[1], buf, sizeof buf, 0);
    CHECK(n == 4 && m == 4, "MSG_PEEK leaves the datagram queued", "n %d m %d", n, m);

    struct sockaddr_un from;
    socklen_t fl = sizeof from;
    memset(&from, 0x55, sizeof from);
    send(sv[0], "x", 1, 0);
    n = recvfrom(sv[1], buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    CHECK(n == 1 && fl == 0, "recvfrom an unbound sender gives no address", "fl %u", (unsigned)fl);

    struct sockaddr_un ra, sa;
    socklen_t rl = mkabstract(&ra, "aramid-dgram-r");
    socklen_t sl = mkabstract(&sa, "aramid-dgram-s");
    int r = socket(AF_UNIX, SOCK_DGRAM, 0);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(r, (struct sockaddr *)&ra, rl);
    bind(s, (struct sockaddr *)&sa, sl);
    sendto(s, "named", 5, 0, (struct sockaddr *)&ra, rl);
    fl = sizeof from;
    n = recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    CHECK(n == 5 && fl == sl && memcmp(&from, &sa, sl) == 0, "recvfrom gives a bound sender's name", "fl %u", (unsigned)fl);
    CHECK(FAILS(send(s, "x", 1, 0), ENOTCONN), "send without a destination is ENOTCONN", "errno %d", errno);

    /* r connected to s takes datagrams from s only. */
    int other = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(connect(r, (struct sockaddr *)&sa, sl) == 0, "connect a datagram socket", "errno %d", errno);
    CHECK(FAILS(sendto(other, "x", 1, 0, (struct sockaddr *)&ra, rl), EPERM), "a socket connected elsewhere refuses others: EPERM", "errno %d", errno);
    CHECK(sendto(s, "ok", 2, 0, (struct sockaddr *)&ra, rl) == 2 && recv(r, buf, sizeof buf, 0) == 2, "but takes its peer's", "errno %d", errno);
    CHECK(send(r, "to-s", 4, 0) == 4 && recv(s, buf, sizeof buf, 0) == 4, "send goes to the connected peer", "errno %d", errno);
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    CHECK(connect(r, &unspec, sizeof unspec) == 0 && sendto(other, "x", 1, 0, (struct sockaddr *)&ra, rl) == 1, "AF_UNSPEC disconnects", "errno %d", errno);
    recv(r, buf, sizeof buf, 0);

    /* A full receiver. */
    int sent = 0;
    fcntl(other, F_SETFL, O_NONBLOCK);
    while (sendto(other, "f", 1, 0, (struct sockaddr *)&ra, rl) == 1 && sent < 1000) sent++;
    CHECK(sent == 11 && errno == EAGAIN, "a receiver takes 11 datagrams, then EAGAIN", "sent %d errno %d", sent, errno);
    connect(other, (struct sockaddr *)&ra, rl);
    struct pollfd pf = {other, POLLOUT, 0};
    CHECK(poll(&pf, 1, 0) == 0, "a socket connected to a full receiver is not writable", "revents %#x", pf.revents);
    fcntl(other, F_SETFL, 0);
    pid_t c = fork();
    if (c == 0) {
        t_sleep_ms(50);
        char b[4];
        recv(r, b, sizeof b, 0);
        _exit(0);
    }
    double t0 = t_now();
    n = send(other, "w", 1, 0);
    CHECK(n == 1 && t_now() - t0 > 0.02, "a blocked sender goes on once the receiver reads", "n %d waited %.3f", n, t_now() - t0);
    waitpid(c, NULL, 0);
    close(other);

    /* The peer goes away. */
    int cs = socket(AF_UNIX, SOCK_DGRAM, 0);
    connect(cs, (struct sockaddr *)&sa, sl);
    close(s);
    CHECK(FAILS(send(cs, "x", 1, 0), ECONNREFUSED), "send to a closed peer is ECONNREFUSED", "errno %d", errno);
    CHECK(FAILS(send(cs, "x", 1, 0), ENOTCONN), "and the socket is then disconnected", "errno %d", errno);
    close(cs);

    static char huge[300000];
    CHECK(FAILS(send(sv[0], huge, sizeof huge, 0), EMSGSIZE), "a datagram past the send buffer is EMSGSIZE", "errno %d", errno);
    CHECK(shutdown(sv[1], SHUT_RD) == 0 && recv(sv[1], buf, sizeof buf, 0) == 0, "after SHUT_RD a read returns 0", "errno %d", errno);
    CHECK(FAILS(send(sv[0], "x", 1, 0), EPIPE), "a send to a socket shut for reading is EPIPE", "errno %d", errno);
    close(sv[0]);
    close(sv[1]);
    close(r);
    return t_done("unix_dgram");
}
