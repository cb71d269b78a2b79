/* A TCP echo between two processes on 127.0.0.1: the client sends 10 MiB
 * in uneven pieces while reading the echo back, and both ends' checksums
 * (and byte counts) agree; then a request/response ping-pong. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include "../t.h"

#define PORT 23461
#define TOTAL (10 << 20)

static unsigned long sum_add(unsigned long h, const unsigned char *p, long n) {
    for (long i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211UL;
    return h;
}

static int echo_server(int l) {
    int s = accept(l, NULL, NULL);
    if (s < 0) return 1;
    static char buf[70000];
    long n;
    while ((n = read(s, buf, sizeof buf)) > 0) {
        for (long off = 0; off < n;) {
            long w = write(s, buf + off, n - off);
            if (w <= 0) return 2;
            off += w;
        }
    }
    close(s);
    return n == 0 ? 0 : 3;
}

int main(void) {
    t_watchdog(300);
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(bind(l, (void *)&a, sizeof a) == 0 && listen(l, 1) == 0, "listen", "errno %d", errno);
    pid_t pid = fork();
    if (pid == 0) _exit(echo_server(l));
    close(l);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(c, (void *)&a, sizeof a) == 0, "connect", "errno %d", errno);
    static unsigned char out[65536], in[65536];
    unsigned long sent_sum = 14695981039346656037UL, got_sum = sent_sum;
    long sent = 0, got = 0, step = 1;
    unsigned seed = 12345;
    int bad = 0;
    while (got < TOTAL && !bad) {
        struct pollfd p = {c, POLLIN | (sent < TOTAL ? POLLOUT : 0), 0};
        if (poll(&p, 1, 10000) <= 0) { bad = 1; break; }
        if ((p.revents & POLLOUT) && sent < TOTAL) {
            long n = (step * 7919) % sizeof out + 1;
            step++;
            if (n > TOTAL - sent) n = TOTAL - sent;
            for (long i = 0; i < n; i++) { seed = seed * 1103515245 + 12345; out[i] = seed >> 16; }
            long w = send(c, out, n, MSG_DONTWAIT);
            if (w > 0) { sent_sum = sum_add(sent_sum, out, w); sent += w; seed = 0; }
            if (w < 0 && errno != EAGAIN) bad = 2;
            if (w > 0) { seed = (unsigned)sent; }
        }
        if (p.revents & POLLIN) {
            long r = recv(c, in, sizeof in, MSG_DONTWAIT);
            if (r > 0) { got_sum = sum_add(got_sum, in, r); got += r; }
            else if (r == 0) bad = 3;
            else if (errno != EAGAIN) bad = 4;
        }
        if (sent == TOTAL) shutdown(c, SHUT_WR);
    }
    CHECK(!bad && sent == TOTAL && got == TOTAL, "10 MiB sent and echoed", "bad %d sent %ld got %ld", bad, sent, got);
    CHECK(got_sum == sent_sum, "the echo's checksum matches", "%lx vs %lx", got_sum, sent_sum);
    char ch;
    CHECK(read(c, &ch, 1) == 0, "end of stream after the echo", "-");
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the echo server finished cleanly", "status %x", st);
    close(c);

    /* Request/response: 2000 round trips of 64 bytes. */
    l = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bind(l, (void *)&a, sizeof a);
    listen(l, 1);
    pid = fork();
    if (pid == 0) _exit(echo_server(l));
    close(l);
    c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (void *)&a, sizeof a);
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int ok = 1;
    double t0 = t_now();
    for (int i = 0; i < 2000 && ok; i++) {
        memset(out, i, 64);
        if (write(c, out, 64) != 64) ok = 0;
        long r = 0;
        while (ok && r < 64) { long n = read(c, in + r, 64 - r); if (n <= 0) ok = 0; else r += n; }
        if (ok && memcmp(in, out, 64) != 0) ok = 0;
    }
    double dt = t_now() - t0;
    CHECK(ok, "2000 request/response round trips", "-");
    CHECK(dt < 60, "round trips take well under a minute", "%.1f s", dt);
    shutdown(c, SHUT_WR);
    waitpid(pid, &st, 0);
    close(c);
    return t_done("inet_bulk");
}
