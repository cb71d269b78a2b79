/* mknod and mknodat beyond fs_dev: every type's st_mode and st_rdev
 * (large major/minor numbers, rdev ignored for FIFOs and files), set-id
 * and sticky bits in the mode, mknodat with a dirfd, opening nodes that
 * have no driver (char and block: ENXIO) or are sockets (ENXIO), O_PATH on
 * them, unlink and rename of nodes, the directory's write permission
 * checked before CAP_MKNOD. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_mknod.d"

static long smknod(const char *p, long mode, unsigned long dev) { return syscall(SYS_mknod, p, mode, dev); }

int main(void) {
    long r, r2;
    if (t_fresh_dir(D) != 0)
        return 1;
    dev_t big = makedev(4000, 0xabcde);
    r = smknod("chr", S_IFCHR | 0600, big);
    CHECK(r == 0 && S_ISCHR(t_st_of("chr")->st_mode) && major(t_st.st_rdev) == 4000 && minor(t_st.st_rdev) == 0xabcde &&
              t_st.st_size == 0,
          "a character device keeps a 12-bit major and 20-bit minor", "ret %ld rdev %u:%u", r, major(t_st.st_rdev),
          minor(t_st.st_rdev));
    r = smknod("blk", S_IFBLK | 0600, makedev(4001, 7));
    CHECK(r == 0 && S_ISBLK(t_st_of("blk")->st_mode) && major(t_st.st_rdev) == 4001 && minor(t_st.st_rdev) == 7,
          "a block device node", "ret %ld mode %o", r, t_st.st_mode);
    r = smknod("fifo", S_IFIFO | 0644, makedev(1, 3));
    r2 = smknod("reg", S_IFREG | 0644, makedev(1, 3));
    CHECK(r == 0 && r2 == 0 && t_st_of("fifo")->st_rdev == 0 && t_st_of("reg")->st_rdev == 0,
          "the device number is ignored for FIFOs and regular files", "%ld %ld", r, r2);
    r = smknod("sock", S_IFSOCK | 0755, 0);
    CHECK(r == 0 && S_ISSOCK(t_st_of("sock")->st_mode) && (t_st.st_mode & 07777) == 0755, "a socket node",
          "ret %ld mode %o", r, t_st.st_mode);
    r = smknod("sticky", S_IFIFO | 07777, 0);
    CHECK(r == 0 && (t_st_of("sticky")->st_mode & 07777) == 07755, "mknod keeps set-id and sticky bits (umask 022)",
          "mode %o", t_st.st_mode);
    mkdir("sub", 0755);
    int dfd = t_open("sub", O_RDONLY | O_DIRECTORY, 0);
    r = syscall(SYS_mknodat, dfd, "at", S_IFCHR | 0644, makedev(1, 5));
    CHECK(r == 0 && S_ISCHR(t_st_of("sub/at")->st_mode) && t_st.st_rdev == makedev(1, 5), "mknodat relative to a dirfd",
          "ret %ld errno %d", r, errno);
    close(dfd);
    int fd = t_open("sub/at", O_RDONLY, 0);
    char c = 1;
    r = read(fd, &c, 1);
    CHECK(fd >= 0 && r == 1 && c == 0, "a node made for 1:5 opens /dev/zero's driver", "fd %d read %ld", fd, r);
    close(fd);

    CHECK(FAILS(t_open("chr", O_RDONLY, 0), ENXIO), "opening a character node without a driver is ENXIO", "errno %d",
          errno);
    CHECK(FAILS(t_open("blk", O_RDONLY, 0), ENXIO), "opening a block node without a driver is ENXIO", "errno %d",
          errno);
    CHECK(FAILS(t_open("sock", O_RDONLY, 0), ENXIO), "opening a socket node is ENXIO", "errno %d", errno);
    fd = t_open("chr", O_PATH, 0);
    struct stat st;
    r = fstat(fd, &st);
    CHECK(fd >= 0 && r == 0 && st.st_rdev == big, "O_PATH opens a device node without its driver", "fd %d errno %d",
          fd, errno);
    close(fd);
    r = rename("chr", "sub/chr2");
    r2 = unlink("sub/chr2");
    CHECK(r == 0 && r2 == 0 && FAILS(lstat("sub/chr2", &st), ENOENT), "device nodes are renamed and unlinked like files",
          "%ld %ld", r, r2);
    CHECK(FAILS(smknod("dir", S_IFDIR | 0755, 0), EPERM) && FAILS(smknod("lnk", S_IFLNK | 0777, 0), EINVAL),
          "mknod of S_IFDIR is EPERM, of S_IFLNK EINVAL", "errno %d", errno);

    mkdir("closed", 0755);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(99);
        errno = 0;
        if (smknod(D "/closed/c", S_IFCHR | 0644, makedev(1, 3)) != -1 || errno != EACCES)
            _exit(1);
        errno = 0;
        if (smknod(D "/closed/f", S_IFIFO | 0644, 0) != -1 || errno != EACCES)
            _exit(2);
        errno = 0;
        if (smknod(D "/sub/at", S_IFCHR | 0644, makedev(1, 3)) != -1 || errno != EEXIST)
            _exit(3);
        _exit(0);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "non-root: EACCES without directory write permission (before EPERM), EEXIST for an existing name",
          "status %#x", status);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_mknod");
}
