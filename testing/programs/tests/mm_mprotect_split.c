/* mprotect on part of a mapping: the middle page of three gets its own
 * rights while the neighbours keep theirs (probed in forked children that
 * catch SIGSEGV), restoring the rights lets mremap move the whole range,
 * PROT_NONE and back keeps the contents, a range with a hole is ENOMEM,
 * an unaligned start is EINVAL and a zero length succeeds. */
#define _GNU_SOURCE
#include "../t.h"
#include <setjmp.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PG 4096
static sigjmp_buf jb;
static void on_segv(int s) { (void)s; siglongjmp(jb, 1); }

/* 1 if reading/writing *p faults, probed in a child so nothing changes here */
static int faults(volatile char *p, int write) {
    pid_t c = fork();
    if (c == 0) {
        signal(SIGSEGV, on_segv);
        if (sigsetjmp(jb, 1)) _exit(1);
        if (write) *p = 'w'; else (void)*p;
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 1;
}

int main(void) {
    t_watchdog(60);
    char *m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 'a', 3 * PG);
    int r = mprotect(m + PG, PG, PROT_READ);
    CHECK(r == 0, "mprotect of the middle page succeeds", "e=%d", errno);
    CHECK(faults(m + PG, 1) && !faults(m + PG, 0), "the middle page is read-only", "x");
    CHECK(!faults(m, 1) && !faults(m + 2 * PG + 5, 1), "the pages on either side stay writable", "x");
    r = mprotect(m, PG, PROT_NONE);
    CHECK(r == 0 && faults(m, 0) && !faults(m + PG, 0) && !faults(m + 2 * PG, 1),
          "three pieces with three rights each keep their own", "x");
    r = mprotect(m, 3 * PG, PROT_READ | PROT_WRITE);
    CHECK(r == 0 && !faults(m, 1) && !faults(m + PG, 1), "mprotect of the whole range restores the rights", "x");
    CHECK(m[0] == 'a' && m[PG] == 'a' && m[3 * PG - 1] == 'a', "PROT_NONE and back keeps the contents", "x");

    /* after merging back, mremap can move/grow the whole range as one mapping */
    char *n = mremap(m, 3 * PG, 6 * PG, MREMAP_MAYMOVE);
    CHECK(n != MAP_FAILED && n[PG] == 'a' && n[3 * PG - 1] == 'a' && n[4 * PG] == 0,
          "mremap of the re-merged range grows it as one mapping", "e=%d", errno);
    if (n != MAP_FAILED) m = n;
    /* mremap over pieces with different rights is EFAULT */
    mprotect(m + PG, PG, PROT_READ);
    errno = 0;
    n = mremap(m, 3 * PG, 4 * PG, 0);
    CHECK(n == MAP_FAILED && errno == EFAULT, "mremap of a range spanning a split mapping is EFAULT", "e=%d", errno);
    munmap(m, 6 * PG);

    /* a range with a hole */
    m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(m + PG, PG);
    errno = 0;
    r = mprotect(m, 3 * PG, PROT_READ);
    CHECK(r == -1 && errno == ENOMEM, "mprotect of a range with a hole is ENOMEM", "r=%d e=%d", r, errno);
    CHECK(faults(m + 2 * PG, 0) == 0, "the pages after the hole remain mapped", "x");
    errno = 0;
    r = (int)syscall(SYS_mprotect, m + 1, PG, PROT_READ); /* musl would align it */
    CHECK(r == -1 && errno == EINVAL, "mprotect of an unaligned start is EINVAL", "e=%d", errno);
    CHECK(mprotect(m, 0, PROT_NONE) == 0 && !faults(m, 0), "mprotect with length 0 succeeds and changes nothing", "x");
    /* an unaligned length is rounded up to a page */
    r = mprotect(m + 2 * PG, 1, PROT_READ);
    CHECK(r == 0 && faults(m + 2 * PG + PG - 1, 1), "an unaligned length covers the whole last page", "x");
    munmap(m, 3 * PG);
    return t_done("mm_mprotect_split");
}
