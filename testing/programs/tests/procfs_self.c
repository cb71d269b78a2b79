/* /proc/self and its files about the calling process: the self and
 * thread-self links, stat, status, statm, cmdline, environ, comm, limits,
 * oom_score_adj, the exe/cwd/root magic links, maps, the id maps, and
 * PROC_SUPER_MAGIC from statfs. Compared as properties (never pids). */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include "../t.h"
#include "../procfs.h"

extern char **environ;
static char buf[65536], val[256];

int main(int argc, char **argv) {
    char path[256], link[512];
    long r;
    t_proc_mount();
    int pid = getpid();

    struct statfs sf;
    r = statfs("/proc", &sf);
    CHECK(r == 0 && sf.f_type == 0x9fa0, "statfs of /proc is PROC_SUPER_MAGIC", "%ld %#lx", r, (long)sf.f_type);

    r = readlink("/proc/self", link, sizeof link - 1);
    link[r > 0 ? r : 0] = 0;
    CHECK(r > 0 && atoi(link) == pid, "/proc/self names the caller's pid", "%ld '%s'", r, link);
    snprintf(path, sizeof path, "%d/task/%ld", pid, (long)syscall(SYS_gettid));
    r = readlink("/proc/thread-self", link, sizeof link - 1);
    link[r > 0 ? r : 0] = 0;
    CHECK(r > 0 && strcmp(link, path) == 0, "/proc/thread-self names pid/task/tid", "'%s'", link);
    struct stat a, b;
    stat("/proc/self", &a);
    snprintf(path, sizeof path, "/proc/%d", pid);
    stat(path, &b);
    CHECK(a.st_ino == b.st_ino && S_ISDIR(a.st_mode) && (a.st_mode & 0777) == 0555,
          "/proc/self leads to /proc/PID, a 0555 directory", "mode %o", a.st_mode);
    lstat("/proc/self", &a);
    CHECK(S_ISLNK(a.st_mode) && (a.st_mode & 0777) == 0777, "/proc/self is a symlink", "mode %o", a.st_mode);

    r = t_slurp("/proc/self/stat", buf, sizeof buf);
    CHECK(r > 0 && atoi(buf) == pid && strstr(buf, "(procfs_self") != NULL, "stat starts with pid and (comm)",
          "%.60s", buf);
    CHECK(t_stat_field(buf, 3) == 'R', "stat: the reader is running (R)", "%c", (char)t_stat_field(buf, 3));
    CHECK(t_stat_field(buf, 4) == getppid() && t_stat_field(buf, 5) == getpgrp() && t_stat_field(buf, 6) == getsid(0),
          "stat: ppid, pgrp and session", "%ld %ld %ld", t_stat_field(buf, 4), t_stat_field(buf, 5),
          t_stat_field(buf, 6));
    CHECK(t_stat_field(buf, 20) == 1, "stat: one thread", "%ld", t_stat_field(buf, 20));
    CHECK(t_stat_field(buf, 23) > 4096 && t_stat_field(buf, 24) >= 0, "stat: vsize is positive, rss a count", "%ld %ld",
          t_stat_field(buf, 23), t_stat_field(buf, 24));
    CHECK(t_stat_field(buf, 52) >= 0 && t_stat_field(buf, 38) == SIGCHLD, "stat: 52 fields, exit_signal SIGCHLD",
          "%ld %ld", t_stat_field(buf, 52), t_stat_field(buf, 38));
    long start = t_stat_field(buf, 22);
    double up = 0;
    char ubuf[128];
    if (t_slurp("/proc/uptime", ubuf, sizeof ubuf) > 0)
        up = atof(ubuf);
    CHECK(start >= 0 && start <= (long)(up * 100) + 100, "stat: start time is within the uptime", "%ld %f", start, up);

    r = t_slurp("/proc/self/status", buf, sizeof buf);
    CHECK(r > 0 && strncmp(buf, "Name:\tprocfs_self", 17) == 0, "status starts with Name", "%.40s", buf);
    CHECK(t_line(buf, "State:", val, sizeof val) && strcmp(val, "R (running)") == 0, "status: State R (running)",
          "'%s'", val);
    CHECK(t_line(buf, "Tgid:", val, sizeof val) && atoi(val) == pid && t_line(buf, "Pid:", val, sizeof val) &&
              atoi(val) == pid && t_line(buf, "PPid:", val, sizeof val) && atoi(val) == getppid(),
          "status: Tgid, Pid, PPid", "'%s'", val);
    snprintf(path, sizeof path, "%d\t%d\t%d\t%d", getuid(), geteuid(), geteuid(), geteuid());
    CHECK(t_line(buf, "Uid:", val, sizeof val) && strcmp(val, path) == 0, "status: Uid line (real, eff, saved, fs)",
          "'%s'", val);
    CHECK(t_line(buf, "Threads:", val, sizeof val) && atoi(val) == 1, "status: Threads 1", "'%s'", val);
    CHECK(t_line(buf, "CapEff:", val, sizeof val) && strlen(val) == 16, "status: CapEff is 16 hex digits", "'%s'",
          val);
    CHECK(t_line(buf, "NoNewPrivs:", val, sizeof val) && strcmp(val, "0") == 0, "status: NoNewPrivs 0", "'%s'", val);
    CHECK(t_line(buf, "Seccomp:", val, sizeof val) && strcmp(val, "0") == 0, "status: Seccomp 0", "'%s'", val);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGUSR2, SIG_IGN);
    t_slurp("/proc/self/status", buf, sizeof buf);
    unsigned long blk = 0, ign = 0;
    if (t_line(buf, "SigBlk:", val, sizeof val))
        blk = strtoul(val, NULL, 16);
    if (t_line(buf, "SigIgn:", val, sizeof val))
        ign = strtoul(val, NULL, 16);
    CHECK((blk & ((1UL << (SIGUSR1 - 1)) | (1UL << (SIGTERM - 1)))) == ((1UL << (SIGUSR1 - 1)) | (1UL << (SIGTERM - 1))) &&
              (ign & (1UL << (SIGUSR2 - 1))),
          "status: SigBlk and SigIgn show the mask and ignored signals", "%lx %lx", blk, ign);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    signal(SIGUSR2, SIG_DFL);

    long pages = 0, res = 0;
    t_slurp("/proc/self/statm", buf, sizeof buf);
    CHECK(sscanf(buf, "%ld %ld", &pages, &res) == 2 && pages > 0 && res >= 0 && res <= pages,
          "statm: size and resident pages", "'%s'", buf);

    r = t_slurp("/proc/self/cmdline", buf, sizeof buf);
    long want = 0;
    for (int i = 0; i < argc; i++)
        want += strlen(argv[i]) + 1;
    CHECK(r == want && strcmp(buf, argv[0]) == 0, "cmdline is argv, NUL-separated", "%ld %ld", r, want);
    r = t_slurp("/proc/self/environ", buf, sizeof buf);
    CHECK(r >= 0 && (environ[0] == NULL || memcmp(buf, environ[0], strlen(environ[0])) == 0),
          "environ holds the initial environment", "%ld", r);
    stat("/proc/self/environ", &a);
    CHECK((a.st_mode & 0777) == 0400 && a.st_uid == geteuid(), "environ is 0400, owned by the process", "%o %d",
          a.st_mode, a.st_uid);

    t_slurp("/proc/self/comm", buf, sizeof buf);
    CHECK(strcmp(buf, "procfs_self\n") == 0 || strcmp(buf, "procfs_self.mus\n") == 0, "comm is the name and a newline",
          "'%s'", buf);
    prctl(PR_SET_NAME, "renamed");
    t_slurp("/proc/self/comm", buf, sizeof buf);
    CHECK(strcmp(buf, "renamed\n") == 0, "comm follows PR_SET_NAME", "'%s'", buf);
    int fd = open("/proc/self/comm", O_WRONLY);
    r = write(fd, "fromfile", 8);
    close(fd);
    char nm[17] = {0};
    prctl(PR_GET_NAME, nm);
    CHECK(r == 8 && strcmp(nm, "fromfile") == 0, "writing comm renames the thread", "%ld '%s'", r, nm);
    fd = open("/proc/self/comm", O_WRONLY);
    r = write(fd, "a-name-longer-than-fifteen", 26);
    close(fd);
    prctl(PR_GET_NAME, nm);
    CHECK(r == 26 && strcmp(nm, "a-name-longer-t") == 0, "a long comm is cut to 15 bytes", "%ld '%s'", r, nm);

    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    t_slurp("/proc/self/limits", buf, sizeof buf);
    snprintf(path, sizeof path, "%-20lu %-20lu files", (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
    CHECK(strncmp(buf, "Limit                     Soft Limit           Hard Limit           Units", 72) == 0 &&
              t_line(buf, "Max open files", val, sizeof val) && strncmp(val, path, strlen(path)) == 0,
          "limits: header and Max open files", "'%s' vs '%s'", val, path);

    t_slurp("/proc/self/oom_score_adj", buf, sizeof buf);
    int adj0 = atoi(buf);
    fd = open("/proc/self/oom_score_adj", O_WRONLY);
    r = write(fd, "250\n", 4);
    t_slurp("/proc/self/oom_score_adj", buf, sizeof buf);
    CHECK(r == 4 && strcmp(buf, "250\n") == 0, "oom_score_adj takes a new value", "%ld '%s'", r, buf);
    CHECK(FAILS(write(fd, "1001", 4), EINVAL) && FAILS(write(fd, "abc", 3), EINVAL),
          "oom_score_adj: out of range or not a number is EINVAL", "errno %d", errno);
    snprintf(path, sizeof path, "%d", adj0);
    write(fd, path, strlen(path));
    close(fd);

    char cwd[256];
    getcwd(cwd, sizeof cwd);
    r = readlink("/proc/self/cwd", link, sizeof link - 1);
    link[r > 0 ? r : 0] = 0;
    CHECK(r > 0 && strcmp(link, cwd) == 0, "cwd link shows getcwd()", "'%s' '%s'", link, cwd);
    r = readlink("/proc/self/root", link, sizeof link - 1);
    link[r > 0 ? r : 0] = 0;
    CHECK(r == 1 && link[0] == '/', "root link shows /", "'%s'", link);
    r = readlink("/proc/self/exe", link, sizeof link - 1);
    link[r > 0 ? r : 0] = 0;
    stat(argv[0], &a);
    CHECK(r > 0 && link[0] == '/' && stat(link, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev,
          "exe link shows the program's absolute path", "'%s'", link);
    CHECK(stat("/proc/self/exe", &b) == 0 && a.st_ino == b.st_ino, "stat through exe reaches the program", "%ld",
          (long)b.st_ino);
    mkdir("/tmp/procfs_self.d", 0755);
    chdir("/tmp/procfs_self.d");
    CHECK(stat("/proc/self/cwd/.", &b) == 0 && stat("/tmp/procfs_self.d", &a) == 0 && a.st_ino == b.st_ino,
          "a path through the cwd link reaches the directory", "-");
    chdir("/");
    rmdir("/tmp/procfs_self.d");

    t_slurp("/proc/self/maps", buf, sizeof buf);
    CHECK(strstr(buf, "[stack]") != NULL && strstr(buf, " r-xp ") != NULL, "maps shows the stack and code", "%.80s", buf);
    unsigned long lo, hi;
    char perms[8];
    CHECK(sscanf(buf, "%lx-%lx %4s", &lo, &hi, perms) == 3 && lo < hi, "maps lines start with a range and permissions",
          "%.40s", buf);
    t_slurp("/proc/self/uid_map", buf, sizeof buf);
    CHECK(strcmp(buf, "         0          0 4294967295\n") == 0, "uid_map is the identity map", "'%s'", buf);
    t_slurp("/proc/self/loginuid", buf, sizeof buf);
    CHECK(strtoul(buf, NULL, 10) > 0 || buf[0] == '0', "loginuid reads a number", "'%s'", buf);
    return t_done("procfs_self");
}
