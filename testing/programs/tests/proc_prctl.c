/* prctl: PR_SET/GET_NAME (15-char truncation, per thread), PDEATHSIG
 * (get/set, reset on fork, fires on the parent's exit and on the creating
 * thread's exit), DUMPABLE, NO_NEW_PRIVS, CAPBSET_READ, CHILD_SUBREAPER,
 * unknown options. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include "../t.h"

static volatile int *shared;

static char thread_name[32];
static void *name_thread(void *arg) {
    (void)arg;
    prctl(PR_SET_NAME, "worker-thread");
    prctl(PR_GET_NAME, thread_name);
    return NULL;
}

/* Forks a child that sets PDEATHSIG=SIGTERM and then blocks (bounded). */
static pid_t fork_orphan_to_be(int flag_idx) {
    pid_t b = fork();
    if (b == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        t_set(&shared[flag_idx], 1);
        for (int i = 0; i < 1000; i++)
            t_nap_ms(10);
        _exit(0);
    }
    return b;
}

static pid_t thread_child;
static void *forking_thread(void *arg) {
    (void)arg;
    thread_child = fork_orphan_to_be(3);
    t_await(&shared[3], 1);
    return NULL; /* the creating thread exits; the process lives on */
}

int main(void) {
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return 1;
    int r, status;

    /* Names. */
    char name[32];
    memset(name, 'z', sizeof name);
    r = prctl(PR_SET_NAME, "abcdefghijklmnopqrstuvwxyz");
    prctl(PR_GET_NAME, name);
    CHECK(r == 0 && strcmp(name, "abcdefghijklmno") == 0, "PR_SET_NAME truncates to 15 characters",
          "r %d name %.16s", r, name);
    pthread_t t;
    pthread_create(&t, NULL, name_thread, NULL);
    pthread_join(t, NULL);
    prctl(PR_GET_NAME, name);
    CHECK(strcmp(thread_name, "worker-thread") == 0 && strcmp(name, "abcdefghijklmno") == 0,
          "PR_SET_NAME is per thread", "thread %s main %s", thread_name, name);
    prctl(PR_SET_NAME, "prctl-test");

    /* PDEATHSIG. */
    int sig = -1;
    r = prctl(PR_SET_PDEATHSIG, SIGUSR1);
    prctl(PR_GET_PDEATHSIG, &sig);
    CHECK(r == 0 && sig == SIGUSR1, "PR_SET_PDEATHSIG reads back", "r %d sig %d", r, sig);
    pid_t pid = fork();
    if (pid == 0) {
        int s = -1;
        prctl(PR_GET_PDEATHSIG, &s);
        _exit(s == 0 ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a forked child starts with no PDEATHSIG", "status %#x",
          status);
    prctl(PR_SET_PDEATHSIG, 0);
    errno = 0;
    r = prctl(PR_SET_PDEATHSIG, 99);
    CHECK(r == -1 && errno == EINVAL, "PR_SET_PDEATHSIG with an invalid signal is EINVAL", "r %d errno %d", r,
          errno);

    /* Subreaper: set here so orphans come back to us (and to PID 1 in the guest). */
    r = prctl(PR_SET_CHILD_SUBREAPER, 1);
    int reaper = -1;
    prctl(PR_GET_CHILD_SUBREAPER, &reaper);
    CHECK(r == 0 && reaper == 1, "PR_SET_CHILD_SUBREAPER reads back", "r %d val %d", r, reaper);
    pid = fork();
    if (pid == 0) {
        int v = -1;
        prctl(PR_GET_CHILD_SUBREAPER, &v);
        _exit(v == 0 ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the subreaper flag is not inherited by fork",
          "status %#x", status);

    /* The parent process exits: the child gets its PDEATHSIG. */
    t_set(&shared[2], 0);
    t_set(&shared[4], 0);
    pid = fork();
    if (pid == 0) {
        pid_t b = fork_orphan_to_be(2);
        t_set(&shared[4], b);
        t_await(&shared[2], 1);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    pid_t orphan = shared[4];
    status = 0;
    r = orphan > 0 ? waitpid(orphan, &status, 0) : -1;
    CHECK(r == orphan && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
          "PDEATHSIG is delivered when the parent exits", "r %d status %#x", r, status);

    /* The creating thread exits while its process lives on: still delivered. */
    t_set(&shared[3], 0);
    pid = fork();
    if (pid == 0) {
        pthread_t ft;
        if (pthread_create(&ft, NULL, forking_thread, NULL) != 0)
            _exit(10);
        pthread_join(ft, NULL);
        int st = 0;
        pid_t w = waitpid(thread_child, &st, 0);
        _exit(w == thread_child && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM ? 0 : 11);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "PDEATHSIG fires when the creating thread exits, and the process still reaps the child", "status %#x",
          status);

    /* Dumpable. */
    int d0 = prctl(PR_GET_DUMPABLE);
    r = prctl(PR_SET_DUMPABLE, 0);
    int d1 = prctl(PR_GET_DUMPABLE);
    int r2 = prctl(PR_SET_DUMPABLE, 1);
    int d2 = prctl(PR_GET_DUMPABLE);
    CHECK(d0 == 1 && r == 0 && d1 == 0 && r2 == 0 && d2 == 1, "PR_SET_DUMPABLE 0/1 reads back", "d0 %d d1 %d d2 %d",
          d0, d1, d2);
    errno = 0;
    r = prctl(PR_SET_DUMPABLE, 2);
    CHECK(r == -1 && errno == EINVAL, "PR_SET_DUMPABLE 2 is EINVAL", "r %d errno %d", r, errno);

    /* No new privs (irreversible: in a child). */
    pid = fork();
    if (pid == 0) {
        int before = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
        errno = 0;
        int bad = prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0) == -1 && errno == EINVAL;
        int ok = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
        int after = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
        errno = 0;
        int clear = prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) == -1 && errno == EINVAL;
        pid_t g = fork();
        if (g == 0)
            _exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1);
        int gs = 0;
        waitpid(g, &gs, 0);
        int inherited = WIFEXITED(gs) && WEXITSTATUS(gs) == 0;
        _exit((before == 0 ? 0 : 1) | (bad ? 0 : 2) | (ok ? 0 : 4) | (after == 1 ? 0 : 8) | (clear ? 0 : 16) |
              (inherited ? 0 : 32));
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "NO_NEW_PRIVS: 0 initially, set to 1, cannot be cleared, inherited, bad args EINVAL", "status %#x",
          status);

    /* Capability bounding set. */
    r = prctl(PR_CAPBSET_READ, 21 /* CAP_SYS_ADMIN */, 0, 0, 0);
    CHECK(r == 1, "PR_CAPBSET_READ CAP_SYS_ADMIN is 1", "r %d", r);
    errno = 0;
    r = prctl(PR_CAPBSET_READ, 200, 0, 0, 0);
    CHECK(r == -1 && errno == EINVAL, "PR_CAPBSET_READ of an invalid cap is EINVAL", "r %d errno %d", r, errno);

    errno = 0;
    r = prctl(0x7fff1234, 0, 0, 0, 0);
    CHECK(r == -1 && errno == EINVAL, "an unknown prctl option is EINVAL", "r %d errno %d", r, errno);

    errno = 0;
    CHECK(wait(&status) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("proc_prctl");
}
