/* The calls Linux never restarts after a handler, even one installed with
 * SA_RESTART (signal(7)): they return EINTR. Each call runs in its own
 * child, all at once, with SIGUSR1 caught with SA_RESTART: poll, ppoll,
 * select and pselect6 (with a 10 s timeout they write the time left back;
 * poll and ppoll without one too), epoll_wait, epoll_pwait (also with a
 * sigmask that lets in a signal blocked otherwise), nanosleep and
 * clock_nanosleep relative (the time left written to rem), clock_nanosleep
 * TIMER_ABSTIME (rem left alone), rt_sigtimedwait interrupted by a signal
 * outside its set, pause, rt_sigsuspend, FUTEX_WAIT with a timeout and
 * FUTEX_WAIT_BITSET with an absolute one (ERESTART_RESTARTBLOCK: EINTR
 * after any handler), usleep and sleep(3) (which returns the seconds left).
 * sig_restart and sig_wait test poll and select without a timeout,
 * nanosleep, pause and sigsuspend interrupted without SA_RESTART. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../t.h"
#include "../restart.h"

#define FUTEX_WAIT 0
#define FUTEX_WAIT_BITSET 9

enum op { POLL_TO, POLL_INF, PPOLL_TO, PPOLL_INF, SELECT_TO, PSELECT_TO, EPOLL_WAIT, EPOLL_PWAIT, EPOLL_PWAIT_MASK,
          NANOSLEEP, CLOCK_REL, CLOCK_ABS, SIGTIMEDWAIT, PAUSE, SIGSUSPEND, FUTEX_TO, FUTEX_BITSET_ABS, USLEEP,
          SLEEP3, NOPS };

static const char *names[NOPS] = {
    "poll with a timeout", "poll without a timeout", "ppoll with a timeout", "ppoll without a timeout",
    "select with a timeout", "pselect6 with a timeout", "epoll_wait", "epoll_pwait",
    "epoll_pwait whose sigmask lets the signal in", "nanosleep", "clock_nanosleep relative",
    "clock_nanosleep TIMER_ABSTIME", "rt_sigtimedwait (another signal's handler)", "pause", "rt_sigsuspend",
    "FUTEX_WAIT with a timeout", "FUTEX_WAIT_BITSET with an absolute timeout", "usleep", "sleep(3)",
};

struct slot {
    volatile int ready, done, hits;
    long ret;
    int err;
    double elapsed;
    long left_ms; /* the time left written back (rem, timeout), -1 if none */
};
static struct slot *sh;
static int p_never[2];
static int me;

static void h_usr1(int sig) {
    (void)sig;
    sh[me].hits++;
}

static long ts_ms(struct timespec ts) { return ts.tv_sec * 1000 + ts.tv_nsec / 1000000; }

static void child(int op) {
    me = op;
    struct slot *s = &sh[op];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t usr2, usr1, none;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &usr2, NULL);
    if (op == EPOLL_PWAIT_MASK)
        sigprocmask(SIG_BLOCK, &usr1, NULL);
    struct pollfd pf = {p_never[0], POLLIN, 0};
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p_never[0], &r);
    struct timespec ten = {10, 0}, rem = {-1, -1}, abs;
    struct timeval tv = {10, 0};
    struct epoll_event ev = {.events = EPOLLIN};
    int ep = epoll_create1(0);
    epoll_ctl(ep, EPOLL_CTL_ADD, p_never[0], &ev);
    static uint32_t word;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_sec += 10;
    s->left_ms = -1;
    s->ready = 1;
    double t0 = t_now();
    errno = 0;
    switch (op) {
    case POLL_TO: s->ret = syscall(SYS_poll, &pf, 1, 10000); break;
    case POLL_INF: s->ret = syscall(SYS_poll, &pf, 1, -1); break;
    case PPOLL_TO:
        s->ret = syscall(SYS_ppoll, &pf, 1, &ten, NULL, 8);
        s->left_ms = ts_ms(ten);
        break;
    case PPOLL_INF: s->ret = syscall(SYS_ppoll, &pf, 1, NULL, NULL, 8); break;
    case SELECT_TO:
        s->ret = syscall(SYS_select, p_never[0] + 1, &r, NULL, NULL, &tv);
        s->left_ms = tv.tv_sec * 1000 + tv.tv_usec / 1000;
        break;
    case PSELECT_TO:
        s->ret = syscall(SYS_pselect6, p_never[0] + 1, &r, NULL, NULL, &ten, NULL);
        s->left_ms = ts_ms(ten);
        break;
    case EPOLL_WAIT: s->ret = syscall(SYS_epoll_wait, ep, &ev, 1, -1); break;
    case EPOLL_PWAIT: s->ret = syscall(SYS_epoll_pwait, ep, &ev, 1, -1, NULL, 8); break;
    case EPOLL_PWAIT_MASK: s->ret = syscall(SYS_epoll_pwait, ep, &ev, 1, -1, &none, 8); break;
    case NANOSLEEP:
        s->ret = syscall(SYS_nanosleep, &ten, &rem);
        s->left_ms = ts_ms(rem);
        break;
    case CLOCK_REL:
        s->ret = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ten, &rem);
        s->left_ms = ts_ms(rem);
        break;
    case CLOCK_ABS:
        s->ret = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, &rem);
        s->left_ms = rem.tv_sec == -1 && rem.tv_nsec == -1 ? -1 : ts_ms(rem);
        break;
    case SIGTIMEDWAIT: s->ret = syscall(SYS_rt_sigtimedwait, &usr2, NULL, NULL, 8); break;
    case PAUSE: s->ret = syscall(SYS_pause); break;
    case SIGSUSPEND: s->ret = syscall(SYS_rt_sigsuspend, &usr2, 8); break;
    case FUTEX_TO: s->ret = syscall(SYS_futex, &word, FUTEX_WAIT, 0, &ten, NULL, 0); break;
    case FUTEX_BITSET_ABS: s->ret = syscall(SYS_futex, &word, FUTEX_WAIT_BITSET, 0, &abs, NULL, 0xffffffff); break;
    case USLEEP: s->ret = usleep(10000000); break;
    case SLEEP3: s->ret = sleep(10); break;
    }
    s->err = errno;
    s->elapsed = t_now() - t0;
    s->done = 1;
    _exit(0);
}

int main(void) {
    t_watchdog(30);
    sh = mmap(NULL, NOPS * sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(sh != MAP_FAILED && pipe(p_never) == 0, "set up", "errno %d", errno);
    pid_t pids[NOPS];
    for (int i = 0; i < NOPS; i++) {
        pids[i] = fork();
        if (pids[i] == 0)
            child(i);
    }
    R_AWAIT_READY(sh, NOPS);
    /* Signal every child until its call returned (each signal it takes
     * before blocking only runs the handler). */
    double end = t_now() + 5;
    for (;;) {
        int pending = 0;
        for (int i = 0; i < NOPS; i++)
            if (!sh[i].done) {
                kill(pids[i], SIGUSR1);
                pending++;
            }
        if (!pending || t_now() > end)
            break;
        t_sleep_ms(50);
    }

    for (int i = 0; i < NOPS; i++) {
        struct slot *s = &sh[i];
        char name[200];
        int ok;
        if (i == SLEEP3) {
            snprintf(name, sizeof name, "sleep(3) interrupted by a SA_RESTART handler returns the seconds left");
            ok = s->done && s->hits >= 1 && s->ret >= 5 && s->ret <= 10;
        } else {
            snprintf(name, sizeof name, "%s is EINTR after a SA_RESTART handler", names[i]);
            ok = s->done && s->hits >= 1 && s->ret == -1 && s->err == EINTR && s->elapsed < 5;
        }
        CHECK(ok, name, "done %d hits %d ret %ld errno %d after %.3f s", s->done, s->hits, s->ret, s->err,
              s->elapsed);
    }
    /* What is written back. */
    long l;
    l = sh[PPOLL_TO].left_ms;
    CHECK(l > 5000 && l < 10000, "ppoll writes the time left into its timeout", "%ld ms", l);
    l = sh[SELECT_TO].left_ms;
    CHECK(l > 5000 && l < 10000, "select writes the time left into its timeval", "%ld ms", l);
    l = sh[PSELECT_TO].left_ms;
    CHECK(l > 5000 && l < 10000, "pselect6 writes the time left into its timeout", "%ld ms", l);
    l = sh[NANOSLEEP].left_ms;
    CHECK(l > 5000 && l <= 10000, "nanosleep writes the time left into rem", "%ld ms", l);
    l = sh[CLOCK_REL].left_ms;
    CHECK(l > 5000 && l <= 10000, "relative clock_nanosleep writes the time left into rem", "%ld ms", l);
    l = sh[CLOCK_ABS].left_ms;
    CHECK(l == -1, "TIMER_ABSTIME clock_nanosleep leaves rem alone", "rem %ld ms", l);

    int reaped = 0, st;
    for (int i = 0; i < NOPS; i++) {
        if (!sh[i].done)
            kill(pids[i], SIGKILL);
        if (waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) && WEXITSTATUS(st) == 0)
            reaped++;
    }
    CHECK(reaped == NOPS, "every child exits normally", "%d of %d", reaped, NOPS);
    return t_done("sig_eintr_never");
}
