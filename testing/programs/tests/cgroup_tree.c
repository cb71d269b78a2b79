/* cgroup2 as Linux's cgroupfs shows it (Documentation/admin-guide/
 * cgroup-v2.rst): mounting it (CGROUP2_SUPER_MAGIC), the root's files and
 * mode, mkdir making a cgroup with its control files, their modes and
 * first contents, what a cgroup directory refuses (files, nodes, links,
 * renames), cgroup.procs/cgroup.threads moves and their errors, children
 * starting in their parent's cgroup, "populated" following the processes
 * (an exit clears it before the parent reaps), rmdir EBUSY while populated
 * or with children, cgroup.stat, cgroup.max.depth/max.descendants,
 * cgroup.type's threaded rules, the argument errors of cgroup.kill,
 * cgroup.freeze and cgroup.subtree_control, and reads at an offset. The
 * cgroup is NAME_PID under a cgroup2 mount on /tmp/cgroup_tree.d, in a
 * private mount namespace where the kernel has them. */
#define _GNU_SOURCE
#include <stdlib.h>
#include "../cgroup.h"

static int kids[16], nkids;

/* A child that sleeps until killed. */
static int sleeper(void) {
    int p = t_fork_sleeper();
    if (p > 0 && nkids < 16)
        kids[nkids++] = p;
    return p;
}

int main(void) {
    char buf[4096];
    struct stat st;
    struct statfs sf;
    int r, e;
    t_watchdog(60);
    if (cg_setup("cgroup_tree") != 0)
        return 1;

    CHECK(statfs(cg_mnt, &sf) == 0 && sf.f_type == CG_MAGIC, "cgroup2 mounts; statfs reports CGROUP2_SUPER_MAGIC", "type %#lx", (long)sf.f_type);
    CHECK(stat(cg_mnt, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0555, "the root cgroup's directory is mode 0555", "mode %o", st.st_mode);
    {
        const char *root_files[] = {"cgroup.controllers", "cgroup.max.depth", "cgroup.max.descendants", "cgroup.procs",
                                    "cgroup.stat", "cgroup.subtree_control", "cgroup.threads", "cpu.stat"};
        int ok = 1;
        for (unsigned i = 0; i < sizeof root_files / sizeof *root_files; i++) {
            snprintf(buf, sizeof buf, "%s/%s", cg_mnt, root_files[i]);
            ok &= stat(buf, &st) == 0 && S_ISREG(st.st_mode);
        }
        CHECK(ok, "the root has cgroup.controllers, procs, subtree_control, stat, threads, max.* and cpu.stat", "missing one");
        const char *not_root[] = {"cgroup.type", "cgroup.events", "cgroup.freeze", "cgroup.kill"};
        ok = 1;
        for (unsigned i = 0; i < 4; i++) {
            snprintf(buf, sizeof buf, "%s/%s", cg_mnt, not_root[i]);
            ok &= FAILS(stat(buf, &st), ENOENT);
        }
        CHECK(ok, "the root has no cgroup.type, cgroup.events, cgroup.freeze or cgroup.kill", "one exists");
    }

    CHECK(stat(cg_dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755 && st.st_nlink == 2 && st.st_uid == 0,
          "mkdir makes a cgroup: a directory with the asked mode, two links, the creator's", "mode %o nlink %ld uid %d", st.st_mode, (long)st.st_nlink, st.st_uid);
    {
        const char *files[] = {"cgroup.controllers", "cgroup.events", "cgroup.freeze", "cgroup.kill", "cgroup.max.depth",
                               "cgroup.max.descendants", "cgroup.procs", "cgroup.stat", "cgroup.subtree_control",
                               "cgroup.threads", "cgroup.type", "cpu.stat"};
        int ok = 1;
        for (unsigned i = 0; i < sizeof files / sizeof *files; i++)
            ok &= stat(cg_path(0, files[i]), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 && st.st_nlink == 1;
        CHECK(ok, "the new cgroup has the core control files (size 0, one link)", "missing one");
    }
    {
        struct stat a, b, c, d;
        int ok = stat(cg_path(0, "cgroup.procs"), &a) == 0 && stat(cg_path(1, "cgroup.controllers"), &b) == 0 &&
                 stat(cg_path(2, "cgroup.kill"), &c) == 0 && stat(cg_path(3, "cgroup.events"), &d) == 0;
        CHECK(ok && (a.st_mode & 0777) == 0644 && (b.st_mode & 0777) == 0444 && (c.st_mode & 0777) == 0200 && (d.st_mode & 0777) == 0444,
              "modes: cgroup.procs 0644, cgroup.controllers 0444, cgroup.kill 0200, cgroup.events 0444", "%o %o %o %o",
              a.st_mode & 0777, b.st_mode & 0777, c.st_mode & 0777, d.st_mode & 0777);
    }
    CHECK(cg_is(cg_path(0, "cgroup.events"), "populated 0\nfrozen 0\n"), "cgroup.events starts as populated 0, frozen 0", "other");
    CHECK(cg_is(cg_path(0, "cgroup.type"), "domain\n") && cg_is(cg_path(1, "cgroup.max.depth"), "max\n") &&
              cg_is(cg_path(2, "cgroup.max.descendants"), "max\n") && cg_is(cg_path(3, "cgroup.freeze"), "0\n") &&
              cg_is(cg_path(4, "cgroup.procs"), "") && cg_is(cg_path(5, "cgroup.subtree_control"), ""),
          "first contents: type domain, max.depth and max.descendants max, freeze 0, no processes, no controllers", "other");
    r = cg_read(cg_path(0, "cgroup.stat"), buf, sizeof buf);
    CHECK(r > 0 && strncmp(buf, "nr_descendants 0\n", 17) == 0 && strstr(buf, "\nnr_dying_descendants 0\n"),
          "cgroup.stat: nr_descendants 0 first, nr_dying_descendants 0", "%s", buf);
    r = cg_read(cg_path(0, "cpu.stat"), buf, sizeof buf);
    CHECK(r > 0 && strncmp(buf, "usage_usec ", 11) == 0 && strstr(buf, "\nuser_usec ") && strstr(buf, "\nsystem_usec "),
          "cpu.stat starts with usage_usec, user_usec, system_usec", "%s", buf);
    {
        int fd = open(cg_path(0, "cgroup.events"), O_RDONLY);
        r = pread(fd, buf, 6, 3);
        buf[r > 0 ? r : 0] = 0;
        close(fd);
        CHECK(r == 6 && strcmp(buf, "ulated") == 0, "a control file reads at an offset", "%d '%s'", r, buf);
    }

    CHECK(FAILS(mkdir(cg_dir, 0755), EEXIST) && FAILS(mkdir(cg_path(0, "cgroup.procs"), 0755), EEXIST),
          "mkdir of an existing cgroup or of a control file's name: EEXIST", "errno %d", errno);
    CHECK(FAILS(open(cg_path(0, "newfile"), O_CREAT | O_WRONLY, 0644), EACCES), "creating a file in a cgroup: EACCES", "errno %d", errno);
    CHECK(FAILS(mknod(cg_path(0, "fifo"), S_IFIFO | 0644, 0), EPERM) && FAILS(symlink("x", cg_path(1, "link")), EPERM),
          "mknod and symlink in a cgroup: EPERM", "errno %d", errno);
    CHECK(FAILS(unlink(cg_path(0, "cgroup.procs")), EPERM) && FAILS(rmdir(cg_path(1, "cgroup.procs")), ENOTDIR),
          "unlink of a control file: EPERM; rmdir of one: ENOTDIR", "errno %d", errno);
    mkdir(cg_path(0, "ren"), 0755);
    CHECK(FAILS(rename(cg_path(0, "ren"), cg_path(1, "ren2")), EPERM), "rename of a cgroup: EPERM", "errno %d", errno);
    rmdir(cg_path(0, "ren"));

    CHECK(cg_write(cg_path(0, "cgroup.procs"), "abc") == -EINVAL && cg_write(cg_path(1, "cgroup.procs"), "-5") == -EINVAL,
          "cgroup.procs: a non-number or a negative pid is EINVAL", "other");
    CHECK(cg_write(cg_path(0, "cgroup.procs"), "2147483647") == -ESRCH, "cgroup.procs: no such process is ESRCH", "other");
    {
        int fd = open(cg_path(0, "cgroup.procs"), O_WRONLY);
        r = write(fd, "", 0);
        close(fd);
        CHECK(r == 0, "an empty write to cgroup.procs does nothing", "%d", r);
    }
    CHECK(cg_write(cg_path(0, "cgroup.controllers"), "x") == -EINVAL, "writing a read-only file (opened by root) is EINVAL", "other");

    int a = sleeper();
    r = cg_write_pid(cg_path(0, "cgroup.procs"), a);
    snprintf(buf, sizeof buf, "%d\n", a);
    CHECK(r == 0 && cg_is(cg_path(1, "cgroup.procs"), buf) && cg_is(cg_path(2, "cgroup.threads"), buf),
          "writing a pid to cgroup.procs moves it: cgroup.procs and cgroup.threads list it", "r %d", r);
    CHECK(cg_is(cg_path(0, "cgroup.events"), "populated 1\nfrozen 0\n"), "a cgroup with a process is populated", "other");
    CHECK(FAILS(rmdir(cg_dir), EBUSY), "rmdir of a populated cgroup: EBUSY", "errno %d", errno);

    mkdir(cg_path(0, "sub"), 0755);
    r = cg_write_pid(cg_path(0, "sub/cgroup.procs"), a);
    CHECK(r == 0 && cg_is(cg_path(1, "cgroup.procs"), "") && cg_is(cg_path(2, "cgroup.events"), "populated 1\nfrozen 0\n") &&
              cg_is(cg_path(3, "sub/cgroup.events"), "populated 1\nfrozen 0\n"),
          "moved into a child cgroup: the parent lists none but stays populated", "r %d", r);
    CHECK(stat(cg_dir, &st) == 0 && st.st_nlink == 3, "a cgroup with one child cgroup has three links", "nlink %ld", (long)st.st_nlink);
    r = cg_read(cg_path(0, "cgroup.stat"), buf, sizeof buf);
    CHECK(r > 0 && strncmp(buf, "nr_descendants 1\n", 17) == 0, "cgroup.stat counts the descendant", "%s", buf);

    /* A process in the cgroup forks: the child starts there too. */
    {
        int pipefd[2];
        if (pipe(pipefd) != 0)
            return 1;
        int b = fork();
        if (b == 0) {
            char p[16];
            snprintf(p, sizeof p, "%d", getpid());
            if (cg_write(cg_path(0, "sub/cgroup.procs"), "0") != 0)
                _exit(2);
            int g = fork();
            if (g == 0) {
                for (int i = 0; i < 300; i++)
                    t_sleep_ms(100);
                _exit(0);
            }
            if (write(pipefd[1], &g, sizeof g) != sizeof g)
                _exit(3);
            for (int i = 0; i < 300; i++)
                t_sleep_ms(100);
            _exit(0);
        }
        int g = 0;
        r = read(pipefd[0], &g, sizeof g);
        close(pipefd[0]);
        close(pipefd[1]);
        kids[nkids++] = b;
        int l[3] = {a, b, g};
        for (int i = 0; i < 3; i++)
            for (int j = i + 1; j < 3; j++)
                if (l[j] < l[i]) {
                    int t = l[i];
                    l[i] = l[j];
                    l[j] = t;
                }
        char want[64];
        snprintf(want, sizeof want, "%d\n%d\n%d\n", l[0], l[1], l[2]);
        CHECK(r == sizeof g && cg_is(cg_path(0, "sub/cgroup.procs"), want),
              "writing 0 moves the writer; a process forked there starts in the same cgroup", "r %d", r);
        /* Kill the forker: its child (reparented) stays in the cgroup. */
        kill(b, SIGKILL);
        waitpid(b, NULL, 0);
        nkids--;
        snprintf(want, sizeof want, "%d\n%d\n", a < g ? a : g, a < g ? g : a);
        CHECK(cg_await(cg_path(0, "sub/cgroup.procs"), want), "an exited process leaves cgroup.procs", "other");
        kill(g, SIGKILL);
    }

    CHECK(FAILS(rmdir(cg_dir), EBUSY), "rmdir of a cgroup with a child cgroup: EBUSY", "errno %d", errno);

    /* /proc/PID/cgroup names the cgroup from the hierarchy's root. */
    if (access("/proc/self/cgroup", R_OK) != 0) {
        mkdir("/proc", 0555);
        syscall(SYS_mount, "proc", "/proc", "proc", 0, NULL);
    }
    /* mountinfo: the hierarchy's options are the last mount's. */
    {
        char mi[65536], want1[256], want2[256], d2[80];
        snprintf(d2, sizeof d2, "%s2", cg_mnt);
        mkdir(d2, 0755);
        r = syscall(SYS_mount, "none", d2, "cgroup2", 0, "nsdelegate,memory_recursiveprot");
        int fd = open("/proc/self/mountinfo", O_RDONLY);
        int n = 0, k;
        while (fd >= 0 && n < (int)sizeof mi - 1 && (k = read(fd, mi + n, sizeof mi - 1 - n)) > 0)
            n += k;
        mi[n > 0 ? n : 0] = 0;
        close(fd);
        snprintf(want1, sizeof want1, " %s rw,relatime - cgroup2 none rw,nsdelegate,memory_recursiveprot\n", cg_mnt);
        snprintf(want2, sizeof want2, " %s rw,relatime - cgroup2 none rw,nsdelegate,memory_recursiveprot\n", d2);
        CHECK(r == 0 && strstr(mi, want1) && strstr(mi, want2), "mountinfo shows cgroup2's options, the hierarchy's, on every mount of it", "r %d", r);
        CHECK(FAILS(syscall(SYS_mount, "none", d2, "cgroup2", 0, "bogus"), EINVAL), "an unknown cgroup2 option: EINVAL", "errno %d", errno);
        umount2(d2, MNT_DETACH);
        rmdir(d2);
        syscall(SYS_mount, NULL, cg_mnt, NULL, MS_REMOUNT, "");
    }

    {
        int c = fork();
        if (c == 0) {
            char want[256];
            if (cg_write(cg_path(0, "sub/cgroup.procs"), "0") != 0)
                _exit(2);
            /* The v2 line (a host with v1 hierarchies lists those first). */
            snprintf(want, sizeof want, "0::%s/sub\n", cg_dir + strlen(cg_mnt));
            char all[4096];
            int n = cg_read("/proc/self/cgroup", all, sizeof all);
            char *line = n > 0 ? (strncmp(all, "0::", 3) == 0 ? all : strstr(all, "\n0::")) : NULL;
            if (line && *line == '\n')
                line++;
            _exit(line && strcmp(line, want) == 0 ? 0 : 3);
        }
        e = t_wait_exit(c);
        CHECK(e == 0, "/proc/self/cgroup reads 0::/path of the process's cgroup", "exit %d", e);
    }

    /* max.depth and max.descendants. */
    CHECK(cg_write(cg_path(0, "cgroup.max.depth"), "abc") == -EINVAL && cg_write(cg_path(1, "cgroup.max.depth"), "-1") == -ERANGE,
          "cgroup.max.depth: a non-number is EINVAL, a negative one ERANGE", "other");
    cg_write(cg_path(0, "sub/cgroup.max.depth"), "0");
    CHECK(cg_is(cg_path(0, "sub/cgroup.max.depth"), "0\n") && FAILS(mkdir(cg_path(1, "sub/deeper"), 0755), EAGAIN),
          "cgroup.max.depth 0: mkdir below is EAGAIN", "errno %d", errno);
    cg_write(cg_path(0, "cgroup.max.depth"), "1");
    cg_write(cg_path(1, "sub/cgroup.max.depth"), "max");
    CHECK(FAILS(mkdir(cg_path(1, "sub/deeper"), 0755), EAGAIN), "an ancestor's cgroup.max.depth limits the depth below it", "errno %d", errno);
    cg_write(cg_path(0, "cgroup.max.depth"), "max");
    cg_write(cg_path(0, "cgroup.max.descendants"), "1");
    CHECK(FAILS(mkdir(cg_path(1, "other"), 0755), EAGAIN) && cg_is(cg_path(2, "cgroup.max.descendants"), "1\n"),
          "cgroup.max.descendants 1 with one descendant: mkdir is EAGAIN", "errno %d", errno);
    cg_write(cg_path(0, "cgroup.max.descendants"), "max");

    /* An exit clears populated before the parent reaps. */
    {
        mkdir(cg_path(0, "exit"), 0755);
        int c = fork();
        if (c == 0) {
            if (cg_write(cg_path(0, "exit/cgroup.procs"), "0") != 0)
                _exit(2);
            t_sleep_ms(100);
            _exit(0);
        }
        int pop = cg_await(cg_path(0, "exit/cgroup.events"), "populated 1\nfrozen 0\n");
        int gone = cg_await(cg_path(1, "exit/cgroup.events"), "populated 0\nfrozen 0\n");
        siginfo_t si;
        memset(&si, 0, sizeof si);
        int zombie = waitid(P_PID, c, &si, WEXITED | WNOWAIT | WNOHANG) == 0 && si.si_pid == c;
        CHECK(pop && gone && zombie, "a process that exits leaves its cgroup unpopulated while still a zombie", "%d %d %d", pop, gone, zombie);
        e = t_wait_exit(c);
        CHECK(e == 0 && rmdir(cg_path(0, "exit")) == 0, "the empty cgroup is removed", "exit %d errno %d", e, errno);
    }

    /* Delegation: moving needs write access to the destination's
     * cgroup.procs and to the common ancestor's. */
    {
        mkdir(cg_path(0, "d1"), 0755);
        mkdir(cg_path(0, "d2"), 0755);
        int ok = chown(cg_path(0, "d1/cgroup.procs"), 1000, 1000) == 0 && chown(cg_path(1, "d2/cgroup.procs"), 1000, 1000) == 0;
        int pipefd[2], res[2];
        if (pipe(pipefd) != 0 || pipe(res) != 0)
            return 1;
        int u = fork();
        if (u == 0) {
            char c;
            if (setgid(1000) != 0 || setuid(1000) != 0 || read(pipefd[0], &c, 1) != 1)
                _exit(2);
            int out[3];
            out[0] = cg_write(cg_path(0, "d2/cgroup.procs"), "0");
            out[1] = cg_write(cg_path(0, "cgroup.procs"), "0");
            if (write(res[1], out, 2 * sizeof(int)) != 2 * sizeof(int) || read(pipefd[0], &c, 1) != 1)
                _exit(3);
            out[2] = cg_write(cg_path(0, "d2/cgroup.procs"), "0");
            if (write(res[1], out + 2, sizeof(int)) != sizeof(int) || read(pipefd[0], &c, 1) != 1)
                _exit(4);
            _exit(0);
        }
        cg_write_pid(cg_path(0, "d1/cgroup.procs"), u);
        int out[3] = {1, 1, 1};
        r = write(pipefd[1], "g", 1) == 1 && read(res[0], out, 2 * sizeof(int)) == 2 * sizeof(int);
        CHECK(ok && r && out[0] == -EACCES, "a user owning both cgroup.procs files but not their common ancestor's cannot move: EACCES", "%d %d", r, out[0]);
        CHECK(out[1] == -EACCES, "nor into a cgroup whose cgroup.procs it cannot write: EACCES", "%d", out[1]);
        chown(cg_path(0, "cgroup.procs"), 1000, 1000);
        r = write(pipefd[1], "g", 1) == 1 && read(res[0], out + 2, sizeof(int)) == sizeof(int);
        snprintf(buf, sizeof buf, "%d\n", u);
        CHECK(r && out[2] == 0 && cg_is(cg_path(0, "d2/cgroup.procs"), buf), "once it owns the common ancestor's cgroup.procs it can", "%d %d", r, out[2]);
        if (write(pipefd[1], "g", 1) != 1)
            return 1;
        e = t_wait_exit(u);
        chown(cg_path(0, "cgroup.procs"), 0, 0);
        close(pipefd[0]);
        close(pipefd[1]);
        close(res[0]);
        close(res[1]);
        cg_await(cg_path(0, "d2/cgroup.events"), "populated 0\nfrozen 0\n");
        rmdir(cg_path(0, "d1"));
        rmdir(cg_path(0, "d2"));
    }

    /* cgroup.type */
    mkdir(cg_path(0, "th"), 0755);
    CHECK(cg_write(cg_path(0, "th/cgroup.type"), "domain") == -EINVAL, "cgroup.type: writing domain is EINVAL", "other");
    CHECK(cg_write(cg_path(0, "th/cgroup.type"), "threaded") == -EOPNOTSUPP,
          "cgroup.type threaded while a domain sibling is populated: EOPNOTSUPP", "other");
    cg_write_pid(cg_path(0, "cgroup.procs"), a);
    cg_await(cg_path(1, "sub/cgroup.events"), "populated 0\nfrozen 0\n");
    mkdir(cg_path(0, "th/below"), 0755);
    r = cg_write(cg_path(0, "th/cgroup.type"), "threaded");
    CHECK(r == 0 && cg_is(cg_path(1, "th/cgroup.type"), "threaded\n") && cg_is(cg_path(2, "cgroup.type"), "domain threaded\n") &&
              cg_is(cg_path(3, "th/below/cgroup.type"), "domain invalid\n"),
          "threaded: the cgroup reads threaded, its parent domain threaded, its child domain invalid", "r %d", r);
    CHECK(cg_write_pid(cg_path(0, "th/below/cgroup.procs"), a) == -EOPNOTSUPP, "no process can enter a domain invalid cgroup: EOPNOTSUPP", "other");
    r = cg_write(cg_path(0, "th/below/cgroup.type"), "threaded");
    CHECK(r == 0 && cg_write_pid(cg_path(1, "th/below/cgroup.procs"), a) == 0, "once threaded it takes a process", "r %d", r);
    snprintf(buf, sizeof buf, "%d\n", a);
    r = cg_read(cg_path(0, "th/below/cgroup.procs"), buf + 100, sizeof buf - 100);
    CHECK(r == -EOPNOTSUPP && cg_is(cg_path(1, "th/below/cgroup.threads"), buf) && cg_is(cg_path(2, "cgroup.procs"), buf),
          "a threaded cgroup's cgroup.procs is EOPNOTSUPP; its threads list it; the thread root's procs list it", "r %d", r);
    cg_write_pid(cg_path(0, "cgroup.procs"), a);

    /* Argument errors. */
    CHECK(cg_write(cg_path(0, "cgroup.kill"), "2") == -ERANGE && cg_write(cg_path(1, "cgroup.kill"), "0") == -ERANGE,
          "cgroup.kill takes only 1: other numbers are ERANGE", "other");
    CHECK(cg_write(cg_path(0, "cgroup.freeze"), "2") == -ERANGE && cg_write(cg_path(1, "cgroup.freeze"), "x") == -EINVAL,
          "cgroup.freeze: 2 is ERANGE, a non-number EINVAL", "other");
    CHECK(cg_write(cg_path(0, "cgroup.subtree_control"), "+foo") == -EINVAL && cg_write(cg_path(1, "cgroup.subtree_control"), "foo") == -EINVAL,
          "cgroup.subtree_control: an unknown controller or a missing +/- is EINVAL", "other");
    CHECK(cg_write(cg_path(0, "cgroup.subtree_control"), "-cpu") == 0 && cg_write(cg_path(1, "cgroup.subtree_control"), "") == 0,
          "cgroup.subtree_control: disabling what is not enabled, or nothing, succeeds", "other");

    /* Clean up: move the sleeper back out, remove the cgroups. */
    for (int i = 0; i < nkids; i++)
        kill(kids[i], SIGKILL);
    for (int i = 0; i < nkids; i++)
        waitpid(kids[i], NULL, 0);
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    CHECK(cg_await(cg_path(0, "cgroup.events"), "populated 0\nfrozen 0\n"), "killed processes leave the tree unpopulated", "other");
    r = rmdir(cg_path(0, "th/below"));
    r |= rmdir(cg_path(1, "th"));
    r |= rmdir(cg_path(2, "sub"));
    r |= rmdir(cg_dir);
    CHECK(r == 0 && FAILS(stat(cg_dir, &st), ENOENT), "rmdir removes empty cgroups, children first", "r %d errno %d", r, errno);
    cg_teardown();
    return t_done("cgroup_tree");
}
