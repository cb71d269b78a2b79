/* Address-space limits: vm.max_map_count (its default, mprotect splits
 * failing with ENOMEM once it is reached, then mmap and a munmap that
 * punches a hole), vm.overcommit_memory in its heuristic mode (a private
 * writable mapping larger than all memory refused, MAP_NORESERVE and
 * read-only mappings granted, mprotect to writable refused), mode 1
 * granting it, an out-of-range mode refused, and MADV_HWPOISON /
 * MADV_SOFT_OFFLINE answered EINVAL as a kernel without
 * CONFIG_MEMORY_FAILURE. Does not change vm.max_map_count: other programs
 * share it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"
#include "../procfs.h"

#define PG 4096UL
#define TB (1UL << 40)
#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif

static long read_knob(const char *path) {
    char buf[32] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n > 0 ? strtol(buf, NULL, 10) : -1;
}
/* Writes `text`: 0, or the errno. */
static int write_knob(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return errno;
    int r = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : errno;
    close(fd);
    return r;
}
#define OVERCOMMIT "/proc/sys/vm/overcommit_memory"

static void *map(size_t len, int prot, int flags) {
    return mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    t_proc_mount();
    long max = read_knob("/proc/sys/vm/max_map_count");
    CHECK(max == 65530, "vm.max_map_count is 65530", "%ld", max);

    /* Split a reservation page by page until the area count is used up. */
    size_t pages = (size_t)max + 64;
    char *three = map(3 * PG, PROT_READ, 0);
    char *res = map(pages * PG, PROT_NONE, MAP_NORESERVE);
    CHECK(res != MAP_FAILED && three != MAP_FAILED, "a large PROT_NONE reservation", "errno %d", errno);
    long done = 0;
    int err = 0;
    for (size_t i = 1; i + 1 < pages; i += 2) {
        if (mprotect(res + i * PG, PG, PROT_READ) != 0) {
            err = errno;
            break;
        }
        done++;
    }
    CHECK(err == ENOMEM, "mprotect splits stop with ENOMEM at vm.max_map_count", "errno %d after %ld", err, done);
    CHECK(done > max / 2 - 200 && done < max / 2, "about max_map_count / 2 splits succeed", "%ld", done);
    int mmap_err = 0;
    for (int i = 0; i < 4 && !mmap_err; i++)
        if (map(PG, i % 2 ? PROT_READ : PROT_READ | PROT_EXEC, 0) == MAP_FAILED)
            mmap_err = errno;
    CHECK(mmap_err == ENOMEM, "mmap past vm.max_map_count is ENOMEM", "errno %d", mmap_err);
    CHECK(FAILS(munmap(three + PG, PG), ENOMEM), "munmap punching a hole past vm.max_map_count is ENOMEM", "errno %d", errno);
    CHECK(munmap(res, pages * PG) == 0, "munmap of whole areas still works", "errno %d", errno);
    CHECK(munmap(three + PG, PG) == 0, "and then punching the hole too", "errno %d", errno);

    CHECK(read_knob(OVERCOMMIT) == 0, "vm.overcommit_memory is 0", "%ld", read_knob(OVERCOMMIT));
    void *big = map(16 * TB, PROT_READ | PROT_WRITE, 0);
    CHECK(big == MAP_FAILED && errno == ENOMEM, "a 16 TB private writable mapping is refused (ENOMEM)", "%p errno %d", big, errno);
    big = map(16 * TB, PROT_READ | PROT_WRITE, MAP_NORESERVE);
    CHECK(big != MAP_FAILED, "with MAP_NORESERVE it is granted", "errno %d", errno);
    if (big != MAP_FAILED)
        munmap(big, 16 * TB);
    big = map(16 * TB, PROT_READ, 0);
    CHECK(big != MAP_FAILED, "a 16 TB read-only private mapping is granted", "errno %d", errno);
    CHECK(big != MAP_FAILED && FAILS(mprotect(big, 16 * TB, PROT_READ | PROT_WRITE), ENOMEM), "mprotect making it writable is ENOMEM", "errno %d", errno);
    if (big != MAP_FAILED)
        munmap(big, 16 * TB);
    big = map(64UL << 20, PROT_READ | PROT_WRITE, 0);
    CHECK(big != MAP_FAILED, "a 64 MiB private writable mapping is granted", "errno %d", errno);
    munmap(big, 64UL << 20);

    CHECK(write_knob(OVERCOMMIT, "3") == EINVAL && read_knob(OVERCOMMIT) == 0, "vm.overcommit_memory refuses 3 (EINVAL)", "%ld", read_knob(OVERCOMMIT));
    CHECK(write_knob(OVERCOMMIT, "1") == 0 && read_knob(OVERCOMMIT) == 1, "vm.overcommit_memory takes 1", "%ld", read_knob(OVERCOMMIT));
    big = map(16 * TB, PROT_READ | PROT_WRITE, 0);
    CHECK(big != MAP_FAILED, "in mode 1 the 16 TB mapping is granted", "errno %d", errno);
    if (big != MAP_FAILED)
        munmap(big, 16 * TB);
    CHECK(write_knob(OVERCOMMIT, "0") == 0 && read_knob(OVERCOMMIT) == 0, "vm.overcommit_memory goes back to 0", "%ld", read_knob(OVERCOMMIT));

    char *p = map(PG, PROT_READ | PROT_WRITE, 0);
    p[0] = 7;
    CHECK(FAILS(madvise(p, PG, MADV_HWPOISON), EINVAL), "MADV_HWPOISON is EINVAL (no CONFIG_MEMORY_FAILURE)", "errno %d", errno);
    CHECK(FAILS(madvise(p, PG, MADV_SOFT_OFFLINE), EINVAL), "MADV_SOFT_OFFLINE is EINVAL (no CONFIG_MEMORY_FAILURE)", "errno %d", errno);
    CHECK(p[0] == 7, "the page is untouched", "%d", p[0]);
    return t_done("mm_limits");
}
