/* MAP_SHARED|MAP_ANONYMOUS memory across process lifetimes: shared down
 * three generations, atomic counters from 4 processes, a child's munmap,
 * mprotect or MAP_FIXED over its copy leaving the others alone, gone from
 * an image after execve while the others keep sharing, mremap growth in
 * one process keeping the old part shared, and pages untouched before fork
 * shared all the same. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"

#define PG 4096UL
#define FIXED_AT ((char *)0x200000000000UL)

static sigjmp_buf jb;
static volatile int fault_sig;
static void on_fault(int sig) {
    fault_sig = sig;
    siglongjmp(jb, 1);
}
static int write_faults(volatile char *p) {
    if (sigsetjmp(jb, 1) == 0) {
        *p = 1;
        return 0;
    }
    return 1;
}
static int status_of(pid_t pid) {
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}
static char *shared(size_t len) {
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "after-exec") == 0) {
        unsigned char v;
        return mincore(FIXED_AT, PG, &v) == -1 && errno == ENOMEM ? 0 : 1;
    }
    signal(SIGSEGV, on_fault);

    /* Three generations. */
    char *s = shared(2 * PG);
    pid_t pid = fork();
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0) {
            s[10] = 'g';
            _exit(0);
        }
        int gs = status_of(g);
        _exit(gs == 0 && s[10] == 'g' ? 0 : 1);
    }
    int st = status_of(pid);
    CHECK(st == 0 && s[10] == 'g', "a grandchild's write reaches the child and the parent", "status %d", st);

    /* Atomic increments from 4 processes. */
    int *ctr = (int *)(s + PG);
    pid_t kids[4];
    for (int k = 0; k < 4; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            for (int i = 0; i < 20000; i++)
                __atomic_add_fetch(ctr, 1, __ATOMIC_SEQ_CST);
            _exit(0);
        }
    }
    int ok = 0;
    for (int k = 0; k < 4; k++)
        ok += status_of(kids[k]) == 0;
    CHECK(ok == 4 && *ctr == 80000, "4 processes' atomic increments on one shared word are exact", "count %d", *ctr);

    /* A child's munmap / mprotect / MAP_FIXED over its copy. */
    pid = fork();
    if (pid == 0) {
        munmap(s, 2 * PG);
        _exit(0);
    }
    st = status_of(pid);
    s[11] = 'p';
    pid = fork();
    if (pid == 0)
        _exit(s[11] == 'p' ? 0 : 1);
    int st2 = status_of(pid);
    CHECK(st == 0 && st2 == 0, "a child's munmap leaves the mapping shared among the others", "%d %d", st, st2);
    pid = fork();
    if (pid == 0) {
        mprotect(s, PG, PROT_READ);
        _exit(write_faults(s + 12) ? 0 : 1);
    }
    st = status_of(pid);
    CHECK(st == 0 && !write_faults(s + 12), "a child's mprotect changes only its own rights", "status %d", st);
    pid = fork();
    if (pid == 0) {
        char *n = mmap(s, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        n[13] = 'c';
        s[PG + 100] = 'c';
        _exit(n == s && n[10] == 0 ? 0 : 1);
    }
    st = status_of(pid);
    CHECK(st == 0 && s[13] != 'c' && s[10] == 'g' && s[PG + 100] == 'c',
          "a child's MAP_FIXED over part of it replaces only its own copy", "status %d", st);

    /* Gone after exec; still shared for the others. */
    char *fx = mmap(FIXED_AT, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    fx[0] = 'x';
    pid = fork();
    if (pid == 0) {
        char *av[] = {argv[0], "after-exec", NULL};
        execv(argv[0], av);
        _exit(2);
    }
    st = status_of(pid);
    pid = fork();
    if (pid == 0) {
        fx[1] = 'y';
        _exit(0);
    }
    st2 = status_of(pid);
    CHECK(fx == FIXED_AT && st == 0, "after execve the shared mapping is gone from the new image", "status %d", st);
    CHECK(st2 == 0 && fx[1] == 'y' && fx[0] == 'x', "an exec in one child leaves it shared for the rest",
          "status %d", st2);

    /* mremap growth keeps the old part shared with a child. */
    char *m = shared(PG);
    m[0] = 'm';
    volatile int *flag = (volatile int *)(s + PG + 200);
    *flag = 0;
    pid = fork();
    if (pid == 0) {
        while (*flag == 0)
            t_sleep_ms(1);
        m[1] = 'k'; /* at the old address, in the child */
        *flag = 2;
        _exit(0);
    }
    char *g = mremap(m, PG, 4 * PG, MREMAP_MAYMOVE);
    *flag = 1;
    for (int i = 0; i < 5000 && *flag != 2; i++)
        t_sleep_ms(1);
    st = status_of(pid);
    CHECK(g != MAP_FAILED && g[0] == 'm' && g[1] == 'k' && st == 0,
          "after the parent's mremap grows it, the child's writes still arrive", "moved %d status %d", g != m, st);
    /* The shared object keeps its size: the grown part lies past its end. */
    signal(SIGBUS, on_fault);
    int bus = write_faults(g + 3 * PG);
    CHECK(bus && fault_sig == SIGBUS, "the grown part of shared anonymous memory is past the object's end (SIGBUS)", "no fault");

    /* Untouched pages are shared too. */
    char *u = shared(8 * PG);
    pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 8; i++)
            u[i * PG + 5] = (char)('A' + i);
        _exit(0);
    }
    st = status_of(pid);
    ok = st == 0;
    for (int i = 0; i < 8; i++)
        ok = ok && u[i * PG + 5] == (char)('A' + i);
    CHECK(ok, "pages nobody touched before fork are shared when the child writes them", "status %d", st);
    return t_done("mm_shared_anon");
}
