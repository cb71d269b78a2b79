/* Per-mount flags on a tmpfs at /tmp/fs_mntflags.d/mnt: MS_RDONLY (EROFS
 * from every call that would write, reads still work, statfs ST_RDONLY,
 * access W_OK), MS_REMOUNT between ro and rw (EBUSY while a file is open
 * for writing), read-only bind mounts of one tree, MS_NODEV, MS_NOEXEC
 * (execve, access X_OK, PROT_EXEC mappings) and MS_NOSYMFOLLOW. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_mntflags.d"
#define M D "/mnt"
#define B D "/bind"
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#define K_ST_RDONLY 1

static long smount(const char *src, const char *dst, const char *type, unsigned long fl, const char *data) {
    return syscall(SYS_mount, src, dst, type, fl, data);
}
static long sumount(const char *p, int fl) { return syscall(SYS_umount2, p, fl); }
static void put(const char *p, const char *s) {
    int fd = t_open(p, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd >= 0) {
        if (write(fd, s, strlen(s)) < 0) {
        }
        close(fd);
    }
}
static void private_ns(void) {
    if (syscall(SYS_unshare, CLONE_NEWNS) == 0)
        smount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}
/* -1 with EROFS? */
#define EROFS_OF(expr) (errno = 0, (expr) == -1 && errno == EROFS)

/* Every writing call under a read-only path prefix; returns 0 or the step. */
static int all_erofs(const char *dir) {
    char f[128], n[128], sub[128], sl[128];
    snprintf(f, sizeof f, "%s/file", dir);
    snprintf(n, sizeof n, "%s/new", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(sl, sizeof sl, "%s/sl", dir);
    struct timespec ts[2] = {{1, 0}, {1, 0}};
    if (!EROFS_OF(t_open(f, O_WRONLY, 0))) return 1;
    if (!EROFS_OF(t_open(f, O_RDWR, 0))) return 2;
    if (!EROFS_OF(t_open(n, O_WRONLY | O_CREAT, 0644))) return 3;
    if (!EROFS_OF(mkdir(n, 0755))) return 4;
    if (!EROFS_OF(unlink(f))) return 5;
    if (!EROFS_OF(rmdir(sub))) return 6;
    if (!EROFS_OF(rename(f, n))) return 7;
    if (!EROFS_OF(link(f, n))) return 8;
    if (!EROFS_OF(symlink("x", n))) return 9;
    if (!EROFS_OF(mknod(n, S_IFIFO | 0644, 0))) return 10;
    if (!EROFS_OF(chmod(f, 0600))) return 11;
    if (!EROFS_OF(chown(f, 1, 1))) return 12;
    if (!EROFS_OF(truncate(f, 0))) return 13;
    if (!EROFS_OF(syscall(SYS_utimensat, AT_FDCWD, f, ts, 0))) return 14;
    if (!EROFS_OF(setxattr(f, "user.x", "v", 1, 0))) return 15;
    if (!EROFS_OF(syscall(SYS_access, f, W_OK))) return 16;
    if (!EROFS_OF(lchown(sl, 1, 1))) return 17;
    return 0;
}

int main(void) {
    long r, r2;
    int e, fd;
    struct stat st;
    struct statfs sf;
    char buf[64];
    private_ns();
    for (int i = 0; i < 3; i++) {
        sumount(B, MNT_DETACH);
        sumount(M, MNT_DETACH);
    }
    t_rm_rf(D);
    umask(022);
    if (mkdir(D, 0755) != 0 || chdir(D) != 0 || mkdir(M, 0755) != 0 || mkdir(B, 0755) != 0) {
        printf("cannot create " D "\n");
        return 1;
    }
    if (smount("fs_mntflags", M, "tmpfs", 0, NULL) != 0) {
        printf("cannot mount on " M "\n");
        return 1;
    }
    put(M "/file", "content");
    mkdir(M "/sub", 0755);
    symlink("file", M "/sl");

    /* read-only remount */
    r = smount(NULL, M, NULL, MS_REMOUNT | MS_RDONLY, NULL);
    r2 = statfs(M, &sf);
    CHECK(r == 0 && r2 == 0 && (sf.f_flags & K_ST_RDONLY), "MS_REMOUNT|MS_RDONLY; statfs reports ST_RDONLY",
          "%ld %ld flags %#lx", r, r2, (long)sf.f_flags);
    r = all_erofs(M);
    CHECK(r == 0, "on a read-only mount every writing call is EROFS", "step %ld errno %d", r, errno);
    fd = t_open(M "/file", O_RDONLY, 0);
    memset(buf, 0, sizeof buf);
    r = read(fd, buf, sizeof buf);
    r2 = stat(M "/sub", &st);
    CHECK(fd >= 0 && r == 7 && strcmp(buf, "content") == 0 && r2 == 0 && syscall(SYS_access, M "/file", R_OK) == 0,
          "a read-only mount still reads, stats and grants R_OK", "fd %d read %ld", fd, r);
    errno = 0;
    r = syscall(SYS_fchmod, fd, 0600);
    e = errno;
    errno = 0;
    r2 = ftruncate(fd, 0);
    CHECK(r == -1 && e == EROFS && r2 == -1 && errno == EINVAL,
          "fchmod of an open file is EROFS; ftruncate of an O_RDONLY fd EINVAL", "%ld/%d %ld/%d", r, e, r2, errno);
    close(fd);
    errno = 0;
    r = t_open(M "/missing", O_RDONLY, 0);
    e = errno;
    errno = 0;
    r2 = t_open(M "/file", O_RDONLY | O_TRUNC, 0);
    CHECK(r == -1 && e == ENOENT && r2 == -1 && errno == EROFS,
          "read-only: a missing name is still ENOENT; O_RDONLY|O_TRUNC is EROFS", "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    r = t_open(M "/file", O_WRONLY | O_CREAT, 0644);
    e = errno;
    errno = 0;
    r2 = mkdir(M "/sub", 0755);
    CHECK(r == -1 && e == EROFS && r2 == -1 && errno == EEXIST,
          "read-only: O_CREAT of an existing file for writing EROFS, mkdir of an existing name EEXIST",
          "%ld/%d %ld/%d", r, e, r2, errno);

    /* back to read-write */
    r = smount(NULL, M, NULL, MS_REMOUNT, NULL);
    fd = t_open(M "/file", O_WRONLY | O_APPEND, 0);
    r2 = write(fd, "+", 1);
    statfs(M, &sf);
    CHECK(r == 0 && fd >= 0 && r2 == 1 && !(sf.f_flags & K_ST_RDONLY), "MS_REMOUNT without MS_RDONLY makes it writable",
          "%ld fd %d write %ld", r, fd, r2);
    errno = 0;
    r = smount(NULL, M, NULL, MS_REMOUNT | MS_RDONLY, NULL);
    CHECK(r == -1 && errno == EBUSY, "remount read-only while a file is open for writing is EBUSY", "ret %ld errno %d",
          r, errno);
    close(fd);

    /* a read-only bind mount of the same tree */
    r = smount(M, B, NULL, MS_BIND, NULL);
    r2 = smount(NULL, B, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
    CHECK(r == 0 && r2 == 0, "bind mount, then MS_REMOUNT|MS_BIND|MS_RDONLY", "%ld %ld errno %d", r, r2, errno);
    r = all_erofs(B);
    CHECK(r == 0, "through the read-only bind every writing call is EROFS", "step %ld errno %d", r, errno);
    put(M "/file", "via-rw");
    fd = t_open(B "/file", O_RDONLY, 0);
    memset(buf, 0, sizeof buf);
    read(fd, buf, sizeof buf);
    close(fd);
    CHECK(strcmp(buf, "via-rw") == 0, "the writable mount of the same tree still writes; the bind sees it", "'%s'",
          buf);
    sumount(B, 0);
    sumount(M, 0);

    /* nodev */
    smount("nodev", M, "tmpfs", MS_NODEV, NULL);
    r = mknod(M "/null", S_IFCHR | 0666, makedev(1, 3));
    errno = 0;
    r2 = t_open(M "/null", O_RDONLY, 0);
    CHECK(r == 0 && r2 == -1 && errno == EACCES, "MS_NODEV: a device node can be made but opening it is EACCES",
          "%ld %ld/%d", r, r2, errno);
    mkfifo(M "/fifo", 0644);
    r = t_open(M "/fifo", O_RDONLY | O_NONBLOCK, 0);
    CHECK(r >= 0, "MS_NODEV: FIFOs still open", "ret %ld errno %d", r, errno);
    close(r);
    sumount(M, 0);

    /* noexec: a script whose interpreter is missing is ENOENT normally, EACCES on noexec */
    smount("exec", M, "tmpfs", 0, NULL);
    put(M "/script", "#!/nonexistent/interpreter\n");
    char *argv[] = {"script", NULL}, *envp[] = {NULL};
    errno = 0;
    r = execve(M "/script", argv, envp);
    e = errno;
    smount(NULL, M, NULL, MS_REMOUNT | MS_NOEXEC, NULL);
    errno = 0;
    r2 = execve(M "/script", argv, envp);
    CHECK(r == -1 && e == ENOENT && r2 == -1 && errno == EACCES,
          "MS_NOEXEC: execve is EACCES (ENOENT for the missing interpreter before)", "%ld/%d %ld/%d", r, e, r2, errno);
    r = syscall(SYS_access, M "/script", X_OK);
    CHECK(r == -1 && errno == EACCES, "MS_NOEXEC: access X_OK is EACCES", "ret %ld errno %d", r, errno);
    fd = t_open(M "/script", O_RDONLY, 0);
    void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    errno = 0;
    void *rx = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    CHECK(ro != MAP_FAILED && rx == MAP_FAILED && errno == EPERM, "MS_NOEXEC: mmap with PROT_EXEC is EPERM, without it works",
          "errno %d", errno);
    if (ro != MAP_FAILED)
        munmap(ro, 4096);
    close(fd);
    sumount(M, 0);

    /* nosymfollow */
    smount("nosym", M, "tmpfs", MS_NOSYMFOLLOW, NULL);
    put(M "/target", "t");
    symlink("target", M "/link");
    errno = 0;
    r = t_open(M "/link", O_RDONLY, 0);
    e = errno;
    memset(buf, 0, sizeof buf);
    r2 = readlink(M "/link", buf, sizeof buf);
    CHECK(r == -1 && e == ELOOP && r2 == 6 && strcmp(buf, "target") == 0,
          "MS_NOSYMFOLLOW: following a symlink is ELOOP, readlink works", "%ld/%d %ld", r, e, r2);
    r = lstat(M "/link", &st);
    CHECK(r == 0 && S_ISLNK(st.st_mode), "MS_NOSYMFOLLOW: lstat of the link works", "ret %ld", r);
    sumount(M, 0);

    chdir("/");
    for (int i = 0; i < 3; i++) {
        sumount(B, MNT_DETACH);
        sumount(M, MNT_DETACH);
    }
    t_rm_rf(D);
    return t_done("fs_mntflags");
}
