/* Address space basics: brk grow/shrink, anonymous mmap, MAP_FIXED overlay,
 * MAP_FIXED_NOREPLACE, munmap holes, mprotect, the SIGSEGV codes and exact
 * si_addr of each kind of fault, and argument validation. Faults are caught
 * with a SIGSEGV handler that siglongjmps back. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define PG 4096UL

#include "../probe.h"

/* Raw calls for argument validation: libc wrappers pre-check (musl aligns
 * mprotect's address and rejects unaligned mmap offsets itself). */
static long mmap_raw(void *a, size_t len, int prot, int flags, int fd, long off) {
    return syscall(SYS_mmap, a, len, prot, flags, fd, off);
}
static long mprotect_raw(void *a, size_t len, int prot) { return syscall(SYS_mprotect, a, len, prot); }
static long munmap_raw(void *a, size_t len) { return syscall(SYS_munmap, a, len); }

static char *map(size_t len, int prot) {
    void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int main(void) {
    t_handle_info(SIGSEGV, on_fault, SA_SIGINFO);
    t_handle_info(SIGBUS, on_fault, SA_SIGINFO);
    /* Anonymous private mapping (its CHECK also sets up stdio before brk). */
    char *p = map(4 * PG, PROT_READ | PROT_WRITE);
    int zeros = p != NULL && ((uintptr_t)p & (PG - 1)) == 0;
    for (size_t i = 0; zeros && i < 4 * PG; i++)
        zeros = p[i] == 0;
    CHECK(zeros, "anonymous mmap is page aligned and zero-filled", "mapped %d", p != NULL);
    memset(p, 'A', 4 * PG);

    /* brk: no output between grow and shrink so malloc stays away. */
    unsigned long cur = (unsigned long)syscall(SYS_brk, 0);
    unsigned long want = cur + (1UL << 20);
    unsigned long grown = (unsigned long)syscall(SYS_brk, want);
    unsigned long first = (cur + PG - 1) & ~(PG - 1);
    int zero_ok = 1;
    for (unsigned long a = first; a + PG <= want; a += PG) {
        volatile char *p = (volatile char *)a;
        if (*p != 0)
            zero_ok = 0;
        *p = 1;
    }
    unsigned long shrunk = (unsigned long)syscall(SYS_brk, cur);
    int faulted = probe_read((volatile char *)(first + 16 * PG));
    int code = fault_code;
    void *addr = fault_addr;
    unsigned long low = (unsigned long)syscall(SYS_brk, 1);
    unsigned long huge = (unsigned long)syscall(SYS_brk, cur + (1UL << 47));
    unsigned long after = (unsigned long)syscall(SYS_brk, 0);
    CHECK(grown == want && zero_ok, "brk grows by 1 MiB and the new pages are zeroed and writable", "grown ok %d zero %d",
          grown == want, zero_ok);
    CHECK(shrunk == cur && faulted && code == SEGV_MAPERR && addr == (void *)(first + 16 * PG),
          "after brk shrinks, the released pages fault with SEGV_MAPERR", "shrunk ok %d faulted %d code %d",
          shrunk == cur, faulted, code);
    CHECK(low == cur && huge == cur && after == cur, "an impossible brk returns the current break unchanged",
          "low ok %d huge ok %d", low == cur, huge == cur);


    /* MAP_FIXED overlay of page 1 keeps pages 0, 2, 3. */
    char *q = mmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(q == p + PG && p[PG] == 0 && p[2 * PG - 1] == 0 && p[0] == 'A' && p[PG - 1] == 'A' && p[2 * PG] == 'A' &&
              p[4 * PG - 1] == 'A',
          "MAP_FIXED replaces one page inside a mapping and keeps the rest", "q ok %d", q == p + PG);

    errno = 0;
    q = mmap(p + 2 * PG, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(q == MAP_FAILED && errno == EEXIST && p[2 * PG] == 'A', "MAP_FIXED_NOREPLACE over a mapping is EEXIST",
          "errno %d", errno);
    char *spot = map(2 * PG, PROT_READ);
    munmap(spot, 2 * PG);
    q = mmap(spot, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(q == spot, "MAP_FIXED_NOREPLACE at a free address maps exactly there", "same %d", q == spot);
    munmap(q, PG);

    /* munmap of the middle page leaves two usable halves and a hole. */
    char *m = map(3 * PG, PROT_READ | PROT_WRITE);
    memset(m, 'M', 3 * PG);
    int r = munmap(m + PG, PG);
    int lo = probe_read(m) == 0 && m[PG - 1] == 'M';
    int hi = probe_read(m + 2 * PG) == 0 && m[3 * PG - 1] == 'M';
    CHECK(r == 0 && lo && hi, "munmap of the middle page keeps both halves", "r %d lo %d hi %d", r, lo, hi);
    faulted = probe_read(m + PG + 100);
    CHECK(faulted && fault_sig == SIGSEGV && fault_code == SEGV_MAPERR && fault_addr == m + PG + 100,
          "the hole faults with SEGV_MAPERR at the exact address", "faulted %d code %d", faulted, fault_code);
    faulted = probe_write(m + PG, 1);
    CHECK(faulted && fault_code == SEGV_MAPERR && fault_addr == m + PG, "a write into the hole faults the same way",
          "faulted %d code %d", faulted, fault_code);

    /* mprotect read-only: reads work, writes fault with SEGV_ACCERR. */
    r = mprotect(m, PG, PROT_READ);
    int rd = probe_read(m + 5) == 0;
    faulted = probe_write(m + 123, 'x');
    CHECK(r == 0 && rd && faulted && fault_code == SEGV_ACCERR && fault_addr == m + 123 && m[123] == 'M',
          "a write to a read-only page faults with SEGV_ACCERR at the exact address", "r %d faulted %d code %d", r,
          faulted, fault_code);
    r = mprotect(m, PG, PROT_READ | PROT_WRITE);
    int w = probe_write(m + 123, 'y') == 0;
    CHECK(r == 0 && w && m[123] == 'y' && m[122] == 'M', "mprotect back to read-write keeps the data",
          "r %d w %d", r, w);
    r = mprotect(m + 2 * PG, PG, PROT_NONE);
    faulted = probe_read(m + 2 * PG + 7);
    CHECK(r == 0 && faulted && fault_code == SEGV_ACCERR && fault_addr == m + 2 * PG + 7,
          "a read of a PROT_NONE page faults with SEGV_ACCERR", "r %d faulted %d code %d", r, faulted, fault_code);
    munmap(m, 3 * PG);
    faulted = probe_read(m);
    CHECK(faulted && fault_code == SEGV_MAPERR && fault_addr == m, "access after munmap faults with SEGV_MAPERR",
          "faulted %d code %d", faulted, fault_code);
    faulted = probe_read((volatile char *)8);
    CHECK(faulted && fault_code == SEGV_MAPERR && fault_addr == (void *)8, "a NULL-page read faults with SEGV_MAPERR",
          "faulted %d code %d", faulted, fault_code);

    /* Argument validation. */
    errno = 0;
    q = (char *)mmap_raw(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(q == MAP_FAILED && errno == EINVAL, "mmap of length 0 is EINVAL", "errno %d", errno);
    errno = 0;
    q = (char *)mmap_raw(spot + 1, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(q == MAP_FAILED && errno == EINVAL, "MAP_FIXED at an unaligned address is EINVAL", "errno %d", errno);
    errno = 0;
    q = (char *)mmap_raw(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0);
    CHECK(q == MAP_FAILED && errno == EINVAL, "mmap without MAP_PRIVATE or MAP_SHARED is EINVAL", "errno %d", errno);
    errno = 0;
    q = (char *)mmap_raw(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1);
    CHECK(q == MAP_FAILED && errno == EINVAL, "mmap with an unaligned offset is EINVAL", "errno %d", errno);
    errno = 0;
    q = (char *)mmap_raw(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0);
    CHECK(q == MAP_FAILED && errno == EBADF, "a file mapping of fd -1 is EBADF", "errno %d", errno);
    errno = 0;
    q = (char *)mmap_raw(NULL, 1UL << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(q == MAP_FAILED && errno == ENOMEM, "mmap larger than the address space is ENOMEM", "errno %d", errno);
    q = (char *)mmap_raw(NULL, PG, PROT_READ | PROT_WRITE | 0x100, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(q != MAP_FAILED, "mmap ignores unknown prot bits", "errno %d", errno);
    errno = 0;
    r = q != MAP_FAILED ? mprotect_raw(q, PG, PROT_READ | 0x100) : 0;
    CHECK(r == -1 && errno == EINVAL, "mprotect with unknown prot bits is EINVAL", "r %d errno %d", r, errno);
    errno = 0;
    r = munmap_raw(p + 1, PG);
    int e1 = errno;
    errno = 0;
    int r2 = munmap_raw(p, 0);
    CHECK(r == -1 && e1 == EINVAL && r2 == -1 && errno == EINVAL, "munmap of an unaligned address or length 0 is EINVAL",
          "r %d e %d r2 %d e2 %d", r, e1, r2, errno);
    spot = map(2 * PG, PROT_READ);
    munmap(spot, 2 * PG); /* a range that is unmapped right now */
    r = munmap_raw(spot, 2 * PG);
    CHECK(r == 0, "munmap of an already unmapped range succeeds", "r %d errno %d", r, errno);
    errno = 0;
    r = mprotect_raw(spot, PG, PROT_READ);
    CHECK(r == -1 && errno == ENOMEM, "mprotect of an unmapped range is ENOMEM", "r %d errno %d", r, errno);
    errno = 0;
    r = mprotect_raw(p + 1, PG, PROT_READ);
    CHECK(r == -1 && errno == EINVAL, "mprotect of an unaligned address is EINVAL", "r %d errno %d", r, errno);

    return t_done("mm_basic");
}
