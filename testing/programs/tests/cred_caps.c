/* Capabilities: capget/capset with the v1/v2/v3 headers, the rules for
 * the effective/permitted/inheritable sets, PR_CAPBSET_DROP, PR_SET_KEEPCAPS
 * across setuid, and the capability and saved-ID transitions of execve
 * (the program re-executes itself as a probe) for root and non-root. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/prctl.h>
#include "../t.h"

#define V1 0x19980330
#define V2 0x20071026
#define V3 0x20080522
enum { CAP_CHOWN = 0, CAP_KILL = 5, CAP_SETUID = 7, CAP_SETPCAP = 8, CAP_SYS_ADMIN = 21 };

struct cap_hdr {
    unsigned version;
    int pid;
};
struct cap_data {
    unsigned effective, permitted, inheritable;
};
struct caps {
    unsigned long long e, p, i;
};

static const char *self;
static unsigned long long bset; /* the bounding set at start */

static int get(int pid, struct caps *c) {
    struct cap_hdr h = {V3, pid};
    struct cap_data d[2];
    int r = syscall(SYS_capget, &h, d);
    c->e = d[0].effective | (unsigned long long)d[1].effective << 32;
    c->p = d[0].permitted | (unsigned long long)d[1].permitted << 32;
    c->i = d[0].inheritable | (unsigned long long)d[1].inheritable << 32;
    return r;
}
static int set(unsigned long long e, unsigned long long p, unsigned long long i) {
    struct cap_hdr h = {V3, 0};
    struct cap_data d[2] = {{e, p, i}, {e >> 32, p >> 32, i >> 32}};
    return syscall(SYS_capset, &h, d);
}
#define BIT(c) (1ull << (c))

/* Re-executes this program as a probe that checks its capabilities and
 * saved uid; returns the probe's status (0: as expected). */
static int exec_probe(unsigned long long e, unsigned long long p, unsigned long long i, long suid) {
    char a[4][32];
    snprintf(a[0], 32, "%llx", e);
    snprintf(a[1], 32, "%llx", p);
    snprintf(a[2], 32, "%llx", i);
    snprintf(a[3], 32, "%ld", suid);
    char *argv[] = {(char *)self, "probe", a[0], a[1], a[2], a[3], NULL};
    execv(self, argv);
    return 100;
}
static int probe(char **argv) {
    struct caps c;
    if (get(0, &c) != 0)
        return 50;
    int r = 0;
    if (c.e != strtoull(argv[2], NULL, 16))
        r |= 1;
    if (c.p != strtoull(argv[3], NULL, 16))
        r |= 2;
    if (c.i != strtoull(argv[4], NULL, 16))
        r |= 4;
    if (prctl(PR_GET_KEEPCAPS) != 0)
        r |= 8;
    uid_t ru, eu, su;
    syscall(SYS_getresuid, &ru, &eu, &su);
    if ((long)su != atol(argv[5]) || su != eu)
        r |= 16;
    return r;
}

static int v1_header(void) {
    struct cap_hdr h = {V1, 0};
    struct cap_data d[2] = {{0}, {0xdead, 0xbeef, 0xf00d}};
    STEP(1, syscall(SYS_capget, &h, d) == 0);
    STEP(2, d[1].effective == 0xdead && d[1].permitted == 0xbeef && d[1].inheritable == 0xf00d);
    STEP(3, d[0].effective == (unsigned)bset && d[0].permitted == (unsigned)bset);
    /* capset with v1 gives only 32 bits: the upper capabilities go */
    STEP(4, syscall(SYS_capset, &h, d) == 0);
    struct caps c;
    STEP(5, get(0, &c) == 0 && c.p == (bset & 0xffffffffull) && c.e == c.p);
    return 0;
}
static int v2_header(void) {
    struct cap_hdr h = {V2, 0};
    struct cap_data d[2];
    STEP(1, syscall(SYS_capget, &h, d) == 0);
    STEP(2, (d[0].permitted | (unsigned long long)d[1].permitted << 32) == bset);
    return 0;
}
static int capset_rules(void) {
    struct caps c;
    get(0, &c);
    /* effective must be within permitted */
    STEP(1, set(c.p & ~BIT(CAP_CHOWN), c.p & ~BIT(CAP_CHOWN), 0) == 0);
    STEP(2, set(c.p, c.p & ~BIT(CAP_CHOWN), 0) == -1 && errno == EPERM);
    /* a dropped permitted capability cannot be taken back */
    STEP(3, set(c.p & ~BIT(CAP_CHOWN), c.p, 0) == -1 && errno == EPERM);
    /* with CAP_SETPCAP the inheritable set may take any bounding-set cap */
    STEP(4, set(c.p & ~BIT(CAP_CHOWN), c.p & ~BIT(CAP_CHOWN), BIT(CAP_CHOWN)) == 0);
    /* without CAP_SETPCAP only permitted or already inheritable ones */
    unsigned long long p2 = c.p & ~BIT(CAP_CHOWN) & ~BIT(CAP_KILL);
    STEP(5, set(p2 & ~BIT(CAP_SETPCAP), p2, BIT(CAP_CHOWN)) == 0);
    STEP(6, set(p2 & ~BIT(CAP_SETPCAP), p2, BIT(CAP_CHOWN) | BIT(CAP_KILL)) == -1 && errno == EPERM);
    STEP(7, set(p2 & ~BIT(CAP_SETPCAP), p2, BIT(CAP_CHOWN) | BIT(CAP_SYS_ADMIN)) == 0);
    return 0;
}
static int capbset_drop(void) {
    STEP(1, prctl(PR_CAPBSET_DROP, CAP_CHOWN, 0, 0, 0) == 0);
    STEP(2, prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0) == 0);
    struct caps c;
    STEP(3, get(0, &c) == 0 && (c.p & BIT(CAP_CHOWN)) && (c.e & BIT(CAP_CHOWN))); /* still held */
    STEP(4, set(c.e, c.p, BIT(CAP_CHOWN)) == -1 && errno == EPERM); /* not in the bounding set */
    STEP(5, prctl(PR_CAPBSET_DROP, 99, 0, 0, 0) == -1 && errno == EINVAL);
    STEP(6, set(c.e & ~BIT(CAP_SETPCAP), c.p, 0) == 0);
    STEP(7, prctl(PR_CAPBSET_DROP, CAP_KILL, 0, 0, 0) == -1 && errno == EPERM);
    /* without CAP_SETPCAP a permitted cap outside the bounding set still
     * cannot become inheritable */
    STEP(8, set(c.e & ~BIT(CAP_SETPCAP), c.p, BIT(CAP_CHOWN)) == -1 && errno == EPERM);
    STEP(9, set(c.e & ~BIT(CAP_SETPCAP), c.p, BIT(CAP_KILL)) == 0);
    return 0;
}
static int keepcaps(void) {
    STEP(1, prctl(PR_GET_KEEPCAPS) == 0);
    STEP(2, prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0) == -1 && errno == EINVAL);
    STEP(3, prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0 && prctl(PR_GET_KEEPCAPS) == 1);
    pid_t p = fork();
    if (p == 0)
        _exit(prctl(PR_GET_KEEPCAPS) == 1 ? 0 : 1);
    int st;
    STEP(4, waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    STEP(5, syscall(SYS_setresuid, 1000, 1000, 1000) == 0);
    struct caps c;
    STEP(6, get(0, &c) == 0 && c.p == bset && c.e == 0);
    STEP(7, set(BIT(CAP_SETUID), c.p, 0) == 0);
    STEP(8, syscall(SYS_setresuid, 0, 0, 0) == 0);
    return 0;
}
static int other_pid(void) {
    pid_t p = fork();
    if (p == 0) {
        set(BIT(CAP_KILL), BIT(CAP_KILL) | BIT(CAP_CHOWN), 0);
        for (int i = 0; i < 300; i++)
            t_sleep_ms(100);
        _exit(0);
    }
    struct caps c = {0};
    int ok = 0;
    for (int i = 0; i < 200 && !ok; i++) {
        ok = get(p, &c) == 0 && c.e == BIT(CAP_KILL) && c.p == (BIT(CAP_KILL) | BIT(CAP_CHOWN));
        if (!ok)
            t_sleep_ms(5);
    }
    struct cap_hdr h = {V3, p};
    struct cap_data d[2] = {{0}, {0}};
    int eperm = syscall(SYS_capset, &h, d) == -1 && errno == EPERM;
    int st;
    kill(p, SIGKILL);
    waitpid(p, &st, 0);
    STEP(1, ok);
    STEP(2, eperm);
    STEP(3, get(p, &c) == -1 && errno == ESRCH);
    return 0;
}
static int exec_root_restores(void) {
    STEP(1, set(0, BIT(CAP_KILL), 0) == 0);
    return exec_probe(bset, bset, 0, 0);
}
static int exec_after_bset_drop(void) {
    STEP(1, prctl(PR_CAPBSET_DROP, CAP_CHOWN, 0, 0, 0) == 0);
    return exec_probe(bset & ~BIT(CAP_CHOWN), bset & ~BIT(CAP_CHOWN), 0, 0);
}
static int exec_root_inheritable(void) {
    STEP(1, set(bset, bset, BIT(CAP_KILL)) == 0);
    return exec_probe(bset, bset, BIT(CAP_KILL), 0);
}
static int exec_nonroot_keepcaps(void) {
    STEP(1, prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0);
    STEP(2, syscall(SYS_setresuid, 1000, 1000, 1000) == 0);
    struct caps c;
    STEP(3, get(0, &c) == 0 && c.p == bset);
    return exec_probe(0, 0, 0, 1000);
}
static int exec_real_root(void) {
    STEP(1, syscall(SYS_setresuid, 0, 1000, 1000) == 0);
    return exec_probe(0, bset, 0, 1000);
}
static int exec_saved_follows_euid(void) {
    STEP(1, syscall(SYS_setresuid, 1000, 2000, 3000) == 0);
    return exec_probe(0, 0, 0, 2000);
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "probe") == 0)
        return probe(argv);
    self = argv[0];
    t_watchdog(30);
    for (int c = 0; c < 64; c++)
        if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
            bset |= BIT(c);
    struct caps c;
    int r0 = get(0, &c);
    CHECK(r0 == 0 && c.e == bset && c.p == bset && c.i == 0,
          "root starts with effective = permitted = the bounding set, no inheritable", "r %d", r0);
    CHECK_CHILD(v1_header, "v1 headers move one 32-bit word; a v1 capset drops the upper capabilities");
    CHECK_CHILD(v2_header, "capget with the v2 header gives both words");
    CHECK_CHILD(capset_rules, "capset: effective within permitted, no regaining, the inheritable limits with/without SETPCAP");
    CHECK_CHILD(capbset_drop, "PR_CAPBSET_DROP removes a cap from the bounding set only; EINVAL/EPERM; no inheriting it");
    CHECK_CHILD(keepcaps, "PR_SET_KEEPCAPS keeps the permitted set across setuid and is inherited by fork");
    CHECK_CHILD(other_pid, "capget reads another process; capset on it is EPERM; a reaped pid is ESRCH");
    CHECK_CHILD_AS(exec_root_restores, "execve as root gives back the full bounding set", "probe %#x");
    CHECK_CHILD_AS(exec_after_bset_drop, "execve as root gives only what the bounding set still holds", "probe %#x");
    CHECK_CHILD_AS(exec_root_inheritable, "the inheritable set survives execve", "probe %#x");
    CHECK_CHILD_AS(exec_nonroot_keepcaps, "execve as non-root clears the kept permitted set and PR_SET_KEEPCAPS", "probe %#x");
    CHECK_CHILD_AS(exec_real_root, "execve with real uid 0 and another euid: permitted full, effective empty", "probe %#x");
    CHECK_CHILD_AS(exec_saved_follows_euid, "execve sets the saved uid to the effective uid", "probe %#x");
    CHECK_NO_CHILDREN();
    return t_done("cred_caps");
}
