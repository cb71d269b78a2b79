/* remap_file_pages(2), emulated by Linux with mmap since 3.16: a page of
 * a shared file mapping shows another page of the file, writes through it
 * reach that page of the file, the rest of the mapping is unchanged, and
 * the EINVAL cases (prot not 0, a private or anonymous mapping, no
 * mapping, a wrapping range). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include "../t.h"

#define PG 4096UL
#define F "/tmp/mm_remap_pages.f"

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int fd = open(F, O_CREAT | O_RDWR | O_TRUNC, 0600);
    char page[PG];
    for (int i = 0; i < 4; i++) {
        memset(page, '0' + i, PG);
        write(fd, page, PG);
    }
    char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED && p[0] == '0' && p[3 * PG] == '3', "a shared mapping of a four-page file", "errno %d", errno);
    CHECK(remap_file_pages(p, PG, 0, 3, 0) == 0, "remap_file_pages succeeds", "errno %d", errno);
    CHECK(p[0] == '3' && p[PG - 1] == '3', "the first page now shows file page 3", "%c", p[0]);
    CHECK(p[PG] == '1' && p[2 * PG] == '2' && p[3 * PG] == '3', "the other pages are unchanged", "%c %c %c", p[PG], p[2 * PG], p[3 * PG]);
    p[10] = 'x';
    char c = 0;
    CHECK(pread(fd, &c, 1, 3 * PG + 10) == 1 && c == 'x' && p[3 * PG + 10] == 'x', "a write through it reaches file page 3", "%c", c);
    CHECK(pread(fd, &c, 1, 10) == 1 && c == '0', "file page 0 is untouched", "%c", c);
    CHECK(remap_file_pages(p + 100, 2 * PG, 0, 1, 0) == 0 && p[0] == '1' && p[PG] == '2', "an unaligned start is rounded down; two pages at once", "%c %c", p[0], p[PG]);
    CHECK(FAILS(remap_file_pages(p, PG, PROT_READ, 0, 0), EINVAL), "a non-zero prot is EINVAL", "errno %d", errno);
    CHECK(FAILS(remap_file_pages(p, (size_t)-PG, 0, 0, 0), EINVAL), "a wrapping range is EINVAL", "errno %d", errno);
    char *priv = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(FAILS(remap_file_pages(priv, PG, 0, 1, 0), EINVAL), "a private file mapping is EINVAL", "errno %d", errno);
    char *anon = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(FAILS(remap_file_pages(anon, PG, 0, 1, 0), EINVAL), "a private anonymous mapping is EINVAL", "errno %d", errno);
    munmap(anon, PG);
    CHECK(FAILS(remap_file_pages(anon, PG, 0, 1, 0), EINVAL), "an unmapped address is EINVAL", "errno %d", errno);
    munmap(priv, PG);
    munmap(p, 4 * PG);
    close(fd);
    unlink(F);
    return t_done("mm_remap_pages");
}
