/* Address space, part two: mremap (grow in place, ENOMEM when blocked,
 * MAYMOVE, shrink, FIXED), madvise(MADV_DONTNEED) on private and shared
 * anonymous memory, mincore, msync on anonymous memory, MAP_POPULATE,
 * MAP_GROWSDOWN, MAP_SHARED vs MAP_PRIVATE across fork, and copy-on-write
 * of a 4 MiB region in both directions. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"

#define PG 4096UL

#include "../probe.h"

static char *map(size_t len, int prot, int flags) {
    void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
static long mremap_raw(void *old, size_t olen, size_t nlen, int flags, void *naddr) {
    return syscall(SYS_mremap, old, olen, nlen, flags, naddr);
}

/* A page-aligned address that is not mapped right now. */
static char *unmapped_page(void) {
    char *p = map(PG, PROT_READ, MAP_PRIVATE);
    munmap(p, PG);
    return p;
}

int main(void) {
    t_handle_info(SIGSEGV, on_fault, SA_SIGINFO);
    int rw = PROT_READ | PROT_WRITE;
    int status;

    /* All MAP_FIXED work happens inside a PROT_NONE reservation of our own. */
    char *res = map(32 * PG, PROT_NONE, MAP_PRIVATE);
    char *a = mmap(res, 2 * PG, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    memset(a, 'a', 2 * PG);
    munmap(a + 2 * PG, 2 * PG); /* room to grow into; res[4..] still blocks */

    /* mremap grow in place. */
    char *g = (char *)mremap_raw(a, 2 * PG, 4 * PG, 0, NULL);
    CHECK(g == a && a[0] == 'a' && a[2 * PG - 1] == 'a' && a[2 * PG] == 0 && a[4 * PG - 1] == 0,
          "mremap grows in place when the space after is free", "same %d", g == a);

    /* Blocked by the rest of the reservation: without MAYMOVE it is ENOMEM;
     * with MAYMOVE it moves. */
    errno = 0;
    long r = mremap_raw(a, 4 * PG, 8 * PG, 0, NULL);
    CHECK(r == -1 && errno == ENOMEM, "mremap growth blocked by a mapping is ENOMEM", "r %ld errno %d", r, errno);
    memset(a + 2 * PG, 'b', 2 * PG);
    char *mv = (char *)mremap_raw(a, 4 * PG, 8 * PG, MREMAP_MAYMOVE, NULL);
    int moved_ok = mv != (char *)-1 && mv != a && mv[0] == 'a' && mv[2 * PG] == 'b' && mv[4 * PG - 1] == 'b' &&
                   mv[4 * PG] == 0 && mv[8 * PG - 1] == 0;
    CHECK(moved_ok, "MREMAP_MAYMOVE moves the mapping with its contents", "moved %d", mv != a);
    int f = probe_read(a);
    CHECK(f && fault_code == SEGV_MAPERR && fault_addr == a, "the old range is unmapped after a move",
          "faulted %d code %d", f, fault_code);

    /* Shrink: same address, the tail goes away. */
    char *s = (char *)mremap_raw(mv, 8 * PG, 2 * PG, 0, NULL);
    f = probe_read(mv + 2 * PG);
    CHECK(s == mv && mv[0] == 'a' && f && fault_code == SEGV_MAPERR, "mremap shrinks in place and unmaps the tail",
          "same %d faulted %d", s == mv, f);

    /* MREMAP_FIXED to a chosen address. */
    char *dst = map(4 * PG, PROT_READ, MAP_PRIVATE);
    char *fx = (char *)mremap_raw(mv, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst + PG);
    CHECK(fx == dst + PG && fx[0] == 'a' && fx[PG] == 'a' && probe_read(mv) == 1,
          "MREMAP_FIXED moves to the requested address", "same %d", fx == dst + PG);
    munmap(dst, 4 * PG);

    /* mremap errors. */
    char *spot = unmapped_page();
    errno = 0;
    r = mremap_raw(spot, PG, 2 * PG, MREMAP_MAYMOVE, NULL);
    CHECK(r == -1 && errno == EFAULT, "mremap of an unmapped address is EFAULT", "r %ld errno %d", r, errno);
    char *e = map(PG, rw, MAP_PRIVATE);
    errno = 0;
    r = mremap_raw(e, PG, 2 * PG, MREMAP_FIXED, e + 16 * PG);
    int e1 = errno;
    errno = 0;
    long r2 = mremap_raw(e, PG, 0, MREMAP_MAYMOVE, NULL);
    int e2 = errno;
    errno = 0;
    long r3 = mremap_raw(e + 1, PG, 2 * PG, MREMAP_MAYMOVE, NULL);
    CHECK(r == -1 && e1 == EINVAL && r2 == -1 && e2 == EINVAL && r3 == -1 && errno == EINVAL,
          "mremap FIXED without MAYMOVE, new size 0, or unaligned address is EINVAL", "e1 %d e2 %d e3 %d", e1, e2,
          errno);

    /* madvise. */
    char *d = map(4 * PG, rw, MAP_PRIVATE);
    memset(d, 'd', 4 * PG);
    int mr = madvise(d + PG, 2 * PG, MADV_DONTNEED);
    CHECK(mr == 0 && d[0] == 'd' && d[PG] == 0 && d[3 * PG - 1] == 0 && d[3 * PG] == 'd',
          "MADV_DONTNEED zeroes private anonymous pages", "r %d", mr);
    char *sh = map(2 * PG, rw, MAP_SHARED);
    memset(sh, 's', 2 * PG);
    mr = madvise(sh, 2 * PG, MADV_DONTNEED);
    CHECK(mr == 0 && sh[0] == 's' && sh[2 * PG - 1] == 's', "MADV_DONTNEED keeps shared anonymous contents",
          "r %d", mr);
    errno = 0;
    mr = madvise(d, PG, 12345);
    int me = errno;
    spot = unmapped_page();
    errno = 0;
    int mr2 = madvise(spot, PG, MADV_DONTNEED);
    CHECK(mr == -1 && me == EINVAL && mr2 == -1 && errno == ENOMEM, "madvise: unknown advice EINVAL, unmapped ENOMEM",
          "e %d e2 %d", me, errno);

    /* mincore. */
    char *mc = map(4 * PG, rw, MAP_PRIVATE);
    mc[0] = 1;
    mc[2 * PG] = 1;
    unsigned char vec[4] = {0xff, 0xff, 0xff, 0xff};
    int cr = mincore(mc, 4 * PG, vec);
    CHECK(cr == 0 && (vec[0] & 1) && (vec[2] & 1), "mincore reports touched pages resident", "r %d", cr);
    CHECK(cr == 0 && !(vec[1] & 1) && !(vec[3] & 1), "mincore reports untouched anonymous pages not resident",
          "v1 %d v3 %d", vec[1], vec[3]);
    spot = unmapped_page();
    errno = 0;
    cr = mincore(spot, PG, vec);
    int ce = errno;
    errno = 0;
    int cr2 = (int)syscall(SYS_mincore, mc + 1, PG, vec);
    CHECK(cr == -1 && ce == ENOMEM && cr2 == -1 && errno == EINVAL, "mincore: unmapped ENOMEM, unaligned EINVAL",
          "e %d e2 %d", ce, errno);
    char *pop = mmap(NULL, 8 * PG, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    unsigned char pv[8];
    memset(pv, 0, sizeof pv);
    cr = pop != MAP_FAILED ? mincore(pop, 8 * PG, pv) : -1;
    int all = cr == 0;
    for (int i = 0; i < 8; i++)
        all = all && (pv[i] & 1);
    CHECK(all, "MAP_POPULATE makes every page resident", "r %d", cr);

    /* msync on anonymous memory. */
    int ms = msync(mc, 4 * PG, MS_SYNC);
    int ms2 = msync(mc, 4 * PG, MS_ASYNC | MS_INVALIDATE);
    CHECK(ms == 0 && ms2 == 0, "msync of anonymous memory succeeds", "r %d r2 %d", ms, ms2);
    errno = 0;
    ms = msync(mc, PG, MS_SYNC | MS_ASYNC);
    int mse = errno;
    spot = unmapped_page();
    errno = 0;
    ms2 = msync(spot, PG, MS_SYNC);
    CHECK(ms == -1 && mse == EINVAL && ms2 == -1 && errno == ENOMEM, "msync: SYNC|ASYNC EINVAL, unmapped ENOMEM",
          "e %d e2 %d", mse, errno);

    char *gd = mmap(NULL, 4 * PG, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
    CHECK(gd != MAP_FAILED && (gd[4 * PG - 1] = 1, gd[4 * PG - 1] == 1), "MAP_GROWSDOWN is accepted and usable",
          "failed");

    /* Shared vs private across fork. */
    char *shm = map(PG, rw, MAP_SHARED);
    char *prv = map(PG, rw, MAP_PRIVATE);
    shm[0] = prv[0] = 'p';
    pid_t pid = fork();
    if (pid == 0) {
        shm[0] = 'c';
        prv[0] = 'c';
        _exit(0);
    }
    waitpid(pid, &status, 0);
    CHECK(shm[0] == 'c', "a child's write to MAP_SHARED memory is visible to the parent", "got %c", shm[0]);
    CHECK(prv[0] == 'p', "a child's write to MAP_PRIVATE memory is not", "got %c", prv[0]);

    /* Copy-on-write, 4 MiB: child writes every page. */
    size_t big = 4UL << 20;
    char *cow = map(big, rw, MAP_PRIVATE);
    for (size_t o = 0; o < big; o += PG)
        cow[o] = (char)(o / PG);
    pid = fork();
    if (pid == 0) {
        int ok = 1;
        for (size_t o = 0; o < big; o += PG) {
            ok = ok && cow[o] == (char)(o / PG);
            cow[o] = 'X';
        }
        for (size_t o = 0; o < big; o += PG)
            ok = ok && cow[o] == 'X';
        _exit(ok ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    int parent_ok = 1;
    for (size_t o = 0; o < big; o += PG)
        parent_ok = parent_ok && cow[o] == (char)(o / PG);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && parent_ok,
          "copy-on-write: the child's writes to 4 MiB leave the parent's copy intact", "status %#x parent %d", status,
          parent_ok);

    /* ...and the parent writes while the child keeps the old contents. */
    shm[1] = 0;
    pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 10000 && __atomic_load_n(&shm[1], __ATOMIC_SEQ_CST) == 0; i++)
            t_nap_ms(1);
        int ok = shm[1] == 1;
        for (size_t o = 0; o < big; o += PG)
            ok = ok && cow[o] == (char)(o / PG);
        _exit(ok ? 0 : 1);
    }
    for (size_t o = 0; o < big; o += PG)
        cow[o] = 'P';
    __atomic_store_n(&shm[1], 1, __ATOMIC_SEQ_CST);
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && cow[0] == 'P' && cow[big - PG] == 'P',
          "copy-on-write: the parent's writes after fork are invisible to the child", "status %#x", status);

    return t_done("mm_remap");
}
