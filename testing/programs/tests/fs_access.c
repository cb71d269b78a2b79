/* Permission checks as uid/gid 65534 in forked children, beyond fs_perm:
 * search permission on every component of a deep path, the owner/group/
 * other class chosen first (never the most generous), supplementary
 * groups, O_TRUNC and truncate needing write permission, O_NOATIME by a
 * non-owner, O_CREAT of an existing file without directory write
 * permission, write-without-search on a directory, moving a directory to
 * another parent needing write permission on the directory itself, O_PATH
 * without read permission, access with real uid 65534 and effective uid 0. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_access.d"
#define NOBODY 65534
#define GRP 100

static long saccess(const char *p, int m) { return syscall(SYS_access, p, m); }
static void put(const char *p, mode_t mode, uid_t uid, gid_t gid) {
    int fd = t_open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        if (write(fd, "data", 4) < 0) {
        }
        close(fd);
    }
    chown(p, uid, gid);
    chmod(p, mode);
}
static void dir(const char *p, mode_t mode, uid_t uid, gid_t gid) {
    mkdir(p, 0700);
    chown(p, uid, gid);
    chmod(p, mode);
}
static off_t size_of(const char *p) {
    struct stat st;
    return lstat(p, &st) == 0 ? st.st_size : -1;
}

static int run(int (*fn)(void), int ngroups, const gid_t *groups) {
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(ngroups, groups) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
            _exit(99);
        _exit(fn());
    }
    int status = -1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + (status & 0x7f);
}

static int c_deep(void) {
    struct stat st;
    STEP(1, stat(D "/a/b/c/d/file", &st) == 0);
    STEP(2, FAILS(stat(D "/a/b/c/hidden/file", &st), EACCES));
    STEP(3, FAILS(stat(D "/a/b/c/hidden/missing", &st), EACCES)); /* EACCES before ENOENT */
    STEP(4, FAILS(t_open(D "/a/b/c/hidden/x", O_WRONLY | O_CREAT, 0644), EACCES));
    STEP(5, FAILS(chdir(D "/a/b/c/hidden"), EACCES));
    STEP(6, FAILS(saccess(D "/a/b/c/hidden/file", F_OK), EACCES));
    return 0;
}
static int c_classes(void) {
    /* owner class has nothing although group and other have everything */
    STEP(1, FAILS(t_open(D "/mine077", O_RDONLY, 0), EACCES));
    /* not in the group: other class applies */
    STEP(2, t_open(D "/grp604", O_RDONLY, 0) >= 0);
    return 0;
}
static int c_member(void) {
    /* in the group: the group class applies, even though other could read */
    STEP(1, FAILS(t_open(D "/grp604", O_RDONLY, 0), EACCES));
    STEP(2, t_open(D "/grp060", O_RDWR, 0) >= 0);
    STEP(3, saccess(D "/grp060", R_OK | W_OK) == 0 && FAILS(saccess(D "/grp060", X_OK), EACCES));
    return 0;
}
static int c_trunc(void) {
    STEP(1, FAILS(t_open(D "/ro644", O_RDONLY | O_TRUNC, 0), EACCES) && size_of(D "/ro644") == 4);
    STEP(2, FAILS(truncate(D "/ro644", 0), EACCES));
    int fd = t_open(D "/rw666", O_RDONLY | O_TRUNC, 0);
    STEP(3, fd >= 0 && size_of(D "/rw666") == 0);
    close(fd);
    return 0;
}
static int c_noatime(void) {
    STEP(1, FAILS(t_open(D "/rw666", O_RDONLY | O_NOATIME, 0), EPERM));
    int fd = t_open(D "/rw666", O_PATH | O_NOATIME, 0);
    STEP(2, fd >= 0);
    return 0;
}
static int c_dirs(void) {
    /* existing file, no write permission on the directory: O_CREAT just opens */
    int fd = t_open(D "/rodir/ww", O_WRONLY | O_CREAT, 0644);
    STEP(1, fd >= 0);
    close(fd);
    STEP(2, FAILS(t_open(D "/rodir/ww", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST));
    STEP(3, FAILS(t_open(D "/rodir/new", O_WRONLY | O_CREAT, 0644), EACCES));
    return 0;
}
static int c_wonly(void) {
    /* write without search: nothing can be created or removed */
    STEP(4, FAILS(t_open(D "/wonly/new", O_WRONLY | O_CREAT, 0644), EACCES));
    STEP(5, FAILS(unlink(D "/wonly/f"), EACCES));
    return 0;
}
static int c_move(void) {
    /* moving a root-owned 0755 directory to another parent needs write on it ("..") */
    STEP(6, FAILS(rename(D "/p1/rootdir", D "/p2/rootdir"), EACCES));
    /* renaming it inside the same parent does not */
    STEP(7, rename(D "/p1/rootdir", D "/p1/renamed") == 0);
    /* a file moves between parents without write permission on the file */
    STEP(8, rename(D "/p1/rootfile", D "/p2/rootfile") == 0);
    return 0;
}
static int c_opath(void) {
    int fd = t_open(D "/secret", O_PATH, 0);
    STEP(1, fd >= 0);
    struct stat st;
    STEP(2, fstat(fd, &st) == 0 && st.st_size == 4);
    STEP(3, FAILS(t_open(D "/secret", O_RDONLY, 0), EACCES));
    return 0;
}
static int c_opath_dir(void) {
    int dfd = t_open(D "/noread", O_PATH | O_DIRECTORY, 0);
    STEP(4, dfd >= 0 && syscall(SYS_openat, dfd, "inside", O_RDONLY, 0) >= 0);
    STEP(5, FAILS(t_open(D "/noread", O_RDONLY | O_DIRECTORY, 0), EACCES));
    return 0;
}

int main(void) {
    gid_t grp = GRP;
    if (t_fresh_dir(D) != 0)
        return 1;
    dir(D "/a", 0711, 0, 0);
    dir(D "/a/b", 0711, 0, 0);
    dir(D "/a/b/c", 0711, 0, 0);
    dir(D "/a/b/c/d", 0711, 0, 0);
    put(D "/a/b/c/d/file", 0644, 0, 0);
    dir(D "/a/b/c/hidden", 0776, 0, 0);
    put(D "/a/b/c/hidden/file", 0644, 0, 0);
    put(D "/mine077", 0077, NOBODY, NOBODY);
    put(D "/grp604", 0604, 0, GRP);
    put(D "/grp060", 0060, 0, GRP);
    put(D "/ro644", 0644, 0, 0);
    put(D "/rw666", 0666, 0, 0);
    dir(D "/rodir", 0755, 0, 0);
    put(D "/rodir/ww", 0666, 0, 0);
    dir(D "/wonly", 0777, 0, 0);
    put(D "/wonly/f", 0666, 0, 0);
    chmod(D "/wonly", 0776);
    dir(D "/p1", 0755, NOBODY, NOBODY);
    dir(D "/p2", 0755, NOBODY, NOBODY);
    dir(D "/p1/rootdir", 0755, 0, 0);
    put(D "/p1/rootfile", 0644, 0, 0);
    put(D "/secret", 0600, 0, 0);
    dir(D "/noread", 0711, 0, 0);
    put(D "/noread/inside", 0644, 0, 0);

    int r;
    r = run(c_deep, 0, NULL);
    CHECK(r == 0, "search permission is needed on every component, before ENOENT", "step %d", r);
    r = run(c_classes, 0, NULL);
    CHECK(r == 0, "the owner class applies to the owner even when others may do more", "step %d", r);
    r = run(c_member, 1, &grp);
    CHECK(r == 0, "a supplementary group selects the group class", "step %d", r);
    r = run(c_trunc, 0, NULL);
    CHECK(r == 0, "O_TRUNC (even with O_RDONLY) and truncate need write permission", "step %d", r);
    r = run(c_noatime, 0, NULL);
    CHECK(r == 0, "O_NOATIME by a non-owner is EPERM (O_PATH ignores it)", "step %d", r);
    r = run(c_dirs, 0, NULL);
    CHECK(r == 0, "O_CREAT of an existing file needs no directory write permission; O_EXCL is EEXIST",
          "step %d", r);
    r = run(c_wonly, 0, NULL);
    CHECK(r == 0, "write permission without search on a directory allows no create or unlink", "step %d", r);
    r = run(c_move, 0, NULL);
    CHECK(r == 0, "moving a directory to another parent needs write permission on it; a file does not",
          "step %d", r);
    r = run(c_opath, 0, NULL);
    CHECK(r == 0, "O_PATH opens a file without read permission; fstat works", "step %d", r);
    r = run(c_opath_dir, 0, NULL);
    CHECK(r == 0, "O_PATH on a search-only directory serves as an openat base", "step %d", r);

    /* real uid 65534, effective uid 0 */
    pid_t pid = fork();
    if (pid == 0) {
        if (setresgid(NOBODY, 0, 0) != 0 || setresuid(NOBODY, 0, 0) != 0)
            _exit(99);
        if (!FAILS(saccess(D "/secret", R_OK), EACCES))
            _exit(1);
        if (syscall(439, AT_FDCWD, D "/secret", R_OK, AT_EACCESS) != 0)
            _exit(2);
        if (t_open(D "/secret", O_RDONLY, 0) < 0)
            _exit(3);
        if (!FAILS(saccess(D "/a/b/c/hidden/file", F_OK), EACCES))
            _exit(4);
        _exit(0);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "access checks the real uid without root's privileges; AT_EACCESS and open use the effective",
          "status %#x", status);
    CHECK(size_of(D "/ro644") == 4 && saccess(D "/p2/rootfile", F_OK) == 0 && saccess(D "/p1/renamed", F_OK) == 0,
          "the refused calls changed nothing, the allowed ones happened", "size %ld", (long)size_of(D "/ro644"));

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_access");
}
