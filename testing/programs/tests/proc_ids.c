/* Process identity: pid/ppid/tid, process groups and sessions, uid/gid and
 * supplementary groups as root, setuid-family transitions and their effect
 * on capabilities, capget/capset, umask. Changes of identity happen in
 * forked children so the main process stays root with its ids unchanged. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "../t.h"

#define CAP_V3 0x20080522
#define CAP_CHOWN 0
#define CAP_SYS_ADMIN 21
struct cap_hdr {
    uint32_t version;
    int pid;
};
struct cap_data {
    uint32_t effective, permitted, inheritable;
};

static int capget_raw(struct cap_data d[2]) {
    struct cap_hdr h = {CAP_V3, 0};
    return (int)syscall(SYS_capget, &h, d);
}
static int capset_raw(struct cap_data d[2]) {
    struct cap_hdr h = {CAP_V3, 0};
    return (int)syscall(SYS_capset, &h, d);
}

static volatile int *shared;

static int child_pgid(void) {
    if (setpgid(0, 0) != 0)
        return 1;
    pid_t me = getpid();
    if (getpgrp() != me || getpgid(0) != me || getpgid(me) != me)
        return 2;
    return 0;
}

static int child_setuid(void) {
    /* setresgid first (needs root), then setresuid away from 0. */
    if (setresgid(2000, 2000, 2000) != 0)
        return 1;
    if (setresuid(1000, 1000, 1000) != 0)
        return 2;
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    if (r != 1000 || e != 1000 || s != 1000 || getuid() != 1000 || geteuid() != 1000)
        return 3;
    if (gr != 2000 || ge != 2000 || gs != 2000 || getgid() != 2000 || getegid() != 2000)
        return 4;
    return 0;
}

static int child_regain(void) {
    if (setresuid(1000, 1000, 1000) != 0)
        return 1;
    errno = 0;
    if (!(setuid(0) == -1 && errno == EPERM))
        return 2;
    errno = 0;
    if (!(setresuid(-1, 0, -1) == -1 && errno == EPERM))
        return 3;
    errno = 0;
    if (!(seteuid(0) == -1 && errno == EPERM))
        return 4;
    gid_t g = 5;
    errno = 0;
    if (!(setgroups(1, &g) == -1 && errno == EPERM))
        return 5;
    /* an unprivileged user may switch between its own real/effective/saved ids */
    if (setresuid(1000, 1000, 1000) != 0)
        return 6;
    return 0;
}

static int child_caps_cleared(void) {
    if (setresuid(1000, 1000, 1000) != 0)
        return 1;
    struct cap_data d[2];
    if (capget_raw(d) != 0)
        return 2;
    if (d[0].effective || d[0].permitted || d[1].effective || d[1].permitted)
        return 3;
    return 0;
}

static int child_saved_root(void) {
    if (setresuid(1000, 1000, 0) != 0)
        return 1;
    struct cap_data d[2];
    capget_raw(d);
    if (d[0].effective != 0 || !(d[0].permitted & (1u << CAP_SYS_ADMIN)))
        return 2; /* effective dropped, permitted kept while saved uid is 0 */
    if (seteuid(0) != 0 || geteuid() != 0)
        return 3;
    capget_raw(d);
    if (!(d[0].effective & (1u << CAP_SYS_ADMIN)))
        return 4; /* euid back to 0 restores effective = permitted */
    return 0;
}

static int child_groups(void) {
    gid_t set_to[3] = {5, 6, 70000};
    if (setgroups(3, set_to) != 0)
        return 1;
    gid_t got[8];
    int n = getgroups(8, got);
    if (n != 3 || got[0] != 5 || got[1] != 6 || got[2] != 70000)
        return 2;
    if (getgroups(0, NULL) != 3)
        return 3;
    errno = 0;
    if (!(getgroups(2, got) == -1 && errno == EINVAL))
        return 4;
    if (setgroups(0, NULL) != 0 || getgroups(0, NULL) != 0)
        return 5;
    return 0;
}

static int child_capset(void) {
    struct cap_data d[2];
    if (capget_raw(d) != 0)
        return 1;
    d[0].effective &= ~(1u << CAP_CHOWN);
    if (capset_raw(d) != 0)
        return 2;
    struct cap_data e[2];
    capget_raw(e);
    if ((e[0].effective & (1u << CAP_CHOWN)) || !(e[0].permitted & (1u << CAP_CHOWN)))
        return 3;
    /* raise it again: allowed, it is still permitted */
    e[0].effective |= 1u << CAP_CHOWN;
    if (capset_raw(e) != 0)
        return 4;
    /* drop from permitted, then trying to add it back is EPERM */
    e[0].effective &= ~(1u << CAP_CHOWN);
    e[0].permitted &= ~(1u << CAP_CHOWN);
    if (capset_raw(e) != 0)
        return 5;
    e[0].permitted |= 1u << CAP_CHOWN;
    errno = 0;
    if (!(capset_raw(e) == -1 && errno == EPERM))
        return 6;
    return 0;
}

int main(void) {
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return 1;
    pid_t me = getpid();
    int status, r;

    CHECK(syscall(SYS_gettid) == me, "getpid equals gettid in a single-threaded process", "differ");
    pid_t pid = fork();
    if (pid == 0)
        _exit(getppid() == me ? 0 : 1);
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a forked child's getppid is the parent's pid",
          "status %#x", status);

    /* Process groups. */
    CHECK_CHILD_AS(child_pgid, "setpgid(0, 0) makes the child a group leader", "child result %#x");
    t_set(&shared[0], 0);
    pid = fork();
    if (pid == 0) {
        t_await(&shared[0], 1);
        _exit(0);
    }
    r = setpgid(pid, pid);
    pid_t pg = getpgid(pid);
    int same_group_as_parent = getpgid(0) == getpgrp();
    t_set(&shared[0], 1);
    waitpid(pid, &status, 0);
    CHECK(r == 0 && pg == pid && same_group_as_parent, "the parent can move its child into a new group",
          "r %d", r);
    errno = 0;
    r = setpgid(pid, pid); /* reaped: no such process */
    CHECK(r == -1 && errno == ESRCH, "setpgid of a reaped child is ESRCH", "r %d errno %d", r, errno);
    errno = 0;
    r = setpgid(0, -1);
    CHECK(r == -1 && errno == EINVAL, "setpgid with a negative pgid is EINVAL", "r %d errno %d", r, errno);

    /* Sessions. */
    t_set(&shared[1], 0);
    t_set(&shared[2], 0);
    pid = fork();
    if (pid == 0) {
        pid_t c = getpid();
        pid_t s = setsid();
        int ok = s == c && getsid(0) == c && getpgrp() == c;
        errno = 0;
        int again = setsid() == -1 && errno == EPERM;
        t_set(&shared[2], ok ? (again ? 1 : 2) : 3);
        t_await(&shared[1], 1);
        _exit(0);
    }
    t_await(&shared[2], 1);
    int child_res = shared[2];
    pid_t sid = getsid(pid);
    errno = 0;
    int perm = setpgid(pid, getpgrp()) == -1 && errno == EPERM;
    t_set(&shared[1], 1);
    waitpid(pid, &status, 0);
    CHECK(child_res == 1 || child_res == 2, "setsid makes the child leader of a new session and group",
          "child result %d", child_res);
    CHECK(child_res == 1, "setsid in a session leader is EPERM", "child result %d", child_res);
    CHECK(sid == pid, "getsid from the parent sees the child's new session", "same %d", sid == pid);
    CHECK(perm, "setpgid on a child in another session is EPERM", "errno %d", errno);
    errno = 0;
    r = getsid(pid);
    CHECK(r == -1 && errno == ESRCH, "getsid of a reaped pid is ESRCH", "r %d errno %d", r, errno);

    /* Credentials (the tests run as root). */
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    getresuid(&ru, &eu, &su);
    getresgid(&rg, &eg, &sg);
    CHECK(getuid() == 0 && geteuid() == 0 && getgid() == 0 && getegid() == 0 && ru == 0 && eu == 0 && su == 0 &&
              rg == 0 && eg == 0 && sg == 0,
          "running as root: real, effective and saved ids are 0", "uid %d", (int)getuid());
    CHECK_CHILD_AS(child_groups, "setgroups/getgroups round trip, count query, EINVAL for a small buffer", "child result %#x");
    CHECK_CHILD_AS(child_setuid, "setresgid/setresuid as root set real, effective and saved ids", "child result %#x");
    CHECK_CHILD_AS(child_regain, "after dropping every uid, regaining root is EPERM", "child result %#x");
    CHECK_CHILD_AS(child_caps_cleared, "leaving uid 0 clears effective and permitted capabilities", "child result %#x");
    CHECK_CHILD_AS(child_saved_root, "with saved uid 0, seteuid(0) restores effective capabilities", "child result %#x");

    /* Capabilities. */
    struct cap_data d[2];
    r = capget_raw(d);
    CHECK(r == 0 && (d[0].effective & (1u << CAP_SYS_ADMIN)) && (d[0].permitted & (1u << CAP_SYS_ADMIN)),
          "capget v3 shows CAP_SYS_ADMIN effective and permitted", "r %d", r);
    struct cap_hdr h = {0x12345678, 0};
    errno = 0;
    r = (int)syscall(SYS_capget, &h, d);
    CHECK(r == -1 && errno == EINVAL && h.version == CAP_V3,
          "capget with an unknown version is EINVAL and writes the preferred version", "r %d errno %d version %#x", r,
          errno, h.version);
    h.version = 0x12345678;
    r = (int)syscall(SYS_capget, &h, NULL);
    CHECK(r == 0 && h.version == CAP_V3, "capget with NULL data is a version probe", "r %d version %#x", r,
          h.version);
    CHECK_CHILD_AS(child_capset, "capset drops and re-raises effective caps; re-adding a dropped permitted cap is EPERM", "child result %#x");

    /* umask. */
    mode_t old = umask(022);
    mode_t prev = umask(077);
    mode_t prev2 = umask(07777);
    mode_t masked = umask(old);
    CHECK(prev == 022 && prev2 == 077, "umask returns the previous mask", "prev %o prev2 %o", prev, prev2);
    CHECK(masked == 0777, "umask keeps only the 0777 bits", "got %o", masked);

    errno = 0;
    CHECK(wait(&status) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("proc_ids");
}
