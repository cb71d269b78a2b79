/* cgroup2 notifications and actions (Documentation/admin-guide/
 * cgroup-v2.rst): a change of cgroup.events ("populated", "frozen") wakes
 * poll with POLLPRI|POLLERR until the file is read again, and makes an
 * IN_MODIFY inotify event on the file (how systemd learns a unit's
 * processes are gone); cgroup.freeze stops and resumes the processes and
 * shows "frozen 1"; SIGKILL still ends a frozen process; cgroup.kill
 * kills the whole subtree; user.* and trusted.* extended attributes on a
 * cgroup; name_to_handle_at gives an 8-byte FILEID_KERNFS handle holding
 * the cgroup id (the directory's inode number) and open_by_handle_at
 * opens the cgroup from it (also read as FILEID_INO32_GEN; ESTALE for
 * another type or an id of nothing); clone3's CLONE_INTO_CGROUP. */
#define _GNU_SOURCE
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/xattr.h>
#include "../cgroup.h"

struct handle8 {
    unsigned int bytes;
    int type;
    unsigned char f[16];
};

/* A child that counts in *counter for ever (until killed). */
static int spinner(volatile long *counter) {
    int p = fork();
    if (p == 0) {
        for (;;)
            __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
    }
    return p;
}

/* Whether *counter stays still for 100 ms. */
static int still(volatile long *counter) {
    long v = __atomic_load_n(counter, __ATOMIC_RELAXED);
    t_sleep_ms(100);
    return __atomic_load_n(counter, __ATOMIC_RELAXED) == v;
}

/* Whether *counter moves within about 5 s. */
static int moves(volatile long *counter) {
    long v = __atomic_load_n(counter, __ATOMIC_RELAXED);
    for (int i = 0; i < 1000; i++) {
        t_sleep_ms(5);
        if (__atomic_load_n(counter, __ATOMIC_RELAXED) != v)
            return 1;
    }
    return 0;
}

int main(void) {
    char buf[4096];
    struct stat st;
    int r;
    t_watchdog(60);
    if (cg_setup("cgroup_notify") != 0)
        return 1;

    /* Poll and inotify on cgroup.events. */
    int ev = open(cg_path(0, "cgroup.events"), O_RDONLY);
    r = read(ev, buf, sizeof buf);
    struct pollfd pf = {ev, POLLPRI, 0};
    CHECK(ev >= 0 && r > 0 && poll(&pf, 1, 0) == 0, "an unchanged cgroup.events does not poll POLLPRI", "revents %#x", pf.revents);
    int in = inotify_init1(IN_NONBLOCK);
    int wd = inotify_add_watch(in, cg_path(0, "cgroup.events"), IN_MODIFY);
    CHECK(in >= 0 && wd >= 0, "inotify watches cgroup.events", "errno %d", errno);
    int a = t_fork_sleeper();
    r = cg_write_pid(cg_path(0, "cgroup.procs"), a);
    pf.revents = 0;
    int pr = poll(&pf, 1, 5000);
    CHECK(r == 0 && pr == 1 && (pf.revents & (POLLPRI | POLLERR)) == (POLLPRI | POLLERR),
          "populated 0 -> 1 wakes poll with POLLPRI|POLLERR", "r %d poll %d revents %#x", r, pr, pf.revents);
    struct pollfd pi = {in, POLLIN, 0};
    pr = poll(&pi, 1, 5000);
    struct inotify_event *ie = (struct inotify_event *)buf;
    int n = read(in, buf, sizeof buf);
    CHECK(pr == 1 && n >= (int)sizeof *ie && ie->wd == wd && (ie->mask & IN_MODIFY), "and an IN_MODIFY event on the file",
          "poll %d read %d mask %#x", pr, n, n > 0 ? ie->mask : 0);
    r = pread(ev, buf, sizeof buf - 1, 0);
    buf[r > 0 ? r : 0] = 0;
    pf.revents = 0;
    CHECK(strcmp(buf, "populated 1\nfrozen 0\n") == 0 && poll(&pf, 1, 0) == 0, "reading it again clears POLLPRI", "'%s' revents %#x", buf, pf.revents);
    while (read(in, buf, sizeof buf) > 0) {
    }
    t_kill_reap(a);
    pf.revents = 0;
    pr = poll(&pf, 1, 5000);
    pi.revents = 0;
    int pi_r = poll(&pi, 1, 5000);
    r = pread(ev, buf, sizeof buf - 1, 0);
    buf[r > 0 ? r : 0] = 0;
    CHECK(pr == 1 && (pf.revents & POLLPRI) && pi_r == 1 && strcmp(buf, "populated 0\nfrozen 0\n") == 0,
          "the last process's exit: POLLPRI, IN_MODIFY, populated 0", "poll %d inotify %d '%s'", pr, pi_r, buf);
    while (read(in, buf, sizeof buf) > 0) {
    }
    {
        int dw = inotify_add_watch(in, cg_dir, IN_MODIFY);
        int b = t_fork_sleeper();
        cg_write_pid(cg_path(0, "cgroup.procs"), b);
        pi.revents = 0;
        int got = 0;
        for (int i = 0; i < 50 && !got; i++) {
            if (poll(&pi, 1, 100) != 1)
                continue;
            n = read(in, buf, sizeof buf);
            for (int off = 0; off < n;) {
                struct inotify_event *x = (struct inotify_event *)(buf + off);
                if (x->wd == dw && x->len && strcmp(x->name, "cgroup.events") == 0 && (x->mask & IN_MODIFY))
                    got = 1;
                off += sizeof *x + x->len;
            }
        }
        CHECK(dw >= 0 && got, "a watch on the cgroup directory sees IN_MODIFY of cgroup.events by name", "dw %d", dw);
        t_kill_reap(b);
        cg_await(cg_path(0, "cgroup.events"), "populated 0\nfrozen 0\n");
    }
    close(in);

    /* Freezing. */
    volatile long *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    mkdir(cg_path(0, "fz"), 0755);
    int s = spinner(counter);
    r = cg_write_pid(cg_path(0, "fz/cgroup.procs"), s);
    CHECK(r == 0 && moves(counter), "a process in the cgroup runs", "r %d", r);
    r = cg_write(cg_path(0, "fz/cgroup.freeze"), "1");
    int frozen = cg_await(cg_path(1, "fz/cgroup.events"), "populated 1\nfrozen 1\n");
    CHECK(r == 0 && frozen && cg_is(cg_path(2, "fz/cgroup.freeze"), "1\n"), "cgroup.freeze 1: cgroup.events shows frozen 1", "r %d", r);
    t_sleep_ms(20);
    CHECK(still(counter), "a frozen process does not run", "it ran");
    CHECK(cg_is(cg_path(0, "cgroup.events"), "populated 1\nfrozen 0\n"), "the parent of a frozen cgroup is not frozen", "other");
    mkdir(cg_path(0, "fz/child"), 0755);
    CHECK(cg_is(cg_path(0, "fz/child/cgroup.events"), "populated 0\nfrozen 1\n") && cg_is(cg_path(1, "fz/child/cgroup.freeze"), "0\n"),
          "a cgroup made below a frozen one is frozen too (its own cgroup.freeze 0)", "other");
    rmdir(cg_path(0, "fz/child"));
    r = cg_write(cg_path(0, "fz/cgroup.freeze"), "0");
    int thawed = cg_await(cg_path(1, "fz/cgroup.events"), "populated 1\nfrozen 0\n");
    CHECK(r == 0 && thawed && moves(counter), "cgroup.freeze 0 thaws: frozen 0, the process runs again", "r %d", r);
    cg_write(cg_path(0, "fz/cgroup.freeze"), "1");
    cg_await(cg_path(1, "fz/cgroup.events"), "populated 1\nfrozen 1\n");
    kill(s, SIGKILL);
    int es = t_wait_exit(s);
    CHECK(es == 100 + SIGKILL, "SIGKILL ends a frozen process", "exit %d", es);
    cg_write(cg_path(0, "fz/cgroup.freeze"), "0");
    rmdir(cg_path(0, "fz"));

    /* cgroup.kill */
    mkdir(cg_path(0, "k"), 0755);
    mkdir(cg_path(0, "k/deep"), 0755);
    int k1 = t_fork_sleeper(), k2 = t_fork_sleeper();
    cg_write_pid(cg_path(0, "k/cgroup.procs"), k1);
    cg_write_pid(cg_path(0, "k/deep/cgroup.procs"), k2);
    r = cg_write(cg_path(0, "k/cgroup.kill"), "1");
    int e1 = t_wait_exit(k1), e2 = t_wait_exit(k2);
    CHECK(r == 0 && e1 == 100 + SIGKILL && e2 == 100 + SIGKILL, "cgroup.kill kills every process of the subtree with SIGKILL", "r %d %d %d", r, e1, e2);
    CHECK(cg_await(cg_path(0, "k/cgroup.events"), "populated 0\nfrozen 0\n") && rmdir(cg_path(1, "k/deep")) == 0 && rmdir(cg_path(2, "k")) == 0,
          "then the subtree is unpopulated and can be removed", "errno %d", errno);
    CHECK(cg_read(cg_path(0, "cgroup.kill"), buf, sizeof buf) == -EINVAL, "reading cgroup.kill is EINVAL", "other");

    /* Extended attributes. */
    r = setxattr(cg_dir, "user.aramid", "v1", 2, 0);
    n = getxattr(cg_dir, "user.aramid", buf, sizeof buf);
    CHECK(r == 0 && n == 2 && memcmp(buf, "v1", 2) == 0, "user.* xattrs on a cgroup directory: set and get", "r %d n %d errno %d", r, n, errno);
    r = setxattr(cg_dir, "trusted.aramid", "t", 1, 0);
    n = listxattr(cg_dir, buf, sizeof buf);
    int has_u = 0, has_t = 0;
    for (int off = 0; off < n; off += strlen(buf + off) + 1) {
        has_u |= strcmp(buf + off, "user.aramid") == 0;
        has_t |= strcmp(buf + off, "trusted.aramid") == 0;
    }
    CHECK(r == 0 && has_u && has_t, "trusted.* too; listxattr names both", "r %d n %d", r, n);
    CHECK(FAILS(setxattr(cg_dir, "user.aramid", "v2", 2, XATTR_CREATE), EEXIST), "XATTR_CREATE of an existing one: EEXIST", "errno %d", errno);
    r = removexattr(cg_dir, "user.aramid");
    CHECK(r == 0 && FAILS(getxattr(cg_dir, "user.aramid", buf, sizeof buf), ENODATA), "removexattr; then getxattr is ENODATA", "r %d errno %d", r, errno);
    removexattr(cg_dir, "trusted.aramid");

    /* File handles. */
    struct handle8 h;
    memset(&h, 0, sizeof h);
    h.bytes = sizeof h.f;
    int mnt_id = -1;
    r = syscall(SYS_name_to_handle_at, AT_FDCWD, cg_dir, &h, &mnt_id, 0);
    uint64_t id = 0;
    memcpy(&id, h.f, 8);
    stat(cg_dir, &st);
    CHECK(r == 0 && h.bytes == 8 && h.type == 0xfe && id == st.st_ino && mnt_id > 0,
          "name_to_handle_at: 8 bytes, FILEID_KERNFS, the cgroup id (its inode number)", "r %d bytes %u type %#x id %llu ino %llu errno %d", r, h.bytes,
          h.type, (unsigned long long)id, (unsigned long long)st.st_ino, errno);
    struct handle8 small;
    memset(&small, 0, sizeof small);
    r = syscall(SYS_name_to_handle_at, AT_FDCWD, cg_dir, &small, &mnt_id, 0);
    CHECK(r == -1 && errno == EOVERFLOW && small.bytes == 8, "a handle buffer of 0 bytes: EOVERFLOW, with the 8 it needs", "r %d errno %d bytes %u", r, errno, small.bytes);
    CHECK(FAILS(syscall(SYS_name_to_handle_at, AT_FDCWD, cg_dir, &h, &mnt_id, 0x8000), EINVAL), "name_to_handle_at with an unknown flag: EINVAL", "errno %d", errno);
    int mfd = open(cg_mnt, O_RDONLY | O_DIRECTORY);
    int hfd = syscall(SYS_open_by_handle_at, mfd, &h, O_RDONLY | O_DIRECTORY);
    struct stat hs;
    int procs = hfd >= 0 ? openat(hfd, "cgroup.procs", O_RDONLY) : -1;
    CHECK(hfd >= 0 && fstat(hfd, &hs) == 0 && hs.st_ino == st.st_ino && S_ISDIR(hs.st_mode) && procs >= 0,
          "open_by_handle_at opens the cgroup's directory", "fd %d errno %d", hfd, errno);
    close(procs);
    close(hfd);
    h.type = 1;
    hfd = syscall(SYS_open_by_handle_at, mfd, &h, O_RDONLY | O_DIRECTORY);
    CHECK(hfd >= 0 && fstat(hfd, &hs) == 0 && hs.st_ino == st.st_ino, "the same id as FILEID_INO32_GEN (ino, generation) opens it too", "fd %d errno %d", hfd, errno);
    close(hfd);
    h.type = 0x99;
    CHECK(FAILS(syscall(SYS_open_by_handle_at, mfd, &h, O_RDONLY), ESTALE), "a handle of an unknown type: ESTALE", "errno %d", errno);
    h.type = 0xfe;
    memset(h.f, 0xff, 8);
    CHECK(FAILS(syscall(SYS_open_by_handle_at, mfd, &h, O_RDONLY), ESTALE), "a handle of no cgroup: ESTALE", "errno %d", errno);
    close(mfd);

    /* clone3(CLONE_INTO_CGROUP) */
    {
        mkdir(cg_path(0, "into"), 0755);
        int cfd = open(cg_path(0, "into"), O_RDONLY | O_DIRECTORY);
        uint64_t args[11];
        memset(args, 0, sizeof args);
        args[0] = 0x200000000ULL; /* CLONE_INTO_CGROUP */
        args[4] = SIGCHLD;
        args[10] = cfd;
        long c = syscall(SYS_clone3, args, sizeof args);
        if (c == 0) {
            for (int i = 0; i < 300; i++)
                t_sleep_ms(100);
            _exit(0);
        }
        snprintf(buf, sizeof buf, "%ld\n", c);
        CHECK(c > 0 && cg_is(cg_path(0, "into/cgroup.procs"), buf), "clone3 with CLONE_INTO_CGROUP starts the child in that cgroup", "c %ld errno %d", c, errno);
        if (c > 0)
            t_kill_reap(c);
        int ffd = open(cg_path(0, "into/cgroup.procs"), O_RDONLY);
        args[10] = ffd;
        CHECK(FAILS(syscall(SYS_clone3, args, sizeof args), EBADF), "CLONE_INTO_CGROUP with a descriptor of a control file: EBADF", "errno %d", errno);
        args[10] = 1ULL << 32;
        CHECK(FAILS(syscall(SYS_clone3, args, sizeof args), EINVAL), "CLONE_INTO_CGROUP with a descriptor past INT_MAX: EINVAL", "errno %d", errno);
        args[10] = cfd;
        CHECK(FAILS(syscall(SYS_clone3, args, 64), EINVAL), "CLONE_INTO_CGROUP in a struct too small to hold it: EINVAL", "errno %d", errno);
        args[10] = 999;
        CHECK(FAILS(syscall(SYS_clone3, args, sizeof args), EBADF), "CLONE_INTO_CGROUP with a closed descriptor: EBADF", "errno %d", errno);
        close(ffd);
        close(cfd);
        cg_await(cg_path(0, "into/cgroup.events"), "populated 0\nfrozen 0\n");
        rmdir(cg_path(0, "into"));
    }

    cg_teardown();
    return t_done("cgroup_notify");
}
