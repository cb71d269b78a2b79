/* mountinfo and mounts, and mounting through /proc: the lines' layout,
 * a new mount appearing in both, POLLPRI|POLLERR on an open mountinfo once
 * per change (poll and epoll), a second proc mount showing the same
 * processes, mount and bind through /proc/self/fd/N, getcwd inside /proc.
 * On the host the program first enters a private mount namespace. */
#define _GNU_SOURCE
#include <poll.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/statfs.h>
#include "../t.h"
#include "../files.h"
#include "../procfs.h"

#define D "/tmp/procfs_mount.d"
static char buf[65536];

/* The mountinfo line whose mount point is `point`, or NULL. */
static const char *info_line(const char *text, const char *point, char *out, size_t n) {
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        char mp[256];
        if (sscanf(l, "%*d %*d %*u:%*u %*s %255s", mp) == 1 && strcmp(mp, point) == 0) {
            size_t i = 0;
            while (l[i] && l[i] != '\n' && i + 1 < n) {
                out[i] = l[i];
                i++;
            }
            out[i] = 0;
            return out;
        }
    }
    return NULL;
}

static int pri(int fd) {
    struct pollfd p = {fd, POLLPRI, 0};
    int r = poll(&p, 1, 0);
    return r < 0 ? -1 : p.revents;
}

int main(void) {
    char line[1024], p[128];
    t_watchdog(60);
    if (syscall(SYS_unshare, CLONE_NEWNS) == 0)
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    t_proc_mount();
    umount2(D "/m", MNT_DETACH);
    umount2(D "/p", MNT_DETACH);
    t_rm_rf(D);
    mkdir(D, 0755);
    mkdir(D "/m", 0755);
    mkdir(D "/p", 0755);

    t_slurp("/proc/self/mountinfo", buf, sizeof buf);
    int ok_layout = 1, lines = 0;
    for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        int id, parent;
        unsigned ma, mi;
        lines++;
        if (sscanf(l, "%d %d %u:%u", &id, &parent, &ma, &mi) != 4 || !strstr(l, " - "))
            ok_layout = 0;
    }
    CHECK(lines > 1 && ok_layout, "mountinfo: id, parent, dev, then \" - \" before the type", "%d lines", lines);
    CHECK(info_line(buf, "/", line, sizeof line) != NULL, "mountinfo: the root mount", "-");
    CHECK(info_line(buf, "/proc", line, sizeof line) && strstr(line, " - proc proc "),
          "mountinfo: /proc is proc from source proc", "'%s'", line);

    int mi = open("/proc/self/mountinfo", O_RDONLY);
    CHECK(pri(mi) == 0, "an unchanged mountinfo reports no POLLPRI", "%d", pri(mi));
    int ep = epoll_create1(0);
    int ep2 = open("/proc/self/mountinfo", O_RDONLY);
    struct epoll_event ev = {.events = EPOLLPRI, .data.fd = ep2};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev) == 0, "epoll takes mountinfo", "errno %d", errno);
    long r = mount("tmpfs", D "/m", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m");
    CHECK(r == 0, "mount a tmpfs", "errno %d", errno);
    CHECK(pri(mi) == (POLLPRI | POLLERR), "after a mount: POLLPRI|POLLERR", "%#x", pri(mi));
    CHECK(pri(mi) == 0, "reported once per change", "%#x", pri(mi));
    struct epoll_event got;
    int n = epoll_wait(ep, &got, 1, 2000);
    CHECK(n == 1 && (got.events & EPOLLPRI) && (got.events & EPOLLERR), "epoll reports EPOLLPRI|EPOLLERR", "%d %#x", n,
          got.events);
    t_slurp("/proc/self/mountinfo", buf, sizeof buf);
    CHECK(info_line(buf, D "/m", line, sizeof line) && strstr(line, " rw,nosuid,nodev,relatime") &&
              strstr(line, " - tmpfs tmpfs "),
          "mountinfo shows the new mount with its options", "'%s'", line);
    t_slurp("/proc/self/mounts", buf, sizeof buf);
    CHECK(strstr(buf, "tmpfs " D "/m tmpfs rw,nosuid,nodev,relatime") != NULL, "mounts shows it too", "-");
    lseek(mi, 0, SEEK_SET);
    r = read(mi, buf, sizeof buf - 1);
    buf[r > 0 ? r : 0] = 0;
    CHECK(info_line(buf, D "/m", line, sizeof line) != NULL, "an open mountinfo read again from 0 is current", "-");
    umount2(D "/m", 0);
    n = epoll_wait(ep, &got, 1, 2000);
    CHECK(n == 1 && (got.events & EPOLLPRI), "an unmount raises EPOLLPRI again", "%d", n);
    CHECK(pri(mi) == (POLLPRI | POLLERR), "and POLLPRI on the other open file", "%#x", pri(mi));
    close(ep);
    close(ep2);

    r = mount("proc", D "/p", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    struct statfs sf;
    statfs(D "/p", &sf);
    CHECK(r == 0 && sf.f_type == 0x9fa0, "proc mounts a second time", "%ld %#lx", r, (long)sf.f_type);
    snprintf(p, sizeof p, D "/p/%d/stat", getpid());
    CHECK(t_slurp(p, buf, sizeof buf) > 0 && atoi(buf) == getpid(), "the second mount shows the same processes", "-");
    struct stat a, b;
    stat("/proc", &a);
    stat(D "/p", &b);
    CHECK(a.st_dev != b.st_dev, "each proc mount is its own instance (own st_dev)", "-");
    CHECK(pri(mi) == (POLLPRI | POLLERR), "mounting proc is a change too", "%#x", pri(mi));
    umount2(D "/p", 0);
    close(mi);

    int dfd = open(D "/m", O_PATH | O_DIRECTORY);
    snprintf(p, sizeof p, "/proc/self/fd/%d", dfd);
    r = mount("tmpfs", p, "tmpfs", 0, NULL);
    t_put(D "/m/inside", "x");
    stat(D "/m", &a);
    stat(D, &b);
    CHECK(r == 0 && a.st_dev != b.st_dev && t_exists(D "/m/inside"), "mount onto /proc/self/fd/N mounts on the directory",
          "%ld errno %d", r, errno);
    umount2(D "/m", 0);
    close(dfd);
    mkdir(D "/src", 0755);
    t_put(D "/src/f", "y");
    int sfd = open(D "/src", O_PATH | O_DIRECTORY);
    snprintf(p, sizeof p, "/proc/self/fd/%d", sfd);
    r = mount(p, D "/m", NULL, MS_BIND, NULL);
    CHECK(r == 0 && t_exists(D "/m/f"), "a bind from /proc/self/fd/N binds the directory", "errno %d", errno);
    umount2(D "/m", 0);
    close(sfd);

    char cwd[256];
    chdir("/proc/self/fd");
    snprintf(p, sizeof p, "/proc/%d/fd", getpid());
    CHECK(getcwd(cwd, sizeof cwd) && strcmp(cwd, p) == 0, "getcwd inside /proc/self/fd is /proc/PID/fd", "'%s'", cwd);
    chdir("/");
    t_rm_rf(D);
    return t_done("procfs_mount");
}
