/* AF_UNIX listen/accept/connect: a client writes before accept, the
 * backlog (listen(fd, 0) takes one connection; a non-blocking connect to
 * a full backlog is EAGAIN, a blocking one waits for accept), accept4's
 * SOCK_NONBLOCK/SOCK_CLOEXEC (and EINVAL for other flags), accept's
 * address of an unbound client, errors (listen unbound EINVAL, on a
 * datagram socket EOPNOTSUPP, accept on a socket not listening EINVAL,
 * connect of a connected socket EISCONN), SO_ACCEPTCONN, SO_RCVTIMEO on
 * accept, and pending connections reset when the listener closes. */
#define _GNU_SOURCE
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

static int getint(int fd, int opt) {
    int v = -1;
    socklen_t l = sizeof v;
    if (getsockopt(fd, SOL_SOCKET, opt, &v, &l) != 0) return -2;
    return v;
}

int main(void) {
    t_watchdog(30);
    struct sockaddr_un la, b;
    socklen_t ll = mkabstract(&la, "aramid-listen");
    char buf[32];
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(FAILS(listen(l, 5), EINVAL), "listen on an unbound socket is EINVAL", "errno %d", errno);
    bind(l, (struct sockaddr *)&la, ll);
    CHECK(getint(l, SO_ACCEPTCONN) == 0, "SO_ACCEPTCONN is 0 before listen", "v %d", getint(l, SO_ACCEPTCONN));
    CHECK(FAILS(accept(l, NULL, NULL), EINVAL), "accept before listen is EINVAL", "errno %d", errno);
    CHECK(listen(l, 0) == 0 && getint(l, SO_ACCEPTCONN) == 1, "listen, SO_ACCEPTCONN 1", "errno %d", errno);
    struct pollfd pf = {l, POLLIN | POLLOUT, 0};
    CHECK(poll(&pf, 1, 0) == 0, "a listener with nothing pending polls nothing", "revents %#x", pf.revents);

    int c1 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(c1, (struct sockaddr *)&la, ll) == 0, "connect to the listener", "errno %d", errno);
    CHECK(write(c1, "early", 5) == 5, "a client writes before accept", "errno %d", errno);
    CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN, "a pending connection polls POLLIN", "revents %#x", pf.revents);
    int c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(FAILS(connect(c2, (struct sockaddr *)&la, ll), EAGAIN), "with listen(0) a second pending connect is EAGAIN", "errno %d", errno);

    struct sockaddr_un pa;
    socklen_t pl = sizeof pa;
    int a1 = accept4(l, (struct sockaddr *)&pa, &pl, SOCK_CLOEXEC);
    CHECK(a1 >= 0 && pl == sizeof(sa_family_t), "accept gives an unbound client's address as the family alone", "a1 %d pl %u", a1, (unsigned)pl);
    CHECK((fcntl(a1, F_GETFD) & FD_CLOEXEC) && !(fcntl(a1, F_GETFL) & O_NONBLOCK), "accept4 SOCK_CLOEXEC", "fd %#x", fcntl(a1, F_GETFD));
    CHECK(read(a1, buf, sizeof buf) == 5 && memcmp(buf, "early", 5) == 0, "the accepted socket reads what was written before", "errno %d", errno);
    CHECK(FAILS(connect(c1, (struct sockaddr *)&la, ll), EISCONN), "connect of a connected socket is EISCONN", "errno %d", errno);
    socklen_t nl = sizeof b;
    CHECK(getsockname(a1, (struct sockaddr *)&b, &nl) == 0 && nl == ll && memcmp(&b, &la, ll) == 0, "the accepted socket has the listener's name", "nl %u", (unsigned)nl);
    CHECK(connect(c2, (struct sockaddr *)&la, ll) == 0, "after accept there is room again", "errno %d", errno);
    int a2 = accept4(l, NULL, NULL, SOCK_NONBLOCK);
    CHECK(a2 >= 0 && (fcntl(a2, F_GETFL) & O_NONBLOCK), "accept4 SOCK_NONBLOCK", "fl %#x", fcntl(a2, F_GETFL));
    CHECK(FAILS(syscall(SYS_accept4, l, NULL, NULL, 0x1), EINVAL), "accept4 with another flag is EINVAL", "errno %d", errno);

    /* A blocking connect waits for room in the backlog. */
    int c3 = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c3, (struct sockaddr *)&la, ll);
    pid_t p = fork();
    if (p == 0) {
        t_sleep_ms(50);
        int x = accept(l, NULL, NULL);
        _exit(x >= 0 ? 0 : 1);
    }
    int c4 = socket(AF_UNIX, SOCK_STREAM, 0);
    double t0 = t_now();
    int r = connect(c4, (struct sockaddr *)&la, ll);
    CHECK(r == 0 && t_now() - t0 > 0.02, "a blocking connect to a full backlog waits for accept", "r %d errno %d", r, errno);
    CHECK(t_wait_exit(p) == 0, "the child accepted", "status");

    /* accept with SO_RCVTIMEO: c4 is pending, take it, then time out. */
    close(accept(l, NULL, NULL));
    struct timeval tv = {0, 100000};
    setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    t0 = t_now();
    CHECK(FAILS(accept(l, NULL, NULL), EAGAIN) && t_now() - t0 > 0.05, "accept times out with SO_RCVTIMEO: EAGAIN", "errno %d", errno);

    /* A pending connection when the listener closes. */
    int c5 = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c5, (struct sockaddr *)&la, ll);
    close(l);
    CHECK(FAILS(read(c5, buf, sizeof buf), ECONNRESET), "closing the listener resets pending connections", "errno %d", errno);
    int c6 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(FAILS(connect(c6, (struct sockaddr *)&la, ll), ECONNREFUSED), "after the listener closes connect is ECONNREFUSED", "errno %d", errno);

    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un da;
    socklen_t dl = mkabstract(&da, "aramid-listen-dgram");
    bind(d, (struct sockaddr *)&da, dl);
    CHECK(FAILS(listen(d, 1), EOPNOTSUPP), "listen on a datagram socket is EOPNOTSUPP", "errno %d", errno);
    CHECK(FAILS(accept(d, NULL, NULL), EOPNOTSUPP), "accept on a datagram socket is EOPNOTSUPP", "errno %d", errno);
    CHECK(FAILS(listen(a1, 1), EINVAL), "listen on a connected socket is EINVAL", "errno %d", errno);
    return t_done("unix_listen");
}
