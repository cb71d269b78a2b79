/* cgroup2 controllers as Linux's cgroup-v2.rst describes them, on a
 * hierarchy that offers cpu, io, memory and pids (the host's cgroup2 root
 * offers none of them: its v1 hierarchies own them, so this test is
 * guest-only, its expected lines written from Linux's semantics):
 * enabling in cgroup.subtree_control only what cgroup.controllers offers
 * (ENOENT), the no-internal-process rule (EBUSY both ways), EBUSY when
 * disabling what a child still enables, the controllers' files appearing
 * where the parent enables them, pids.max refusing fork with EAGAIN and
 * counting it in pids.events, memory.current following resident memory,
 * memory.max's size syntax and its OOM kill, cpu.stat usage from CPU
 * time spent, cpu.weight and cpu.max ranges, io.max accepted, PID 1
 * moving itself, threaded mode refused under domain controllers, and
 * disabling everything again. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>
#include "../cgroup.h"

static char rootf[256];
static const char *R(const char *f) {
    snprintf(rootf, sizeof rootf, "%s/%s", cg_mnt, f);
    return rootf;
}

/* Waits for a byte on fd (the parent's go-ahead). */
static void await_go(int fd) {
    char c;
    if (read(fd, &c, 1) != 1)
        _exit(9);
}

int main(void) {
    char buf[4096];
    int r;
    t_watchdog(120);
    if (cg_setup("cgroup_ctrl") != 0)
        return 1;

    CHECK(cg_is(R("cgroup.controllers"), "cpu io memory pids\n"), "the root offers cpu io memory pids", "other");
    CHECK(cg_is(cg_path(0, "cgroup.controllers"), "") && FAILS(access(cg_path(1, "pids.max"), F_OK), ENOENT),
          "a child of a root that enables nothing: no controllers, no pids.max", "errno %d", errno);
    CHECK(cg_write(cg_path(0, "cgroup.subtree_control"), "+pids") == -ENOENT, "enabling what cgroup.controllers lacks: ENOENT", "other");
    r = cg_write(R("cgroup.subtree_control"), "+pids +memory +cpu +io");
    CHECK(r == 0 && cg_is(R("cgroup.subtree_control"), "cpu io memory pids\n") && cg_is(cg_path(0, "cgroup.controllers"), "cpu io memory pids\n"),
          "the root enables all four; its child is offered them", "r %d", r);
    CHECK(cg_is(cg_path(0, "pids.max"), "max\n") && cg_is(cg_path(1, "pids.current"), "0\n") && cg_is(cg_path(2, "memory.max"), "max\n") &&
              cg_is(cg_path(3, "cpu.weight"), "100\n") && cg_is(cg_path(4, "cpu.max"), "max 100000\n") && cg_is(cg_path(5, "io.weight"), "default 100\n"),
          "controller files appear with their defaults", "other");
    CHECK(cg_is(cg_path(0, "memory.events"), "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n") && cg_is(cg_path(1, "pids.events"), "max 0\n"),
          "memory.events and pids.events start at 0", "other");
    CHECK(FAILS(access(R("pids.max"), F_OK), ENOENT) && access(R("memory.stat"), F_OK) == 0, "the root has memory.stat but no pids.max", "errno %d", errno);

    /* No internal processes. */
    int go[2];
    if (pipe(go) != 0)
        return 1;
    int c = fork();
    if (c == 0) {
        await_go(go[0]);
        for (;;)
            t_sleep_ms(100);
    }
    cg_write_pid(cg_path(0, "cgroup.procs"), c);
    CHECK(cg_write(cg_path(0, "cgroup.subtree_control"), "+memory") == -EBUSY && cg_write(cg_path(1, "cgroup.subtree_control"), "+pids") == -EBUSY,
          "a cgroup with processes cannot enable controllers for children: EBUSY", "other");
    mkdir(cg_path(0, "leaf"), 0755);
    cg_write_pid(cg_path(0, "leaf/cgroup.procs"), c);
    r = cg_write(cg_path(0, "cgroup.subtree_control"), "+pids +memory +cpu +io");
    CHECK(r == 0 && cg_is(cg_path(1, "leaf/cgroup.controllers"), "cpu io memory pids\n"), "once its processes moved down it can", "r %d", r);
    CHECK(cg_write_pid(cg_path(0, "cgroup.procs"), c) == -EBUSY, "and then it refuses processes: EBUSY", "other");
    CHECK(cg_write(R("cgroup.subtree_control"), "-pids") == -EBUSY, "disabling a controller a child still enables: EBUSY", "other");
    mkdir(cg_path(0, "thr"), 0755);
    CHECK(cg_write(cg_path(0, "thr/cgroup.type"), "threaded") == -EOPNOTSUPP, "threaded mode under domain controllers: EOPNOTSUPP", "other");
    rmdir(cg_path(0, "thr"));

    /* pids.max */
    CHECK(cg_write(cg_path(0, "leaf/pids.max"), "-1") == -EINVAL && cg_write(cg_path(1, "leaf/pids.max"), "abc") == -EINVAL,
          "pids.max: a negative number or a word other than max is EINVAL", "other");
    r = cg_write(cg_path(0, "leaf/pids.max"), "3");
    CHECK(r == 0 && cg_is(cg_path(1, "leaf/pids.max"), "3\n") && cg_is(cg_path(2, "leaf/pids.current"), "1\n"), "pids.max 3; pids.current counts the one task", "r %d", r);
    {
        int res[2];
        if (pipe(res) != 0)
            return 1;
        int f = fork();
        if (f == 0) {
            await_go(go[0]);
            int k1 = t_fork_sleeper(), k2 = t_fork_sleeper();
            errno = 0;
            int k3 = fork();
            if (k3 == 0)
                _exit(0);
            int out[3] = {k1 > 0 && k2 > 0, k3 == -1 && errno == EAGAIN, 0};
            if (write(res[1], out, sizeof out) != sizeof out)
                _exit(3);
            for (;;)
                t_sleep_ms(100);
        }
        cg_write_pid(cg_path(0, "leaf/cgroup.procs"), f);
        cg_write(cg_path(0, "leaf/pids.max"), "4");
        if (write(go[1], "gg", 2) != 2)
            return 1;
        int out[3] = {0, 0, 0};
        r = read(res[0], out, sizeof out);
        CHECK(r == sizeof out && out[0] && out[1], "forks up to pids.max work; the next is EAGAIN", "r %d %d %d", r, out[0], out[1]);
        CHECK(cg_is(cg_path(0, "leaf/pids.current"), "4\n") && cg_is(cg_path(1, "leaf/pids.events"), "max 1\n"),
              "pids.current is 4; pids.events counts the refusal", "other");
        CHECK(cg_is(cg_path(0, "pids.current"), "4\n"), "the parent's pids.current counts its subtree", "other");
        CHECK(cg_write(cg_path(0, "leaf/cgroup.kill"), "1") == 0 && cg_await(cg_path(1, "leaf/pids.current"), "0\n"),
              "after cgroup.kill pids.current is 0", "other");
        while (waitpid(-1, NULL, 0) > 0) {
        }
        cg_write(cg_path(0, "leaf/pids.max"), "max");
    }

    /* memory */
    {
        int res[2];
        if (pipe(res) != 0)
            return 1;
        int m = fork();
        if (m == 0) {
            await_go(go[0]);
            char *p = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            for (int i = 0; i < (8 << 20); i += 4096)
                p[i] = 1;
            if (write(res[1], "x", 1) != 1)
                _exit(3);
            for (;;)
                t_sleep_ms(100);
        }
        cg_write_pid(cg_path(0, "leaf/cgroup.procs"), m);
        if (write(go[1], "g", 1) != 1 || read(res[0], buf, 1) != 1)
            return 1;
        r = cg_read(cg_path(0, "leaf/memory.current"), buf, sizeof buf);
        long long cur = atoll(buf);
        CHECK(r > 0 && cur >= (8 << 20) && cur < (1LL << 30), "memory.current counts the 8 MiB a process touched", "%lld", cur);
        r = cg_read(cg_path(0, "leaf/memory.stat"), buf, sizeof buf);
        CHECK(r > 0 && strncmp(buf, "anon ", 5) == 0 && atoll(buf + 5) >= (8 << 20), "memory.stat's anon too", "%s", buf);
        kill(m, SIGKILL);
        waitpid(m, NULL, 0);
        CHECK(cg_is(cg_path(0, "leaf/memory.current"), "0\n"), "the memory goes with the process", "other");
    }
    CHECK(cg_write(cg_path(0, "leaf/memory.max"), "1M") == 0 && cg_is(cg_path(1, "leaf/memory.max"), "1048576\n"), "memory.max takes a K/M/G suffix", "other");
    CHECK(cg_write(cg_path(0, "leaf/memory.max"), "1000") == 0 && cg_is(cg_path(1, "leaf/memory.max"), "0\n"), "memory.max rounds down to pages", "other");
    CHECK(cg_write(cg_path(0, "leaf/memory.max"), "abc") == -EINVAL && cg_write(cg_path(1, "leaf/memory.max"), "max") == 0 &&
              cg_is(cg_path(2, "leaf/memory.max"), "max\n"),
          "memory.max: a bad size is EINVAL; max restores it", "other");

    /* memory.max: past it, with nothing to reclaim, the OOM killer. */
    {
        cg_write(cg_path(0, "leaf/memory.max"), "16M");
        int m = fork();
        if (m == 0) {
            await_go(go[0]);
            char *p = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            for (int i = 0; i < (64 << 20); i += 4096)
                p[i] = 1;
            _exit(0);
        }
        cg_write_pid(cg_path(0, "leaf/cgroup.procs"), m);
        if (write(go[1], "g", 1) != 1)
            return 1;
        int es = t_wait_exit(m);
        CHECK(es == 100 + SIGKILL, "a process touching 64 MiB under memory.max 16M is killed with SIGKILL", "exit %d", es);
        r = cg_read(cg_path(0, "leaf/memory.events"), buf, sizeof buf);
        long long mx = -1, oom = -1, kills = -1;
        char *q = strstr(buf, "\nmax ");
        if (q)
            mx = atoll(q + 5);
        if ((q = strstr(buf, "\noom ")))
            oom = atoll(q + 5);
        if ((q = strstr(buf, "\noom_kill ")))
            kills = atoll(q + 10);
        CHECK(r > 0 && mx >= 1 && oom >= 1 && kills == 1, "memory.events counts max, oom and one oom_kill", "%s", buf);
        cg_write(cg_path(0, "leaf/memory.max"), "max");
    }

    /* cpu */
    {
        int s = fork();
        if (s == 0) {
            await_go(go[0]);
            struct timespec t0, t;
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
            do
                clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
            while ((t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec - t0.tv_nsec < 200000000L);
            _exit(0);
        }
        cg_write_pid(cg_path(0, "leaf/cgroup.procs"), s);
        if (write(go[1], "g", 1) != 1)
            return 1;
        waitpid(s, NULL, 0);
        r = cg_read(cg_path(0, "leaf/cpu.stat"), buf, sizeof buf);
        long long us = r > 0 ? atoll(buf + 11) : 0;
        CHECK(r > 0 && us >= 100000 && us < 100000000, "cpu.stat's usage_usec keeps the CPU time of a process that ran there", "%lld", us);
        r = cg_read(cg_path(0, "cpu.stat"), buf, sizeof buf);
        long long pus = r > 0 ? atoll(buf + 11) : 0;
        CHECK(pus >= us && strstr(buf, "\nnr_periods 0\n"), "the parent's counts it too; with cpu enabled cpu.stat has nr_periods", "%lld %s", pus, buf);
    }
    CHECK(cg_write(cg_path(0, "leaf/cpu.weight"), "0") == -ERANGE && cg_write(cg_path(1, "leaf/cpu.weight"), "10001") == -ERANGE &&
              cg_write(cg_path(2, "leaf/cpu.weight"), "50") == 0 && cg_is(cg_path(3, "leaf/cpu.weight"), "50\n"),
          "cpu.weight takes 1..10000 (ERANGE outside)", "other");
    CHECK(cg_write(cg_path(0, "leaf/cpu.max"), "50000") == 0 && cg_is(cg_path(1, "leaf/cpu.max"), "50000 100000\n") &&
              cg_write(cg_path(2, "leaf/cpu.max"), "max 200000") == 0 && cg_is(cg_path(3, "leaf/cpu.max"), "max 200000\n"),
          "cpu.max takes a quota and an optional period", "other");
    CHECK(cg_write(cg_path(0, "leaf/io.max"), "8:0 rbps=1048576") == 0, "io.max is accepted", "other");

    /* PID 1 moves itself. */
    r = cg_write(cg_path(0, "leaf/cgroup.procs"), "0");
    CHECK(r == 0 && cg_is(cg_path(1, "leaf/cgroup.procs"), "1\n") && cg_is(cg_path(2, "leaf/pids.current"), "1\n"), "PID 1 moves itself with 0", "r %d", r);
    r = cg_write(R("cgroup.procs"), "0");
    CHECK(r == 0 && cg_is(cg_path(0, "leaf/cgroup.procs"), "") && cg_is(cg_path(1, "leaf/cgroup.events"), "populated 0\nfrozen 0\n"),
          "and back to the root", "r %d", r);

    /* Disable everything again. */
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    cg_await(cg_path(0, "cgroup.events"), "populated 0\nfrozen 0\n");
    r = cg_write(cg_path(0, "cgroup.subtree_control"), "-pids -memory -cpu -io");
    r |= cg_write(R("cgroup.subtree_control"), "-pids -memory -cpu -io");
    CHECK(r == 0 && cg_is(R("cgroup.subtree_control"), "") && FAILS(access(cg_path(0, "pids.max"), F_OK), ENOENT),
          "disabling the controllers again, children first; their files go", "r %d errno %d", r, errno);
    rmdir(cg_path(0, "leaf"));
    cg_teardown();
    return t_done("cgroup_ctrl");
}
