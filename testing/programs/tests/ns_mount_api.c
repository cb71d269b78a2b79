/* The new mount API: fsopen/fsconfig/fsmount/move_mount, open_tree,
 * fspick and mount_setattr, their errors in Linux's order, and what the
 * mounts they make look like (statfs, per-mount flags, contents). Runs in
 * its own mount namespace where it can (the host keeps its mounts). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/ns_mount_api.d"
#define K_TMPFS_MAGIC 0x01021994

#define K_FSOPEN_CLOEXEC 1
#define K_FSCONFIG_SET_FLAG 0
#define K_FSCONFIG_SET_STRING 1
#define K_FSCONFIG_CMD_CREATE 6
#define K_FSCONFIG_CMD_RECONFIGURE 7
#define K_FSMOUNT_CLOEXEC 1
#define K_MOUNT_ATTR_RDONLY 0x1
#define K_MOUNT_ATTR_NOSUID 0x2
#define K_MOUNT_ATTR__ATIME 0x70
#define K_MOUNT_ATTR_NOATIME 0x10
#define K_MOVE_MOUNT_F_EMPTY_PATH 0x4
#define K_OPEN_TREE_CLONE 1
#define K_AT_RECURSIVE 0x8000

struct k_mount_attr {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static long fsopen_(const char *n, unsigned f) { return syscall(SYS_fsopen, n, f); }
static long fsconfig_(int fd, unsigned cmd, const char *k, const void *v, int aux) {
    return syscall(SYS_fsconfig, fd, cmd, k, v, aux);
}
static long fsmount_(int fd, unsigned f, unsigned a) { return syscall(SYS_fsmount, fd, f, a); }
static long move_mount_(int fd, const char *fp, int tfd, const char *tp, unsigned f) {
    return syscall(SYS_move_mount, fd, fp, tfd, tp, f);
}
static long open_tree_(int dfd, const char *p, unsigned f) { return syscall(SYS_open_tree, dfd, p, f); }
static long fspick_(int dfd, const char *p, unsigned f) { return syscall(SYS_fspick, dfd, p, f); }
static long setattr_(int dfd, const char *p, unsigned f, void *a, size_t n) {
    return syscall(SYS_mount_setattr, dfd, p, f, a, n);
}
static int writable(const char *dir) {
    char p[256];
    snprintf(p, sizeof p, "%s/w", dir);
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    if (fd < 0)
        return -errno;
    close(fd);
    unlink(p);
    return 0;
}

/* A tmpfs made with fsopen..fsmount, attached with move_mount. */
static int make_and_attach(void) {
    int fs = fsopen_("tmpfs", K_FSOPEN_CLOEXEC);
    STEP(1, fs >= 0 && (fcntl(fs, F_GETFD) & FD_CLOEXEC));
    STEP(2, fsconfig_(fs, K_FSCONFIG_SET_STRING, "source", "api-tmp", 0) == 0);
    STEP(3, fsconfig_(fs, K_FSCONFIG_SET_STRING, "size", "1m", 0) == 0);
    STEP(4, fsconfig_(fs, K_FSCONFIG_SET_STRING, "mode", "0700", 0) == 0);
    STEP(6, fsconfig_(fs, K_FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0);
    STEP(7, FAILS(fsconfig_(fs, K_FSCONFIG_CMD_CREATE, NULL, NULL, 0), EBUSY));
    int m = fsmount_(fs, K_FSMOUNT_CLOEXEC, K_MOUNT_ATTR_NOSUID);
    STEP(8, m >= 0 && (fcntl(m, F_GETFD) & FD_CLOEXEC) && (fcntl(m, F_GETFL) & O_PATH));
    STEP(9, FAILS(fsmount_(fs, 0, 0), EBUSY));
    struct statfs sf;
    STEP(10, fstatfs(m, &sf) == 0 && sf.f_type == K_TMPFS_MAGIC && (long)sf.f_blocks * sf.f_bsize == 1 << 20);
    /* Files can be made in the mount before it is attached. */
    int f = openat(m, "made-detached", O_CREAT | O_RDWR, 0644);
    STEP(11, f >= 0);
    close(f);
    STEP(12, move_mount_(m, "", AT_FDCWD, D "/m", K_MOVE_MOUNT_F_EMPTY_PATH) == 0);
    struct stat st;
    STEP(13, stat(D "/m", &st) == 0 && (st.st_mode & 07777) == 0700 && t_exists(D "/m/made-detached"));
    struct statvfs sv;
    STEP(14, statvfs(D "/m", &sv) == 0 && (sv.f_flag & ST_NOSUID));
    /* The descriptor now names an attached mount: move_mount moves it. */
    STEP(15, move_mount_(m, "", AT_FDCWD, D "/m2", K_MOVE_MOUNT_F_EMPTY_PATH) == 0);
    STEP(16, t_exists(D "/m2/made-detached") && !t_exists(D "/m/made-detached"));
    close(m);
    close(fs);
    return 0;
}

static int fsconfig_errors(void) {
    STEP(1, FAILS(fsopen_("no-such-fs", 0), ENODEV));
    STEP(2, FAILS(fsopen_("tmpfs", 2), EINVAL));
    int fs = fsopen_("tmpfs", 0);
    STEP(3, fs >= 0);
    STEP(4, FAILS(fsconfig_(fs, K_FSCONFIG_SET_FLAG, "ro", "x", 0), EINVAL));
    STEP(5, FAILS(fsconfig_(fs, K_FSCONFIG_SET_STRING, "size", NULL, 0), EINVAL));
    STEP(6, FAILS(fsconfig_(fs, K_FSCONFIG_SET_FLAG, NULL, NULL, 0), EINVAL));
    STEP(7, FAILS(fsconfig_(fs, K_FSCONFIG_CMD_CREATE, "x", NULL, 0), EINVAL));
    STEP(8, FAILS(fsconfig_(fs, 99, NULL, NULL, 0), EOPNOTSUPP));
    STEP(9, FAILS(fsconfig_(-1, K_FSCONFIG_CMD_CREATE, NULL, NULL, 0), EINVAL));
    STEP(10, FAILS(fsconfig_(999, K_FSCONFIG_CMD_CREATE, NULL, NULL, 0), EBADF));
    int p[2];
    STEP(11, pipe(p) == 0 && FAILS(fsconfig_(p[0], K_FSCONFIG_CMD_CREATE, NULL, NULL, 0), EINVAL));
    /* An unknown parameter is EINVAL, with a message to read. */
    char msg[256] = {0};
    STEP(12, read(fs, msg, sizeof msg) == -1 && errno == ENODATA);
    STEP(13, FAILS(fsconfig_(fs, K_FSCONFIG_SET_STRING, "no-such-option", "1", 0), EINVAL));
    STEP(14, read(fs, msg, sizeof msg) > 0 && strncmp(msg, "e tmpfs: ", 9) == 0);
    STEP(15, FAILS(fsconfig_(fs, K_FSCONFIG_SET_FLAG, "size", NULL, 0), EINVAL));
    STEP(16, fsconfig_(fs, K_FSCONFIG_SET_STRING, "source", "a", 0) == 0);
    STEP(17, FAILS(fsconfig_(fs, K_FSCONFIG_SET_STRING, "source", "b", 0), EINVAL));
    STEP(18, FAILS(fsmount_(fs, 2, 0), EINVAL));
    STEP(19, fsconfig_(fs, K_FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0);
    STEP(20, FAILS(fsmount_(fs, 0, 0x100), EINVAL));
    STEP(21, FAILS(fsmount_(p[0], 0, 0), EINVAL));
    /* A mount never attached goes away with its descriptor. */
    int m = fsmount_(fs, 0, 0);
    STEP(22, m >= 0 && close(m) == 0);
    return 0;
}

static int trees(void) {
    STEP(1, mkdir(D "/src", 0755) == 0 && mkdir(D "/src/sub", 0755) == 0);
    t_touch(D "/src/file");
    STEP(2, FAILS(open_tree_(AT_FDCWD, D "/src", K_AT_RECURSIVE), EINVAL));
    STEP(3, FAILS(open_tree_(AT_FDCWD, D "/src", 0x4), EINVAL));
    int t = open_tree_(AT_FDCWD, D "/src", 0);
    STEP(4, t >= 0 && (fcntl(t, F_GETFL) & O_PATH));
    /* Not a mount root: move_mount refuses it. */
    STEP(5, FAILS(move_mount_(t, "", AT_FDCWD, D "/m3", K_MOVE_MOUNT_F_EMPTY_PATH), EINVAL));
    close(t);
    t = open_tree_(AT_FDCWD, D "/src", K_OPEN_TREE_CLONE | O_CLOEXEC);
    STEP(6, t >= 0 && (fcntl(t, F_GETFD) & FD_CLOEXEC));
    STEP(7, move_mount_(t, "", AT_FDCWD, D "/m3", K_MOVE_MOUNT_F_EMPTY_PATH) == 0);
    STEP(8, t_exists(D "/m3/file") && t_exists(D "/m3/sub"));
    t_touch(D "/m3/through-bind");
    STEP(9, t_exists(D "/src/through-bind"));
    close(t);
    STEP(10, FAILS(move_mount_(AT_FDCWD, D "/src", AT_FDCWD, D "/m4", 0), EINVAL)); /* not a mount root */
    STEP(11, FAILS(move_mount_(AT_FDCWD, D "/m3", AT_FDCWD, D "/m4", 0x1000), EINVAL));
    STEP(12, FAILS(move_mount_(AT_FDCWD, "", AT_FDCWD, D "/m4", 0), ENOENT));
    return 0;
}

static int setattr(void) {
    struct k_mount_attr a = {0};
    /* Nothing to change: 0, before the path is even looked at. */
    STEP(1, setattr_(AT_FDCWD, D "/no-such-path", 0, &a, sizeof a) == 0);
    a.attr_set = K_MOUNT_ATTR_RDONLY;
    STEP(2, FAILS(setattr_(AT_FDCWD, D "/m2", 0, &a, 24), EINVAL));
    STEP(3, FAILS(setattr_(AT_FDCWD, D "/m2", 0, &a, 4097), E2BIG));
    STEP(4, FAILS(setattr_(AT_FDCWD, D "/m2", 0x2, &a, sizeof a), EINVAL));
    STEP(5, FAILS(setattr_(AT_FDCWD, D "/src", 0, &a, sizeof a), EINVAL)); /* not a mount root */
    STEP(6, setattr_(AT_FDCWD, D "/m2", 0, &a, sizeof a) == 0);
    STEP(7, writable(D "/m2") == -EROFS);
    a.attr_set = 0;
    a.attr_clr = K_MOUNT_ATTR_RDONLY;
    STEP(8, setattr_(AT_FDCWD, D "/m2", 0, &a, sizeof a) == 0 && writable(D "/m2") == 0);
    /* atime: setting a mode needs clearing the whole field. */
    a.attr_clr = 0;
    a.attr_set = K_MOUNT_ATTR_NOATIME;
    STEP(9, FAILS(setattr_(AT_FDCWD, D "/m2", 0, &a, sizeof a), EINVAL));
    a.attr_clr = 0x10;
    STEP(10, FAILS(setattr_(AT_FDCWD, D "/m2", 0, &a, sizeof a), EINVAL));
    a.attr_clr = K_MOUNT_ATTR__ATIME;
    struct statvfs sv;
    STEP(11, setattr_(AT_FDCWD, D "/m2", 0, &a, sizeof a) == 0 && statvfs(D "/m2", &sv) == 0 && (sv.f_flag & ST_NOATIME));
    /* Propagation: one type at most. */
    a = (struct k_mount_attr){0};
    a.propagation = MS_SHARED | MS_PRIVATE;
    STEP(12, FAILS(setattr_(AT_FDCWD, D "/m2", 0, &a, sizeof a), EINVAL));
    a.propagation = 1;
    STEP(13, FAILS(setattr_(AT_FDCWD, D "/m2", 0, &a, sizeof a), EINVAL));
    a.propagation = MS_PRIVATE;
    STEP(14, setattr_(AT_FDCWD, D "/m2", 0, &a, sizeof a) == 0);
    /* A larger struct must be zero beyond what the kernel knows. */
    unsigned char big[48] = {0};
    memcpy(big, &a, sizeof a);
    big[40] = 1;
    STEP(15, FAILS(setattr_(AT_FDCWD, D "/m2", 0, big, sizeof big), E2BIG));
    big[40] = 0;
    STEP(16, setattr_(AT_FDCWD, D "/m2", 0, big, sizeof big) == 0);
    STEP(17, FAILS(setattr_(AT_FDCWD, D "/m2", 0, (void *)8, sizeof a), EFAULT));
    /* Recursively: the mount below turns read-only too. */
    STEP(18, mkdir(D "/m2/in", 0755) == 0 && mount("in", D "/m2/in", "tmpfs", 0, NULL) == 0);
    a = (struct k_mount_attr){.attr_set = K_MOUNT_ATTR_RDONLY};
    STEP(19, setattr_(AT_FDCWD, D "/m2", K_AT_RECURSIVE, &a, sizeof a) == 0);
    STEP(20, writable(D "/m2/in") == -EROFS && writable(D "/m2") == -EROFS);
    a = (struct k_mount_attr){.attr_clr = K_MOUNT_ATTR_RDONLY};
    STEP(21, setattr_(AT_FDCWD, D "/m2", K_AT_RECURSIVE, &a, sizeof a) == 0 && writable(D "/m2/in") == 0);
    STEP(22, umount(D "/m2/in") == 0);
    return 0;
}

static int pick(void) {
    STEP(1, FAILS(fspick_(AT_FDCWD, D "/src", 0), EINVAL)); /* not a mount root */
    STEP(2, FAILS(fspick_(AT_FDCWD, D "/m2", 0x10), EINVAL));
    int fs = fspick_(AT_FDCWD, D "/m2", 1);
    STEP(3, fs >= 0 && (fcntl(fs, F_GETFD) & FD_CLOEXEC));
    STEP(4, FAILS(fsconfig_(fs, K_FSCONFIG_CMD_CREATE, NULL, NULL, 0), EBUSY));
    STEP(5, fsconfig_(fs, K_FSCONFIG_SET_FLAG, "ro", NULL, 0) == 0);
    STEP(6, fsconfig_(fs, K_FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0) == 0);
    STEP(7, writable(D "/m2") == -EROFS);
    STEP(8, fsconfig_(fs, K_FSCONFIG_SET_FLAG, "rw", NULL, 0) == 0);
    STEP(9, fsconfig_(fs, K_FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0) == 0 && writable(D "/m2") == 0);
    close(fs);
    return 0;
}

static int unprivileged(void) {
    STEP(1, setgid(65534) == 0 && setuid(65534) == 0);
    STEP(2, FAILS(fsopen_("tmpfs", 0), EPERM));
    STEP(3, FAILS(fspick_(AT_FDCWD, D "/m2", 0), EPERM));
    STEP(4, FAILS(open_tree_(AT_FDCWD, D "/src", K_OPEN_TREE_CLONE), EPERM));
    int t = open_tree_(AT_FDCWD, D "/src", 0);
    STEP(5, t >= 0);
    STEP(6, FAILS(move_mount_(AT_FDCWD, D "/m3", AT_FDCWD, D "/m4", 0), EPERM));
    struct k_mount_attr a = {.attr_set = K_MOUNT_ATTR_RDONLY};
    STEP(7, FAILS(setattr_(AT_FDCWD, D "/m2", 0, &a, sizeof a), EPERM));
    return 0;
}

/* Runs step function fn in this process: one check, the failing step shown. */
#define RUN(fn, name)                                \
    do {                                             \
        int _s = fn();                               \
        CHECK(_s == 0, name, "step %d errno %d", _s, errno); \
    } while (0)

int main(void) {
    t_watchdog(60);
    umask(022);
    if (syscall(SYS_unshare, CLONE_NEWNS) == 0)
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    for (int i = 0; i < 3; i++) {
        umount2(D "/m", MNT_DETACH);
        umount2(D "/m2", MNT_DETACH);
        umount2(D "/m3", MNT_DETACH);
    }
    t_rm_rf(D);
    if (mkdir(D, 0755) != 0 || mkdir(D "/m", 0755) != 0 || mkdir(D "/m2", 0755) != 0 || mkdir(D "/m3", 0755) != 0 ||
        mkdir(D "/m4", 0755) != 0) {
        printf("cannot create " D "\n");
        return 1;
    }
    RUN(make_and_attach, "fsopen, fsconfig, fsmount, move_mount: a tmpfs with options and mount flags");
    RUN(fsconfig_errors, "fsopen/fsconfig/fsmount errors, messages to read");
    RUN(trees, "open_tree: O_PATH or a detached bind; move_mount errors");
    RUN(setattr, "mount_setattr: sizes, flags, atime, propagation, AT_RECURSIVE");
    RUN(pick, "fspick: reconfigure an instance read-only and back");
    CHECK_CHILD(unprivileged, "without CAP_SYS_ADMIN: EPERM (open_tree without a clone allowed)");
    for (int i = 0; i < 3; i++) {
        umount2(D "/m", MNT_DETACH);
        umount2(D "/m2", MNT_DETACH);
        umount2(D "/m3", MNT_DETACH);
    }
    t_rm_rf(D);
    CHECK_NO_CHILDREN();
    return t_done("ns_mount_api");
}
