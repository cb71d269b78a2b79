/* Guest-only (the host's free memory moves with everything else running
 * there): 10,000 fork/exit/wait cycles, each child touching a few pages,
 * must give all their memory back. */
#include <sys/sysinfo.h>
#include <stdlib.h>
#include "../t.h"

static unsigned long freeram(void) {
    struct sysinfo si;
    sysinfo(&si);
    return si.freeram * si.mem_unit;
}

int main(void) {
    static volatile char buf[64 * 1024];
    /* Warm up: the first forks grow kernel tables that stay allocated. */
    for (int i = 0; i < 100; i++) {
        pid_t p = fork();
        if (p == 0) {
            buf[i * 512] = 1;
            _exit(0);
        }
        waitpid(p, NULL, 0);
    }
    unsigned long before = freeram();
    int failures = 0;
    for (int i = 0; i < 10000; i++) {
        pid_t p = fork();
        if (p == 0) {
            for (int j = 0; j < 4; j++)
                buf[j * 4096 + (i % 4096)] = (char)i; /* copy-on-write faults */
            _exit(i & 0x7f);
        }
        int st = 0;
        if (p < 0 || waitpid(p, &st, 0) != p || WEXITSTATUS(st) != (i & 0x7f))
            failures++;
    }
    unsigned long after = freeram();
    long delta_kib = ((long)before - (long)after) / 1024;
    CHECK(failures == 0, "10000 fork/exit/wait cycles complete", "%d failures", failures);
    CHECK(delta_kib < 512, "10000 fork/exit cycles give their memory back", "free memory dropped by %ld KiB", delta_kib);
    printf("fork_leak: free memory change %ld KiB\n", -delta_kib);
    return t_done("fork_leak");
}
