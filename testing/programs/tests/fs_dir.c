/* Directories: mkdir/mkdirat, rmdir, unlink/unlinkat on directories,
 * getdents64 over 1000 entries with a small buffer (each name once, d_type,
 * d_ino), rewinding, entries removed between reads, chdir/fchdir/getcwd,
 * relative paths and "..". */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_dir.d"
#define NFILES 1000

static long sgetcwd(char *b, long n) { return syscall(SYS_getcwd, b, n); }

/* Reads the whole directory with a small buffer; counts the files e%04d
 * seen (in seen[]), "." and "..", and anything else. Returns the number of
 * getdents64 calls that returned entries, or -1 on error. */
static unsigned char seen[NFILES];
static int dots, dotdots, others, bad_type, bad_ino;
static int read_all(int fd, int bufsize, int check_types) {
    static char buf[4096];
    int calls = 0;
    memset(seen, 0, sizeof seen);
    dots = dotdots = others = bad_type = bad_ino = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, bufsize);
        if (n < 0)
            return -1;
        if (n == 0)
            return calls;
        calls++;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (void *)(buf + off);
            off += d->d_reclen;
            if (d->d_reclen == 0)
                return -1;
            if (strcmp(d->d_name, ".") == 0) {
                dots++;
                if (d->d_type != DT_DIR)
                    bad_type++;
            } else if (strcmp(d->d_name, "..") == 0) {
                dotdots++;
                if (d->d_type != DT_DIR)
                    bad_type++;
            } else if (d->d_name[0] == 'e' && strlen(d->d_name) == 5) {
                int i = atoi(d->d_name + 1);
                seen[i]++;
                if (check_types) {
                    unsigned char want = i % 10 == 0 ? DT_DIR : i % 10 == 1 ? DT_LNK : DT_REG;
                    if (d->d_type != want)
                        bad_type++;
                    struct stat st;
                    if (fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_ino != d->d_ino)
                        bad_ino++;
                }
            } else {
                others++;
            }
        }
    }
}
static int count_seen(int want_min, int want_max) {
    int n = 0;
    for (int i = 0; i < NFILES; i++)
        if (seen[i] >= want_min && seen[i] <= want_max)
            n++;
    return n;
}

int main(void) {
    long r, r2;
    int e;
    struct stat st;
    char buf[4096], name[32];
    if (t_fresh_dir(D) != 0)
        return 1;

    /* mkdir */
    r = mkdir("d", 0777);
    lstat("d", &st);
    CHECK(r == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755 && st.st_nlink == 2,
          "mkdir creates a directory with mode & ~umask and 2 links", "ret %ld mode %o nlink %ld", r, st.st_mode,
          (long)st.st_nlink);
    errno = 0;
    r = mkdir("d", 0755);
    e = errno;
    t_touch("file");
    errno = 0;
    r2 = mkdir("file", 0755);
    CHECK(r == -1 && e == EEXIST && r2 == -1 && errno == EEXIST, "mkdir over a directory or a file is EEXIST",
          "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    r = mkdir("nope/d", 0755);
    e = errno;
    errno = 0;
    r2 = mkdir("file/d", 0755);
    CHECK(r == -1 && e == ENOENT && r2 == -1 && errno == ENOTDIR,
          "mkdir with a missing parent is ENOENT, with a file parent ENOTDIR", "%ld/%d %ld/%d", r, e, r2, errno);
    int dfd = t_open("d", O_RDONLY | O_DIRECTORY, 0);
    r = syscall(SYS_mkdirat, dfd, "sub", 0700);
    r2 = mkdir("d2/", 0755);
    CHECK(r == 0 && lstat("d/sub", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700 && r2 == 0,
          "mkdirat relative to a dirfd, and mkdir with a trailing slash", "%ld %ld", r, r2);
    mkdir("d/sub2", 0755);
    mkdir("d/sub3", 0755);
    lstat("d", &st);
    CHECK(st.st_nlink == 5, "a directory's link count is 2 plus its subdirectories", "nlink %ld", (long)st.st_nlink);

    /* rmdir */
    errno = 0;
    r = rmdir("d");
    CHECK(r == -1 && errno == ENOTEMPTY, "rmdir of a non-empty directory is ENOTEMPTY", "ret %ld errno %d", r, errno);
    errno = 0;
    r = rmdir("file");
    e = errno;
    errno = 0;
    r2 = rmdir("missing");
    CHECK(r == -1 && e == ENOTDIR && r2 == -1 && errno == ENOENT, "rmdir of a file is ENOTDIR, of nothing ENOENT",
          "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    r = rmdir("d/sub/.");
    e = errno;
    errno = 0;
    r2 = rmdir("d/sub/..");
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == ENOTEMPTY, "rmdir of \".\" is EINVAL, of \"..\" ENOTEMPTY",
          "%ld/%d %ld/%d", r, e, r2, errno);
    r = rmdir("d/sub3");
    lstat("d", &st);
    CHECK(r == 0 && st.st_nlink == 4 && access("d/sub3", F_OK) != 0, "rmdir removes an empty directory",
          "ret %ld nlink %ld", r, (long)st.st_nlink);

    /* unlink / unlinkat */
    errno = 0;
    r = unlink("d/sub2");
    CHECK(r == -1 && errno == EISDIR, "unlink of a directory is EISDIR", "ret %ld errno %d", r, errno);
    r = unlinkat(dfd, "sub2", AT_REMOVEDIR);
    errno = 0;
    r2 = unlinkat(AT_FDCWD, "file", AT_REMOVEDIR);
    e = errno;
    CHECK(r == 0 && r2 == -1 && e == ENOTDIR, "unlinkat(AT_REMOVEDIR) removes directories only", "%ld %ld/%d", r, r2,
          e);
    errno = 0;
    r = unlinkat(AT_FDCWD, "file", 0x1);
    CHECK(r == -1 && errno == EINVAL, "unlinkat with an unknown flag is EINVAL", "ret %ld errno %d", r, errno);
    close(dfd);

    /* getdents64 over 1000 entries: every 10th a directory, every 10th+1 a symlink */
    mkdir("big", 0755);
    for (int i = 0; i < NFILES; i++) {
        snprintf(name, sizeof name, "big/e%04d", i);
        if (i % 10 == 0)
            mkdir(name, 0755);
        else if (i % 10 == 1)
            symlink("target", name);
        else
            t_touch(name);
    }
    int fd = t_open("big", O_RDONLY | O_DIRECTORY, 0);
    int calls = read_all(fd, 300, 1);
    CHECK(calls > 10 && count_seen(1, 1) == NFILES && others == 0,
          "getdents64 with a small buffer returns every name exactly once", "calls %d once %d others %d", calls,
          count_seen(1, 1), others);
    CHECK(dots == 1 && dotdots == 1, "\".\" and \"..\" are listed once", "%d %d", dots, dotdots);
    CHECK(bad_type == 0, "d_type is DT_DIR/DT_LNK/DT_REG as created", "%d wrong", bad_type);
    CHECK(bad_ino == 0, "d_ino matches lstat's st_ino", "%d wrong", bad_ino);
    r = syscall(SYS_getdents64, fd, buf, sizeof buf);
    CHECK(r == 0, "getdents64 at the end returns 0", "ret %ld", r);
    r = lseek(fd, 0, SEEK_SET);
    calls = read_all(fd, sizeof buf, 0);
    CHECK(r == 0 && count_seen(1, 1) == NFILES && dots == 1 && dotdots == 1,
          "lseek to 0 rewinds the directory", "ret %ld once %d", r, count_seen(1, 1));
    errno = 0;
    lseek(fd, 0, SEEK_SET);
    r = syscall(SYS_getdents64, fd, buf, 16);
    CHECK(r == -1 && errno == EINVAL, "getdents64 with a buffer too small for one entry is EINVAL",
          "ret %ld errno %d", r, errno);

    /* remove every file whose number is 2..9 mod 10 and divisible by 3, then re-read */
    int removed = 0;
    for (int i = 0; i < NFILES; i++) {
        if (i % 10 >= 2 && i % 3 == 0) {
            snprintf(name, sizeof name, "big/e%04d", i);
            unlink(name);
            removed++;
        }
    }
    lseek(fd, 0, SEEK_SET);
    read_all(fd, 300, 0);
    int wrong = 0;
    for (int i = 0; i < NFILES; i++)
        if (seen[i] != ((i % 10 >= 2 && i % 3 == 0) ? 0 : 1))
            wrong++;
    CHECK(wrong == 0 && removed > 200, "after unlinking some entries, a rewound read lists exactly the rest",
          "%d wrong", wrong);
    close(fd);
    fd = t_open("file", O_RDONLY, 0);
    errno = 0;
    r = syscall(SYS_getdents64, fd, buf, sizeof buf);
    CHECK(r == -1 && errno == ENOTDIR, "getdents64 on a file is ENOTDIR", "ret %ld errno %d", r, errno);
    close(fd);

    /* chdir / fchdir / getcwd */
    r = chdir("d/sub");
    memset(buf, 0, sizeof buf);
    r2 = sgetcwd(buf, sizeof buf);
    CHECK(r == 0 && strcmp(buf, D "/d/sub") == 0 && r2 == (long)strlen(D "/d/sub") + 1,
          "chdir then getcwd; raw getcwd returns the length with the NUL", "ret %ld '%s' len %ld", r, buf, r2);
    errno = 0;
    r = sgetcwd(buf, 5);
    e = errno;
    errno = 0;
    r2 = sgetcwd(buf, strlen(D "/d/sub"));
    CHECK(r == -1 && e == ERANGE && r2 == -1 && errno == ERANGE, "getcwd with a small buffer is ERANGE",
          "%ld/%d %ld/%d", r, e, r2, errno);
    t_touch("rel");
    r = access(D "/d/sub/rel", F_OK);
    r2 = access("../sub/./rel", F_OK);
    CHECK(r == 0 && r2 == 0, "relative paths resolve from the new cwd", "%ld %ld", r, r2);
    chdir("..");
    sgetcwd(buf, sizeof buf);
    CHECK(strcmp(buf, D "/d") == 0, "chdir(\"..\") goes to the parent", "'%s'", buf);
    chdir("/..");
    sgetcwd(buf, sizeof buf);
    r = access("tmp/fs_dir.d/d", F_OK);
    CHECK(strcmp(buf, "/") == 0 && r == 0, "\"..\" of / is /", "'%s' %ld", buf, r);
    fd = t_open(D "/d", O_RDONLY | O_DIRECTORY, 0);
    r = fchdir(fd);
    sgetcwd(buf, sizeof buf);
    CHECK(r == 0 && strcmp(buf, D "/d") == 0, "fchdir to a directory fd", "ret %ld '%s'", r, buf);
    close(fd);
    errno = 0;
    r = chdir(D "/file");
    e = errno;
    fd = t_open(D "/file", O_RDONLY, 0);
    errno = 0;
    r2 = fchdir(fd);
    CHECK(r == -1 && e == ENOTDIR && r2 == -1 && errno == ENOTDIR, "chdir and fchdir to a file are ENOTDIR",
          "%ld/%d %ld/%d", r, e, r2, errno);
    close(fd);
    errno = 0;
    r = chdir(D "/missing");
    CHECK(r == -1 && errno == ENOENT, "chdir to a missing directory is ENOENT", "ret %ld errno %d", r, errno);

    /* getcwd of a removed directory */
    mkdir(D "/gone", 0755);
    chdir(D "/gone");
    rmdir(D "/gone");
    errno = 0;
    r = sgetcwd(buf, sizeof buf);
    e = errno;
    errno = 0;
    r2 = t_open("new", O_WRONLY | O_CREAT, 0644);
    CHECK(r == -1 && e == ENOENT && r2 == -1 && errno == ENOENT,
          "in a removed cwd, getcwd is ENOENT and creating a file is ENOENT", "%ld/%d %ld/%d", r, e, r2, errno);
    fd = t_open(".", O_RDONLY | O_DIRECTORY, 0);
    errno = 0;
    r = syscall(SYS_getdents64, fd, buf, sizeof buf);
    CHECK(fd >= 0 && r == -1 && errno == ENOENT, "getdents64 of a removed directory is ENOENT",
          "fd %d ret %ld errno %d", fd, r, errno);
    close(fd);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_dir");
}
