/* Trailing slashes and repeated slashes in the last component, for open,
 * mkdir, rmdir, rename, unlink, link, symlink, mknod, stat and chmod: a
 * trailing slash demands a directory (ENOTDIR on files, EISDIR when
 * creating a file, ENOENT for a missing non-directory target), and runs of
 * slashes count as one. */
#define _GNU_SOURCE
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_slash.d"

static long srename(const char *a, const char *b) { return syscall(SYS_rename, a, b); }
static int is_dir(const char *p) {
    struct stat st;
    return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int main(void) {
    long r;
    int e;
    struct stat st;
    if (t_fresh_dir(D) != 0)
        return 1;
    t_touch("file");
    mkdir("dir", 0755);

    /* open */
    r = t_open("dir/", O_RDONLY, 0);
    e = errno;
    close(r);
    CHECK(r >= 0 && FAILS(t_open("dir/", O_WRONLY, 0), EISDIR), "open(\"dir/\") reads; for writing EISDIR",
          "ret %ld errno %d", r, e);
    CHECK(FAILS(t_open("new/", O_WRONLY | O_CREAT, 0644), EISDIR) && !t_exists("new"),
          "open(\"new/\", O_CREAT) is EISDIR and creates nothing", "errno %d", errno);
    CHECK(FAILS(t_open("file/", O_WRONLY | O_CREAT, 0644), EISDIR), "open(\"file/\", O_CREAT) is EISDIR", "errno %d",
          errno);
    CHECK(FAILS(t_open("dir/", O_RDONLY | O_CREAT, 0644), EISDIR), "open(\"dir/\", O_CREAT) is EISDIR", "errno %d",
          errno);
    r = t_open("dir//", O_RDONLY | O_DIRECTORY, 0);
    close(r);
    CHECK(r >= 0 && FAILS(t_open("file//", O_RDONLY, 0), ENOTDIR), "\"dir//\" opens, \"file//\" is ENOTDIR",
          "ret %ld errno %d", r, errno);

    /* mkdir / rmdir */
    r = mkdir("m1//", 0755);
    CHECK(r == 0 && is_dir("m1"), "mkdir(\"m1//\") creates m1", "ret %ld errno %d", r, errno);
    CHECK(FAILS(mkdir("file/", 0755), EEXIST) && FAILS(mkdir("dir/", 0755), EEXIST),
          "mkdir with a trailing slash on an existing file or directory is EEXIST", "errno %d", errno);
    r = rmdir("m1/");
    CHECK(r == 0 && !t_exists("m1"), "rmdir(\"m1/\") removes m1", "ret %ld errno %d", r, errno);
    CHECK(FAILS(rmdir("file/"), ENOTDIR), "rmdir(\"file/\") is ENOTDIR", "errno %d", errno);

    /* unlink */
    CHECK(FAILS(unlink("file/"), ENOTDIR) && t_exists("file"), "unlink(\"file/\") is ENOTDIR", "errno %d", errno);
    CHECK(FAILS(unlink("dir/"), EISDIR), "unlink(\"dir/\") is EISDIR", "errno %d", errno);
    CHECK(FAILS(unlink("missing/"), ENOENT), "unlink(\"missing/\") is ENOENT", "errno %d", errno);

    /* rename */
    r = srename("dir/", "dir2/");
    long r2 = srename("dir2", "dir/");
    CHECK(r == 0 && r2 == 0 && is_dir("dir") && !t_exists("dir2"), "rename of a directory accepts trailing slashes",
          "%ld %ld errno %d", r, r2, errno);
    CHECK(FAILS(srename("file/", "file2"), ENOTDIR) && t_exists("file"), "rename(\"file/\", new) is ENOTDIR",
          "errno %d", errno);
    CHECK(FAILS(srename("file", "file2/"), ENOTDIR) && t_exists("file") && !t_exists("file2"),
          "rename(file, \"new/\") is ENOTDIR", "errno %d", errno);
    t_touch("other");
    CHECK(FAILS(srename("file", "other/"), ENOTDIR) && t_exists("file"), "rename(file, \"existing-file/\") is ENOTDIR",
          "errno %d", errno);

    /* link, symlink, mknod: creating a non-directory with a trailing slash */
    CHECK(FAILS(link("file", "hard/"), ENOENT) && !t_exists("hard"), "link(file, \"new/\") is ENOENT", "errno %d",
          errno);
    CHECK(FAILS(link("file/", "hard"), ENOTDIR), "link(\"file/\", new) is ENOTDIR", "errno %d", errno);
    CHECK(FAILS(symlink("file", "sym/"), ENOENT) && !t_exists("sym"), "symlink(t, \"new/\") is ENOENT", "errno %d",
          errno);
    CHECK(FAILS(mknod("fifo/", S_IFIFO | 0644, 0), ENOENT) && FAILS(link("file", "other/"), EEXIST),
          "mknod(\"new/\") is ENOENT; link onto \"existing/\" is EEXIST", "errno %d", errno);

    /* stat, chmod, access */
    r = stat("dir///", &st);
    CHECK(r == 0 && S_ISDIR(st.st_mode) && FAILS(chmod("file/", 0600), ENOTDIR) &&
              FAILS(syscall(SYS_access, "file/", F_OK), ENOTDIR),
          "stat(\"dir///\") works; chmod and access of \"file/\" are ENOTDIR", "ret %ld errno %d", r, errno);
    t_touch("dir/in");
    r = t_open("dir////in", O_RDONLY, 0);
    close(r);
    r2 = t_open(".//dir/.//in", O_RDONLY, 0);
    close(r2);
    CHECK(r >= 0 && r2 >= 0, "runs of slashes and \"./\" inside a path count as one separator", "%ld %ld", r, r2);
    r = stat("//tmp//fs_slash.d//file", &st);
    CHECK(r == 0 && S_ISREG(st.st_mode), "a path may start with \"//\"", "ret %ld errno %d", r, errno);

    /* symlinks and trailing slashes */
    symlink("dir", "dlink");
    symlink("file", "flink");
    CHECK(FAILS(t_open("flink/", O_RDONLY, 0), ENOTDIR) && t_open("dlink/", O_RDONLY | O_DIRECTORY, 0) >= 0,
          "a trailing slash follows a symlink: to a file ENOTDIR, to a directory it opens", "errno %d", errno);
    CHECK(FAILS(rmdir("dlink/"), ENOTDIR) && is_dir("dir"), "rmdir(\"symlink-to-dir/\") is ENOTDIR", "errno %d",
          errno);
    r = srename("dlink", "dlink2");
    CHECK(r == 0 && FAILS(srename("dlink2/", "dlink3"), ENOTDIR) && t_exists("dlink2"),
          "rename of a symlink to a directory works, but not with a trailing slash", "ret %ld errno %d", r, errno);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_slash");
}
