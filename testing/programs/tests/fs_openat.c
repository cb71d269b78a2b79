/* open/openat errors and access modes: the lowest free descriptor, reads and
 * writes against the access mode, EISDIR for directories, O_CREAT|O_DIRECTORY,
 * ENOENT/ENOTDIR in the middle of a path, ENAMETOOLONG, openat with directory
 * fds, bad dirfds and absolute paths. Raw syscalls throughout. */
#define _GNU_SOURCE
#include "../openraw.h"

#define D "/tmp/fs_openat.d"

int main(void) {
    long fd, fd2, r, w;
    int e;
    char buf[64];
    if (t_fresh_dir(D) != 0)
        return 1;

    t_put("a", "123456789");
    mkdir("sub", 0755);
    t_put("sub/f", "x");
    /* lowest free descriptor */
    fd = t_open("a", O_RDONLY, 0);
    fd2 = t_open("a", O_RDONLY, 0);
    close(fd);
    r = t_open("a", O_RDONLY, 0);
    CHECK(fd2 == fd + 1 && r == fd, "open returns the lowest free descriptor", "%ld %ld %ld", fd, fd2, r);
    close(r);
    close(fd2);

    /* access modes */
    fd = t_open("a", O_RDONLY, 0);
    errno = 0;
    r = write(fd, "x", 1);
    CHECK(r == -1 && errno == EBADF, "write to an O_RDONLY fd is EBADF", "ret %ld errno %d", r, errno);
    close(fd);
    fd = t_open("a", O_WRONLY, 0);
    errno = 0;
    r = read(fd, buf, 1);
    CHECK(r == -1 && errno == EBADF, "read from an O_WRONLY fd is EBADF", "ret %ld errno %d", r, errno);
    close(fd);
    fd = t_open("a", O_RDWR, 0);
    r = read(fd, buf, 2);
    w = write(fd, "Z", 1);
    CHECK(r == 2 && w == 1 && getfl(fd) == (O_RDWR | K_LARGEFILE), "O_RDWR fd reads and writes",
          "read %ld write %ld flags %#lx", r, w, getfl(fd));
    close(fd);
    fd = t_open("a", O_WRONLY | O_CREAT | O_TRUNC, 0);
    CHECK(fd >= 0 && getfl(fd) == (O_WRONLY | K_LARGEFILE) && size_of("a") == 0,
          "creat-style O_WRONLY|O_CREAT|O_TRUNC on an existing file truncates", "fd %ld flags %#lx size %ld", fd,
          getfl(fd), (long)size_of("a"));
    close(fd);

    t_put("cr", "old contents");
    fd = syscall(SYS_creat, "cr", 0600);
    fd2 = syscall(SYS_creat, "cr-new", 0640);
    struct stat st1, st2;
    lstat("cr", &st1);
    lstat("cr-new", &st2);
    CHECK(fd >= 0 && fd2 >= 0 && getfl(fd) == (O_WRONLY | K_LARGEFILE) && st1.st_size == 0 &&
              (st1.st_mode & 07777) == 0644 && (st2.st_mode & 07777) == 0640,
          "creat truncates an existing file (keeping its mode) and creates a new one", "fd %ld %ld flags %#lx size %ld",
          fd, fd2, getfl(fd), (long)st1.st_size);
    close(fd);
    close(fd2);

    /* directories */
    int ok = 1;
    long rr[4];
    int ee[4];
    const long dflags[4] = {O_WRONLY, O_RDWR, O_WRONLY | O_CREAT, O_RDONLY | O_CREAT};
    for (int i = 0; i < 4; i++) {
        errno = 0;
        rr[i] = t_open("sub", dflags[i], 0644);
        ee[i] = errno;
        if (rr[i] != -1 || ee[i] != EISDIR)
            ok = 0;
    }
    CHECK(ok, "opening a directory for writing or with O_CREAT is EISDIR", "%ld/%d %ld/%d %ld/%d %ld/%d", rr[0], ee[0],
          rr[1], ee[1], rr[2], ee[2], rr[3], ee[3]);
    fd = t_open("sub", O_RDONLY, 0);
    errno = 0;
    r = read(fd, buf, sizeof buf);
    CHECK(fd >= 0 && r == -1 && errno == EISDIR, "read on a directory fd is EISDIR", "fd %ld ret %ld errno %d", fd, r,
          errno);
    close(fd);
    errno = 0;
    r = t_open("newdir", O_RDONLY | O_CREAT | O_DIRECTORY, 0755);
    e = errno;
    CHECK(r == -1 && e == EINVAL && access("newdir", F_OK) != 0, "O_CREAT|O_DIRECTORY is EINVAL",
          "ret %ld errno %d", r, e);

    /* path walk errors */
    errno = 0;
    r = t_open("missing/x", O_RDONLY | O_CREAT, 0644);
    CHECK(r == -1 && errno == ENOENT, "missing directory in the middle of a path is ENOENT", "ret %ld errno %d", r,
          errno);
    errno = 0;
    r = t_open("a/x", O_RDONLY | O_CREAT, 0644);
    CHECK(r == -1 && errno == ENOTDIR, "file in the middle of a path is ENOTDIR", "ret %ld errno %d", r, errno);
    errno = 0;
    r = t_open("", O_RDONLY, 0);
    CHECK(r == -1 && errno == ENOENT, "empty path is ENOENT", "ret %ld errno %d", r, errno);
    errno = 0;
    r = t_open("nothere", O_RDONLY, 0);
    CHECK(r == -1 && errno == ENOENT, "missing file without O_CREAT is ENOENT", "ret %ld errno %d", r, errno);

    char name[300];
    memset(name, 'n', 255);
    name[255] = 0;
    fd = t_open(name, O_WRONLY | O_CREAT, 0644);
    close(fd);
    name[255] = 'n';
    name[256] = 0;
    errno = 0;
    r = t_open(name, O_WRONLY | O_CREAT, 0644);
    e = errno;
    CHECK(fd >= 0 && r == -1 && e == ENAMETOOLONG, "255-byte name works, 256-byte name is ENAMETOOLONG",
          "fd %ld ret %ld errno %d", fd, r, e);
    static char longpath[5000];
    for (int i = 0; i < 4999; i++)
        longpath[i] = (i % 2) ? '/' : '.';
    longpath[4999] = 0;
    errno = 0;
    r = t_open(longpath, O_RDONLY, 0);
    CHECK(r == -1 && errno == ENAMETOOLONG, "path longer than PATH_MAX is ENAMETOOLONG", "ret %ld errno %d", r,
          errno);

    /* openat */
    int dfd = t_open("sub", O_RDONLY | O_DIRECTORY, 0);
    fd = sopenat(dfd, "f", O_RDONLY, 0);
    CHECK(fd >= 0, "openat relative to a directory fd", "ret %ld errno %d", fd, errno);
    close(fd);
    fd = sopenat(-1, D "/sub/f", O_RDONLY, 0);
    CHECK(fd >= 0, "openat with an absolute path ignores a bad dirfd", "ret %ld errno %d", fd, errno);
    close(fd);
    errno = 0;
    r = sopenat(-1, "a", O_RDONLY, 0);
    CHECK(r == -1 && errno == EBADF, "openat with a bad dirfd and a relative path is EBADF", "ret %ld errno %d", r,
          errno);
    fd = t_open("a", O_RDONLY, 0);
    errno = 0;
    r = sopenat(fd, "x", O_RDONLY, 0);
    CHECK(r == -1 && errno == ENOTDIR, "openat with a file as dirfd is ENOTDIR", "ret %ld errno %d", r, errno);
    close(fd);
    close(dfd);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_openat");
}
