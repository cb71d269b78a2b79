/* Character devices: /dev/null, /dev/zero (read, write, mmap private and
 * shared), /dev/full, /dev/random and /dev/urandom, their device numbers;
 * mknod of FIFOs, sockets, regular files and char devices (never opened). */
#define _GNU_SOURCE
#include <grp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_dev.d"

static long smknod(const char *p, long mode, long dev) { return syscall(SYS_mknod, p, mode, dev); }
static int is_chr(const char *p, unsigned ma, unsigned mi) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == ma && minor(st.st_rdev) == mi;
}

int main(void) {
    long r, r2;
    int e, status;
    char buf[8192];
    struct stat st;
    if (t_fresh_dir(D) != 0)
        return 1;

    CHECK(is_chr("/dev/null", 1, 3) && is_chr("/dev/zero", 1, 5) && is_chr("/dev/full", 1, 7) &&
              is_chr("/dev/random", 1, 8) && is_chr("/dev/urandom", 1, 9),
          "null, zero, full, random, urandom are char devices 1:3, 1:5, 1:7, 1:8, 1:9", "mismatch");

    /* /dev/null */
    int fd = t_open("/dev/null", O_RDWR, 0);
    r = read(fd, buf, sizeof buf);
    r2 = write(fd, buf, sizeof buf);
    CHECK(fd >= 0 && r == 0 && r2 == (long)sizeof buf, "/dev/null: read is EOF, write swallows everything",
          "fd %d read %ld write %ld", fd, r, r2);
    r = lseek(fd, 1000, SEEK_SET);
    r2 = pwrite(fd, "x", 1, 50);
    CHECK(r == 0 && r2 == 1, "/dev/null: lseek returns 0, pwrite works", "%ld %ld", r, r2);
    close(fd);
    fd = t_open("/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    r = stat("/dev/null", &st);
    CHECK(fd >= 0 && r == 0 && S_ISCHR(st.st_mode), "/dev/null: O_CREAT|O_TRUNC (shell redirection) opens it as is",
          "fd %d errno %d", fd, errno);
    close(fd);

    /* /dev/zero */
    fd = t_open("/dev/zero", O_RDWR, 0);
    memset(buf, 'x', sizeof buf);
    r = read(fd, buf, sizeof buf);
    r2 = write(fd, "abc", 3);
    CHECK(r == (long)sizeof buf && t_all_zero(buf, sizeof buf) && r2 == 3, "/dev/zero: reads zeros, accepts writes",
          "read %ld write %ld", r, r2);
    memset(buf, 'x', 100);
    r = pread(fd, buf, 100, 12345);
    CHECK(r == 100 && t_all_zero(buf, 100), "/dev/zero: pread works", "ret %ld", r);
    char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    int zero_ok = m != MAP_FAILED && t_all_zero(m, 3 * 4096);
    if (m != MAP_FAILED)
        m[5000] = 7;
    CHECK(zero_ok && m[5000] == 7, "/dev/zero: MAP_PRIVATE mapping gives writable zero pages", "map %d", m != MAP_FAILED);
    char *m2 = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(m2 != MAP_FAILED && t_all_zero(m2, 4096), "/dev/zero: a second mapping is not affected by the first",
          "map %d", m2 != MAP_FAILED);
    volatile char *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    pid_t pid = fork();
    if (pid == 0) {
        sh[10] = 42;
        _exit(0);
    }
    waitpid(pid, &status, 0);
    CHECK(sh != MAP_FAILED && sh[10] == 42, "/dev/zero: MAP_SHARED mapping is shared with a child",
          "value %d", sh != MAP_FAILED ? sh[10] : -1);
    close(fd);

    /* /dev/full */
    fd = t_open("/dev/full", O_RDWR, 0);
    errno = 0;
    r = write(fd, "x", 1);
    e = errno;
    memset(buf, 'x', 64);
    r2 = read(fd, buf, 64);
    CHECK(r == -1 && e == ENOSPC && r2 == 64 && t_all_zero(buf, 64), "/dev/full: write is ENOSPC, read gives zeros",
          "%ld/%d %ld", r, e, r2);
    close(fd);

    /* /dev/urandom, /dev/random */
    char a[32], b[32];
    fd = t_open("/dev/urandom", O_RDONLY, 0);
    r = read(fd, a, sizeof a);
    r2 = read(fd, b, sizeof b);
    CHECK(r == 32 && r2 == 32 && memcmp(a, b, 32) != 0 && !t_all_zero(a, 32), "/dev/urandom: two reads differ",
          "%ld %ld", r, r2);
    r = write(fd, "entropy", 7);
    close(fd);
    CHECK(r == -1 && errno == EBADF, "/dev/urandom opened O_RDONLY refuses writes", "ret %ld errno %d", r, errno);
    fd = t_open("/dev/random", O_RDONLY | O_NONBLOCK, 0);
    r = read(fd, a, 16);
    close(fd);
    CHECK(r == 16, "/dev/random gives bytes without blocking once seeded", "ret %ld errno %d", r, errno);

    /* mknod */
    r = smknod("fifo", S_IFIFO | 0666, 0);
    CHECK(r == 0 && stat("fifo", &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0644,
          "mknod S_IFIFO makes a FIFO (mode & ~umask)", "ret %ld mode %o", r, st.st_mode);
    r = mkfifo("fifo2", 0600);
    CHECK(r == 0 && stat("fifo2", &st) == 0 && S_ISFIFO(st.st_mode) && st.st_size == 0, "mkfifo makes a FIFO",
          "ret %ld mode %o", r, st.st_mode);
    r = smknod("chr", S_IFCHR | 0600, makedev(1, 3));
    CHECK(r == 0 && stat("chr", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
          "mknod S_IFCHR as root: st_rdev matches", "ret %ld errno %d", r, errno);
    r = smknod("chr2", S_IFCHR | 0600, makedev(200, 70000));
    CHECK(r == 0 && stat("chr2", &st) == 0 && major(st.st_rdev) == 200 && minor(st.st_rdev) == 70000,
          "mknod keeps a large minor number", "ret %ld %u:%u", r, major(st.st_rdev), minor(st.st_rdev));
    r = smknod("reg", 0640, 0);
    r2 = smknod("sock", S_IFSOCK | 0600, 0);
    struct stat st2;
    stat("sock", &st2);
    CHECK(r == 0 && r2 == 0 && stat("reg", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 &&
              S_ISSOCK(st2.st_mode),
          "mknod with type 0 makes a regular file, S_IFSOCK a socket node", "%ld %ld", r, r2);
    errno = 0;
    r = smknod("dir", S_IFDIR | 0755, 0);
    e = errno;
    errno = 0;
    r2 = smknod("bad", 0170000 | 0644, 0);
    CHECK(r == -1 && e == EPERM && r2 == -1 && errno == EINVAL, "mknod S_IFDIR is EPERM, an unknown type EINVAL",
          "%ld/%d %ld/%d", r, e, r2, errno);
    errno = 0;
    r = smknod("fifo", S_IFIFO | 0644, 0);
    CHECK(r == -1 && errno == EEXIST, "mknod over an existing name is EEXIST", "ret %ld errno %d", r, errno);
    mkdir("open", 0777);
    chmod("open", 0777);
    pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(99);
        errno = 0;
        long x = smknod(D "/open/chr", S_IFCHR | 0600, makedev(1, 3));
        if (!(x == -1 && errno == EPERM))
            _exit(1);
        /* FIFOs need no privilege */
        _exit(smknod(D "/open/fifo", S_IFIFO | 0600, 0) == 0 ? 0 : 2);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "non-root: mknod of a char device is EPERM, of a FIFO allowed",
          "status %#x", status);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_dev");
}
