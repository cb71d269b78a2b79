/* RLIMIT_NPROC as Linux's copy_process applies it: every task (process or
 * thread) of a real uid counts; past the limit fork and pthread_create get
 * EAGAIN, for an unprivileged user (root is exempt); tasks that ended no
 * longer count, so thousands of fork/exit and create/join cycles under a
 * small limit all succeed; a change of real uid moves the task's count. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "../t.h"

#define UID 54321

static void *idle(void *a) {
    (void)a;
    return NULL;
}

static void *sleeper(void *a) {
    (void)a;
    pause();
    return NULL;
}

/* In a child of uid UID with RLIMIT_NPROC `lim`: how many more processes
 * it could fork (each pausing) before EAGAIN, and the errno then. */
static int fork_until_eagain(int lim, int *err) {
    pid_t kids[64];
    int n = 0;
    *err = 0;
    while (n < 64) {
        pid_t c = fork();
        if (c == 0) {
            pause();
            _exit(0);
        }
        if (c < 0) {
            *err = errno;
            break;
        }
        kids[n++] = c;
    }
    for (int i = 0; i < n; i++) {
        kill(kids[i], SIGKILL);
        waitpid(kids[i], NULL, 0);
    }
    (void)lim;
    return n;
}

static int as_user(int lim) {
    struct rlimit rl = {lim, lim};
    if (setrlimit(RLIMIT_NPROC, &rl) != 0 || setresgid(UID, UID, UID) != 0 || setresuid(UID, UID, UID) != 0)
        return -1;
    return 0;
}

static int forks_limited(void) {
    STEP(1, as_user(5) == 0);
    int err, n = fork_until_eagain(5, &err);
    STEP(2, n == 4 && err == EAGAIN);
    /* The ended ones no longer count. */
    n = fork_until_eagain(5, &err);
    STEP(3, n == 4 && err == EAGAIN);
    return 0;
}

static int threads_limited(void) {
    STEP(1, as_user(5) == 0);
    pthread_t t[8];
    int n = 0, r = 0;
    while (n < 8 && (r = pthread_create(&t[n], NULL, sleeper, NULL)) == 0)
        n++;
    STEP(2, n == 4 && r == EAGAIN);
    return 0;
}

static int cycles(void) {
    STEP(1, as_user(3) == 0);
    for (int i = 0; i < 2000; i++) {
        pid_t c = fork();
        if (c < 0)
            return 10;
        if (c == 0)
            _exit(0);
        if (waitpid(c, NULL, 0) != c)
            return 11;
    }
    for (int i = 0; i < 2000; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, idle, NULL) != 0)
            return 12;
        pthread_join(t, NULL);
    }
    return 0;
}

static int root_exempt(void) {
    struct rlimit rl = {1, 1};
    STEP(1, setrlimit(RLIMIT_NPROC, &rl) == 0);
    pid_t c = fork();
    if (c == 0)
        _exit(0);
    STEP(2, c > 0 && waitpid(c, NULL, 0) == c);
    return 0;
}

static int uid_change_moves(void) {
    /* Three tasks of root, then this one becomes UID: it alone counts
     * there, so with a limit of 2 it can fork one more. */
    struct rlimit rl = {2, 2};
    STEP(1, setrlimit(RLIMIT_NPROC, &rl) == 0 && setresgid(UID, UID, UID) == 0 && setresuid(UID, UID, UID) == 0);
    int err, n = fork_until_eagain(2, &err);
    STEP(2, n == 1 && err == EAGAIN);
    return 0;
}

int main(void) {
    t_watchdog(120);
    CHECK_CHILD(forks_limited, "fork past RLIMIT_NPROC of an unprivileged user is EAGAIN, and ended children free their slots");
    CHECK_CHILD(threads_limited, "threads count too: pthread_create past the limit is EAGAIN");
    CHECK_CHILD(cycles, "2000 fork/exit and 2000 create/join cycles under a limit of 3");
    CHECK_CHILD(root_exempt, "root is exempt");
    CHECK_CHILD(uid_change_moves, "a task that changes its real uid counts for the new one");
    CHECK_NO_CHILDREN();
    return t_done("proc_nproc");
}
