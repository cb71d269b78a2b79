/* /proc/PID/ns and the UTS sysctls: ns/mnt and ns/uts read "kind:[ino]"
 * and stat to that inode number; a child shares them until it unshares
 * its UTS namespace; opening ns/uts gives a file setns(2) takes;
 * /proc/sys/kernel/hostname writes the writer's UTS namespace (up to the
 * newline) and other processes in it see the name. The children work in
 * their own UTS namespaces, so the host's name never changes. */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/utsname.h>
#include "../t.h"
#include "../procfs.h"

static char buf[256];

static unsigned long ns_ino(const char *link) {
    char t[64];
    long r = readlink(link, t, sizeof t - 1);
    if (r <= 0)
        return 0;
    t[r] = 0;
    char *b = strchr(t, '[');
    return b ? strtoul(b + 1, NULL, 10) : 0;
}

static int child_uts(void) {
    struct stat a, b;
    unsigned long before = ns_ino("/proc/self/ns/uts");
    STEP(1, unshare(CLONE_NEWUTS) == 0);
    unsigned long after = ns_ino("/proc/self/ns/uts");
    STEP(2, after != before && after != 0);
    STEP(3, stat("/proc/self/ns/uts", &a) == 0 && a.st_ino == after);
    int fd = open("/proc/self/ns/uts", O_RDONLY);
    STEP(4, fd >= 0);
    int w = open("/proc/sys/kernel/hostname", O_WRONLY);
    STEP(5, write(w, "procfs-ns-test\nignored", 22) == 22);
    close(w);
    struct utsname u;
    uname(&u);
    STEP(6, strcmp(u.nodename, "procfs-ns-test") == 0);
    STEP(7, t_slurp("/proc/sys/kernel/hostname", buf, sizeof buf) > 0 && strcmp(buf, "procfs-ns-test\n") == 0);
    pid_t g = fork();
    if (g == 0) {
        /* A grandchild in a UTS namespace of its own goes back through
         * the saved file. */
        unshare(CLONE_NEWUTS);
        sethostname("elsewhere", 9);
        if (setns(fd, CLONE_NEWUTS) != 0)
            _exit(1);
        uname(&u);
        _exit(strcmp(u.nodename, "procfs-ns-test") == 0 && stat("/proc/self/ns/uts", &b) == 0 && b.st_ino == after ? 0 : 2);
    }
    STEP(8, t_wait_exit(g) == 0);
    return 0;
}

int main(void) {
    struct stat a;
    t_proc_mount();
    unsigned long mnt = ns_ino("/proc/self/ns/mnt");
    long r = readlink("/proc/self/ns/mnt", buf, sizeof buf - 1);
    buf[r > 0 ? r : 0] = 0;
    CHECK(strncmp(buf, "mnt:[", 5) == 0 && mnt != 0, "ns/mnt reads mnt:[ino]", "'%s'", buf);
    CHECK(stat("/proc/self/ns/mnt", &a) == 0 && a.st_ino == mnt, "stat through ns/mnt gives that inode number", "%lu %lu",
          (unsigned long)a.st_ino, mnt);
    r = readlink("/proc/self/ns/uts", buf, sizeof buf - 1);
    buf[r > 0 ? r : 0] = 0;
    CHECK(strncmp(buf, "uts:[", 5) == 0, "ns/uts reads uts:[ino]", "'%s'", buf);
    lstat("/proc/self/ns/uts", &a);
    CHECK(S_ISLNK(a.st_mode) && (a.st_mode & 0777) == 0777, "ns entries are links", "%o", a.st_mode);
    lstat("/proc/self/ns", &a);
    CHECK((a.st_mode & 0777) == 0511, "ns/ is mode 0511", "%o", a.st_mode);
    pid_t c = fork();
    if (c == 0) {
        char p[64];
        snprintf(p, sizeof p, "/proc/%d/ns/mnt", getppid());
        _exit(ns_ino("/proc/self/ns/mnt") == ns_ino(p) && ns_ino(p) != 0 ? 0 : 1);
    }
    CHECK(t_wait_exit(c) == 0, "a child shares its parent's namespaces", "-");
    CHECK_CHILD(child_uts, "unshare, ns/uts, setns through it, hostname sysctl");
    int fd = open("/proc/self/ns/mnt", O_RDONLY);
    CHECK(fd >= 0 && fstat(fd, &a) == 0 && a.st_ino == mnt && S_ISREG(a.st_mode),
          "open(ns/mnt) gives a file with the namespace's inode number", "%d", fd);
    close(fd);
    struct utsname u;
    uname(&u);
    t_slurp("/proc/sys/kernel/hostname", buf, sizeof buf);
    buf[strcspn(buf, "\n")] = 0;
    CHECK(strcmp(buf, u.nodename) == 0, "our own hostname did not change", "'%s'", buf);
    CHECK_NO_CHILDREN();
    return t_done("procfs_ns");
}
