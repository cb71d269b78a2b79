/* getrusage and times: CPU time grows with a busy loop, ru_maxrss is
 * positive, minor faults grow after touching new pages, voluntary context
 * switches grow after blocking, RUSAGE_CHILDREN and wait4 report a reaped
 * child's use, a bad `who` is EINVAL, and times() agrees in direction. ru_maxrss is in
 * pending/proc_rusage_rss.c. */
#define _GNU_SOURCE
#include "../t.h"
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/times.h>

static long long us(struct timeval t) { return t.tv_sec * 1000000LL + t.tv_usec; }

static volatile unsigned long sink;
static void burn_ms(int ms) {
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    do {
        for (int i = 0; i < 100000; i++) sink += i;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    } while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

int main(void) {
    t_watchdog(60);
    struct rusage r0, r1, rt, rc;
    memset(&r0, 0, sizeof r0);

    CHECK(getrusage(RUSAGE_SELF, &r0) == 0, "getrusage RUSAGE_SELF succeeds", "e=%d", errno);
    burn_ms(300);
    getrusage(RUSAGE_SELF, &r1);
    CHECK(us(r1.ru_utime) + us(r1.ru_stime) > us(r0.ru_utime) + us(r0.ru_stime),
          "user+system time grows after a busy loop", "x");
    CHECK(us(r1.ru_utime) >= us(r0.ru_utime) && us(r1.ru_stime) >= us(r0.ru_stime),
          "ru_utime and ru_stime never go backwards", "x");

    /* minor faults after touching new anonymous pages */
    getrusage(RUSAGE_SELF, &r0);
    size_t len = 256 * 4096;
    char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (size_t i = 0; i < len; i += 4096) m[i] = 1;
    getrusage(RUSAGE_SELF, &r1);
    CHECK(r1.ru_minflt > r0.ru_minflt, "ru_minflt grows after touching new pages", "x");
    munmap(m, len);

    /* voluntary context switches after blocking */
    getrusage(RUSAGE_SELF, &r0);
    for (int i = 0; i < 5; i++) t_sleep_ms(10);
    getrusage(RUSAGE_SELF, &r1);
    CHECK(r1.ru_nvcsw > r0.ru_nvcsw, "ru_nvcsw grows after sleeping", "x");

    memset(&rt, 0xff, sizeof rt);
    CHECK(getrusage(RUSAGE_THREAD, &rt) == 0 && us(rt.ru_utime) + us(rt.ru_stime) > 0,
          "RUSAGE_THREAD reports this thread's CPU time", "x");

    /* children: nothing yet, then a busy child reaped with wait4 */
    getrusage(RUSAGE_CHILDREN, &rc);
    long long before = us(rc.ru_utime) + us(rc.ru_stime);
    CHECK(before == 0, "RUSAGE_CHILDREN is zero before any child was reaped", "x");
    pid_t c = fork();
    if (c == 0) { burn_ms(300); _exit(0); }
    struct rusage rw;
    memset(&rw, 0, sizeof rw);
    int st;
    pid_t w = wait4(c, &st, 0, &rw);
    CHECK(w == c && us(rw.ru_utime) + us(rw.ru_stime) > 0,
          "wait4 returns the busy child's CPU time", "w=%d u=%lld s=%lld rss=%ld", w, us(rw.ru_utime), us(rw.ru_stime), rw.ru_maxrss);
    getrusage(RUSAGE_CHILDREN, &rc);
    CHECK(us(rc.ru_utime) + us(rc.ru_stime) >= us(rw.ru_utime) + us(rw.ru_stime),
          "RUSAGE_CHILDREN includes the reaped child", "x");

    errno = 0;
    CHECK(syscall(SYS_getrusage, 5, &rt) == -1 && errno == EINVAL, "getrusage with who 5 is EINVAL", "e=%d", errno);
    errno = 0;
    CHECK(syscall(SYS_getrusage, RUSAGE_SELF, (void *)8) == -1 && errno == EFAULT, "getrusage to a bad pointer is EFAULT", "e=%d", errno);

    /* times(): children's times include the child we reaped, own times grow */
    struct tms t0, t1;
    clock_t c0 = times(&t0);
    burn_ms(200);
    clock_t c1 = times(&t1);
    CHECK(c1 >= c0 && t1.tms_utime + t1.tms_stime >= t0.tms_utime + t0.tms_stime,
          "times() elapsed and own CPU time do not go backwards", "x");
    long hz = sysconf(_SC_CLK_TCK);
    CHECK(t1.tms_utime + t1.tms_stime > 0 && t1.tms_cutime + t1.tms_cstime > 0 && hz == 100,
          "times() reports own and reaped children's CPU time in 100 Hz ticks", "hz=%ld", hz);
    return t_done("proc_rusage");
}
