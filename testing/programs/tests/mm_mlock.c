/* mlock(2), mlock2(2), munlock(2), mlockall(2), munlockall(2): pages
 * faulted in when locked (not with MLOCK_ONFAULT/MCL_ONFAULT), VmLck in
 * /proc/self/status and Locked: in smaps_rollup, areas split and merged
 * again, the range rules (rounding, holes, wrap), MCL_FUTURE locking new
 * mappings, fork's child inheriting neither locks nor MCL_FUTURE, munmap
 * dropping locks, msync(MS_INVALIDATE) and MADV_DONTNEED refusing locked
 * areas, and RLIMIT_MEMLOCK for a user without CAP_IPC_LOCK (EPERM,
 * ENOMEM, EAGAIN for MAP_LOCKED). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include "../t.h"
#include "../procfs.h"

#define PG 4096UL
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

static long mlock2_(void *a, size_t len, unsigned flags) { return syscall(SYS_mlock2, a, len, flags); }

/* A field of /proc/self/status or smaps_rollup, in kB (-1: missing).
 * Read without stdio, so that no allocation maps (and locks) memory. */
static char text[8192];
static long field_kb(const char *file, const char *key) {
    if (t_slurp(file, text, sizeof text) <= 0)
        return -1;
    char *at = strstr(text, key);
    return at ? strtol(at + strlen(key), NULL, 10) : -1;
}
/* mmap without the C library's wrapper (musl turns EPERM into ENOMEM). */
static void *raw_mmap(size_t len, int prot, int flags) {
    return (void *)syscall(SYS_mmap, NULL, len, prot, flags, -1, 0);
}
static long vmlck(void) { return field_kb("/proc/self/status", "VmLck:"); }
static long locked_rollup(void) { return field_kb("/proc/self/smaps_rollup", "Locked:"); }

static int map_lines(void) {
    int fd = open("/proc/self/maps", O_RDONLY);
    if (fd < 0)
        return -1;
    int n = 0;
    ssize_t len;
    while ((len = read(fd, text, sizeof text)) > 0)
        for (ssize_t i = 0; i < len; i++)
            n += text[i] == '\n';
    close(fd);
    return n;
}

/* Pages of p..p+n*PG resident per mincore. */
static int resident(void *p, int n) {
    unsigned char v[64];
    if (mincore(p, n * PG, v) != 0)
        return -1;
    int r = 0;
    for (int i = 0; i < n; i++)
        r += v[i] & 1;
    return r;
}

static char *anon(int pages, int prot) {
    char *p = mmap(NULL, pages * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* In a child: no CAP_IPC_LOCK (uid 65534) and RLIMIT_MEMLOCK of 0. */
static int unpriv_zero(void) {
    struct rlimit rl = {0, 0};
    STEP(1, setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
    STEP(2, setuid(65534) == 0);
    char *p = anon(2, PROT_READ | PROT_WRITE);
    STEP(3, p != NULL);
    STEP(4, FAILS(mlock(p, PG), EPERM));
    STEP(5, FAILS(mlockall(MCL_CURRENT), EPERM));
    STEP(6, raw_mmap(PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED) == MAP_FAILED && errno == EPERM);
    /* Unlocking needs nothing. */
    STEP(7, munlock(p, PG) == 0 && munlockall() == 0);
    return 0;
}

/* In a child: no CAP_IPC_LOCK and RLIMIT_MEMLOCK of two pages. */
static int unpriv_two(void) {
    struct rlimit rl = {2 * PG, 2 * PG};
    STEP(1, setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
    STEP(2, setuid(65534) == 0);
    char *p = anon(4, PROT_READ | PROT_WRITE);
    STEP(3, p != NULL);
    STEP(4, FAILS(mlock(p, 3 * PG), ENOMEM));
    STEP(5, vmlck() == 0);
    STEP(6, mlock(p, 2 * PG) == 0);
    /* Locking again what is locked does not count twice. */
    STEP(7, mlock(p, 2 * PG) == 0);
    STEP(8, FAILS(mlock(p + 2 * PG, PG), ENOMEM));
    STEP(9, raw_mmap(PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED) == MAP_FAILED && errno == EAGAIN);
    STEP(10, munlock(p, PG) == 0);
    STEP(11, mlock(p + 2 * PG, PG) == 0);
    STEP(12, vmlck() == 8);
    /* MCL_CURRENT compares the whole address space with the limit. */
    STEP(13, FAILS(mlockall(MCL_CURRENT), ENOMEM));
    /* Growing a locked area past the limit is EAGAIN. */
    STEP(14, mremap(p + 2 * PG, PG, 2 * PG, MREMAP_MAYMOVE) == MAP_FAILED && errno == EAGAIN);
    /* Under MCL_FUTURE, a break that would pass the limit stays put. */
    STEP(15, mlockall(MCL_FUTURE) == 0);
    long brk0 = syscall(SYS_brk, 0);
    STEP(16, syscall(SYS_brk, brk0 + 64 * PG) == brk0);
    STEP(17, munlockall() == 0);
    return 0;
}

/* In a child of a process that locked memory and asked MCL_FUTURE. */
static int child_unlocked(void) {
    STEP(1, vmlck() == 0);
    char *q = anon(2, PROT_READ | PROT_WRITE);
    STEP(2, q != NULL);
    STEP(3, resident(q, 2) == 0);
    return 0;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    t_proc_mount();
    CHECK(vmlck() == 0, "nothing locked at start", "VmLck %ld", vmlck());

    char *p = anon(4, PROT_READ | PROT_WRITE);
    CHECK(p && resident(p, 4) == 0, "a fresh mapping has no pages", "%d", p ? resident(p, 4) : -1);
    CHECK(mlock(p, 4 * PG) == 0, "mlock succeeds", "errno %d", errno);
    CHECK(resident(p, 4) == 4, "mlock faults every page in", "%d resident", resident(p, 4));
    CHECK(vmlck() == 16, "VmLck counts the locked area", "VmLck %ld", vmlck());
    CHECK(locked_rollup() == 16, "smaps_rollup Locked counts its pages", "Locked %ld", locked_rollup());
    p[0] = 1;
    CHECK(p[0] == 1, "locked memory is usable", "%d", p[0]);
    CHECK(FAILS(msync(p, PG, MS_INVALIDATE), EBUSY), "msync MS_INVALIDATE on locked memory is EBUSY", "errno %d", errno);
    CHECK(msync(p, PG, MS_SYNC) == 0, "msync MS_SYNC on locked memory succeeds", "errno %d", errno);
    CHECK(FAILS(madvise(p, PG, MADV_DONTNEED), EINVAL), "MADV_DONTNEED on locked memory is EINVAL", "errno %d", errno);
    CHECK(munlock(p, 4 * PG) == 0 && vmlck() == 0, "munlock releases the lock", "VmLck %ld", vmlck());
    CHECK(resident(p, 4) == 4 && p[0] == 1, "munlock keeps the pages", "%d", resident(p, 4));
    CHECK(madvise(p, PG, MADV_DONTNEED) == 0, "MADV_DONTNEED works again after munlock", "errno %d", errno);

    /* Rounding: the start down, the length up by the start's offset. */
    CHECK(mlock(p + 100, PG) == 0 && vmlck() == 8, "mlock rounds an unaligned range to whole pages", "VmLck %ld", vmlck());
    CHECK(munlock(p + 100, PG) == 0 && vmlck() == 0, "munlock rounds the same way", "VmLck %ld", vmlck());
    CHECK(mlock(p, 0) == 0 && vmlck() == 0, "mlock of zero bytes does nothing", "VmLck %ld", vmlck());
    CHECK(FAILS(mlock(p, (size_t)-PG), EINVAL) || FAILS(mlock(p, (size_t)-PG), ENOMEM), "mlock of a wrapping range fails", "errno %d", errno);
    CHECK(FAILS(mlock(p, (size_t)-PG), EINVAL), "mlock of a wrapping range is EINVAL", "errno %d", errno);
    CHECK(FAILS(mlock2_(p, PG, 2), EINVAL), "mlock2 with an unknown flag is EINVAL", "errno %d", errno);

    /* A hole fails the call. */
    char *h = anon(3, PROT_READ | PROT_WRITE);
    munmap(h + PG, PG);
    CHECK(FAILS(mlock(h, 3 * PG), ENOMEM), "mlock over a hole is ENOMEM", "errno %d", errno);
    CHECK(FAILS(munlock(h, 3 * PG), ENOMEM), "munlock over a hole is ENOMEM", "errno %d", errno);
    munlock(h, PG);
    munmap(h, 3 * PG);

    /* MLOCK_ONFAULT: accounted now, faulted in only when touched. */
    char *o = anon(4, PROT_READ | PROT_WRITE);
    CHECK(o && mlock2_(o, 4 * PG, MLOCK_ONFAULT) == 0, "mlock2 MLOCK_ONFAULT succeeds", "errno %d", errno);
    CHECK(resident(o, 4) == 0 && vmlck() == 16, "MLOCK_ONFAULT locks without faulting in", "%d resident, VmLck %ld", resident(o, 4), vmlck());
    o[PG] = 1;
    CHECK(resident(o, 4) == 1, "an ONFAULT page is brought in by a touch", "%d resident", resident(o, 4));
    munmap(o, 4 * PG);
    CHECK(vmlck() == 0, "munmap drops the lock", "VmLck %ld", vmlck());

    /* PROT_NONE memory is locked but cannot be faulted in: ENOMEM, as
     * Linux's populate failing with EFAULT. */
    char *n = anon(2, PROT_NONE);
    CHECK(n && FAILS(mlock(n, 2 * PG), ENOMEM), "mlock of PROT_NONE memory is ENOMEM", "errno %d", errno);
    CHECK(vmlck() == 8 && resident(n, 2) == 0, "the PROT_NONE area is locked all the same", "VmLck %ld", vmlck());
    munmap(n, 2 * PG);

    /* Locking the middle splits the area; unlocking merges it back. */
    char *s = anon(3, PROT_READ | PROT_WRITE);
    int before = map_lines();
    mlock(s + PG, PG);
    CHECK(map_lines() == before + 2, "mlock of the middle page splits the area in three", "%d -> %d", before, map_lines());
    munlock(s + PG, PG);
    CHECK(map_lines() == before, "munlock merges it back", "%d -> %d", before, map_lines());
    munmap(s, 3 * PG);

    CHECK(FAILS(mlockall(0), EINVAL), "mlockall(0) is EINVAL", "errno %d", errno);
    CHECK(FAILS(mlockall(MCL_ONFAULT), EINVAL), "mlockall(MCL_ONFAULT) alone is EINVAL", "errno %d", errno);
    CHECK(FAILS(mlockall(8), EINVAL), "mlockall with an unknown flag is EINVAL", "errno %d", errno);

    CHECK(mlockall(MCL_CURRENT | MCL_FUTURE) == 0, "mlockall(MCL_CURRENT | MCL_FUTURE) succeeds", "errno %d", errno);
    CHECK(vmlck() > 16, "mlockall locks the whole address space", "VmLck %ld", vmlck());
    char *f = anon(2, PROT_READ | PROT_WRITE);
    CHECK(f && resident(f, 2) == 2, "MCL_FUTURE faults new mappings in", "%d resident", f ? resident(f, 2) : -1);
    CHECK_CHILD(child_unlocked, "a fork child inherits neither the locks nor MCL_FUTURE");
    CHECK(munlockall() == 0 && vmlck() == 0, "munlockall unlocks everything", "VmLck %ld", vmlck());
    char *g = anon(2, PROT_READ | PROT_WRITE);
    CHECK(g && resident(g, 2) == 0, "after munlockall new mappings are not locked", "%d resident", g ? resident(g, 2) : -1);

    CHECK(mlockall(MCL_FUTURE | MCL_ONFAULT) == 0, "mlockall(MCL_FUTURE | MCL_ONFAULT) succeeds", "errno %d", errno);
    CHECK(vmlck() == 0, "MCL_FUTURE alone locks nothing present", "VmLck %ld", vmlck());
    char *k = anon(2, PROT_READ | PROT_WRITE);
    CHECK(k && resident(k, 2) == 0 && vmlck() == 8, "MCL_ONFAULT locks new mappings without faulting them in", "%d resident, VmLck %ld", k ? resident(k, 2) : -1, vmlck());
    munlockall();

    char *ml = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
    CHECK(ml != MAP_FAILED && resident(ml, 2) == 2 && vmlck() == 8, "MAP_LOCKED locks and faults in", "VmLck %ld", vmlck());
    munmap(ml, 2 * PG);

    char *r = anon(1, PROT_READ | PROT_WRITE);
    mlock(r, PG);
    char *r2 = mremap(r, PG, 3 * PG, MREMAP_MAYMOVE);
    CHECK(r2 != MAP_FAILED && resident(r2, 3) == 3 && vmlck() == 12, "mremap grows a locked area locked and faulted in", "VmLck %ld", vmlck());
    munmap(r2, 3 * PG);

    CHECK_CHILD(unpriv_zero, "without CAP_IPC_LOCK and RLIMIT_MEMLOCK 0: EPERM");
    CHECK_CHILD(unpriv_two, "without CAP_IPC_LOCK: RLIMIT_MEMLOCK bounds what is locked");
    CHECK_NO_CHILDREN();
    return t_done("mm_mlock");
}
