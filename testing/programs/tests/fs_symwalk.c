/* Symlinks in the path walk: targets "..", ".", "/" and absolute paths,
 * relative targets resolved from the link's directory, links in the middle
 * of a path (and the 40-link limit counted over the whole walk), loops in
 * the middle, O_CREAT through dangling links (O_NOFOLLOW, missing target
 * directory, absolute target), mkdir on a link name, readlinkat on an
 * O_PATH fd, fchmodat2 AT_SYMLINK_NOFOLLOW, faccessat2 on a dangling link,
 * getcwd after chdir through a link. */
#define _GNU_SOURCE
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_symwalk.d"

int main(void) {
    long r, r2;
    struct stat st;
    char buf[256];
    if (t_fresh_dir(D) != 0)
        return 1;
    t_put("file", "top");
    mkdir("dir", 0755);
    t_put("dir/file", "inner");
    mkdir("dir2", 0755);
    t_put("dir2/file", "second");

    symlink("..", "dir/up");
    symlink(".", "dir/here");
    CHECK(t_same("dir/up", ".") && strcmp(t_get("dir/up/file"), "top") == 0, "a symlink to \"..\" climbs from the link's directory",
          "'%s'", t_get("dir/up/file"));
    CHECK(strcmp(t_get("dir/here/here/here/file"), "inner") == 0, "a symlink to \".\" can repeat in a path", "'%s'",
          t_get("dir/here/here/here/file"));
    symlink("file", "dir/rel");
    CHECK(strcmp(t_get("dir/rel"), "inner") == 0, "a relative target resolves from the link's directory, not the cwd",
          "'%s'", t_get("dir/rel"));
    symlink(D "/dir2", "abs");
    symlink("/", "dir/root");
    CHECK(strcmp(t_get("abs/file"), "second") == 0 && t_same("dir/root/..", "/") && t_same("dir/root/tmp", "/tmp"),
          "absolute targets restart at /, also in the middle of a path", "'%s'", t_get("abs/file"));
    symlink("../dir2", "dir/l2");
    symlink("dir", "l1");
    CHECK(strcmp(t_get("l1/l2/file"), "second") == 0, "links in the middle of a path chain", "'%s'", t_get("l1/l2/file"));
    symlink("dir/", "slashdir");
    symlink("file/", "slashfile");
    CHECK(strcmp(t_get("slashdir/file"), "inner") == 0 && FAILS(t_open("slashfile", O_RDONLY, 0), ENOTDIR),
          "a target with a trailing slash must be a directory", "errno %d", errno);

    /* 40 links over the whole walk, not per component */
    mkdir("chain", 0755);
    t_put("chain/f", "end");
    char from[32], to[32];
    symlink(".", "chain/d0");
    for (int i = 1; i <= 40; i++) {
        snprintf(from, sizeof from, "d%d", i - 1);
        snprintf(to, sizeof to, "chain/d%d", i);
        symlink(from, to);
    }
    r = t_open("chain/d39/f", O_RDONLY, 0);
    close(r);
    CHECK(r >= 0 && FAILS(t_open("chain/d40/f", O_RDONLY, 0), ELOOP),
          "40 links before a middle component resolve, 41 are ELOOP", "ret %ld errno %d", r, errno);
    CHECK(FAILS(stat("chain/d20/d20/f", &st), ELOOP) && stat("chain/d19/d19/f", &st) == 0,
          "the 40-link budget is shared by every component of one walk", "errno %d", errno);
    symlink("loopdir", "loopdir");
    CHECK(FAILS(t_open("loopdir/file", O_RDONLY, 0), ELOOP), "a loop in the middle of a path is ELOOP", "errno %d",
          errno);

    /* creating through dangling links */
    symlink("made", "dangle");
    CHECK(FAILS(t_open("dangle", O_WRONLY | O_CREAT | O_NOFOLLOW, 0644), ELOOP) && !t_exists("made"),
          "O_CREAT|O_NOFOLLOW on a dangling link is ELOOP and creates nothing", "errno %d", errno);
    symlink("nodir/made", "dangle2");
    CHECK(FAILS(t_open("dangle2", O_WRONLY | O_CREAT, 0644), ENOENT), "O_CREAT through a link into a missing directory is ENOENT",
          "errno %d", errno);
    symlink(D "/dir/absmade", "dangle3");
    r = t_open("dangle3", O_WRONLY | O_CREAT, 0600);
    close(r);
    CHECK(r >= 0 && t_exists("dir/absmade"), "O_CREAT through a link with an absolute target creates it",
          "ret %ld errno %d", r, errno);
    CHECK(FAILS(mkdir("dangle", 0755), EEXIST) && !t_exists("made"), "mkdir on a dangling link's name is EEXIST",
          "errno %d", errno);
    CHECK(FAILS(stat("dangle/", &st), ENOENT) && FAILS(t_open("dangle/", O_WRONLY | O_CREAT, 0644), EISDIR),
          "\"dangling/\" is ENOENT to stat, EISDIR to O_CREAT", "errno %d", errno);

    /* calls on the link itself */
    int lfd = t_open("dir/rel", O_PATH | O_NOFOLLOW, 0);
    memset(buf, 0, sizeof buf);
    r = syscall(SYS_readlinkat, lfd, "", buf, sizeof buf);
    CHECK(r == 4 && strcmp(buf, "file") == 0, "readlinkat(O_PATH link fd, \"\") reads the link", "ret %ld errno %d", r,
          errno);
    CHECK(FAILS(t_open("dir/rel", O_PATH | O_NOFOLLOW | O_DIRECTORY, 0), ENOTDIR),
          "O_PATH|O_NOFOLLOW|O_DIRECTORY on a link is ENOTDIR", "errno %d", errno);
    close(lfd);
    CHECK(FAILS(syscall(452 /* fchmodat2 */, AT_FDCWD, "dir/rel", 0600, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP),
          "fchmodat2 AT_SYMLINK_NOFOLLOW on a symlink is EOPNOTSUPP", "errno %d", errno);
    r = syscall(452, AT_FDCWD, "dir/file", 0600, AT_SYMLINK_NOFOLLOW);
    lstat("dir/file", &st);
    CHECK(r == 0 && (st.st_mode & 0777) == 0600, "fchmodat2 AT_SYMLINK_NOFOLLOW on a file works", "ret %ld errno %d",
          r, errno);
    r = syscall(439 /* faccessat2 */, AT_FDCWD, "dangle", F_OK, AT_SYMLINK_NOFOLLOW);
    CHECK(r == 0 && FAILS(syscall(439, AT_FDCWD, "dangle", F_OK, 0), ENOENT),
          "faccessat2 F_OK: AT_SYMLINK_NOFOLLOW sees a dangling link, without it ENOENT", "ret %ld errno %d", r,
          errno);
    r = rename("dir/rel", "dir2/moved");
    memset(buf, 0, sizeof buf);
    r2 = readlink("dir2/moved", buf, sizeof buf);
    CHECK(r == 0 && r2 == 4 && strcmp(buf, "file") == 0 && strcmp(t_get("dir2/moved"), "second") == 0,
          "a renamed link keeps its text, which now resolves from its new directory", "%ld %ld '%s'", r, r2, buf);
    r = unlink("l1/file");
    CHECK(r == 0 && !t_exists("dir/file") && t_exists("l1"), "unlink through a linked parent removes the target's entry",
          "ret %ld errno %d", r, errno);

    /* cwd through a link is physical */
    r = chdir("l1/l2");
    memset(buf, 0, sizeof buf);
    syscall(SYS_getcwd, buf, sizeof buf);
    r2 = chdir("..");
    char buf2[256] = {0};
    syscall(SYS_getcwd, buf2, sizeof buf2);
    CHECK(r == 0 && strcmp(buf, D "/dir2") == 0 && r2 == 0 && strcmp(buf2, D) == 0,
          "getcwd after chdir through links is the physical path; \"..\" is physical", "'%s' '%s'", buf, buf2);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_symwalk");
}
