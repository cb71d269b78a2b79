/* System information and limits: uname, sysinfo, getrlimit/setrlimit/
 * prlimit64 (RLIMIT_NOFILE enforced by dup2/F_DUPFD), getrandom flag
 * validation, sched_yield, sched_getaffinity/sched_setaffinity + getcpu. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include "../t.h"

#include "../getrandom.h"
#define CAP_SYS_RESOURCE 24

struct rl64 {
    uint64_t cur, max;
};
static long prlimit_raw(int pid, int res, const struct rl64 *n, struct rl64 *o) {
    return syscall(SYS_prlimit64, pid, res, n, o);
}

struct cap_hdr {
    uint32_t version;
    int pid;
};
struct cap_data {
    uint32_t effective, permitted, inheritable;
};
static int have_cap(int cap) {
    struct cap_hdr h = {0x20080522, 0};
    struct cap_data d[2];
    if (syscall(SYS_capget, &h, d) != 0)
        return 0;
    return (d[cap / 32].effective >> (cap % 32)) & 1;
}

/* Lower the hard limit, then raise it again: returns 0 on success, else errno. */
static int child_raise_hard(void) {
    struct rl64 rl;
    prlimit_raw(0, RLIMIT_NOFILE, NULL, &rl);
    struct rl64 low = {64, 128};
    if (prlimit_raw(0, RLIMIT_NOFILE, &low, NULL) != 0)
        return 100;
    struct rl64 high = {64, 256};
    errno = 0;
    return prlimit_raw(0, RLIMIT_NOFILE, &high, NULL) == 0 ? 0 : errno;
}

static int child_raise_hard_without_cap(void) {
    struct cap_hdr h = {0x20080522, 0};
    struct cap_data d[2];
    syscall(SYS_capget, &h, d);
    d[0].effective &= ~(1u << CAP_SYS_RESOURCE);
    if (syscall(SYS_capset, &h, d) != 0)
        return 101;
    return child_raise_hard();
}

static int child_nofile(void) {
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = 10;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1;
    errno = 0;
    if (!(dup2(1, 10) == -1 && errno == EBADF))
        return 2;
    if (dup2(1, 9) != 9)
        return 3;
    errno = 0;
    if (!(fcntl(1, F_DUPFD, 10) == -1 && errno == EINVAL))
        return 4;
    /* fill 3..9, then dup has no free slot below the limit */
    for (int fd = 3; fd < 10; fd++)
        if (fd != 9 && dup2(1, fd) != fd)
            return 5;
    errno = 0;
    if (!(dup(1) == -1 && errno == EMFILE))
        return 6;
    return 0;
}

static int child_affinity(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    int cpu = -1;
    for (int i = CPU_SETSIZE - 1; i >= 0; i--)
        if (CPU_ISSET(i, &set))
            cpu = i; /* the lowest allowed CPU */
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
        return 2;
    cpu_set_t back;
    CPU_ZERO(&back);
    sched_getaffinity(0, sizeof back, &back);
    if (CPU_COUNT(&back) != 1 || !CPU_ISSET(cpu, &back))
        return 3;
    for (int i = 0; i < 20; i++) {
        unsigned got = 999, node = 999;
        sched_yield();
        if (syscall(SYS_getcpu, &got, &node, NULL) != 0)
            return 4;
        if ((int)got != cpu)
            return 5;
    }
    cpu_set_t empty;
    CPU_ZERO(&empty);
    errno = 0;
    if (!(sched_setaffinity(0, sizeof empty, &empty) == -1 && errno == EINVAL))
        return 6;
    return 0;
}

int main(void) {
    struct utsname u;
    int r = uname(&u);
    CHECK(r == 0 && strcmp(u.sysname, "Linux") == 0, "uname sysname is Linux", "r %d", r);
    CHECK(u.release[0] >= '0' && u.release[0] <= '9' && strchr(u.release, '.') != NULL,
          "uname release starts with a digit and has a dot", "bad release");
    CHECK(strcmp(u.machine, "x86_64") == 0, "uname machine is x86_64", "bad machine");

    struct sysinfo si;
    memset(&si, 0, sizeof si);
    r = sysinfo(&si);
    CHECK(r == 0 && si.uptime > 0 && si.totalram > 0 && si.freeram <= si.totalram && si.procs >= 1 &&
              si.mem_unit >= 1,
          "sysinfo fields are sane", "r %d", r);

    /* rlimits. */
    struct rl64 cur, back;
    r = (int)prlimit_raw(0, RLIMIT_NOFILE, NULL, &cur);
    struct rlimit grl;
    getrlimit(RLIMIT_NOFILE, &grl);
    CHECK(r == 0 && cur.cur <= cur.max && cur.cur == grl.rlim_cur && cur.max == grl.rlim_max,
          "prlimit64 with NULL new reads the same as getrlimit", "r %d", r);
    r = (int)prlimit_raw(0, RLIMIT_NOFILE, &cur, NULL);
    CHECK(r == 0, "prlimit64 with NULL old sets", "r %d errno %d", r, errno);
    struct rl64 lower = {cur.cur > 100 ? 100 : cur.cur, cur.max};
    r = (int)prlimit_raw(0, RLIMIT_NOFILE, &lower, &back);
    struct rl64 now;
    prlimit_raw(0, RLIMIT_NOFILE, NULL, &now);
    CHECK(r == 0 && back.cur == cur.cur && back.max == cur.max && now.cur == lower.cur && now.max == cur.max,
          "lowering the soft limit reads back, old value returned", "r %d", r);
    prlimit_raw(0, RLIMIT_NOFILE, &cur, NULL);
    struct rlimit bad = {200, 100};
    errno = 0;
    r = setrlimit(RLIMIT_NOFILE, &bad);
    CHECK(r == -1 && errno == EINVAL, "soft above hard is EINVAL", "r %d errno %d", r, errno);
    errno = 0;
    r = (int)syscall(SYS_getrlimit, 99, &grl);
    int e1 = errno;
    errno = 0;
    int r2 = (int)prlimit_raw(0, 99, NULL, &back);
    CHECK(r == -1 && e1 == EINVAL && r2 == -1 && errno == EINVAL, "an invalid resource is EINVAL",
          "r %d e %d r2 %d e2 %d", r, e1, r2, errno);
    r = t_in_child(child_raise_hard);
    int has = have_cap(CAP_SYS_RESOURCE);
    CHECK(has ? r == 0 : r == EPERM, "raising the hard limit works exactly when CAP_SYS_RESOURCE is effective",
          "result %d", r);
    r = t_in_child(child_raise_hard_without_cap);
    CHECK(r == EPERM, "without CAP_SYS_RESOURCE raising the hard limit is EPERM", "result %d", r);
    CHECK_CHILD_AS(child_nofile, "RLIMIT_NOFILE bounds dup2 (EBADF), F_DUPFD (EINVAL) and dup (EMFILE)", "child result %#x");
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 1000; i++) {
            struct rlimit q;
            getrlimit(RLIMIT_CORE, &q);
            if (q.rlim_cur == 0 && q.rlim_max == 0)
                _exit(0);
            usleep(5000);
        }
        _exit(1);
    }
    struct rl64 zero = {0, 0};
    r = (int)prlimit_raw(pid, RLIMIT_CORE, &zero, NULL);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "prlimit64 sets another process's limit",
          "r %d status %#x", r, status);
    errno = 0;
    r = (int)prlimit_raw(pid, RLIMIT_CORE, NULL, &back);
    CHECK(r == -1 && errno == ESRCH, "prlimit64 on a reaped pid is ESRCH", "r %d errno %d", r, errno);

    /* getrandom. */
    unsigned char a[256], b[256];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    long n1 = syscall(SYS_getrandom, a, sizeof a, GRND_NONBLOCK);
    long n2 = syscall(SYS_getrandom, b, sizeof b, 0);
    CHECK(n1 == 256 && n2 == 256 && memcmp(a, b, sizeof a) != 0, "getrandom returns 256 distinct bytes",
          "n1 %ld n2 %ld", n1, n2);
    CHECK(syscall(SYS_getrandom, a, 0, 0) == 0, "getrandom of 0 bytes returns 0", "nonzero");
    errno = 0;
    long rr = syscall(SYS_getrandom, a, 16, 0x100);
    CHECK(rr == -1 && errno == EINVAL, "getrandom with an unknown flag is EINVAL", "r %ld errno %d", rr, errno);
    errno = 0;
    rr = syscall(SYS_getrandom, a, 16, GRND_RANDOM | GRND_INSECURE);
    CHECK(rr == -1 && errno == EINVAL, "getrandom GRND_RANDOM|GRND_INSECURE is EINVAL", "r %ld errno %d", rr, errno);

    /* scheduling. */
    CHECK(sched_yield() == 0, "sched_yield returns 0", "errno %d", errno);
    unsigned long mask[16];
    memset(mask, 0, sizeof mask);
    long sz = syscall(SYS_sched_getaffinity, 0, sizeof mask, mask);
    int count = 0;
    for (int i = 0; i < 16; i++)
        count += __builtin_popcountl(mask[i]);
    CHECK(sz > 0 && sz % 8 == 0 && sz <= (long)sizeof mask && count >= 1,
          "raw sched_getaffinity returns a byte count and at least one CPU", "sz %ld count %d", sz, count);
    errno = 0;
    rr = syscall(SYS_sched_getaffinity, 0, 4, mask);
    int e4 = errno;
    errno = 0;
    long r0 = syscall(SYS_sched_getaffinity, 0, 0, mask);
    CHECK(rr == -1 && e4 == EINVAL && r0 == -1 && errno == EINVAL,
          "sched_getaffinity with a too small or unaligned buffer is EINVAL", "r %ld e %d", rr, e4);
    CHECK_CHILD_AS(child_affinity, "pinning to one CPU: getaffinity and getcpu agree; empty mask is EINVAL", "child result %#x");

    return t_done("proc_limits");
}
