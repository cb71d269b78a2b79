/* A TCP echo across CPUs moving 100 MB without loss (issue 14): a server
 * process pinned to one CPU echoes what a client process pinned to another
 * sends over 127.0.0.1; the client's sender thread writes 100 MB in uneven
 * pieces while its receiver thread reads the echo and compares every byte
 * with the pattern sent (a random table whose period, a prime, matches no
 * write size, so a lost, repeated or reordered piece shows). With a single
 * CPU allowed (taskset -c 0, -smp 1) the ends share it; the server exits
 * with 4 if it is not on its CPU. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include "../t.h"

#define PORT 23471
#define TOTAL (100L * 1000 * 1000)
#define PERIOD 65521 /* prime */
#define CHUNK 65536

/* pattern[k % PERIOD ...] holds bytes k.. of the stream, CHUNK of them. */
static unsigned char pattern[PERIOD + CHUNK];
static int cfd;
static long echoed, mismatch_at = -1;
static int recv_err;

/* Two distinct CPUs this process may run on (a == b when only one). */
static void two_cpus(int *a, int *b) {
    cpu_set_t s;
    *a = *b = -1;
    if (sched_getaffinity(0, sizeof s, &s) != 0) return;
    for (int i = 0; i < CPU_SETSIZE; i++) {
        if (!CPU_ISSET(i, &s)) continue;
        if (*a < 0) *a = i;
        else if (*b < 0) *b = i;
    }
    if (*b < 0) *b = *a;
}

static void pin(int cpu) {
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    sched_setaffinity(0, sizeof s, &s);
}

static int echo_server(int l, int cpu) {
    pin(cpu);
    if (sched_getcpu() != cpu) return 4;
    int s = accept(l, NULL, NULL);
    if (s < 0) return 1;
    static char buf[CHUNK];
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

static void *receiver(void *arg) {
    (void)arg;
    static unsigned char buf[CHUNK];
    for (;;) {
        long r = read(cfd, buf, sizeof buf);
        if (r == 0) break;
        if (r < 0) { recv_err = errno; break; }
        if (mismatch_at < 0 && memcmp(buf, pattern + echoed % PERIOD, r) != 0) mismatch_at = echoed;
        echoed += r;
    }
    return NULL;
}

int main(void) {
    t_watchdog(600);
    unsigned seed = 20261207;
    for (long i = 0; i < PERIOD; i++) { seed = seed * 1103515245 + 12345; pattern[i] = seed >> 16; }
    for (long i = PERIOD; i < PERIOD + CHUNK; i++) pattern[i] = pattern[i - PERIOD];
    int ca, cb;
    two_cpus(&ca, &cb);

    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(bind(l, (void *)&a, sizeof a) == 0 && listen(l, 1) == 0, "listen", "errno %d", errno);
    pid_t pid = fork();
    if (pid == 0) _exit(echo_server(l, cb));
    close(l);
    pin(ca);
    CHECK(sched_getcpu() == ca, "the client runs on its CPU", "on %d, not %d", sched_getcpu(), ca);
    cfd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(cfd, (void *)&a, sizeof a) == 0, "connect", "errno %d", errno);

    pthread_t th;
    CHECK(pthread_create(&th, NULL, receiver, NULL) == 0, "receiver thread", "-");
    long sent = 0, step = 1;
    int send_err = 0;
    while (sent < TOTAL) {
        long n = (step++ * 7919) % CHUNK + 1;
        if (n > TOTAL - sent) n = TOTAL - sent;
        long w = write(cfd, pattern + sent % PERIOD, n);
        if (w <= 0) { send_err = w < 0 ? errno : -1; break; }
        sent += w;
    }
    shutdown(cfd, SHUT_WR);
    pthread_join(th, NULL);
    CHECK(!send_err && sent == TOTAL, "100 MB sent", "errno %d, sent %ld", send_err, sent);
    CHECK(!recv_err && echoed == TOTAL, "100 MB echoed back", "errno %d, got %ld", recv_err, echoed);
    CHECK(mismatch_at < 0, "every echoed byte matches what was sent", "first bad piece at %ld", mismatch_at);

    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the echo server finished cleanly", "status %x", st);
    close(cfd);
    return t_done("inet_echo_100m");
}
