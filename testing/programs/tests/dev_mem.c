/* The memory devices in more depth: poll readiness of null/zero/full,
 * readv/writev on them, large reads of /dev/zero, mmap of /dev/zero of
 * several sizes, ftruncate and fallocate refused, O_APPEND and O_TRUNC
 * accepted, /dev/full's reads, lseek of every whence returning 0, pread
 * and pwrite at an offset, fsync refused, and the devices' modes. */
#define _GNU_SOURCE
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include "../t.h"
#include "../files.h"

static unsigned char big[2 << 20];

int main(void) {
    t_watchdog(30);
    struct stat st;
    int ok = 1;
    const char *devs[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"};
    for (int i = 0; i < 5; i++)
        if (stat(devs[i], &st) != 0 || (st.st_mode & 0777) != 0666) ok = 0;
    CHECK(ok, "null, zero, full, random and urandom are mode 0666", "mode %o", st.st_mode);

    int n = open("/dev/null", O_RDWR), z = open("/dev/zero", O_RDWR), f = open("/dev/full", O_RDWR);
    struct pollfd p[3] = {{n, POLLIN | POLLOUT, 0}, {z, POLLIN | POLLOUT, 0}, {f, POLLIN | POLLOUT, 0}};
    int r = poll(p, 3, 0);
    CHECK(r == 3 && p[0].revents == (POLLIN | POLLOUT) && p[1].revents == (POLLIN | POLLOUT) &&
              p[2].revents == (POLLIN | POLLOUT),
          "poll: null, zero and full are always readable and writable", "ret %d %x %x %x", r, p[0].revents,
          p[1].revents, p[2].revents);

    memset(big, 1, sizeof big);
    long got = read(z, big, sizeof big);
    CHECK(got == (long)sizeof big && t_all_zero(big, sizeof big), "a 2 MiB read of /dev/zero is complete and zero",
          "ret %ld", got);
    unsigned char a[10], b[5000];
    memset(a, 1, sizeof a);
    memset(b, 1, sizeof b);
    struct iovec iov[2] = {{a, sizeof a}, {b, sizeof b}};
    got = readv(z, iov, 2);
    CHECK(got == 5010 && t_all_zero(a, 10) && t_all_zero(b, 5000), "readv of /dev/zero fills every buffer", "ret %ld",
          got);
    got = readv(n, iov, 2);
    CHECK(got == 0, "readv of /dev/null is EOF", "ret %ld", got);
    got = writev(n, iov, 2);
    CHECK(got == 5010, "writev to /dev/null takes everything", "ret %ld", got);
    got = writev(f, iov, 2);
    CHECK(got == -1 && errno == ENOSPC, "writev to /dev/full is ENOSPC", "ret %ld errno %d", got, errno);
    got = write(f, a, 0);
    CHECK(got == -1 && errno == ENOSPC, "even a zero-length write to /dev/full is ENOSPC", "ret %ld errno %d", got,
          errno);
    memset(b, 1, sizeof b);
    got = pread(f, b, 4096, 12345);
    CHECK(got == 4096 && t_all_zero(b, 4096), "pread of /dev/full gives zeros", "ret %ld", got);
    got = write(z, big, 1 << 20);
    CHECK(got == 1 << 20, "writes to /dev/zero are swallowed like /dev/null's", "ret %ld", got);

    off_t o1 = lseek(n, 100, SEEK_SET), o2 = lseek(n, 100, SEEK_CUR), o3 = lseek(f, -5, SEEK_END);
    CHECK(o1 == 0 && o2 == 0 && o3 == 0, "lseek on null and full returns 0 whatever the whence", "%ld %ld %ld",
          (long)o1, (long)o2, (long)o3);

    r = ftruncate(n, 0);
    CHECK(r == -1 && errno == EINVAL, "ftruncate of /dev/null is EINVAL", "ret %d errno %d", r, errno);
    r = fallocate(z, 0, 0, 4096);
    CHECK(r == -1 && errno == ENODEV, "fallocate on /dev/zero is ENODEV", "ret %d errno %d", r, errno);
    int ap = open("/dev/null", O_WRONLY | O_APPEND | O_TRUNC);
    CHECK(ap >= 0 && write(ap, "x", 1) == 1 && (fcntl(ap, F_GETFL) & O_APPEND), "O_APPEND|O_TRUNC on /dev/null works",
          "fd %d", ap);
    close(ap);

    static const size_t sizes[] = {1, 4096, 4097, 3 << 20};
    ok = 1;
    for (int i = 0; i < 4; i++) {
        unsigned char *m = mmap(NULL, sizes[i], PROT_READ | PROT_WRITE, MAP_PRIVATE, z, 0);
        if (m == MAP_FAILED || !t_all_zero(m, sizes[i])) {
            ok = 0;
            continue;
        }
        m[sizes[i] - 1] = 9;
        munmap(m, sizes[i]);
    }
    CHECK(ok, "MAP_PRIVATE maps of /dev/zero of 1 byte to 3 MiB are zero and writable", "failed");
    unsigned char *m = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, z, 1 << 20);
    CHECK(m != MAP_FAILED && t_all_zero(m, 8192), "a /dev/zero mapping at an offset is zero too", "map failed");
    if (m != MAP_FAILED) munmap(m, 8192);
    int ro = open("/dev/zero", O_RDONLY);
    m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
    CHECK(m == MAP_FAILED && errno == EACCES, "a writable MAP_SHARED of a read-only /dev/zero fd is EACCES",
          "errno %d", errno);
    m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, n, 0);
    CHECK(m == MAP_FAILED && errno == ENODEV, "mmap of /dev/null is ENODEV", "errno %d", errno);
    close(ro);

    char pb[8] = {1};
    CHECK(pread(z, pb, sizeof pb, 1 << 20) == 8 && pb[0] == 0 && pwrite(n, pb, 8, 4096) == 8,
          "pread of /dev/zero and pwrite to /dev/null at an offset work", "errno %d", errno);
    errno = 0;
    CHECK(fsync(n) == -1 && errno == EINVAL && fdatasync(z) == -1 && errno == EINVAL,
          "fsync and fdatasync of the memory devices are EINVAL (no fsync method)", "errno %d", errno);

    close(n);
    close(z);
    close(f);
    return t_done("dev_mem");
}
