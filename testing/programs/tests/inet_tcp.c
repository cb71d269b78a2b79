#define _GNU_SOURCE
/* TCP on 127.0.0.1: listen/connect/accept, getsockname/getpeername,
 * ephemeral ports, ECONNREFUSED for a closed port, non-blocking connect
 * (EINPROGRESS, then POLLOUT) and accept (EAGAIN), bytes both ways, end
 * of stream and POLLRDHUP after the peer's close, shutdown(SHUT_WR),
 * TCP_NODELAY and SO_KEEPALIVE read back, SO_ACCEPTCONN, SO_ERROR. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include "../t.h"

#define PORT 23451

static struct sockaddr_in lo(int port) {
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int listener(int port, int backlog) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = lo(port);
    if (bind(s, (void *)&a, sizeof a) != 0 || listen(s, backlog) != 0) return -1;
    return s;
}

static int getint(int fd, int lvl, int opt) {
    int v = -1;
    socklen_t l = sizeof v;
    if (getsockopt(fd, lvl, opt, &v, &l) != 0) return -errno;
    return v;
}

int main(void) {
    t_watchdog(60);
    int l = listener(PORT, 8);
    CHECK(l >= 0, "listen on 127.0.0.1", "errno %d", errno);
    CHECK(getint(l, SOL_SOCKET, SO_ACCEPTCONN) == 1, "SO_ACCEPTCONN on a listener", "%d", getint(l, SOL_SOCKET, SO_ACCEPTCONN));

    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo(PORT);
    CHECK(connect(c, (void *)&a, sizeof a) == 0, "blocking connect", "errno %d", errno);
    struct sockaddr_in me = {0}, peer = {0};
    socklen_t ml = sizeof me, pl = sizeof peer;
    getsockname(c, (void *)&me, &ml);
    CHECK(ml == sizeof me && me.sin_family == AF_INET && ntohs(me.sin_port) >= 1024 && me.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "connect binds an ephemeral port on 127.0.0.1", "port %d", ntohs(me.sin_port));
    int s = accept(l, (void *)&peer, &pl);
    CHECK(s >= 0 && pl == sizeof peer && peer.sin_port == me.sin_port && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "accept gives the client's address", "s %d errno %d", s, errno);
    struct sockaddr_in gp = {0};
    socklen_t gl = sizeof gp;
    CHECK(getpeername(c, (void *)&gp, &gl) == 0 && ntohs(gp.sin_port) == PORT, "getpeername of the client", "errno %d", errno);
    gl = sizeof gp;
    CHECK(getsockname(s, (void *)&gp, &gl) == 0 && ntohs(gp.sin_port) == PORT, "getsockname of the accepted socket", "port %d", ntohs(gp.sin_port));
    CHECK(getint(s, SOL_SOCKET, SO_ACCEPTCONN) == 0, "SO_ACCEPTCONN on a connection", "-");

    char buf[64];
    CHECK(write(c, "ping", 4) == 4 && read(s, buf, sizeof buf) == 4 && memcmp(buf, "ping", 4) == 0, "client to server", "-");
    CHECK(send(s, "pong!", 5, 0) == 5 && recv(c, buf, sizeof buf, 0) == 5 && memcmp(buf, "pong!", 5) == 0, "server to client", "-");
    CHECK(send(c, "peek", 4, 0) == 4 && recv(s, buf, 2, MSG_PEEK) == 2 && recv(s, buf, sizeof buf, 0) == 4, "MSG_PEEK leaves the bytes", "-");
    CHECK(FAILS(recv(s, buf, sizeof buf, MSG_DONTWAIT), EAGAIN), "MSG_DONTWAIT with nothing is EAGAIN", "errno %d", errno);

    int one = 1;
    CHECK(getint(c, IPPROTO_TCP, TCP_NODELAY) == 0 && setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0 &&
              getint(c, IPPROTO_TCP, TCP_NODELAY) == 1, "TCP_NODELAY", "%d", getint(c, IPPROTO_TCP, TCP_NODELAY));
    CHECK(setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0 && getint(c, SOL_SOCKET, SO_KEEPALIVE) == 1, "SO_KEEPALIVE", "-");

    /* shutdown(SHUT_WR): the peer reads end of stream, can still send. */
    CHECK(shutdown(c, SHUT_WR) == 0, "shutdown SHUT_WR", "errno %d", errno);
    CHECK(read(s, buf, sizeof buf) == 0, "peer reads end of stream", "-");
    struct pollfd p = {s, POLLIN | POLLRDHUP, 0};
    CHECK(poll(&p, 1, 1000) == 1 && (p.revents & (POLLIN | POLLRDHUP)) == (POLLIN | POLLRDHUP), "POLLRDHUP after the peer's FIN", "revents %x", p.revents);
    CHECK(write(s, "late", 4) == 4 && read(c, buf, sizeof buf) == 4, "the other way still works", "-");
    signal(SIGPIPE, SIG_IGN);
    CHECK(FAILS(send(c, "x", 1, 0), EPIPE), "send after SHUT_WR is EPIPE", "errno %d", errno);
    close(s);
    CHECK(read(c, buf, sizeof buf) == 0, "end of stream after the peer's close", "-");
    close(c);

    /* A closed port refuses. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    a = lo(PORT + 1);
    CHECK(FAILS(connect(c, (void *)&a, sizeof a), ECONNREFUSED), "connect to a closed port is ECONNREFUSED", "errno %d", errno);
    close(c);
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int r = connect(c, (void *)&a, sizeof a);
    if (r == -1 && errno == EINPROGRESS) {
        p = (struct pollfd){c, POLLOUT, 0};
        poll(&p, 1, 2000);
        r = getint(c, SOL_SOCKET, SO_ERROR) == ECONNREFUSED ? 0 : -1;
    } else if (r == -1 && errno == ECONNREFUSED) {
        r = 0;
    }
    CHECK(r == 0, "non-blocking connect to a closed port ends in ECONNREFUSED", "errno %d", errno);
    close(c);

    /* Non-blocking connect and accept. */
    fcntl(l, F_SETFL, O_NONBLOCK);
    CHECK(FAILS(accept(l, NULL, NULL), EAGAIN), "non-blocking accept with no connection is EAGAIN", "errno %d", errno);
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    a = lo(PORT);
    r = connect(c, (void *)&a, sizeof a);
    CHECK(r == 0 || errno == EINPROGRESS, "non-blocking connect: 0 or EINPROGRESS", "errno %d", errno);
    p = (struct pollfd){c, POLLOUT, 0};
    CHECK(poll(&p, 1, 2000) == 1 && (p.revents & POLLOUT) && getint(c, SOL_SOCKET, SO_ERROR) == 0, "the connection is writable once made", "revents %x", p.revents);
    p = (struct pollfd){l, POLLIN, 0};
    CHECK(poll(&p, 1, 2000) == 1 && (p.revents & POLLIN), "the listener is readable", "revents %x", p.revents);
    s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    CHECK(s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK) && (fcntl(s, F_GETFD) & FD_CLOEXEC), "accept4 flags", "errno %d", errno);
    CHECK(connect(c, (void *)&a, sizeof a) == 0, "connect after EINPROGRESS reports success once", "errno %d", errno);
    CHECK(FAILS(connect(c, (void *)&a, sizeof a), EISCONN), "connect again is EISCONN", "errno %d", errno);
    close(c);
    close(s);

    /* Several clients wait in the backlog before accept. */
    int cs[3], ok = 1;
    for (int i = 0; i < 3; i++) {
        cs[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(cs[i], (void *)&a, sizeof a) != 0) ok = 0;
        char ch = 'a' + i;
        write(cs[i], &ch, 1);
    }
    fcntl(l, F_SETFL, 0);
    for (int i = 0; i < 3 && ok; i++) {
        s = accept(l, NULL, NULL);
        char ch = 0;
        if (s < 0 || read(s, &ch, 1) != 1 || ch < 'a' || ch > 'c') ok = 0;
        close(s);
    }
    CHECK(ok, "three connections wait in the backlog", "-");
    for (int i = 0; i < 3; i++) close(cs[i]);

    struct sockaddr_in un = {0};
    socklen_t ul = sizeof un;
    c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(FAILS(getpeername(c, (void *)&un, &ul), ENOTCONN), "getpeername unconnected is ENOTCONN", "errno %d", errno);
    CHECK(getsockname(c, (void *)&un, &ul) == 0 && un.sin_port == 0 && un.sin_addr.s_addr == 0, "getsockname unbound is 0.0.0.0:0", "-");
    CHECK(FAILS(send(c, "x", 1, MSG_NOSIGNAL), EPIPE), "send unconnected is EPIPE", "errno %d", errno);
    close(c);
    close(l);
    return t_done("inet_tcp");
}
