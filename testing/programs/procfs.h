/* Helpers of the procfs_* programs: mounting /proc where nothing is
 * mounted there yet (the guest boots without it; the host has it), reading
 * a whole /proc file, and finding a "Key:" line or the Nth field. */
#ifndef ARAMID_PROCFS_H
#define ARAMID_PROCFS_H
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Mounts proc on /proc unless /proc/self exists already. */
static inline void t_proc_mount(void) {
    struct stat st;
    if (lstat("/proc/self", &st) != 0) {
        mkdir("/proc", 0555);
        mount("proc", "/proc", "proc", 0, 0);
    }
}

/* Reads all of path (in small reads, as a seq_file reader would) into
 * buf, NUL-terminated: the length, or -errno. */
static inline long t_slurp(const char *path, char *buf, long n) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    long got = 0;
    for (;;) {
        long r = read(fd, buf + got, (n - 1 - got) < 100 ? (n - 1 - got) : 100);
        if (r < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        if (r == 0)
            break;
        got += r;
        if (got >= n - 1)
            break;
    }
    buf[got] = 0;
    close(fd);
    return got;
}

/* The value after "key" at the start of a line of text (skipping blanks
 * after it), copied up to the end of the line into out; NULL if absent. */
static inline const char *t_line(const char *text, const char *key, char *out, size_t n) {
    size_t k = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, k) == 0) {
            p += k;
            while (*p == ' ' || *p == '\t')
                p++;
            size_t i = 0;
            while (p[i] && p[i] != '\n' && i + 1 < n) {
                out[i] = p[i];
                i++;
            }
            out[i] = 0;
            return out;
        }
    }
    return NULL;
}

/* Field number `idx` (1-based, as proc(5) numbers them) of a
 * /proc/PID/stat line, after the parenthesised comm: as a long. */
static inline long t_stat_field(const char *stat, int idx) {
    const char *p = strrchr(stat, ')');
    if (!p || idx < 3)
        return -1;
    p += 2; /* field 3 */
    for (int i = 3; i < idx; i++) {
        p = strchr(p, ' ');
        if (!p)
            return -1;
        p++;
    }
    if (idx == 3)
        return *p;
    return strtol(p, NULL, 10);
}
#endif
