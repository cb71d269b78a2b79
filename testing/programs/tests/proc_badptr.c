/* The bad-pointer sweep for process, signal, scheduling, timer, epoll and
 * the remaining *at file syscalls: each pointer argument Linux copies is in
 * turn NULL, a just-unmapped page and a kernel address, through raw
 * syscall(), and the answer must be Linux's (EFAULT, or where NULL means
 * "none" the NULL answer noted). The process must be alive afterwards and
 * able to fork. mm_fault_sweep, fs_badptr and fs_badptr_io cover the rest. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include "../sweep.h"
#include "../files.h"

#define D "/tmp/proc_badptr.d"

/* every bad pointer but NULL (NULL means something else there) */
#define SWEEP_NONNULL(name, expr) \
    CHECK(ALL_EFAULT(1, expr), name, "pointer %d ret %ld errno %d", fail_idx, fail_r, fail_e)

/* waitid on a fresh exited child with infop/rusage p (then reap it) */
static long waitid_child(void *infop, void *ru) {
    pid_t c = fork();
    if (c == 0) _exit(3);
    long r = syscall(SYS_waitid, P_PID, c, infop, WEXITED, ru);
    int e = errno;
    waitpid(c, NULL, 0);
    errno = e;
    return r;
}

int main(void) {
    t_watchdog(60);
    if (t_fresh_dir(D) != 0)
        return 1;
    t_sweep_init();
    char buf[512];
    siginfo_t si;
    struct rusage ru;
    sigset_t none;
    sigemptyset(&none);
    struct timespec ts0 = {0, 0};

    /* waitid: NULL infop is allowed; bad infop or rusage faults */
    SWEEP_NULLOK("waitid with a bad infop or rusage (NULL allowed for both)", _nr == 0 && ALL_EFAULT(1, waitid_child(&si, B)),
                 waitid_child(B, &ru));

    /* signals */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    SWEEP("rt_sigtimedwait with a bad set", syscall(SYS_rt_sigtimedwait, B, &si, &ts0, 8));
    SWEEP_NONNULL("rt_sigtimedwait with a bad timeout", syscall(SYS_rt_sigtimedwait, &usr1, &si, B, 8));
    SWEEP("rt_sigqueueinfo with a bad info", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, B));
    SWEEP("rt_tgsigqueueinfo with a bad info", syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGUSR1, B));
    SWEEP("rt_sigsuspend with a bad mask", syscall(SYS_rt_sigsuspend, B, 8));
    SWEEP("signalfd4 with a bad mask", syscall(SYS_signalfd4, -1, B, 8, 0));

    /* scheduling, limits, credentials */
    SWEEP("sched_setaffinity with a bad mask", syscall(SYS_sched_setaffinity, 0, 8, B));
    SWEEP_NULLOK("sched_setparam/setscheduler with a bad param (NULL is EINVAL)",
                 _nr == -1 && _ne == EINVAL && ALL_EFAULT(1, syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, B)) &&
                     syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL) == -1 && errno == EINVAL,
                 syscall(SYS_sched_setparam, 0, B));
    SWEEP("sched_rr_get_interval into a bad buffer", syscall(SYS_sched_rr_get_interval, 0, B));
    SWEEP("setrlimit with a bad limit", syscall(SYS_setrlimit, RLIMIT_NOFILE, B));
    SWEEP("setgroups with a bad list", syscall(SYS_setgroups, 1, B));
    uint32_t hdr[2] = {0x20080522, 0}, data[6];
    syscall(SYS_capget, hdr, data);
    SWEEP2("capset with a bad header or data", syscall(SYS_capset, B, data), syscall(SYS_capset, hdr, B));
    gid_t g;
    SWEEP3("getresgid into a bad buffer", syscall(SYS_getresgid, B, &g, &g), syscall(SYS_getresgid, &g, B, &g),
           syscall(SYS_getresgid, &g, &g, B));

    /* robust futex list: set does not look at the pointer */
    void *head0;
    size_t len0;
    syscall(SYS_get_robust_list, 0, &head0, &len0);
    int set_ok = 1;
    for (int i = 0; i < 3; i++)
        if (syscall(SYS_set_robust_list, P[i], len0) != 0) set_ok = 0;
    syscall(SYS_set_robust_list, head0, len0);
    CHECK(set_ok, "set_robust_list takes any head pointer", "a call failed");
    void *h;
    size_t l;
    SWEEP2("get_robust_list into a bad head or length", syscall(SYS_get_robust_list, 0, B, &l),
           syscall(SYS_get_robust_list, 0, &h, B));
    unsigned cpu;
    SWEEP_NULLOK("getcpu into a bad cpu or node (NULL allowed)", _nr == 0, syscall(SYS_getcpu, B, &cpu, NULL));

    /* interval timers, POSIX timers, clocks, timerfd */
    struct itimerval itv0 = {{0, 0}, {0, 0}};
    SWEEP("getitimer into a bad buffer", syscall(SYS_getitimer, ITIMER_VIRTUAL, B));
    SWEEP_NONNULL("setitimer with a bad new or old value",
                  syscall(SYS_setitimer, ITIMER_VIRTUAL, B, NULL) == -1 && errno == EFAULT
                      ? syscall(SYS_setitimer, ITIMER_VIRTUAL, &itv0, B)
                      : 0);
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_NONE;
    int tid;
    SWEEP_NONNULL("timer_create with a bad sigevent", syscall(SYS_timer_create, CLOCK_MONOTONIC, B, &tid));
    SWEEP("timer_create with a bad timer id", syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, B));
    syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &tid);
    struct itimerspec its0 = {{0, 0}, {0, 0}};
    SWEEP_NULLOK("timer_settime with a bad new value (NULL is EINVAL)", _nr == -1 && _ne == EINVAL,
                 syscall(SYS_timer_settime, tid, 0, B, NULL));
    SWEEP_NONNULL("timer_settime into a bad old value", syscall(SYS_timer_settime, tid, 0, &its0, B));
    SWEEP("timer_gettime into a bad buffer", syscall(SYS_timer_gettime, tid, B));
    syscall(SYS_timer_delete, tid);
    SWEEP("clock_settime with a bad time", syscall(SYS_clock_settime, CLOCK_REALTIME, B));
    SWEEP("clock_nanosleep with a bad request", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, B, NULL));
    int tfd = syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
    SWEEP("timerfd_settime with a bad new value", syscall(SYS_timerfd_settime, tfd, 0, B, NULL));
    SWEEP_NONNULL("timerfd_settime into a bad old value", syscall(SYS_timerfd_settime, tfd, 0, &its0, B));
    SWEEP("timerfd_gettime into a bad buffer", syscall(SYS_timerfd_gettime, tfd, B));
    close(tfd);

    /* epoll and pselect6 (an fd is ready so the event copy-out happens) */
    int pfd[2];
    pipe(pfd);
    int ep = syscall(SYS_epoll_create1, 0);
    SWEEP("epoll_ctl with a bad event", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, pfd[1], B));
    struct epoll_event ev = {.events = EPOLLOUT}, out[2];
    syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, pfd[1], &ev);
    SWEEP2("epoll_wait/epoll_pwait into a bad buffer", syscall(SYS_epoll_wait, ep, B, 2, 0),
           syscall(SYS_epoll_pwait, ep, B, 2, 0, NULL, 8));
    SWEEP_NULLOK("epoll_pwait with a bad mask (NULL means none)", _nr == 1,
                 syscall(SYS_epoll_pwait, ep, out, 2, 0, B, 8));
    SWEEP_NONNULL("epoll_pwait2 with a bad timeout", syscall(SYS_epoll_pwait2, ep, out, 2, B, NULL, 8));
    SWEEP_NONNULL("pselect6 with a bad fd set", syscall(SYS_pselect6, pfd[1] + 1, NULL, B, NULL, &ts0, NULL));
    SWEEP_NULLOK("pselect6 with a bad sigmask argument (NULL means none)", _nr == 0,
                 syscall(SYS_pselect6, 0, NULL, NULL, NULL, &ts0, B));
    close(ep);

    /* misc */
    int ifd = syscall(SYS_inotify_init1, 0);
    SWEEP("inotify_add_watch with a bad path", syscall(SYS_inotify_add_watch, ifd, B, 0xfff));
    close(ifd);
    int pidfd = syscall(SYS_pidfd_open, getpid(), 0);
    SWEEP_NULLOK("pidfd_send_signal with a bad info (NULL allowed)", _nr == 0,
                 syscall(SYS_pidfd_send_signal, pidfd, 0, B, 0));
    close(pidfd);
    SWEEP("clone3 with bad args", syscall(SYS_clone3, B, 88));
    SWEEP2("prctl PR_SET_NAME/PR_GET_NAME with a bad buffer", syscall(SYS_prctl, PR_SET_NAME, B, 0, 0, 0),
           syscall(SYS_prctl, PR_GET_NAME, B, 0, 0, 0));
    SWEEP("mincore into a bad vector", syscall(SYS_mincore, buf - ((unsigned long)buf & 4095), 4096, B));

    /* paths */
    int fd = syscall(SYS_openat, AT_FDCWD, "f", O_RDWR | O_CREAT, 0644);
    symlink("f", "sl");
    mkdir("mnt", 0755);
    SWEEP("chroot with a bad path", syscall(SYS_chroot, B));
    SWEEP2("mount/umount2 with a bad target", syscall(SYS_mount, "none", B, "tmpfs", 0, NULL),
           syscall(SYS_umount2, B, 0));
    SWEEP3("fsetxattr/fgetxattr with a bad name or value", syscall(SYS_fsetxattr, fd, B, "v", 1, 0),
           syscall(SYS_fsetxattr, fd, "user.a", B, 16, 0), syscall(SYS_fgetxattr, fd, B, buf, 64));
    SWEEP2("readlinkat with a bad path or buffer", syscall(SYS_readlinkat, AT_FDCWD, B, buf, 64),
           syscall(SYS_readlinkat, AT_FDCWD, "sl", B, 64));
    SWEEP2("linkat with a bad old or new path", syscall(SYS_linkat, AT_FDCWD, B, AT_FDCWD, "g", 0),
           syscall(SYS_linkat, AT_FDCWD, "f", AT_FDCWD, B, 0));
    SWEEP2("symlinkat with a bad target or path", syscall(SYS_symlinkat, B, AT_FDCWD, "g"),
           syscall(SYS_symlinkat, "f", AT_FDCWD, B));
    SWEEP3("mknodat/fchownat/fchmodat with a bad path", syscall(SYS_mknodat, AT_FDCWD, B, S_IFIFO | 0644, 0),
           syscall(SYS_fchownat, AT_FDCWD, B, 0, 0, 0), syscall(SYS_fchmodat, AT_FDCWD, B, 0644));
    SWEEP2("renameat with a bad old or new path", syscall(SYS_renameat, AT_FDCWD, B, AT_FDCWD, "g"),
           syscall(SYS_renameat, AT_FDCWD, "f", AT_FDCWD, B));
    struct stat st;
    CHECK(stat("g", &st) != 0 && stat("f", &st) == 0, "nothing was created or renamed", "g or f wrong");
    close(fd);

    pid_t c = fork();
    if (c == 0) _exit(7);
    int ws = 0;
    waitpid(c, &ws, 0);
    CHECK(c > 0 && WIFEXITED(ws) && WEXITSTATUS(ws) == 7, "process alive and can fork after the sweep",
          "status %x", ws);
    chdir("/");
    t_rm_rf(D);
    return t_done("proc_badptr");
}
