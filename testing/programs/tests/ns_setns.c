/* setns(2) through a pidfd: joining another process's UTS and mount
 * namespaces (names and mounts seen, root and cwd moved to the
 * namespace's root), and the errors: a file that names no namespace, no
 * kind, a bad descriptor, no privilege. Every namespace is made by a
 * child, so the host running this keeps its own. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/ns_setns.d"
#define K_TMPFS_MAGIC 0x01021994

static int pidfd_open_(pid_t p) { return syscall(SYS_pidfd_open, p, 0); }
static long setns_(int fd, int t) { return syscall(SYS_setns, fd, t); }

/* A child that enters new namespaces, names itself, mounts, tells the
 * parent through `ready` and waits until `go` closes. */
static pid_t holder(int ready, int go, int go_w) {
    pid_t c = fork();
    if (c == 0) {
        close(go_w);
        if (syscall(SYS_unshare, CLONE_NEWNS | CLONE_NEWUTS) != 0)
            _exit(1);
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
        if (sethostname("held-ns", 7) != 0 || mount("held", D "/m", "tmpfs", 0, NULL) != 0)
            _exit(2);
        close(open(D "/m/held-file", O_CREAT | O_WRONLY, 0644));
        char b = 1;
        write(ready, &b, 1);
        read(go, &b, 1);
        _exit(0);
    }
    return c;
}

static int hfd = -1;

static int join_uts(void) {
    STEP(1, setns_(hfd, CLONE_NEWUTS) == 0);
    struct utsname u;
    STEP(2, uname(&u) == 0 && strcmp(u.nodename, "held-ns") == 0);
    /* Joined, not copied: the holder sees a change. */
    STEP(3, sethostname("changed-here", 12) == 0);
    return 0;
}

static int join_mnt(void) {
    STEP(1, chdir(D) == 0);
    STEP(2, setns_(hfd, CLONE_NEWNS) == 0);
    char buf[256];
    STEP(3, getcwd(buf, sizeof buf) && strcmp(buf, "/") == 0);
    struct statfs sf;
    STEP(4, statfs(D "/m", &sf) == 0 && sf.f_type == K_TMPFS_MAGIC && t_exists(D "/m/held-file"));
    return 0;
}

static int join_both(void) {
    STEP(1, setns_(hfd, CLONE_NEWNS | CLONE_NEWUTS) == 0);
    struct utsname u;
    STEP(2, uname(&u) == 0 && strcmp(u.nodename, "changed-here") == 0 && t_exists(D "/m/held-file"));
    return 0;
}

static int unprivileged(void) {
    STEP(1, setgid(65534) == 0 && setuid(65534) == 0);
    STEP(2, FAILS(setns_(hfd, CLONE_NEWUTS), EPERM));
    STEP(3, FAILS(setns_(hfd, CLONE_NEWNS), EPERM));
    return 0;
}

int main(void) {
    t_watchdog(60);
    umask(022);
    t_rm_rf(D);
    if (mkdir(D, 0755) != 0 || mkdir(D "/m", 0755) != 0) {
        printf("cannot create " D "\n");
        return 1;
    }
    int ready[2], go[2];
    if (pipe(ready) != 0 || pipe(go) != 0)
        return 1;
    pid_t h = holder(ready[1], go[0], go[1]);
    char b;
    CHECK(read(ready[0], &b, 1) == 1, "a child in its own mount and UTS namespaces", "errno %d", errno);
    hfd = pidfd_open_(h);
    CHECK(hfd >= 0, "pidfd_open of it", "errno %d", errno);

    CHECK_CHILD(join_uts, "setns(pidfd, CLONE_NEWUTS): its host name, shared from then on");
    CHECK_CHILD(join_mnt, "setns(pidfd, CLONE_NEWNS): its mounts; cwd moves to its root");
    CHECK_CHILD(join_both, "setns(pidfd, CLONE_NEWNS|CLONE_NEWUTS) joins both");
    struct utsname u;
    uname(&u);
    CHECK(strcmp(u.nodename, "held-ns") != 0 && strcmp(u.nodename, "changed-here") != 0 && !t_exists(D "/m/held-file"),
          "the caller of fork keeps its own namespaces", "%s", u.nodename);
    CHECK_CHILD(unprivileged, "without CAP_SYS_ADMIN: EPERM");

    int p[2];
    pipe(p);
    CHECK(FAILS(setns_(p[0], 0), EINVAL) && FAILS(setns_(p[0], CLONE_NEWUTS), EINVAL),
          "a descriptor that names no namespace is EINVAL", "errno %d", errno);
    CHECK(FAILS(setns_(hfd, 0), EINVAL), "a pidfd with no namespace kind is EINVAL", "errno %d", errno);
    CHECK(FAILS(setns_(hfd, CLONE_VM), EINVAL), "a pidfd with a flag that is no namespace kind is EINVAL", "errno %d",
          errno);
    CHECK(FAILS(setns_(999, CLONE_NEWUTS), EBADF), "a bad descriptor is EBADF", "errno %d", errno);

    close(go[1]);
    int st = t_wait_exit(h);
    CHECK(st == 0, "the namespace holder ends", "status %d", st);
    t_rm_rf(D);
    CHECK_NO_CHILDREN();
    return t_done("ns_setns");
}
