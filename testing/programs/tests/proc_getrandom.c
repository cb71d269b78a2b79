/* getrandom flags and sizes: GRND_NONBLOCK, GRND_RANDOM and GRND_INSECURE
 * each return the full small request, unknown flags are EINVAL, large
 * requests return the whole count, successive
 * calls differ, a bad buffer is EFAULT and /dev/urandom is not constant. */
#define _GNU_SOURCE
#include "../t.h"
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "../getrandom.h"

static long gr(void *b, size_t n, unsigned f) { return syscall(SYS_getrandom, b, n, f); }
static int nonzero(const unsigned char *b, size_t n) {
    for (size_t i = 0; i < n; i++) if (b[i]) return 1;
    return 0;
}

int main(void) {
    t_watchdog(60);
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a);
    long r = gr(a, sizeof a, GRND_NONBLOCK);
    CHECK(r == 64 && nonzero(a, 64), "GRND_NONBLOCK returns the whole 64 bytes once initialised", "r=%ld", r);
    memset(b, 0, sizeof b);
    r = gr(b, sizeof b, GRND_RANDOM);
    CHECK(r == 64 && memcmp(a, b, 64) != 0, "GRND_RANDOM returns 64 fresh bytes", "r=%ld", r);
    r = gr(b, sizeof b, GRND_INSECURE);
    CHECK(r == 64 && memcmp(a, b, 64) != 0, "GRND_INSECURE returns 64 fresh bytes", "r=%ld", r);
    r = gr(b, sizeof b, GRND_RANDOM | GRND_NONBLOCK);
    CHECK(r == 64, "GRND_RANDOM|GRND_NONBLOCK returns the whole request", "r=%ld", r);
    errno = 0;
    r = gr(b, sizeof b, 0x10);
    CHECK(r == -1 && errno == EINVAL, "getrandom with flag 0x10 is EINVAL", "r=%ld e=%d", r, errno);
    errno = 0;
    r = gr(b, sizeof b, 0x80000000u);
    CHECK(r == -1 && errno == EINVAL, "getrandom with the top flag bit is EINVAL", "r=%ld e=%d", r, errno);

    /* a 1 MiB request is returned whole */
    size_t big = 1 << 20;
    unsigned char *m = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r = gr(m, big, 0);
    CHECK(r == (long)big && nonzero(m + big - 64, 64), "a 1 MiB getrandom returns 1 MiB", "r=%ld", r);
    munmap(m, big);

    /* bad buffers */
    errno = 0;
    r = gr((void *)8, 16, 0);
    CHECK(r == -1 && errno == EFAULT, "getrandom into an unmapped buffer is EFAULT", "r=%ld e=%d", r, errno);
    unsigned char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    errno = 0;
    r = gr(ro, 16, 0);
    CHECK(r == -1 && errno == EFAULT && !nonzero(ro, 16), "getrandom into a read-only buffer is EFAULT", "r=%ld e=%d", r, errno);
    munmap(ro, 4096);
    /* a buffer that runs into an unmapped page: partial count */
    unsigned char *two = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(two + 4096, 4096);
    r = gr(two + 4096 - 100, 200, 0);
    CHECK(r == 100, "getrandom running into an unmapped page returns the bytes before it", "r=%ld", r);
    munmap(two, 4096);

    /* /dev/urandom */
    int fd = open("/dev/urandom", O_RDONLY);
    unsigned char u1[32], u2[32];
    ssize_t n1 = fd >= 0 ? read(fd, u1, sizeof u1) : -1;
    ssize_t n2 = fd >= 0 ? read(fd, u2, sizeof u2) : -1;
    CHECK(n1 == 32 && n2 == 32 && memcmp(u1, u2, 32) != 0, "two reads of /dev/urandom differ", "n1=%zd n2=%zd", n1, n2);
    if (fd >= 0) close(fd);
    gr(a, 32, 0);
    CHECK(memcmp(a, u1, 32) != 0 && memcmp(a, u2, 32) != 0, "getrandom and /dev/urandom give different bytes", "x");
    return t_done("proc_getrandom");
}
