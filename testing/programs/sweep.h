/* The bad-pointer sweep helpers shared by mm_fault_sweep, fs_badptr and
 * fs_badptr_io: each pointer argument in turn is NULL, a just-unmapped page
 * or a kernel address (P[0..2], set up by the program), and the answer must
 * be EFAULT (or, where NULL means "none", the NULL answer given). */
#ifndef ARAMID_SWEEP_H
#define ARAMID_SWEEP_H
#include <sys/mman.h>
#include "t.h"

static void *P[3]; /* NULL, unmapped, kernel */
static int fail_idx;
static long fail_r;
static int fail_e;

/* Evaluate expr with B bound to P[from..2]; true if every call is -1/EFAULT. */
#define ALL_EFAULT(from, expr)                                         \
    ({                                                                 \
        int _ok = 1;                                                   \
        for (int _i = (from); _i < 3; _i++) {                          \
            void *B = P[_i];                                           \
            (void)B;                                                   \
            errno = 0;                                                 \
            long _r = (long)(expr);                                    \
            if (!(_r == -1 && errno == EFAULT)) {                      \
                _ok = 0;                                               \
                fail_idx = _i;                                         \
                fail_r = _r;                                           \
                fail_e = errno;                                        \
            }                                                          \
        }                                                              \
        _ok;                                                           \
    })
/* Points P[] at NULL, a just-unmapped page and the first kernel address. */
static inline void t_sweep_init(void) {
    void *u = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(u, 4096);
    P[0] = NULL;
    P[1] = u;
    P[2] = (void *)0xffff800000000000UL;
}

#define SWEEP(name, expr) CHECK(ALL_EFAULT(0, expr), name, "pointer %d ret %ld errno %d", fail_idx, fail_r, fail_e)
/* every expression must give EFAULT for every bad pointer */
#define SWEEP2(name, e1, e2) \
    CHECK(ALL_EFAULT(0, e1) && ALL_EFAULT(0, e2), name, "pointer %d ret %ld errno %d", fail_idx, fail_r, fail_e)
#define SWEEP3(name, e1, e2, e3)                                                                           \
    CHECK(ALL_EFAULT(0, e1) && ALL_EFAULT(0, e2) && ALL_EFAULT(0, e3), name, "pointer %d ret %ld errno %d", \
          fail_idx, fail_r, fail_e)
/* NULL is meaningful for these: expect null_ok for NULL, EFAULT for the others. */
#define SWEEP_NULLOK(name, null_ok, expr)                                                                     \
    do {                                                                                                      \
        int _bad = ALL_EFAULT(1, expr);                                                                       \
        void *B = NULL;                                                                                       \
        (void)B;                                                                                              \
        errno = 0;                                                                                            \
        long _nr = (long)(expr);                                                                              \
        int _ne = errno;                                                                                      \
        (void)_ne;                                                                                            \
        CHECK(_bad && (null_ok), name, "bad ok %d (pointer %d ret %ld errno %d) null ret %ld errno %d", _bad, \
              fail_idx, fail_r, fail_e, _nr, _ne);                                                            \
    } while (0)
#endif
