/* RLIMIT_AS and RLIMIT_DATA as Linux enforces them on mmap, mremap,
 * mprotect and brk (may_expand_vm): RLIMIT_AS counts every mapping,
 * PROT_NONE and MAP_NORESERVE ones included; RLIMIT_DATA counts private
 * writable mappings that are not stacks (MAP_GROWSDOWN), so shared and
 * read-only mappings escape it until mprotect makes them data. Each part
 * runs in a child that lowers its own limits and reports a bit mask. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include "../t.h"

#define MB (1UL << 20)

static volatile unsigned char *results; /* shared page: one byte per check */

static void *map(size_t len, int prot, int flags) {
    void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
static int failed_enomem(void *p) { return p == NULL && errno == ENOMEM; }
static unsigned long brk_now(void) { return (unsigned long)syscall(SYS_brk, 0); }

static int set_limit(int res, unsigned long v) {
    struct rlimit rl = {v, v};
    return setrlimit(res, &rl);
}

/* RLIMIT_AS = 256 MiB. */
static void as_child(void) {
    if (set_limit(RLIMIT_AS, 256 * MB) != 0)
        _exit(2);
    results[0] = failed_enomem(map(512 * MB, PROT_NONE, MAP_PRIVATE));
    results[1] = failed_enomem(map(512 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE));
    results[2] = failed_enomem(map(512 * MB, PROT_READ | PROT_WRITE, MAP_SHARED));
    char *a = map(64 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    results[3] = a != NULL;
    /* Fill up in 16 MiB steps: it must stop before 256 MiB in all. */
    char *got[32];
    int n = 0;
    while (n < 32 && (got[n] = map(16 * MB, PROT_NONE, MAP_PRIVATE)) != NULL)
        n++;
    results[4] = n < 32 && n * 16 + 64 < 256 && errno == ENOMEM;
    /* Giving some back makes room again. */
    if (n >= 2) {
        munmap(got[n - 1], 16 * MB);
        munmap(got[n - 2], 16 * MB);
        results[5] = map(32 * MB, PROT_NONE, MAP_PRIVATE) != NULL;
    }
    /* mremap growth and brk growth count too. */
    errno = 0;
    void *g = mremap(a, 64 * MB, 256 * MB, MREMAP_MAYMOVE);
    results[6] = g == MAP_FAILED && errno == ENOMEM && a[0] == 0;
    unsigned long cur = brk_now();
    results[7] = (unsigned long)syscall(SYS_brk, cur + 128 * MB) == cur && brk_now() == cur;
    /* MAP_FIXED over an existing mapping replaces pages: no growth. */
    char *fx = mmap(a, 64 * MB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    results[8] = fx == a;
    _exit(0);
}

/* RLIMIT_DATA = 32 MiB. */
static void data_child(void) {
    if (set_limit(RLIMIT_DATA, 32 * MB) != 0)
        _exit(2);
    results[10] = failed_enomem(map(64 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE));
    results[11] = map(64 * MB, PROT_READ | PROT_WRITE, MAP_SHARED) != NULL;
    char *ro = map(64 * MB, PROT_READ, MAP_PRIVATE);
    results[12] = ro != NULL;
    errno = 0;
    results[13] = ro && mprotect(ro, 64 * MB, PROT_READ | PROT_WRITE) == -1 && errno == ENOMEM;
    results[14] = ro && mprotect(ro, 4 * MB, PROT_READ | PROT_WRITE) == 0 && (ro[0] = 1, ro[4 * MB - 1] = 1, 1);
    results[15] = map(64 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_GROWSDOWN) != NULL;
    unsigned long cur = brk_now();
    results[16] = (unsigned long)syscall(SYS_brk, cur + 64 * MB) == cur;
    results[17] = (unsigned long)syscall(SYS_brk, cur + 1 * MB) == cur + 1 * MB;
    syscall(SYS_brk, cur);
    char *w = map(8 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    results[18] = w != NULL;
    errno = 0;
    void *g = w ? mremap(w, 8 * MB, 64 * MB, MREMAP_MAYMOVE) : NULL;
    results[19] = g == MAP_FAILED && errno == ENOMEM;
    _exit(0);
}

static int run(void (*fn)(void)) {
    pid_t pid = fork();
    if (pid == 0)
        fn();
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

int main(void) {
    results = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct rlimit rl;
    int st = run(as_child);
    CHECK(st == 0, "a child can lower RLIMIT_AS", "status %d", st);
    CHECK(results[0], "RLIMIT_AS: a PROT_NONE mapping over the limit is ENOMEM", "no");
    CHECK(results[1], "RLIMIT_AS: MAP_NORESERVE does not escape it", "no");
    CHECK(results[2], "RLIMIT_AS: shared mappings count", "no");
    CHECK(results[3], "RLIMIT_AS: a mapping within the limit works", "no");
    CHECK(results[4], "RLIMIT_AS: filling up stops with ENOMEM before the limit", "no");
    CHECK(results[5], "RLIMIT_AS: munmap makes room again", "no");
    CHECK(results[6], "RLIMIT_AS: mremap growth over the limit is ENOMEM and keeps the mapping", "no");
    CHECK(results[7], "RLIMIT_AS: brk growth over the limit leaves the break unchanged", "no");
    CHECK(results[8], "RLIMIT_AS: MAP_FIXED over an existing mapping is not growth", "no");

    st = run(data_child);
    CHECK(st == 0, "a child can lower RLIMIT_DATA", "status %d", st);
    CHECK(results[10], "RLIMIT_DATA: a private writable mapping over the limit is ENOMEM", "no");
    CHECK(results[11] && results[12], "RLIMIT_DATA: shared and read-only private mappings are not data", "%d %d",
          results[11], results[12]);
    CHECK(results[13], "RLIMIT_DATA: mprotect making too much memory writable is ENOMEM", "no");
    CHECK(results[14], "RLIMIT_DATA: mprotect within the limit works", "no");
    CHECK(results[15], "RLIMIT_DATA: MAP_GROWSDOWN (stack) mappings are not data", "no");
    CHECK(results[16] && results[17], "RLIMIT_DATA: brk over the limit fails, within it works", "%d %d",
          results[16], results[17]);
    CHECK(results[18] && results[19], "RLIMIT_DATA: mremap growth of data over the limit is ENOMEM", "%d %d",
          results[18], results[19]);

    getrlimit(RLIMIT_AS, &rl);
    CHECK(rl.rlim_cur == RLIM_INFINITY, "the parent's own RLIMIT_AS is untouched", "cur %lu",
          (unsigned long)rl.rlim_cur);
    return t_done("mm_rlimit");
}
