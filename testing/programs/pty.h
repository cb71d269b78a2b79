/* Helpers of the pty programs: /dev/pts mounted (devpts, default options)
 * where the system has not mounted it, and a new unlocked pair. */
#ifndef ARAMID_PTY_H
#define ARAMID_PTY_H
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <termios.h>
#include <unistd.h>

/* Mounts devpts on /dev/pts unless it is there: 0 when /dev/pts is devpts. */
static inline int t_devpts(void) {
    struct statfs sf;
    if (statfs("/dev/pts", &sf) == 0 && sf.f_type == 0x1cd1)
        return 0;
    mkdir("/dev/pts", 0755);
    return mount("devpts", "/dev/pts", "devpts", 0, "");
}

/* A new master (flags for posix_openpt), unlocked; its slave's path in name. */
static inline int t_pty_master(int flags, char *name, size_t len) {
    int m = posix_openpt(O_RDWR | O_NOCTTY | flags);
    if (m < 0)
        return -1;
    if (grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, name, len) != 0) {
        close(m);
        return -1;
    }
    return m;
}

/* The slave of master m, opened with flags. */
static inline int t_pty_slave(int m, int flags) {
    char name[64];
    if (ptsname_r(m, name, sizeof name) != 0)
        return -1;
    return open(name, O_RDWR | flags);
}

/* Reads from the non-blocking fd until `want` bytes came or about `ms` ms
 * passed (Linux moves pty data asynchronously): bytes read, NUL-terminated. */
static inline int t_read_avail(int fd, char *buf, int len, int want, int ms) {
    int got = 0;
    for (int i = 0; i < ms && got < want && got < len - 1; i++) {
        int n = read(fd, buf + got, len - 1 - got);
        if (n > 0)
            got += n;
        else
            usleep(1000);
    }
    buf[got] = 0;
    return got;
}
#endif
