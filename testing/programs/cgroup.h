/* cgroup2 helpers for the cgroup test programs: a private mount namespace
 * when the kernel has one (unshare answering ENOSYS means there is no
 * namespace to leave, and the mount is simply made), cgroup2 mounted on
 * /tmp/NAME.d, and the test's own cgroup NAME_PID below the root (the
 * hierarchy is shared with the rest of the system on the host, so the
 * name is unique). Control files are written in one write(2) and read in
 * one read(2), as the kernel serves them. Programs that include it
 * define _GNU_SOURCE first. */
#ifndef ARAMID_CGROUP_H
#define ARAMID_CGROUP_H
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "t.h"

#define CG_MAGIC 0x63677270

static char cg_mnt[64], cg_dir[128];
static char cg_pbuf[6][256];

/* "cg_dir/rel" in buffer `slot` (0..5). */
static inline const char *cg_path(int slot, const char *rel) {
    snprintf(cg_pbuf[slot], sizeof cg_pbuf[slot], "%s/%s", cg_dir, rel);
    return cg_pbuf[slot];
}

/* Writes s to path in one write: 0, or -errno. */
static inline int cg_write(const char *path, const char *s) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int r = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    return r < 0 ? -e : 0;
}

/* Reads path into buf (NUL-terminated) in one read: the length, or -errno. */
static inline int cg_read(const char *path, char *buf, int size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int r = read(fd, buf, size - 1);
    int e = errno;
    close(fd);
    if (r < 0)
        return -e;
    buf[r] = 0;
    return r;
}

/* Whether path's contents are exactly `want`. */
static inline int cg_is(const char *path, const char *want) {
    char buf[4096];
    return cg_read(path, buf, sizeof buf) >= 0 && strcmp(buf, want) == 0;
}

/* Writes the decimal pid to path: 0 or -errno. */
static inline int cg_write_pid(const char *path, int pid) {
    char s[32];
    snprintf(s, sizeof s, "%d", pid);
    return cg_write(path, s);
}

/* Polls (about 10 s) until path reads `want`; 1 if it did. */
static inline int cg_await(const char *path, const char *want) {
    for (int i = 0; i < 2000; i++) {
        if (cg_is(path, want))
            return 1;
        t_sleep_ms(5);
    }
    return 0;
}

/* Mounts cgroup2 on /tmp/NAME.d (in a private mount namespace when the
 * kernel has them) and makes cgroup NAME_PID: 0, or -1 after a line. */
static inline int cg_setup(const char *name) {
    if (syscall(SYS_unshare, CLONE_NEWNS) == 0)
        syscall(SYS_mount, NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    snprintf(cg_mnt, sizeof cg_mnt, "/tmp/%s.d", name);
    mkdir(cg_mnt, 0755);
    if (syscall(SYS_mount, "none", cg_mnt, "cgroup2", 0, NULL) != 0) {
        printf("cannot mount cgroup2 on %s (errno %d)\n", cg_mnt, errno);
        return -1;
    }
    snprintf(cg_dir, sizeof cg_dir, "%s/%s_%d", cg_mnt, name, getpid());
    umask(022);
    if (mkdir(cg_dir, 0755) != 0) {
        printf("cannot create the cgroup %s (errno %d)\n", cg_dir, errno);
        return -1;
    }
    return 0;
}

/* Removes cgroup `dir` and every cgroup below it (children first). */
static inline void cg_rmdir_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                char sub[1024];
                size_t dl = strlen(dir), nl = strlen(e->d_name);
                if (dl + nl + 2 > sizeof sub)
                    continue;
                memcpy(sub, dir, dl);
                sub[dl] = '/';
                memcpy(sub + dl + 1, e->d_name, nl + 1);
                cg_rmdir_tree(sub);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Kills what is left in the test's cgroup, removes it and unmounts. */
static inline void cg_teardown(void) {
    char p[256];
    snprintf(p, sizeof p, "%s/cgroup.kill", cg_dir);
    if (cg_write(p, "1") == 0) {
        snprintf(p, sizeof p, "%s/cgroup.events", cg_dir);
        cg_await(p, "populated 0\nfrozen 0\n");
        cg_rmdir_tree(cg_dir);
    }
    umount2(cg_mnt, MNT_DETACH);
    rmdir(cg_mnt);
}
#endif
