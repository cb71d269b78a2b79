/* brk edges: brk(0) reports the break, growing and shrinking move it,
 * memory past a shrunk break faults, re-grown memory reads zeros, a break
 * below the data segment or into an existing mapping is refused (the old
 * break is returned) and the mapping in the way is untouched.
 * RLIMIT_DATA with brk is covered by mm_rlimit. */
#define _GNU_SOURCE
#include "../t.h"
#include <setjmp.h>
#include <stdint.h>
#include <sys/mman.h>

#define PG 4096UL
static sigjmp_buf jb;
static void on_segv(int s) { (void)s; siglongjmp(jb, 1); }
static uintptr_t sbrk_raw(uintptr_t a) { return (uintptr_t)syscall(SYS_brk, a); }
static int read_faults(volatile char *p) {
    if (sigsetjmp(jb, 1)) return 1;
    (void)*p;
    return 0;
}
static char outbuf[8192];

int main(void) {
    /* stdio must not malloc (it could use brk behind our back) */
    setvbuf(stdout, outbuf, _IOLBF, sizeof outbuf);
    t_watchdog(60);
    signal(SIGSEGV, on_segv);

    uintptr_t orig = sbrk_raw(0);
    CHECK(orig != 0 && sbrk_raw(0) == orig, "brk(0) returns the current break and changes nothing", "x");
    uintptr_t base = (orig + PG - 1) & ~(PG - 1);
    base += 4 * PG;

    uintptr_t r = sbrk_raw(base + 16 * PG);
    CHECK(r == base + 16 * PG && sbrk_raw(0) == r, "brk grows the break to the requested address", "x");
    volatile char *p = (volatile char *)base;
    int zero = 1;
    for (unsigned long i = 0; i < 16 * PG; i += 512) zero &= p[i] == 0;
    CHECK(zero, "new break memory reads zeros", "x");
    for (unsigned long i = 0; i < 16 * PG; i += PG) p[i] = 'x';
    CHECK(p[15 * PG] == 'x', "new break memory is writable", "x");

    r = sbrk_raw(base + 4 * PG);
    CHECK(r == base + 4 * PG, "brk shrinks the break", "x");
    CHECK(!read_faults(p + 3 * PG) && p[3 * PG] == 'x', "memory below the shrunk break keeps its data", "x");
    CHECK(read_faults(p + 4 * PG) && read_faults(p + 15 * PG), "memory past the shrunk break faults with SIGSEGV", "x");

    r = sbrk_raw(base + 16 * PG);
    zero = p[4 * PG] == 0 && p[15 * PG] == 0;
    CHECK(r == base + 16 * PG && zero, "re-grown break memory reads zeros again", "x");

    /* an unaligned break: the page holding it is usable up to its end */
    r = sbrk_raw(base + 8 * PG + 100);
    CHECK(r == base + 8 * PG + 100 && !read_faults(p + 9 * PG - 1) && read_faults(p + 9 * PG),
          "an unaligned break maps its whole last page and no more", "x");

    /* a mapping in the way */
    uintptr_t hole = base + 32 * PG;
    void *m = mmap((void *)hole, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (m != MAP_FAILED) *(char *)m = 'M';
    uintptr_t cur = sbrk_raw(0);
    r = sbrk_raw(base + 64 * PG);
    CHECK(m == (void *)hole && r == cur, "brk over an existing mapping is refused with the old break", "m_ok=%d", m == (void *)hole);
    CHECK(*(char *)hole == 'M', "the mapping in the way is untouched", "x");
    r = sbrk_raw(hole);
    CHECK(r == cur, "brk right up to the mapping is refused (Linux keeps a page gap)", "x");
    r = sbrk_raw(hole - PG);
    CHECK(r == hole - PG, "brk to one page below that mapping works", "x");
    munmap(m, PG);

    r = sbrk_raw(0x1000);
    CHECK(r == hole - PG && sbrk_raw(0) == hole - PG, "brk below the data segment is refused with the old break", "x");
    r = sbrk_raw(orig);
    CHECK(r == orig, "brk back to the original break works", "x");
    return t_done("mm_brk_edges");
}
