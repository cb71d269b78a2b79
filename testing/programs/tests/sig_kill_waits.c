/* SIGKILL ends any wait: a child blocked in each of futex wait, pipe
 * read, write to a full pipe, blocking FIFO open, rt_sigsuspend,
 * rt_sigtimedwait, poll, select, epoll_wait, pause, nanosleep, wait4 and
 * flock dies of SIGKILL; so does a child with every signal blocked and
 * ignored, one stopped, and a multithreaded child whose threads sit in
 * different calls. SIGTERM with the signal blocked does not end the wait. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include "../t.h"

#define TDIR "/tmp/sig_kill_waits.d"

static volatile int *ready;

enum what { FUTEX, READ, WRITE_FULL, FIFO_OPEN, SIGSUSPEND, SIGTIMEDWAIT, POLL, SELECT, EPOLL, PAUSE, NANOSLEEP,
            WAIT4, FLOCK, N_WHAT };
static const char *names[N_WHAT] = {
    "SIGKILL ends a futex wait",          "SIGKILL ends a pipe read",
    "SIGKILL ends a write to a full pipe", "SIGKILL ends a blocking FIFO open",
    "SIGKILL ends rt_sigsuspend",         "SIGKILL ends an endless rt_sigtimedwait",
    "SIGKILL ends poll",                  "SIGKILL ends select",
    "SIGKILL ends epoll_wait",            "SIGKILL ends pause",
    "SIGKILL ends nanosleep",             "SIGKILL ends wait4",
    "SIGKILL ends a blocked flock",
};

static void block_in(enum what w) {
    int p[2];
    static uint32_t fw;
    char buf[65536];
    sigset_t all;
    sigfillset(&all);
    switch (w) {
    case FUTEX:
        *ready = 1;
        syscall(SYS_futex, &fw, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0);
        break;
    case READ:
        pipe(p);
        *ready = 1;
        read(p[0], buf, 1);
        break;
    case WRITE_FULL:
        pipe(p);
        fcntl(p[1], F_SETFL, O_NONBLOCK);
        memset(buf, 'x', sizeof buf);
        while (write(p[1], buf, sizeof buf) > 0) {
        }
        fcntl(p[1], F_SETFL, 0);
        *ready = 1;
        write(p[1], buf, sizeof buf);
        break;
    case FIFO_OPEN:
        *ready = 1;
        open(TDIR "/fifo", O_RDONLY);
        break;
    case SIGSUSPEND: {
        sigset_t none;
        sigemptyset(&none);
        sigdelset(&all, SIGKILL);
        *ready = 1;
        sigsuspend(&all);
        break;
    }
    case SIGTIMEDWAIT: {
        sigset_t u;
        sigemptyset(&u);
        sigaddset(&u, SIGUSR1);
        sigprocmask(SIG_BLOCK, &u, NULL);
        *ready = 1;
        syscall(SYS_rt_sigtimedwait, &u, NULL, NULL, 8);
        break;
    }
    case POLL: {
        pipe(p);
        struct pollfd pf = {p[0], POLLIN, 0};
        *ready = 1;
        poll(&pf, 1, -1);
        break;
    }
    case SELECT: {
        pipe(p);
        fd_set r;
        FD_ZERO(&r);
        FD_SET(p[0], &r);
        *ready = 1;
        select(p[0] + 1, &r, NULL, NULL, NULL);
        break;
    }
    case EPOLL: {
        pipe(p);
        int ep = epoll_create1(0);
        struct epoll_event ev = {.events = EPOLLIN};
        epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
        *ready = 1;
        epoll_wait(ep, &ev, 1, -1);
        break;
    }
    case PAUSE:
        *ready = 1;
        pause();
        break;
    case NANOSLEEP: {
        struct timespec ts = {1000, 0};
        *ready = 1;
        nanosleep(&ts, NULL);
        break;
    }
    case WAIT4: {
        pid_t g = fork();
        if (g == 0) {
            /* Lives until its parent is gone, then goes too. */
            while (getppid() != 1 && kill(getppid(), 0) == 0 && *ready != 2)
                t_sleep_ms(5);
            _exit(0);
        }
        *ready = 1;
        waitpid(g, NULL, 0);
        break;
    }
    case FLOCK: {
        int fd = open(TDIR "/lock", O_RDWR);
        *ready = 1;
        flock(fd, LOCK_EX);
        break;
    }
    case N_WHAT:
        break;
    }
    _exit(77); /* the call returned: wrong */
}

static int kill_child_in(enum what w) {
    *ready = 0;
    pid_t c = fork();
    if (c == 0)
        block_in(w);
    while (!*ready)
        t_sleep_ms(1);
    t_sleep_ms(30);
    kill(c, SIGKILL);
    int st = -1;
    for (int i = 0; i < 5000 && waitpid(c, &st, WNOHANG) == 0; i++)
        t_sleep_ms(1);
    *ready = 2;
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

static void *thr_futex(void *a) {
    (void)a;
    block_in(FUTEX);
    return NULL;
}
static void *thr_read(void *a) {
    (void)a;
    block_in(READ);
    return NULL;
}

int main(void) {
    t_watchdog(60);
    umask(022);
    ready = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    unlink(TDIR "/fifo");
    unlink(TDIR "/lock");
    rmdir(TDIR);
    mkdir(TDIR, 0755);
    mkfifo(TDIR "/fifo", 0644);
    int lockfd = open(TDIR "/lock", O_CREAT | O_RDWR, 0644);
    flock(lockfd, LOCK_EX); /* held here: the child's flock blocks */

    for (int w = 0; w < N_WHAT; w++)
        CHECK(kill_child_in(w), names[w], "%s", "not killed by SIGKILL");
    /* Reap a WAIT4 grandchild that came back to nobody: it exits itself. */

    /* Every signal blocked and ignored: SIGTERM does nothing, SIGKILL kills. */
    *ready = 0;
    pid_t c = fork();
    if (c == 0) {
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        for (int s = 1; s < 32; s++)
            signal(s, SIG_IGN);
        *ready = 1;
        for (;;)
            pause();
    }
    while (!*ready)
        t_sleep_ms(1);
    kill(c, SIGTERM);
    t_sleep_ms(30);
    int st = -1;
    CHECK(waitpid(c, &st, WNOHANG) == 0, "SIGTERM blocked and ignored leaves the child waiting", "st %#x", st);
    kill(c, SIGKILL);
    st = -1;
    waitpid(c, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "SIGKILL kills it through the blocked mask", "st %#x", st);

    /* A stopped child dies of SIGKILL. */
    *ready = 0;
    c = fork();
    if (c == 0)
        block_in(PAUSE);
    while (!*ready)
        t_sleep_ms(1);
    kill(c, SIGSTOP);
    waitpid(c, &st, WUNTRACED);
    kill(c, SIGKILL);
    st = -1;
    waitpid(c, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "SIGKILL ends a stopped child", "st %#x", st);

    /* A multithreaded child with threads in a futex wait and a read. */
    *ready = 0;
    c = fork();
    if (c == 0) {
        pthread_t t1, t2;
        pthread_create(&t1, NULL, thr_futex, NULL);
        pthread_create(&t2, NULL, thr_read, NULL);
        t_sleep_ms(20);
        block_in(NANOSLEEP);
    }
    while (!*ready)
        t_sleep_ms(1);
    t_sleep_ms(50);
    kill(c, SIGKILL);
    st = -1;
    for (int i = 0; i < 5000 && waitpid(c, &st, WNOHANG) == 0; i++)
        t_sleep_ms(1);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "SIGKILL ends every thread of a child, each in its own wait",
          "st %#x", st);

    t_sleep_ms(50); /* the WAIT4 grandchild notices its parent is gone */
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    close(lockfd);
    unlink(TDIR "/fifo");
    unlink(TDIR "/lock");
    rmdir(TDIR);
    return t_done("sig_kill_waits");
}
