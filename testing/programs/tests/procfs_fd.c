/* /proc/self/fd and fdinfo: Linux's magic links. readlink shows the path
 * ("(deleted)" once unlinked), "pipe:[ino]" and "anon_inode:[eventfd]";
 * opening a link opens the file afresh (its own offset and access mode);
 * stat, fchmodat, utimensat and openat through a link reach the file;
 * the link's mode follows the access mode; fdinfo shows pos, flags with
 * O_CLOEXEC, and the mount id mountinfo lists. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include "../t.h"
#include "../files.h"
#include "../procfs.h"

#define D "/tmp/procfs_fd.d"
static char buf[65536], val[256];

static const char *fdlink(int fd, char *out, size_t n) {
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    long r = readlink(p, out, n - 1);
    out[r > 0 ? r : 0] = 0;
    return out;
}

int main(void) {
    char p[128], link[512];
    struct stat a, b;
    t_proc_mount();
    t_rm_rf(D);
    mkdir(D, 0755);
    t_put(D "/file", "hello world");

    int fd = open(D "/file", O_RDONLY);
    CHECK(strcmp(fdlink(fd, link, sizeof link), D "/file") == 0, "readlink of fd/N shows the file's path", "'%s'", link);
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    lstat(p, &a);
    CHECK(S_ISLNK(a.st_mode) && (a.st_mode & 0777) == 0500, "an O_RDONLY fd link is lr-x------", "%o", a.st_mode);
    fstat(fd, &a);
    CHECK(stat(p, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev, "stat through fd/N reaches the file", "-");
    char c[6] = {0};
    read(fd, c, 5);
    int fd2 = open(p, O_RDWR);
    long n = read(fd2, c, 5);
    CHECK(fd2 >= 0 && n == 5 && memcmp(c, "hello", 5) == 0 && lseek(fd, 0, SEEK_CUR) == 5,
          "opening fd/N opens the file afresh, at offset 0", "%d %ld", fd2, n);
    CHECK(write(fd2, "HELLO", 5) == 5, "the new description has its own access mode (O_RDWR)", "errno %d", errno);
    lseek(fd2, 0, SEEK_SET);
    CHECK(lseek(fd, 0, SEEK_CUR) == 5, "and its own offset", "%ld", (long)lseek(fd, 0, SEEK_CUR));
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd2);
    lstat(p, &a);
    CHECK((a.st_mode & 0777) == 0700, "an O_RDWR fd link is lrwx------", "%o", a.st_mode);
    int wfd = open(D "/file", O_WRONLY);
    snprintf(p, sizeof p, "/proc/self/fd/%d", wfd);
    lstat(p, &a);
    CHECK((a.st_mode & 0777) == 0300, "an O_WRONLY fd link is l-wx------", "%o", a.st_mode);
    close(wfd);

    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    CHECK(chmod(p, 0600) == 0 && stat(D "/file", &a) == 0 && (a.st_mode & 0777) == 0600,
          "chmod through fd/N changes the file", "%o", a.st_mode);
    struct timespec ts[2] = {{1000000, 0}, {2000000, 0}};
    CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0 && stat(D "/file", &a) == 0 && a.st_mtime == 2000000,
          "utimensat through fd/N sets the file's times", "%ld", (long)a.st_mtime);

    int in = inotify_init1(IN_NONBLOCK);
    int wd = inotify_add_watch(in, p, IN_ATTRIB);
    chmod(D "/file", 0640);
    char ev[256];
    long evn = read(in, ev, sizeof ev);
    CHECK(wd >= 0 && evn >= (long)sizeof(struct inotify_event) && ((struct inotify_event *)ev)->wd == wd &&
              (((struct inotify_event *)ev)->mask & IN_ATTRIB),
          "inotify_add_watch through fd/N watches the file", "wd %d n %ld", wd, evn);
    close(in);

    int dfd = open(D, O_RDONLY | O_DIRECTORY);
    snprintf(p, sizeof p, "/proc/self/fd/%d/file", dfd);
    CHECK(stat(p, &b) == 0 && b.st_ino == a.st_ino, "a path through a directory's fd/N goes on inside it", "-");
    CHECK(strcmp(fdlink(dfd, link, sizeof link), D) == 0, "a directory fd shows the directory's path", "'%s'", link);

    t_put(D "/gone", "x");
    int gfd = open(D "/gone", O_RDONLY);
    unlink(D "/gone");
    CHECK(strcmp(fdlink(gfd, link, sizeof link), D "/gone (deleted)") == 0, "an unlinked file shows \" (deleted)\"",
          "'%s'", link);
    snprintf(p, sizeof p, "/proc/self/fd/%d", gfd);
    int gfd2 = open(p, O_RDONLY);
    CHECK(gfd2 >= 0 && read(gfd2, c, 1) == 1 && c[0] == 'x', "an unlinked file can be reopened through fd/N", "%d",
          gfd2);
    close(gfd2);
    close(gfd);

    int pfd[2];
    pipe(pfd);
    fstat(pfd[0], &a);
    snprintf(val, sizeof val, "pipe:[%lu]", (unsigned long)a.st_ino);
    CHECK(strcmp(fdlink(pfd[0], link, sizeof link), val) == 0, "a pipe shows pipe:[ino]", "'%s' '%s'", link, val);
    int efd = eventfd(0, 0);
    CHECK(strcmp(fdlink(efd, link, sizeof link), "anon_inode:[eventfd]") == 0, "an eventfd shows anon_inode:[eventfd]",
          "'%s'", link);

    int count = 0, seen_fd = 0;
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *e;
    while (dir && (e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        count++;
        if (atoi(e->d_name) == efd && e->d_type == DT_LNK)
            seen_fd = 1;
    }
    int dirfd_ = dir ? dirfd(dir) : -1;
    CHECK(dir && seen_fd && count >= 7, "opendir(/proc/self/fd) lists the open descriptors as links", "%d %d", count,
          seen_fd);
    if (dir)
        closedir(dir);
    (void)dirfd_;
    stat("/proc/self/fd", &a);
    CHECK((a.st_mode & 0777) == 0500 && S_ISDIR(a.st_mode), "fd/ is a 0500 directory", "%o", a.st_mode);
    close(efd);
    snprintf(p, sizeof p, "/proc/self/fd/%d", efd);
    CHECK(FAILS(lstat(p, &a), ENOENT), "a closed descriptor's link is gone (ENOENT)", "errno %d", errno);
    CHECK(FAILS(lstat("/proc/self/fd/999999", &a), ENOENT) && FAILS(lstat("/proc/self/fd/01", &a), ENOENT),
          "fd/ of unused or non-canonical numbers is ENOENT", "errno %d", errno);

    int cfd = open(D "/file", O_RDONLY | O_CLOEXEC);
    lseek(cfd, 3, SEEK_SET);
    snprintf(p, sizeof p, "/proc/self/fdinfo/%d", cfd);
    t_slurp(p, buf, sizeof buf);
    CHECK(t_line(buf, "pos:", val, sizeof val) && strcmp(val, "3") == 0, "fdinfo: pos", "'%s'", val);
    unsigned long fl = t_line(buf, "flags:", val, sizeof val) ? strtoul(val, NULL, 8) : 0;
    CHECK(val[0] == '0' && (fl & O_CLOEXEC) && (fl & O_ACCMODE) == O_RDONLY, "fdinfo: flags in octal with O_CLOEXEC",
          "'%s'", val);
    snprintf(p, sizeof p, "/proc/self/fdinfo/%d", pfd[1]);
    t_slurp(p, buf, sizeof buf);
    fl = t_line(buf, "flags:", val, sizeof val) ? strtoul(val, NULL, 8) : 0;
    CHECK((fl & O_ACCMODE) == O_WRONLY && !(fl & O_CLOEXEC), "fdinfo: a pipe's write end is O_WRONLY", "'%s'", val);
    snprintf(p, sizeof p, "/proc/self/fdinfo/%d", cfd);
    t_slurp(p, buf, sizeof buf);
    int mnt = t_line(buf, "mnt_id:", val, sizeof val) ? atoi(val) : -1;
    t_slurp("/proc/self/mountinfo", buf, sizeof buf);
    int found = 0;
    struct stat tst;
    stat(D, &tst);
    for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        int id, parent;
        unsigned ma, mi;
        if (sscanf(l, "%d %d %u:%u", &id, &parent, &ma, &mi) == 4 && id == mnt &&
            makedev(ma, mi) == tst.st_dev)
            found = 1;
    }
    CHECK(found, "fdinfo: mnt_id names the file's mount in mountinfo", "mnt %d", mnt);
    snprintf(p, sizeof p, "/proc/self/fdinfo/%d", cfd);
    stat(p, &a);
    CHECK(S_ISREG(a.st_mode) && (a.st_mode & 0777) == 0444, "fdinfo/N is a 0444 file", "%o", a.st_mode);
    close(cfd);
    close(fd);
    close(fd2);
    close(dfd);
    t_rm_rf(D);
    return t_done("procfs_fd");
}
