/* Readiness of TCP sockets on 127.0.0.1 through epoll, as Linux's
 * tcp_poll: a fresh socket, a connection (EPOLLOUT, EPOLLIN once data
 * comes), EPOLLRDHUP after the peer's FIN, EPOLLHUP once shut both ways,
 * EPOLLERR for a refused connect; a reader blocked in another process is
 * woken by the data; edge-triggered wake-ups for new data. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include "../t.h"

#define PORT 23481

static unsigned ev(int fd) {
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.fd = fd};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
    struct epoll_event out = {0};
    int n = epoll_wait(ep, &out, 1, 100);
    close(ep);
    return n == 1 ? out.events : 0;
}

int main(void) {
    t_watchdog(60);
    int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int f = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(ev(f) == (EPOLLOUT | EPOLLHUP), "a fresh TCP socket is EPOLLOUT|EPOLLHUP", "%x", ev(f));
    close(f);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bind(l, (void *)&a, sizeof a);
    listen(l, 4);
    CHECK(ev(l) == 0, "an idle listener has no events", "%x", ev(l));
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (void *)&a, sizeof a);
    CHECK(ev(l) == EPOLLIN, "a listener with a connection is EPOLLIN", "%x", ev(l));
    int s = accept(l, NULL, NULL);
    CHECK(ev(c) == EPOLLOUT, "a connection is EPOLLOUT", "%x", ev(c));
    write(s, "abc", 3);
    t_sleep_ms(20);
    CHECK(ev(c) == (EPOLLIN | EPOLLOUT), "with data EPOLLIN|EPOLLOUT", "%x", ev(c));

    /* Edge-triggered: new data wakes again although already readable. */
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.fd = c}, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
    CHECK(epoll_wait(ep, &out, 1, 100) == 1, "EPOLLET reports the data", "-");
    CHECK(epoll_wait(ep, &out, 1, 50) == 0, "EPOLLET: not again without new data", "-");
    write(s, "d", 1);
    CHECK(epoll_wait(ep, &out, 1, 1000) == 1, "EPOLLET: new data reports again", "-");
    close(ep);
    char buf[16];
    read(c, buf, sizeof buf);

    /* A reader blocked in another process. */
    pid_t pid = fork();
    if (pid == 0) {
        char b[8];
        _exit(read(s, b, sizeof b) == 5 && memcmp(b, "wake!", 5) == 0 ? 0 : 1);
    }
    t_sleep_ms(50);
    write(c, "wake!", 5);
    int st = -1;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a blocked reader in another process wakes with the data", "%x", st);

    shutdown(s, SHUT_WR);
    t_sleep_ms(20);
    CHECK(ev(c) == (EPOLLIN | EPOLLOUT | EPOLLRDHUP), "after the peer's FIN: EPOLLIN|EPOLLOUT|EPOLLRDHUP", "%x", ev(c));
    shutdown(c, SHUT_WR);
    t_sleep_ms(20);
    CHECK(ev(c) == (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP), "shut both ways: EPOLLHUP too", "%x", ev(c));
    close(c);
    close(s);
    close(l);

    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(c, (void *)&a, sizeof a);
    t_sleep_ms(50);
    unsigned r = ev(c);
    CHECK(r & EPOLLERR, "a refused connect is EPOLLERR", "%x", r);
    CHECK(r & EPOLLHUP, "a refused connect is EPOLLHUP", "%x", r);
    close(c);
    return t_done("inet_epoll");
}
