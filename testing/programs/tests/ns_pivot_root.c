/* pivot_root(2) and devtmpfs, each in a child that entered its
 * own mount namespace (so the host running this keeps its mounts):
 * pivot_root's errors in Linux's order, the move itself, the ".", "."
 * idiom, and devtmpfs's populated nodes (one instance for every mount). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/ns_pivot_root.d"
#define K_TMPFS_MAGIC 0x01021994

static long smount(const char *src, const char *dst, const char *type, unsigned long fl, const char *data) {
    return syscall(SYS_mount, src, dst, type, fl, data);
}
static long spivot(const char *n, const char *o) { return syscall(SYS_pivot_root, n, o); }

/* A private namespace whose root is a fresh tmpfs mount (with a parent),
 * holding /marker and /new. */
static int enter_tmp_root(void) {
    if (syscall(SYS_unshare, CLONE_NEWNS) != 0)
        return 1;
    if (smount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return 2;
    if (smount("top", D "/top", "tmpfs", 0, NULL) != 0)
        return 3;
    if (chdir(D "/top") != 0 || chroot(".") != 0)
        return 4;
    t_touch("/marker");
    if (mkdir("/new", 0755) != 0 || mkdir("/dir", 0755) != 0)
        return 5;
    return 0;
}

static int pivot_errors(void) {
    STEP(1, enter_tmp_root() == 0);
    STEP(2, FAILS(spivot("/dir", "/dir"), EBUSY)); /* new root is on the root mount */
    STEP(3, smount("new", "/new", "tmpfs", 0, NULL) == 0 && mkdir("/new/old", 0755) == 0);
    STEP(4, FAILS(spivot("/new", "/dir"), EBUSY)); /* put_old on the root mount */
    STEP(12, smount("dir", "/dir", "tmpfs", 0, NULL) == 0);
    STEP(13, FAILS(spivot("/new", "/dir"), EINVAL)); /* put_old not under new_root */
    STEP(5, FAILS(spivot("/", "/dir"), EBUSY));     /* new_root is the root mount */
    STEP(6, FAILS(spivot("/new", "/new/missing"), ENOENT));
    t_touch("/new/file");
    STEP(7, FAILS(spivot("/new", "/new/file"), ENOTDIR));
    STEP(8, FAILS(spivot("/marker", "/new/old"), ENOTDIR));
    STEP(9, FAILS(syscall(SYS_pivot_root, (char *)8, "/new/old"), EFAULT));
    /* A shared new root's parent makes it EINVAL. */
    STEP(10, smount(NULL, "/", NULL, MS_SHARED, NULL) == 0);
    STEP(11, FAILS(spivot("/new", "/new/old"), EINVAL));
    return 0;
}

static int pivot_moves(void) {
    STEP(1, enter_tmp_root() == 0);
    STEP(2, smount("new", "/new", "tmpfs", 0, NULL) == 0 && mkdir("/new/old", 0755) == 0);
    t_touch("/new/in-new");
    STEP(3, chdir("/") == 0);
    STEP(4, spivot("/new", "/new/old") == 0);
    /* The cwd was the old root: it moved to the new root. */
    STEP(5, t_exists("in-new") && t_exists("/in-new") && !t_exists("/marker"));
    STEP(6, t_exists("/old/marker") && t_exists("/old/new"));
    char buf[256];
    STEP(7, getcwd(buf, sizeof buf) && strcmp(buf, "/") == 0);
    /* The old root can be unmounted away. */
    STEP(8, syscall(SYS_umount2, "/old", MNT_DETACH) == 0 && !t_exists("/old/marker"));
    return 0;
}

static int pivot_dot_dot(void) {
    STEP(1, enter_tmp_root() == 0);
    STEP(2, smount("new", "/new", "tmpfs", 0, NULL) == 0);
    t_touch("/new/in-new");
    STEP(3, chdir("/new") == 0);
    STEP(4, spivot(".", ".") == 0);
    /* The old root sits on top of the new one until it is detached. */
    STEP(5, syscall(SYS_umount2, ".", MNT_DETACH) == 0);
    STEP(6, chdir("/") == 0 && t_exists("/in-new") && !t_exists("/marker"));
    return 0;
}

static int unprivileged(void) {
    STEP(1, setgid(65534) == 0 && setuid(65534) == 0);
    STEP(2, FAILS(spivot("/", "/"), EPERM));
    return 0;
}

static int devtmpfs(void) {
    struct stat st, a, b;
    struct statfs sf;
    STEP(1, syscall(SYS_unshare, CLONE_NEWNS) == 0 && smount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
    STEP(2, smount("devtmpfs", D "/dev", "devtmpfs", MS_NOSUID, "mode=0755") == 0);
    STEP(3, statfs(D "/dev", &sf) == 0 && sf.f_type == K_TMPFS_MAGIC);
    STEP(4, stat(D "/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3) &&
                (st.st_mode & 0777) == 0666);
    STEP(5, stat(D "/dev/zero", &st) == 0 && st.st_rdev == makedev(1, 5));
    STEP(6, stat(D "/dev/urandom", &st) == 0 && st.st_rdev == makedev(1, 9));
    STEP(7, stat(D "/dev/console", &st) == 0 && st.st_rdev == makedev(5, 1) && (st.st_mode & 0777) == 0600);
    STEP(8, stat(D "/dev/tty", &st) == 0 && st.st_rdev == makedev(5, 0));
    STEP(9, stat(D "/dev/ttyS0", &st) == 0 && st.st_rdev == makedev(4, 64));
    STEP(10, stat(D "/dev", &st) == 0 && (st.st_mode & 07777) == 0755 && st.st_uid == 0);
    /* Every mount of devtmpfs is the one instance. */
    STEP(11, smount("devtmpfs", D "/dev2", "devtmpfs", 0, NULL) == 0);
    STEP(12, stat(D "/dev", &a) == 0 && stat(D "/dev2", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino);
    int fd = open(D "/dev/null", O_WRONLY);
    STEP(13, fd >= 0 && write(fd, "x", 1) == 1);
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    t_watchdog(60);
    umask(022);
    if (syscall(SYS_unshare, CLONE_NEWNS) == 0)
        smount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    t_rm_rf(D);
    if (mkdir(D, 0755) != 0 || mkdir(D "/top", 0755) != 0 || mkdir(D "/dev", 0755) != 0 ||
        mkdir(D "/dev2", 0755) != 0) {
        printf("cannot create " D "\n");
        return 1;
    }
    CHECK_CHILD(pivot_errors, "pivot_root errors: EINVAL, EBUSY, ENOENT, ENOTDIR, EFAULT, shared parent");
    CHECK_CHILD(pivot_moves, "pivot_root moves the root; the cwd follows; the old root below put_old");
    CHECK_CHILD(pivot_dot_dot, "pivot_root(\".\", \".\") then umount2(\".\", MNT_DETACH)");
    CHECK_CHILD(unprivileged, "pivot_root without CAP_SYS_ADMIN is EPERM");
    CHECK_CHILD(devtmpfs, "devtmpfs: populated nodes, TMPFS_MAGIC, one instance for every mount");
    t_rm_rf(D);
    CHECK_NO_CHILDREN();
    return t_done("ns_pivot_root");
}
