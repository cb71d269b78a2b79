/* A stop signal and SIGCONT, with no handler, during blocking calls
 * (signal(7), "Interruption of system calls ... by stop signals"). Each call
 * runs in its own child, all at once; the parent stops them all with
 * SIGSTOP, continues them, then releases the ones that wait for an event.
 * - Timed waits keep their deadline (Linux's restart_syscall for
 *   nanosleep, clock_nanosleep relative, futex waits and poll with a
 *   timeout; the same absolute deadline again for clock_nanosleep
 *   TIMER_ABSTIME): they neither return early nor sleep the whole time
 *   again. A 1.5 s wait stopped at 0.2 s and continued at 1.2 s returns
 *   less than a second after the continue, not before 1.5 s.
 * - select, ppoll and pselect6 instead write the time left into their
 *   timeout when the stop interrupts them (ERESTARTNOHAND) and are restarted
 *   with it, so the stopped time does not count: stopped at 1.0 s into a
 *   1.5 s wait and continued at 2.0 s, they return about 0.5 s after the
 *   continue (checked as between 0.3 s and 1.2 s), not at once.
 * - Untimed waits (wait4, pipe read, futex, flock, F_SETLKW, F_OFD_SETLKW,
 *   poll, eventfd read, pause, sigsuspend) go on waiting transparently.
 * - epoll_wait, epoll_pwait and rt_sigtimedwait return EINTR at the
 *   continue, as on Linux 6.x (signal(7) also lists semop/semtimedop, which
 *   do the same on the host; SysV IPC is not tested here).
 * Times are checked only coarsely. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../t.h"
#include "../restart.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define DIR_ "/tmp/sig_restart_stop.d"
#define SLEEP_NS 1500000000L /* every timed wait: 1.5 s */

enum op {
    /* timed: resume with the time left */
    T_NANOSLEEP, T_CLOCK_REL, T_CLOCK_ABS, T_CLOCK_ABS_RT, T_FUTEX_TO, T_FUTEX_BITSET_ABS,
    T_POLL_TO, T_SELECT_TO, T_PPOLL_TO, T_PSELECT_TO,
    /* untimed: restarted transparently, then released */
    U_WAIT4, U_READ, U_FUTEX, U_FLOCK, U_SETLKW, U_OFD_SETLKW, U_POLL, U_EVENTFD, U_PAUSE, U_SIGSUSPEND,
    /* EINTR at the continue */
    E_EPOLL_WAIT, E_EPOLL_PWAIT, E_SIGTIMEDWAIT,
    NOPS
};
#define FIRST_U U_WAIT4
#define FIRST_E E_EPOLL_WAIT
#define SELECT_FAMILY(i) ((i) == T_SELECT_TO || (i) == T_PPOLL_TO || (i) == T_PSELECT_TO)

static const char *names[NOPS] = {
    "nanosleep", "clock_nanosleep relative", "clock_nanosleep TIMER_ABSTIME (MONOTONIC)",
    "clock_nanosleep TIMER_ABSTIME (REALTIME)", "FUTEX_WAIT with a timeout", "FUTEX_WAIT_BITSET with an absolute timeout",
    "poll with a timeout", "select with a timeout", "ppoll with a timeout", "pselect6 with a timeout",
    "wait4", "a pipe read", "FUTEX_WAIT without a timeout", "flock", "F_SETLKW", "F_OFD_SETLKW",
    "poll without a timeout", "an eventfd read", "pause", "sigsuspend",
    "epoll_wait", "epoll_pwait", "rt_sigtimedwait",
};

struct slot {
    volatile int ready, done;
    long ret;
    int err;
    double t_start, t_end, t_cont;
    long extra; /* select: the timeout left in the timeval (us) */
};
static struct shm {
    volatile int release; /* the wait4 grandchild exits */
    volatile uint32_t fut_to, fut_bitset, fut;
    struct slot s[NOPS];
} *sh;

static int p_read[2], p_poll[2], p_epoll[2], p_never[2], efd;
static pid_t pids[NOPS];

static void h_usr1(int sig) { (void)sig; }

static struct timespec abs_after(clockid_t clk, long ns) {
    struct timespec ts;
    clock_gettime(clk, &ts);
    ts.tv_nsec += ns % 1000000000L;
    ts.tv_sec += ns / 1000000000L + ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    return ts;
}

static void child(enum op op) {
    struct slot *s = &sh->s[op];
    struct timespec rel = {SLEEP_NS / 1000000000L, SLEEP_NS % 1000000000L}, abs, rem;
    struct timeval tv = {SLEEP_NS / 1000000000L, (SLEEP_NS % 1000000000L) / 1000};
    struct pollfd pf = {p_never[0], POLLIN, 0};
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p_never[0], &r);
    char buf[8];
    uint64_t v;
    int fd = -1, ep = -1;
    pid_t g = 0;
    sigset_t set, old;
    struct epoll_event ev = {.events = EPOLLIN};

    signal(SIGUSR1, h_usr1);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, &old);
    switch (op) {
    case U_WAIT4:
        g = r_fork_waiter(&sh->release);
        break;
    case U_FLOCK:
    case U_OFD_SETLKW:
    case U_SETLKW:
        fd = open(DIR_ "/f", O_RDWR);
        break;
    case E_EPOLL_WAIT:
    case E_EPOLL_PWAIT:
        ep = epoll_create1(0);
        epoll_ctl(ep, EPOLL_CTL_ADD, p_epoll[0], &ev);
        break;
    case T_CLOCK_ABS:
    case T_FUTEX_BITSET_ABS:
        abs = abs_after(CLOCK_MONOTONIC, SLEEP_NS);
        break;
    case T_CLOCK_ABS_RT:
        abs = abs_after(CLOCK_REALTIME, SLEEP_NS);
        break;
    default:
        break;
    }
    s->t_start = t_now();
    s->ready = 1;
    errno = 0;
    switch (op) {
    case T_NANOSLEEP: s->ret = syscall(SYS_nanosleep, &rel, &rem); break;
    case T_CLOCK_REL: s->ret = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &rel, &rem); break;
    case T_CLOCK_ABS: s->ret = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL); break;
    case T_CLOCK_ABS_RT: s->ret = syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL); break;
    case T_FUTEX_TO: s->ret = syscall(SYS_futex, &sh->fut_to, FUTEX_WAIT, 0, &rel, NULL, 0); break;
    case T_FUTEX_BITSET_ABS:
        s->ret = syscall(SYS_futex, &sh->fut_bitset, FUTEX_WAIT_BITSET, 0, &abs, NULL, 0xffffffff);
        break;
    case T_POLL_TO: s->ret = syscall(SYS_poll, &pf, 1, (int)(SLEEP_NS / 1000000)); break;
    case T_SELECT_TO:
        s->ret = syscall(SYS_select, p_never[0] + 1, &r, NULL, NULL, &tv);
        s->extra = tv.tv_sec * 1000000L + tv.tv_usec;
        break;
    case T_PPOLL_TO: s->ret = syscall(SYS_ppoll, &pf, 1, &rel, NULL, 8); break;
    case T_PSELECT_TO: s->ret = syscall(SYS_pselect6, p_never[0] + 1, &r, NULL, NULL, &rel, NULL); break;
    case U_WAIT4: s->ret = syscall(SYS_wait4, g, NULL, 0, NULL) == g; break;
    case U_READ: s->ret = syscall(SYS_read, p_read[0], buf, sizeof buf); break;
    case U_FUTEX: s->ret = syscall(SYS_futex, &sh->fut, FUTEX_WAIT, 0, NULL, NULL, 0); break;
    case U_FLOCK: s->ret = flock(fd, LOCK_EX); break;
    case U_SETLKW: s->ret = lockat(fd, F_SETLKW, F_WRLCK, 0); break;
    case U_OFD_SETLKW: s->ret = lockat(fd, F_OFD_SETLKW, F_WRLCK, 1); break;
    case U_POLL:
        pf.fd = p_poll[0];
        s->ret = syscall(SYS_poll, &pf, 1, -1);
        break;
    case U_EVENTFD: s->ret = syscall(SYS_read, efd, &v, 8); break;
    case U_PAUSE: s->ret = syscall(SYS_pause); break;
    case U_SIGSUSPEND: s->ret = syscall(SYS_rt_sigsuspend, &old, 8); break;
    case E_EPOLL_WAIT: s->ret = syscall(SYS_epoll_wait, ep, &ev, 1, -1); break;
    case E_EPOLL_PWAIT: s->ret = syscall(SYS_epoll_pwait, ep, &ev, 1, -1, NULL, 8); break;
    case E_SIGTIMEDWAIT: s->ret = syscall(SYS_rt_sigtimedwait, &set, NULL, NULL, 8); break;
    default: break;
    }
    s->err = errno;
    s->t_end = t_now();
    s->done = 1;
    _exit(0);
}

int main(void) {
    sh = r_start(sizeof *sh, DIR_);
    int lfd = open(DIR_ "/f", O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(sh != MAP_FAILED && lfd >= 0 && pipe(p_read) == 0 && pipe(p_poll) == 0 && pipe(p_epoll) == 0 &&
              pipe(p_never) == 0 && (efd = eventfd(0, 0)) >= 0,
          "set up", "errno %d", errno);
    /* The parent holds every lock the children wait for. */
    int ffd = r_hold_locks(DIR_ "/f", lfd);

    for (int i = 0; i < NOPS; i++) {
        pids[i] = fork();
        if (pids[i] == 0)
            child(i);
    }
    R_AWAIT_READY(sh->s, NOPS);

    double first_start = sh->s[0].t_start;
    for (int i = 0; i < NOPS; i++)
        if (sh->s[i].t_start < first_start)
            first_start = sh->s[i].t_start;
    /* Stop all but the select family now, those at 1.0 s. */
    int stopped = 0, st;
    for (int i = 0; i < NOPS; i++)
        if (!SELECT_FAMILY(i))
            kill(pids[i], SIGSTOP);
    while (t_now() < first_start + 1.0)
        t_sleep_ms(10);
    for (int i = 0; i < NOPS; i++)
        if (SELECT_FAMILY(i))
            kill(pids[i], SIGSTOP);
    for (int i = 0; i < NOPS; i++)
        if (waitpid(pids[i], &st, WUNTRACED) == pids[i] && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP)
            stopped++;
    int done_while_stopped = 0;
    for (int i = 0; i < NOPS; i++)
        done_while_stopped += sh->s[i].done;
    CHECK(stopped == NOPS && done_while_stopped == 0, "every blocked child stops on SIGSTOP without returning",
          "stopped %d of %d, returned %d", stopped, NOPS, done_while_stopped);

    /* Continue at 1.2 s into the 1.5 s waits, the select family at 2.0 s. */
    while (t_now() < first_start + 1.2)
        t_sleep_ms(10);
    for (int i = 0; i < NOPS; i++)
        if (!SELECT_FAMILY(i)) {
            sh->s[i].t_cont = t_now();
            kill(pids[i], SIGCONT);
        }
    while (t_now() < first_start + 2.0)
        t_sleep_ms(10);
    for (int i = 0; i < NOPS; i++)
        if (SELECT_FAMILY(i)) {
            sh->s[i].t_cont = t_now();
            kill(pids[i], SIGCONT);
        }

    /* Timed waits end on their own; the EINTR ones at the continue. */
    R_WAIT_DONE(sh->s, 0, FIRST_U, 3);
    R_WAIT_DONE(sh->s, FIRST_E, NOPS, 3);
    t_sleep_ms(200);
    int early[NOPS] = {0};
    for (int i = FIRST_U; i < FIRST_E; i++)
        early[i] = sh->s[i].done;

    /* Release the untimed waits. */
    sh->release = 1;
    write(p_read[1], "r", 1);
    sh->fut = 1;
    syscall(SYS_futex, &sh->fut, FUTEX_WAKE, 1, NULL, NULL, 0);
    flock(ffd, LOCK_UN);
    lockat(lfd, F_SETLK, F_UNLCK, 0);
    lockat(lfd, F_SETLK, F_UNLCK, 1);
    write(p_poll[1], "p", 1);
    uint64_t one = 1;
    write(efd, &one, 8);
    kill(pids[U_PAUSE], SIGUSR1);
    kill(pids[U_SIGSUSPEND], SIGUSR1);
    R_WAIT_DONE(sh->s, FIRST_U, FIRST_E, 3);

    for (int i = 0; i < FIRST_U; i++) {
        struct slot *s = &sh->s[i];
        int want_err = (i == T_FUTEX_TO || i == T_FUTEX_BITSET_ABS) ? ETIMEDOUT : 0;
        long want_ret = want_err ? -1 : 0;
        double total = s->t_end - s->t_start, after = s->t_end - s->t_cont;
        char name[160];
        int sel = SELECT_FAMILY(i);
        snprintf(name, sizeof name, "%s resumes after stop/SIGCONT %s", names[i],
                 sel ? "with the time left at the stop" : "and ends at its deadline");
        CHECK(s->done && s->ret == want_ret && (!want_err || s->err == want_err) && total >= 1.49 &&
                  (sel ? after >= 0.3 && after < 1.2 : after < 1.0),
              name, "done %d ret %ld errno %d, %.3f s in all, %.3f s after the continue", s->done, s->ret, s->err,
              total, after);
    }
    CHECK(sh->s[T_SELECT_TO].done && sh->s[T_SELECT_TO].extra == 0,
          "select's timeval is left at zero when the resumed wait times out", "%ld us left",
          sh->s[T_SELECT_TO].extra);
    for (int i = FIRST_U; i < FIRST_E; i++) {
        struct slot *s = &sh->s[i];
        int eintr = i == U_PAUSE || i == U_SIGSUSPEND;
        long want = i == U_READ ? 1 : i == U_EVENTFD ? 8 : i == U_POLL ? 1 : i == U_WAIT4 ? 1 : 0;
        char name[160];
        snprintf(name, sizeof name, "%s goes on waiting after stop/SIGCONT and completes when released%s", names[i],
                 eintr ? " (by a handled signal, EINTR)" : "");
        CHECK(!early[i] && s->done && (eintr ? s->ret == -1 && s->err == EINTR : s->ret == want), name,
              "returned at the continue %d, done %d ret %ld errno %d", early[i], s->done, s->ret, s->err);
    }
    for (int i = FIRST_E; i < NOPS; i++) {
        struct slot *s = &sh->s[i];
        double after = s->t_end - s->t_cont;
        char name[160];
        snprintf(name, sizeof name, "%s returns EINTR at the SIGCONT (no handler)", names[i]);
        CHECK(s->done && s->ret == -1 && s->err == EINTR && after < 1.5, name, "done %d ret %ld errno %d", s->done,
              s->ret, s->err);
    }

    int reaped = 0;
    for (int i = 0; i < NOPS; i++) {
        if (!sh->s[i].done)
            kill(pids[i], SIGKILL);
        if (waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) && WEXITSTATUS(st) == 0)
            reaped++;
    }
    sh->release = 1;
    while (waitpid(-1, NULL, 0) > 0) { /* the wait4 grandchild, if orphaned to us */
    }
    CHECK(reaped == NOPS, "every child exits normally", "%d of %d", reaped, NOPS);
    unlink(DIR_ "/f");
    rmdir(DIR_);
    return t_done("sig_restart_stop");
}
