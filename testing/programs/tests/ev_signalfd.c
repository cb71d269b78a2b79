/* signalfd(2): signalfd4 flags (SFD_NONBLOCK, SFD_CLOEXEC) and argument
 * checks (unknown flags, sigset size, non-signalfd and closed fds); the
 * signalfd_siginfo of kill (SI_USER), sigqueue (SI_QUEUE, ssi_int,
 * ssi_ptr) and tgkill (SI_TKILL); reading consumes the signal; EAGAIN and
 * the 128-byte minimum; several signals in one read; updating the mask of
 * an existing signalfd; signals outside the mask are left alone; a blocked
 * read and a blocked epoll_wait woken by a signal from a child; poll
 * readiness; SIGCHLD with CLD_EXITED/CLD_KILLED; real-time signals queued
 * several times, in order; a signalfd inherited across fork reads the
 * child's own signals. A 30 s alarm ends the test with a FAIL line if a
 * blocking read never returns. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include "../t.h"

#define SZ ((int)sizeof(struct signalfd_siginfo))
/* Fixed real-time signal numbers: glibc's SIGRTMIN is 34 and musl's 35. */
#define RT_A 40
#define RT_B 41

/* Raw signalfd4 with an explicit sigset size. */
static int sfd4(int fd, const sigset_t *mask, long size, int flags) {
    return (int)syscall(SYS_signalfd4, fd, mask, size, flags);
}
static sigset_t set_of(int a, int b) {
    sigset_t s;
    sigemptyset(&s);
    if (a)
        sigaddset(&s, a);
    if (b)
        sigaddset(&s, b);
    return s;
}
static int is_pending(int sig) {
    sigset_t p;
    sigpending(&p);
    return sigismember(&p, sig) == 1;
}
/* Takes sig if it is pending (it must be blocked). */
static int take(int sig) {
    sigset_t s = set_of(sig, 0);
    struct timespec zero = {0, 0};
    return sigtimedwait(&s, NULL, &zero) == sig;
}
static int polled(int fd) {
    struct pollfd pf = {fd, POLLIN, 0};
    int r = poll(&pf, 1, 0);
    return r == 1 ? pf.revents : r;
}

static volatile int hits;
static void on_sig(int sig) {
    (void)sig;
    hits++;
}

int main(void) {
    t_watchdog(30);
    struct signalfd_siginfo si[4];
    pid_t me = getpid();
    uid_t uid = getuid();
    int r, e, fd;

    /* Block the signals this test reads through signalfds. */
    sigset_t blk = set_of(SIGUSR1, SIGUSR2), old;
    sigaddset(&blk, RT_A);
    sigaddset(&blk, RT_B);
    sigprocmask(SIG_BLOCK, &blk, &old);
    sigset_t usr1 = set_of(SIGUSR1, 0);

    /* --- creation and argument checks --- */
    errno = 0;
    r = sfd4(-1, &usr1, 8, 1);
    e = errno;
    errno = 0;
    int r2 = sfd4(-1, &usr1, 8, O_APPEND);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "signalfd4 with an unknown flag is EINVAL",
          "errno %d, %d", e, errno);
    errno = 0;
    r = sfd4(-1, &usr1, 4, 0);
    e = errno;
    errno = 0;
    r2 = sfd4(-1, &usr1, 16, 0);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "a sigset size other than 8 is EINVAL",
          "errno %d, %d", e, errno);
    fd = sfd4(-1, &usr1, 8, SFD_NONBLOCK | SFD_CLOEXEC);
    int plain = (int)syscall(SYS_signalfd, -1, &usr1, 8);
    CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) && (fcntl(fd, F_GETFL) & O_NONBLOCK) && plain >= 0 &&
              !(fcntl(plain, F_GETFD) & FD_CLOEXEC) && !(fcntl(plain, F_GETFL) & O_NONBLOCK),
          "SFD_CLOEXEC and SFD_NONBLOCK set FD_CLOEXEC and O_NONBLOCK; plain signalfd sets neither", "fd %d plain %d",
          fd, plain);
    close(plain);
    int p[2];
    pipe(p);
    int closed = dup(p[0]);
    close(closed);
    errno = 0;
    r = signalfd(p[0], &usr1, 0);
    e = errno;
    errno = 0;
    r2 = signalfd(closed, &usr1, 0);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EBADF,
          "signalfd on an fd that is not a signalfd is EINVAL, on a closed fd EBADF", "errno %d, %d", e, errno);
    close(p[0]);
    close(p[1]);
    sigset_t full;
    sigfillset(&full);
    r = signalfd(-1, &full, SFD_NONBLOCK);
    CHECK(r >= 0, "a mask with SIGKILL and SIGSTOP in it is accepted", "errno %d", errno);
    close(r);

    /* --- reading --- */
    errno = 0;
    r = read(fd, si, sizeof si);
    CHECK(r == -1 && errno == EAGAIN, "nothing pending: a non-blocking read is EAGAIN", "r %d errno %d", r, errno);
    kill(me, SIGUSR1);
    errno = 0;
    r = read(fd, si, SZ - 1);
    CHECK(r == -1 && errno == EINVAL && is_pending(SIGUSR1),
          "a read buffer smaller than 128 bytes is EINVAL and takes nothing", "r %d errno %d", r, errno);
    memset(si, 0, sizeof si);
    r = read(fd, si, sizeof si);
    CHECK(r == SZ && si[0].ssi_signo == SIGUSR1 && si[0].ssi_code == SI_USER && si[0].ssi_pid == (uint32_t)me &&
              si[0].ssi_uid == uid && si[0].ssi_errno == 0,
          "kill: one 128-byte record with ssi_signo, SI_USER, the sender's pid and uid", "r %d signo %u code %d", r,
          si[0].ssi_signo, si[0].ssi_code);
    CHECK(!is_pending(SIGUSR1), "the signal read is no longer pending", "still pending");

    union sigval v;
    memset(&v, 0, sizeof v);
    v.sival_int = 42;
    sigqueue(me, SIGUSR1, v);
    memset(si, 0, sizeof si);
    r = read(fd, si, sizeof si);
    CHECK(r == SZ && si[0].ssi_signo == SIGUSR1 && si[0].ssi_code == SI_QUEUE && si[0].ssi_int == 42 &&
              si[0].ssi_pid == (uint32_t)me && si[0].ssi_uid == uid,
          "sigqueue: SI_QUEUE with ssi_int", "r %d code %d int %d", r, si[0].ssi_code, si[0].ssi_int);
    v.sival_ptr = (void *)0x123456789abcUL;
    sigqueue(me, SIGUSR1, v);
    memset(si, 0, sizeof si);
    r = read(fd, si, sizeof si);
    CHECK(r == SZ && si[0].ssi_code == SI_QUEUE && si[0].ssi_ptr == 0x123456789abcULL,
          "sigqueue: a pointer value comes back in ssi_ptr", "r %d ptr %#llx", r, (unsigned long long)si[0].ssi_ptr);
    syscall(SYS_tgkill, me, (pid_t)syscall(SYS_gettid), SIGUSR1);
    memset(si, 0, sizeof si);
    r = read(fd, si, sizeof si);
    CHECK(r == SZ && si[0].ssi_signo == SIGUSR1 && si[0].ssi_code == SI_TKILL && si[0].ssi_pid == (uint32_t)me &&
              si[0].ssi_uid == uid,
          "tgkill: SI_TKILL with the sender's pid and uid", "r %d code %d", r, si[0].ssi_code);

    /* --- several at once, coalescing, partial buffers --- */
    sigset_t both = set_of(SIGUSR1, SIGUSR2);
    signalfd(fd, &both, 0);
    kill(me, SIGUSR2);
    kill(me, SIGUSR1);
    kill(me, SIGUSR1);
    memset(si, 0, sizeof si);
    r = read(fd, si, sizeof si);
    CHECK(r == 2 * SZ && si[0].ssi_signo == SIGUSR1 && si[1].ssi_signo == SIGUSR2,
          "one read returns every pending signal, lowest number first; a repeated standard signal once",
          "r %d signos %u %u", r, si[0].ssi_signo, si[1].ssi_signo);
    kill(me, SIGUSR1);
    kill(me, SIGUSR2);
    char odd[SZ + 100];
    r = read(fd, odd, sizeof odd);
    r2 = read(fd, odd, sizeof odd);
    CHECK(r == SZ && r2 == SZ, "a 228-byte buffer holds one record per read", "r %d %d", r, r2);

    /* --- updating the mask --- */
    sigset_t usr2 = set_of(SIGUSR2, 0);
    r = signalfd(fd, &usr2, 0);
    kill(me, SIGUSR1);
    errno = 0;
    r2 = read(fd, si, sizeof si);
    e = errno;
    kill(me, SIGUSR2);
    memset(si, 0, sizeof si);
    int r3 = read(fd, si, sizeof si);
    CHECK(r == fd && r2 == -1 && e == EAGAIN && r3 == SZ && si[0].ssi_signo == SIGUSR2,
          "signalfd on an existing signalfd replaces its mask and returns the same fd", "r %d, %d errno %d, %d", r, r2,
          e, r3);
    CHECK(is_pending(SIGUSR1) && take(SIGUSR1) && !is_pending(SIGUSR1),
          "a signal outside the mask stays pending for others", "SIGUSR1 gone");
    kill(me, SIGUSR1);
    int a = polled(fd);
    kill(me, SIGUSR2);
    int b = polled(fd);
    read(fd, si, sizeof si);
    int c = polled(fd);
    CHECK(a == 0 && b == POLLIN && c == 0, "poll: readable only while a signal in its mask is pending",
          "%#x %#x %#x", a, b, c);
    take(SIGUSR1);

    /* An unblocked signal goes to its handler; the signalfd sees nothing. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t u2 = set_of(SIGUSR2, 0);
    sigprocmask(SIG_UNBLOCK, &u2, NULL);
    hits = 0;
    kill(me, SIGUSR2);
    errno = 0;
    r = read(fd, si, sizeof si);
    CHECK(hits == 1 && r == -1 && errno == EAGAIN, "an unblocked signal runs its handler and is not readable",
          "hits %d r %d errno %d", hits, r, errno);
    sigprocmask(SIG_BLOCK, &u2, NULL);
    close(fd);

    /* --- blocking read and epoll_wait woken from another process --- */
    fd = signalfd(-1, &usr1, 0);
    pid_t ch = fork();
    if (ch == 0) {
        t_sleep_ms(50);
        kill(me, SIGUSR1);
        _exit(0);
    }
    memset(si, 0, sizeof si);
    r = read(fd, si, sizeof si);
    waitpid(ch, NULL, 0);
    CHECK(r == SZ && si[0].ssi_signo == SIGUSR1 && si[0].ssi_pid == (uint32_t)ch && si[0].ssi_code == SI_USER,
          "a blocking read is woken by a signal a child sends 50 ms later", "r %d pid ok %d", r,
          si[0].ssi_pid == (uint32_t)ch);
    int ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN, {.u64 = 7}}, evs[2];
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    a = epoll_wait(ep, evs, 2, 0);
    ch = fork();
    if (ch == 0) {
        t_sleep_ms(50);
        kill(me, SIGUSR1);
        _exit(0);
    }
    memset(evs, 0, sizeof evs);
    b = epoll_wait(ep, evs, 2, 10000);
    waitpid(ch, NULL, 0);
    r = read(fd, si, sizeof si);
    CHECK(a == 0 && b == 1 && evs[0].events == EPOLLIN && evs[0].data.u64 == 7 && r == SZ,
          "epoll: not ready at first, woken when a child's signal becomes pending", "%d %d r %d", a, b, r);
    close(ep);
    close(fd);

    /* --- SIGCHLD --- */
    sigset_t chld = set_of(SIGCHLD, 0);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    fd = signalfd(-1, &chld, 0);
    ch = fork();
    if (ch == 0)
        _exit(7);
    memset(si, 0, sizeof si);
    r = read(fd, si, sizeof si);
    int st = -1;
    waitpid(ch, &st, 0);
    CHECK(r == SZ && si[0].ssi_signo == SIGCHLD && si[0].ssi_code == CLD_EXITED && si[0].ssi_pid == (uint32_t)ch &&
              si[0].ssi_status == 7 && WIFEXITED(st) && WEXITSTATUS(st) == 7,
          "SIGCHLD through a signalfd: CLD_EXITED with the child's pid and exit code", "r %d code %d status %d", r,
          si[0].ssi_code, si[0].ssi_status);
    ch = fork();
    if (ch == 0) {
        for (;;)
            pause();
    }
    kill(ch, SIGKILL);
    memset(si, 0, sizeof si);
    r = read(fd, si, sizeof si);
    waitpid(ch, &st, 0);
    CHECK(r == SZ && si[0].ssi_code == CLD_KILLED && si[0].ssi_pid == (uint32_t)ch && si[0].ssi_status == SIGKILL,
          "a killed child: CLD_KILLED with the signal number in ssi_status", "r %d code %d status %d", r,
          si[0].ssi_code, si[0].ssi_status);
    close(fd);
    take(SIGCHLD);
    sigprocmask(SIG_UNBLOCK, &chld, NULL);

    /* --- real-time signals --- */
    sigset_t rt = set_of(RT_A, RT_B);
    fd = signalfd(-1, &rt, SFD_NONBLOCK);
    for (int i = 1; i <= 3; i++) {
        v.sival_ptr = NULL;
        v.sival_int = i;
        sigqueue(me, RT_A, v);
    }
    memset(si, 0, sizeof si);
    r = read(fd, si, 2 * SZ);
    r2 = read(fd, si + 2, 2 * SZ);
    errno = 0;
    r3 = read(fd, si + 3, SZ);
    CHECK(r == 2 * SZ && r2 == SZ && r3 == -1 && errno == EAGAIN && si[0].ssi_int == 1 && si[1].ssi_int == 2 &&
              si[2].ssi_int == 3 && si[0].ssi_signo == RT_A && si[2].ssi_signo == RT_A,
          "a real-time signal queued 3 times is read 3 times, in order", "r %d %d %d ints %d %d %d", r, r2, r3,
          si[0].ssi_int, si[1].ssi_int, si[2].ssi_int);
    v.sival_int = 20;
    sigqueue(me, RT_B, v);
    v.sival_int = 10;
    sigqueue(me, RT_A, v);
    v.sival_int = 21;
    sigqueue(me, RT_B, v);
    memset(si, 0, sizeof si);
    r = read(fd, si, sizeof si);
    CHECK(r == 3 * SZ && si[0].ssi_signo == RT_A && si[0].ssi_int == 10 && si[1].ssi_signo == RT_B &&
              si[1].ssi_int == 20 && si[2].ssi_int == 21,
          "lower real-time signals come first, each in queue order", "r %d %u/%d %u/%d %u/%d", r, si[0].ssi_signo,
          si[0].ssi_int, si[1].ssi_signo, si[1].ssi_int, si[2].ssi_signo, si[2].ssi_int);
    close(fd);

    /* --- across fork: the reader's own signals --- */
    fd = signalfd(-1, &usr1, SFD_NONBLOCK);
    kill(me, SIGUSR1);
    ch = fork();
    if (ch == 0) {
        struct signalfd_siginfo cs;
        errno = 0;
        int x = (int)read(fd, &cs, sizeof cs);
        int ok1 = x == -1 && errno == EAGAIN;
        raise(SIGUSR1);
        memset(&cs, 0, sizeof cs);
        x = (int)read(fd, &cs, sizeof cs);
        int ok2 = x == SZ && cs.ssi_pid == (uint32_t)getpid();
        _exit(ok1 && ok2 ? 0 : 1 + ok1);
    }
    waitpid(ch, &st, 0);
    memset(si, 0, sizeof si);
    r = read(fd, si, sizeof si);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && r == SZ && si[0].ssi_pid == (uint32_t)me,
          "an inherited signalfd reads the child's own signals, never the parent's", "status %#x r %d", st, r);
    close(fd);

    sigprocmask(SIG_SETMASK, &old, NULL);
    return t_done("ev_signalfd");
}
