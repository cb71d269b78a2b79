/* rename/renameat2, link/linkat, symlink/readlink, symlink loops and the
 * 40-link limit, trailing slashes, and unlink of an open file. */
#define _GNU_SOURCE
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_link.d"
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE 2
#endif

static long srename(const char *a, const char *b) { return syscall(SYS_rename, a, b); }
static long srenameat2(const char *a, const char *b, unsigned flags) {
    return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}
static long sreadlink(const char *p, char *b, long n) { return syscall(SYS_readlink, p, b, n); }
static long nlink_of(const char *p) {
    struct stat st;
    if (lstat(p, &st) != 0)
        return -1;
    return st.st_nlink;
}

int main(void) {
    long r, r2;
    int e;
    struct stat st, st2;
    char buf[256];
    if (t_fresh_dir(D) != 0)
        return 1;

    /* rename */
    t_put("a", "AAA");
    t_put("b", "BBB");
    r = srename("a", "b");
    CHECK(r == 0 && !t_exists("a") && strcmp(t_get("b"), "AAA") == 0, "rename replaces an existing file", "ret %ld '%s'",
          r, t_get("b"));
    mkdir("dir", 0755);
    errno = 0;
    r = srename("b", "dir");
    CHECK(r == -1 && errno == EISDIR && t_exists("b"), "rename of a file over a directory is EISDIR",
          "ret %ld errno %d", r, errno);
    errno = 0;
    r = srename("dir", "b");
    CHECK(r == -1 && errno == ENOTDIR, "rename of a directory over a file is ENOTDIR", "ret %ld errno %d", r, errno);
    mkdir("full", 0755);
    t_put("full/x", "x");
    errno = 0;
    r = srename("dir", "full");
    CHECK(r == -1 && errno == ENOTEMPTY, "rename of a directory over a non-empty one is ENOTEMPTY",
          "ret %ld errno %d", r, errno);
    mkdir("empty", 0755);
    t_put("dir/inside", "in");
    r = srename("dir", "empty");
    CHECK(r == 0 && !t_exists("dir") && strcmp(t_get("empty/inside"), "in") == 0,
          "rename of a directory over an empty one replaces it", "ret %ld", r);
    mkdir("empty/child", 0755);
    errno = 0;
    r = srename("empty", "empty/child/x");
    e = errno;
    errno = 0;
    r2 = srename("empty", "empty/y");
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "rename of a directory into itself is EINVAL",
          "%ld/%d %ld/%d", r, e, r2, errno);
    r = srename("b", "b");
    link("b", "b-hard");
    r2 = srename("b", "b-hard");
    CHECK(r == 0 && r2 == 0 && t_exists("b") && t_exists("b-hard") && nlink_of("b") == 2,
          "rename onto itself or onto another link of the same file does nothing", "%ld %ld", r, r2);
    unlink("b-hard");
    errno = 0;
    r = srename("nothing", "b");
    CHECK(r == -1 && errno == ENOENT, "rename of a missing file is ENOENT", "ret %ld errno %d", r, errno);
    mkdir("movehere", 0755);
    r = srename("b", "movehere/b2");
    CHECK(r == 0 && strcmp(t_get("movehere/b2"), "AAA") == 0 && !t_exists("b"), "rename into another directory",
          "ret %ld", r);

    /* renameat2 */
    t_put("n1", "one");
    t_put("n2", "two");
    errno = 0;
    r = srenameat2("n1", "n2", RENAME_NOREPLACE);
    e = errno;
    r2 = srenameat2("n1", "n3", RENAME_NOREPLACE);
    CHECK(r == -1 && e == EEXIST && r2 == 0 && strcmp(t_get("n2"), "two") == 0 && strcmp(t_get("n3"), "one") == 0,
          "RENAME_NOREPLACE: EEXIST over a file, renames otherwise", "%ld/%d %ld", r, e, r2);
    mkdir("xd", 0755);
    r = srenameat2("n2", "xd", RENAME_EXCHANGE);
    r2 = lstat("n2", &st);
    CHECK(r == 0 && r2 == 0 && S_ISDIR(st.st_mode) && strcmp(t_get("xd"), "two") == 0,
          "RENAME_EXCHANGE swaps a file and a directory", "ret %ld", r);
    errno = 0;
    r = srenameat2("n3", "missing", RENAME_EXCHANGE);
    e = errno;
    errno = 0;
    r2 = srenameat2("n3", "xd", RENAME_EXCHANGE | RENAME_NOREPLACE);
    CHECK(r == -1 && e == ENOENT && r2 == -1 && errno == EINVAL,
          "RENAME_EXCHANGE with a missing target is ENOENT; with NOREPLACE EINVAL", "%ld/%d %ld/%d", r, e, r2, errno);

    /* link */
    t_put("l", "linked");
    r = link("l", "l2");
    lstat("l", &st);
    lstat("l2", &st2);
    CHECK(r == 0 && st.st_nlink == 2 && st.st_ino == st2.st_ino && strcmp(t_get("l2"), "linked") == 0,
          "link: same inode, st_nlink 2", "ret %ld nlink %ld", r, (long)st.st_nlink);
    t_put("l2", "changed");
    r = unlink("l");
    CHECK(r == 0 && nlink_of("l2") == 1 && strcmp(t_get("l2"), "changed") == 0,
          "writes through one link show in the other; unlink drops st_nlink", "ret %ld nlink %ld", r,
          nlink_of("l2"));
    errno = 0;
    r = link("n2", "n2-link");
    e = errno;
    errno = 0;
    r2 = link("l2", "n3");
    CHECK(r == -1 && e == EPERM && r2 == -1 && errno == EEXIST, "link to a directory is EPERM, over a file EEXIST",
          "%ld/%d %ld/%d", r, e, r2, errno);
    symlink("l2", "sl");
    r = linkat(AT_FDCWD, "sl", AT_FDCWD, "sl-nofollow", 0);
    r2 = linkat(AT_FDCWD, "sl", AT_FDCWD, "sl-follow", AT_SYMLINK_FOLLOW);
    lstat("sl-nofollow", &st);
    lstat("sl-follow", &st2);
    CHECK(r == 0 && r2 == 0 && S_ISLNK(st.st_mode) && S_ISREG(st2.st_mode) && nlink_of("l2") == 2,
          "linkat links the symlink itself unless AT_SYMLINK_FOLLOW", "%ld %ld mode %o %o", r, r2, st.st_mode,
          st2.st_mode);

    /* symlink / readlink */
    r = symlink("l2", "rel");
    r2 = symlink(D "/l2", "abs");
    CHECK(r == 0 && r2 == 0 && strcmp(t_get("rel"), "changed") == 0 && strcmp(t_get("abs"), "changed") == 0,
          "relative and absolute symlinks are followed", "%ld %ld", r, r2);
    memset(buf, 'X', sizeof buf);
    r = sreadlink("abs", buf, sizeof buf);
    CHECK(r == (long)strlen(D "/l2") && memcmp(buf, D "/l2", r) == 0 && buf[r] == 'X',
          "readlink returns the target without a NUL", "ret %ld", r);
    memset(buf, 'X', sizeof buf);
    r = sreadlink("abs", buf, 4);
    CHECK(r == 4 && memcmp(buf, "/tmp", 4) == 0 && buf[4] == 'X', "readlink truncates silently", "ret %ld", r);
    lstat("abs", &st);
    CHECK(S_ISLNK(st.st_mode) && st.st_size == (long)strlen(D "/l2"), "lstat of a symlink: st_size is the target length",
          "mode %o size %ld", st.st_mode, (long)st.st_size);
    errno = 0;
    r = sreadlink("l2", buf, sizeof buf);
    e = errno;
    errno = 0;
    r2 = sreadlink("rel", buf, 0);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL,
          "readlink of a non-symlink or with size 0 is EINVAL", "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    r = symlink("x", "rel");
    e = errno;
    errno = 0;
    r2 = symlink("", "emptylink");
    CHECK(r == -1 && e == EEXIST && r2 == -1 && errno == ENOENT,
          "symlink over an existing name is EEXIST, an empty target ENOENT", "%ld/%d %ld/%d", r, e, r2, errno);
    symlink("dangle-target", "dangle");
    errno = 0;
    r = t_open("dangle", O_RDONLY, 0);
    CHECK(r == -1 && errno == ENOENT && lstat("dangle", &st) == 0, "open of a dangling symlink is ENOENT",
          "ret %ld errno %d", r, errno);

    /* loops and the 40-link limit */
    symlink("loop2", "loop1");
    symlink("loop1", "loop2");
    symlink("self", "self");
    errno = 0;
    r = t_open("loop1", O_RDONLY, 0);
    e = errno;
    errno = 0;
    r2 = stat("self", &st);
    CHECK(r == -1 && e == ELOOP && r2 == -1 && errno == ELOOP, "symlink loops are ELOOP", "%ld/%d %ld/%d", r, e, r2,
          errno);
    mkdir("chain", 0755);
    t_put("chain/c0", "end");
    char from[32], to[32];
    for (int i = 1; i <= 41; i++) {
        snprintf(from, sizeof from, "c%d", i - 1);
        snprintf(to, sizeof to, "chain/c%d", i);
        symlink(from, to);
    }
    r = t_open("chain/c40", O_RDONLY, 0);
    close(r);
    errno = 0;
    r2 = t_open("chain/c41", O_RDONLY, 0);
    CHECK(r >= 0 && r2 == -1 && errno == ELOOP, "a chain of 40 symlinks resolves, 41 is ELOOP", "%ld %ld/%d", r, r2,
          errno);

    /* trailing slashes */
    errno = 0;
    r = t_open("l2/", O_RDONLY, 0);
    e = errno;
    errno = 0;
    r2 = stat("l2/", &st);
    CHECK(r == -1 && e == ENOTDIR && r2 == -1 && errno == ENOTDIR, "a trailing slash on a file is ENOTDIR",
          "%ld/%d %ld/%d", r, e, r2, errno);
    symlink("movehere", "dirlink");
    r = lstat("dirlink", &st);
    r2 = lstat("dirlink/", &st2);
    CHECK(r == 0 && r2 == 0 && S_ISLNK(st.st_mode) && S_ISDIR(st2.st_mode),
          "lstat with a trailing slash follows a symlink to a directory", "%ld %ld", r, r2);
    errno = 0;
    r = unlink("dirlink/");
    e = errno;
    r2 = unlink("dirlink");
    CHECK(r == -1 && e == ENOTDIR && r2 == 0 && t_exists("movehere"),
          "unlink of symlink/ is ENOTDIR, unlink of the symlink removes only the link", "%ld/%d %ld", r, e, r2);

    /* unlink of an open file */
    t_put("open", "still here");
    int fd = t_open("open", O_RDWR, 0);
    r = unlink("open");
    fstat(fd, &st);
    memset(buf, 0, sizeof buf);
    r2 = pread(fd, buf, sizeof buf - 1, 0);
    CHECK(r == 0 && !t_exists("open") && st.st_nlink == 0 && r2 == 10 && strcmp(buf, "still here") == 0,
          "an unlinked open file keeps its data (st_nlink 0)", "%ld nlink %ld read %ld", r, (long)st.st_nlink, r2);
    r = pwrite(fd, "X", 1, 20);
    fstat(fd, &st);
    CHECK(r == 1 && st.st_size == 21, "an unlinked open file can still grow", "ret %ld size %ld", r,
          (long)st.st_size);
    close(fd);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_link");
}
