/* "." and ".." and "/" as the last component, and empty paths, for every
 * call that creates, removes or renames a name: EEXIST for creating,
 * EISDIR for unlink, EINVAL/ENOTEMPTY/EBUSY for rmdir, EBUSY for rename,
 * EPERM for link of a directory; ".." through a file is ENOTDIR; "" is
 * ENOENT everywhere. */
#define _GNU_SOURCE
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_dots.d"

static long srename(const char *a, const char *b) { return syscall(SYS_rename, a, b); }

int main(void) {
    struct stat st;
    if (t_fresh_dir(D) != 0)
        return 1;
    t_touch("file");
    mkdir("dir", 0755);
    mkdir("dir/sub", 0755);

    CHECK(FAILS(mkdir(".", 0755), EEXIST) && FAILS(mkdir("..", 0755), EEXIST) && FAILS(mkdir("dir/.", 0755), EEXIST),
          "mkdir of \".\", \"..\" or \"dir/.\" is EEXIST", "errno %d", errno);
    CHECK(FAILS(mkdir("missing/.", 0755), ENOENT), "mkdir(\"missing/.\") is ENOENT", "errno %d", errno);
    CHECK(FAILS(t_open(".", O_WRONLY | O_CREAT, 0644), EISDIR) && FAILS(t_open("..", O_RDONLY | O_CREAT, 0644), EISDIR),
          "open(\".\" or \"..\", O_CREAT) is EISDIR", "errno %d", errno);
    CHECK(FAILS(symlink("x", "."), EEXIST) && FAILS(symlink("x", "dir/.."), EEXIST),
          "symlink onto \".\" or \"dir/..\" is EEXIST", "errno %d", errno);
    CHECK(FAILS(link("file", "."), EEXIST) && FAILS(mknod("..", S_IFIFO | 0644, 0), EEXIST),
          "link onto \".\" and mknod of \"..\" are EEXIST", "errno %d", errno);
    CHECK(FAILS(link("dir/.", "dirlink"), EPERM) && FAILS(link(".", "dirlink"), EPERM),
          "link of \".\" or \"dir/.\" is EPERM", "errno %d", errno);
    CHECK(FAILS(unlink("."), EISDIR) && FAILS(unlink("dir/.."), EISDIR),
          "unlink of \".\" or \"dir/..\" is EISDIR", "errno %d", errno);
    CHECK(FAILS(rmdir("."), EINVAL) && FAILS(rmdir("dir/sub/."), EINVAL),
          "rmdir of \".\" is EINVAL even for an empty directory", "errno %d", errno);
    CHECK(FAILS(rmdir("dir/sub/.."), ENOTEMPTY) && t_exists("dir/sub"), "rmdir of \"dir/sub/..\" is ENOTEMPTY",
          "errno %d", errno);
    CHECK(FAILS(srename(".", "x"), EBUSY) && FAILS(srename("dir/sub/..", "x"), EBUSY),
          "rename of \".\" or \"..\" is EBUSY", "errno %d", errno);
    CHECK(FAILS(srename("dir/sub", "."), EBUSY) && FAILS(srename("file", "dir/.."), EBUSY),
          "rename onto \".\" or \"..\" is EBUSY", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_renameat2, AT_FDCWD, "dir/sub", AT_FDCWD, "..", 2 /* RENAME_EXCHANGE */), EBUSY),
          "RENAME_EXCHANGE with \"..\" is EBUSY", "errno %d", errno);

    /* "/" */
    CHECK(FAILS(mkdir("/", 0755), EEXIST) && FAILS(rmdir("/"), EBUSY), "mkdir(\"/\") is EEXIST, rmdir(\"/\") EBUSY",
          "errno %d", errno);
    CHECK(FAILS(unlink("/"), EISDIR) && FAILS(srename("/", D "/root"), EBUSY) && FAILS(link("/", D "/root"), EPERM),
          "unlink(\"/\") EISDIR, rename(\"/\") EBUSY, link(\"/\") EPERM", "errno %d", errno);
    CHECK(t_same("/..", "/") && t_same("/../..", "/") && t_same("/../tmp", "/tmp") && t_same("/./.", "/"),
          "\"..\" of / is / itself", "errno %d", errno);

    /* ".." walks */
    CHECK(t_same("dir/sub/../..", ".") && t_same("dir/./sub/./..", "dir"), "\"..\" and \".\" inside paths",
          "errno %d", errno);
    CHECK(FAILS(stat("file/..", &st), ENOTDIR) && FAILS(stat("file/.", &st), ENOTDIR),
          "\"file/..\" and \"file/.\" are ENOTDIR", "errno %d", errno);
    CHECK(FAILS(stat("missing/..", &st), ENOENT), "\"missing/..\" is ENOENT (no lexical shortcut)", "errno %d",
          errno);
    symlink("dir/sub", "sublink");
    CHECK(t_same("sublink/..", "dir"), "\"..\" after a symlink is the target's parent (physical walk)", "errno %d", errno);

    /* empty paths */
    CHECK(FAILS(mkdir("", 0755), ENOENT) && FAILS(rmdir(""), ENOENT) && FAILS(unlink(""), ENOENT),
          "mkdir, rmdir and unlink of \"\" are ENOENT", "errno %d", errno);
    CHECK(FAILS(srename("", "x"), ENOENT) && FAILS(srename("file", ""), ENOENT) && t_exists("file"),
          "rename from or to \"\" is ENOENT", "errno %d", errno);
    CHECK(FAILS(link("", "x"), ENOENT) && FAILS(link("file", ""), ENOENT) && FAILS(symlink("file", ""), ENOENT),
          "link and symlink with \"\" are ENOENT", "errno %d", errno);
    CHECK(FAILS(chmod("", 0644), ENOENT) && FAILS(chdir(""), ENOENT) && FAILS(syscall(SYS_access, "", F_OK), ENOENT) &&
              FAILS(truncate("", 0), ENOENT),
          "chmod, chdir, access and truncate of \"\" are ENOENT", "errno %d", errno);
    char buf[16];
    CHECK(FAILS(syscall(SYS_readlink, "", buf, sizeof buf), ENOENT) && FAILS(mknod("", S_IFIFO | 0644, 0), ENOENT) &&
              FAILS(t_open("", O_WRONLY | O_CREAT, 0644), ENOENT),
          "readlink, mknod and open(O_CREAT) of \"\" are ENOENT", "errno %d", errno);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_dots");
}
