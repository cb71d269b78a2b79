/* pidfd_open(2), pidfd_send_signal(2) and waitid(P_PIDFD): pidfd_open
 * argument checks (flags, pid <= 0, a reaped pid, a non-leader thread),
 * FD_CLOEXEC and O_RDWR always, PIDFD_NONBLOCK; poll and epoll readiness
 * (nothing while the child runs, POLLIN once it has exited but is not yet
 * reaped, POLLIN|POLLHUP after it is reaped); pidfd_send_signal delivering
 * SIGTERM/SIGUSR1, its argument checks (flags, signal number, siginfo
 * rules, non-pidfd fds), signals to a zombie (0) and to a reaped child
 * (ESRCH), siginfo seen by a handler when a process signals itself;
 * waitid(P_PIDFD) with WNOHANG, on a PIDFD_NONBLOCK pidfd (EAGAIN),
 * reaping with si_pid/si_code/si_status, ECHILD for non-children. A 30 s
 * alarm ends the test with a FAIL line if a blocking call never returns. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include "../t.h"

#define NR_pidfd_open 434
#define NR_pidfd_send_signal 424
#define K_P_PIDFD 3
#define K_PIDFD_NONBLOCK O_NONBLOCK
#define K_PIDFD_THREAD O_EXCL

static int pidfd_open_raw(pid_t pid, unsigned flags) { return (int)syscall(NR_pidfd_open, pid, flags); }
static int pidfd_kill(int fd, int sig, siginfo_t *info, unsigned flags) {
    return (int)syscall(NR_pidfd_send_signal, fd, sig, info, flags);
}
/* Raw waitid: the libcs' idtype_t may lack P_PIDFD. */
static int waitid_raw(int idtype, int id, siginfo_t *si, int options) {
    return (int)syscall(SYS_waitid, idtype, id, si, options, NULL);
}
static int polled(int fd, int ms) {
    struct pollfd pf = {fd, POLLIN, 0};
    int r = poll(&pf, 1, ms);
    return r == 1 ? pf.revents : r;
}
/* A child that exits with code when the write end of *p is closed. */
static pid_t held_child(int p[2], int code) {
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        char b;
        close(p[1]);
        while (read(p[0], &b, 1) == -1 && errno == EINTR) {
        }
        _exit(code);
    }
    close(p[0]);
    return c;
}
/* A child that sleeps for a long time (until a signal ends it). */
static pid_t sleeper(void) {
    pid_t c = fork();
    if (c == 0) {
        t_sleep_ms(20000);
        _exit(0);
    }
    return c;
}

static volatile int got_sig, got_code, got_val;
static volatile pid_t got_pid;
static void on_info(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    got_sig = sig;
    got_code = si->si_code;
    got_pid = si->si_pid;
    got_val = si->si_value.sival_int;
}

static int thread_pipe[2];
static volatile pid_t thread_tid;
static void *thread_main(void *arg) {
    (void)arg;
    char b;
    thread_tid = (pid_t)syscall(SYS_gettid);
    while (read(thread_pipe[0], &b, 1) == -1 && errno == EINTR) {
    }
    return NULL;
}

int main(void) {
    t_watchdog(30);
    pid_t me = getpid();
    int r, r2, e, st, p[2];
    siginfo_t si;

    /* --- pidfd_open arguments --- */
    errno = 0;
    r = pidfd_open_raw(me, 1);
    e = errno;
    errno = 0;
    r2 = pidfd_open_raw(me, O_CLOEXEC);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "pidfd_open with an unknown flag is EINVAL",
          "errno %d, %d", e, errno);
    errno = 0;
    r = pidfd_open_raw(0, 0);
    e = errno;
    errno = 0;
    r2 = pidfd_open_raw(-1, 0);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "pidfd_open of pid 0 or -1 is EINVAL", "errno %d, %d",
          e, errno);

    pid_t c = held_child(p, 9);
    int fd = pidfd_open_raw(c, 0);
    CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR &&
              !(fcntl(fd, F_GETFL) & O_NONBLOCK),
          "a pidfd is always FD_CLOEXEC and O_RDWR", "fd %d fd flags %#x fl %#x", fd, fcntl(fd, F_GETFD),
          fcntl(fd, F_GETFL));
    int nfd = pidfd_open_raw(c, K_PIDFD_NONBLOCK);
    CHECK(nfd >= 0 && (fcntl(nfd, F_GETFL) & O_NONBLOCK), "PIDFD_NONBLOCK sets O_NONBLOCK", "fd %d errno %d", nfd,
          errno);
    char buf[8];
    errno = 0;
    r = (int)read(fd, buf, sizeof buf);
    CHECK(r == -1 && errno == EINVAL, "read on a pidfd is EINVAL", "r %d errno %d", r, errno);

    /* --- while the child runs --- */
    r = polled(fd, 0);
    CHECK(r == 0, "poll: a running child's pidfd is not readable", "poll %#x", r);
    memset(&si, 0, sizeof si);
    si.si_pid = 12345;
    r = waitid_raw(K_P_PIDFD, fd, &si, WEXITED | WNOHANG);
    CHECK(r == 0 && si.si_pid == 0, "waitid(P_PIDFD, WNOHANG) on a running child returns 0 with si_pid 0",
          "r %d errno %d", r, errno);
    errno = 0;
    r = waitid_raw(K_P_PIDFD, nfd, &si, WEXITED);
    CHECK(r == -1 && errno == EAGAIN, "waitid on a PIDFD_NONBLOCK pidfd of a running child is EAGAIN",
          "r %d errno %d", r, errno);
    CHECK(pidfd_kill(fd, 0, NULL, 0) == 0, "pidfd_send_signal with signal 0 to a running child is 0", "errno %d",
          errno);

    /* --- exit, not yet reaped --- */
    close(p[1]); /* the child exits now */
    r = polled(fd, 10000);
    int alive = kill(c, 0);
    CHECK(r == POLLIN && alive == 0, "a blocking poll wakes with POLLIN when the child exits, before it is reaped",
          "poll %#x kill %d", r, alive);
    CHECK(pidfd_kill(fd, SIGUSR1, NULL, 0) == 0, "pidfd_send_signal to an exited, unreaped child is 0", "errno %d",
          errno);
    int zfd = pidfd_open_raw(c, 0);
    CHECK(zfd >= 0, "pidfd_open of an exited, unreaped child works", "errno %d", errno);
    close(zfd);

    /* --- waitid(P_PIDFD) reaps --- */
    memset(&si, 0, sizeof si);
    r = waitid_raw(K_P_PIDFD, fd, &si, WEXITED | WNOWAIT);
    memset(&si, 0, sizeof si);
    r2 = waitid_raw(K_P_PIDFD, fd, &si, WEXITED);
    errno = 0;
    int w = waitpid(c, &st, WNOHANG);
    CHECK(r == 0 && r2 == 0 && si.si_signo == SIGCHLD && si.si_pid == c && si.si_code == CLD_EXITED &&
              si.si_status == 9 && w == -1 && errno == ECHILD,
          "waitid(P_PIDFD) reaps the child: si_pid, CLD_EXITED and the exit code", "r %d %d code %d status %d w %d",
          r, r2, si.si_code, si.si_status, w);
    r = polled(fd, 0);
    CHECK(r == (POLLIN | POLLHUP), "after the child is reaped, poll reports POLLIN|POLLHUP", "poll %#x", r);
    errno = 0;
    r = pidfd_kill(fd, SIGUSR1, NULL, 0);
    e = errno;
    errno = 0;
    r2 = waitid_raw(K_P_PIDFD, fd, &si, WEXITED | WNOHANG);
    CHECK(r == -1 && e == ESRCH && r2 == -1 && errno == ECHILD,
          "after reaping: pidfd_send_signal is ESRCH and waitid is ECHILD", "errno %d, %d", e, errno);
    errno = 0;
    r = pidfd_open_raw(c, 0);
    CHECK(r == -1 && errno == ESRCH, "pidfd_open of a reaped child's pid is ESRCH", "r %d errno %d", r, errno);
    close(fd);
    close(nfd);

    /* --- pidfd_send_signal delivers --- */
    c = sleeper();
    fd = pidfd_open_raw(c, 0);
    r = pidfd_kill(fd, SIGTERM, NULL, 0);
    st = 0;
    waitpid(c, &st, 0);
    CHECK(r == 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "pidfd_send_signal(SIGTERM) ends the child",
          "r %d status %#x", r, st);
    close(fd);
    c = sleeper();
    fd = pidfd_open_raw(c, 0);
    r = pidfd_kill(fd, SIGUSR1, NULL, 0);
    memset(&si, 0, sizeof si);
    r2 = waitid_raw(K_P_PIDFD, fd, &si, WEXITED);
    CHECK(r == 0 && r2 == 0 && si.si_pid == c && si.si_code == CLD_KILLED && si.si_status == SIGUSR1,
          "pidfd_send_signal(SIGUSR1) ends the child; waitid(P_PIDFD) reports CLD_KILLED", "r %d %d code %d status %d",
          r, r2, si.si_code, si.si_status);
    close(fd);

    /* --- pidfd_send_signal argument checks (the child stays alive) --- */
    c = held_child(p, 0);
    fd = pidfd_open_raw(c, 0);
    errno = 0;
    r = pidfd_kill(fd, SIGUSR1, NULL, 8);
    e = errno;
    errno = 0;
    r2 = pidfd_kill(fd, SIGUSR1, NULL, 3);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL,
          "pidfd_send_signal with an unknown flag, or two scope flags, is EINVAL", "errno %d, %d", e, errno);
    errno = 0;
    r = pidfd_kill(fd, 100, NULL, 0);
    CHECK(r == -1 && errno == EINVAL, "pidfd_send_signal with signal 100 is EINVAL", "r %d errno %d", r, errno);
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR2;
    si.si_code = SI_QUEUE;
    errno = 0;
    r = pidfd_kill(fd, SIGUSR1, &si, 0);
    e = errno;
    si.si_signo = SIGUSR1;
    si.si_code = SI_USER;
    errno = 0;
    r2 = pidfd_kill(fd, SIGUSR1, &si, 0);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EPERM,
          "a siginfo whose si_signo differs is EINVAL; si_code SI_USER to another process is EPERM", "errno %d, %d", e,
          errno);
    int q[2];
    pipe(q);
    int closed = dup(q[0]);
    close(closed);
    errno = 0;
    r = pidfd_kill(q[0], SIGUSR1, NULL, 0);
    e = errno;
    errno = 0;
    r2 = pidfd_kill(closed, SIGUSR1, NULL, 0);
    int e2 = errno;
    errno = 0;
    int r3 = waitid_raw(K_P_PIDFD, q[0], &si, WEXITED | WNOHANG);
    CHECK(r == -1 && e == EBADF && r2 == -1 && e2 == EBADF && r3 == -1 && errno == EBADF,
          "pidfd_send_signal and waitid(P_PIDFD) on a pipe or a closed fd are EBADF", "errno %d, %d, %d", e, e2,
          errno);
    close(q[0]);
    close(q[1]);

    /* --- epoll on a pidfd --- */
    int ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN, {.u64 = 77}}, evs[2];
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    int a = epoll_wait(ep, evs, 2, 0);
    pid_t closer = fork();
    if (closer == 0) {
        t_sleep_ms(50);
        close(p[1]); /* the last write end: the held child exits */
        _exit(0);
    }
    close(p[1]);
    memset(evs, 0, sizeof evs);
    int b = epoll_wait(ep, evs, 2, 10000);
    waitpid(closer, NULL, 0);
    CHECK(a == 0 && b == 1 && evs[0].events == EPOLLIN && evs[0].data.u64 == 77,
          "epoll: a pidfd is not ready while the child runs and wakes a blocked wait when it exits", "%d %d %#x", a, b,
          evs[0].events);
    waitpid(c, NULL, 0);
    close(ep);
    close(fd);

    /* --- a process signalling itself --- */
    t_handle_info(SIGUSR1, on_info, SA_SIGINFO);
    int self = pidfd_open_raw(me, 0);
    got_sig = 0;
    r = pidfd_kill(self, SIGUSR1, NULL, 0);
    CHECK(r == 0 && got_sig == SIGUSR1 && got_code == SI_USER && got_pid == me,
          "pidfd_send_signal to itself: the handler sees SI_USER and its own pid", "r %d sig %d code %d", r, got_sig,
          got_code);
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = SI_QUEUE;
    si.si_pid = me;
    si.si_uid = getuid();
    si.si_value.sival_int = 31;
    got_sig = 0;
    r = pidfd_kill(self, SIGUSR1, &si, 0);
    CHECK(r == 0 && got_sig == SIGUSR1 && got_code == SI_QUEUE && got_val == 31,
          "pidfd_send_signal with a SI_QUEUE siginfo passes its value", "r %d code %d val %d", r, got_code, got_val);
    errno = 0;
    r = waitid_raw(K_P_PIDFD, self, &si, WEXITED | WNOHANG);
    CHECK(r == -1 && errno == ECHILD, "waitid(P_PIDFD) on a process that is not a child is ECHILD", "r %d errno %d",
          r, errno);
    close(self);

    /* --- threads --- */
    pipe(thread_pipe);
    pthread_t th;
    pthread_create(&th, NULL, thread_main, NULL);
    while (!thread_tid)
        t_sleep_ms(1);
    errno = 0;
    r = pidfd_open_raw(thread_tid, 0);
    e = errno;
    r2 = pidfd_open_raw(thread_tid, K_PIDFD_THREAD);
    CHECK(r == -1 && e == ENOENT && r2 >= 0,
          "pidfd_open of a non-leader thread is ENOENT; PIDFD_THREAD (O_EXCL) accepts it", "r %d errno %d, r2 %d", r,
          e, r2);
    close(r2);
    close(thread_pipe[1]);
    pthread_join(th, NULL);

    return t_done("ev_pidfd");
}
