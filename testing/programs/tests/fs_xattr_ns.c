/* Extended attribute namespaces on a tmpfs at /tmp/fs_xattr_ns.d/mnt,
 * beyond fs_xattr's user.* checks: trusted.* for root only (hidden from
 * others' listxattr, EPERM to set), trusted.* on symlinks, security.*,
 * user.* refused on FIFOs, devices and sticky directories of others, a
 * bare "user." name, attributes following the inode through link and
 * rename, and ctime moving on set and remove. */
#define _GNU_SOURCE
#include <grp.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_xattr_ns.d"
#define M D "/mnt"

static void touch(const char *p, mode_t m) {
    close(t_open(p, O_WRONLY | O_CREAT, m));
    chmod(p, m);
}
/* does the NUL-separated list hold name? */
static int listed(const char *list, long n, const char *name) {
    for (long i = 0; i < n; i += strlen(list + i) + 1)
        if (strcmp(list + i, name) == 0)
            return 1;
    return 0;
}

static int c_nobody(void) {
    char v[16], list[256];
    STEP(1, FAILS(getxattr(M "/f", "trusted.t", v, sizeof v), ENODATA));
    long n = listxattr(M "/f", list, sizeof list);
    STEP(2, n > 0 && listed(list, n, "user.u") && !listed(list, n, "trusted.t"));
    STEP(3, FAILS(setxattr(M "/mine", "trusted.t", "x", 1, 0), EPERM));
    STEP(4, FAILS(removexattr(M "/f", "trusted.t"), EPERM));
    return 0;
}
static int c_sticky(void) {
    STEP(1, FAILS(setxattr(M "/sticky", "user.s", "x", 1, 0), EPERM));
    STEP(2, setxattr(M "/opendir", "user.s", "x", 1, 0) == 0);
    return 0;
}

int main(void) {
    char v[64], list[512];
    long r, r2;
    struct stat st, st2;
    if (t_fresh_tmpfs(D, M, "fs_xattr_ns") != 0)
        return 1;
    touch("f", 0666);
    touch("mine", 0666);
    chown("mine", 65534, 65534);

    r = setxattr("f", "trusted.t", "root-only", 9, 0);
    memset(v, 0, sizeof v);
    r2 = getxattr("f", "trusted.t", v, sizeof v);
    CHECK(r == 0 && r2 == 9 && strcmp(v, "root-only") == 0, "root sets and reads trusted.*", "%ld %ld errno %d", r, r2,
          errno);
    setxattr("f", "user.u", "u", 1, 0);
    r = listxattr("f", list, sizeof list);
    CHECK(r > 0 && listed(list, r, "trusted.t") && listed(list, r, "user.u"), "root's listxattr shows trusted.* and user.*",
          "ret %ld", r);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(99);
        _exit(c_nobody());
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "non-root: trusted.* is invisible (ENODATA, not listed) and EPERM to set or remove", "status %#x", status);

    symlink("f", "sl");
    r = lsetxattr("sl", "trusted.onlink", "L", 1, 0);
    r2 = lgetxattr("sl", "trusted.onlink", v, sizeof v);
    CHECK(r == 0 && r2 == 1 && FAILS(getxattr("f", "trusted.onlink", v, sizeof v), ENODATA),
          "trusted.* can be set on the symlink itself", "%ld %ld errno %d", r, r2, errno);
    r = setxattr("f", "security.s", "sec", 3, 0);
    r2 = getxattr("f", "security.s", v, sizeof v);
    CHECK(r == 0 && r2 == 3, "root sets and reads security.*", "%ld %ld errno %d", r, r2, errno);

    mkfifo("fifo", 0666);
    mknod("chr", S_IFCHR | 0666, makedev(1, 3));
    CHECK(FAILS(setxattr("fifo", "user.x", "x", 1, 0), EPERM) && FAILS(setxattr("chr", "user.x", "x", 1, 0), EPERM),
          "user.* on a FIFO or a device node is EPERM", "errno %d", errno);
    r = setxattr("fifo", "trusted.x", "x", 1, 0);
    CHECK(r == 0, "trusted.* works on a FIFO", "ret %ld errno %d", r, errno);
    CHECK(FAILS(getxattr("fifo", "user.x", v, sizeof v), ENODATA), "getxattr of user.* on a FIFO is ENODATA",
          "errno %d", errno);
    mkdir("sticky", 0777);
    chmod("sticky", 01777);
    mkdir("opendir", 0777);
    chmod("opendir", 0777);
    pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(99);
        _exit(c_sticky());
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "user.* on another user's sticky directory is EPERM even when it is writable", "status %#x", status);
    CHECK(FAILS(setxattr("f", "user.", "x", 1, 0), EINVAL) && FAILS(getxattr("f", "trusted.", v, sizeof v), EINVAL),
          "a namespace prefix with an empty name is EINVAL", "errno %d", errno);

    /* the inode carries its attributes */
    link("f", "f-link");
    rename("f", "f-renamed");
    memset(v, 0, sizeof v);
    r = getxattr("f-link", "user.u", v, sizeof v);
    r2 = getxattr("f-renamed", "trusted.t", v, sizeof v);
    CHECK(r == 1 && r2 == 9, "attributes belong to the inode: seen through a hard link and after rename", "%ld %ld",
          r, r2);
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    syscall(SYS_utimensat, AT_FDCWD, "f-link", old, 0);
    lstat("f-link", &st);
    t_sleep_ms(20);
    removexattr("f-link", "user.u");
    lstat("f-link", &st2);
    CHECK((st2.st_ctim.tv_sec > st.st_ctim.tv_sec ||
           (st2.st_ctim.tv_sec == st.st_ctim.tv_sec && st2.st_ctim.tv_nsec > st.st_ctim.tv_nsec)) &&
              st2.st_mtim.tv_sec == 1000000000,
          "removexattr moves ctime, not mtime", "mtime %ld", (long)st2.st_mtim.tv_sec);
    CHECK(FAILS(removexattr("f-link", "user.u"), ENODATA), "removing it again is ENODATA", "errno %d", errno);

    chdir("/");
    umount2(M, MNT_DETACH);
    t_rm_rf(D);
    return t_done("fs_xattr_ns");
}
