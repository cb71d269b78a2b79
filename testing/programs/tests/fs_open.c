/* open flags: O_CREAT and the umask, O_EXCL (also through a
 * dangling symlink), O_TRUNC, O_APPEND, O_DIRECTORY, O_NOFOLLOW, O_PATH,
 * O_CLOEXEC, O_TMPFILE, unknown flag bits (open vs openat2),
 * F_GETFL/F_SETFL. Raw syscalls throughout, so libc
 * never adds O_LARGEFILE or rewrites open into openat. */
#define _GNU_SOURCE
#include "../openraw.h"

#define D "/tmp/fs_open.d"
static mode_t mode_of(const char *p) {
    struct stat st;
    if (lstat(p, &st) != 0)
        return (mode_t)-1;
    return st.st_mode;
}

int main(void) {
    long fd, fd2, r;
    int e;
    char buf[64];
    if (t_fresh_dir(D) != 0)
        return 1;

    /* O_CREAT applies mode & ~umask */
    fd = t_open("c755", O_WRONLY | O_CREAT, 0777);
    close(fd);
    umask(077);
    fd2 = t_open("c700", O_WRONLY | O_CREAT, 0777);
    close(fd2);
    umask(022);
    CHECK(fd >= 0 && (mode_of("c755") & 07777) == 0755 && (mode_of("c700") & 07777) == 0700 &&
              S_ISREG(mode_of("c755")),
          "O_CREAT creates a regular file with mode & ~umask", "modes %o %o", mode_of("c755"), mode_of("c700"));

    /* O_EXCL */
    errno = 0;
    r = t_open("c755", O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(r == -1 && errno == EEXIST, "O_CREAT|O_EXCL on an existing file is EEXIST", "ret %ld errno %d", r, errno);
    symlink("target-missing", "dangling");
    errno = 0;
    r = t_open("dangling", O_WRONLY | O_CREAT | O_EXCL, 0644);
    e = errno;
    CHECK(r == -1 && e == EEXIST && access("target-missing", F_OK) != 0,
          "O_CREAT|O_EXCL on a dangling symlink is EEXIST and creates nothing", "ret %ld errno %d", r, e);
    fd = t_open("dangling", O_WRONLY | O_CREAT, 0600);
    CHECK(fd >= 0 && S_ISREG(mode_of("target-missing")) && S_ISLNK(mode_of("dangling")),
          "O_CREAT without O_EXCL through a dangling symlink creates its target", "ret %ld errno %d", fd, errno);
    close(fd);

    /* O_TRUNC */
    t_put("t", "hello world");
    fd = t_open("t", O_RDONLY, 0);
    close(fd);
    CHECK(size_of("t") == 11, "O_RDONLY open leaves the size alone", "size %ld", (long)size_of("t"));
    fd = t_open("t", O_WRONLY | O_TRUNC, 0);
    CHECK(fd >= 0 && size_of("t") == 0, "O_TRUNC empties the file", "ret %ld size %ld", fd, (long)size_of("t"));
    close(fd);

    /* O_APPEND: every write lands at the end, even after lseek */
    t_put("a", "12345");
    fd = t_open("a", O_WRONLY | O_APPEND, 0);
    lseek(fd, 0, SEEK_SET);
    r = write(fd, "ab", 2);
    off_t pos = lseek(fd, 0, SEEK_CUR);
    lseek(fd, 1, SEEK_SET);
    write(fd, "cd", 2);
    close(fd);
    memset(buf, 0, sizeof buf);
    fd = t_open("a", O_RDONLY, 0);
    read(fd, buf, sizeof buf - 1);
    close(fd);
    CHECK(r == 2 && pos == 7 && strcmp(buf, "12345abcd") == 0, "O_APPEND writes land at the end after lseek",
          "ret %ld pos %ld content '%s'", r, (long)pos, buf);

    /* O_DIRECTORY, O_NOFOLLOW */
    errno = 0;
    r = t_open("a", O_RDONLY | O_DIRECTORY, 0);
    CHECK(r == -1 && errno == ENOTDIR, "O_DIRECTORY on a file is ENOTDIR", "ret %ld errno %d", r, errno);
    fd = t_open(".", O_RDONLY | O_DIRECTORY, 0);
    CHECK(fd >= 0, "O_DIRECTORY on a directory opens it", "ret %ld errno %d", fd, errno);
    close(fd);
    symlink("a", "link-a");
    errno = 0;
    r = t_open("link-a", O_RDONLY | O_NOFOLLOW, 0);
    CHECK(r == -1 && errno == ELOOP, "O_NOFOLLOW on a symlink is ELOOP", "ret %ld errno %d", r, errno);
    mkdir("sub", 0755);
    t_put("sub/f", "x");
    symlink("sub", "link-sub");
    fd = t_open("link-sub/f", O_RDONLY | O_NOFOLLOW, 0);
    CHECK(fd >= 0, "O_NOFOLLOW still follows symlinks before the last component", "ret %ld errno %d", fd, errno);
    close(fd);

    /* O_PATH */
    struct stat st;
    fd = t_open("a", O_PATH, 0);
    errno = 0;
    r = read(fd, buf, 1);
    e = errno;
    errno = 0;
    long w = write(fd, "x", 1);
    int e2 = errno;
    CHECK(fd >= 0 && r == -1 && e == EBADF && w == -1 && e2 == EBADF, "O_PATH fd: read and write are EBADF",
          "fd %ld read %ld/%d write %ld/%d", fd, r, e, w, e2);
    r = fstat(fd, &st);
    CHECK(r == 0 && S_ISREG(st.st_mode) && st.st_size == 9, "O_PATH fd: fstat works", "ret %ld size %ld", r,
          (long)st.st_size);
    CHECK((getfl(fd) & (O_PATH | O_ACCMODE)) == O_PATH, "O_PATH fd: F_GETFL reports O_PATH", "flags %#lx", getfl(fd));
    close(fd);
    fd = t_open("link-a", O_PATH | O_NOFOLLOW, 0);
    r = fstat(fd, &st);
    CHECK(fd >= 0 && r == 0 && S_ISLNK(st.st_mode), "O_PATH|O_NOFOLLOW opens the symlink itself",
          "fd %ld ret %ld mode %o", fd, r, st.st_mode);
    close(fd);
    fd = t_open("sub", O_PATH | O_DIRECTORY, 0);
    r = fchdir(fd);
    fd2 = t_open("f", O_RDONLY, 0);
    CHECK(r == 0 && fd2 >= 0, "fchdir to an O_PATH directory works", "fchdir %ld open %ld errno %d", r, fd2, errno);
    close(fd2);
    fd2 = sopenat(fd, "f", O_RDONLY, 0);
    CHECK(fd2 >= 0, "openat relative to an O_PATH directory works", "ret %ld errno %d", fd2, errno);
    close(fd2);
    close(fd);
    chdir(D);

    /* O_CLOEXEC */
    fd = t_open("a", O_RDONLY | O_CLOEXEC, 0);
    fd2 = t_open("a", O_RDONLY, 0);
    CHECK(syscall(SYS_fcntl, fd, F_GETFD) == FD_CLOEXEC && syscall(SYS_fcntl, fd2, F_GETFD) == 0,
          "O_CLOEXEC sets FD_CLOEXEC, plain open does not", "%ld %ld", syscall(SYS_fcntl, fd, F_GETFD),
          syscall(SYS_fcntl, fd2, F_GETFD));
    close(fd);
    close(fd2);

    /* unknown flag bits are ignored by open and reported nowhere; F_GETFL
     * always includes O_LARGEFILE on x86-64 */
    fd = t_open("a", O_RDONLY | 0x40000000 | 0x10000000, 0);
    CHECK(fd >= 0 && getfl(fd) == (O_RDONLY | K_LARGEFILE), "unknown open flag bits are ignored",
          "ret %ld flags %#lx", fd, getfl(fd));
    close(fd);
    struct {
        unsigned long long flags, mode, resolve;
    } how = {O_RDONLY | 0x40000000, 0, 0};
    errno = 0;
    r = syscall(SYS_openat2, AT_FDCWD, "a", &how, sizeof how);
    CHECK(r == -1 && errno == EINVAL, "openat2 rejects unknown flag bits with EINVAL", "ret %ld errno %d", r, errno);

    /* F_GETFL / F_SETFL */
    t_put("g", "data");
    fd = t_open("g", O_WRONLY | O_APPEND | O_NONBLOCK, 0);
    CHECK(getfl(fd) == (O_WRONLY | O_APPEND | O_NONBLOCK | K_LARGEFILE),
          "F_GETFL reports the access mode, O_APPEND and O_NONBLOCK", "flags %#lx", getfl(fd));
    close(fd);
    fd = t_open("g", O_RDONLY, 0);
    r = syscall(SYS_fcntl, fd, F_SETFL, O_RDWR | O_APPEND | O_NONBLOCK | O_TRUNC | O_CREAT | O_EXCL | O_CLOEXEC);
    long fl = getfl(fd);
    CHECK(r == 0 && fl == (O_RDONLY | O_APPEND | O_NONBLOCK | K_LARGEFILE) && size_of("g") == 4 &&
              syscall(SYS_fcntl, fd, F_GETFD) == 0,
          "F_SETFL changes only O_APPEND and O_NONBLOCK", "ret %ld flags %#lx", r, fl);
    syscall(SYS_fcntl, fd, F_SETFL, 0);
    CHECK(getfl(fd) == (O_RDONLY | K_LARGEFILE), "F_SETFL clears O_APPEND and O_NONBLOCK", "flags %#lx", getfl(fd));
    close(fd);

    /* O_TMPFILE: an unnamed file in the directory */
    mkdir("tmpdir", 0755);
    fd = t_open("tmpdir", O_TMPFILE | O_RDWR, 0600);
    r = fstat(fd, &st);
    long wr = write(fd, "abc", 3);
    int empty = rmdir("tmpdir") == 0;
    CHECK(fd >= 0 && r == 0 && st.st_nlink == 0 && S_ISREG(st.st_mode) && wr == 3 && empty,
          "O_TMPFILE gives an unlinked regular file and leaves the directory empty",
          "fd %ld nlink %ld write %ld empty %d", fd, (long)st.st_nlink, wr, empty);
    close(fd);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_open");
}
