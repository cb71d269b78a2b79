/* Pipes: pipe/pipe2 flags, partial reads, EOF, EPIPE and SIGPIPE,
 * O_NONBLOCK EAGAIN, capacity (F_GETPIPE_SZ/F_SETPIPE_SZ), PIPE_BUF
 * atomicity with two writers, a blocked reader woken by a write, FIONREAD,
 * poll/ppoll/select readiness (POLLIN/POLLOUT/POLLHUP/POLLERR/POLLNVAL). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include "../t.h"

static long spipe2(int *p, int fl) { return syscall(SYS_pipe2, p, fl); }
static long getfl(int fd) { return syscall(SYS_fcntl, fd, F_GETFL); }
static short revents(int fd, short events) {
    struct pollfd pf = {fd, events, 0};
    if (poll(&pf, 1, 0) < 0)
        return -1;
    return pf.revents;
}
static void msleep(int ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}
static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}
static int wait_child(pid_t pid) {
    int status = -1;
    waitpid(pid, &status, 0);
    return status;
}

int main(void) {
    long r, r2;
    int e, p[2], q[2], status;
    char buf[8192];
    signal(SIGPIPE, SIG_IGN);

    /* pipe / pipe2 */
    r = pipe(p);
    CHECK(r == 0 && getfl(p[0]) == O_RDONLY && getfl(p[1]) == O_WRONLY &&
              syscall(SYS_fcntl, p[0], F_GETFD) == 0,
          "pipe: read end O_RDONLY, write end O_WRONLY, no FD_CLOEXEC", "ret %ld flags %#lx %#lx", r, getfl(p[0]),
          getfl(p[1]));
    r = spipe2(q, O_CLOEXEC | O_NONBLOCK);
    CHECK(r == 0 && syscall(SYS_fcntl, q[0], F_GETFD) == FD_CLOEXEC && syscall(SYS_fcntl, q[1], F_GETFD) == FD_CLOEXEC &&
              (getfl(q[0]) & O_NONBLOCK) && (getfl(q[1]) & O_NONBLOCK),
          "pipe2(O_CLOEXEC|O_NONBLOCK) sets both on both ends", "ret %ld", r);
    close(q[0]);
    close(q[1]);
    int bad[2] = {-7, -7};
    errno = 0;
    r = spipe2(bad, O_TRUNC);
    CHECK(r == -1 && errno == EINVAL && bad[0] == -7, "pipe2 with an invalid flag is EINVAL", "ret %ld errno %d", r,
          errno);

    /* read returns what is available; wrong-direction use */
    write(p[1], "hello", 5);
    int avail = -1;
    ioctl(p[0], FIONREAD, &avail);
    r = read(p[0], buf, sizeof buf);
    CHECK(avail == 5 && r == 5 && memcmp(buf, "hello", 5) == 0, "FIONREAD counts bytes; read returns what is there",
          "avail %d ret %ld", avail, r);
    write(p[1], "abcdef", 6);
    r = read(p[0], buf, 2);
    r2 = read(p[0], buf + 2, 100);
    CHECK(r == 2 && r2 == 4 && memcmp(buf, "abcdef", 6) == 0, "a short read leaves the rest in order", "%ld %ld", r,
          r2);
    errno = 0;
    r = write(p[0], "x", 1);
    e = errno;
    errno = 0;
    r2 = read(p[1], buf, 1);
    CHECK(r == -1 && e == EBADF && r2 == -1 && errno == EBADF, "writing the read end or reading the write end is EBADF",
          "%ld/%d %ld/%d", r, e, r2, errno);

    /* poll states */
    CHECK(revents(p[0], POLLIN | POLLOUT) == 0 && revents(p[1], POLLIN | POLLOUT) == POLLOUT,
          "poll: empty pipe, read end not ready, write end POLLOUT", "%#x %#x", revents(p[0], POLLIN | POLLOUT),
          revents(p[1], POLLIN | POLLOUT));
    write(p[1], "z", 1);
    CHECK(revents(p[0], POLLIN) == POLLIN, "poll: data makes the read end POLLIN", "%#x", revents(p[0], POLLIN));
    close(p[1]);
    CHECK(revents(p[0], POLLIN) == (POLLIN | POLLHUP), "poll: writer gone with data left: POLLIN|POLLHUP", "%#x",
          revents(p[0], POLLIN));
    r = read(p[0], buf, 10);
    r2 = read(p[0], buf, 10);
    CHECK(r == 1 && r2 == 0 && revents(p[0], POLLIN) == POLLHUP, "EOF after the write end closes; then POLLHUP only",
          "%ld %ld %#x", r, r2, revents(p[0], POLLIN));
    close(p[0]);
    pipe(p);
    close(p[0]);
    CHECK(revents(p[1], POLLOUT) == (POLLOUT | POLLERR), "poll: reader gone: write end POLLOUT|POLLERR", "%#x",
          revents(p[1], POLLOUT));
    errno = 0;
    r = write(p[1], "x", 1);
    CHECK(r == -1 && errno == EPIPE, "write with no reader and SIGPIPE ignored is EPIPE", "ret %ld errno %d", r, errno);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        write(p[1], "x", 1);
        _exit(0);
    }
    status = wait_child(pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE, "write with no reader kills with SIGPIPE by default",
          "status %#x", status);
    close(p[1]);
    struct pollfd pf[2] = {{-1, POLLIN, 0x77}, {99, POLLIN, 0}};
    r = poll(pf, 2, 0);
    CHECK(r == 1 && pf[0].revents == 0 && pf[1].revents == POLLNVAL, "poll: negative fd ignored, closed fd POLLNVAL",
          "ret %ld %#x %#x", r, pf[0].revents, pf[1].revents);

    /* non-blocking and capacity */
    spipe2(p, O_NONBLOCK);
    errno = 0;
    r = read(p[0], buf, 10);
    CHECK(r == -1 && errno == EAGAIN, "O_NONBLOCK read of an empty pipe is EAGAIN", "ret %ld errno %d", r, errno);
    r = syscall(SYS_fcntl, p[0], F_GETPIPE_SZ);
    CHECK(r == 65536, "default pipe capacity is 65536", "ret %ld", r);
    long total = 0;
    memset(buf, 'c', sizeof buf);
    for (int i = 0; i < 100; i++) {
        r = write(p[1], buf, 4096);
        if (r < 0)
            break;
        total += r;
    }
    e = errno;
    CHECK(total == 65536 && r == -1 && e == EAGAIN, "a full pipe holds 65536 bytes, then write is EAGAIN",
          "total %ld ret %ld errno %d", total, r, e);
    CHECK(revents(p[1], POLLOUT) == 0 && revents(p[0], POLLIN) == POLLIN, "poll: full pipe is not POLLOUT", "%#x",
          revents(p[1], POLLOUT));
    errno = 0;
    r = syscall(SYS_fcntl, p[0], F_SETPIPE_SZ, 4096);
    CHECK(r == -1 && errno == EBUSY, "F_SETPIPE_SZ below the contents is EBUSY", "ret %ld errno %d", r, errno);
    while (read(p[0], buf, sizeof buf) > 0) {
    }
    r = syscall(SYS_fcntl, p[0], F_SETPIPE_SZ, 10000);
    r2 = syscall(SYS_fcntl, p[1], F_GETPIPE_SZ);
    long r3 = syscall(SYS_fcntl, p[1], F_SETPIPE_SZ, 1);
    CHECK(r == 16384 && r2 == 16384 && r3 == 4096, "F_SETPIPE_SZ rounds up to a power-of-two number of pages",
          "%ld %ld %ld", r, r2, r3);
    syscall(SYS_fcntl, p[1], F_SETPIPE_SZ, 65536);
    static char huge[100000];
    r = write(p[1], huge, sizeof huge);
    CHECK(r == 65536, "a large O_NONBLOCK write is partial, up to the capacity", "ret %ld", r);
    close(p[0]);
    close(p[1]);

    /* writes of PIPE_BUF bytes stay whole with two writers */
    pipe(p);
    for (int w = 0; w < 2; w++) {
        if (fork() == 0) {
            char rec[PIPE_BUF];
            memset(rec, 'A' + w, sizeof rec);
            close(p[0]);
            for (int i = 0; i < 200; i++)
                if (write(p[1], rec, sizeof rec) != sizeof rec)
                    _exit(1);
            _exit(0);
        }
    }
    close(p[1]);
    int records[2] = {0, 0}, torn = 0;
    for (;;) {
        long got = 0;
        while (got < PIPE_BUF) {
            r = read(p[0], buf + got, PIPE_BUF - got);
            if (r <= 0)
                break;
            got += r;
        }
        if (got == 0)
            break;
        if (got != PIPE_BUF || (buf[0] != 'A' && buf[0] != 'B')) {
            torn++;
            break;
        }
        for (int i = 1; i < PIPE_BUF; i++)
            if (buf[i] != buf[0]) {
                torn++;
                break;
            }
        records[buf[0] - 'A']++;
    }
    int s1 = wait_child(-1), s2 = wait_child(-1);
    CHECK(torn == 0 && records[0] == 200 && records[1] == 200 && s1 == 0 && s2 == 0,
          "PIPE_BUF writes from two writers are never interleaved", "torn %d A %d B %d", torn, records[0], records[1]);
    close(p[0]);

    /* a blocked reader is woken by a write */
    pipe(p);
    pid = fork();
    if (pid == 0) {
        alarm(10);
        char c[4];
        long n = read(p[0], c, sizeof c);
        _exit(n == 3 && memcmp(c, "wak", 3) == 0 ? 0 : 1);
    }
    msleep(100);
    write(p[1], "wak", 3);
    status = wait_child(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a reader blocked on an empty pipe is woken by a write",
          "status %#x", status);
    /* a blocked writer is woken by a read */
    pid = fork();
    if (pid == 0) {
        alarm(10);
        static char big[65536 + 100];
        long n = write(p[1], big, sizeof big);
        _exit(n == (long)sizeof big ? 0 : 1);
    }
    msleep(100);
    long drained = 0;
    while (drained < 65536 + 100) {
        r = read(p[0], buf, sizeof buf);
        if (r <= 0)
            break;
        drained += r;
    }
    status = wait_child(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && drained == 65636,
          "a writer blocked on a full pipe completes once it is read", "status %#x drained %ld", status, drained);

    /* select and ppoll */
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    struct timeval tv = {0, 50000};
    long t0 = now_ms();
    r = syscall(SYS_select, p[0] + 1, &rs, NULL, NULL, &tv); /* raw: musl does not write back the timeval */
    long el = now_ms() - t0;
    CHECK(r == 0 && !FD_ISSET(p[0], &rs) && tv.tv_sec == 0 && tv.tv_usec == 0 && el >= 45,
          "select on an empty pipe times out, clears the set and zeroes the timeval", "ret %ld usec %ld",
          r, (long)tv.tv_usec);
    write(p[1], "s", 1);
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    fd_set ws;
    FD_ZERO(&ws);
    FD_SET(p[1], &ws);
    FD_SET(p[0], &ws);
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    r = syscall(SYS_select, p[1] + 1, &rs, &ws, NULL, &tv);
    CHECK(r == 2 && FD_ISSET(p[0], &rs) && FD_ISSET(p[1], &ws) && !FD_ISSET(p[0], &ws),
          "select reports a readable read end and a writable write end", "ret %ld", r);
    read(p[0], buf, 1);
    struct pollfd pp = {p[0], POLLIN, 0};
    struct timespec zero = {0, 0};
    t0 = now_ms();
    r = ppoll(&pp, 1, &zero, NULL);
    el = now_ms() - t0;
    CHECK(r == 0 && pp.revents == 0 && el < 1000, "ppoll with a zero timeout returns 0 at once", "ret %ld", r);
    pid = fork();
    if (pid == 0) {
        msleep(100);
        write(p[1], "late", 4);
        _exit(0);
    }
    pp.revents = 0;
    r = poll(&pp, 1, 10000);
    wait_child(pid);
    CHECK(r == 1 && pp.revents == POLLIN, "poll sleeps until another process writes", "ret %ld %#x", r, pp.revents);
    close(p[0]);
    close(p[1]);
    return t_done("fs_pipe");
}
