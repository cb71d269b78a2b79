/* The bad-pointer sweep: pointer-taking syscalls called (raw, so libc and
 * the vDSO never touch the pointer) with NULL, a just-unmapped page and a
 * kernel address must fail with EFAULT -- or, where NULL means "not
 * wanted", succeed for NULL. Afterwards the process must still be alive
 * and able to fork. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include "../sweep.h"

#define ARCH_GET_FS 0x1003
#define FUTEX_WAIT 0
#define FUTEX_WAIT_PRIVATE 128


static pid_t zombie(void) {
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    /* let it become a zombie: waitid with WNOWAIT blocks until it has exited */
    siginfo_t si;
    waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
    return pid;
}

int main(void) {
    t_sweep_init();
    char buf[256];
    long r;
    int e;

    SWEEP("write from a bad buffer is EFAULT", syscall(SYS_write, 1, B, 10));
    SWEEP("writev with a bad iovec array is EFAULT", syscall(SYS_writev, 1, B, 1));
    SWEEP("writev with a bad iov_base is EFAULT", ({
              struct iovec iv = {B, 10};
              syscall(SYS_writev, 1, &iv, 1);
          }));
    SWEEP("readv with a bad iovec array is EFAULT", syscall(SYS_readv, 0, B, 1));
    SWEEP("uname into a bad buffer is EFAULT", syscall(SYS_uname, B));
    SWEEP("getrandom into a bad buffer is EFAULT", syscall(SYS_getrandom, B, 16, 0));
    SWEEP("sysinfo into a bad buffer is EFAULT", syscall(SYS_sysinfo, B));
    SWEEP("getrlimit into a bad buffer is EFAULT", syscall(SYS_getrlimit, RLIMIT_NOFILE, B));
    SWEEP_NULLOK("prlimit64 with a bad old pointer is EFAULT", _nr == 0,
                 syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, B));
    SWEEP("getrusage into a bad buffer is EFAULT", syscall(SYS_getrusage, RUSAGE_SELF, B));
    SWEEP("getresuid into a bad pointer is EFAULT", ({
              uid_t a, b;
              syscall(SYS_getresuid, &a, &b, B);
          }));
    SWEEP("sched_getaffinity into a bad mask is EFAULT", syscall(SYS_sched_getaffinity, 0, 128, B));
    SWEEP_NULLOK("sched_getparam: NULL is EINVAL, bad pointers EFAULT", _nr == -1 && _ne == EINVAL,
                 syscall(SYS_sched_getparam, 0, B));
    SWEEP("arch_prctl(ARCH_GET_FS) into a bad pointer is EFAULT", syscall(SYS_arch_prctl, ARCH_GET_FS, B));
    SWEEP("execve of a bad path is EFAULT", syscall(SYS_execve, B, NULL, NULL));

    /* time */
    SWEEP("clock_gettime into a bad pointer is EFAULT", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, B));
    SWEEP_NULLOK("clock_getres: NULL allowed, bad pointers EFAULT", _nr == 0,
                 syscall(SYS_clock_getres, CLOCK_MONOTONIC, B));
    SWEEP_NULLOK("gettimeofday: NULL allowed, bad pointers EFAULT", _nr == 0, syscall(SYS_gettimeofday, B, NULL));
    SWEEP_NULLOK("times: NULL allowed, bad pointers EFAULT", _nr != -1, syscall(SYS_times, B));
    SWEEP("nanosleep with a bad request is EFAULT", syscall(SYS_nanosleep, B, NULL));

    /* signals */
    SWEEP_NULLOK("rt_sigaction with a bad act is EFAULT", _nr == 0, syscall(SYS_rt_sigaction, SIGUSR1, B, NULL, 8));
    SWEEP_NULLOK("rt_sigaction with a bad oldact is EFAULT", _nr == 0,
                 syscall(SYS_rt_sigaction, SIGUSR1, NULL, B, 8));
    SWEEP_NULLOK("rt_sigprocmask with a bad set is EFAULT", _nr == 0,
                 syscall(SYS_rt_sigprocmask, SIG_BLOCK, B, NULL, 8));
    SWEEP("rt_sigpending into a bad pointer is EFAULT", syscall(SYS_rt_sigpending, B, 8));
    SWEEP_NULLOK("sigaltstack with a bad stack is EFAULT", _nr == 0, syscall(SYS_sigaltstack, B, NULL));

    /* credentials */
    gid_t g0 = 0;
    setgroups(1, &g0); /* at least one group, so getgroups must copy out */
    SWEEP("getgroups into a bad buffer is EFAULT", syscall(SYS_getgroups, 4, B));
    SWEEP("capget with a bad header is EFAULT", syscall(SYS_capget, B, buf));
    SWEEP_NULLOK("capget: NULL data probes, bad data EFAULT", _nr == 0, ({
                     uint32_t hdr[2] = {0x20080522, 0};
                     syscall(SYS_capget, hdr, B);
                 }));

    /* futex */
    SWEEP("futex wait on a bad address is EFAULT", syscall(SYS_futex, B, FUTEX_WAIT, 0, NULL, NULL, 0));
    SWEEP("private futex wait on a bad address is EFAULT",
          syscall(SYS_futex, B, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));

    /* wait4 with a bad status pointer: EFAULT, but the zombie is reaped anyway. */
    int ok = 1, reaped = 1;
    for (int i = 1; i < 3; i++) {
        pid_t z = zombie();
        errno = 0;
        r = syscall(SYS_wait4, z, P[i], 0, NULL);
        e = errno;
        if (!(r == -1 && e == EFAULT))
            ok = 0;
        errno = 0;
        if (!(waitpid(z, NULL, WNOHANG) == -1 && errno == ECHILD)) {
            reaped = 0;
            waitpid(z, NULL, 0);
        }
    }
    CHECK(ok, "wait4 with a bad status pointer is EFAULT", "ret %ld errno %d", r, e);
    CHECK(reaped, "the child is reaped even though the status copy faulted", "still waitable");
    struct rusage ru;
    pid_t z = zombie();
    errno = 0;
    r = syscall(SYS_wait4, z, NULL, 0, P[1]);
    e = errno;
    waitpid(z, NULL, WNOHANG);
    CHECK(r == -1 && e == EFAULT, "wait4 with a bad rusage pointer is EFAULT", "ret %ld errno %d", r, e);
    (void)ru;

    /* set_tid_address accepts anything and returns the tid (in a child). */
    pid_t pid = fork();
    if (pid == 0) {
        long tid = syscall(SYS_gettid);
        int good = 1;
        for (int i = 0; i < 3; i++)
            good = good && syscall(SYS_set_tid_address, P[i]) == tid;
        _exit(good ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "set_tid_address accepts bad pointers and returns the tid",
          "status %#x", status);

    /* Still alive and able to fork. */
    pid = fork();
    if (pid == 0)
        _exit(42);
    status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42 && getpid() > 0,
          "after the sweep the process lives and can fork", "status %#x", status);
    return t_done("mm_fault_sweep");
}
