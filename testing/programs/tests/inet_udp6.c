/* UDP on 127.0.0.1 (datagram boundaries, truncation with MSG_TRUNC,
 * sender addresses, connected sockets, EDESTADDRREQ, autobind), bind
 * rules (EADDRINUSE, SO_REUSEADDR, SO_REUSEPORT, EADDRNOTAVAIL, EINVAL
 * twice) and IPv6 on ::1 (TCP and UDP, IPV6_V6ONLY, v4-mapped peers). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "../t.h"

#define PORT 23471

static struct sockaddr_in v4(const char *ip, int port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static struct sockaddr_in6 v6(const char *ip, int port) {
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return a;
}

int main(void) {
    t_watchdog(60);
    char buf[64];
    int r = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ra = v4("127.0.0.1", PORT), from;
    CHECK(bind(r, (void *)&ra, sizeof ra) == 0, "UDP bind", "errno %d", errno);
    CHECK(sendto(s, "first", 5, 0, (void *)&ra, sizeof ra) == 5 && sendto(s, "second!", 7, 0, (void *)&ra, sizeof ra) == 7, "sendto twice", "errno %d", errno);
    socklen_t fl = sizeof from;
    CHECK(recvfrom(r, buf, sizeof buf, 0, (void *)&from, &fl) == 5 && memcmp(buf, "first", 5) == 0, "one datagram per receive", "-");
    struct sockaddr_in sn;
    socklen_t sl = sizeof sn;
    getsockname(s, (void *)&sn, &sl);
    CHECK(fl == sizeof from && from.sin_port == sn.sin_port && ntohs(sn.sin_port) >= 1024 && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "the sender is its autobound port on 127.0.0.1", "port %d", ntohs(from.sin_port));
    CHECK(recv(r, buf, 3, MSG_TRUNC) == 7 && memcmp(buf, "sec", 3) == 0, "MSG_TRUNC gives the full length", "-");
    CHECK(FAILS(recv(r, buf, sizeof buf, MSG_DONTWAIT), EAGAIN), "the rest of a truncated datagram is gone", "errno %d", errno);
    sendto(s, "0123456789", 10, 0, (void *)&ra, sizeof ra);
    struct iovec iov = {buf, 4};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    CHECK(recvmsg(r, &m, 0) == 4 && (m.msg_flags & MSG_TRUNC), "recvmsg sets MSG_TRUNC in msg_flags", "flags %x", m.msg_flags);
    CHECK(send(s, "x", 1, 0) == -1 && errno == EDESTADDRREQ, "send unconnected is EDESTADDRREQ", "errno %d", errno);
    CHECK(connect(s, (void *)&ra, sizeof ra) == 0 && send(s, "conn", 4, 0) == 4 && recv(r, buf, sizeof buf, 0) == 4, "connected UDP send", "errno %d", errno);
    struct sockaddr_in pn;
    socklen_t pnl = sizeof pn;
    CHECK(getpeername(s, (void *)&pn, &pnl) == 0 && pn.sin_port == htons(PORT), "getpeername of a connected UDP socket", "-");
    CHECK(sendto(s, "", 0, 0, NULL, 0) == 0 && recv(r, buf, sizeof buf, 0) == 0, "an empty datagram", "-");
    close(s);

    /* Bind rules. */
    int b = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(FAILS(bind(b, (void *)&ra, sizeof ra), EADDRINUSE), "second bind of a port is EADDRINUSE", "errno %d", errno);
    struct sockaddr_in far = v4("10.1.2.3", PORT + 1);
    CHECK(FAILS(bind(b, (void *)&far, sizeof far), EADDRNOTAVAIL), "binding a non-local address is EADDRNOTAVAIL", "errno %d", errno);
    struct sockaddr_in any = v4("0.0.0.0", 0);
    CHECK(bind(b, (void *)&any, sizeof any) == 0 && FAILS(bind(b, (void *)&any, sizeof any), EINVAL), "binding twice is EINVAL", "errno %d", errno);
    close(b);
    close(r);
    int one = 1, t1 = socket(AF_INET, SOCK_STREAM, 0), t2 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in ta = v4("127.0.0.1", PORT + 2);
    setsockopt(t1, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    setsockopt(t2, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    CHECK(bind(t1, (void *)&ta, sizeof ta) == 0 && bind(t2, (void *)&ta, sizeof ta) == 0, "SO_REUSEPORT shares a port", "errno %d", errno);
    close(t1);
    close(t2);
    t1 = socket(AF_INET, SOCK_STREAM, 0);
    t2 = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(t1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(t2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bind(t1, (void *)&ta, sizeof ta);
    listen(t1, 1);
    CHECK(FAILS(bind(t2, (void *)&ta, sizeof ta), EADDRINUSE), "SO_REUSEADDR does not share a listening port", "errno %d", errno);
    close(t1);
    close(t2);

    /* IPv6. */
    int l6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 la = v6("::1", PORT + 3);
    setsockopt(l6, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    CHECK(bind(l6, (void *)&la, sizeof la) == 0 && listen(l6, 4) == 0, "TCP listen on ::1", "errno %d", errno);
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK(connect(c6, (void *)&la, sizeof la) == 0, "TCP connect to ::1", "errno %d", errno);
    struct sockaddr_in6 pa;
    socklen_t pal = sizeof pa;
    int a6 = accept(l6, (void *)&pa, &pal);
    CHECK(a6 >= 0 && pal == sizeof pa && pa.sin6_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&pa.sin6_addr), "accept gives a ::1 peer", "errno %d", errno);
    CHECK(write(c6, "six", 3) == 3 && read(a6, buf, sizeof buf) == 3 && memcmp(buf, "six", 3) == 0, "bytes over ::1", "-");
    close(a6);
    close(c6);
    close(l6);
    int w = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 wa = v6("::", PORT + 4);
    setsockopt(w, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bind(w, (void *)&wa, sizeof wa);
    listen(w, 4);
    int c4 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in wa4 = v4("127.0.0.1", PORT + 4);
    CHECK(connect(c4, (void *)&wa4, sizeof wa4) == 0, "IPv4 reaches an IPv6 wildcard listener", "errno %d", errno);
    pal = sizeof pa;
    a6 = accept(w, (void *)&pa, &pal);
    CHECK(a6 >= 0 && IN6_IS_ADDR_V4MAPPED(&pa.sin6_addr), "its peer is v4-mapped", "errno %d", errno);
    close(a6);
    close(c4);
    close(w);
    int v = -1;
    socklen_t vl = sizeof v;
    w = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK(getsockopt(w, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl) == 0 && v == 0, "IPV6_V6ONLY is off by default", "%d", v);
    setsockopt(w, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    struct sockaddr_in6 mapped = v6("::ffff:127.0.0.1", PORT + 5);
    CHECK(FAILS(bind(w, (void *)&mapped, sizeof mapped), EINVAL), "a V6ONLY socket cannot bind a v4-mapped address", "errno %d", errno);
    CHECK(bind(w, (void *)&wa, sizeof wa) == 0 && FAILS(setsockopt(w, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one), EINVAL), "IPV6_V6ONLY once bound is EINVAL", "errno %d", errno);
    close(w);
    int u6 = socket(AF_INET6, SOCK_DGRAM, 0), u6b = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 ua = v6("::1", PORT + 6), uf;
    bind(u6, (void *)&ua, sizeof ua);
    socklen_t ufl = sizeof uf;
    CHECK(sendto(u6b, "dgram6", 6, 0, (void *)&ua, sizeof ua) == 6 && recvfrom(u6, buf, sizeof buf, 0, (void *)&uf, &ufl) == 6 &&
              ufl == sizeof uf && IN6_IS_ADDR_LOOPBACK(&uf.sin6_addr), "UDP over ::1", "errno %d", errno);
    close(u6);
    close(u6b);
    return t_done("inet_udp6");
}
