/* The mount steps of systemd's service sandboxing (ProtectSystem=,
 * ProtectKernelLogs=, PrivateTmp=...), each in a child that entered its
 * own mount namespace: a recursive bind of / under a unit root, a device
 * node made inaccessible by binding an inaccessible node over it, and
 * read-only bind remounts through /proc/self/fd of O_PATH descriptors.
 * Writers open through the original mounts do not make the copies busy. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include "../t.h"
#include "../files.h"
#include "../procfs.h"

#define D "/tmp/ns_sandbox.d"
#define UR D "/root"

static long smount(const char *src, const char *dst, const char *type, unsigned long fl, const char *data) {
    return syscall(SYS_mount, src, dst, type, fl, data);
}

/* mount(2) on /proc/self/fd/N of an O_PATH descriptor, as systemd does. */
static long bind_nofollow(const char *src, const char *dst, unsigned long fl) {
    int fd = open(dst, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    long r = smount(src, p, NULL, fl, NULL);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

static long mount_nofollow(const char *dst, unsigned long fl) {
    return bind_nofollow(NULL, dst, fl);
}

/* Whether /proc/self/mountinfo lists a mount on `path`. */
static int in_mountinfo(const char *path) {
    FILE *f = fopen("/proc/self/mountinfo", "r");
    char line[1024], point[512];
    int found = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "%*s %*s %*s %*s %511s", point) == 1 && strcmp(point, path) == 0)
            found = 1;
    if (f)
        fclose(f);
    return found;
}

static int ro(const char *path) {
    struct statvfs s;
    return statvfs(path, &s) == 0 && (s.f_flag & ST_RDONLY);
}

static int enter(void) {
    if (syscall(SYS_unshare, CLONE_NEWNS) != 0)
        return 1;
    if (smount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0)
        return 2;
    if (mkdir(UR, 0700) != 0 && errno != EEXIST)
        return 3;
    if (smount("/", UR, NULL, MS_BIND | MS_REC, NULL) != 0)
        return 4;
    return 0;
}

static int inaccessible_node(void) {
    /* A writer through the original /dev (PID 1 and journald keep /dev/kmsg open). */
    int w = open("/dev/null", O_WRONLY);
    STEP(1, w >= 0);
    STEP(2, enter() == 0);
    STEP(3, bind_nofollow(D "/chr", UR "/dev/null", MS_BIND) == 0);
    struct stat st;
    STEP(4, stat(UR "/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
    STEP(5, mount_nofollow(UR "/dev/null", MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC) == 0);
    STEP(6, ro(UR "/dev/null"));
    STEP(14, in_mountinfo(UR "/dev/null"));
    /* systemd makes a path a mount point by binding it on itself. */
    STEP(15, smount(D "/file", D "/file", NULL, MS_BIND | MS_REC, NULL) == 0 && in_mountinfo(D "/file"));
    STEP(7, !ro("/dev/null") && !ro(UR "/dev"));
    STEP(8, FAILS(open(UR "/dev/null", O_WRONLY), EACCES)); /* nodev */
    /* The copy of /dev turns read-only despite the writer on the original. */
    STEP(9, mount_nofollow(UR "/dev", MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID) == 0);
    STEP(10, ro(UR "/dev") && !ro("/dev"));
    STEP(11, write(w, "x", 1) == 1);
    /* Files can be bound over files, the mount stack lifts off again. */
    STEP(12, smount(D "/file", UR "/etc/hostname", NULL, MS_BIND, NULL) == 0 || errno == ENOENT);
    STEP(13, umount2(UR "/dev/null", 0) == 0 && stat(UR "/dev/null", &st) == 0 && st.st_rdev == makedev(1, 3));
    return 0;
}

static int readonly_tree(void) {
    STEP(1, enter() == 0);
    /* ProtectSystem=strict: the whole tree read-only, then a writable hole. */
    STEP(2, mount_nofollow(UR, MS_BIND | MS_REMOUNT | MS_RDONLY) == 0);
    STEP(3, ro(UR) && !ro("/"));
    STEP(4, smount(D "/rw", UR "/tmp", NULL, MS_BIND, NULL) == 0);
    STEP(5, !ro(UR "/tmp"));
    STEP(6, FAILS(mkdir(UR "/newdir", 0755), EROFS));
    return 0;
}

int main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    t_watchdog(60);
    umask(022);
    t_proc_mount();
    if (getpid() == 1) /* as init, with the /dev systemd mounts */
        smount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
    if (syscall(SYS_unshare, CLONE_NEWNS) == 0)
        smount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    t_rm_rf(D);
    if (mkdir(D, 0755) != 0 || mknod(D "/chr", S_IFCHR | 0, makedev(0, 0)) != 0 || mkdir(D "/rw", 0755) != 0) {
        printf("cannot create " D "\n");
        return 1;
    }
    t_touch(D "/file");
    CHECK_CHILD(inaccessible_node, "an inaccessible node bound over a device, remounted read-only through /proc/self/fd");
    CHECK_CHILD(readonly_tree, "a read-only recursive bind of / with a writable hole");
    t_rm_rf(D);
    CHECK_NO_CHILDREN();
    return t_done("ns_sandbox");
}
