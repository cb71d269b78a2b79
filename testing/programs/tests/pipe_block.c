/* Blocking pipe reads and writes meeting signals and closing ends: an
 * interrupted write returns the bytes it wrote (with or without
 * SA_RESTART), an interrupted empty read is EINTR or restarts, a blocked
 * writer whose reader goes away gets its count and SIGPIPE, a blocked
 * reader gets 0 when the last writer closes, O_NONBLOCK reads at EOF are 0,
 * POLLHUP with no events asked, and PIPE_BUF atomicity with four writers of
 * mixed record sizes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/time.h>
#include "../t.h"

static volatile int got_sig, hand_fd = -1;
static void on_sig(int s) {
    got_sig = s;
    if (hand_fd >= 0)
        write(hand_fd, "H", 1);
}
static void set_handler(int sig, int flags) {
    t_handle(sig, on_sig, flags);
}
/* SIGALRM after ms milliseconds */
static void alarm_ms(int ms) {
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}
static int wait_child(pid_t pid) {
    int st = -1;
    waitpid(pid, &st, 0);
    return st;
}
static char big[200000];

int main(void) {
    int p[2];
    long r;
    int e, st;

    /* interrupted writes return what they wrote */
    for (int restart = 0; restart < 2; restart++) {
        pipe(p);
        got_sig = 0;
        set_handler(SIGALRM, restart ? SA_RESTART : 0);
        alarm_ms(100);
        r = write(p[1], big, 100000);
        CHECK(r == 65536 && got_sig == SIGALRM,
              restart ? "an interrupted blocking write returns the bytes written (SA_RESTART)"
                      : "an interrupted blocking write returns the bytes written (no SA_RESTART)",
              "%ld sig %d", r, got_sig);
        close(p[0]);
        close(p[1]);
    }
    /* interrupted empty reads */
    pipe(p);
    got_sig = 0;
    set_handler(SIGALRM, 0);
    alarm_ms(50);
    char c;
    errno = 0;
    r = read(p[0], &c, 1);
    e = errno;
    CHECK(r == -1 && e == EINTR && got_sig == SIGALRM, "an interrupted empty read without SA_RESTART is EINTR",
          "%ld/%d", r, e);
    hand_fd = p[1];
    set_handler(SIGALRM, SA_RESTART);
    alarm_ms(50);
    r = read(p[0], &c, 1);
    hand_fd = -1;
    CHECK(r == 1 && c == 'H', "with SA_RESTART the read restarts and gets what the handler wrote", "%ld %c", r, c);
    close(p[0]);
    close(p[1]);
    signal(SIGALRM, SIG_DFL);
    alarm(30);

    /* a blocked writer loses its reader */
    pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        got_sig = 0;
        set_handler(SIGPIPE, 0);
        long n = write(p[1], big, 100000);
        _exit(n == 65536 && got_sig == SIGPIPE ? 0 : 1);
    }
    close(p[1]);
    t_sleep_ms(100);
    close(p[0]);
    st = wait_child(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "a blocked writer whose reader closes returns the bytes written and gets SIGPIPE", "status %#x", st);
    pipe(p);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        write(p[1], big, 100000);
        _exit(0);
    }
    close(p[1]);
    t_sleep_ms(100);
    close(p[0]);
    st = wait_child(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE, "by default that SIGPIPE kills the writer", "status %#x", st);
    pipe(p);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        signal(SIGPIPE, SIG_IGN);
        write(p[1], big, 65536);
        errno = 0;
        long n = write(p[1], big, 10);
        _exit(n == -1 && errno == EPIPE ? 0 : 1);
    }
    close(p[1]);
    t_sleep_ms(100);
    close(p[0]);
    st = wait_child(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a writer blocked with nothing written gets EPIPE when the reader closes",
          "status %#x", st);

    /* a blocked reader loses its writers */
    pipe(p);
    pid = fork();
    if (pid == 0) {
        close(p[1]);
        long n = read(p[0], &c, 1);
        _exit(n == 0 ? 0 : 1);
    }
    int w2 = dup(p[1]);
    t_sleep_ms(50);
    close(p[1]);
    t_sleep_ms(50);
    struct pollfd pf = {p[0], 0, 0};
    r = poll(&pf, 1, 0);
    CHECK(r == 0, "a reader stays blocked while any writer fd is open", "poll %ld", r);
    close(w2);
    st = wait_child(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a blocked reader gets 0 when the last writer closes", "status %#x",
          st);
    pf.revents = 0;
    r = poll(&pf, 1, 0);
    CHECK(r == 1 && pf.revents == POLLHUP, "POLLHUP is reported even when no events are asked", "%ld %#x", r,
          pf.revents);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    r = read(p[0], &c, 1);
    CHECK(r == 0, "an O_NONBLOCK read with no writers left is 0, not EAGAIN", "%ld errno %d", r, errno);
    close(p[0]);

    /* PIPE_BUF atomicity with four writers of different record sizes */
    pipe(p);
    static const int sizes[4] = {1, 100, 2048, PIPE_BUF};
    for (int w = 0; w < 4; w++) {
        if (fork() == 0) {
            char rec[PIPE_BUF];
            memset(rec, 'A' + w, sizeof rec);
            close(p[0]);
            for (int i = 0; i < 150; i++)
                if (write(p[1], rec, sizes[w]) != sizes[w])
                    _exit(1);
            _exit(0);
        }
    }
    close(p[1]);
    /* Reading byte runs: a record of writer w is sizes[w] bytes of one
     * letter; two adjacent records of one writer form a multiple. */
    static char all[150 * (1 + 100 + 2048 + PIPE_BUF) + 1];
    long total = 0;
    while ((r = read(p[0], all + total, sizeof all - total)) > 0)
        total += r;
    int torn = 0, count[4] = {0, 0, 0, 0};
    for (long i = 0; i < total;) {
        int w = all[i] - 'A';
        if (w < 0 || w > 3) {
            torn++;
            break;
        }
        long j = i;
        while (j < total && all[j] == all[i])
            j++;
        if ((j - i) % sizes[w] != 0) {
            torn++;
            break;
        }
        count[w] += (j - i) / sizes[w];
        i = j;
    }
    int ok = 1;
    for (int w = 0; w < 4; w++)
        ok &= wait_child(-1) == 0;
    CHECK(ok && torn == 0 && count[0] == 150 && count[1] == 150 && count[2] == 150 && count[3] == 150,
          "writes of up to PIPE_BUF bytes from four writers are never interleaved", "torn %d %d %d %d %d", torn,
          count[0], count[1], count[2], count[3]);
    close(p[0]);
    return t_done("pipe_block");
}
