/* getdents64 beyond fs_dir, on a tmpfs mounted at /tmp/fs_getdents.d/mnt:
 * d_type for all seven file types, d_ino of "..", entries created or
 * removed while a listing is in progress, resuming at a d_off with lseek,
 * SEEK_CUR/SEEK_END/negative offsets, two descriptors vs a dup'd one,
 * EINVAL for count 0, EBADF for O_PATH, and the old getdents(2) record
 * layout (d_type in the last byte). */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_getdents.d"
#define M D "/mnt"
#define N 600

struct linux_dirent {
    unsigned long d_ino;
    unsigned long d_off;
    unsigned short d_reclen;
    char d_name[];
};

static long gd(int fd, void *buf, long n) { return syscall(SYS_getdents64, fd, buf, n); }

/* seen[i] counts entries "f%03d"; extra counts new "n%03d"; others anything else */
static int seen[N], extra, others;
static int64_t last_off;
static void account(char *buf, long n) {
    for (long off = 0; off < n;) {
        struct linux_dirent64 *d = (void *)(buf + off);
        off += d->d_reclen;
        last_off = d->d_off;
        if (d->d_name[0] == 'f' && strlen(d->d_name) == 4)
            seen[atoi(d->d_name + 1)]++;
        else if (d->d_name[0] == 'n')
            extra++;
        else if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
            others++;
    }
}
static void reset(void) {
    memset(seen, 0, sizeof seen);
    extra = others = 0;
}
static unsigned char type_of(int fd, const char *name) {
    static char buf[8192];
    lseek(fd, 0, SEEK_SET);
    long n;
    while ((n = gd(fd, buf, sizeof buf)) > 0)
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (void *)(buf + off);
            off += d->d_reclen;
            if (strcmp(d->d_name, name) == 0)
                return d->d_type;
        }
    return 255;
}

int main(void) {
    static char buf[4096];
    char name[32];
    long r;
    if (t_fresh_tmpfs(D, M, "fs_getdents") != 0)
        return 1;

    /* every type */
    mkdir("types", 0755);
    t_touch("types/reg");
    mkdir("types/dir", 0755);
    symlink("reg", "types/lnk");
    mknod("types/fifo", S_IFIFO | 0644, 0);
    mknod("types/chr", S_IFCHR | 0644, makedev(1, 3));
    mknod("types/blk", S_IFBLK | 0644, makedev(7, 0));
    mknod("types/sock", S_IFSOCK | 0644, 0);
    int tfd = t_open("types", O_RDONLY | O_DIRECTORY, 0);
    CHECK(type_of(tfd, "reg") == DT_REG && type_of(tfd, "dir") == DT_DIR && type_of(tfd, "lnk") == DT_LNK,
          "d_type: DT_REG, DT_DIR, DT_LNK", "%d %d %d", type_of(tfd, "reg"), type_of(tfd, "dir"), type_of(tfd, "lnk"));
    CHECK(type_of(tfd, "fifo") == DT_FIFO && type_of(tfd, "chr") == DT_CHR && type_of(tfd, "blk") == DT_BLK &&
              type_of(tfd, "sock") == DT_SOCK,
          "d_type: DT_FIFO, DT_CHR, DT_BLK, DT_SOCK", "%d %d %d %d", type_of(tfd, "fifo"), type_of(tfd, "chr"),
          type_of(tfd, "blk"), type_of(tfd, "sock"));
    struct stat st;
    stat(".", &st);
    lseek(tfd, 0, SEEK_SET);
    long n = gd(tfd, buf, sizeof buf);
    uint64_t dotdot_ino = 0;
    for (long off = 0; off < n;) {
        struct linux_dirent64 *d = (void *)(buf + off);
        off += d->d_reclen;
        if (strcmp(d->d_name, "..") == 0)
            dotdot_ino = d->d_ino;
    }
    CHECK(dotdot_ino == st.st_ino, "d_ino of \"..\" is the parent's inode", "%llu vs %llu",
          (unsigned long long)dotdot_ino, (unsigned long long)st.st_ino);

    /* a big directory, changed while it is being read */
    mkdir("big", 0755);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "big/f%03d", i);
        t_touch(name);
    }
    int fd = t_open("big", O_RDONLY | O_DIRECTORY, 0);
    reset();
    account(buf, gd(fd, buf, 512));
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "big/n%03d", i);
        t_touch(name);
    }
    while ((n = gd(fd, buf, 512)) > 0)
        account(buf, n);
    int once = 0;
    for (int i = 0; i < N; i++)
        once += seen[i] == 1;
    CHECK(once == N && others == 0 && extra <= 100,
          "entries created during a listing: every old entry still comes exactly once", "once %d extra %d", once,
          extra);
    lseek(fd, 0, SEEK_SET);
    reset();
    while ((n = gd(fd, buf, sizeof buf)) > 0)
        account(buf, n);
    CHECK(extra == 100, "after a rewind the new entries are listed", "extra %d", extra);

    /* remove half of what has not been read yet */
    lseek(fd, 0, SEEK_SET);
    reset();
    account(buf, gd(fd, buf, 1024));
    int removed = 0;
    for (int i = 0; i < N; i++)
        if (!seen[i] && i % 2 == 0) {
            snprintf(name, sizeof name, "big/f%03d", i);
            unlink(name);
            removed++;
        }
    int first[N];
    memcpy(first, seen, sizeof first);
    while ((n = gd(fd, buf, 1024)) > 0)
        account(buf, n);
    int wrong = 0;
    for (int i = 0; i < N; i++) {
        int want = first[i] ? 1 : (i % 2 == 0 ? 0 : 1);
        wrong += seen[i] != want;
    }
    CHECK(removed > 100 && wrong == 0, "entries removed before they are reached are not listed; the rest come once",
          "removed %d wrong %d", removed, wrong);

    /* resuming at a d_off */
    lseek(fd, 0, SEEK_SET);
    reset();
    account(buf, gd(fd, buf, 700));
    int64_t resume = last_off;
    off_t cur = lseek(fd, 0, SEEK_CUR);
    reset();
    while ((n = gd(fd, buf, sizeof buf)) > 0)
        account(buf, n);
    int rest[N];
    memcpy(rest, seen, sizeof rest);
    int rest_extra = extra;
    r = lseek(fd, resume, SEEK_SET);
    reset();
    while ((n = gd(fd, buf, 333)) > 0)
        account(buf, n);
    CHECK(cur == resume && r == resume && memcmp(rest, seen, sizeof rest) == 0 && rest_extra == extra,
          "lseek(SEEK_CUR) is the last d_off; lseek to it resumes with the same entries", "cur %lld resume %lld",
          (long long)cur, (long long)resume);
    CHECK(FAILS(lseek(fd, -1, SEEK_SET), EINVAL) && FAILS(lseek(fd, 0, SEEK_END), EINVAL),
          "lseek on a tmpfs directory: negative or SEEK_END is EINVAL", "errno %d", errno);

    /* descriptors */
    int fd2 = t_open("big", O_RDONLY | O_DIRECTORY, 0);
    int dup1 = dup(fd2);
    lseek(fd, 0, SEEK_SET);
    lseek(fd2, 0, SEEK_SET);
    gd(fd2, buf, 512);
    off_t p_dup = lseek(dup1, 0, SEEK_CUR), p_other = lseek(fd, 0, SEEK_CUR);
    CHECK(p_dup > 0 && p_other == 0, "a dup'd directory fd shares the position, another open does not",
          "%lld %lld", (long long)p_dup, (long long)p_other);
    close(dup1);
    close(fd2);
    CHECK(FAILS(gd(fd, buf, 0), EINVAL), "getdents64 with count 0 is EINVAL", "errno %d", errno);
    int pfd = t_open("big", O_PATH | O_DIRECTORY, 0);
    CHECK(FAILS(gd(pfd, buf, sizeof buf), EBADF), "getdents64 on an O_PATH fd is EBADF", "errno %d", errno);
    close(pfd);
    CHECK(FAILS(gd(-1, buf, sizeof buf), EBADF), "getdents64 on a bad fd is EBADF", "errno %d", errno);
    close(fd);

    /* old getdents: linux_dirent with d_type in the record's last byte */
    lseek(tfd, 0, SEEK_SET);
    int types_ok = 0, total = 0;
    while ((n = syscall(SYS_getdents, tfd, buf, 200)) > 0)
        for (long off = 0; off < n;) {
            struct linux_dirent *d = (void *)(buf + off);
            unsigned char t = buf[off + d->d_reclen - 1];
            off += d->d_reclen;
            total++;
            if ((strcmp(d->d_name, "reg") == 0 && t == DT_REG) || (strcmp(d->d_name, "dir") == 0 && t == DT_DIR) ||
                (strcmp(d->d_name, "sock") == 0 && t == DT_SOCK) || (strcmp(d->d_name, ".") == 0 && t == DT_DIR))
                types_ok++;
            if (d->d_reclen % 8 != 0)
                types_ok = -100;
        }
    CHECK(n == 0 && total == 9 && types_ok == 4, "getdents (the old call): 8-byte records, d_type in the last byte",
          "ret %ld total %d types %d errno %d", n, total, types_ok, errno);
    close(tfd);

    chdir("/");
    umount2(M, MNT_DETACH);
    t_rm_rf(D);
    return t_done("fs_getdents");
}
