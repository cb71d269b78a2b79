/* execve: argv/envp round trip, pid and rlimits kept, auxv (AT_EXECFN,
 * AT_PAGESZ), error cases (ENOENT, ENOTDIR, EACCES, EFAULT, E2BIG),
 * close-on-exec, signal dispositions/mask/pending/altstack across exec,
 * exec from a multithreaded process and from a non-main thread.
 * The program re-executes itself (argv[0]) with "child-*" modes; child modes
 * print nothing and report through their exit status. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include "../t.h"

extern char **environ;
static const char *self;

static pid_t gettid_raw(void) { return (pid_t)syscall(SYS_gettid); }

/* ---- child modes (print nothing; 0x40 marks "the child mode ran") ---- */
#define RAN 0x40

static int child_args(int argc, char **argv) {
    int bad = 0;
    if (argc != 5)
        bad |= 1;
    else if (strcmp(argv[0], "renamed-argv0") || strcmp(argv[2], "alpha") || strcmp(argv[3], "") ||
             strcmp(argv[4], "with space"))
        bad |= 2;
    if (argv[argc] != NULL)
        bad |= 4;
    int n = 0;
    while (environ[n])
        n++;
    if (n != 3 || strcmp(environ[0], "A=1") || strcmp(environ[1], "EMPTY=") || strncmp(environ[2], "LONG=", 5) ||
        strlen(environ[2]) != 5 + 3000)
        bad |= 8;
    const char *e = getenv("EMPTY");
    if (!e || *e)
        bad |= 16;
    return RAN | bad;
}

/* argv: renamed, child-ids, pid, ppid, expected AT_EXECFN */
static int child_ids(int argc, char **argv) {
    int bad = 0;
    if (argc != 5)
        return RAN | 1;
    if (getpid() != atoi(argv[2]) || gettid_raw() != getpid())
        bad |= 2;
    if (getppid() != atoi(argv[3]))
        bad |= 4;
    const char *fn = (const char *)getauxval(AT_EXECFN);
    if (!fn || strcmp(fn, argv[4]) != 0)
        bad |= 8;
    if (getauxval(AT_PAGESZ) != 4096 || getauxval(AT_RANDOM) == 0 || getauxval(AT_PHDR) == 0 ||
        getauxval(AT_ENTRY) == 0)
        bad |= 16;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur != 77)
        bad |= 32;
    return RAN | bad;
}

/* argv: x, child-fds, cloexec fd, plain fd, fcntl-cloexec fd */
static int child_fds(int argc, char **argv) {
    if (argc != 5)
        return RAN | 1;
    int bad = 0;
    errno = 0;
    if (!(fcntl(atoi(argv[2]), F_GETFD) == -1 && errno == EBADF))
        bad |= 2;
    if (fcntl(atoi(argv[3]), F_GETFD) != 0)
        bad |= 4;
    errno = 0;
    if (!(fcntl(atoi(argv[4]), F_GETFD) == -1 && errno == EBADF))
        bad |= 8;
    if (fcntl(1, F_GETFD) != 0)
        bad |= 16;
    return RAN | bad;
}

static int child_sigs(void) {
    int bad = 0;
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    if (sa.sa_handler != SIG_DFL)
        bad |= 1;
    sigaction(SIGUSR2, NULL, &sa);
    if (sa.sa_handler != SIG_IGN)
        bad |= 2;
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    if (sigismember(&m, SIGINT) != 1 || sigismember(&m, SIGUSR1) != 0)
        bad |= 4;
    sigpending(&m);
    if (sigismember(&m, SIGINT) != 1)
        bad |= 8;
    stack_t ss;
    if (sigaltstack(NULL, &ss) != 0 || !(ss.ss_flags & SS_DISABLE))
        bad |= 16;
    /* Consume the pending SIGINT so it is not delivered. */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    struct timespec zero = {0, 0};
    sigtimedwait(&s, NULL, &zero);
    return RAN | bad;
}

/* argv: x, child-gone, pid, tid... : the listed tids no longer exist. */
static int child_gone(int argc, char **argv) {
    int bad = 0;
    pid_t pid = atoi(argv[2]);
    if (getpid() != pid || gettid_raw() != pid)
        bad |= 1;
    for (int i = 3; i < argc; i++) {
        errno = 0;
        if (!(syscall(SYS_tgkill, pid, atoi(argv[i]), 0) == -1 && errno == ESRCH))
            bad |= 2;
    }
    if (argc < 4)
        bad |= 4;
    return RAN | bad;
}

/* ---- parent side ---- */

static int run_child(char *const argv[], char *const envp[]) {
    pid_t pid = fork();
    if (pid == 0) {
        execve(self, argv, envp);
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 0x1000 | status;
}

/* Expect execve to fail in a forked child: returns errno, or 1000+ if it ran. */
static char **bad_ptr(uintptr_t v) {
    volatile uintptr_t x = v; /* launder so the compiler does not reason about it */
    return (char **)x;
}

static int exec_errno(const char *path, char **argv, char **envp) {
    pid_t pid = fork();
    if (pid == 0) {
        execve(path, argv, envp);
        _exit(errno & 0xff);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + status;
}

static void *sleeper(void *arg) {
    pid_t *slot = arg;
    *slot = gettid_raw();
    for (int i = 0; i < 1000; i++)
        t_nap_ms(10);
    return NULL;
}

struct nonmain {
    char pidbuf[16], tidbuf[16];
};
static void *exec_from_thread(void *arg) {
    struct nonmain *nm = arg;
    snprintf(nm->tidbuf, sizeof nm->tidbuf, "%d", gettid_raw());
    char *argv[] = {"x", "child-gone", nm->pidbuf, nm->tidbuf, NULL};
    execve(self, argv, environ);
    _exit(126);
}

int main(int argc, char **argv) {
    if (argc < 1 || argv[0] == NULL)
        return 201;
    if (argc >= 2 && strncmp(argv[1], "child-", 6) == 0) {
        if (!strcmp(argv[1], "child-args"))
            return child_args(argc, argv);
        if (!strcmp(argv[1], "child-ids"))
            return child_ids(argc, argv);
        if (!strcmp(argv[1], "child-fds"))
            return child_fds(argc, argv);
        if (!strcmp(argv[1], "child-sigs"))
            return child_sigs();
        if (!strcmp(argv[1], "child-gone"))
            return child_gone(argc, argv);
        return 200; /* child-fail: an exec that should have failed ran */
    }
    self = argv[0];
    int r;

    /* argv / envp round trip. */
    static char longenv[5 + 3000 + 1];
    memcpy(longenv, "LONG=", 5);
    memset(longenv + 5, 'x', 3000);
    char *cargv[] = {"renamed-argv0", "child-args", "alpha", "", "with space", NULL};
    char *cenv[] = {"A=1", "EMPTY=", longenv, NULL};
    r = run_child(cargv, cenv);
    CHECK(r == RAN, "argv and envp arrive intact", "child result %#x", r);

    /* pid/ppid/tid kept, auxv, rlimits kept. */
    pid_t pid = fork();
    if (pid == 0) {
        char pidbuf[16], ppidbuf[16];
        snprintf(pidbuf, sizeof pidbuf, "%d", getpid());
        snprintf(ppidbuf, sizeof ppidbuf, "%d", getppid());
        struct rlimit rl;
        getrlimit(RLIMIT_NOFILE, &rl);
        rl.rlim_cur = 77;
        setrlimit(RLIMIT_NOFILE, &rl);
        char *a[] = {"renamed", "child-ids", pidbuf, ppidbuf, (char *)self, NULL};
        execve(self, a, environ);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r = WIFEXITED(status) ? WEXITSTATUS(status) : 0x1000 | status;
    CHECK((r & RAN) && !(r & 7), "pid, tid and ppid are unchanged by execve", "child result %#x", r);
    CHECK((r & RAN) && !(r & 8), "AT_EXECFN is the path given to execve", "child result %#x", r);
    CHECK((r & RAN) && !(r & 16), "auxv has AT_PAGESZ 4096, AT_RANDOM, AT_PHDR, AT_ENTRY", "child result %#x", r);
    CHECK((r & RAN) && !(r & 32), "rlimits survive execve", "child result %#x", r);

    /* vfork + execve: the parent resumes and reaps the new image. */
    pid = vfork();
    if (pid == 0) {
        char *a[] = {"renamed-argv0", "child-args", "alpha", "", "with space", NULL};
        execve(self, a, cenv);
        _exit(127);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == RAN, "vfork then execve works", "status %#x", status);

    /* Failures. */
    char *failargv[] = {"x", "child-fail", NULL};
    errno = 0;
    r = execve("/nonexistent-aramid/prog", failargv, environ);
    CHECK(r == -1 && errno == ENOENT, "execve of a missing path is ENOENT", "errno %d", errno);
    errno = 0;
    r = execve("", failargv, environ);
    CHECK(r == -1 && errno == ENOENT, "execve of an empty path is ENOENT", "errno %d", errno);
    static char notdir[4096];
    snprintf(notdir, sizeof notdir, "%s/x", self);
    errno = 0;
    r = execve(notdir, failargv, environ);
    CHECK(r == -1 && errno == ENOTDIR, "execve through a file as directory is ENOTDIR", "errno %d", errno);
    errno = 0;
    r = execve("/", failargv, environ);
    CHECK(r == -1 && errno == EACCES, "execve of a directory is EACCES", "errno %d", errno);
    errno = 0;
    r = syscall(SYS_execve, (char *)1, failargv, environ);
    CHECK(r == -1 && errno == EFAULT, "execve with a bad path pointer is EFAULT", "errno %d", errno);

    r = exec_errno(self, bad_ptr(1), environ);
    CHECK(r == EFAULT, "execve with a bad argv pointer is EFAULT", "got %d", r);
    char *badelem[] = {"x", "child-fail", (char *)8, NULL};
    r = exec_errno(self, badelem, environ);
    CHECK(r == EFAULT, "execve with a bad argv string is EFAULT", "got %d", r);
    r = exec_errno(self, failargv, bad_ptr(1));
    CHECK(r == EFAULT, "execve with a bad envp pointer is EFAULT", "got %d", r);

    /* E2BIG: one string over MAX_ARG_STRLEN (32 pages). */
    size_t biglen = 33 * 4096;
    char *big = malloc(biglen + 1);
    memset(big, 'b', biglen);
    big[biglen] = 0;
    char *bigargv[] = {"x", "child-fail", big, NULL};
    r = exec_errno(self, bigargv, environ);
    CHECK(r == E2BIG, "an argument longer than 128 KiB is E2BIG", "got %d", r);
    free(big);

    /* close-on-exec. */
    int cfd = fcntl(1, F_DUPFD_CLOEXEC, 10);
    int pfd = fcntl(1, F_DUPFD, 20);
    int sfd = dup(1);
    fcntl(sfd, F_SETFD, FD_CLOEXEC);
    CHECK(fcntl(cfd, F_GETFD) == FD_CLOEXEC && fcntl(pfd, F_GETFD) == 0 && fcntl(sfd, F_GETFD) == FD_CLOEXEC,
          "FD_CLOEXEC flags read back", "cfd %d pfd %d", fcntl(cfd, F_GETFD), fcntl(pfd, F_GETFD));
    char b1[16], b2[16], b3[16];
    snprintf(b1, sizeof b1, "%d", cfd);
    snprintf(b2, sizeof b2, "%d", pfd);
    snprintf(b3, sizeof b3, "%d", sfd);
    char *fargv[] = {"x", "child-fds", b1, b2, b3, NULL};
    r = run_child(fargv, environ);
    CHECK(r == RAN, "cloexec fds close on exec, others survive", "child result %#x", r);
    close(cfd);
    close(pfd);
    close(sfd);

    /* Signals across exec. */
    pid = fork();
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = (void (*)(int))t_nap_ms; /* any non-default handler */
        sigaction(SIGUSR1, &sa, NULL);
        signal(SIGUSR2, SIG_IGN);
        sigset_t m;
        sigemptyset(&m);
        sigaddset(&m, SIGINT);
        sigprocmask(SIG_BLOCK, &m, NULL);
        raise(SIGINT);
        static char altstack[16384];
        stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
        sigaltstack(&ss, NULL);
        char *a[] = {"x", "child-sigs", NULL};
        execve(self, a, environ);
        _exit(127);
    }
    waitpid(pid, &status, 0);
    r = WIFEXITED(status) ? WEXITSTATUS(status) : 0x1000 | status;
    CHECK((r & RAN) && !(r & 1), "caught signals reset to SIG_DFL on exec", "child result %#x", r);
    CHECK((r & RAN) && !(r & 2), "ignored signals stay ignored across exec", "child result %#x", r);
    CHECK((r & RAN) && !(r & 4), "the signal mask survives exec", "child result %#x", r);
    CHECK((r & RAN) && !(r & 8), "a pending signal survives exec", "child result %#x", r);
    CHECK((r & RAN) && !(r & 16), "the alternate signal stack is disabled by exec", "child result %#x", r);

    /* Exec from a multithreaded process: other threads are gone. */
    pid = fork();
    if (pid == 0) {
        pthread_t t[3];
        static pid_t tids[3];
        for (int i = 0; i < 3; i++)
            pthread_create(&t[i], NULL, sleeper, &tids[i]);
        for (int i = 0; i < 500 && (!tids[0] || !tids[1] || !tids[2]); i++)
            t_nap_ms(1);
        char p[16], a1[16], a2[16], a3[16];
        snprintf(p, sizeof p, "%d", getpid());
        snprintf(a1, sizeof a1, "%d", tids[0]);
        snprintf(a2, sizeof a2, "%d", tids[1]);
        snprintf(a3, sizeof a3, "%d", tids[2]);
        char *a[] = {"x", "child-gone", p, a1, a2, a3, NULL};
        execve(self, a, environ);
        _exit(127);
    }
    waitpid(pid, &status, 0);
    r = WIFEXITED(status) ? WEXITSTATUS(status) : 0x1000 | status;
    CHECK(r == RAN, "exec from the main thread of a multithreaded process ends the other threads",
          "child result %#x", r);

    /* Exec from a non-main thread: it takes over the pid. */
    pid = fork();
    if (pid == 0) {
        static struct nonmain nm;
        snprintf(nm.pidbuf, sizeof nm.pidbuf, "%d", getpid());
        pthread_t t;
        pthread_create(&t, NULL, exec_from_thread, &nm);
        for (int i = 0; i < 1000; i++)
            t_nap_ms(10);
        _exit(125);
    }
    waitpid(pid, &status, 0);
    r = WIFEXITED(status) ? WEXITSTATUS(status) : 0x1000 | status;
    CHECK(r == RAN, "exec from a non-main thread keeps the pid and drops the old tid", "child result %#x", r);

    errno = 0;
    CHECK(wait(&status) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("proc_exec");
}
