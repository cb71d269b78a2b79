/* ru_maxrss, Linux's high-water mark of the resident set, in KiB.
 *
 * ru_maxrss: positive for a running process and for a thread, grows (by at
 * least most of the pages) after touching 8 MiB of new memory, and never
 * shrinks after the memory is unmapped; RUSAGE_CHILDREN's maxrss is at
 * least that of a reaped child that touched 8 MiB, and so is the maxrss
 * wait4 reports for it. */
#define _GNU_SOURCE
#include "../t.h"
#include <sys/mman.h>
#include <sys/resource.h>

int main(void) {
    t_watchdog(60);
    struct rusage r0, r1, r2, rt, rc;
    getrusage(RUSAGE_SELF, &r0);
    CHECK(r0.ru_maxrss > 0, "ru_maxrss of a running process is positive", "x");
    getrusage(RUSAGE_THREAD, &rt);
    CHECK(rt.ru_maxrss > 0, "RUSAGE_THREAD reports a positive ru_maxrss", "x");
    size_t len = 8 << 20;
    char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (size_t i = 0; i < len; i += 4096) m[i] = 1;
    getrusage(RUSAGE_SELF, &r1);
    CHECK(r1.ru_maxrss >= r0.ru_maxrss + 4096, "ru_maxrss grows after touching 8 MiB", "x");
    munmap(m, len);
    getrusage(RUSAGE_SELF, &r2);
    CHECK(r2.ru_maxrss >= r1.ru_maxrss, "ru_maxrss does not shrink after munmap", "x");
    pid_t c = fork();
    if (c == 0) {
        char *q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (size_t i = 0; i < len; i += 4096) q[i] = 1;
        _exit(0);
    }
    int st;
    struct rusage rw;
    wait4(c, &st, 0, &rw);
    CHECK(rw.ru_maxrss >= 4096, "wait4 reports the child's maxrss", "x");
    getrusage(RUSAGE_CHILDREN, &rc);
    CHECK(rc.ru_maxrss >= 4096, "RUSAGE_CHILDREN's ru_maxrss covers a child that touched 8 MiB", "x");
    return t_done("proc_rusage_rss");
}
