/* The *at family with directory descriptors, beyond fs_openat: every call
 * relative to an O_PATH directory fd, a file or pipe as dirfd (ENOTDIR), a
 * bad dirfd (EBADF) and absolute paths ignoring it, a dirfd whose directory
 * was renamed (it follows) or removed (ENOENT for new names), AT_EMPTY_PATH
 * on O_PATH fds for fchownat/fchmodat2/faccessat2, and fchmod/fchown on an
 * O_PATH fd (EBADF). */
#define _GNU_SOURCE
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_dirfd.d"

#define AT(...) syscall(__VA_ARGS__)

int main(void) {
    long r;
    struct stat st;
    char buf[64];
    if (t_fresh_dir(D) != 0)
        return 1;
    mkdir("d", 0755);
    close(t_open("file", O_WRONLY | O_CREAT, 0644));
    int p = t_open("d", O_PATH | O_DIRECTORY, 0);

    r = AT(SYS_mkdirat, p, "sub", 0700) | AT(SYS_mknodat, p, "fifo", S_IFIFO | 0644, 0) |
        AT(SYS_symlinkat, "fifo", p, "sl") | AT(SYS_linkat, p, "fifo", p, "fifo2", 0);
    CHECK(r == 0 && S_ISDIR(t_st_of("d/sub")->st_mode) && S_ISFIFO(t_st_of("d/fifo2")->st_mode) && S_ISLNK(t_st_of("d/sl")->st_mode),
          "mkdirat, mknodat, symlinkat and linkat relative to an O_PATH dirfd", "ret %ld errno %d", r, errno);
    r = AT(SYS_renameat, p, "fifo2", p, "fifo3") | AT(SYS_unlinkat, p, "fifo3", 0) | AT(SYS_unlinkat, p, "sub", AT_REMOVEDIR);
    CHECK(r == 0 && !t_exists("d/fifo3") && !t_exists("d/sub"), "renameat and unlinkat relative to an O_PATH dirfd",
          "ret %ld errno %d", r, errno);
    memset(buf, 0, sizeof buf);
    r = AT(SYS_fchmodat, p, "fifo", 0600) | AT(SYS_fchownat, p, "fifo", 7, 8, 0) |
        AT(SYS_faccessat, p, "fifo", R_OK) | AT(SYS_newfstatat, p, "fifo", &st, 0);
    long n = AT(SYS_readlinkat, p, "sl", buf, sizeof buf);
    CHECK(r == 0 && n == 4 && (t_st_of("d/fifo")->st_mode & 0777) == 0600 && t_st.st_uid == 7 && st.st_gid == 8,
          "fchmodat, fchownat, faccessat, newfstatat and readlinkat relative to an O_PATH dirfd", "ret %ld errno %d",
          r, errno);
    struct timespec ts[2] = {{1000, 0}, {2000, 0}};
    r = AT(SYS_utimensat, p, "fifo", ts, 0);
    CHECK(r == 0 && t_st_of("d/fifo")->st_mtim.tv_sec == 2000, "utimensat relative to an O_PATH dirfd", "ret %ld", r);

    /* a file or a pipe as dirfd */
    int f = t_open("file", O_RDONLY, 0);
    CHECK(FAILS(AT(SYS_mkdirat, f, "x", 0755), ENOTDIR) && FAILS(AT(SYS_unlinkat, f, "x", 0), ENOTDIR) &&
              FAILS(AT(SYS_symlinkat, "t", f, "x"), ENOTDIR) && FAILS(AT(SYS_mknodat, f, "x", S_IFIFO | 0644, 0), ENOTDIR),
          "mkdirat, unlinkat, symlinkat and mknodat with a file dirfd are ENOTDIR", "errno %d", errno);
    CHECK(FAILS(AT(SYS_renameat, AT_FDCWD, "file", f, "x"), ENOTDIR) && FAILS(AT(SYS_renameat, f, "x", AT_FDCWD, "y"), ENOTDIR) &&
              FAILS(AT(SYS_linkat, AT_FDCWD, "file", f, "x", 0), ENOTDIR),
          "renameat and linkat with a file dirfd on either side are ENOTDIR", "errno %d", errno);
    int pp[2];
    pipe(pp);
    CHECK(FAILS(AT(SYS_newfstatat, pp[0], "x", &st, 0), ENOTDIR) && FAILS(AT(SYS_mkdirat, pp[1], "x", 0755), ENOTDIR),
          "a pipe as dirfd is ENOTDIR", "errno %d", errno);
    close(pp[0]);
    close(pp[1]);

    /* bad dirfds */
    CHECK(FAILS(AT(SYS_mkdirat, 999, "x", 0755), EBADF) && FAILS(AT(SYS_unlinkat, -5, "x", 0), EBADF) &&
              FAILS(AT(SYS_renameat, 999, "x", AT_FDCWD, "y"), EBADF) && FAILS(AT(SYS_fchmodat, 999, "x", 0644), EBADF),
          "a bad dirfd with a relative path is EBADF", "errno %d", errno);
    r = AT(SYS_mkdirat, 999, D "/abs", 0755) | AT(SYS_fchmodat, -5, D "/abs", 0700) |
        AT(SYS_renameat, 999, D "/abs", -5, D "/abs2") | AT(SYS_unlinkat, 999, D "/abs2", AT_REMOVEDIR);
    CHECK(r == 0 && !t_exists("abs2"), "absolute paths ignore a bad dirfd in every *at call", "ret %ld errno %d", r, errno);

    /* the directory behind a dirfd moves or goes */
    mkdir("moving", 0755);
    int m = t_open("moving", O_RDONLY | O_DIRECTORY, 0);
    rename("moving", "d/moved");
    r = AT(SYS_mkdirat, m, "inside", 0755);
    CHECK(r == 0 && t_exists("d/moved/inside"), "a dirfd follows its directory through a rename", "ret %ld errno %d", r,
          errno);
    rmdir("d/moved/inside");
    rmdir("d/moved");
    CHECK(FAILS(AT(SYS_mkdirat, m, "new", 0755), ENOENT) && FAILS(AT(SYS_openat, m, "new", O_WRONLY | O_CREAT, 0644), ENOENT) &&
              FAILS(AT(SYS_symlinkat, "t", m, "new"), ENOENT),
          "creating relative to the dirfd of a removed directory is ENOENT", "errno %d", errno);
    r = AT(SYS_newfstatat, m, ".", &st, 0);
    CHECK(r == 0 && st.st_nlink == 0, "the removed directory itself still stats, with nlink 0", "ret %ld nlink %ld", r,
          (long)st.st_nlink);
    close(m);

    /* O_PATH fds and AT_EMPTY_PATH */
    int pf = t_open("file", O_PATH, 0);
    r = AT(SYS_fchownat, pf, "", 11, 12, AT_EMPTY_PATH);
    CHECK(r == 0 && t_st_of("file")->st_uid == 11 && t_st.st_gid == 12, "fchownat(O_PATH fd, \"\", AT_EMPTY_PATH)",
          "ret %ld errno %d", r, errno);
    r = AT(452 /* fchmodat2 */, pf, "", 0640, AT_EMPTY_PATH);
    CHECK(r == 0 && (t_st_of("file")->st_mode & 0777) == 0640, "fchmodat2(O_PATH fd, \"\", AT_EMPTY_PATH)",
          "ret %ld errno %d", r, errno);
    r = AT(439 /* faccessat2 */, pf, "", R_OK, AT_EMPTY_PATH);
    CHECK(r == 0, "faccessat2(O_PATH fd, \"\", AT_EMPTY_PATH)", "ret %ld errno %d", r, errno);
    /* raw calls: musl retries fchmod on O_PATH fds through /proc/self/fd */
    CHECK(FAILS(AT(SYS_fchmod, pf, 0600), EBADF) && FAILS(AT(SYS_fchown, pf, 0, 0), EBADF), "fchmod and fchown of an O_PATH fd are EBADF",
          "errno %d", errno);
    CHECK(FAILS(AT(SYS_unlinkat, p, ".", AT_REMOVEDIR), EINVAL) && FAILS(AT(SYS_mkdirat, p, ".", 0755), EEXIST),
          "unlinkat(dirfd, \".\", AT_REMOVEDIR) is EINVAL, mkdirat(dirfd, \".\") EEXIST", "errno %d", errno);
    close(pf);
    close(f);
    close(p);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_dirfd");
}
