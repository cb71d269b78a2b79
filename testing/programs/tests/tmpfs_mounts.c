/* Several tmpfs mounts: distinct st_dev per instance, EXDEV for rename and
 * link across them, a bind mount sharing the instance, MS_RDONLY giving
 * EROFS until a remount, umount EBUSY while a file is open and EINVAL on a
 * directory that is no mount point, mount over a file ENOTDIR, and mount
 * refused to a non-root user. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "../t.h"

#define D "/tmp/tmpfs_mounts.d"

static void cleanup(void) {
    umount2(D "/b", MNT_DETACH);
    umount2(D "/a", MNT_DETACH);
    umount2(D "/c", MNT_DETACH);
    rmdir(D "/a");
    rmdir(D "/b");
    rmdir(D "/c");
    unlink(D "/file");
    rmdir(D);
}

int main(void) {
    t_watchdog(30);
    umask(022);
    cleanup();
    mkdir(D, 0755);
    mkdir(D "/a", 0755);
    mkdir(D "/b", 0755);
    mkdir(D "/c", 0755);
    close(open(D "/file", O_CREAT | O_WRONLY, 0644));

    int r = mount("one", D "/a", "tmpfs", 0, "size=1m");
    int r2 = mount("two", D "/b", "tmpfs", 0, "size=1m");
    CHECK(r == 0 && r2 == 0, "mount two tmpfs instances", "%d %d errno %d", r, r2, errno);
    struct stat sa, sb, sd;
    stat(D "/a", &sa);
    stat(D "/b", &sb);
    stat(D, &sd);
    CHECK(sa.st_dev != sb.st_dev && sa.st_dev != sd.st_dev && sb.st_dev != sd.st_dev,
          "each instance has its own st_dev", "same dev");
    close(open(D "/a/f", O_CREAT | O_WRONLY, 0644));
    struct stat sf;
    stat(D "/a/f", &sf);
    CHECK(sf.st_dev == sa.st_dev, "a file inside shares its mount's st_dev", "dev differs");
    r = rename(D "/a/f", D "/b/f");
    CHECK(r == -1 && errno == EXDEV, "rename across tmpfs instances is EXDEV", "ret %d errno %d", r, errno);
    r = link(D "/a/f", D "/b/f");
    CHECK(r == -1 && errno == EXDEV, "link across tmpfs instances is EXDEV", "ret %d errno %d", r, errno);

    r = mount(D "/a", D "/c", NULL, MS_BIND, NULL);
    struct stat sc, scf;
    stat(D "/c", &sc);
    r2 = stat(D "/c/f", &scf);
    CHECK(r == 0 && sc.st_dev == sa.st_dev && r2 == 0 && scf.st_ino == sf.st_ino,
          "a bind mount shows the same instance and files", "%d %d", r, r2);
    r = rename(D "/a/f", D "/c/g");
    CHECK(r == -1 && errno == EXDEV, "rename between two mounts of one instance is still EXDEV", "ret %d errno %d", r,
          errno);
    umount2(D "/c", 0);

    r = mount("ro", D "/c", "tmpfs", MS_RDONLY, NULL);
    int fd = open(D "/c/x", O_CREAT | O_WRONLY, 0644);
    CHECK(r == 0 && fd == -1 && errno == EROFS, "creating in a read-only tmpfs is EROFS", "ret %d fd %d errno %d", r,
          fd, errno);
    r = mkdir(D "/c/d", 0755);
    CHECK(r == -1 && errno == EROFS, "mkdir in a read-only tmpfs is EROFS", "ret %d errno %d", r, errno);
    r = mount(NULL, D "/c", NULL, MS_REMOUNT, NULL);
    fd = open(D "/c/x", O_CREAT | O_WRONLY, 0644);
    CHECK(r == 0 && fd >= 0, "remounting read-write allows creating", "ret %d fd %d errno %d", r, fd, errno);
    r = mount(NULL, D "/c", NULL, MS_REMOUNT | MS_RDONLY, NULL);
    CHECK(r == -1 && errno == EBUSY, "remounting read-only with a file open for writing is EBUSY", "ret %d errno %d",
          r, errno);
    r = umount2(D "/c", 0);
    CHECK(r == -1 && errno == EBUSY, "umount with an open file is EBUSY", "ret %d errno %d", r, errno);
    close(fd);
    r = mount(NULL, D "/c", NULL, MS_REMOUNT | MS_RDONLY, NULL);
    int w = open(D "/c/x", O_WRONLY);
    CHECK(r == 0 && w == -1 && errno == EROFS, "after closing, remount read-only works and opening to write is EROFS",
          "ret %d fd %d errno %d", r, w, errno);
    r = umount2(D "/c", 0);
    CHECK(r == 0 && access(D "/c/x", F_OK) == -1, "umount succeeds and the files are gone", "ret %d errno %d", r,
          errno);

    r = umount2(D "/c", 0);
    CHECK(r == -1 && errno == EINVAL, "umount of a directory that is not a mount point is EINVAL", "ret %d errno %d",
          r, errno);
    r = umount2(D "/missing", 0);
    CHECK(r == -1 && errno == ENOENT, "umount of a missing path is ENOENT", "ret %d errno %d", r, errno);
    r = mount("x", D "/file", "tmpfs", 0, NULL);
    CHECK(r == -1 && errno == ENOTDIR, "mounting tmpfs on a regular file is ENOTDIR", "ret %d errno %d", r, errno);
    r = mount("x", D "/c", "nosuchfs", 0, NULL);
    CHECK(r == -1 && errno == ENODEV, "an unknown filesystem type is ENODEV", "ret %d errno %d", r, errno);

    pid_t pid = fork();
    if (pid == 0) {
        if (setresuid(65534, 65534, 65534)) _exit(9);
        int a = mount("x", D "/c", "tmpfs", 0, NULL) == -1 && errno == EPERM;
        int b = umount2(D "/a", 0) == -1 && errno == EPERM;
        _exit(a && b ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "mount and umount are EPERM for a non-root user", "status %x", st);

    r = umount2(D "/a", MNT_DETACH);
    r2 = umount2(D "/b", 0);
    stat(D "/a", &sa);
    CHECK(r == 0 && r2 == 0 && sa.st_dev == sd.st_dev, "MNT_DETACH and plain umount remove the mounts",
          "%d %d errno %d", r, r2, errno);
    cleanup();
    return t_done("tmpfs_mounts");
}
