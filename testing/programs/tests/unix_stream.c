/* AF_UNIX stream sockets from socketpair(2): bytes in order, writes
 * joined by a read, MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, end of file
 * after close, EPIPE with SIGPIPE (none with MSG_NOSIGNAL), ECONNRESET
 * when the peer closed with unread data, shutdown(2) both ways,
 * FIONREAD/SIOCOUTQ, fstat's S_IFSOCK, SO_TYPE/SO_DOMAIN/SO_PROTOCOL, and
 * the errors of socket(2) itself. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "../t.h"

#ifndef SIOCOUTQ
#define SIOCOUTQ 0x5411
#endif

static volatile int sigpipes;
static void on_pipe(int s) { (void)s; sigpipes++; }

static int getint(int fd, int opt) {
    int v = -1;
    socklen_t l = sizeof v;
    if (getsockopt(fd, SOL_SOCKET, opt, &v, &l) != 0) return -2;
    return v;
}

int main(void) {
    t_watchdog(30);
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair(AF_UNIX, SOCK_STREAM)", "errno %d", errno);
    char buf[64] = {0};
    write(sv[0], "hel", 3);
    write(sv[0], "lo", 2);
    int n = read(sv[1], buf, sizeof buf);
    CHECK(n == 5 && memcmp(buf, "hello", 5) == 0, "a read joins two writes", "n %d", n);
    write(sv[1], "back", 4);
    n = read(sv[0], buf, sizeof buf);
    CHECK(n == 4 && memcmp(buf, "back", 4) == 0, "both ends write and read", "n %d", n);

    CHECK(FAILS(recv(sv[1], buf, 8, MSG_DONTWAIT), EAGAIN), "MSG_DONTWAIT with nothing queued is EAGAIN", "errno %d", errno);
    CHECK(read(sv[1], buf, 0) == 0, "a zero-length read of an empty stream returns 0 at once", "errno %d", errno);
    CHECK(write(sv[0], buf, 0) == 0 && FAILS(recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN), "a zero-length write queues nothing", "errno %d", errno);
    send(sv[0], "peekaboo", 8, 0);
    n = recv(sv[1], buf, 4, MSG_PEEK);
    int m = recv(sv[1], buf + 10, 8, 0);
    CHECK(n == 4 && m == 8 && memcmp(buf + 10, "peekaboo", 8) == 0, "MSG_PEEK leaves the bytes queued", "n %d m %d", n, m);

    int q = -1;
    send(sv[0], "12345", 5, 0);
    CHECK(ioctl(sv[1], FIONREAD, &q) == 0 && q == 5, "FIONREAD counts the unread bytes", "q %d", q);
    q = -1;
    CHECK(ioctl(sv[0], SIOCOUTQ, &q) == 0 && q > 0, "SIOCOUTQ counts what the peer has not read", "q %d", q);
    recv(sv[1], buf, 5, 0);
    q = -1;
    CHECK(ioctl(sv[0], SIOCOUTQ, &q) == 0 && q == 0, "SIOCOUTQ is 0 once read", "q %d", q);

    struct stat st;
    CHECK(fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode), "fstat of a socket is S_IFSOCK", "mode %o", st.st_mode);
    CHECK(getint(sv[0], SO_TYPE) == SOCK_STREAM && getint(sv[0], SO_DOMAIN) == AF_UNIX && getint(sv[0], SO_PROTOCOL) == 0,
          "SO_TYPE, SO_DOMAIN, SO_PROTOCOL", "%d %d %d", getint(sv[0], SO_TYPE), getint(sv[0], SO_DOMAIN), getint(sv[0], SO_PROTOCOL));

    /* MSG_WAITALL waits for every byte. */
    pid_t c = fork();
    if (c == 0) {
        write(sv[0], "ab", 2);
        t_sleep_ms(50);
        write(sv[0], "cd", 2);
        _exit(0);
    }
    n = recv(sv[1], buf, 4, MSG_WAITALL);
    CHECK(n == 4 && memcmp(buf, "abcd", 4) == 0, "MSG_WAITALL waits for the whole buffer", "n %d", n);
    waitpid(c, NULL, 0);

    /* shutdown(SHUT_WR): the peer reads end of file, our write is EPIPE. */
    signal(SIGPIPE, on_pipe);
    CHECK(shutdown(sv[0], SHUT_WR) == 0 && read(sv[1], buf, 4) == 0, "after shutdown(SHUT_WR) the peer reads end of file", "errno %d", errno);
    CHECK(FAILS(write(sv[0], "x", 1), EPIPE) && sigpipes == 1, "a write after SHUT_WR is EPIPE with SIGPIPE", "errno %d sigpipes %d", errno, sigpipes);
    CHECK(FAILS(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE) && sigpipes == 1, "MSG_NOSIGNAL: EPIPE without SIGPIPE", "errno %d sigpipes %d", errno, sigpipes);
    CHECK(write(sv[1], "still", 5) == 5 && read(sv[0], buf, 8) == 5, "the other direction still works", "errno %d", errno);
    CHECK(FAILS(shutdown(sv[0], 3), EINVAL), "shutdown with how 3 is EINVAL", "errno %d", errno);
    close(sv[0]);
    CHECK(FAILS(write(sv[1], "x", 1), EPIPE) && sigpipes == 2, "a write to a closed peer is EPIPE with SIGPIPE", "errno %d", errno);
    close(sv[1]);

    /* Closing with unread data resets the peer once. */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[1], "unread", 6);
    close(sv[0]);
    CHECK(FAILS(read(sv[1], buf, 8), ECONNRESET), "closing with unread data: the peer's read is ECONNRESET", "errno %d", errno);
    CHECK(read(sv[1], buf, 8) == 0, "then end of file", "errno %d", errno);
    close(sv[1]);

    /* A large write goes through while the reader drains. */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    static char big[1 << 20];
    memset(big, 'z', sizeof big);
    c = fork();
    if (c == 0) {
        close(sv[1]);
        _exit(write(sv[0], big, sizeof big) == (ssize_t)sizeof big ? 0 : 1);
    }
    close(sv[0]);
    long total = 0;
    while ((n = read(sv[1], buf, sizeof buf)) > 0) total += n;
    CHECK(total == (long)sizeof big && t_wait_exit(c) == 0, "a 1 MiB write arrives whole", "total %ld", total);
    close(sv[1]);

    int p[2];
    pipe(p);
    socklen_t l = sizeof(struct sockaddr_un);
    struct sockaddr_un a;
    CHECK(FAILS(getsockname(p[0], (struct sockaddr *)&a, &l), ENOTSOCK), "getsockname on a pipe is ENOTSOCK", "errno %d", errno);
    CHECK(FAILS(socket(AF_UNIX, 6, 0), ESOCKTNOSUPPORT), "an unknown AF_UNIX type is ESOCKTNOSUPPORT", "errno %d", errno);
    CHECK(FAILS(socket(AF_UNIX, 11, 0), EINVAL), "a type past SOCK_MAX is EINVAL", "errno %d", errno);
    CHECK(FAILS(socket(AF_UNIX, SOCK_STREAM, 2), EPROTONOSUPPORT), "a protocol other than 0 is EPROTONOSUPPORT", "errno %d", errno);
    CHECK(FAILS(socket(AF_UNIX, SOCK_STREAM | 0x100, 0), EINVAL), "unknown type flags are EINVAL", "errno %d", errno);
    CHECK(FAILS(socket(46, SOCK_STREAM, 0), EAFNOSUPPORT), "a family past AF_MAX is EAFNOSUPPORT", "errno %d", errno);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    CHECK(s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK) && (fcntl(s, F_GETFD) & FD_CLOEXEC), "SOCK_NONBLOCK and SOCK_CLOEXEC", "fl %#x", fcntl(s, F_GETFL));
    CHECK(FAILS(read(s, buf, 1), EINVAL), "reading an unconnected stream socket is EINVAL", "errno %d", errno);
    CHECK(FAILS(write(s, buf, 1), ENOTCONN), "writing an unconnected stream socket is ENOTCONN", "errno %d", errno);
    return t_done("unix_stream");
}
