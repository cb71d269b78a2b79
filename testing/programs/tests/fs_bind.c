/* Bind mounts and MS_MOVE under /tmp/fs_bind.d: a directory and a file
 * bound elsewhere (same inode, shared data), type mismatches (ENOTDIR),
 * ".." from a bound subdirectory, submounts with and without MS_REC,
 * EBUSY for unlink/rename/rmdir of a bind target, EXDEV between two mounts
 * of one filesystem, read-only remounts of the filesystem (all binds) and
 * of one mount (MS_BIND), a bind outliving the original mount, MS_MOVE
 * (and ELOOP into itself). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_bind.d"
#define SRC D "/src"

static long smount(const char *src, const char *dst, const char *type, unsigned long fl) {
    return syscall(SYS_mount, src, dst, type, fl, NULL);
}
static long sumount(const char *p, int fl) { return syscall(SYS_umount2, p, fl); }
static const char *points[] = {D "/b/sub/inner", D "/b", D "/rec/sub/inner", D "/rec", D "/fileb", D "/subb",
                               D "/moved", D "/m2", SRC "/sub/inner", SRC, D "/m1"};
static void umount_all(void) {
    for (int pass = 0; pass < 3; pass++)
        for (unsigned i = 0; i < sizeof points / sizeof points[0]; i++)
            sumount(points[i], MNT_DETACH);
}

int main(void) {
    long r, r2;
    if (syscall(SYS_unshare, CLONE_NEWNS) == 0)
        smount(NULL, "/", NULL, MS_REC | MS_PRIVATE);
    umount_all();
    t_rm_rf(D);
    umask(022);
    if (mkdir(D, 0755) != 0 || chdir(D) != 0 || mkdir(SRC, 0755) != 0 || smount("fs_bind", SRC, "tmpfs", 0) != 0) {
        printf("cannot mount a tmpfs on " SRC "\n");
        return 1;
    }
    mkdir(SRC "/sub", 0755);
    mkdir(SRC "/sub/inner", 0755);
    t_put(SRC "/file", "source file");
    t_put(SRC "/sub/f", "in sub");
    mkdir(D "/b", 0755);
    mkdir(D "/rec", 0755);
    mkdir(D "/subb", 0755);
    mkdir(D "/m1", 0755);
    mkdir(D "/m2", 0755);
    t_put(D "/fileb", "target file");
    t_put(D "/b/hidden", "x");

    r = smount(SRC, D "/b", NULL, MS_BIND);
    CHECK(r == 0 && t_same(SRC, D "/b") && strcmp(t_get(D "/b/file"), "source file") == 0 && !t_exists(D "/b/hidden"),
          "a bound directory shows the source tree (same inode and device)", "ret %ld errno %d", r, errno);
    t_put(D "/b/new", "written via bind");
    CHECK(strcmp(t_get(SRC "/new"), "written via bind") == 0, "a file created through the bind appears in the source",
          "'%s'", t_get(SRC "/new"));
    r = smount(NULL, SRC, NULL, MS_REMOUNT | MS_RDONLY);
    CHECK(r == 0 && FAILS(t_open(D "/b/ro-test", O_WRONLY | O_CREAT, 0644), EROFS),
          "a remount read-only without MS_BIND reaches every bind of the filesystem", "ret %ld errno %d", r, errno);
    smount(NULL, SRC, NULL, MS_REMOUNT);
    r = smount(NULL, SRC, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY);
    int wfd = t_open(D "/b/rw-test", O_WRONLY | O_CREAT, 0644);
    CHECK(r == 0 && wfd >= 0 && FAILS(t_open(SRC "/rw-test2", O_WRONLY | O_CREAT, 0644), EROFS),
          "with MS_BIND only that mount becomes read-only", "ret %ld fd %d errno %d", r, wfd, errno);
    close(wfd);
    smount(NULL, SRC, NULL, MS_REMOUNT | MS_BIND);
    r = smount(SRC "/file", D "/fileb", NULL, MS_BIND);
    CHECK(r == 0 && strcmp(t_get(D "/fileb"), "source file") == 0 && t_same(SRC "/file", D "/fileb"),
          "a file bound onto a file shows the source file", "ret %ld errno %d", r, errno);
    CHECK(FAILS(smount(SRC "/file", D "/m1", NULL, MS_BIND), ENOTDIR) &&
              FAILS(smount(SRC "/sub", D "/fileb", NULL, MS_BIND), ENOTDIR),
          "binding a file onto a directory or a directory onto a file is ENOTDIR", "errno %d", errno);
    CHECK(FAILS(smount(SRC "/missing", D "/m1", NULL, MS_BIND), ENOENT), "binding a missing source is ENOENT",
          "errno %d", errno);
    CHECK(FAILS(unlink(D "/fileb"), EBUSY) && FAILS(rename(D "/fileb", D "/other"), EBUSY) &&
              FAILS(rename(SRC "/new", D "/fileb"), EXDEV),
          "unlink or rename of a bind-mounted file is EBUSY", "errno %d", errno);
    t_put(D "/plain", "p");
    CHECK(FAILS(rename(D "/plain", D "/fileb"), EBUSY), "rename over a bind-mounted file is EBUSY", "errno %d",
          errno);
    r = sumount(D "/fileb", 0);
    CHECK(r == 0 && strcmp(t_get(D "/fileb"), "target file") == 0, "umount of the file bind shows the original again",
          "ret %ld '%s'", r, t_get(D "/fileb"));

    /* a bound subdirectory: ".." belongs to where it is mounted */
    r = smount(SRC "/sub", D "/subb", NULL, MS_BIND);
    CHECK(r == 0 && strcmp(t_get(D "/subb/f"), "in sub") == 0 && t_same(D "/subb/..", D) && !t_exists(D "/subb/../file"),
          "\"..\" from a bound subdirectory is the mount point's parent", "ret %ld", r);
    CHECK(FAILS(rename(D "/subb/f", SRC "/f-moved"), EXDEV) && FAILS(link(D "/subb/f", SRC "/f-linked"), EXDEV),
          "rename and link between two mounts of one filesystem are EXDEV", "errno %d", errno);
    CHECK(FAILS(rmdir(D "/subb"), EBUSY) && FAILS(rmdir(SRC "/sub/inner/../../sub"), ENOTEMPTY),
          "rmdir of a bind mount point is EBUSY", "errno %d", errno);

    /* submounts: MS_BIND alone leaves them out, MS_REC takes them */
    smount("inner", SRC "/sub/inner", "tmpfs", 0);
    t_put(SRC "/sub/inner/deep", "deep");
    sumount(D "/b", 0);
    r = smount(SRC, D "/b", NULL, MS_BIND);
    r2 = smount(SRC, D "/rec", NULL, MS_BIND | MS_REC);
    CHECK(r == 0 && r2 == 0 && !t_exists(D "/b/sub/inner/deep") && strcmp(t_get(D "/rec/sub/inner/deep"), "deep") == 0,
          "MS_BIND leaves submounts out, MS_BIND|MS_REC copies them", "%ld %ld", r, r2);
    CHECK(FAILS(sumount(SRC, 0), EBUSY), "umount of a mount with a submount is EBUSY", "errno %d", errno);
    sumount(D "/rec/sub/inner", 0);
    sumount(D "/rec", 0);
    sumount(SRC "/sub/inner", 0);
    sumount(D "/subb", 0);
    r = sumount(SRC, 0);
    CHECK(r == 0 && strcmp(t_get(D "/b/file"), "source file") == 0 && !t_exists(SRC "/file"),
          "a bind outlives the umount of the original mount", "ret %ld errno %d", r, errno);

    /* MS_MOVE */
    r = smount(D "/b", D "/m1", NULL, MS_MOVE);
    CHECK(r == 0 && strcmp(t_get(D "/m1/file"), "source file") == 0 && !t_exists(D "/b/file"),
          "MS_MOVE moves a mount to another directory", "ret %ld errno %d", r, errno);
    mkdir(D "/m1/sub/deeper", 0755);
    CHECK(FAILS(smount(D "/m1", D "/m1/sub/deeper", NULL, MS_MOVE), ELOOP),
          "MS_MOVE of a mount into its own subtree is ELOOP", "errno %d", errno);
    CHECK(FAILS(smount(D "/m2", D "/m1", NULL, MS_MOVE), EINVAL), "MS_MOVE of a directory that is no mount is EINVAL",
          "errno %d", errno);
    sumount(D "/m1", 0);
    CHECK(!t_exists(D "/m1/file") && !t_exists(D "/b/file"), "after the last umount nothing is left mounted", "%d",
          t_exists(D "/m1/file"));

    chdir("/");
    umount_all();
    t_rm_rf(D);
    return t_done("fs_bind");
}
