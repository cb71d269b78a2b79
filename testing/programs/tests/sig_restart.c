/* Restart semantics of calls blocked in a thread and interrupted from
 * another thread (possibly on another CPU): read on a pipe (EINTR without
 * SA_RESTART, restarted with the same buffer with it), wait4 and
 * FUTEX_WAIT restarted under SA_RESTART and then completing normally,
 * poll/select EINTR even with SA_RESTART, ignored, default-ignored and
 * blocked signals not interrupting at all, a process-directed signal taken
 * by the one thread that does not block it, a stopped and continued child
 * resuming its read, and SIGKILL ending reads and waits. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include "../t.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

static volatile int handled;
static volatile pid_t handled_tid;
static void h_count(int sig) {
    (void)sig;
    handled_tid = (pid_t)syscall(SYS_gettid);
    handled++;
}

static void set_handler(int sig, int flags) {
    t_handle(sig, h_count, flags);
}

/* ---- a worker blocked in one call ---- */
enum op { OP_READ, OP_WAIT4, OP_FUTEX, OP_POLL, OP_SELECT };
static struct {
    enum op op;
    int fd;
    pid_t child;
    volatile uint32_t *futex;
    volatile pid_t tid;
    volatile int started, done;
    long ret;
    int err;
    char buf[64];
} w;

static void *worker(void *arg) {
    (void)arg;
    w.tid = (pid_t)syscall(SYS_gettid);
    w.started = 1;
    errno = 0;
    switch (w.op) {
    case OP_READ:
        w.ret = syscall(SYS_read, w.fd, w.buf, sizeof w.buf);
        break;
    case OP_WAIT4:
        w.ret = syscall(SYS_wait4, w.child, NULL, 0, NULL);
        break;
    case OP_FUTEX:
        w.ret = syscall(SYS_futex, w.futex, FUTEX_WAIT, 0, NULL, NULL, 0);
        break;
    case OP_POLL: {
        struct pollfd p = {w.fd, POLLIN, 0};
        w.ret = syscall(SYS_poll, &p, 1, -1);
        break;
    }
    case OP_SELECT: {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(w.fd, &r);
        w.ret = syscall(SYS_select, w.fd + 1, &r, NULL, NULL, NULL);
        break;
    }
    }
    w.err = errno;
    w.done = 1;
    return NULL;
}

/* A fresh w for op on fd; the caller may set more of it before launch(). */
static void prepare(enum op op, int fd) {
    memset((void *)&w, 0, sizeof w);
    w.op = op;
    w.fd = fd;
}

static pthread_t launch(void) {
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    while (!w.started)
        t_sleep_ms(1);
    t_sleep_ms(20); /* let it block */
    return t;
}

static pthread_t start(enum op op, int fd) {
    prepare(op, fd);
    return launch();
}

/* Signals the worker until a handler ran (restart cases) or the call
 * returned (EINTR cases). */
static void nag(int sig, int until_done) {
    for (int i = 0; i < 300; i++) {
        if (until_done ? w.done : handled > 0)
            return;
        syscall(SYS_tgkill, getpid(), w.tid, sig);
        t_sleep_ms(10);
    }
}

/* Signals the worker until a handler ran, then returns whether its call
 * returned 20 ms later (it must not under SA_RESTART). */
static int nag_early(void) {
    nag(SIGUSR1, 0);
    t_sleep_ms(20);
    return w.done;
}

static void wait_done(void) {
    for (int i = 0; i < 3000 && !w.done; i++)
        t_sleep_ms(1);
}

/* SIGKILLs the child c after 30 ms and checks that it died of it. */
static void check_killed(pid_t c, const char *name) {
    t_sleep_ms(30);
    kill(c, SIGKILL);
    int st = -1;
    waitpid(c, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, name, "st %#x", st);
}

int main(void) {
    t_watchdog(40);
    int p[2];
    pthread_t t;

    /* 1. read without SA_RESTART: EINTR. */
    set_handler(SIGUSR1, 0);
    pipe(p);
    handled = 0;
    t = start(OP_READ, p[0]);
    nag(SIGUSR1, 1);
    wait_done();
    CHECK(w.done && w.ret == -1 && w.err == EINTR, "a pipe read without SA_RESTART is EINTR", "ret %ld err %d",
          w.ret, w.err);
    CHECK(handled >= 1 && handled_tid == w.tid, "the handler ran in the blocked thread", "handled %d", handled);
    pthread_join(t, NULL);

    /* 2. read with SA_RESTART: restarted, gets the data written later. */
    set_handler(SIGUSR1, SA_RESTART);
    handled = 0;
    t = start(OP_READ, p[0]);
    int early = nag_early();
    write(p[1], "restarted", 9);
    wait_done();
    CHECK(handled >= 1 && !early, "with SA_RESTART the handler runs and the read keeps waiting", "handled %d early %d",
          handled, early);
    CHECK(w.done && w.ret == 9 && !memcmp(w.buf, "restarted", 9), "the restarted read returns the later data",
          "ret %ld", w.ret);
    pthread_join(t, NULL);

    /* 3. poll and select: EINTR even with SA_RESTART. */
    handled = 0;
    t = start(OP_POLL, p[0]);
    nag(SIGUSR1, 1);
    wait_done();
    CHECK(w.done && w.ret == -1 && w.err == EINTR, "poll is EINTR even with SA_RESTART", "ret %ld err %d", w.ret,
          w.err);
    pthread_join(t, NULL);
    t = start(OP_SELECT, p[0]);
    nag(SIGUSR1, 1);
    wait_done();
    CHECK(w.done && w.ret == -1 && w.err == EINTR, "select is EINTR even with SA_RESTART", "ret %ld err %d", w.ret,
          w.err);
    pthread_join(t, NULL);

    /* 4. wait4 with SA_RESTART: restarted, reaps the child later. */
    int *gate = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *gate = 0;
    pid_t c = fork();
    if (c == 0) {
        while (!*(volatile int *)gate)
            t_sleep_ms(1);
        _exit(0);
    }
    prepare(OP_WAIT4, 0);
    handled = 0;
    w.child = c;
    t = launch();
    early = nag_early();
    *gate = 1;
    wait_done();
    CHECK(handled >= 1 && !early && w.ret == c, "wait4 under SA_RESTART is restarted and reaps the child",
          "handled %d early %d ret %d", handled, early, w.ret == c);
    pthread_join(t, NULL);

    /* 5. FUTEX_WAIT under SA_RESTART: restarted, then woken normally. */
    static uint32_t fw;
    fw = 0;
    prepare(OP_FUTEX, 0);
    handled = 0;
    w.futex = &fw;
    t = launch();
    early = nag_early();
    long woke = 0;
    for (int i = 0; i < 300 && !w.done; i++) {
        woke += syscall(SYS_futex, &fw, FUTEX_WAKE, 1, NULL, NULL, 0);
        t_sleep_ms(5);
    }
    wait_done();
    CHECK(handled >= 1 && !early && w.ret == 0 && woke == 1,
          "FUTEX_WAIT under SA_RESTART keeps waiting and the wake still reaches it", "early %d ret %ld woke %ld",
          early, w.ret, woke);
    pthread_join(t, NULL);

    /* 6. Ignored, default-ignored and blocked signals do not interrupt. */
    signal(SIGUSR2, SIG_IGN);
    t = start(OP_READ, p[0]);
    syscall(SYS_tgkill, getpid(), w.tid, SIGUSR2);
    syscall(SYS_tgkill, getpid(), w.tid, SIGWINCH);
    syscall(SYS_tgkill, getpid(), w.tid, SIGCHLD);
    t_sleep_ms(30);
    early = w.done;
    write(p[1], "x", 1);
    wait_done();
    CHECK(!early && w.ret == 1, "ignored and default-ignored signals do not interrupt a read", "early %d ret %ld",
          early, w.ret);
    pthread_join(t, NULL);

    /* 7. A process-directed signal goes to the thread that does not block it. */
    set_handler(SIGUSR1, 0);
    sigset_t s1;
    sigemptyset(&s1);
    sigaddset(&s1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &s1, NULL); /* main blocks; the worker inherits... */
    memset((void *)&w, 0, sizeof w);
    handled = 0;
    w.op = OP_READ;
    w.fd = p[0];
    pthread_sigmask(SIG_UNBLOCK, &s1, NULL);
    pthread_create(&t, NULL, worker, NULL); /* ...an unblocked mask */
    pthread_sigmask(SIG_BLOCK, &s1, NULL);
    while (!w.started)
        t_sleep_ms(1);
    t_sleep_ms(20);
    kill(getpid(), SIGUSR1);
    wait_done();
    CHECK(w.done && w.ret == -1 && w.err == EINTR && handled == 1 && handled_tid == w.tid,
          "kill() is taken by the thread that does not block it, ending its read", "ret %ld err %d handled %d",
          w.ret, w.err, handled);
    pthread_join(t, NULL);
    pthread_sigmask(SIG_UNBLOCK, &s1, NULL);

    /* 8. A stopped and continued child resumes its read. */
    int q[2];
    pipe(q);
    c = fork();
    if (c == 0) {
        close(q[1]);
        char b[8];
        long n = syscall(SYS_read, q[0], b, sizeof b);
        _exit(n == 2 && b[0] == 'o' ? 0 : 1);
    }
    close(q[0]);
    t_sleep_ms(30);
    kill(c, SIGSTOP);
    int st = -1;
    waitpid(c, &st, WUNTRACED);
    CHECK(WIFSTOPPED(st), "a child blocked in read stops on SIGSTOP", "st %#x", st);
    kill(c, SIGCONT);
    t_sleep_ms(30);
    write(q[1], "ok", 2);
    st = -1;
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "after SIGCONT its read continues and gets the data (no EINTR)",
          "st %#x", st);
    close(q[1]);

    /* 9. SIGKILL ends a read and a wait. */
    pipe(q);
    c = fork();
    if (c == 0) {
        char b;
        read(q[0], &b, 1);
        _exit(0);
    }
    check_killed(c, "SIGKILL ends a child blocked in a pipe read");
    close(q[0]);
    close(q[1]);
    /* The grandchild comes back to us (subreaper) and is killed too. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    volatile pid_t *gpid = (volatile pid_t *)gate;
    *gpid = 0;
    c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) {
            pause();
            _exit(0);
        }
        *gpid = g;
        waitpid(g, NULL, 0);
        _exit(0);
    }
    while (!*gpid)
        t_sleep_ms(1);
    check_killed(c, "SIGKILL ends a child blocked in wait4");
    kill(*gpid, SIGKILL);
    waitpid(*gpid, NULL, 0);
    errno = 0;
    CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);

    errno = 0;
    close(p[0]);
    close(p[1]);
    return t_done("sig_restart");
}
