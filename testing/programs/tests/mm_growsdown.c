/* MAP_GROWSDOWN areas grow on a fault below them, as Linux's expand_stack
 * does: the new pages are zero and part of the area; growth keeps a 1 MiB
 * guard gap above an accessible mapping below (but not above a PROT_NONE
 * one) and stops at RLIMIT_STACK. Also MAP_32BIT (below 2 GiB), MAP_STACK
 * and MAP_NORESERVE, and where a free hint puts a mapping. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include "../t.h"

#define PG 4096UL
#define MB (1UL << 20)

#include "../probe.h"
/* A free, page-aligned range of `len` bytes. */
static char *free_range(size_t len) {
    char *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p, len);
    return p;
}
static char *fixed(char *at, size_t len, int prot, int flags) {
    char *p = mmap(at, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | flags, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
static int is_mapped(char *p, size_t len) {
    unsigned char v[64];
    return mincore(p, len, v) == 0;
}

int main(void) {
    t_handle_info(SIGSEGV, on_fault, SA_SIGINFO | SA_NODEFER);
    int rw = PROT_READ | PROT_WRITE;

    /* Growth into free space. */
    char *r = free_range(8 * MB);
    char *g = fixed(r + 8 * MB - PG, PG, rw, MAP_GROWSDOWN);
    g[0] = 'g';
    int f = probe_write(g - 10 * PG + 5, 'x');
    CHECK(g && !f && g[-10 * (long)PG + 5] == 'x', "a write below a MAP_GROWSDOWN area grows it", "faulted %d", f);
    CHECK(is_mapped(g - 10 * PG, 11 * PG) && g[-5 * (long)PG] == 0 && g[-10 * (long)PG] == 0 && g[0] == 'g',
          "the grown part is mapped and zero-filled up to the old start", "mapped %d",
          is_mapped(g - 10 * PG, 11 * PG));
    CHECK(!is_mapped(g - 11 * PG, PG), "the area ends at the page of the fault", "the page below is mapped");
    f = probe_write(g - 200 * PG, 'y');
    CHECK(!f && g[-200 * (long)PG] == 'y', "it grows again further down", "faulted %d", f);
    munmap(g - 200 * PG, 201 * PG);

    /* A mapping that is not MAP_GROWSDOWN does not grow. */
    char *n = fixed(r + 4 * MB, PG, rw, 0);
    f = probe_write(n - PG, 'z');
    CHECK(n && f && fault_code == SEGV_MAPERR, "an ordinary mapping does not grow down", "faulted %d", f);
    munmap(n, PG);

    /* The guard gap above an accessible mapping below. */
    char *low = fixed(r, PG, PROT_READ, 0);
    g = fixed(r + 2 * MB, PG, rw, MAP_GROWSDOWN);
    f = probe_write(r + PG + MB / 2, 'a');
    CHECK(low && g && f && fault_code == SEGV_MAPERR,
          "growth to within 1 MiB of an accessible mapping below is SEGV_MAPERR", "faulted %d code %d", f,
          fault_code);
    f = probe_write(r + PG + MB + 8 * PG, 'b');
    CHECK(!f, "growth that keeps 1 MiB from it works", "faulted %d", f);
    munmap(r, 4 * MB);

    /* ...but a PROT_NONE mapping below is no obstacle. */
    low = fixed(r, PG, PROT_NONE, 0);
    g = fixed(r + 2 * MB, PG, rw, MAP_GROWSDOWN);
    f = probe_write(r + PG + 16 * PG, 'c');
    CHECK(low && g && !f, "growth may come close to a PROT_NONE mapping below", "faulted %d", f);
    munmap(r, 4 * MB);

    /* RLIMIT_STACK bounds the growth (in a child). */
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = {64 * 1024, RLIM_INFINITY};
        setrlimit(RLIMIT_STACK, &rl);
        char *s = fixed(r + 4 * MB - PG, PG, rw, MAP_GROWSDOWN);
        int small = probe_write(s - 8 * PG, 1);
        int big = probe_write(s - 32 * PG, 1);
        _exit(!small && big && fault_code == SEGV_MAPERR ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "growth stops at RLIMIT_STACK with SEGV_MAPERR", "status %#x", st);

    /* MAP_32BIT, MAP_STACK, MAP_NORESERVE, hints. */
    char *b32 = mmap(NULL, 4 * PG, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    CHECK(b32 != MAP_FAILED && (uintptr_t)b32 + 4 * PG <= 0x80000000UL && (b32[0] = 1),
          "MAP_32BIT maps below 2 GiB", "mapped %d", b32 != MAP_FAILED);
    char *st_ = mmap(NULL, 16 * PG, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    char *nr = mmap(NULL, 64 * MB, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CHECK(st_ != MAP_FAILED && nr != MAP_FAILED && (st_[16 * PG - 1] = 1) && (nr[32 * MB] = 1) && nr[0] == 0,
          "MAP_STACK and MAP_NORESERVE mappings work like ordinary ones", "stack %d noreserve %d",
          st_ != MAP_FAILED, nr != MAP_FAILED);
    char *hint = free_range(4 * MB) + MB;
    char *h = mmap(hint, 2 * PG, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(h == hint, "a free, aligned hint is taken as the address", "same %d", h == hint);
    char *h2 = mmap(hint, 2 * PG, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(h2 != MAP_FAILED && h2 != hint && h[0] == 0 && (h2 + 2 * PG <= hint || h2 >= hint + 2 * PG),
          "a hint that is taken is ignored, without touching what is there", "same %d", h2 == hint);
    char *h3 = mmap(hint + 16 * PG + 123, PG, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(h3 == hint + 16 * PG, "an unaligned hint is rounded down to its page", "off %ld", (long)(h3 - hint));

    return t_done("mm_growsdown");
}
