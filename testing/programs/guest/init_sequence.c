/* The start of a system, as systemd's PID 1 makes it, in order: each step
 * one self-checking case. It runs as PID 1 (init=/guest/init_sequence) on
 * Aramid and, unchanged, on Debian's Linux in the same QEMU, and ends by
 * powering the machine off, as a shutdown does.
 *
 * Steps: subreaper; /proc, /sys and /dev mounted (/dev and /sys through
 * /proc/self/fd/N, as systemd does); the kernel command line; a console
 * bind mount; a nosuid remount; /run; the host name; cgroup2 with an
 * init.scope holding PID 1 and controllers enabled; the event loop
 * (epoll + signalfd + timerfd); services forked into cgroups, their end
 * learnt from cgroup.events (inotify and POLLPRI) and reaped with waitid,
 * a restart; memfd, close_range, flock, inotify; mountinfo's POLLPRI;
 * /proc/self/cgroup, CLOCK_BOOTTIME, /proc/sys/kernel, /dev/kmsg,
 * environ, devpts, pids.max, the new mount API; then the shutdown. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include "../t.h"

#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572
#define TMPFS_MAGIC 0x01021994
#define CGROUP2_SUPER_MAGIC 0x63677270
#define DEVPTS_SUPER_MAGIC 0x1cd1
#define CG "/sys/fs/cgroup"

extern char **environ;

static long fstype(const char *p) {
    struct statfs s;
    return statfs(p, &s) == 0 ? (long)s.f_type : -errno;
}

/* The whole of a small file, NUL-terminated; "" when it cannot be read. */
static const char *slurp(const char *p) {
    static char buf[8192];
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    buf[0] = 0;
    if (fd < 0)
        return buf;
    ssize_t n = 0, r;
    while (n < (ssize_t)sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    buf[n < 0 ? 0 : n] = 0;
    close(fd);
    return buf;
}

static int put(const char *p, const char *s) {
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    return n == (ssize_t)strlen(s) ? 0 : -e;
}

/* mount(2) with its target given as /proc/self/fd/N of an O_PATH
 * descriptor of `target`, as systemd's mount_follow_verify does. */
static int mount_via_fd(const char *src, const char *target, const char *type, unsigned long fl, const char *data) {
    int fd = open(target, O_PATH | O_CLOEXEC | O_DIRECTORY);
    if (fd < 0)
        return -errno;
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    int r = mount(src, p, type, fl, data);
    int e = errno;
    close(fd);
    return r == 0 ? 0 : -e;
}

static int contains(const char *hay, const char *needle) { return strstr(hay, needle) != NULL; }

/* Forks a "service" that first moves itself into cgroup `cg`, then runs
 * fn; the parent waits until it is in. */
static pid_t service(const char *cg, int (*fn)(void)) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid_t c = fork();
    if (c == 0) {
        char path[256], me[32];
        snprintf(path, sizeof path, "%s/cgroup.procs", cg);
        snprintf(me, sizeof me, "%d", getpid());
        if (put(path, me) != 0)
            _exit(90);
        write(p[1], "x", 1);
        _exit(fn());
    }
    char b;
    close(p[1]);
    ssize_t n = read(p[0], &b, 1);
    close(p[0]);
    return n == 1 ? c : -1;
}

static int svc_pause(void) {
    pause();
    return 0;
}
static int svc_fail(void) { return 3; }
static int svc_ok(void) { return 0; }

static int populated(const char *cg) {
    char p[256];
    snprintf(p, sizeof p, "%s/cgroup.events", cg);
    const char *s = slurp(p);
    if (contains(s, "populated 1"))
        return 1;
    if (contains(s, "populated 0"))
        return 0;
    return -1;
}

static int fork_count_under_limit(void) {
    /* In a cgroup with pids.max 2 (this process is one): one child fits,
     * the second fork is EAGAIN. */
    pid_t a = fork();
    if (a == 0) {
        pause();
        _exit(0);
    }
    if (a < 0)
        return 1;
    errno = 0;
    pid_t b = fork();
    if (b == 0)
        _exit(0);
    int e = errno;
    kill(a, SIGKILL);
    waitpid(a, NULL, 0);
    if (b > 0) {
        waitpid(b, NULL, 0);
        return 2;
    }
    return e == EAGAIN ? 0 : 3;
}

int main(void) {
    t_watchdog(120);
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct stat st;
    char buf[512];

    /* set_child_subreaper */
    int sub = -1;
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 && prctl(PR_GET_CHILD_SUBREAPER, &sub) == 0 && sub == 1,
          "set_child_subreaper", "sub %d errno %d", sub, errno);

    /* mount_proc_sys_dev: /proc first, directly; its magic. */
    mkdir("/proc", 0755);
    mkdir("/sys", 0755);
    mkdir("/dev", 0755);
    int r = mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    CHECK(r == 0 && fstype("/proc") == PROC_SUPER_MAGIC && fstype("/proc/self") == PROC_SUPER_MAGIC,
          "mount_proc_sys_dev: proc", "r %d errno %d type %lx", r, errno, fstype("/proc"));

    /* mount_via_proc_self_fd: sysfs and devtmpfs through /proc/self/fd/N. */
    int r1 = mount_via_fd("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    int r2 = mount_via_fd("devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_STRICTATIME, "mode=0755,size=4m,nr_inodes=1m");
    CHECK(r1 == 0 && r2 == 0 && fstype("/sys") == SYSFS_MAGIC && fstype("/dev") == TMPFS_MAGIC,
          "mount_via_proc_self_fd: sysfs and devtmpfs", "sys %d dev %d", r1, r2);
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3) &&
              stat("/dev/console", &st) == 0 && st.st_rdev == makedev(5, 1) && stat("/dev/kmsg", &st) == 0 &&
              stat("/dev/ptmx", &st) == 0 && st.st_rdev == makedev(5, 2),
          "mount_proc_sys_dev: devtmpfs comes populated", "errno %d", errno);

    /* proc_cmdline */
    const char *cl = slurp("/proc/cmdline");
    CHECK(strlen(cl) > 1 && cl[strlen(cl) - 1] == '\n' && contains(cl, "init=/guest/init_sequence"), "proc_cmdline",
          "'%s'", cl);

    /* bind_mount_console: the console bound onto a file. */
    int cfd = open("/dev/.console-bind", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    close(cfd);
    r = mount("/dev/console", "/dev/.console-bind", NULL, MS_BIND, NULL);
    CHECK(r == 0 && stat("/dev/.console-bind", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(5, 1) &&
              umount("/dev/.console-bind") == 0,
          "bind_mount_console", "r %d errno %d", r, errno);
    unlink("/dev/.console-bind");

    /* remount_nosuid */
    struct statvfs sv;
    r = mount(NULL, "/dev", NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NOEXEC, NULL);
    CHECK(r == 0 && statvfs("/dev", &sv) == 0 && (sv.f_flag & ST_NOSUID) && (sv.f_flag & ST_NOEXEC), "remount_nosuid",
          "r %d errno %d flags %lx", r, errno, sv.f_flag);

    /* tmpfs_run */
    mkdir("/run", 0755);
    r = mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=0755,size=20%,nr_inodes=800k");
    CHECK(r == 0 && fstype("/run") == TMPFS_MAGIC && stat("/run", &st) == 0 && (st.st_mode & 07777) == 0755,
          "tmpfs_run", "r %d errno %d", r, errno);

    /* set_hostname */
    struct utsname u;
    r = sethostname("aramid-init", 11);
    CHECK(r == 0 && uname(&u) == 0 && strcmp(u.nodename, "aramid-init") == 0 &&
              strcmp(slurp("/proc/sys/kernel/hostname"), "aramid-init\n") == 0,
          "set_hostname", "r %d %s", r, u.nodename);

    /* mount_cgroup2 */
    r = mount_via_fd("cgroup2", CG, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "nsdelegate,memory_recursiveprot");
    CHECK(r == 0 && fstype(CG) == CGROUP2_SUPER_MAGIC && contains(slurp("/proc/self/mountinfo"), " - cgroup2 cgroup2 "),
          "mount_cgroup2", "r %d type %lx", r, fstype(CG));

    /* cgroup_hierarchy */
    int m1 = mkdir(CG "/init.scope", 0755), m2 = mkdir(CG "/system.slice", 0755);
    CHECK(m1 == 0 && m2 == 0 && stat(CG "/init.scope/cgroup.procs", &st) == 0 &&
              stat(CG "/system.slice/cgroup.events", &st) == 0 && populated(CG "/system.slice") == 0,
          "cgroup_hierarchy", "mkdir %d %d errno %d", m1, m2, errno);

    /* move_pid1_cgroup */
    snprintf(buf, sizeof buf, "%d", getpid());
    r = put(CG "/init.scope/cgroup.procs", buf);
    CHECK(r == 0 && strcmp(slurp("/proc/self/cgroup"), "0::/init.scope\n") == 0 &&
              strcmp(slurp(CG "/init.scope/cgroup.procs"), "1\n") == 0,
          "move_pid1_cgroup", "r %d cgroup '%s'", r, slurp("/proc/self/cgroup"));

    /* enable_controllers */
    const char *ctl = slurp(CG "/cgroup.controllers");
    int has_pids = contains(ctl, "pids"), has_mem = contains(ctl, "memory");
    int e1 = put(CG "/cgroup.subtree_control", "+pids +memory");
    int e2 = put(CG "/system.slice/cgroup.subtree_control", "+pids");
    CHECK(has_pids && has_mem && e1 == 0 && e2 == 0 && contains(slurp(CG "/cgroup.subtree_control"), "pids") &&
              stat(CG "/system.slice/pids.max", &st) == 0 && stat(CG "/system.slice/memory.current", &st) == 0,
          "enable_controllers", "controllers '%s' %d %d", ctl, e1, e2);

    /* main_event_loop: epoll over a signalfd and a timerfd. */
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGCHLD);
    sigaddset(&ss, SIGTERM);
    sigaddset(&ss, SIGRTMIN + 4);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    int sfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 1};
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
    ev.data.u32 = 2;
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    struct itimerspec its = {.it_value = {0, 20 * 1000 * 1000}};
    timerfd_settime(tfd, 0, &its, NULL);
    struct epoll_event got[4];
    int n1 = epoll_wait(ep, got, 4, 5000);
    uint64_t ticks = 0;
    int timer_ok = n1 == 1 && got[0].data.u32 == 2 && read(tfd, &ticks, 8) == 8 && ticks == 1;
    kill(getpid(), SIGRTMIN + 4);
    int n2 = epoll_wait(ep, got, 4, 5000);
    struct signalfd_siginfo si;
    int sig_ok = n2 == 1 && got[0].data.u32 == 1 && read(sfd, &si, sizeof si) == sizeof si &&
                 si.ssi_signo == (unsigned)SIGRTMIN + 4 && si.ssi_pid == 1;
    CHECK(sfd >= 0 && tfd >= 0 && ep >= 0 && timer_ok && sig_ok, "main_event_loop (epoll + signalfd + timerfd)",
          "n %d %d timer %d sig %d", n1, n2, timer_ok, sig_ok);

    /* fork_service into a cgroup */
    mkdir(CG "/system.slice/a.service", 0755);
    pid_t svc = service(CG "/system.slice/a.service", svc_pause);
    snprintf(buf, sizeof buf, "/proc/%d/cgroup", svc);
    CHECK(svc > 0 && strcmp(slurp(buf), "0::/system.slice/a.service\n") == 0 &&
              populated(CG "/system.slice/a.service") == 1 && populated(CG "/system.slice") == 1,
          "fork_service into a cgroup", "pid %d '%s'", svc, slurp(buf));

    /* cgroup_events_notification: inotify IN_MODIFY and POLLPRI when the
     * service's last process ends. */
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int wd = inotify_add_watch(in, CG "/system.slice/a.service/cgroup.events", IN_MODIFY);
    int efd = open(CG "/system.slice/a.service/cgroup.events", O_RDONLY | O_CLOEXEC);
    read(efd, buf, sizeof buf);
    kill(svc, SIGKILL);
    struct pollfd pf[2] = {{.fd = efd, .events = POLLPRI}, {.fd = in, .events = POLLIN}};
    int woke = 0;
    /* Each source counts once; a file that reported is taken out of the
     * set (cgroup.events keeps POLLERR until it is read again). */
    for (int i = 0; i < 50 && woke != 3; i++) {
        if (poll(pf, 2, 100) > 0) {
            woke |= (pf[0].revents & POLLPRI ? 1 : 0) | (pf[1].revents & POLLIN ? 2 : 0);
            pf[0].fd = woke & 1 ? -1 : efd;
            pf[1].fd = woke & 2 ? -1 : in;
        }
    }
    struct inotify_event *ie = (struct inotify_event *)buf;
    int ir = read(in, buf, sizeof buf);
    CHECK(wd >= 0 && efd >= 0 && woke == 3 && ir > 0 && ie->wd == wd && (ie->mask & IN_MODIFY) &&
              populated(CG "/system.slice/a.service") == 0,
          "cgroup_events_notification (POLLPRI and IN_MODIFY)", "wd %d woke %d ir %d", wd, woke, ir);
    close(efd);
    close(in);

    /* waitid_reap */
    siginfo_t wi = {0};
    r = waitid(P_PID, svc, &wi, WEXITED);
    CHECK(r == 0 && wi.si_pid == svc && wi.si_code == CLD_KILLED && wi.si_status == SIGKILL &&
              rmdir(CG "/system.slice/a.service") == 0,
          "waitid_reap (and the empty cgroup removed)", "r %d code %d status %d", r, wi.si_code, wi.si_status);
    while (read(sfd, &si, sizeof si) == sizeof si) {
    }

    /* memfd_data_pass: state kept in a sealed memfd across a fork. */
    int mfd = memfd_create("serialization", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    int sealed = mfd >= 0 && write(mfd, "state=42", 8) == 8 &&
                 fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0;
    pid_t c = fork();
    if (c == 0) {
        char b[16] = {0};
        _exit(pread(mfd, b, 8, 0) == 8 && strcmp(b, "state=42") == 0 && write(mfd, "x", 1) == -1 && errno == EPERM ? 0 : 1);
    }
    snprintf(buf, sizeof buf, "/proc/self/fd/%d", mfd);
    char lnk[128] = {0};
    readlink(buf, lnk, sizeof lnk - 1);
    CHECK(sealed && t_wait_exit(c) == 0 && strncmp(lnk, "/memfd:serialization", 20) == 0, "memfd_data_pass",
          "sealed %d link '%s'", sealed, lnk);

    /* close_range_exec */
    for (int fd = 40; fd < 48; fd++)
        dup2(0, fd);
    int cr1 = syscall(SYS_close_range, 40, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
    int cloexec = fcntl(44, F_GETFD) == FD_CLOEXEC;
    int cr2 = syscall(SYS_close_range, 40, ~0U, 0);
    CHECK(cr1 == 0 && cloexec && cr2 == 0 && fcntl(44, F_GETFD) == -1 && errno == EBADF, "close_range_exec",
          "%d %d %d", cr1, cloexec, cr2);

    /* flock_lockfile */
    int lf = open("/run/init.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    int l1 = flock(lf, LOCK_EX | LOCK_NB);
    c = fork();
    if (c == 0) {
        int f2 = open("/run/init.lock", O_RDWR);
        _exit(flock(f2, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK ? 0 : 1);
    }
    CHECK(lf >= 0 && l1 == 0 && t_wait_exit(c) == 0, "flock_lockfile", "l1 %d", l1);

    /* inotify_watch */
    in = inotify_init1(IN_CLOEXEC);
    wd = inotify_add_watch(in, "/run", IN_CREATE | IN_DELETE);
    close(open("/run/watched", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    ir = read(in, buf, sizeof buf);
    CHECK(wd >= 0 && ir > 0 && (ie->mask & IN_CREATE) && strcmp(ie->name, "watched") == 0, "inotify_watch", "ir %d", ir);
    close(in);

    /* mountinfo_pollpri */
    int mi = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    while (read(mi, buf, sizeof buf) > 0) {
    }
    struct pollfd mp = {.fd = mi, .events = POLLPRI};
    int before = poll(&mp, 1, 0);
    mkdir("/run/mnt", 0755);
    mount("x", "/run/mnt", "tmpfs", 0, NULL);
    int after = poll(&mp, 1, 1000);
    short rev = mp.revents;
    lseek(mi, 0, SEEK_SET);
    while (read(mi, buf, sizeof buf) > 0) {
    }
    mp.revents = 0;
    int again = poll(&mp, 1, 0);
    CHECK(before == 0 && after == 1 && (rev & POLLPRI) && (rev & POLLERR) && again == 0, "mountinfo_pollpri",
          "before %d after %d rev %x again %d", before, after, rev, again);
    close(mi);

    /* service_restart: a failing service is restarted; its second run ends well. */
    mkdir(CG "/system.slice/b.service", 0755);
    pid_t s1 = service(CG "/system.slice/b.service", svc_fail);
    int st1 = t_wait_exit(s1);
    pid_t s2 = service(CG "/system.slice/b.service", svc_ok);
    int st2 = t_wait_exit(s2);
    CHECK(s1 > 0 && st1 == 3 && s2 > 0 && s2 != s1 && st2 == 0 && populated(CG "/system.slice/b.service") == 0 &&
              rmdir(CG "/system.slice/b.service") == 0,
          "service_restart", "st %d %d", st1, st2);
    while (read(sfd, &si, sizeof si) == sizeof si) {
    }

    /* read_proc_cgroup */
    CHECK(strcmp(slurp("/proc/1/cgroup"), "0::/init.scope\n") == 0, "read_proc_cgroup", "'%s'", slurp("/proc/1/cgroup"));

    /* clock_boottime */
    struct timespec b1, m1t;
    clock_gettime(CLOCK_MONOTONIC, &m1t);
    clock_gettime(CLOCK_BOOTTIME, &b1);
    CHECK(b1.tv_sec > m1t.tv_sec || (b1.tv_sec == m1t.tv_sec && b1.tv_nsec >= m1t.tv_nsec), "clock_boottime (not behind CLOCK_MONOTONIC)",
          "%ld.%09ld", (long)b1.tv_sec, b1.tv_nsec);

    /* proc_sys_kernel */
    char rel[128], boot1[64], boot2[64], uu1[64], uu2[64];
    snprintf(rel, sizeof rel, "%s", slurp("/proc/sys/kernel/osrelease"));
    snprintf(boot1, sizeof boot1, "%s", slurp("/proc/sys/kernel/random/boot_id"));
    snprintf(boot2, sizeof boot2, "%s", slurp("/proc/sys/kernel/random/boot_id"));
    snprintf(uu1, sizeof uu1, "%s", slurp("/proc/sys/kernel/random/uuid"));
    snprintf(uu2, sizeof uu2, "%s", slurp("/proc/sys/kernel/random/uuid"));
    char relu[80];
    snprintf(relu, sizeof relu, "%s\n", u.release);
    CHECK(strcmp(rel, relu) == 0 && strlen(boot1) == 37 && strcmp(boot1, boot2) == 0 && boot1[8] == '-' &&
              strlen(uu1) == 37 && strcmp(uu1, uu2) != 0 && strcmp(slurp("/proc/sys/kernel/ostype"), "Linux\n") == 0,
          "proc_sys_kernel (osrelease, boot_id stable, uuid fresh)", "rel '%s' boot '%s'", rel, boot1);

    /* dev_kmsg: a record written without a facility is LOG_USER's (1):
     * priority 1 * 8 + 5. */
    int km = open("/dev/kmsg", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    int kw = write(km, "<5>init-sequence: hello kmsg\n", 29);
    int found = 0;
    char rec[2048];
    ssize_t kn;
    while ((kn = read(km, rec, sizeof rec - 1)) > 0 || (kn < 0 && errno == EPIPE)) {
        if (kn <= 0)
            continue;
        rec[kn] = 0;
        char *semi = strchr(rec, ';');
        if (semi && strncmp(rec, "13,", 3) == 0 && strncmp(semi + 1, "init-sequence: hello kmsg\n", 26) == 0)
            found = 1;
    }
    CHECK(km >= 0 && kw == 29 && found, "dev_kmsg", "fd %d write %d found %d", km, kw, found);
    close(km);

    /* proc_environ */
    const char *env = slurp("/proc/self/environ");
    int env_ok = environ[0] != NULL && strcmp(env, environ[0]) == 0;
    CHECK(env_ok && getenv("TERM") && strcmp(getenv("TERM"), "linux") == 0, "proc_environ", "'%s' vs '%s'", env,
          environ[0] ? environ[0] : "(none)");

    /* devpts */
    mkdir("/dev/pts", 0755);
    r = mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5");
    int ptm = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    int ptn = -1, unlock = 0;
    ioctl(ptm, TIOCGPTN, &ptn);
    ioctl(ptm, TIOCSPTLCK, &unlock);
    snprintf(buf, sizeof buf, "/dev/pts/%d", ptn);
    int pts = open(buf, O_RDWR | O_NOCTTY | O_CLOEXEC);
    char pb[16] = {0};
    int pty_ok = pts >= 0 && write(ptm, "hi\n", 3) == 3 && read(pts, pb, sizeof pb) == 3 && strcmp(pb, "hi\n") == 0;
    CHECK(r == 0 && fstype("/dev/pts") == DEVPTS_SUPER_MAGIC && ptm >= 0 && ptn >= 0 && pty_ok, "devpts",
          "r %d ptm %d n %d pts %d", r, ptm, ptn, pts);
    close(pts);
    close(ptm);

    /* pids_max */
    mkdir(CG "/system.slice/limited.service", 0755);
    int pm = put(CG "/system.slice/limited.service/pids.max", "2");
    pid_t lim = service(CG "/system.slice/limited.service", fork_count_under_limit);
    int lst = t_wait_exit(lim);
    CHECK(pm == 0 && lim > 0 && lst == 0 && strcmp(slurp(CG "/system.slice/limited.service/pids.max"), "2\n") == 0,
          "pids_max", "put %d status %d", pm, lst);
    while (read(sfd, &si, sizeof si) == sizeof si) {
    }

    /* new_mount_api */
    int fsfd = syscall(SYS_fsopen, "tmpfs", 1);
    int c1 = syscall(SYS_fsconfig, fsfd, 1 /* SET_STRING */, "mode", "0700", 0);
    int c2 = syscall(SYS_fsconfig, fsfd, 6 /* CMD_CREATE */, NULL, NULL, 0);
    int mnt = syscall(SYS_fsmount, fsfd, 1, 0);
    mkdir("/run/newapi", 0755);
    int mv = syscall(SYS_move_mount, mnt, "", AT_FDCWD, "/run/newapi", 4 /* F_EMPTY_PATH */);
    CHECK(fsfd >= 0 && c1 == 0 && c2 == 0 && mnt >= 0 && mv == 0 && fstype("/run/newapi") == TMPFS_MAGIC &&
              stat("/run/newapi", &st) == 0 && (st.st_mode & 0777) == 0700,
          "new_mount_api", "%d %d %d %d %d", fsfd, c1, c2, mnt, mv);

    close(mnt);
    close(fsfd);

    /* shutdown_sequence: kill what is left in system.slice, unmount what
     * can go, then power off. */
    mkdir(CG "/system.slice/z.service", 0755);
    pid_t z = service(CG "/system.slice/z.service", svc_pause);
    int k = put(CG "/system.slice/z.service/cgroup.kill", "1");
    int zst = t_wait_exit(z);
    int u1 = umount2("/run/newapi", 0), u2 = umount2("/run/mnt", MNT_DETACH);
    sync();
    CHECK(k == 0 && zst == 100 + SIGKILL && u1 == 0 && u2 == 0 && rmdir(CG "/system.slice/z.service") == 0,
          "shutdown_sequence (cgroup.kill, unmounts)", "kill %d st %d umount %d %d", k, zst, u1, u2);

    t_done("init_sequence");
    fflush(stdout);
    reboot(RB_POWER_OFF);
    return 1;
}
