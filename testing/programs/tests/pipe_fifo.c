/* FIFOs beyond fs_fifo: a non-blocking reader with no writer (EOF, and no
 * POLLHUP until a writer has come and gone), every open sharing one pipe
 * (data, F_SETPIPE_SZ), the pipe and its data gone once the last open
 * closes, fstat showing the FIFO's inode, F_GETFL, ESPIPE, an unlinked
 * FIFO still working, and a blocked open interrupted by a signal. */
#define _GNU_SOURCE
#include <poll.h>
#include <stdlib.h>
#include <sys/time.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/pipe_fifo.d"
#define K_LARGEFILE 0100000

static long sopen(const char *p, long flags) { return syscall(SYS_open, p, flags, 0); }
static short revents(int fd, short ev) {
    struct pollfd pf = {fd, ev, 0};
    return poll(&pf, 1, 0) < 0 ? -1 : pf.revents;
}
static void on_alarm(int s) { (void)s; }

int main(void) {
    long r, r2;
    int e;
    char buf[64];
    if (t_start_in(D, 20) != 0)
        return 1;
    mkfifo("ff", 0644);

    int rd = sopen("ff", O_RDONLY | O_NONBLOCK);
    CHECK(rd >= 0 && syscall(SYS_fcntl, rd, F_GETFL) == (O_RDONLY | O_NONBLOCK | K_LARGEFILE),
          "O_RDONLY|O_NONBLOCK opens a FIFO without a writer", "%d %#lx", rd, syscall(SYS_fcntl, rd, F_GETFL));
    r = read(rd, buf, sizeof buf);
    CHECK(r == 0, "reading it with no writer is EOF, not EAGAIN", "%ld errno %d", r, errno);
    CHECK(revents(rd, POLLIN) == 0, "poll: no POLLHUP before any writer has opened", "%#x", revents(rd, POLLIN));
    int wr = sopen("ff", O_WRONLY | O_NONBLOCK);
    CHECK(wr >= 0 && revents(rd, POLLIN) == 0 && revents(wr, POLLOUT) == POLLOUT,
          "O_WRONLY|O_NONBLOCK opens with a reader; the write end is POLLOUT", "%d %#x", wr, revents(wr, POLLOUT));
    errno = 0;
    r = read(rd, buf, sizeof buf);
    CHECK(r == -1 && errno == EAGAIN, "with a writer an empty FIFO read is EAGAIN", "%ld/%d", r, errno);
    close(wr);
    CHECK(revents(rd, POLLIN) == POLLHUP, "once the writer has gone: POLLHUP", "%#x", revents(rd, POLLIN));

    /* every open shares one pipe */
    int wr2 = sopen("ff", O_WRONLY | O_NONBLOCK);
    int rd2 = sopen("ff", O_RDONLY | O_NONBLOCK);
    write(wr2, "shared", 6);
    memset(buf, 0, sizeof buf);
    r = read(rd2, buf, 3);
    r2 = read(rd, buf + 3, sizeof buf - 3);
    CHECK(r == 3 && r2 == 3 && strcmp(buf, "shared") == 0, "two opens of a FIFO read one pipe", "%ld %ld '%s'", r, r2,
          buf);
    r = syscall(SYS_fcntl, wr2, F_SETPIPE_SZ, 8192);
    r2 = syscall(SYS_fcntl, rd, F_GETPIPE_SZ);
    CHECK(r == 8192 && r2 == 8192, "F_SETPIPE_SZ through one open is seen by the others", "%ld %ld", r, r2);
    errno = 0;
    r = syscall(SYS_lseek, rd, 0L, SEEK_SET);
    CHECK(r == -1 && errno == ESPIPE, "lseek on a FIFO is ESPIPE", "%ld/%d", r, errno);
    struct stat a, b;
    stat("ff", &a);
    fstat(rd, &b);
    CHECK(S_ISFIFO(b.st_mode) && a.st_ino == b.st_ino && a.st_dev == b.st_dev && (b.st_mode & 07777) == 0644,
          "fstat of a FIFO fd is the FIFO's inode", "mode %o", b.st_mode);
    close(wr2);
    close(rd2);
    close(rd);

    /* the pipe goes with the last open */
    int rw = sopen("ff", O_RDWR | O_NONBLOCK);
    write(rw, "lost", 4);
    r = syscall(SYS_fcntl, rw, F_SETPIPE_SZ, 4096);
    close(rw);
    rw = sopen("ff", O_RDWR | O_NONBLOCK);
    errno = 0;
    r = read(rw, buf, sizeof buf);
    e = errno;
    r2 = syscall(SYS_fcntl, rw, F_GETPIPE_SZ);
    CHECK(r == -1 && e == EAGAIN && r2 == 65536, "after the last close the data and the size are gone", "%ld/%d %ld",
          r, e, r2);
    CHECK(revents(rw, POLLIN | POLLOUT) == POLLOUT, "O_RDWR: empty is POLLOUT only", "%#x",
          revents(rw, POLLIN | POLLOUT));
    unlink("ff");
    write(rw, "still", 5);
    memset(buf, 0, sizeof buf);
    r = read(rw, buf, sizeof buf);
    CHECK(r == 5 && strcmp(buf, "still") == 0, "an unlinked FIFO still works while open", "%ld", r);
    close(rw);

    /* a blocked open interrupted by a handled signal */
    mkfifo("ff2", 0644);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    errno = 0;
    r = sopen("ff2", O_RDONLY);
    CHECK(r == -1 && errno == EINTR, "a blocked FIFO open interrupted by a signal is EINTR", "%ld/%d", r, errno);
    signal(SIGALRM, SIG_DFL);
    alarm(20);
    pid_t pid = fork();
    if (pid == 0) {
        int w = sopen("ff2", O_WRONLY);
        _exit(w >= 0 && write(w, "z", 1) == 1 ? 0 : 1);
    }
    int rr = sopen("ff2", O_RDONLY);
    r = read(rr, buf, 1);
    int st = -1;
    waitpid(pid, &st, 0);
    CHECK(rr >= 0 && r == 1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "then a writer and a reader meet", "%d %ld %#x",
          rr, r, st);
    close(rr);
    chdir("/");
    t_rm_rf(D);
    return t_done("pipe_fifo");
}
