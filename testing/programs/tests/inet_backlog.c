/* TCP listen backlog as Linux (listen(2), tcp(7)): a listener with backlog
 * N queues N + 1 connections; with its accept queue full a new SYN is
 * dropped, not reset, so a non-blocking connect stays in progress and a
 * blocking one waits, and either completes (through the client's SYN
 * retransmission) once accept makes room. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include "../t.h"

#define PORT 23481

static struct sockaddr_in addr;

static int client(int nonblock) {
    int c = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    int r = connect(c, (void *)&addr, sizeof addr);
    if (r != 0 && !(nonblock && errno == EINPROGRESS)) {
        close(c);
        return -1;
    }
    return c;
}

/* The poll events of fd after waiting up to ms for POLLOUT. */
static int wait_out(int fd, int ms) {
    struct pollfd p = {fd, POLLOUT, 0};
    if (poll(&p, 1, ms) < 0) return -1;
    return p.revents;
}

static int so_error(int fd) {
    int e = -1;
    socklen_t len = sizeof e;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len);
    return e;
}

int main(void) {
    t_watchdog(120);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(PORT);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    CHECK(bind(l, (void *)&addr, sizeof addr) == 0 && listen(l, 1) == 0, "listen with backlog 1", "errno %d", errno);

    /* Backlog 1: two connections complete without accept. */
    int c1 = client(0), c2 = client(0);
    CHECK(c1 >= 0 && c2 >= 0, "two blocking connects complete with backlog 1", "errno %d", errno);

    /* The third SYN is dropped: the connect stays in progress. */
    int c3 = client(1);
    CHECK(c3 >= 0, "a third non-blocking connect answers EINPROGRESS", "errno %d", errno);
    int ev = wait_out(c3, 400);
    CHECK(ev == 0, "it stays in progress while the accept queue is full", "revents %x", ev);
    CHECK(so_error(c3) == 0, "no error: the SYN was dropped, not refused", "SO_ERROR %d", so_error(c3));

    /* accept makes room; the SYN's retransmission gets in. */
    int a1 = accept(l, NULL, NULL);
    CHECK(a1 >= 0, "accept the first", "errno %d", errno);
    ev = wait_out(c3, 15000);
    CHECK(ev == POLLOUT, "the third connect completes once accept made room", "revents %x", ev);
    CHECK(so_error(c3) == 0, "and without error", "SO_ERROR %d", so_error(c3));
    int a2 = accept(l, NULL, NULL), a3 = accept(l, NULL, NULL);
    CHECK(a2 >= 0 && a3 >= 0, "accept the second and third", "errno %d", errno);
    char ch = 0;
    CHECK(write(c3, "x", 1) == 1 && read(a3, &ch, 1) == 1 && ch == 'x', "the third connection carries data", "ch %d", ch);

    /* Full again (c4, c5 queued): a blocking connect waits for room. */
    int c4 = client(0), c5 = client(0);
    CHECK(c4 >= 0 && c5 >= 0, "the queue fills again", "errno %d", errno);
    pid_t pid = fork();
    if (pid == 0) {
        int c = client(0);
        _exit(c >= 0 ? 0 : 1);
    }
    t_sleep_ms(400);
    int st = 0;
    CHECK(waitpid(pid, &st, WNOHANG) == 0, "a blocking connect waits while the queue is full", "it returned, status %x", st);
    int a4 = accept(l, NULL, NULL);
    double t0 = t_now();
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "and completes once accept made room", "status %x", st);
    CHECK(t_now() - t0 < 15, "within seconds", "%.1f s", t_now() - t0);

    /* Closing the listener resets what it still queues. */
    close(l);
    char buf[1];
    errno = 0;
    CHECK(read(c5, buf, 1) == -1 && errno == ECONNRESET, "closing the listener resets its queued connections", "errno %d", errno);
    close(a1), close(a2), close(a3), close(a4);
    close(c1), close(c2), close(c3), close(c4), close(c5);
    return t_done("inet_backlog");
}
