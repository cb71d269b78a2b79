/* SO_SNDBUF and SO_RCVBUF on TCP and UDP sockets (socket(7), tcp(7)): the
 * defaults (tcp_wmem[1], tcp_rmem[1]; wmem_default for UDP), a value set
 * reads back doubled, with Linux's floors (SOCK_MIN_SNDBUF 4608,
 * SOCK_MIN_RCVBUF 2304); the FORCE variants need CAP_NET_ADMIN; and the
 * sizes are real: a connection whose ends have small buffers takes far
 * less unread data before a non-blocking send answers EAGAIN than one
 * with large buffers, and an accepted socket inherits its listener's.
 * (Values past net.core.wmem_max/rmem_max are not checked: they depend on
 * the machine's sysctls.) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "../t.h"

#define PORT 23501

static struct sockaddr_in addr;

static int get(int fd, int name) {
    int v = -1;
    socklen_t len = sizeof v;
    if (getsockopt(fd, SOL_SOCKET, name, &v, &len) != 0) return -errno;
    return v;
}

static int set(int fd, int name, int v) {
    return setsockopt(fd, SOL_SOCKET, name, &v, sizeof v);
}

/* Bytes a non-blocking sender puts into a connection nobody reads, with
 * both ends' buffers set to `size` (0: the defaults) before connecting. */
static long fill(int size) {
    int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (size) set(l, SO_RCVBUF, size), set(l, SO_SNDBUF, size);
    if (bind(l, (void *)&addr, sizeof addr) != 0 || listen(l, 1) != 0) return -1;
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (size) set(c, SO_RCVBUF, size), set(c, SO_SNDBUF, size);
    if (connect(c, (void *)&addr, sizeof addr) != 0) return -2;
    int a = accept(l, NULL, NULL);
    if (a < 0) return -3;
    if (size && (get(a, SO_RCVBUF) != 2 * size || get(a, SO_SNDBUF) != 2 * size)) return -4;
    static char buf[4096];
    long total = 0;
    for (int idle = 0; idle < 3 && total < (64L << 20);) {
        long n = send(c, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            total += n;
            idle = 0;
        } else if (errno == EAGAIN) {
            /* Let whatever is in flight land, then try again. */
            t_sleep_ms(30);
            idle++;
        } else {
            total = -5;
            break;
        }
    }
    close(a), close(c), close(l);
    return total;
}

int main(void) {
    t_watchdog(60);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(PORT);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
    int t6 = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK(get(t, SO_SNDBUF) == 16384 && get(t6, SO_SNDBUF) == 16384, "a TCP socket's SO_SNDBUF is tcp_wmem's default, 16384", "%d", get(t, SO_SNDBUF));
    CHECK(get(t, SO_RCVBUF) == 131072 && get(t6, SO_RCVBUF) == 131072, "its SO_RCVBUF is tcp_rmem's default, 131072", "%d", get(t, SO_RCVBUF));
    CHECK(get(u, SO_SNDBUF) == 212992 && get(u, SO_RCVBUF) == 212992, "a UDP socket's are wmem_default and rmem_default, 212992", "%d %d", get(u, SO_SNDBUF), get(u, SO_RCVBUF));

    CHECK(set(t, SO_SNDBUF, 50000) == 0 && get(t, SO_SNDBUF) == 100000, "SO_SNDBUF 50000 reads back 100000", "%d", get(t, SO_SNDBUF));
    CHECK(set(t, SO_RCVBUF, 70000) == 0 && get(t, SO_RCVBUF) == 140000, "SO_RCVBUF 70000 reads back 140000", "%d", get(t, SO_RCVBUF));
    CHECK(set(t, SO_SNDBUF, 1) == 0 && get(t, SO_SNDBUF) == 4608, "a tiny SO_SNDBUF is SOCK_MIN_SNDBUF, 4608", "%d", get(t, SO_SNDBUF));
    CHECK(set(t, SO_RCVBUF, 0) == 0 && get(t, SO_RCVBUF) == 2304, "a zero SO_RCVBUF is SOCK_MIN_RCVBUF, 2304", "%d", get(t, SO_RCVBUF));
    CHECK(set(u, SO_RCVBUF, 3000) == 0 && get(u, SO_RCVBUF) == 6000, "UDP too: SO_RCVBUF 3000 reads back 6000", "%d", get(u, SO_RCVBUF));
    short sh = 1;
    CHECK(FAILS(setsockopt(t, SOL_SOCKET, SO_SNDBUF, &sh, sizeof sh), EINVAL), "a short value is EINVAL", "errno %d", errno);

    /* The FORCE variants: CAP_NET_ADMIN (PID 1 and the host's root have it). */
    int r = set(t, SO_SNDBUFFORCE, 8192);
    CHECK(r == 0 ? get(t, SO_SNDBUF) == 16384 : errno == EPERM, "SO_SNDBUFFORCE sets SO_SNDBUF (or EPERM without CAP_NET_ADMIN)", "r %d errno %d, %d", r, errno, get(t, SO_SNDBUF));
    CHECK(get(t, SO_SNDBUFFORCE) == -ENOPROTOOPT, "SO_SNDBUFFORCE is not read back: ENOPROTOOPT", "%d", get(t, SO_SNDBUFFORCE));
    r = set(t, SO_RCVBUFFORCE, -5);
    CHECK(r == 0 ? get(t, SO_RCVBUF) == 2304 : errno == EPERM, "a negative SO_RCVBUFFORCE is the floor", "r %d errno %d, %d", r, errno, get(t, SO_RCVBUF));
    close(t), close(u), close(t6);

    /* The sizes are real. */
    long small = fill(4096), large = fill(200000);
    CHECK(small > 0 && small < 128 * 1024, "with 4 KiB buffers, under 128 KiB is taken before EAGAIN", "%ld bytes", small);
    CHECK(large > 300 * 1000, "with 200 KB buffers, over 300 KB is taken", "%ld bytes", large);
    return t_done("inet_sockbuf");
}
