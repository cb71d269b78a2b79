/* Namespaces: unshare(2) and clone(2) with CLONE_NEWNS and CLONE_NEWUTS,
 * sethostname/setdomainname and uname, and unshare's other flags
 * (CLONE_FILES, CLONE_FS, the no-op cases and EINVAL/EPERM). Every change
 * of a name or a mount happens in a child that first entered its own
 * namespace, so the host running this program keeps its own. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/ns_unshare.d"
#define K_TMPFS_MAGIC 0x01021994

static long sunshare(long f) { return syscall(SYS_unshare, f); }
static long smount(const char *src, const char *dst, const char *type, unsigned long fl, const char *data) {
    return syscall(SYS_mount, src, dst, type, fl, data);
}
static int is_tmpfs_root(const char *p) {
    struct statfs s;
    struct stat a, b;
    char up[256];
    snprintf(up, sizeof up, "%s/..", p);
    return statfs(p, &s) == 0 && s.f_type == K_TMPFS_MAGIC && stat(p, &a) == 0 && stat(up, &b) == 0 &&
           a.st_dev != b.st_dev;
}

/* A child in a new UTS namespace sets its names; uname shows them. */
static int uts_child(void) {
    struct utsname u;
    STEP(1, sunshare(CLONE_NEWUTS) == 0);
    STEP(2, sethostname("ns-test-host", 12) == 0);
    STEP(3, setdomainname("ns.test", 7) == 0);
    STEP(4, uname(&u) == 0 && strcmp(u.nodename, "ns-test-host") == 0);
    STEP(5, strcmp(u.domainname, "ns.test") == 0);
    char h[80] = {0};
    STEP(6, gethostname(h, sizeof h) == 0 && strcmp(h, "ns-test-host") == 0);
    /* 64 bytes is the longest name, and may be set; 65 is EINVAL. */
    char n[66];
    memset(n, 'x', sizeof n);
    STEP(7, sethostname(n, 64) == 0 && uname(&u) == 0 && strlen(u.nodename) == 64);
    STEP(8, FAILS(sethostname(n, 65), EINVAL));
    STEP(9, FAILS(syscall(SYS_sethostname, n, -1), EINVAL));
    STEP(10, FAILS(syscall(SYS_setdomainname, n, 65), EINVAL));
    /* An empty name is allowed. */
    STEP(11, sethostname("", 0) == 0 && uname(&u) == 0 && u.nodename[0] == 0);
    STEP(12, FAILS(syscall(SYS_sethostname, (void *)8, 4), EFAULT));
    return 0;
}

/* Two children in their own UTS namespaces do not see each other's name. */
static int uts_isolated(void) {
    struct utsname before, after;
    uname(&before);
    int p[2];
    STEP(1, pipe(p) == 0);
    pid_t c = fork();
    if (c == 0) {
        if (sunshare(CLONE_NEWUTS) != 0 || sethostname("other-name", 10) != 0)
            _exit(1);
        _exit(0);
    }
    STEP(2, t_wait_exit(c) == 0);
    STEP(3, uname(&after) == 0 && strcmp(before.nodename, after.nodename) == 0);
    return 0;
}

/* A child of a process in a new UTS namespace inherits it. */
static int uts_inherited(void) {
    STEP(1, sunshare(CLONE_NEWUTS) == 0 && sethostname("parent-ns", 9) == 0);
    pid_t c = fork();
    if (c == 0) {
        struct utsname u;
        uname(&u);
        if (strcmp(u.nodename, "parent-ns") != 0)
            _exit(1);
        if (sethostname("child-set", 9) != 0)
            _exit(2);
        _exit(0);
    }
    STEP(2, t_wait_exit(c) == 0);
    struct utsname u;
    STEP(3, uname(&u) == 0 && strcmp(u.nodename, "child-set") == 0);
    return 0;
}

/* Without CAP_SYS_ADMIN: EPERM for names and namespaces. */
static int unprivileged(void) {
    STEP(1, setgid(65534) == 0 && setuid(65534) == 0);
    STEP(2, FAILS(sethostname("x", 1), EPERM));
    STEP(3, FAILS(setdomainname("x", 1), EPERM));
    STEP(4, FAILS(sunshare(CLONE_NEWNS), EPERM));
    STEP(5, FAILS(sunshare(CLONE_NEWUTS), EPERM));
    /* Unsharing what is not shared needs no privilege. */
    STEP(6, sunshare(CLONE_FILES) == 0 && sunshare(CLONE_FS) == 0 && sunshare(0) == 0);
    return 0;
}

/* A mount made in a new mount namespace is not seen outside it. */
static int mnt_child(void) {
    STEP(1, sunshare(CLONE_NEWNS) == 0);
    STEP(2, smount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
    STEP(3, smount("nsfs-test", D "/m", "tmpfs", 0, NULL) == 0);
    STEP(4, is_tmpfs_root(D "/m"));
    t_touch(D "/m/inside");
    STEP(5, t_exists(D "/m/inside"));
    return 0;
}

/* The working directory and relative paths survive unshare(CLONE_NEWNS). */
static int mnt_cwd(void) {
    STEP(1, chdir(D) == 0);
    STEP(2, sunshare(CLONE_NEWNS) == 0);
    char buf[256];
    STEP(3, getcwd(buf, sizeof buf) && strcmp(buf, D) == 0);
    STEP(4, t_exists("marker"));
    STEP(5, smount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
    /* A mount on the cwd's own directory: the cwd stays beneath it. */
    STEP(6, smount("x", D "/m", "tmpfs", 0, NULL) == 0 && chdir("m") == 0);
    t_touch("new");
    STEP(8, t_exists("new"));
    STEP(7, chdir("..") == 0 && t_exists("marker"));
    return 0;
}

/* A mount namespace's mounts were copied: umount in the child leaves the
 * parent's mount in place. */
static int mnt_copy_umount(void) {
    STEP(1, sunshare(CLONE_NEWNS) == 0);
    STEP(2, smount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
    STEP(3, is_tmpfs_root(D "/p"));
    STEP(4, syscall(SYS_umount2, D "/p", 0) == 0 && !is_tmpfs_root(D "/p"));
    return 0;
}

static int clone_fn(void *arg) {
    (void)arg;
    if (smount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return 1;
    if (smount("x", D "/m", "tmpfs", 0, NULL) != 0)
        return 2;
    return is_tmpfs_root(D "/m") ? 0 : 3;
}

static void *sleeper(void *a) {
    (void)a;
    pause();
    return NULL;
}

/* unshare of the thread group, signal handlers or address space works only
 * when nothing is shared. */
static int thread_flags(void) {
    STEP(1, sunshare(CLONE_THREAD) == 0 && sunshare(CLONE_SIGHAND) == 0 && sunshare(CLONE_VM) == 0);
    pthread_t t;
    STEP(2, pthread_create(&t, NULL, sleeper, NULL) == 0);
    STEP(3, FAILS(sunshare(CLONE_THREAD), EINVAL));
    STEP(4, FAILS(sunshare(CLONE_VM), EINVAL));
    STEP(5, FAILS(sunshare(CLONE_SIGHAND), EINVAL));
    return 0;
}

static int shared_fd = -1;
static int files_fn(void *arg) {
    (void)arg;
    if (sunshare(CLONE_FILES) != 0)
        return 1;
    close(shared_fd); /* only the child's copy */
    return open("/", O_RDONLY) >= 0 ? 0 : 2;
}

int main(void) {
    t_watchdog(60);
    umask(022);
    if (syscall(SYS_unshare, CLONE_NEWNS) == 0)
        smount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    syscall(SYS_umount2, D "/m", MNT_DETACH);
    syscall(SYS_umount2, D "/p", MNT_DETACH);
    t_rm_rf(D);
    if (mkdir(D, 0755) != 0 || mkdir(D "/m", 0755) != 0 || mkdir(D "/p", 0755) != 0 ) {
        printf("cannot create " D "\n");
        return 1;
    }
    t_touch(D "/marker");

    CHECK_CHILD(uts_child, "a new UTS namespace: sethostname/setdomainname show in uname, 64-byte limit");
    CHECK_CHILD(uts_isolated, "a name set in a child's UTS namespace leaves the parent's");
    CHECK_CHILD(uts_inherited, "fork inherits the UTS namespace and shares it");
    CHECK_CHILD(unprivileged, "without CAP_SYS_ADMIN: EPERM for names and namespaces, not for CLONE_FILES/FS");

    CHECK_CHILD(mnt_child, "a mount in a new mount namespace");
    CHECK(!is_tmpfs_root(D "/m") && !t_exists(D "/m/inside"), "is not seen by the parent's namespace", "%d",
          is_tmpfs_root(D "/m"));
    CHECK_CHILD(mnt_cwd, "unshare(CLONE_NEWNS) keeps the working directory; mounts under it work");
    CHECK(!t_exists(D "/m/new"), "and the child's files on its mount stay there", "exists");

    long r = smount("p", D "/p", "tmpfs", 0, NULL);
    CHECK(r == 0, "mount in the parent", "errno %d", errno);
    CHECK_CHILD(mnt_copy_umount, "a new namespace holds copies: umount there");
    CHECK(is_tmpfs_root(D "/p"), "leaves the parent's mount", "gone");
    syscall(SYS_umount2, D "/p", 0);

    static char stack[65536];
    pid_t c = clone(clone_fn, stack + sizeof stack, CLONE_NEWNS | SIGCHLD, NULL);
    CHECK(c > 0 && t_wait_exit(c) == 0 && !is_tmpfs_root(D "/m"), "clone(CLONE_NEWNS): the child's mount stays in the child",
          "pid %d errno %d", c, errno);
    errno = 0;
    c = clone(clone_fn, stack + sizeof stack, CLONE_NEWNS | CLONE_FS | SIGCHLD, NULL);
    CHECK(c == -1 && errno == EINVAL, "clone(CLONE_NEWNS|CLONE_FS) is EINVAL", "%d errno %d", c, errno);

    CHECK(FAILS(sunshare(0x1), EINVAL) && FAILS(sunshare(CLONE_VFORK), EINVAL) &&
              FAILS(sunshare(CLONE_SETTLS), EINVAL),
          "unshare with a flag it does not take is EINVAL", "errno %d", errno);
    CHECK(sunshare(0) == 0, "unshare(0) does nothing", "errno %d", errno);
    CHECK_CHILD(thread_flags, "CLONE_THREAD/VM/SIGHAND: 0 when alone, EINVAL with another thread");

    shared_fd = open("/", O_RDONLY);
    c = clone(files_fn, stack + sizeof stack, CLONE_FILES | SIGCHLD, NULL);
    int st = c > 0 ? t_wait_exit(c) : -1;
    CHECK(st == 0 && fcntl(shared_fd, F_GETFD) >= 0, "unshare(CLONE_FILES): closing in the copy leaves the sharer's fd",
          "st %d", st);
    close(shared_fd);

    t_rm_rf(D);
    CHECK_NO_CHILDREN();
    return t_done("ns_unshare");
}
