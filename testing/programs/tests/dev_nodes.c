/* Device nodes beyond the basics: /dev/random and /dev/urandom (reads of
 * many sizes, O_NONBLOCK, poll readiness, rdev 1:8 and 1:9), getrandom
 * flags, mknod'd nodes with the same numbers acting like the originals,
 * an unknown device number ENXIO, lseek on devices, ioctls ENOTTY. */
#define _GNU_SOURCE
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/dev_nodes.d"

static void cleanup(void) {
    unlink(D "/null");
    unlink(D "/zero");
    unlink(D "/full");
    unlink(D "/urandom");
    unlink(D "/nodev");
    rmdir(D);
}

static unsigned char buf[1 << 20];

int main(void) {
    t_watchdog(30);
    umask(022);
    cleanup();
    mkdir(D, 0755);
    struct stat st, st2;

    int r = stat("/dev/random", &st);
    int r2 = stat("/dev/urandom", &st2);
    CHECK(r == 0 && r2 == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 8) && S_ISCHR(st2.st_mode) &&
              st2.st_rdev == makedev(1, 9),
          "/dev/random is char 1:8, /dev/urandom 1:9", "%d:%d %d:%d", major(st.st_rdev), minor(st.st_rdev),
          major(st2.st_rdev), minor(st2.st_rdev));

    int fd = open("/dev/urandom", O_RDONLY);
    static const long sizes[] = {1, 7, 64, 255, 256, 4095, 4096, 65536, 1 << 20};
    int all_ok = 1;
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        long got = read(fd, buf, sizes[i]);
        if (got != sizes[i]) all_ok = 0;
    }
    CHECK(all_ok, "/dev/urandom fills reads of 1 byte up to 1 MiB completely", "short read");
    CHECK(!t_all_zero(buf, 4096), "/dev/urandom output is not all zeros", "zeros");
    r = read(fd, buf, 0);
    CHECK(r == 0, "a read of 0 bytes returns 0", "ret %d", r);
    off_t o = lseek(fd, 12345, SEEK_SET);
    CHECK(o == 0, "lseek on /dev/urandom returns 0", "ret %ld errno %d", (long)o, errno);
    int wfd = open("/dev/urandom", O_WRONLY);
    r = write(wfd, "entropy", 7);
    close(wfd);
    CHECK(r == 7, "root may write to /dev/urandom (mixes into the pool)", "ret %d errno %d", r, errno);
    close(fd);

    fd = open("/dev/random", O_RDONLY | O_NONBLOCK);
    long got = read(fd, buf, 512);
    struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLOUT};
    r = poll(&pfd, 1, 0);
    CHECK(got == 512, "/dev/random with O_NONBLOCK reads at once once seeded", "ret %ld errno %d", got, errno);
    CHECK(r == 1 && (pfd.revents & POLLIN), "poll reports /dev/random readable", "ret %d revents %x", r,
          pfd.revents);
    close(fd);

    unsigned char g[64];
    long gr = syscall(SYS_getrandom, g, sizeof g, 0);
    long gr2 = syscall(SYS_getrandom, buf, 300, 1 /* GRND_NONBLOCK */);
    long gr3 = syscall(SYS_getrandom, buf, 300, 2 /* GRND_RANDOM */);
    CHECK(gr == 64 && gr2 == 300 && gr3 == 300, "getrandom with 0, GRND_NONBLOCK and GRND_RANDOM fills the buffer",
          "%ld %ld %ld", gr, gr2, gr3);
    gr = syscall(SYS_getrandom, buf, 300, 4 /* GRND_INSECURE */);
    CHECK(gr == 300, "getrandom with GRND_INSECURE works", "ret %ld errno %d", gr, errno);
    errno = 0;
    gr = syscall(SYS_getrandom, buf, 16, 8);
    long e = errno;
    gr2 = syscall(SYS_getrandom, buf, 16, 2 | 4);
    CHECK(gr == -1 && e == EINVAL && gr2 == -1 && errno == EINVAL,
          "getrandom with an unknown flag or GRND_RANDOM|GRND_INSECURE is EINVAL", "%ld/%ld %ld/%d", gr, e, gr2,
          errno);
    gr = syscall(SYS_getrandom, buf, 0, 0);
    CHECK(gr == 0, "getrandom of 0 bytes returns 0", "ret %ld", gr);
    gr = syscall(SYS_getrandom, (void *)8, 16, 0);
    CHECK(gr == -1 && errno == EFAULT, "getrandom into a bad pointer is EFAULT", "ret %ld errno %d", gr, errno);

    /* mknod'd copies behave like the originals. */
    r = mknod(D "/null", S_IFCHR | 0666, makedev(1, 3));
    r2 = mknod(D "/zero", S_IFCHR | 0666, makedev(1, 5));
    int r3 = mknod(D "/full", S_IFCHR | 0666, makedev(1, 7));
    int r4 = mknod(D "/urandom", S_IFCHR | 0666, makedev(1, 9));
    CHECK(r == 0 && r2 == 0 && r3 == 0 && r4 == 0, "mknod copies of null, zero, full and urandom", "%d %d %d %d", r,
          r2, r3, r4);
    fd = open(D "/null", O_RDWR);
    r = read(fd, buf, 10);
    r2 = write(fd, "abc", 3);
    CHECK(fd >= 0 && r == 0 && r2 == 3, "a copy of 1:3 reads EOF and swallows writes", "%d %d %d", fd, r, r2);
    close(fd);
    fd = open(D "/zero", O_RDWR);
    memset(buf, 1, 100);
    r = read(fd, buf, 100);
    CHECK(r == 100 && t_all_zero(buf, 100), "a copy of 1:5 reads zeros", "ret %d", r);
    close(fd);
    fd = open(D "/full", O_WRONLY);
    r = write(fd, "x", 1);
    CHECK(r == -1 && errno == ENOSPC, "a copy of 1:7 writes fail with ENOSPC", "ret %d errno %d", r, errno);
    close(fd);
    fd = open(D "/urandom", O_RDONLY);
    r = read(fd, buf, 4096);
    CHECK(r == 4096 && !t_all_zero(buf, 4096), "a copy of 1:9 gives random bytes", "ret %d", r);
    close(fd);
    fd = open(D "/zero", O_RDONLY);
    fstat(fd, &st);
    close(fd);
    CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 5) && st.st_size == 0,
          "fstat of an open copy reports the device number and size 0", "rdev %lx", (unsigned long)st.st_rdev);

    r = mknod(D "/nodev", S_IFCHR | 0666, makedev(250, 250));
    fd = open(D "/nodev", O_RDONLY);
    CHECK(r == 0 && fd == -1 && errno == ENXIO, "opening a node whose device does not exist is ENXIO",
          "mknod %d fd %d errno %d", r, fd, errno);
    fd = open(D "/nodev", O_PATH);
    CHECK(fd >= 0, "O_PATH on such a node works (the device is not opened)", "errno %d", errno);
    close(fd);

    fd = open("/dev/null", O_RDWR);
    int n = 0;
    r = ioctl(fd, TIOCGPGRP, &n);
    CHECK(r == -1 && errno == ENOTTY, "a tty ioctl on /dev/null is ENOTTY", "ret %d errno %d", r, errno);
    r = ioctl(fd, FIONBIO, &(int){1});
    CHECK(r == 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK), "FIONBIO works on a device", "ret %d", r);
    r = isatty(fd);
    CHECK(r == 0, "isatty(/dev/null) is false", "ret %d", r);
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    o = lseek(fd, 4096, SEEK_CUR);
    off_t o2 = lseek(fd, 0, SEEK_END);
    CHECK(o == 0 && o2 == 0, "lseek on /dev/zero returns 0 for every whence", "%ld %ld", (long)o, (long)o2);
    close(fd);

    cleanup();
    return t_done("dev_nodes");
}
