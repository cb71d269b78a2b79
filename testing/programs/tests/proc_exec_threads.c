/* execve in a multithreaded process while the other threads are blocked
 * in system calls (read, futex, nanosleep, rt_sigtimedwait), from the main
 * thread and from a secondary one (which keeps its signal mask and becomes
 * the single thread with tid = pid); descriptor flags across exec
 * (O_CLOEXEC, F_DUPFD_CLOEXEC, dup and a cleared FD_CLOEXEC); cwd and umask
 * kept; an alarm armed before exec firing after it. The program re-executes
 * itself with a mode in argv[1]; modes report through the exit status. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "../t.h"

static char *self;
static int blockpipe[2];
static volatile int nblocked;

static void *t_read(void *a) {
    (void)a;
    __atomic_fetch_add(&nblocked, 1, __ATOMIC_SEQ_CST);
    char c;
    read(blockpipe[0], &c, 1);
    return NULL;
}
static void *t_futex(void *a) {
    (void)a;
    static uint32_t w;
    __atomic_fetch_add(&nblocked, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &w, 0, 0, NULL, NULL, 0);
    return NULL;
}
static void *t_sleep(void *a) {
    (void)a;
    __atomic_fetch_add(&nblocked, 1, __ATOMIC_SEQ_CST);
    struct timespec ts = {100, 0};
    nanosleep(&ts, NULL);
    return NULL;
}
static void *t_sigwait(void *a) {
    (void)a;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    __atomic_fetch_add(&nblocked, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_rt_sigtimedwait, &s, NULL, NULL, 8);
    return NULL;
}

static void start_blockers(void) {
    pipe(blockpipe);
    pthread_t t;
    pthread_create(&t, NULL, t_read, NULL);
    pthread_create(&t, NULL, t_futex, NULL);
    pthread_create(&t, NULL, t_sleep, NULL);
    pthread_create(&t, NULL, t_sigwait, NULL);
    while (__atomic_load_n(&nblocked, __ATOMIC_SEQ_CST) < 4)
        t_sleep_ms(1);
    t_sleep_ms(30);
}

static char pidarg[32];
static void exec_mode(const char *mode) {
    snprintf(pidarg, sizeof pidarg, "%d", getpid());
    char *argv[] = {self, (char *)mode, pidarg, NULL};
    execve(self, argv, NULL);
    _exit(100);
}

static void *t_exec(void *a) {
    /* A secondary thread with its own mask runs execve. */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGWINCH);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    exec_mode((const char *)a);
    return NULL;
}

/* ---- modes (after exec) ---- */
static int mode_single(const char *pid) {
    int code = 0;
    if (getpid() != atoi(pid))
        code |= 1;
    if (syscall(SYS_gettid) != getpid())
        code |= 2;
    return code;
}

static int mode_mask(const char *pid) {
    int code = mode_single(pid);
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    if (!sigismember(&m, SIGWINCH))
        code |= 4;
    return code;
}

static int mode_fds(void) {
    int code = 0;
    if (fcntl(10, F_GETFD) != -1 || errno != EBADF)
        code |= 1; /* O_CLOEXEC */
    if (fcntl(11, F_GETFD) != 0)
        code |= 2; /* plain */
    if (fcntl(12, F_GETFD) != -1)
        code |= 4; /* F_DUPFD_CLOEXEC */
    if (fcntl(13, F_GETFD) != 0)
        code |= 8; /* dup of a cloexec fd */
    if (fcntl(14, F_GETFD) != 0)
        code |= 16; /* FD_CLOEXEC cleared */
    char cwd[128];
    if (!getcwd(cwd, sizeof cwd) || strcmp(cwd, "/tmp"))
        code |= 32;
    if (umask(0) != 0027)
        code |= 64;
    return code;
}

static int mode_alarm(void) {
    /* SIGALRM armed before exec; default action kills us. */
    t_sleep_ms(3000);
    return 5;
}

static char selfbuf[256];

int main(int argc, char **argv) {
    /* Absolute, as the fds mode runs after a chdir. */
    if (argv[0][0] == '/') {
        snprintf(selfbuf, sizeof selfbuf, "%.250s", argv[0]);
    } else {
        char cwd[128];
        getcwd(cwd, sizeof cwd);
        snprintf(selfbuf, sizeof selfbuf, "%.120s/%.120s", cwd, argv[0]);
    }
    self = selfbuf;
    if (argc >= 3 && !strcmp(argv[1], "single"))
        return mode_single(argv[2]);
    if (argc >= 3 && !strcmp(argv[1], "mask"))
        return mode_mask(argv[2]);
    if (argc >= 2 && !strcmp(argv[1], "fds"))
        return mode_fds();
    if (argc >= 2 && !strcmp(argv[1], "alarm"))
        return mode_alarm();

    t_watchdog(60);
    int st;
    pid_t c;

    /* 1. Main thread execs while four threads are blocked. */
    c = fork();
    if (c == 0) {
        start_blockers();
        exec_mode("single");
    }
    st = -1;
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) != 100, "execve from main succeeds while other threads are blocked in calls",
          "st %#x", st);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the new image has the same pid and a single thread (tid = pid)",
          "st %#x", st);

    /* 2. A secondary thread execs while main and others are blocked. */
    c = fork();
    if (c == 0) {
        start_blockers();
        pthread_t t;
        pthread_create(&t, NULL, t_exec, (void *)"mask");
        char ch;
        read(blockpipe[0], &ch, 1);
        _exit(101);
    }
    st = -1;
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & ~4) == 0, "execve from a secondary thread keeps the pid, tid = pid after",
          "st %#x", st);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 4) == 0, "the exec'ing thread's signal mask is the new image's", "st %#x",
          st);

    /* 3. Descriptor flags, cwd and umask across exec. */
    c = fork();
    if (c == 0) {
        int p[2];
        pipe2(p, O_CLOEXEC);
        dup2(p[0], 20);
        int fd10 = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        dup2(fd10, 21);
        /* Place them at fixed numbers with the right flags. */
        close(10);
        fcntl(fd10, F_DUPFD_CLOEXEC, 10); /* 10: cloexec */
        dup2(p[1], 11);                   /* 11: plain (dup2 clears) */
        fcntl(p[0], F_DUPFD_CLOEXEC, 12); /* 12: cloexec */
        int d = dup(p[0]);                /* dup clears cloexec */
        dup2(d, 13);
        int e = open("/", O_RDONLY | O_CLOEXEC);
        dup2(e, 14);
        fcntl(14, F_SETFD, FD_CLOEXEC);
        fcntl(14, F_SETFD, 0);
        chdir("/tmp");
        umask(0027);
        char *args[] = {self, "fds", NULL};
        execve(self, args, NULL);
        _exit(100);
    }
    st = -1;
    waitpid(c, &st, 0);
    int x = WIFEXITED(st) ? WEXITSTATUS(st) : 255;
    CHECK(x != 255 && x != 100 && !(x & 1), "an O_CLOEXEC descriptor is closed by exec", "st %#x", st);
    CHECK(x != 255 && x != 100 && !(x & 2), "a descriptor without FD_CLOEXEC survives exec", "st %#x", st);
    CHECK(x != 255 && x != 100 && !(x & 4), "an F_DUPFD_CLOEXEC copy is closed by exec", "st %#x", st);
    CHECK(x != 255 && x != 100 && !(x & 8), "dup of a close-on-exec descriptor survives exec", "st %#x", st);
    CHECK(x != 255 && x != 100 && !(x & 16), "clearing FD_CLOEXEC with F_SETFD keeps the descriptor", "st %#x", st);
    CHECK(x != 255 && x != 100 && !(x & 32), "the working directory survives exec", "st %#x", st);
    CHECK(x != 255 && x != 100 && !(x & 64), "the umask survives exec", "st %#x", st);

    /* 4. An alarm armed before exec fires in the new image. */
    c = fork();
    if (c == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(1);
        char *args[] = {self, "alarm", NULL};
        execve(self, args, NULL);
        _exit(100);
    }
    st = -1;
    waitpid(c, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM, "an alarm armed before exec fires after it", "st %#x", st);

    errno = 0;
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("proc_exec_threads");
}
