/* Readiness of every file type, through poll and through epoll: pipes,
 * FIFOs, eventfd, timerfd, signalfd, inotify, pidfd and epoll itself report
 * what is really ready (an idle one reports nothing), while regular files,
 * directories and /dev/null are always ready for poll and refused by
 * epoll_ctl with EPERM. Then one epoll instance shared across fork: level
 * events are seen by both processes, an edge or a one-shot event only by
 * the first waiter, and a registration outlives the child's close of its
 * copy of the descriptor. FIFO opens rendezvous even when the partner has
 * already written and closed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#include "../t.h"

#define DIR "/tmp/ev_readiness.d"

static short revents(int fd) {
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    if (poll(&p, 1, 0) < 0)
        return -1;
    return p.revents;
}

static int epoll_add(int ep, int fd, uint32_t ev) {
    struct epoll_event e = {.events = ev, .data.fd = fd};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

/* The events epoll reports for fd alone in a fresh instance (-1: none). */
static int epoll_events(int fd) {
    int ep = epoll_create1(0);
    epoll_add(ep, fd, EPOLLIN | EPOLLOUT);
    struct epoll_event e;
    int n = epoll_wait(ep, &e, 1, 0);
    close(ep);
    return n == 1 ? (int)e.events : -1;
}

int main(void) {
    t_watchdog(60);
    umask(022);
    system("rm -rf " DIR);
    mkdir(DIR, 0755);

    int p[2];
    pipe(p);
    CHECK(revents(p[0]) == 0 && revents(p[1]) == POLLOUT, "an empty pipe: read end idle, write end POLLOUT",
          "%d %d", revents(p[0]), revents(p[1]));
    write(p[1], "x", 1);
    CHECK(revents(p[0]) == POLLIN && epoll_events(p[0]) == EPOLLIN, "a pipe with data: POLLIN, EPOLLIN",
          "%d %d", revents(p[0]), epoll_events(p[0]));
    close(p[1]);
    CHECK(revents(p[0]) == (POLLIN | POLLHUP), "data and no writer left: POLLIN|POLLHUP", "%d", revents(p[0]));
    close(p[0]);

    mkfifo(DIR "/fifo", 0644);
    int ff = open(DIR "/fifo", O_RDWR | O_NONBLOCK);
    CHECK(revents(ff) == POLLOUT, "a FIFO opened O_RDWR with nothing in it: POLLOUT only", "%d", revents(ff));
    write(ff, "y", 1);
    CHECK(revents(ff) == (POLLIN | POLLOUT) && epoll_events(ff) == (EPOLLIN | EPOLLOUT),
          "a FIFO with data: POLLIN|POLLOUT through poll and epoll", "%d", revents(ff));

    int ev = eventfd(0, EFD_NONBLOCK);
    CHECK(revents(ev) == POLLOUT, "an eventfd at 0: POLLOUT only", "%d", revents(ev));
    uint64_t one = 1;
    write(ev, &one, 8);
    CHECK(revents(ev) == (POLLIN | POLLOUT) && epoll_events(ev) == (EPOLLIN | EPOLLOUT),
          "an eventfd at 1: POLLIN|POLLOUT through poll and epoll", "%d", revents(ev));

    int tf = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    CHECK(revents(tf) == 0 && epoll_events(tf) == -1, "an unarmed timerfd is idle", "%d", revents(tf));
    struct itimerspec its = {{0, 0}, {0, 1000000}};
    timerfd_settime(tf, 0, &its, NULL);
    struct pollfd pw = {tf, POLLIN, 0};
    poll(&pw, 1, 5000);
    CHECK(revents(tf) == POLLIN && epoll_events(tf) == EPOLLIN, "an expired timerfd: POLLIN, EPOLLIN", "%d",
          revents(tf));

    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &usr2, NULL);
    int sf = signalfd(-1, &usr2, SFD_NONBLOCK);
    CHECK(revents(sf) == 0 && epoll_events(sf) == -1, "a signalfd with nothing pending is idle", "%d",
          revents(sf));
    kill(getpid(), SIGUSR2);
    CHECK(revents(sf) == POLLIN && epoll_events(sf) == EPOLLIN, "a signalfd with a pending signal: POLLIN",
          "%d", revents(sf));

    int in = inotify_init1(IN_NONBLOCK);
    inotify_add_watch(in, DIR, IN_CREATE);
    CHECK(revents(in) == 0 && epoll_events(in) == -1, "an inotify fd with no event is idle", "%d", revents(in));
    close(open(DIR "/new", O_CREAT | O_WRONLY, 0644));
    CHECK(revents(in) == POLLIN && epoll_events(in) == EPOLLIN, "an inotify fd with an event: POLLIN", "%d",
          revents(in));

    int pr[2];
    pipe(pr);
    pid_t kid = fork();
    if (kid == 0) {
        char c;
        close(pr[1]);
        read(pr[0], &c, 1);
        _exit(0);
    }
    close(pr[0]);
    int pfd = (int)syscall(SYS_pidfd_open, kid, 0);
    CHECK(revents(pfd) == 0 && epoll_events(pfd) == -1, "a running child's pidfd is idle", "%d", revents(pfd));
    close(pr[1]);
    struct pollfd pp = {pfd, POLLIN, 0};
    poll(&pp, 1, 10000);
    CHECK(revents(pfd) == POLLIN && epoll_events(pfd) == EPOLLIN, "an exited child's pidfd: POLLIN", "%d",
          revents(pfd));
    waitpid(kid, NULL, 0);

    int inner = epoll_create1(0);
    CHECK(revents(inner) == 0, "an empty epoll fd is idle", "%d", revents(inner));
    epoll_add(inner, ev, EPOLLIN);
    CHECK(revents(inner) == POLLIN && epoll_events(inner) == EPOLLIN,
          "an epoll fd with a ready member: POLLIN (never POLLOUT)", "%d", revents(inner));

    int ep = epoll_create1(0);
    int all_ok = epoll_add(ep, ff, EPOLLIN) == 0 && epoll_add(ep, ev, EPOLLIN) == 0 &&
                 epoll_add(ep, tf, EPOLLIN) == 0 && epoll_add(ep, sf, EPOLLIN) == 0 &&
                 epoll_add(ep, in, EPOLLIN) == 0 && epoll_add(ep, pfd, EPOLLIN) == 0 &&
                 epoll_add(ep, inner, EPOLLIN) == 0;
    CHECK(all_ok, "epoll_ctl ADD accepts FIFO, eventfd, timerfd, signalfd, inotify, pidfd and epoll fds",
          "errno %d", errno);
    struct epoll_event evs[16];
    int n = epoll_wait(ep, evs, 16, 0);
    CHECK(n == 7, "all seven are reported ready by one epoll_wait", "%d", n);

    int reg = open(DIR "/new", O_RDWR);
    int dir = open(DIR, O_RDONLY | O_DIRECTORY);
    int dn = open("/dev/null", O_RDWR);
    CHECK(revents(reg) == (POLLIN | POLLOUT) && revents(dir) == (POLLIN | POLLOUT) &&
              revents(dn) == (POLLIN | POLLOUT),
          "poll: a regular file, a directory and /dev/null are always POLLIN|POLLOUT", "%d %d %d",
          revents(reg), revents(dir), revents(dn));
    errno = 0;
    int r1 = epoll_add(ep, reg, EPOLLIN), e1 = errno;
    errno = 0;
    int r2 = epoll_add(ep, dir, EPOLLIN), e2 = errno;
    errno = 0;
    int r3 = epoll_add(ep, dn, EPOLLIN), e3 = errno;
    CHECK(r1 == -1 && e1 == EPERM && r2 == -1 && e2 == EPERM && r3 == -1 && e3 == EPERM,
          "epoll_ctl ADD of a regular file, a directory or /dev/null is EPERM", "%d %d %d", e1, e2, e3);
    CHECK(epoll_add(ep, ep, EPOLLIN) == -1 && errno == EINVAL, "an epoll fd cannot watch itself: EINVAL",
          "errno %d", errno);
    close(ep);

    /* One epoll instance shared by parent and child. */
    int lt[2], et[2], os[2];
    pipe(lt);
    pipe(et);
    pipe(os);
    write(lt[1], "l", 1);
    write(et[1], "e", 1);
    write(os[1], "o", 1);
    int lep = epoll_create1(0), eep = epoll_create1(0), oep = epoll_create1(0);
    epoll_add(lep, lt[0], EPOLLIN);
    epoll_add(eep, et[0], EPOLLIN | EPOLLET);
    epoll_add(oep, os[0], EPOLLIN | EPOLLONESHOT);
    kid = fork();
    if (kid == 0) {
        struct epoll_event e;
        int bits = 0;
        if (epoll_wait(lep, &e, 1, 1000) == 1)
            bits |= 1;
        if (epoll_wait(eep, &e, 1, 1000) == 1)
            bits |= 2;
        if (epoll_wait(oep, &e, 1, 1000) == 1)
            bits |= 4;
        close(lt[0]); /* the parent's copy keeps the description open */
        if (epoll_wait(lep, &e, 1, 0) == 1)
            bits |= 8;
        _exit(bits);
    }
    int st = 0;
    waitpid(kid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 15,
          "the child sees the level, edge and one-shot events, and the level one after closing its copy",
          "%d", WEXITSTATUS(st));
    struct epoll_event e;
    CHECK(epoll_wait(lep, &e, 1, 0) == 1, "level-triggered: the parent still sees the unread pipe", "no");
    CHECK(epoll_wait(eep, &e, 1, 0) == 0, "edge-triggered: the child consumed the edge for both", "no");
    CHECK(epoll_wait(oep, &e, 1, 0) == 0, "one-shot: the child's wait disarmed it for both", "no");
    write(et[1], "E", 1);
    CHECK(epoll_wait(eep, &e, 1, 1000) == 1, "a new write makes a new edge for the parent", "no");
    struct epoll_event mod = {.events = EPOLLIN | EPOLLONESHOT, .data.fd = os[0]};
    epoll_ctl(oep, EPOLL_CTL_MOD, os[0], &mod);
    CHECK(epoll_wait(oep, &e, 1, 1000) == 1, "EPOLL_CTL_MOD re-arms the one-shot registration", "no");

    /* FIFO rendezvous with a writer that opens, writes and closes at once. */
    mkfifo(DIR "/rv", 0644);
    int okc = 1;
    for (int i = 0; i < 20 && okc; i++) {
        pid_t w = fork();
        if (w == 0) {
            int fd = open(DIR "/rv", O_WRONLY);
            write(fd, "z", 1);
            _exit(0);
        }
        int fd = open(DIR "/rv", O_RDONLY);
        char c = 0;
        if (fd < 0 || read(fd, &c, 1) != 1 || c != 'z')
            okc = 0;
        close(fd);
        waitpid(w, NULL, 0);
    }
    CHECK(okc, "a blocking FIFO open for reading returns even if the writer already wrote and closed", "no");

    system("rm -rf " DIR);
    return t_done("ev_readiness");
}
