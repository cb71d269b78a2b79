/* TCP resets as Linux (tcp(7), socket(7) SO_LINGER): close() of a socket
 * with unread received data sends RST instead of FIN, and so does close()
 * with SO_LINGER {1, 0}; the peer's poll shows POLLERR and POLLHUP, its
 * next recv or send fails with ECONNRESET (once: SO_ERROR is consumed),
 * then recv reads end of stream and send fails with EPIPE and SIGPIPE.
 * Data sent to a peer that has closed draws a reset, which a socket that
 * had already received the FIN reports as EPIPE. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include "../t.h"

#define PORT 23491

static int lfd;
static struct sockaddr_in addr;
static volatile int sigpipes;

static void on_pipe(int sig) {
    (void)sig;
    sigpipes++;
}

/* A connected pair: *c the client, *a the accepted end. */
static int pair(int *c, int *a) {
    *c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(*c, (void *)&addr, sizeof addr) != 0) return -1;
    *a = accept(lfd, NULL, NULL);
    return *a >= 0 ? 0 : -1;
}

static int so_error(int fd) {
    int e = -1;
    socklen_t len = sizeof e;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len);
    return e;
}

static int revents(int fd) {
    struct pollfd p = {fd, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLWRBAND | POLLRDHUP, 0};
    poll(&p, 1, 0);
    return p.revents;
}

/* Waits until fd shows POLLHUP or POLLRDHUP (the peer's FIN or RST). */
static void settle(int fd) {
    struct pollfd p = {fd, POLLRDHUP, 0};
    poll(&p, 1, 5000);
    t_sleep_ms(20);
}

int main(void) {
    t_watchdog(60);
    signal(SIGPIPE, on_pipe);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(PORT);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1, c, a;
    char buf[64];
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    CHECK(bind(lfd, (void *)&addr, sizeof addr) == 0 && listen(lfd, 8) == 0, "listen", "errno %d", errno);

    /* close() with unread data: RST. */
    CHECK(pair(&c, &a) == 0, "connect and accept", "errno %d", errno);
    CHECK(write(c, "hello", 5) == 5, "write to the peer", "errno %d", errno);
    t_sleep_ms(20);
    close(a);
    settle(c);
    int ev = revents(c);
    int want = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLERR | POLLHUP | POLLRDHUP;
    CHECK(ev == want, "a reset peer polls IN OUT ERR HUP RDHUP", "revents %x, want %x", ev, want);
    errno = 0;
    CHECK(recv(c, buf, sizeof buf, 0) == -1 && errno == ECONNRESET, "recv after the reset: ECONNRESET", "errno %d", errno);
    CHECK(so_error(c) == 0, "which consumed SO_ERROR", "SO_ERROR %d", so_error(c));
    CHECK(recv(c, buf, sizeof buf, 0) == 0, "then recv reads end of stream", "errno %d", errno);
    sigpipes = 0;
    errno = 0;
    CHECK(send(c, "x", 1, 0) == -1 && errno == EPIPE && sigpipes == 1, "and send fails with EPIPE and SIGPIPE", "errno %d, %d SIGPIPE", errno, sigpipes);
    ev = revents(c);
    want = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLHUP | POLLRDHUP;
    CHECK(ev == want, "the error read, it polls IN OUT HUP RDHUP", "revents %x, want %x", ev, want);
    close(c);

    /* The first send after a reset reports it, without SIGPIPE. */
    pair(&c, &a);
    write(c, "hello", 5);
    t_sleep_ms(20);
    close(a);
    settle(c);
    sigpipes = 0;
    errno = 0;
    CHECK(send(c, "x", 1, 0) == -1 && errno == ECONNRESET && sigpipes == 0, "send after the reset: ECONNRESET, no SIGPIPE", "errno %d, %d SIGPIPE", errno, sigpipes);
    errno = 0;
    CHECK(send(c, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE && sigpipes == 0, "then EPIPE (MSG_NOSIGNAL: no SIGPIPE)", "errno %d, %d SIGPIPE", errno, sigpipes);
    close(c);

    /* SO_ERROR reports the reset once. */
    pair(&c, &a);
    write(c, "hello", 5);
    t_sleep_ms(20);
    close(a);
    settle(c);
    CHECK(so_error(c) == ECONNRESET, "SO_ERROR after the reset: ECONNRESET", "SO_ERROR %d", so_error(c));
    CHECK(so_error(c) == 0, "read once", "SO_ERROR %d", so_error(c));
    CHECK(recv(c, buf, sizeof buf, 0) == 0, "recv then reads end of stream", "errno %d", errno);
    close(c);

    /* Data the reset peer had sent before is still read, then the reset. */
    pair(&c, &a);
    write(a, "xyz", 3);
    write(c, "hello", 5);
    t_sleep_ms(20);
    close(a);
    settle(c);
    errno = 0;
    long n = recv(c, buf, sizeof buf, 0);
    CHECK(n == 3, "data received before a reset is still read", "recv %ld errno %d", n, errno);
    errno = 0;
    n = recv(c, buf, sizeof buf, 0);
    CHECK(n == -1 && errno == ECONNRESET, "then the reset: ECONNRESET", "recv %ld errno %d", n, errno);
    close(c);

    /* No unread data: close() sends FIN; recv reads end of stream. */
    pair(&c, &a);
    write(c, "hello", 5);
    CHECK(read(a, buf, sizeof buf) == 5, "the peer reads everything", "errno %d", errno);
    close(a);
    settle(c);
    ev = revents(c);
    want = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLRDHUP;
    CHECK(ev == want, "after a FIN: IN OUT RDHUP", "revents %x, want %x", ev, want);
    CHECK(recv(c, buf, sizeof buf, 0) == 0, "a graceful close reads end of stream", "errno %d", errno);
    /* Writing to the closed peer draws a reset: in CLOSE_WAIT that is EPIPE. */
    CHECK(write(c, "more", 4) == 4, "a write to the closed peer is accepted", "errno %d", errno);
    settle(c);
    ev = revents(c);
    want = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLERR | POLLHUP | POLLRDHUP;
    CHECK(ev == want, "then the peer's reset polls ERR HUP", "revents %x, want %x", ev, want);
    sigpipes = 0;
    errno = 0;
    CHECK(write(c, "more", 4) == -1 && errno == EPIPE && sigpipes == 1, "and the next write fails with EPIPE and SIGPIPE", "errno %d, %d SIGPIPE", errno, sigpipes);
    close(c);

    /* SO_LINGER {1, 0}: close() resets even with nothing unread. */
    pair(&c, &a);
    struct linger lg = {1, 0}, got = {-1, -1};
    socklen_t len = sizeof got;
    CHECK(setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0, "set SO_LINGER {1, 0}", "errno %d", errno);
    CHECK(getsockopt(a, SOL_SOCKET, SO_LINGER, &got, &len) == 0 && len == sizeof got && got.l_onoff == 1 && got.l_linger == 0, "SO_LINGER reads back", "len %u {%d, %d}", len, got.l_onoff, got.l_linger);
    close(a);
    settle(c);
    errno = 0;
    CHECK(recv(c, buf, sizeof buf, 0) == -1 && errno == ECONNRESET, "a zero linger close resets the connection", "errno %d", errno);
    close(c);

    /* SO_LINGER's default; a short value is EINVAL; l_onoff counts as a flag. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    len = sizeof got;
    CHECK(getsockopt(c, SOL_SOCKET, SO_LINGER, &got, &len) == 0 && got.l_onoff == 0 && got.l_linger == 0, "SO_LINGER is off by default", "{%d, %d}", got.l_onoff, got.l_linger);
    CHECK(FAILS(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, 4), EINVAL), "a short SO_LINGER is EINVAL", "errno %d", errno);
    lg.l_onoff = 7;
    lg.l_linger = 5;
    len = sizeof got;
    CHECK(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0 && getsockopt(c, SOL_SOCKET, SO_LINGER, &got, &len) == 0 && got.l_onoff == 1 && got.l_linger == 5, "SO_LINGER {7, 5} reads back as {1, 5}", "{%d, %d}", got.l_onoff, got.l_linger);
    close(c);

    /* A linger time with nothing unread: close() completes normally. */
    pair(&c, &a);
    lg.l_onoff = 1;
    lg.l_linger = 5;
    setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    write(a, "bye", 3);
    double t0 = t_now();
    close(a);
    CHECK(t_now() - t0 < 4, "close with a linger time returns once the data is delivered", "%.1f s", t_now() - t0);
    CHECK(read(c, buf, sizeof buf) == 3 && read(c, buf, sizeof buf) == 0, "the peer reads the data and end of stream", "errno %d", errno);
    close(c);
    close(lfd);
    return t_done("inet_reset");
}
