/* A handler interrupting a blocked call, with and without SA_RESTART
 * (signal(7), "Interruption of system calls ... by signal handlers"): the
 * calls Linux restarts under SA_RESTART (ERESTARTSYS) return EINTR without
 * it, and with it run the handler and go on waiting until released. Each
 * call runs in its own child, all at once, with SIGUSR1 caught with or
 * without SA_RESTART: flock, F_SETLKW, F_OFD_SETLKW, pipe read, a write to
 * a full pipe, a blocking FIFO open, wait4, waitid, FUTEX_WAIT without a
 * timeout, eventfd, timerfd and inotify reads. A write that already
 * transferred bytes returns their count either way. (sig_restart and
 * sig_wait test pipe reads, wait4 and futex waits interrupted in a thread;
 * lock_wait tests F_SETLKW's EINTR alone.) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../t.h"
#include "../restart.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define DIR_ "/tmp/sig_restart_handler.d"
#define BIG 100000

enum kind { K_FLOCK, K_SETLKW, K_OFD_SETLKW, K_READ, K_WRITE, K_FIFO_OPEN, K_WAIT4, K_WAITID, K_FUTEX, K_EVENTFD,
            K_TIMERFD, K_INOTIFY, K_BIGWRITE, NKINDS };
#define NOPS (2 * NKINDS) /* op = kind * 2 + with SA_RESTART */

static const char *names[NKINDS] = {
    "flock", "F_SETLKW", "F_OFD_SETLKW", "a pipe read", "a write to a full pipe", "a blocking FIFO open", "wait4",
    "waitid", "FUTEX_WAIT without a timeout", "an eventfd read", "a timerfd read", "an inotify read",
    "a 100000-byte write to an empty pipe",
};

struct slot {
    volatile int ready, done, hits;
    long ret;
    int err;
};
static struct shm {
    volatile int release;
    volatile uint32_t fut;
    struct slot s[NOPS];
} *sh;

static int p_read[2], p_full[2], p_big[2], efd, tfd, ifd;
static pid_t pids[NOPS];
static int me;

static void h_usr1(int sig) {
    (void)sig;
    sh->s[me].hits++;
}

static void child(int op) {
    me = op;
    struct slot *s = &sh->s[op];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h_usr1;
    sa.sa_flags = (op & 1) ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, NULL);
    int fd = -1;
    pid_t g = 0;
    static char buf[BIG];
    siginfo_t si;
    switch (op / 2) {
    case K_FLOCK:
    case K_SETLKW:
    case K_OFD_SETLKW:
        fd = open(DIR_ "/f", O_RDWR);
        break;
    case K_WAIT4:
    case K_WAITID:
        g = r_fork_waiter(&sh->release);
        break;
    }
    s->ready = 1;
    errno = 0;
    switch (op / 2) {
    case K_FLOCK: s->ret = flock(fd, LOCK_EX); break;
    case K_SETLKW: s->ret = lockat(fd, F_SETLKW, F_WRLCK, 0); break;
    case K_OFD_SETLKW: s->ret = lockat(fd, F_OFD_SETLKW, F_WRLCK, 1); break;
    case K_READ: s->ret = syscall(SYS_read, p_read[0], buf, 8); break;
    case K_WRITE: s->ret = syscall(SYS_write, p_full[1], "w", 1); break;
    case K_FIFO_OPEN:
        s->ret = syscall(SYS_openat, AT_FDCWD, DIR_ "/fifo", O_RDONLY);
        s->ret = s->ret >= 0 ? 0 : s->ret;
        break;
    case K_WAIT4: s->ret = syscall(SYS_wait4, g, NULL, 0, NULL) == g ? 0 : -1; break;
    case K_WAITID:
        memset(&si, 0, sizeof si);
        s->ret = syscall(SYS_waitid, P_PID, g, &si, WEXITED, NULL);
        if (s->ret == 0 && si.si_pid != g)
            s->ret = -2;
        break;
    case K_FUTEX: s->ret = syscall(SYS_futex, &sh->fut, FUTEX_WAIT, 0, NULL, NULL, 0); break;
    case K_EVENTFD:
    case K_TIMERFD:
        s->ret = syscall(SYS_read, op / 2 == K_EVENTFD ? efd : tfd, buf, 8);
        break;
    case K_INOTIFY: s->ret = syscall(SYS_read, ifd, buf, 4096) > 0 ? 0 : -1; break;
    case K_BIGWRITE: s->ret = syscall(SYS_write, p_big[1], buf, BIG); break;
    }
    s->err = errno;
    s->done = 1;
    _exit(0);
}

int main(void) {
    sh = r_start(sizeof *sh, DIR_);
    mkdir(DIR_ "/w", 0700);
    int lfd = open(DIR_ "/f", O_RDWR | O_CREAT | O_TRUNC, 0600);
    int ok = sh != MAP_FAILED && lfd >= 0 && pipe(p_read) == 0 && pipe(p_full) == 0 && mkfifo(DIR_ "/fifo", 0600) == 0;
    efd = eventfd(0, 0);
    tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    ifd = inotify_init1(0);
    ok = ok && efd >= 0 && tfd >= 0 && ifd >= 0 && inotify_add_watch(ifd, DIR_ "/w", IN_CREATE) >= 0;
    /* Fill p_full (O_NONBLOCK only while filling: the flag is shared). */
    fcntl(p_full[1], F_SETFL, O_NONBLOCK);
    static char chunk[4096];
    long filled = 0, n;
    while ((n = write(p_full[1], chunk, sizeof chunk)) > 0)
        filled += n;
    fcntl(p_full[1], F_SETFL, 0);
    CHECK(ok && filled > 0, "set up", "errno %d filled %ld", errno, filled);
    int ffd = r_hold_locks(DIR_ "/f", lfd);

    for (int i = 0; i < NOPS; i++) {
        if (i / 2 == K_BIGWRITE)
            pipe(p_big); /* one empty pipe each */
        pids[i] = fork();
        if (pids[i] == 0)
            child(i);
        if (i / 2 == K_BIGWRITE) {
            close(p_big[1]);
            p_big[1] = -1;
        }
    }
    R_AWAIT_READY(sh->s, NOPS);

    /* Signal each child until its handler ran, and the ones without
     * SA_RESTART until their call returned. */
    double end = t_now() + 5;
    for (;;) {
        int pending = 0;
        for (int i = 0; i < NOPS; i++)
            if (sh->s[i].hits == 0 || (!(i & 1) && !sh->s[i].done)) {
                kill(pids[i], SIGUSR1);
                pending++;
            }
        if (!pending || t_now() > end)
            break;
        t_sleep_ms(20);
    }
    t_sleep_ms(200);
    int early[NOPS];
    for (int i = 0; i < NOPS; i++)
        early[i] = sh->s[i].done;

    /* Release the restarted waits. */
    sh->release = 1;
    flock(ffd, LOCK_UN);
    lockat(lfd, F_SETLK, F_UNLCK, 0);
    lockat(lfd, F_SETLK, F_UNLCK, 1);
    write(p_read[1], "r", 1);
    fcntl(p_full[0], F_SETFL, O_NONBLOCK);
    while (read(p_full[0], chunk, sizeof chunk) > 0) {
    }
    int ffifo = open(DIR_ "/fifo", O_RDWR);
    sh->fut = 1;
    syscall(SYS_futex, &sh->fut, FUTEX_WAKE, 100, NULL, NULL, 0);
    uint64_t one = 1;
    write(efd, &one, 8);
    struct itimerspec its = {{0, 0}, {0, 1000000}};
    timerfd_settime(tfd, 0, &its, NULL);
    close(open(DIR_ "/w/new", O_WRONLY | O_CREAT, 0600));
    R_WAIT_DONE(sh->s, 0, NOPS, 3);

    for (int k = 0; k < NKINDS; k++) {
        struct slot *no = &sh->s[2 * k], *re = &sh->s[2 * k + 1];
        char name[200];
        if (k == K_BIGWRITE) {
            snprintf(name, sizeof name, "%s interrupted by a handler returns the bytes written (no SA_RESTART)",
                     names[k]);
            CHECK(no->done && no->hits >= 1 && no->ret > 0 && no->ret < BIG, name, "done %d hits %d ret %ld errno %d",
                  no->done, no->hits, no->ret, no->err);
            snprintf(name, sizeof name, "%s interrupted by a handler returns the bytes written (SA_RESTART)",
                     names[k]);
            CHECK(re->done && re->hits >= 1 && re->ret > 0 && re->ret < BIG, name, "done %d hits %d ret %ld errno %d",
                  re->done, re->hits, re->ret, re->err);
            continue;
        }
        long want = k == K_READ ? 1 : k == K_WRITE ? 1 : k == K_EVENTFD || k == K_TIMERFD ? 8 : 0;
        snprintf(name, sizeof name, "%s interrupted by a handler without SA_RESTART is EINTR", names[k]);
        CHECK(no->done && no->hits >= 1 && no->ret == -1 && no->err == EINTR, name, "done %d hits %d ret %ld errno %d",
              no->done, no->hits, no->ret, no->err);
        snprintf(name, sizeof name, "%s with SA_RESTART runs the handler, goes on waiting and then completes",
                 names[k]);
        CHECK(re->hits >= 1 && !early[2 * k + 1] && re->done && re->ret == want, name,
              "hits %d returned at the signal %d, done %d ret %ld errno %d", re->hits, early[2 * k + 1], re->done,
              re->ret, re->err);
    }

    int reaped = 0, st;
    for (int i = 0; i < NOPS; i++) {
        if (!sh->s[i].done)
            kill(pids[i], SIGKILL);
        if (waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) && WEXITSTATUS(st) == 0)
            reaped++;
    }
    while (waitpid(-1, NULL, 0) > 0) { /* grandchildren orphaned to us */
    }
    CHECK(reaped == NOPS, "every child exits normally", "%d of %d", reaped, NOPS);
    close(ffifo);
    unlink(DIR_ "/w/new");
    rmdir(DIR_ "/w");
    unlink(DIR_ "/fifo");
    unlink(DIR_ "/f");
    rmdir(DIR_);
    return t_done("sig_restart_handler");
}
