/* Which calls move which timestamps, on the file and on its directory, on
 * a tmpfs mounted at /tmp/fs_times.d/mnt (the same filesystem type on the
 * host and in the guest). Every object starts with atime = mtime = 2001
 * (utimensat), the program sleeps once (so a new ctime is later than the
 * recorded one), runs one call per object and then compares. The atime
 * checks rely on relatime (tmpfs's default): atime older than mtime or a
 * day moves on read. */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/xattr.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_times.d"
#define M D "/mnt"
#define OLD 1000000000L

static void set_old(const char *p) {
    struct timespec ts[2] = {{OLD, 0}, {OLD, 0}};
    syscall(SYS_utimensat, AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

/* Each object: its path, and stat before and after the call. */
#define MAXOBJ 40
static struct obj {
    const char *path;
    struct stat before, after;
} objs[MAXOBJ];
static int nobj;
static struct obj *track(const char *p) {
    struct obj *o = &objs[nobj++];
    o->path = p;
    set_old(p);
    lstat(p, &o->before);
    return o;
}
static void settle(void) {
    for (int i = 0; i < nobj; i++)
        lstat(objs[i].path, &objs[i].after);
}
static int gt(struct timespec a, struct timespec b) {
    return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}
/* which of a, m, c moved: a string like "-mc" */
static char moved_buf[MAXOBJ][4];
static const char *moved(struct obj *o) {
    char *b = moved_buf[o - objs];
    b[0] = gt(o->after.st_atim, o->before.st_atim) ? 'a' : '-';
    b[1] = gt(o->after.st_mtim, o->before.st_mtim) ? 'm' : '-';
    b[2] = gt(o->after.st_ctim, o->before.st_ctim) ? 'c' : '-';
    b[3] = 0;
    return b;
}
#define MOVED(o, want, name) CHECK(strcmp(moved(o), want) == 0, name, "%s moved %s", (o)->path, moved(o))

int main(void) {
    char buf[64];
    if (t_fresh_tmpfs(D, M, "fs_times") != 0)
        return 1;
    const char *dirs[] = {"d_create", "d_write", "d_unlink", "d_rename", "d_link", "d_mkdir", "d_rmdir", "d_list"};
    for (unsigned i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        mkdir(dirs[i], 0755);
    t_put("d_write/f", "0123456789");
    t_put("d_unlink/f", "x");
    link("d_unlink/f", "d_unlink/f2");
    t_put("d_rename/f", "x");
    t_put("d_link/f", "x");
    mkdir("d_rmdir/sub", 0755);
    t_put("f_read", "0123456789");
    t_put("f_chmod", "x");
    t_put("f_chmod_same", "x");
    t_put("f_chown", "x");
    t_put("f_trunc", "0123456789");
    t_put("f_trunc_same", "0123456789");
    t_put("f_otrunc", "0123456789");
    t_put("f_zero", "x");
    t_put("f_omit", "x");
    t_put("f_xattr", "x");
    t_put("f_open", "x");
    symlink("f_open", "l_nofollow");

    struct obj *o_create = track("d_create"), *o_dwrite = track("d_write"), *o_write = track("d_write/f");
    struct obj *o_dunlink = track("d_unlink"), *o_unlink = track("d_unlink/f2");
    struct obj *o_drename = track("d_rename"), *o_rename = track("d_rename/f");
    struct obj *o_dlink = track("d_link"), *o_link = track("d_link/f");
    struct obj *o_dmkdir = track("d_mkdir"), *o_drmdir = track("d_rmdir"), *o_dlist = track("d_list");
    struct obj *o_read = track("f_read"), *o_chmod = track("f_chmod"), *o_chmod_same = track("f_chmod_same");
    struct obj *o_chown = track("f_chown"), *o_trunc = track("f_trunc"), *o_trunc_same = track("f_trunc_same");
    struct obj *o_otrunc = track("f_otrunc"), *o_zero = track("f_zero"), *o_omit = track("f_omit");
    struct obj *o_xattr = track("f_xattr"), *o_open = track("f_open"), *o_lnk = track("l_nofollow");
    t_sleep_ms(30);

    t_put("d_create/new", "");
    int fd = t_open("d_write/f", O_WRONLY, 0);
    pwrite(fd, "ab", 2, 3);
    close(fd);
    unlink("d_unlink/f2");
    o_unlink->path = "d_unlink/f";
    rename("d_rename/f", "d_rename/g");
    o_rename->path = "d_rename/g";
    link("d_link/f", "d_link/f2");
    mkdir("d_mkdir/sub", 0755);
    rmdir("d_rmdir/sub");
    DIR *dp = opendir("d_list");
    while (dp && readdir(dp)) {
    }
    if (dp)
        closedir(dp);
    fd = t_open("f_read", O_RDONLY, 0);
    read(fd, buf, sizeof buf);
    close(fd);
    chmod("f_chmod", 0600);
    chmod("f_chmod_same", 0644);
    chown("f_chown", 0, 0);
    truncate("f_trunc", 3);
    truncate("f_trunc_same", 10);
    close(t_open("f_otrunc", O_WRONLY | O_TRUNC, 0));
    fd = t_open("f_zero", O_WRONLY, 0);
    write(fd, "", 0);
    close(fd);
    struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    syscall(SYS_utimensat, AT_FDCWD, "f_omit", omit, 0);
    setxattr("f_xattr", "user.k", "v", 1, 0);
    close(t_open("f_open", O_RDWR, 0));
    struct timespec now_omit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    syscall(SYS_utimensat, AT_FDCWD, "l_nofollow", now_omit, AT_SYMLINK_NOFOLLOW);
    settle();

    MOVED(o_create, "-mc", "creating a file moves the directory's mtime and ctime");
    MOVED(o_write, "-mc", "write moves the file's mtime and ctime");
    MOVED(o_dwrite, "---", "writing a file leaves its directory alone");
    MOVED(o_unlink, "--c", "unlinking one of two links moves the file's ctime");
    MOVED(o_dunlink, "-mc", "unlink moves the directory's mtime and ctime");
    MOVED(o_rename, "--c", "rename moves the file's ctime");
    MOVED(o_drename, "-mc", "rename moves the directory's mtime and ctime");
    MOVED(o_link, "--c", "link moves the file's ctime");
    MOVED(o_dlink, "-mc", "link moves the directory's mtime and ctime");
    MOVED(o_dmkdir, "-mc", "mkdir moves the parent's mtime and ctime");
    MOVED(o_drmdir, "-mc", "rmdir moves the parent's mtime and ctime");
    MOVED(o_dlist, "a--", "reading a directory moves its atime (relatime)");
    MOVED(o_read, "a--", "read moves atime only (relatime)");
    MOVED(o_chmod, "--c", "chmod moves ctime only");
    MOVED(o_chmod_same, "--c", "chmod to the same mode still moves ctime");
    MOVED(o_chown, "--c", "chown to the same owner still moves ctime");
    MOVED(o_trunc, "-mc", "truncate moves mtime and ctime");
    MOVED(o_trunc_same, "-mc", "truncate to the same size still moves mtime and ctime");
    MOVED(o_otrunc, "-mc", "O_TRUNC moves mtime and ctime");
    MOVED(o_zero, "---", "a zero-length write moves nothing");
    MOVED(o_omit, "---", "utimensat with UTIME_OMIT twice changes nothing, not even ctime");
    MOVED(o_xattr, "--c", "setxattr moves ctime");
    MOVED(o_open, "---", "open and close without I/O move nothing");
    MOVED(o_lnk, "a-c", "UTIME_NOW on a symlink (AT_SYMLINK_NOFOLLOW) moves its atime and ctime");

    chdir("/");
    umount2(M, MNT_DETACH);
    t_rm_rf(D);
    return t_done("fs_times");
}
