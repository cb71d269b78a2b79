/* stat/lstat/fstat/newfstatat/statx: file types, /dev/null's device
 * numbers, st_nlink, st_size, ownership, AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW,
 * the statx mask, timestamps after write/chmod, utimensat (UTIME_NOW,
 * UTIME_OMIT, explicit times, on symlinks and fds), statfs/fstatfs. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_stat.d"

/* statx mask bits (struct kstatx, the kernel's struct statx, is in files.h) */
#define K_STATX_BASIC_STATS 0x7ffU
#define K_STATX_RESERVED 0x80000000U

static long sstat(const char *p, struct stat *st) { return syscall(SYS_stat, p, st); }
static long slstat(const char *p, struct stat *st) { return syscall(SYS_lstat, p, st); }
static long sfstatat(int dfd, const char *p, struct stat *st, int fl) {
    return syscall(SYS_newfstatat, dfd, p, st, fl);
}
static long sstatx(int dfd, const char *p, int fl, unsigned mask, struct kstatx *sx) {
    return syscall(SYS_statx, dfd, p, fl, mask, sx);
}
static long sutimensat(int dfd, const char *p, const struct timespec *ts, int fl) {
    return syscall(SYS_utimensat, dfd, p, ts, fl);
}
static int ts_gt(struct timespec a, struct timespec b) {
    return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}
static int ts_eq(struct timespec a, long s, long ns) { return a.tv_sec == s && a.tv_nsec == ns; }
static void msleep(int ms) {
    struct timespec t = {0, ms * 1000000L};
    nanosleep(&t, NULL);
}

int main(void) {
    long r, r2;
    int e;
    struct stat st, st2;
    struct kstatx sx;
    if (t_fresh_dir(D) != 0)
        return 1;
    int fd = t_open("f", O_RDWR | O_CREAT, 0640);
    write(fd, "hello", 5);
    mkdir("d", 0755);
    symlink("f", "sl");

    /* types */
    r = sstat("f", &st);
    CHECK(r == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0640 && st.st_size == 5 && st.st_nlink == 1,
          "stat of a file: S_IFREG, mode, size 5, nlink 1", "ret %ld mode %o size %ld nlink %ld", r, st.st_mode,
          (long)st.st_size, (long)st.st_nlink);
    CHECK(st.st_uid == 0 && st.st_gid == 0 && st.st_blksize > 0, "a file created by root is owned by 0:0",
          "uid %d gid %d blksize %ld", st.st_uid, st.st_gid, (long)st.st_blksize);
    r = sstat("d", &st);
    CHECK(r == 0 && S_ISDIR(st.st_mode) && st.st_nlink == 2, "stat of a directory: S_IFDIR, nlink 2",
          "ret %ld mode %o nlink %ld", r, st.st_mode, (long)st.st_nlink);
    r = slstat("sl", &st);
    r2 = sstat("sl", &st2);
    CHECK(r == 0 && r2 == 0 && S_ISLNK(st.st_mode) && (st.st_mode & 0777) == 0777 && st.st_size == 1 &&
              S_ISREG(st2.st_mode) && st2.st_size == 5,
          "lstat sees the symlink (0777, size 1), stat its target", "%ld %ld mode %o %o", r, r2, st.st_mode,
          st2.st_mode);
    r = sstat("/dev/null", &st);
    CHECK(r == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3,
          "/dev/null is a character device 1:3", "ret %ld mode %o rdev %d:%d", r, st.st_mode, major(st.st_rdev),
          minor(st.st_rdev));
    int p[2];
    pipe(p);
    r = fstat(p[0], &st);
    CHECK(r == 0 && S_ISFIFO(st.st_mode), "fstat of a pipe: S_IFIFO", "ret %ld mode %o", r, st.st_mode);
    close(p[0]);
    close(p[1]);

    /* fstat / newfstatat flags */
    r = fstat(fd, &st);
    sstat("f", &st2);
    CHECK(r == 0 && st.st_ino == st2.st_ino && st.st_dev == st2.st_dev && st.st_size == 5,
          "fstat matches stat", "ret %ld", r);
    r = sfstatat(fd, "", &st, AT_EMPTY_PATH);
    errno = 0;
    r2 = sfstatat(fd, "", &st2, 0);
    CHECK(r == 0 && st.st_ino == st2.st_ino && S_ISREG(st.st_mode) && r2 == -1 && errno == ENOENT,
          "newfstatat: \"\" needs AT_EMPTY_PATH, else ENOENT", "%ld %ld/%d", r, r2, errno);
    r = sfstatat(AT_FDCWD, "sl", &st, AT_SYMLINK_NOFOLLOW);
    r2 = sfstatat(AT_FDCWD, "sl", &st2, 0);
    CHECK(r == 0 && r2 == 0 && S_ISLNK(st.st_mode) && S_ISREG(st2.st_mode),
          "newfstatat follows symlinks unless AT_SYMLINK_NOFOLLOW", "%ld %ld", r, r2);
    int dfd = t_open("d", O_RDONLY | O_DIRECTORY, 0);
    t_open("d/inner", O_WRONLY | O_CREAT, 0600);
    r = sfstatat(dfd, "inner", &st, 0);
    CHECK(r == 0 && (st.st_mode & 07777) == 0600, "newfstatat relative to a dirfd", "ret %ld", r);
    errno = 0;
    r = sfstatat(AT_FDCWD, "f", &st, 0x1);
    e = errno;
    errno = 0;
    r2 = fstat(999, &st);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EBADF, "newfstatat with a bad flag is EINVAL, fstat of a bad fd EBADF",
          "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    r = sstat("missing", &st);
    e = errno;
    errno = 0;
    r2 = sstat("f/x", &st);
    CHECK(r == -1 && e == ENOENT && r2 == -1 && errno == ENOTDIR, "stat of a missing path ENOENT, through a file ENOTDIR",
          "%ld/%d %ld/%d", r, e, r2, errno);

    /* statx */
    memset(&sx, 0xff, sizeof sx);
    r = sstatx(AT_FDCWD, "f", 0, K_STATX_BASIC_STATS, &sx);
    sstat("f", &st);
    CHECK(r == 0 && (sx.mask & K_STATX_BASIC_STATS) == K_STATX_BASIC_STATS, "statx reports STATX_BASIC_STATS",
          "ret %ld mask %#x", r, sx.mask);
    CHECK(sx.ino == st.st_ino && sx.size == 5 && sx.mode == st.st_mode && sx.nlink == 1 && sx.uid == 0 &&
              sx.gid == 0 && sx.mtime.tv_sec == st.st_mtim.tv_sec && sx.mtime.tv_nsec == st.st_mtim.tv_nsec &&
              makedev(sx.dev_major, sx.dev_minor) == st.st_dev,
          "statx fields agree with stat", "size %lu mode %o", (unsigned long)sx.size, sx.mode);
    r = sstatx(AT_FDCWD, "sl", AT_SYMLINK_NOFOLLOW, K_STATX_BASIC_STATS, &sx);
    r2 = sx.mode;
    CHECK(r == 0 && S_ISLNK(r2), "statx AT_SYMLINK_NOFOLLOW sees the symlink", "ret %ld mode %lo", r, r2);
    r = sstatx(fd, "", AT_EMPTY_PATH, K_STATX_BASIC_STATS, &sx);
    CHECK(r == 0 && sx.ino == st.st_ino, "statx with AT_EMPTY_PATH on an fd", "ret %ld", r);
    r = sstatx(AT_FDCWD, "/dev/null", 0, K_STATX_BASIC_STATS, &sx);
    CHECK(r == 0 && sx.rdev_major == 1 && sx.rdev_minor == 3, "statx of /dev/null: rdev 1:3", "ret %ld %u:%u", r,
          sx.rdev_major, sx.rdev_minor);
    errno = 0;
    r = sstatx(AT_FDCWD, "f", 0, K_STATX_RESERVED, &sx);
    e = errno;
    errno = 0;
    r2 = sstatx(AT_FDCWD, "f", 0x80000000, K_STATX_BASIC_STATS, &sx);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "statx with a reserved mask bit or unknown flag is EINVAL",
          "%ld/%d %ld/%d", r, e, r2, errno);

    /* timestamps move forward */
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    sutimensat(AT_FDCWD, "f", old, 0);
    sstat("f", &st);
    write(fd, "!", 1);
    sstat("f", &st2);
    CHECK(ts_eq(st.st_mtim, 1000000000, 0) && ts_gt(st2.st_mtim, st.st_mtim) && ts_gt(st2.st_ctim, st.st_mtim) &&
              ts_eq(st2.st_atim, 1000000000, 0),
          "write moves mtime and ctime forward, not atime", "mtime %ld", (long)st2.st_mtim.tv_sec);
    struct timespec c0 = st2.st_ctim, m0 = st2.st_mtim;
    msleep(30);
    chmod("f", 0600);
    sstat("f", &st);
    CHECK(ts_gt(st.st_ctim, c0) && ts_eq(st.st_mtim, m0.tv_sec, m0.tv_nsec), "chmod moves ctime only", "ctime %ld",
          (long)st.st_ctim.tv_sec);
    c0 = st.st_ctim;
    msleep(30);
    ftruncate(fd, 2);
    sstat("f", &st);
    CHECK(ts_gt(st.st_ctim, c0) && ts_gt(st.st_mtim, m0), "ftruncate moves mtime and ctime", "ctime %ld",
          (long)st.st_ctim.tv_sec);
    sstat("d", &st);
    old[0].tv_sec = old[1].tv_sec = 1000000000;
    sutimensat(AT_FDCWD, "d", old, 0);
    t_open("d/new", O_WRONLY | O_CREAT, 0644);
    sstat("d", &st);
    CHECK(st.st_mtim.tv_sec > 1000000000, "creating an entry moves the directory's mtime", "mtime %ld",
          (long)st.st_mtim.tv_sec);

    /* utimensat */
    struct timespec ts[2] = {{1234567890, 123456789}, {1300000000, 987654321}};
    r = sutimensat(AT_FDCWD, "f", ts, 0);
    sstat("f", &st);
    CHECK(r == 0 && ts_eq(st.st_atim, 1234567890, 123456789) && ts_eq(st.st_mtim, 1300000000, 987654321),
          "utimensat sets explicit times to the nanosecond", "ret %ld atime %ld.%ld", r, (long)st.st_atim.tv_sec,
          (long)st.st_atim.tv_nsec);
    struct timespec now_omit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    r = sutimensat(AT_FDCWD, "f", now_omit, 0);
    sstat("f", &st);
    CHECK(r == 0 && st.st_atim.tv_sec > 1600000000 && ts_eq(st.st_mtim, 1300000000, 987654321),
          "UTIME_NOW sets now, UTIME_OMIT keeps", "ret %ld", r);
    r = sutimensat(AT_FDCWD, "f", NULL, 0);
    sstat("f", &st);
    CHECK(r == 0 && st.st_mtim.tv_sec > 1600000000, "utimensat with NULL times sets both to now", "ret %ld", r);
    struct timespec lts[2] = {{1111111111, 0}, {1111111111, 0}};
    r = sutimensat(AT_FDCWD, "sl", lts, AT_SYMLINK_NOFOLLOW);
    slstat("sl", &st);
    sstat("sl", &st2);
    CHECK(r == 0 && st.st_mtim.tv_sec == 1111111111 && st2.st_mtim.tv_sec != 1111111111,
          "utimensat AT_SYMLINK_NOFOLLOW changes the link, not its target", "ret %ld", r);
    r = sutimensat(fd, NULL, lts, 0);
    fstat(fd, &st);
    CHECK(r == 0 && ts_eq(st.st_mtim, 1111111111, 0), "utimensat(fd, NULL) changes the open file (futimens)",
          "ret %ld", r);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    errno = 0;
    r = sutimensat(AT_FDCWD, "f", bad, 0);
    CHECK(r == -1 && errno == EINVAL, "utimensat with tv_nsec 1e9 is EINVAL", "ret %ld errno %d", r, errno);

    /* statfs / fstatfs */
    struct statfs sf, sf2;
    r = statfs("/tmp", &sf);
    r2 = fstatfs(fd, &sf2);
    CHECK(r == 0 && sf.f_bsize > 0 && r2 == 0 && sf2.f_bsize > 0 && sf2.f_namelen >= 255,
          "statfs and fstatfs succeed with f_bsize > 0", "%ld %ld", r, r2);
    errno = 0;
    r = statfs("/tmp/fs_stat.d/missing", &sf);
    CHECK(r == -1 && errno == ENOENT, "statfs of a missing path is ENOENT", "ret %ld errno %d", r, errno);

    close(fd);
    close(dfd);
    chdir("/");
    t_rm_rf(D);
    return t_done("fs_stat");
}
