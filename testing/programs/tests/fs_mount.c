/* mount/umount2 of tmpfs on /tmp/fs_mount.d/mnt: the TMPFS_MAGIC from
 * statfs, the mode=/uid=/gid= options, the mount hiding what lies beneath,
 * ".." from a mount root, EXDEV for rename and link across mounts, EBUSY
 * for rmdir/rename of a mount point and for umount of a busy mount,
 * MNT_DETACH, stacked mounts, umount2 errors, non-root EPERM. On the host
 * the program first enters a private mount namespace when it can, so a
 * crash never leaves a mount behind. */
#define _GNU_SOURCE
#include <grp.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_mount.d"
#define M D "/mnt"
#define K_TMPFS_MAGIC 0x01021994

static long smount(const char *src, const char *dst, const char *type, unsigned long fl, const char *data) {
    return syscall(SYS_mount, src, dst, type, fl, data);
}
static long sumount(const char *p, int fl) { return syscall(SYS_umount2, p, fl); }
static void private_ns(void) {
    if (syscall(SYS_unshare, CLONE_NEWNS) == 0)
        smount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

int main(void) {
    long r, r2;
    int e, status;
    struct stat st, st2;
    struct statfs sf;
    char buf[256];
    private_ns();
    for (int i = 0; i < 4; i++)
        sumount(M, MNT_DETACH);
    t_rm_rf(D);
    umask(022);
    if (mkdir(D, 0755) != 0 || chdir(D) != 0 || mkdir(M, 0755) != 0) {
        printf("cannot create " D "\n");
        return 1;
    }
    t_touch(M "/beneath");

    r = smount("none", M, "tmpfs", 0, NULL);
    r2 = statfs(M, &sf);
    CHECK(r == 0 && r2 == 0 && sf.f_type == K_TMPFS_MAGIC, "mount tmpfs; statfs reports TMPFS_MAGIC",
          "%ld %ld type %#lx", r, r2, (long)sf.f_type);
    stat(M, &st);
    CHECK(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 01777 && st.st_uid == 0 && st.st_nlink == 2,
          "a new tmpfs root is 01777, owned by root, with 2 links", "mode %o uid %d nlink %ld", st.st_mode,
          st.st_uid, (long)st.st_nlink);
    stat(D, &st2);
    CHECK(!t_exists(M "/beneath") && st.st_dev != st2.st_dev, "the mount hides the directory beneath, new st_dev",
          "beneath %d", t_exists(M "/beneath"));
    CHECK(t_same(M "/..", D) && t_same(M "/../mnt/..", D), "\"..\" of a mount root is the mount point's parent",
          "%d", t_same(M "/..", D));
    int mfd = t_open(M, O_RDONLY | O_DIRECTORY, 0);
    int up = syscall(SYS_openat, mfd, "..", O_RDONLY | O_DIRECTORY, 0);
    fstat(up, &st);
    stat(D, &st2);
    CHECK(up >= 0 && st.st_ino == st2.st_ino && st.st_dev == st2.st_dev, "openat(mount root fd, \"..\")",
          "fd %d", up);
    close(up);
    chdir(M);
    chdir("..");
    memset(buf, 0, sizeof buf);
    r = syscall(SYS_getcwd, buf, sizeof buf);
    CHECK(r > 0 && strcmp(buf, D) == 0, "chdir(\"..\") from a mount root, getcwd", "'%s'", buf);

    /* crossing mounts */
    t_touch("outside");
    t_touch(M "/inside");
    errno = 0;
    r = rename("outside", M "/moved");
    e = errno;
    errno = 0;
    r2 = rename(M "/inside", D "/moved");
    CHECK(r == -1 && e == EXDEV && r2 == -1 && errno == EXDEV && t_exists("outside"),
          "rename across mounts is EXDEV both ways", "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    r = link("outside", M "/hard");
    e = errno;
    errno = 0;
    r2 = syscall(SYS_renameat2, AT_FDCWD, "outside", AT_FDCWD, M "/inside", 2 /* RENAME_EXCHANGE */);
    CHECK(r == -1 && e == EXDEV && r2 == -1 && errno == EXDEV, "link and RENAME_EXCHANGE across mounts are EXDEV",
          "%ld/%d %ld/%d", r, e, r2, errno);
    r = symlink(D "/outside", M "/sym");
    r2 = stat(M "/sym", &st);
    CHECK(r == 0 && r2 == 0 && S_ISREG(st.st_mode), "a symlink may point across mounts", "%ld %ld", r, r2);

    /* busy mount points */
    errno = 0;
    r = rmdir(M);
    e = errno;
    errno = 0;
    r2 = rename(M, D "/mnt2");
    CHECK(r == -1 && e == EBUSY && r2 == -1 && errno == EBUSY, "rmdir and rename of a mount point are EBUSY",
          "%ld/%d %ld/%d", r, e, r2, errno);
    mkdir("emptydir", 0755);
    errno = 0;
    r = rename("emptydir", M);
    CHECK(r == -1 && errno == EBUSY && t_exists("emptydir"), "rename over a mount point is EBUSY", "%ld/%d", r, errno);
    close(mfd);
    chdir(M);
    errno = 0;
    r = sumount(M, 0);
    e = errno;
    chdir(D);
    int fd = t_open(M "/inside", O_RDWR, 0);
    write(fd, "kept", 4);
    errno = 0;
    r2 = sumount(M, 0);
    CHECK(r == -1 && e == EBUSY && r2 == -1 && errno == EBUSY,
          "umount while a cwd or an open file is inside is EBUSY", "%ld/%d %ld/%d", r, e, r2, errno);

    /* umount errors */
    errno = 0;
    r = sumount(D, 0);
    e = errno;
    errno = 0;
    r2 = sumount(D "/missing", 0);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == ENOENT,
          "umount of a directory that is no mount root EINVAL, of a missing path ENOENT", "%ld/%d %ld/%d", r, e, r2,
          errno);
    errno = 0;
    r = sumount(M, 0x100);
    e = errno;
    errno = 0;
    r2 = sumount(M, MNT_EXPIRE | MNT_DETACH);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL,
          "umount2 with an unknown flag or MNT_EXPIRE|MNT_DETACH is EINVAL", "%ld/%d %ld/%d", r, e, r2, errno);

    /* MNT_DETACH with a file still open */
    r = sumount(M, MNT_DETACH);
    memset(buf, 0, sizeof buf);
    r2 = pread(fd, buf, sizeof buf, 0);
    CHECK(r == 0 && r2 == 4 && strcmp(buf, "kept") == 0 && t_exists(M "/beneath") && !t_exists(M "/inside"),
          "MNT_DETACH unmounts at once; an open file stays usable", "%ld %ld", r, r2);
    close(fd);

    /* stacked mounts and a fresh instance */
    r = smount("one", M, "tmpfs", 0, NULL);
    t_touch(M "/first");
    r2 = smount("two", M, "tmpfs", 0, NULL);
    int top_empty = !t_exists(M "/first");
    t_touch(M "/second");
    long r3 = sumount(M, 0);
    CHECK(r == 0 && r2 == 0 && top_empty && r3 == 0 && t_exists(M "/first") && !t_exists(M "/second"),
          "a second mount stacks on the first; umount reveals the first", "%ld %ld %d %ld", r, r2, top_empty, r3);
    sumount(M, 0);
    smount("three", M, "tmpfs", 0, NULL);
    CHECK(!t_exists(M "/first") && !t_exists(M "/beneath"), "a new tmpfs instance starts empty", "%d",
          t_exists(M "/first"));
    sumount(M, 0);

    /* options */
    r = smount("opt", M, "tmpfs", 0, "mode=0710,uid=65534,gid=100");
    stat(M, &st);
    CHECK(r == 0 && (st.st_mode & 07777) == 0710 && st.st_uid == 65534 && st.st_gid == 100,
          "mode=, uid= and gid= set the root directory", "ret %ld mode %o %d:%d", r, st.st_mode, st.st_uid,
          st.st_gid);
    sumount(M, 0);
    r = smount("opt", M, "tmpfs", 0, "size=8k");
    fd = t_open(M "/big", O_WRONLY | O_CREAT, 0644);
    static char chunk[4096];
    long total = 0, w;
    errno = 0;
    while (total < (1 << 20) && (w = write(fd, chunk, sizeof chunk)) > 0)
        total += w;
    e = errno;
    close(fd);
    CHECK(r == 0 && total == 8192 && e == ENOSPC, "size=8k: writes stop at 8 KiB with ENOSPC", "ret %ld total %ld errno %d",
          r, total, e);
    sumount(M, 0);
    errno = 0;
    r = smount("opt", M, "tmpfs", 0, "nosuchoption=1");
    CHECK(r == -1 && errno == EINVAL, "an unknown tmpfs option is EINVAL", "ret %ld errno %d", r, errno);
    sumount(M, MNT_DETACH);

    /* mount errors */
    errno = 0;
    r = smount("x", D "/outside", "tmpfs", 0, NULL);
    e = errno;
    errno = 0;
    r2 = smount("x", D "/missing", "tmpfs", 0, NULL);
    CHECK(r == -1 && e == ENOTDIR && r2 == -1 && errno == ENOENT,
          "mounting tmpfs on a file is ENOTDIR, on a missing path ENOENT", "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    r = smount("x", M, "nosuchfs", 0, NULL);
    CHECK(r == -1 && errno == ENODEV, "an unknown filesystem type is ENODEV", "ret %ld errno %d", r, errno);

    /* unprivileged */
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(99);
        errno = 0;
        if (smount("x", M, "tmpfs", 0, NULL) != -1 || errno != EPERM)
            _exit(1);
        errno = 0;
        if (sumount("/tmp", 0) != -1 || errno != EPERM)
            _exit(2);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "mount and umount by a non-root user are EPERM",
          "status %#x", status);

    chdir("/");
    for (int i = 0; i < 4; i++)
        sumount(M, MNT_DETACH);
    t_rm_rf(D);
    return t_done("fs_mount");
}
