/* Readiness of AF_UNIX sockets under poll(2) and epoll(7): a connected
 * stream socket is writable, readable once data arrives; the peer's
 * SHUT_WR gives POLLRDHUP with POLLIN, closing it POLLHUP too; an
 * unconnected stream socket reports POLLOUT|POLLHUP; a reset connection
 * POLLERR (and SO_ERROR ECONNRESET once); a listener POLLIN with a
 * connection waiting; a filled stream stops being writable and becomes
 * writable again when drained; epoll wakes a waiter in another process
 * for EPOLLIN and EPOLLRDHUP, edge-triggered once per arrival. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "../t.h"

static short pollev(int fd, short ev) {
    struct pollfd p = {fd, ev, 0};
    poll(&p, 1, 0);
    return p.revents;
}

int main(void) {
    t_watchdog(30);
    int sv[2];
    char buf[4096];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    short all = POLLIN | POLLOUT | POLLRDHUP | POLLPRI;
    CHECK(pollev(sv[0], all) == POLLOUT, "a connected idle stream socket is writable only", "revents %#x", pollev(sv[0], all));
    write(sv[1], "x", 1);
    CHECK(pollev(sv[0], all) == (POLLIN | POLLOUT), "data makes it readable", "revents %#x", pollev(sv[0], all));
    read(sv[0], buf, 1);
    shutdown(sv[1], SHUT_WR);
    CHECK(pollev(sv[0], all) == (POLLIN | POLLOUT | POLLRDHUP), "the peer's SHUT_WR: POLLRDHUP with POLLIN", "revents %#x", pollev(sv[0], all));
    close(sv[1]);
    CHECK(pollev(sv[0], all) == (POLLIN | POLLOUT | POLLRDHUP | POLLHUP), "the peer closed: POLLHUP too", "revents %#x", pollev(sv[0], all));
    close(sv[0]);

    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(pollev(u, all) == (POLLOUT | POLLHUP), "an unconnected stream socket: POLLOUT|POLLHUP", "revents %#x", pollev(u, all));
    close(u);
    u = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(pollev(u, all) == POLLOUT, "an unconnected datagram socket: POLLOUT", "revents %#x", pollev(u, all));
    close(u);

    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[1], "lost", 4);
    close(sv[0]);
    CHECK(pollev(sv[1], all) & POLLERR, "the peer closed with unread data: POLLERR", "revents %#x", pollev(sv[1], all));
    int e = 0;
    socklen_t el = sizeof e;
    getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &e, &el);
    int e2 = -1;
    getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &e2, &el);
    CHECK(e == ECONNRESET && e2 == 0 && !(pollev(sv[1], all) & POLLERR), "SO_ERROR gives ECONNRESET once and clears it", "e %d e2 %d", e, e2);
    close(sv[1]);

    /* Fill a stream, then drain it. */
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
    long total = 0;
    int n;
    while ((n = write(sv[0], buf, sizeof buf)) > 0) total += n;
    CHECK(errno == EAGAIN && total > 0 && !(pollev(sv[0], POLLOUT) & POLLOUT), "a full stream is not writable", "total %ld revents %#x", total, pollev(sv[0], POLLOUT));
    while (read(sv[1], buf, sizeof buf) > 0) {
    }
    CHECK(pollev(sv[0], POLLOUT) & POLLOUT, "drained, it is writable again", "revents %#x", pollev(sv[0], POLLOUT));
    close(sv[0]);
    close(sv[1]);

    /* A listener. */
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path + 1, "aramid-poll");
    socklen_t al = offsetof(struct sockaddr_un, sun_path) + 1 + strlen("aramid-poll");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, al);
    listen(l, 4);
    CHECK(pollev(l, all) == 0, "an idle listener: nothing", "revents %#x", pollev(l, all));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, al);
    CHECK(pollev(l, all) == POLLIN, "a connection waiting: POLLIN", "revents %#x", pollev(l, all));
    close(c);
    close(l);

    /* epoll across processes. */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.u32 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
    struct epoll_event out[4];
    CHECK(epoll_wait(ep, out, 4, 0) == 0, "epoll: nothing yet", "events");
    pid_t p = fork();
    if (p == 0) {
        t_sleep_ms(30);
        write(sv[1], "e", 1);
        t_sleep_ms(30);
        shutdown(sv[1], SHUT_WR);
        _exit(0);
    }
    n = epoll_wait(ep, out, 4, 5000);
    CHECK(n == 1 && out[0].data.u32 == 7 && out[0].events == EPOLLIN, "epoll_wait wakes for data from another process", "n %d events %#x", n, n > 0 ? out[0].events : 0);
    CHECK(epoll_wait(ep, out, 4, 0) == 0, "edge-triggered: once per arrival", "again");
    n = epoll_wait(ep, out, 4, 5000);
    CHECK(n == 1 && out[0].events == (EPOLLIN | EPOLLRDHUP), "then EPOLLRDHUP for the peer's SHUT_WR", "n %d events %#x", n, n > 0 ? out[0].events : 0);
    t_wait_exit(p);
    return t_done("unix_poll");
}
