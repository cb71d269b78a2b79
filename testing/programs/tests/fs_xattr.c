/* Extended attributes in the user.* namespace: set/get/list/remove,
 * XATTR_CREATE/XATTR_REPLACE, size queries, ERANGE, ENODATA, namespace and
 * name validation, E2BIG, symlinks (l* vs following), fd variants,
 * directories, and the write-permission rule for another user. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_xattr.d"
#define K_XATTR_CREATE 1
#define K_XATTR_REPLACE 2
#ifndef ENODATA
#define ENODATA 61
#endif

static long sset(const char *p, const char *n, const void *v, long sz, int fl) {
    return syscall(SYS_setxattr, p, n, v, sz, fl);
}
static long sget(const char *p, const char *n, void *v, long sz) { return syscall(SYS_getxattr, p, n, v, sz); }
static long slist(const char *p, char *b, long sz) { return syscall(SYS_listxattr, p, b, sz); }
static long sremove(const char *p, const char *n) { return syscall(SYS_removexattr, p, n); }

/* how many times name occurs in a listxattr buffer */
static int count_in(const char *list, long len, const char *name) {
    int n = 0;
    for (long off = 0; off < len; off += strlen(list + off) + 1)
        if (strcmp(list + off, name) == 0)
            n++;
    return n;
}

int main(void) {
    long r, r2;
    int e, status;
    char buf[512], list[1024];
    if (t_fresh_dir(D) != 0)
        return 1;
    int fd = t_open("f", O_RDWR | O_CREAT, 0644);
    close(fd);

    r = sset("f", "user.a", "hello", 5, 0);
    memset(buf, 0, sizeof buf);
    r2 = sget("f", "user.a", buf, sizeof buf);
    CHECK(r == 0 && r2 == 5 && memcmp(buf, "hello", 5) == 0, "setxattr then getxattr returns the value",
          "%ld %ld errno %d", r, r2, errno);
    r = sget("f", "user.a", NULL, 0);
    CHECK(r == 5, "getxattr with size 0 returns the value's size", "ret %ld", r);
    errno = 0;
    r = sget("f", "user.a", buf, 4);
    CHECK(r == -1 && errno == ERANGE, "getxattr into a too-small buffer is ERANGE", "ret %ld errno %d", r, errno);
    errno = 0;
    r = sget("f", "user.missing", buf, sizeof buf);
    CHECK(r == -1 && errno == ENODATA, "getxattr of a missing name is ENODATA", "ret %ld errno %d", r, errno);

    /* flags */
    errno = 0;
    r = sset("f", "user.a", "x", 1, K_XATTR_CREATE);
    e = errno;
    r2 = sset("f", "user.b", "bee", 3, K_XATTR_CREATE);
    CHECK(r == -1 && e == EEXIST && r2 == 0, "XATTR_CREATE: EEXIST if present, creates otherwise", "%ld/%d %ld", r, e,
          r2);
    errno = 0;
    r = sset("f", "user.c", "x", 1, K_XATTR_REPLACE);
    e = errno;
    r2 = sset("f", "user.a", "replaced", 8, K_XATTR_REPLACE);
    memset(buf, 0, sizeof buf);
    sget("f", "user.a", buf, sizeof buf);
    CHECK(r == -1 && e == ENODATA && r2 == 0 && strcmp(buf, "replaced") == 0,
          "XATTR_REPLACE: ENODATA if absent, replaces otherwise", "%ld/%d %ld", r, e, r2);
    errno = 0;
    r = sset("f", "user.a", "x", 1, 4);
    CHECK(r == -1 && errno == EINVAL, "setxattr with an unknown flag is EINVAL", "ret %ld errno %d", r, errno);
    r = sset("f", "user.empty", "", 0, 0);
    r2 = sget("f", "user.empty", buf, sizeof buf);
    CHECK(r == 0 && r2 == 0, "an empty value is allowed and reads back as size 0", "%ld %ld", r, r2);

    /* listxattr */
    long need = slist("f", NULL, 0);
    memset(list, 0, sizeof list);
    r = slist("f", list, sizeof list);
    CHECK(need == r && r > 0 && list[r - 1] == 0 && count_in(list, r, "user.a") == 1 &&
              count_in(list, r, "user.b") == 1 && count_in(list, r, "user.empty") == 1,
          "listxattr lists each name once, NUL-terminated; size 0 gives the length", "need %ld got %ld", need, r);
    errno = 0;
    r2 = slist("f", list, need - 1);
    CHECK(r2 == -1 && errno == ERANGE, "listxattr into a too-small buffer is ERANGE", "ret %ld errno %d", r2, errno);

    /* remove */
    r = sremove("f", "user.b");
    errno = 0;
    r2 = sget("f", "user.b", buf, sizeof buf);
    e = errno;
    r = slist("f", list, sizeof list);
    CHECK(r2 == -1 && e == ENODATA && count_in(list, r, "user.b") == 0 && count_in(list, r, "user.a") == 1,
          "removexattr removes the name", "%ld/%d", r2, e);
    errno = 0;
    r = sremove("f", "user.b");
    CHECK(r == -1 && errno == ENODATA, "removexattr of a missing name is ENODATA", "ret %ld errno %d", r, errno);

    /* name validation */
    errno = 0;
    r = sset("f", "plain", "x", 1, 0);
    e = errno;
    errno = 0;
    r2 = sset("f", "bogus.name", "x", 1, 0);
    CHECK(r == -1 && e == EOPNOTSUPP && r2 == -1 && errno == EOPNOTSUPP,
          "a name without a known namespace is EOPNOTSUPP", "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    r = sget("f", "plain", buf, sizeof buf);
    CHECK(r == -1 && errno == EOPNOTSUPP, "getxattr of a name without a namespace is EOPNOTSUPP", "ret %ld errno %d",
          r, errno);
    char longname[300];
    memcpy(longname, "user.", 5);
    memset(longname + 5, 'n', 251);
    longname[256] = 0;
    errno = 0;
    r = sset("f", "", "x", 1, 0);
    e = errno;
    errno = 0;
    r2 = sset("f", longname, "x", 1, 0);
    CHECK(r == -1 && e == ERANGE && r2 == -1 && errno == ERANGE, "an empty name or one over 255 bytes is ERANGE",
          "%ld/%d %ld/%d", r, e, r2, errno);
    static char huge[65537];
    errno = 0;
    r = sset("f", "user.huge", huge, sizeof huge, 0);
    CHECK(r == -1 && errno == E2BIG, "a value over 64 KiB is E2BIG", "ret %ld errno %d", r, errno);

    /* symlinks */
    symlink("f", "sl");
    memset(buf, 0, sizeof buf);
    r = sget("sl", "user.a", buf, sizeof buf);
    errno = 0;
    r2 = syscall(SYS_lgetxattr, "sl", "user.a", buf + 100, 100);
    e = errno;
    CHECK(r == 8 && strcmp(buf, "replaced") == 0 && r2 == -1 && e == ENODATA,
          "getxattr follows a symlink, lgetxattr of user.* on the link is ENODATA", "%ld %ld/%d", r, r2, e);
    errno = 0;
    r = syscall(SYS_lsetxattr, "sl", "user.x", "v", 1, 0);
    CHECK(r == -1 && errno == EPERM, "lsetxattr of user.* on a symlink is EPERM", "ret %ld errno %d", r, errno);

    /* fd variants */
    fd = t_open("f", O_RDONLY, 0);
    r = syscall(SYS_fsetxattr, fd, "user.fd", "viafd", 5, 0);
    memset(buf, 0, sizeof buf);
    r2 = sget("f", "user.fd", buf, sizeof buf);
    CHECK(r == 0 && r2 == 5 && strcmp(buf, "viafd") == 0, "fsetxattr works on an O_RDONLY fd", "%ld %ld", r, r2);
    memset(buf, 0, sizeof buf);
    r = syscall(SYS_fgetxattr, fd, "user.a", buf, sizeof buf);
    r2 = syscall(SYS_flistxattr, fd, list, sizeof list);
    long r3 = syscall(SYS_fremovexattr, fd, "user.fd");
    CHECK(r == 8 && strcmp(buf, "replaced") == 0 && r2 > 0 && count_in(list, r2, "user.fd") == 1 && r3 == 0 &&
              sget("f", "user.fd", NULL, 0) == -1,
          "fgetxattr, flistxattr, fremovexattr", "%ld %ld %ld", r, r2, r3);
    close(fd);
    fd = t_open("f", O_PATH, 0);
    errno = 0;
    r = syscall(SYS_fgetxattr, fd, "user.a", buf, sizeof buf);
    CHECK(r == -1 && errno == EBADF, "fgetxattr on an O_PATH fd is EBADF", "ret %ld errno %d", r, errno);
    close(fd);

    /* directories */
    mkdir("d", 0755);
    r = sset("d", "user.dir", "D", 1, 0);
    r2 = sget("d", "user.dir", buf, sizeof buf);
    CHECK(r == 0 && r2 == 1 && buf[0] == 'D', "user.* attributes work on directories", "%ld %ld", r, r2);

    /* another user needs write permission to set, read permission to get */
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(99);
        char b[16];
        if (sget(D "/f", "user.a", b, sizeof b) != 8)
            _exit(1);
        errno = 0;
        if (!(sset(D "/f", "user.n", "x", 1, 0) == -1 && errno == EACCES))
            _exit(2);
        errno = 0;
        if (!(sremove(D "/f", "user.a") == -1 && errno == EACCES))
            _exit(3);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "nobody reads a 0644 file's user.* but cannot set or remove",
          "status %#x", status);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_xattr");
}
