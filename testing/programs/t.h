/* Tiny self-checking test helpers shared by the guest test programs.
 * Each CHECK prints "ok - name" or "FAIL - name (detail)"; t_done() prints
 * the "N passed, M failed" summary line and returns the exit status. The
 * same binaries run on the host's Linux and must print the same. */
#ifndef ARAMID_T_H
#define ARAMID_T_H
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int t_passed, t_failed;

#define CHECK(cond, name, ...)                                  \
    do {                                                        \
        if (cond) {                                             \
            t_passed++;                                         \
            printf("ok - %s\n", name);                          \
        } else {                                                \
            t_failed++;                                         \
            printf("FAIL - %s (", name);                        \
            printf(__VA_ARGS__);                                \
            printf(") at %s:%d\n", __FILE__, __LINE__);         \
        }                                                       \
        fflush(stdout);                                         \
    } while (0)

static inline int t_done(const char *prog) {
    printf("%s: %d passed, %d failed\n", prog, t_passed, t_failed);
    fflush(stdout);
    return t_failed ? 1 : 0;
}
#endif
