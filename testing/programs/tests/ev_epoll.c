/* epoll(7): epoll_create/epoll_create1 argument checks and FD_CLOEXEC;
 * epoll_ctl errors (EBADF, EINVAL for a non-epoll epfd, fd == epfd and
 * EPOLLEXCLUSIVE misuse, EEXIST, ENOENT, EPERM for a regular file, ELOOP
 * for a cycle, EFAULT); epoll_wait errors (EINVAL, EFAULT with a ready fd);
 * level-triggered, edge-triggered and one-shot pipes; data.u64; EPOLLHUP,
 * EPOLLERR and EPOLLRDHUP on pipes; eventfd, timerfd and nested epoll fds;
 * poll on an epoll fd; a wait woken by another process; timeouts; EINTR
 * with and without SA_RESTART; epoll_pwait's temporary mask; epoll_pwait2;
 * registrations belonging to the open file description (dup/close); an
 * epoll fd shared across fork; maxevents smaller than the ready count.
 * Signals that must interrupt a wait come from a child that repeats them
 * until it is killed, so an early signal cannot make the test hang; a 30 s
 * alarm ends the test with a FAIL line if a blocking call never returns. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include "../t.h"

#ifndef EPOLLEXCLUSIVE
#define EPOLLEXCLUSIVE (1u << 28)
#endif
#define NR_epoll_pwait2 441
#define KERNEL_PTR ((void *)0xffff800000000000UL)

static int ctl(int ep, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(ep, op, fd, &ev);
}
static int add(int ep, int fd, uint32_t events, uint64_t data) { return ctl(ep, EPOLL_CTL_ADD, fd, events, data); }
static int mod(int ep, int fd, uint32_t events, uint64_t data) { return ctl(ep, EPOLL_CTL_MOD, fd, events, data); }
/* Raw epoll_wait for the bad-argument calls (glibc's header warns about them). */
static int ewait(int ep, struct epoll_event *evs, int max, int ms) {
    return (int)syscall(SYS_epoll_wait, ep, evs, max, ms);
}
/* Raw epoll_pwait: musl and glibc agree, but this keeps the sigset size explicit. */
static int pwait(int ep, struct epoll_event *evs, int max, int ms, const sigset_t *mask) {
    return (int)syscall(SYS_epoll_pwait, ep, evs, max, ms, mask, 8);
}
static int pwait2(int ep, struct epoll_event *evs, int max, const struct timespec *ts) {
    return (int)syscall(NR_epoll_pwait2, ep, evs, max, ts, NULL, 8);
}
static int cloexec(int fd) { return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }
static void drain(int fd) {
    char buf[256];
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    while (read(fd, buf, sizeof buf) > 0) {
    }
    fcntl(fd, F_SETFL, fl);
}

static volatile int hits;
static void on_usr1(int sig) {
    (void)sig;
    hits++;
}
static void install(int flags) {
    t_handle(SIGUSR1, on_usr1, flags);
}
/* A child that sends SIGUSR1 to the parent after 50 ms and then every
 * 100 ms (at most 60 times) until it is killed. */
static pid_t nagger(void) {
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        t_sleep_ms(50);
        for (int i = 0; i < 60; i++) {
            kill(parent, SIGUSR1);
            t_sleep_ms(100);
        }
        _exit(0);
    }
    return c;
}
static void stop_child(pid_t c) {
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
}
/* epoll_wait (20 s) on ep while a child sends signals handled with
 * sa_flags; the errno in *e. */
static int nagged_wait(int ep, struct epoll_event *evs, int sa_flags, int *e) {
    install(sa_flags);
    hits = 0;
    pid_t ch = nagger();
    errno = 0;
    int r = epoll_wait(ep, evs, 8, 20000);
    *e = errno;
    stop_child(ch);
    return r;
}

int main(void) {
    t_watchdog(30);
    struct epoll_event evs[8], ev;
    int r, e, p[2];
    double t0, el;

    /* --- epoll_create / epoll_create1 --- */
    errno = 0;
    r = (int)syscall(SYS_epoll_create, 0);
    e = errno;
    errno = 0;
    int r2 = (int)syscall(SYS_epoll_create, -1);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "epoll_create with a size of 0 or -1 is EINVAL",
          "r %d errno %d, r %d errno %d", r, e, r2, errno);
    int ep = (int)syscall(SYS_epoll_create, 1);
    CHECK(ep >= 0 && !cloexec(ep), "epoll_create(1) gives an fd without FD_CLOEXEC", "ep %d errno %d", ep, errno);
    close(ep);
    ep = (int)syscall(SYS_epoll_create1, EPOLL_CLOEXEC);
    CHECK(ep >= 0 && cloexec(ep), "epoll_create1(EPOLL_CLOEXEC) sets FD_CLOEXEC", "ep %d errno %d", ep, errno);
    close(ep);
    errno = 0;
    r = (int)syscall(SYS_epoll_create1, 1);
    CHECK(r == -1 && errno == EINVAL, "an unknown epoll_create1 flag is EINVAL", "r %d errno %d", r, errno);

    /* --- epoll_ctl errors --- */
    ep = epoll_create1(0);
    pipe(p);
    int closed = dup(p[0]);
    close(closed);
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    errno = 0;
    r = epoll_ctl(closed, EPOLL_CTL_ADD, p[0], &ev);
    e = errno;
    errno = 0;
    r2 = epoll_ctl(ep, EPOLL_CTL_ADD, closed, &ev);
    CHECK(r == -1 && e == EBADF && r2 == -1 && errno == EBADF, "epoll_ctl with a closed epfd or a closed fd is EBADF",
          "errno %d, %d", e, errno);
    errno = 0;
    r = epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev);
    e = errno;
    errno = 0;
    r2 = epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL,
          "epoll_ctl is EINVAL when epfd is not an epoll fd or fd == epfd", "errno %d, %d", e, errno);
    errno = 0;
    r = epoll_ctl(ep, 77, p[0], &ev);
    CHECK(r == -1 && errno == EINVAL, "an unknown epoll_ctl op is EINVAL", "r %d errno %d", r, errno);
    errno = 0;
    r = epoll_ctl(ep, EPOLL_CTL_ADD, p[0], NULL);
    CHECK(r == -1 && errno == EFAULT, "EPOLL_CTL_ADD with a NULL event is EFAULT", "r %d errno %d", r, errno);
    errno = 0;
    r = epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
    e = errno;
    errno = 0;
    r2 = epoll_ctl(ep, EPOLL_CTL_DEL, p[0], &ev);
    CHECK(r == -1 && e == ENOENT && r2 == -1 && errno == ENOENT, "MOD and DEL of an unregistered fd are ENOENT",
          "errno %d, %d", e, errno);
    CHECK(add(ep, p[0], EPOLLIN, 1) == 0 && add(ep, p[0], EPOLLIN, 1) == -1 && errno == EEXIST,
          "adding a registered fd again is EEXIST", "errno %d", errno);
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0 && add(ep, p[0], EPOLLIN, 1) == 0,
          "DEL accepts a NULL event, and the fd can be added again", "errno %d", errno);
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);

    /* EPOLLEXCLUSIVE: allowed on ADD only, never with EPOLLONESHOT or on an epoll fd. */
    int ep2 = epoll_create1(0);
    errno = 0;
    int x1 = add(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0);
    int e1 = errno;
    errno = 0;
    int x2 = add(ep, ep2, EPOLLIN | EPOLLEXCLUSIVE, 0);
    int e2 = errno;
    CHECK(x1 == -1 && e1 == EINVAL && x2 == -1 && e2 == EINVAL,
          "EPOLLEXCLUSIVE with EPOLLONESHOT, or on an epoll fd, is EINVAL", "errno %d, %d", e1, e2);
    int x3 = add(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0);
    errno = 0;
    int x4 = mod(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0);
    int e4 = errno;
    errno = 0;
    int x5 = mod(ep, p[0], EPOLLIN, 0);
    int e5 = errno;
    CHECK(x3 == 0 && x4 == -1 && e4 == EINVAL && x5 == -1 && e5 == EINVAL,
          "EPOLLEXCLUSIVE is accepted on ADD; any MOD of that item is EINVAL", "add %d, mod errno %d, %d", x3, e4,
          e5);
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);

    int reg = open("/tmp/ev_epoll.reg", O_RDWR | O_CREAT | O_TRUNC, 0644);
    unlink("/tmp/ev_epoll.reg");
    errno = 0;
    r = add(ep, reg, EPOLLIN, 0);
    CHECK(reg >= 0 && r == -1 && errno == EPERM, "a regular file cannot be added: EPERM", "r %d errno %d", r, errno);
    close(reg);

    CHECK(add(ep2, ep, EPOLLIN, 0) == 0 && add(ep, ep2, EPOLLIN, 0) == -1 && errno == ELOOP,
          "adding b to a after a to b is ELOOP", "errno %d", errno);
    close(ep2);

    /* --- epoll_wait errors --- */
    errno = 0;
    r = epoll_wait(ep, evs, 0, 0);
    e = errno;
    errno = 0;
    r2 = ewait(ep, evs, -1, 0);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "epoll_wait with maxevents 0 or -1 is EINVAL",
          "errno %d, %d", e, errno);
    errno = 0;
    r = epoll_wait(p[0], evs, 1, 0);
    e = errno;
    errno = 0;
    r2 = epoll_wait(closed, evs, 1, 0);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EBADF,
          "epoll_wait on a non-epoll fd is EINVAL, on a closed fd EBADF", "errno %d, %d", e, errno);
    add(ep, p[0], EPOLLIN, 5);
    write(p[1], "x", 1);
    errno = 0;
    r = ewait(ep, (struct epoll_event *)1, 1, 0);
    e = errno;
    errno = 0;
    r2 = ewait(ep, KERNEL_PTR, 1, 0);
    int e3 = errno;
    memset(evs, 0, sizeof evs);
    int r3 = epoll_wait(ep, evs, 8, 0);
    CHECK(r == -1 && e == EFAULT && r2 == -1 && e3 == EFAULT && r3 == 1 && evs[0].data.u64 == 5,
          "a bad events pointer is EFAULT and the ready event is kept for the next wait", "r %d errno %d, %d; r3 %d",
          r, e, e3, r3);

    /* --- level-triggered --- */
    int a = epoll_wait(ep, evs, 8, 0);
    int b = epoll_wait(ep, evs, 8, 0);
    drain(p[0]);
    int c = epoll_wait(ep, evs, 8, 0);
    CHECK(a == 1 && b == 1 && evs[0].events == EPOLLIN && c == 0,
          "level-triggered: reported on every wait until drained", "%d %d %d", a, b, c);
    uint64_t magic = 0x123456789abcdef0ULL;
    mod(ep, p[0], EPOLLIN, magic);
    write(p[1], "x", 1);
    memset(evs, 0, sizeof evs);
    r = epoll_wait(ep, evs, 8, 0);
    CHECK(r == 1 && evs[0].data.u64 == magic && evs[0].events == EPOLLIN, "data.u64 comes back unchanged after MOD",
          "r %d data %#llx", r, (unsigned long long)evs[0].data.u64);
    drain(p[0]);

    /* --- edge-triggered --- */
    mod(ep, p[0], EPOLLIN | EPOLLET, 6);
    r = epoll_wait(ep, evs, 8, 0);
    write(p[1], "a", 1);
    a = epoll_wait(ep, evs, 8, 0);
    b = epoll_wait(ep, evs, 8, 0);
    write(p[1], "b", 1);
    c = epoll_wait(ep, evs, 8, 0);
    int d = epoll_wait(ep, evs, 8, 0);
    CHECK(r == 0 && a == 1 && b == 0 && c == 1 && d == 0 && evs[0].events == EPOLLIN,
          "edge-triggered: once per write, not again while the data stays", "%d %d %d %d %d", r, a, b, c, d);
    drain(p[0]);

    /* --- one-shot --- */
    mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 7);
    write(p[1], "a", 1);
    a = epoll_wait(ep, evs, 8, 0);
    b = epoll_wait(ep, evs, 8, 0);
    write(p[1], "b", 1);
    c = epoll_wait(ep, evs, 8, 0);
    int m = mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 8);
    memset(evs, 0, sizeof evs);
    d = epoll_wait(ep, evs, 8, 0);
    int f = epoll_wait(ep, evs + 1, 7, 0);
    CHECK(a == 1 && b == 0 && c == 0 && m == 0 && d == 1 && evs[0].data.u64 == 8 && f == 0,
          "EPOLLONESHOT: reported once, then silent until EPOLL_CTL_MOD re-arms it", "%d %d %d %d %d %d", a, b, c, m,
          d, f);
    drain(p[0]);
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
    close(p[0]);
    close(p[1]);

    /* --- hang-up and error on pipes --- */
    pipe(p);
    CHECK(add(ep, p[0], EPOLLIN | EPOLLRDHUP, 0) == 0, "EPOLLRDHUP is accepted for a pipe", "errno %d", errno);
    write(p[1], "x", 1);
    close(p[1]);
    a = epoll_wait(ep, evs, 8, 0);
    uint32_t ev1 = evs[0].events;
    drain(p[0]);
    b = epoll_wait(ep, evs, 8, 0);
    uint32_t ev2 = evs[0].events;
    CHECK(a == 1 && ev1 == (EPOLLIN | EPOLLHUP) && b == 1 && ev2 == EPOLLHUP,
          "a pipe whose writer closed reports EPOLLIN|EPOLLHUP, then EPOLLHUP (never EPOLLRDHUP)",
          "%d %#x, %d %#x", a, ev1, b, ev2);
    mod(ep, p[0], 0, 0);
    a = epoll_wait(ep, evs, 8, 0);
    CHECK(a == 1 && evs[0].events == EPOLLHUP, "EPOLLHUP is reported even when no events were asked for",
          "%d %#x", a, evs[0].events);
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
    close(p[0]);
    pipe(p);
    add(ep, p[1], EPOLLOUT, 1);
    a = epoll_wait(ep, evs, 8, 0);
    ev1 = evs[0].events;
    close(p[0]);
    b = epoll_wait(ep, evs, 8, 0);
    ev2 = evs[0].events;
    mod(ep, p[1], EPOLLIN, 1);
    c = epoll_wait(ep, evs, 8, 0);
    CHECK(a == 1 && ev1 == EPOLLOUT && b == 1 && ev2 == (EPOLLOUT | EPOLLERR) && c == 1 && evs[0].events == EPOLLERR,
          "a write end whose reader closed reports EPOLLOUT|EPOLLERR (EPOLLERR alone when only EPOLLIN is asked)",
          "%d %#x, %d %#x, %d %#x", a, ev1, b, ev2, c, evs[0].events);
    epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL);
    close(p[1]);

    /* --- eventfd and timerfd --- */
    int efd = eventfd(0, EFD_NONBLOCK);
    add(ep, efd, EPOLLIN | EPOLLOUT, 9);
    a = epoll_wait(ep, evs, 8, 0);
    ev1 = evs[0].events;
    uint64_t v = 1;
    write(efd, &v, 8);
    b = epoll_wait(ep, evs, 8, 0);
    ev2 = evs[0].events;
    v = 0xfffffffffffffffdULL;
    write(efd, &v, 8);
    c = epoll_wait(ep, evs, 8, 0);
    CHECK(a == 1 && ev1 == EPOLLOUT && b == 1 && ev2 == (EPOLLIN | EPOLLOUT) && c == 1 && evs[0].events == EPOLLIN,
          "eventfd: writable at 0, readable and writable at 1, only readable when full", "%#x %#x %#x", ev1, ev2,
          evs[0].events);
    close(efd); /* the last reference: the registration goes away */
    int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    add(ep, tfd, EPOLLIN, 10);
    struct itimerspec its = {{0, 0}, {10, 0}};
    timerfd_settime(tfd, 0, &its, NULL);
    a = epoll_wait(ep, evs, 8, 0);
    its.it_value.tv_sec = 0;
    its.it_value.tv_nsec = 50000000;
    t0 = t_now();
    timerfd_settime(tfd, 0, &its, NULL);
    memset(evs, 0, sizeof evs);
    b = epoll_wait(ep, evs, 8, 5000);
    el = t_now() - t0;
    CHECK(a == 0 && b == 1 && evs[0].data.u64 == 10 && evs[0].events == EPOLLIN && el >= 0.049,
          "a timerfd becomes readable on expiry and wakes a blocking epoll_wait, never early", "%d %d el %.3f", a, b,
          el);
    read(tfd, &v, 8);
    close(tfd);

    /* --- nested epoll and poll on an epoll fd --- */
    int inner = epoll_create1(0);
    pipe(p);
    add(inner, p[0], EPOLLIN, 11);
    add(ep, inner, EPOLLIN, 12);
    struct pollfd pf = {inner, POLLIN, 0};
    a = epoll_wait(ep, evs, 8, 0);
    b = poll(&pf, 1, 0);
    write(p[1], "x", 1);
    c = epoll_wait(ep, evs, 8, 0);
    CHECK(a == 0 && b == 0 && c == 1 && evs[0].data.u64 == 12 && evs[0].events == EPOLLIN,
          "an epoll fd inside another becomes readable when its own fd is ready", "%d %d %d", a, b, c);
    pf.revents = 0;
    a = poll(&pf, 1, 0);
    memset(evs, 0, sizeof evs);
    b = epoll_wait(inner, evs, 8, 0);
    CHECK(a == 1 && pf.revents == POLLIN && b == 1 && evs[0].data.u64 == 11,
          "poll on an epoll fd reports POLLIN when something inside is ready", "%d %#x %d", a, pf.revents, b);
    drain(p[0]);
    epoll_ctl(ep, EPOLL_CTL_DEL, inner, NULL);
    close(inner);
    close(p[0]);
    close(p[1]);

    /* --- a blocked wait woken by another process --- */
    pipe(p);
    add(ep, p[0], EPOLLIN, 13);
    pid_t ch = fork();
    if (ch == 0) {
        t_sleep_ms(50);
        write(p[1], "w", 1);
        _exit(0);
    }
    memset(evs, 0, sizeof evs);
    r = epoll_wait(ep, evs, 8, 10000);
    waitpid(ch, NULL, 0);
    CHECK(r == 1 && evs[0].data.u64 == 13 && evs[0].events == EPOLLIN,
          "a blocked epoll_wait is woken by a child's write to a pipe", "r %d", r);
    drain(p[0]);

    /* --- timeouts --- */
    r = epoll_wait(ep, evs, 8, 0);
    t0 = t_now();
    r2 = epoll_wait(ep, evs, 8, 50);
    el = t_now() - t0;
    CHECK(r == 0 && r2 == 0 && el >= 0.049, "timeout 0 returns 0 at once; 50 ms returns 0 after at least 50 ms",
          "%d %d el %.3f", r, r2, el);

    /* --- signals --- */
    r = nagged_wait(ep, evs, 0, &e);
    CHECK(r == -1 && e == EINTR && hits >= 1, "a signal handler interrupts epoll_wait: EINTR", "r %d errno %d hits %d",
          r, e, hits);
    r = nagged_wait(ep, evs, SA_RESTART, &e);
    CHECK(r == -1 && e == EINTR && hits >= 1, "epoll_wait is EINTR even with SA_RESTART", "r %d errno %d hits %d", r,
          e, hits);

    sigset_t usr1, empty, old, pend, cur;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &usr1, &old);
    hits = 0;
    raise(SIGUSR1);
    errno = 0;
    r = pwait(ep, evs, 8, 10000, &empty);
    e = errno;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK(r == -1 && e == EINTR && hits == 1 && sigismember(&cur, SIGUSR1) == 1,
          "epoll_pwait with an empty mask takes a blocked pending signal: EINTR, old mask back", "r %d errno %d hits %d",
          r, e, hits);
    hits = 0;
    raise(SIGUSR1);
    t0 = t_now();
    r = pwait(ep, evs, 8, 50, &usr1);
    el = t_now() - t0;
    sigpending(&pend);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK(r == 0 && el >= 0.049 && hits == 0 && sigismember(&pend, SIGUSR1) == 1 && sigismember(&cur, SIGUSR1) == 1,
          "epoll_pwait with a mask blocking the signal times out; the signal stays pending", "r %d hits %d", r, hits);
    sigprocmask(SIG_SETMASK, &old, NULL);
    CHECK(hits == 1, "the pending signal is delivered once it is unblocked", "hits %d", hits);
    hits = 0;
    ch = fork();
    if (ch == 0) {
        t_sleep_ms(50);
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    r = pwait(ep, evs, 8, 300, &usr1);
    waitpid(ch, NULL, 0);
    CHECK(r == 0 && hits == 1,
          "a signal arriving during epoll_pwait with it masked does not interrupt; it runs after the mask is restored",
          "r %d errno %d hits %d", r, errno, hits);

    /* --- epoll_pwait2 --- */
    struct timespec ts = {0, 50000000};
    t0 = t_now();
    r = pwait2(ep, evs, 8, &ts);
    el = t_now() - t0;
    struct timespec zero = {0, 0};
    r2 = pwait2(ep, evs, 8, &zero);
    CHECK(r == 0 && el >= 0.049 && r2 == 0, "epoll_pwait2 times out after a 50 ms timespec, at once with zero",
          "r %d %d el %.3f", r, r2, el);
    struct timespec bad = {0, 1000000000};
    struct timespec neg = {-1, 0};
    errno = 0;
    r = pwait2(ep, evs, 8, &bad);
    e = errno;
    errno = 0;
    r2 = pwait2(ep, evs, 8, &neg);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL,
          "epoll_pwait2 with tv_nsec >= 1e9 or a negative tv_sec is EINVAL", "errno %d, %d", e, errno);
    write(p[1], "x", 1);
    memset(evs, 0, sizeof evs);
    r = pwait2(ep, evs, 8, NULL);
    CHECK(r == 1 && evs[0].data.u64 == 13, "epoll_pwait2 with a NULL timeout returns a ready fd", "r %d", r);
    drain(p[0]);
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);

    /* --- registrations follow the open file description --- */
    int dupfd = dup(p[0]);
    add(ep, p[0], EPOLLIN, 14);
    int old_num = p[0];
    close(p[0]);
    write(p[1], "x", 1);
    memset(evs, 0, sizeof evs);
    r = epoll_wait(ep, evs, 8, 0);
    errno = 0;
    r2 = epoll_ctl(ep, EPOLL_CTL_DEL, dupfd, NULL);
    e = errno;
    CHECK(r == 1 && evs[0].data.u64 == 14 && r2 == -1 && e == ENOENT,
          "closing a registered fd while a dup is open keeps its events; DEL through the dup is ENOENT",
          "r %d, del %d errno %d", r, r2, e);
    close(dupfd);
    close(p[1]);
    r = epoll_wait(ep, evs, 8, 0);
    pipe(p);
    if (p[0] != old_num) {
        dup2(p[0], old_num);
        close(p[0]);
        p[0] = old_num;
    }
    write(p[1], "y", 1);
    errno = 0;
    r2 = add(ep, old_num, EPOLLIN, 15);
    memset(evs, 0, sizeof evs);
    r3 = epoll_wait(ep, evs, 8, 0);
    CHECK(r == 0 && r2 == 0 && r3 == 1 && evs[0].data.u64 == 15,
          "closing the last reference removes the registration; the fd number can be added again",
          "r %d add %d errno %d wait %d", r, r2, errno, r3);
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
    drain(p[0]);

    /* --- shared across fork --- */
    ch = fork();
    if (ch == 0) {
        _exit(add(ep, p[0], EPOLLIN, 16) == 0 ? 0 : 1);
    }
    int st = -1;
    waitpid(ch, &st, 0);
    write(p[1], "z", 1);
    memset(evs, 0, sizeof evs);
    r = epoll_wait(ep, evs, 8, 0);
    errno = 0;
    r2 = add(ep, p[0], EPOLLIN, 17);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && r == 1 && evs[0].data.u64 == 16 && r2 == -1 && errno == EEXIST,
          "an fd added by a forked child is registered in the parent's epoll too", "status %#x r %d add %d errno %d",
          st, r, r2, errno);
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
    close(p[0]);
    close(p[1]);

    /* --- maxevents smaller than the number of ready fds --- */
    int ps[5][2];
    for (int i = 0; i < 5; i++) {
        pipe(ps[i]);
        write(ps[i][1], "r", 1);
        add(ep, ps[i][0], EPOLLIN, 100 + i);
    }
    unsigned seen = 0;
    int sizes_ok = 1;
    for (int round = 0; round < 3; round++) {
        r = epoll_wait(ep, evs, 2, 0);
        if (r != 2)
            sizes_ok = 0;
        for (int i = 0; i < r; i++)
            seen |= 1u << (evs[i].data.u64 - 100);
    }
    CHECK(sizes_ok && seen == 0x1f, "level-triggered with maxevents 2: exactly 2 each time, all 5 within 3 calls",
          "sizes %d seen %#x", sizes_ok, seen);
    int counts[5];
    seen = 0;
    int dup_seen = 0;
    for (int round = 0; round < 4; round++) {
        counts[round] = epoll_wait(ep, evs, 2, 0);
        for (int i = 0; i < counts[round]; i++) {
            int k = (int)(evs[i].data.u64 - 100);
            if (seen & (1u << k))
                dup_seen = 1;
            seen |= 1u << k;
            drain(ps[k][0]);
        }
    }
    CHECK(counts[0] == 2 && counts[1] == 2 && counts[2] == 1 && counts[3] == 0 && seen == 0x1f && !dup_seen,
          "draining what is reported: 2, 2, 1, then 0, each fd once", "%d %d %d %d seen %#x", counts[0], counts[1],
          counts[2], counts[3], seen);
    for (int i = 0; i < 5; i++) {
        close(ps[i][0]);
        close(ps[i][1]);
    }
    close(ep);
    return t_done("ev_epoll");
}
