/* What PID 1 watches and tunes in /proc besides mountinfo: /proc/swaps
 * can be registered with epoll (no event while nothing changes), and
 * root can write fs.file-max and fs.nr_open (the value is put back);
 * kernel.hostname reports changes to epoll. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include "../t.h"
#include "../procfs.h"

static long get(const char *p) {
    char b[64] = {0};
    int fd = open(p, O_RDONLY);
    read(fd, b, sizeof b - 1);
    close(fd);
    return strtol(b, NULL, 10);
}

static int put(const char *p, long v) {
    char b[64];
    int n = snprintf(b, sizeof b, "%ld\n", v);
    int fd = open(p, O_WRONLY);
    int r = fd >= 0 && write(fd, b, n) == n ? 0 : -1;
    if (fd >= 0)
        close(fd);
    return r;
}

int main(void) {
    t_proc_mount();
    int ep = epoll_create1(0);
    int fd = open("/proc/swaps", O_RDONLY);
    struct epoll_event ev = {.events = EPOLLPRI};
    int r = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    struct epoll_event got;
    int n = epoll_wait(ep, &got, 1, 0);
    CHECK(fd >= 0 && r == 0 && n == 0, "/proc/swaps can be watched with epoll, quiet while nothing changes", "r %d errno %d n %d",
          r, errno, n);
    close(fd);
    long fm = get("/proc/sys/fs/file-max");
    CHECK(fm >= 8192, "fs.file-max is at least NR_FILE", "%ld", fm);
    CHECK(put("/proc/sys/fs/file-max", fm) == 0 && get("/proc/sys/fs/file-max") == fm, "root writes fs.file-max", "errno %d",
          errno);
    /* journald watches the host name: EPOLLPRI once it changes, here in a
     * child's own UTS namespace (Linux counts changes of every namespace). */
    int hn = open("/proc/sys/kernel/hostname", O_RDONLY);
    struct epoll_event hev = {.events = EPOLLPRI};
    r = epoll_ctl(ep, EPOLL_CTL_ADD, hn, &hev);
    n = epoll_wait(ep, &got, 1, 0);
    CHECK(hn >= 0 && r == 0 && n == 0, "/proc/sys/kernel/hostname can be watched with epoll, quiet at first",
          "r %d errno %d n %d", r, errno, n);
    pid_t c = fork();
    if (c == 0) {
        if (syscall(SYS_unshare, CLONE_NEWUTS) != 0 || sethostname("procfs-poll", 11) != 0)
            _exit(1);
        _exit(0);
    }
    int st = -1;
    waitpid(c, &st, 0);
    n = epoll_wait(ep, &got, 1, 1000);
    CHECK(st == 0 && n == 1 && (got.events & EPOLLPRI) && (got.events & EPOLLERR),
          "a host name change wakes it with EPOLLPRI|EPOLLERR", "st %d n %d events %x", st, n, n == 1 ? got.events : 0);
    n = epoll_wait(ep, &got, 1, 0);
    CHECK(n == 0, "reported once per change", "n %d", n);
    close(hn);
    long no = get("/proc/sys/fs/nr_open");
    CHECK(no >= 1024 && put("/proc/sys/fs/nr_open", no) == 0, "root writes fs.nr_open", "%ld errno %d", no, errno);
    return t_done("procfs_poll");
}
