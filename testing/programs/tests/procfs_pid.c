/* /proc/PID of other processes and of threads: a child's directory and
 * its PPid, a stopped child (T), a zombie (Z) until reaped, then ENOENT
 * for lookups and ESRCH for files still open; task/ listing the threads,
 * task/TID/comm per thread, /proc/TID reaching a thread; another user's
 * environ and fd/ are EACCES; /proc lists pids. */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sys/prctl.h>
#include "../t.h"
#include "../procfs.h"

static char buf[16384], val[256];
static volatile int go, stop;
static pid_t thread_tid;

static void *park(void *arg) {
    (void)arg;
    prctl(PR_SET_NAME, "worker");
    t_thread_park(&thread_tid, &go, &stop);
    return NULL;
}

static char state_of(pid_t pid) {
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/stat", pid);
    if (t_slurp(p, buf, sizeof buf) <= 0)
        return '?';
    return (char)t_stat_field(buf, 3);
}

static int wait_state(pid_t pid, char want) {
    for (int i = 0; i < 2000; i++) {
        if (state_of(pid) == want)
            return 1;
        t_sleep_ms(2);
    }
    return 0;
}

int main(void) {
    char p[128];
    struct stat st;
    t_watchdog(60);
    t_proc_mount();

    pid_t child = t_fork_sleeper();
    snprintf(p, sizeof p, "/proc/%d/status", child);
    t_slurp(p, buf, sizeof buf);
    CHECK(t_line(buf, "PPid:", val, sizeof val) && atoi(val) == getpid(), "a child's status shows us as PPid", "'%s'",
          val);
    CHECK(wait_state(child, 'S'), "a sleeping child is S", "%c", state_of(child));
    char mine[64], theirs[64];
    snprintf(p, sizeof p, "/proc/%d/comm", child);
    CHECK(t_slurp("/proc/self/comm", mine, sizeof mine) > 1 && t_slurp(p, theirs, sizeof theirs) > 1 &&
              strcmp(mine, theirs) == 0,
          "a forked child's comm is its parent's", "'%s' '%s'", mine, theirs);
    kill(child, SIGSTOP);
    CHECK(wait_state(child, 'T'), "a stopped child is T", "%c", state_of(child));
    snprintf(p, sizeof p, "/proc/%d/status", child);
    t_slurp(p, buf, sizeof buf);
    CHECK(t_line(buf, "State:", val, sizeof val) && strcmp(val, "T (stopped)") == 0, "status: T (stopped)", "'%s'", val);
    kill(child, SIGCONT);
    CHECK(wait_state(child, 'S'), "continued, it sleeps again", "%c", state_of(child));
    snprintf(p, sizeof p, "/proc/%d/stat", child);
    int held = open(p, O_RDONLY);
    snprintf(p, sizeof p, "/proc/%d/cmdline", child);
    int held_cmd = open(p, O_RDONLY);
    kill(child, SIGKILL);
    CHECK(wait_state(child, 'Z'), "a dead, unreaped child is Z", "%c", state_of(child));
    snprintf(p, sizeof p, "/proc/%d/status", child);
    t_slurp(p, buf, sizeof buf);
    CHECK(t_line(buf, "State:", val, sizeof val) && strcmp(val, "Z (zombie)") == 0, "status: Z (zombie)", "'%s'", val);
    snprintf(p, sizeof p, "/proc/%d/cmdline", child);
    CHECK(t_slurp(p, buf, sizeof buf) == 0, "a zombie's cmdline is empty", "-");
    int st_;
    waitpid(child, &st_, 0);
    snprintf(p, sizeof p, "/proc/%d", child);
    CHECK(FAILS(stat(p, &st), ENOENT), "a reaped process's directory is gone (ENOENT)", "errno %d", errno);
    snprintf(p, sizeof p, "/proc/%d/stat", child);
    CHECK(FAILS(open(p, O_RDONLY), ENOENT), "and its files (ENOENT)", "errno %d", errno);
    CHECK(FAILS(read(held, buf, sizeof buf), ESRCH), "a file held open reads ESRCH", "errno %d", errno);
    CHECK(FAILS(read(held_cmd, buf, sizeof buf), ESRCH), "cmdline held open reads ESRCH", "errno %d", errno);
    close(held);
    close(held_cmd);

    pthread_t th;
    pthread_create(&th, NULL, park, NULL);
    t_await(&go, 1);
    int tids = 0, seen = 0;
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        tids++;
        if (atoi(e->d_name) == thread_tid)
            seen = 1;
    }
    if (d)
        closedir(d);
    CHECK(tids == 2 && seen, "task/ lists both threads", "%d %d", tids, seen);
    snprintf(p, sizeof p, "/proc/self/task/%d/comm", thread_tid);
    t_slurp(p, buf, sizeof buf);
    CHECK(strcmp(buf, "worker\n") == 0, "task/TID/comm is the thread's name", "'%s'", buf);
    snprintf(p, sizeof p, "/proc/self/task/%d/stat", thread_tid);
    t_slurp(p, buf, sizeof buf);
    CHECK(atoi(buf) == thread_tid && strstr(buf, "(worker)"), "task/TID/stat starts with the tid and its name", "%.30s",
          buf);
    snprintf(p, sizeof p, "/proc/self/task/%d/status", thread_tid);
    t_slurp(p, buf, sizeof buf);
    CHECK(t_line(buf, "Tgid:", val, sizeof val) && atoi(val) == getpid() && t_line(buf, "Pid:", val, sizeof val) &&
              atoi(val) == thread_tid,
          "task/TID/status: Tgid is the process, Pid the thread", "'%s'", val);
    t_slurp("/proc/self/status", buf, sizeof buf);
    CHECK(t_line(buf, "Threads:", val, sizeof val) && atoi(val) == 2, "status: Threads 2", "'%s'", val);
    snprintf(p, sizeof p, "/proc/%d/status", thread_tid);
    t_slurp(p, buf, sizeof buf);
    CHECK(t_line(buf, "Pid:", val, sizeof val) && atoi(val) == thread_tid, "/proc/TID reaches the thread", "'%s'", val);
    snprintf(p, sizeof p, "/proc/self/task/%d/comm", thread_tid);
    int cfd = open(p, O_WRONLY);
    long w = write(cfd, "renamed", 7);
    close(cfd);
    snprintf(p, sizeof p, "/proc/self/task/%d/comm", thread_tid);
    t_slurp(p, buf, sizeof buf);
    CHECK(w == 7 && strcmp(buf, "renamed\n") == 0, "writing task/TID/comm renames that thread", "%ld '%s'", w, buf);
    t_set(&stop, 1);
    pthread_join(th, NULL);
    snprintf(p, sizeof p, "/proc/self/task/%d", thread_tid);
    /* The joiner wakes at the tid clear, a moment before the thread is gone. */
    int gone = 0;
    for (int i = 0; i < 1000 && !gone; i++) {
        gone = FAILS(stat(p, &st), ENOENT);
        if (!gone)
            t_sleep_ms(2);
    }
    CHECK(gone, "a joined thread's task entry goes away (ENOENT)", "errno %d", errno);

    int seen_self = 0, only_digits = 1;
    d = opendir("/proc");
    while (d && (e = readdir(d))) {
        if (atoi(e->d_name) == getpid())
            seen_self = 1;
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && e->d_type != DT_DIR)
            only_digits = 0;
    }
    if (d)
        closedir(d);
    CHECK(seen_self && only_digits, "/proc lists our pid as a directory", "%d %d", seen_self, only_digits);

    /* Another user's process. */
    int pfd[2];
    pipe(pfd);
    pid_t other = fork();
    if (other == 0) {
        close(pfd[0]);
        setgid(1000);
        setuid(1000);
        write(pfd[1], prctl(PR_GET_DUMPABLE) == 0 ? "n" : "d", 1);
        prctl(PR_SET_DUMPABLE, 1);
        write(pfd[1], "x", 1);
        for (int i = 0; i < 300; i++)
            t_sleep_ms(100);
        _exit(0);
    }
    close(pfd[1]);
    char x = 0, dumpable = 0;
    read(pfd[0], &dumpable, 1);
    CHECK(dumpable == 'n', "setuid makes a process non-dumpable", "%c", dumpable);
    read(pfd[0], &x, 1);
    pid_t me = fork();
    if (me == 0) {
        setgid(2000);
        setuid(2000);
        char q[64];
        int r = 0;
        snprintf(q, sizeof q, "/proc/%d/environ", other);
        if (!FAILS(open(q, O_RDONLY), EACCES))
            r |= 1;
        snprintf(q, sizeof q, "/proc/%d/fd", other);
        if (!FAILS(open(q, O_RDONLY | O_DIRECTORY), EACCES))
            r |= 2;
        snprintf(q, sizeof q, "/proc/%d/cwd", other);
        char l[64];
        if (!FAILS(readlink(q, l, sizeof l), EACCES))
            r |= 4;
        snprintf(q, sizeof q, "/proc/%d/stat", other);
        if (t_slurp(q, buf, sizeof buf) <= 0)
            r |= 8;
        _exit(r);
    }
    int r = t_wait_exit(me);
    CHECK(r == 0, "another user's environ, fd/ and cwd are EACCES; stat is readable", "mask %d", r);
    snprintf(p, sizeof p, "/proc/%d/status", other);
    stat(p, &st);
    CHECK(st.st_uid == 1000 && st.st_gid == 1000, "a process's entries belong to its effective ids", "%d %d", st.st_uid,
          st.st_gid);
    snprintf(p, sizeof p, "/proc/%d/environ", other);
    CHECK(t_slurp(p, buf, sizeof buf) >= 0, "root reads anyone's environ", "-");
    t_kill_reap(other);
    CHECK_NO_CHILDREN();
    return t_done("procfs_pid");
}
