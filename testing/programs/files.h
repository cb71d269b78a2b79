/* File helpers shared by the file-system test programs: each works in a
 * fresh /tmp/NAME.d (t_fresh_dir), opens with the raw syscall (libc would add
 * O_LARGEFILE), and reads and writes small files in one call. Programs
 * that include it define _GNU_SOURCE first (nftw's flags, CLONE_NEWNS). */
#ifndef ARAMID_FILES_H
#define ARAMID_FILES_H
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "t.h"

/* nftw callback of t_rm_rf: removes each entry, children first. */
static inline int t_rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f) {
    (void)sb, (void)flag, (void)f;
    remove(p);
    return 0;
}

/* Removes p and everything below it (nothing if it does not exist). */
static inline void t_rm_rf(const char *p) { nftw(p, t_rm_cb, 16, FTW_DEPTH | FTW_PHYS); }

/* Makes `dir` afresh (umask 022) and enters it; -1 after a "cannot create" line. */
static inline int t_fresh_dir(const char *dir) {
    t_rm_rf(dir);
    umask(022);
    if (mkdir(dir, 0755) != 0 || chdir(dir) != 0) {
        printf("cannot create %s\n", dir);
        return -1;
    }
    return 0;
}

/* A watchdog of `seconds`, umask 022 and an empty `dir` (not entered). */
static inline void t_empty_dir(const char *dir, unsigned seconds) {
    t_watchdog(seconds);
    umask(022);
    t_rm_rf(dir);
    mkdir(dir, 0755);
}

/* A watchdog of `seconds` (alarm), then t_fresh_dir(dir). */
static inline int t_start_in(const char *dir, unsigned seconds) {
    alarm(seconds);
    return t_fresh_dir(dir);
}

/* In a private mount namespace where possible: mounts a fresh tmpfs named
 * `name` on mnt inside a fresh dir and enters it; -1 after a "cannot mount" line. */
static inline int t_fresh_tmpfs(const char *dir, const char *mnt, const char *name) {
    if (syscall(SYS_unshare, CLONE_NEWNS) == 0)
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    umount2(mnt, MNT_DETACH);
    t_rm_rf(dir);
    umask(022);
    if (mkdir(dir, 0755) != 0 || mkdir(mnt, 0755) != 0 || mount(name, mnt, "tmpfs", 0, NULL) != 0 ||
        chdir(mnt) != 0) {
        printf("cannot mount a tmpfs on %s\n", mnt);
        return -1;
    }
    return 0;
}

/* open(2) as a raw syscall, with exactly the flags given. */
static inline long t_open(const char *p, long flags, long mode) { return syscall(SYS_open, p, flags, mode); }

/* Creates or truncates p (mode 0644) holding the string s. */
static inline void t_put(const char *p, const char *s) {
    int fd = t_open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        if (write(fd, s, strlen(s)) < 0) {
        }
        close(fd);
    }
}

/* The start of p's contents as a string (kept until the next call), or "<missing>". */
static inline const char *t_get(const char *p) {
    static char got[256];
    memset(got, 0, sizeof got);
    int fd = t_open(p, O_RDONLY, 0);
    if (fd < 0)
        return "<missing>";
    if (read(fd, got, sizeof got - 1) < 0) {
    }
    close(fd);
    return got;
}

/* Creates p empty (mode 0644) if it does not exist. */
static inline void t_touch(const char *p) { close(t_open(p, O_WRONLY | O_CREAT, 0644)); }

/* Whether p exists (a symlink itself counts, dangling or not). */
static inline int t_exists(const char *p) {
    struct stat st;
    return lstat(p, &st) == 0;
}

/* statx's struct statx_timestamp and struct statx, for the raw syscall. */
struct kstatx_ts {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t pad;
};
struct kstatx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad1;
    uint64_t ino, size, blocks, attributes_mask;
    struct kstatx_ts atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t mnt_id;
    uint32_t dio_mem_align, dio_offset_align;
    uint64_t spare[12];
};

/* One getdents64 record. */
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Whether a and b (followed) are the same inode. */
static inline int t_same(const char *a, const char *b) {
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_ino == y.st_ino && x.st_dev == y.st_dev;
}

/* The last t_st_of answer. */
static struct stat t_st;

/* lstat of p into t_st (zeroes if it fails). */
static inline struct stat *t_st_of(const char *p) {
    memset(&t_st, 0, sizeof t_st);
    lstat(p, &t_st);
    return &t_st;
}

/* The size of the open file fd, -1 if fstat fails. */
static inline long t_fsize(int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 ? (long)st.st_size : -1;
}

/* The size of the file at p (followed), -1 if stat fails. */
static inline long t_path_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? st.st_size : -1;
}

/* Whether the n bytes at b are all zero. */
static inline int t_all_zero(const void *b, long n) {
    const unsigned char *p = b;
    for (long i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* The last t_getcwd_raw answer. */
static char t_cwd[512];

/* The raw getcwd answer in t_cwd, or "<errno N>". */
static inline const char *t_getcwd_raw(void) {
    memset(t_cwd, 0, sizeof t_cwd);
    if (syscall(SYS_getcwd, t_cwd, sizeof t_cwd) < 0)
        snprintf(t_cwd, sizeof t_cwd, "<errno %d>", errno);
    return t_cwd;
}

/* mmap as a raw syscall (musl checks offsets itself). */
static inline char *t_mmap(void *a, long len, int prot, int fl, int fd, long off) {
    return (char *)syscall(SYS_mmap, a, len, prot, fl, fd, off);
}

/* The absolute path of this program (argv[0] joined to the cwd if
 * relative) into self, for programs that re-execute themselves. */
static inline void t_self_path(char *self, size_t n, const char *argv0) {
    if (argv0[0] == '/') {
        snprintf(self, n, "%.250s", argv0);
    } else {
        char cwd[200];
        if (!getcwd(cwd, sizeof cwd))
            cwd[0] = 0;
        snprintf(self, n, "%.120s/%.120s", cwd, argv0);
    }
}

/* For programs that re-execute themselves to report what the new image
 * sees: fills self (t_self_path) and returns PS_REPORT from the
 * environment, set only in the re-executed copy (NULL in the first run). */
static inline const char *t_report_mode(char *self, size_t n, const char *argv0) {
    t_self_path(self, n, argv0);
    return getenv("PS_REPORT");
}

/* The byte at offset off of the test pattern the mmap programs write. */
static inline unsigned char t_pat(long off) { return (unsigned char)(off * 7 + off / 4096 + 1); }
/* Fills buf[0..n) with t_pat, writes it to a new file p and returns its
 * descriptor (O_RDWR). */
static inline int t_put_pat(const char *p, char *buf, long n) {
    for (long i = 0; i < n; i++)
        buf[i] = t_pat(i);
    int fd = t_open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (write(fd, buf, n) < 0) {
    }
    return fd;
}

/* Whether the n bytes at m hold the pattern from offset file_off. */
static inline int t_matches(const char *m, long file_off, long n) {
    for (long i = 0; i < n; i++)
        if ((unsigned char)m[i] != t_pat(file_off + i))
            return 0;
    return 1;
}

/* Writes one byte at p (run through t_dies_by to see the fault). */
static inline void t_poke(void *p) { *(volatile char *)p = 1; }

/* Creates dir/name afresh holding text, with exactly `mode`. */
static inline void t_put_in(const char *dir, const char *name, const char *text, mode_t mode) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    unlink(p);
    int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, mode);
    write(fd, text, strlen(text));
    close(fd);
    chmod(p, mode);
}

/* The parent's side of running a program in child pid that sends its
 * execve errno through the close-on-exec pipe pfd: that errno (0 if the
 * exec happened, -1 if the program then did not exit 0), with the
 * program's report file read into out. */
static inline int t_exec_outcome(pid_t pid, int pfd[2], const char *report, char *out, size_t outsz) {
    close(pfd[1]);
    int e = 0;
    if (read(pfd[0], &e, sizeof e) != sizeof e)
        e = 0;
    close(pfd[0]);
    int st;
    waitpid(pid, &st, 0);
    out[0] = 0;
    int fd = open(report, O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, out, outsz - 1);
        out[n > 0 ? n : 0] = 0;
        close(fd);
    }
    if (e == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        e = -1;
    return e;
}

#ifndef F_OFD_SETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif

/* Copies the file from to a new file to (mode 0755), with no writer left open; 0 or -1. */
static inline int t_copy_file(const char *from, const char *to) {
    int in = open(from, O_RDONLY);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, n) != n)
            return -1;
    close(in);
    int c = close(out);
    return n == 0 && c == 0 ? 0 : -1;
}

/* Detaches the mount on mnt and removes mnt and dir (both left empty). */
static inline void t_unmount_rm(const char *mnt, const char *dir) {
    umount2(mnt, MNT_DETACH);
    rmdir(mnt);
    rmdir(dir);
}

/* fcntl lock command cmd (F_SETLK, F_OFD_GETLK...) on [start, start+len) from SEEK_SET. */
static inline int t_lock(int fd, int cmd, short type, off_t start, off_t len) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}
#endif
