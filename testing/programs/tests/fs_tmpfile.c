/* O_TMPFILE beyond fs_open, on a tmpfs at /tmp/fs_tmpfile.d/mnt: naming it
 * with linkat(AT_EMPTY_PATH), O_EXCL forbidding that, the flag rules
 * (EINVAL, ENOTDIR, ENOENT, EISDIR), EACCES and EROFS, the directory left
 * untouched, linkat AT_EMPTY_PATH for other descriptors (an ordinary file,
 * an unlinked one, a directory, another mount; without CAP_DAC_READ_SEARCH
 * only a file the caller opened itself, as Linux 6.10+ allows). */
#define _GNU_SOURCE
#include <dirent.h>
#include <grp.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_tmpfile.d"
#define M D "/mnt"

static long link_fd(int fd, const char *to) { return syscall(SYS_linkat, fd, "", AT_FDCWD, to, AT_EMPTY_PATH); }

int main(void) {
    long r;
    struct stat st, st2;
    char buf[16];
    if (t_fresh_tmpfs(D, M, "fs_tmpfile") != 0)
        return 1;
    mkdir("dir", 0755);
    close(t_open("file", O_WRONLY | O_CREAT, 0644));
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    syscall(SYS_utimensat, AT_FDCWD, "dir", old, 0);

    int fd = t_open("dir", O_TMPFILE | O_RDWR, 0640);
    r = write(fd, "payload", 7);
    fstat(fd, &st);
    stat("dir", &st2);
    CHECK(fd >= 0 && r == 7 && st.st_nlink == 0 && (st.st_mode & 07777) == 0640 && st.st_size == 7,
          "O_TMPFILE: an unnamed regular file with nlink 0", "fd %d nlink %ld", fd, (long)st.st_nlink);
    CHECK(st2.st_mtim.tv_sec == 1000000000 && st2.st_nlink == 2, "O_TMPFILE leaves the directory's mtime alone",
          "mtime %ld", (long)st2.st_mtim.tv_sec);
    DIR *dp = opendir("dir");
    int entries = 0;
    while (dp && readdir(dp))
        entries++;
    if (dp)
        closedir(dp);
    CHECK(entries == 2, "the unnamed file is not listed", "%d entries", entries);
    r = link_fd(fd, "dir/named");
    fstat(fd, &st);
    memset(buf, 0, sizeof buf);
    int nfd = t_open("dir/named", O_RDONLY, 0);
    read(nfd, buf, sizeof buf);
    close(nfd);
    CHECK(r == 0 && st.st_nlink == 1 && strcmp(buf, "payload") == 0,
          "linkat(fd, \"\", AT_EMPTY_PATH) names it; nlink becomes 1", "ret %ld errno %d nlink %ld", r, errno,
          (long)st.st_nlink);
    close(fd);

    fd = t_open("dir", O_TMPFILE | O_WRONLY | O_EXCL, 0600);
    CHECK(fd >= 0 && FAILS(link_fd(fd, "dir/excl"), ENOENT) && !t_exists("dir/excl"),
          "O_TMPFILE|O_EXCL: linkat is ENOENT", "fd %d errno %d", fd, errno);
    close(fd);
    CHECK(FAILS(t_open("dir", O_TMPFILE | O_RDONLY, 0600), EINVAL) &&
              FAILS(t_open("dir", O_TMPFILE | O_RDWR | O_CREAT, 0600), EINVAL),
          "O_TMPFILE with O_RDONLY or O_CREAT is EINVAL", "errno %d", errno);
    CHECK(FAILS(t_open("file", O_TMPFILE | O_RDWR, 0600), ENOTDIR) &&
              FAILS(t_open("missing", O_TMPFILE | O_RDWR, 0600), ENOENT),
          "O_TMPFILE on a file is ENOTDIR, on a missing directory ENOENT", "errno %d", errno);
    CHECK(FAILS(t_open("dir", 020000000 /* __O_TMPFILE without O_DIRECTORY */ | O_RDWR, 0600), EINVAL),
          "__O_TMPFILE without O_DIRECTORY is EINVAL", "errno %d", errno);

    /* linkat AT_EMPTY_PATH for other descriptors */
    fd = t_open("file", O_RDONLY, 0);
    r = link_fd(fd, "file2");
    lstat("file", &st);
    CHECK(r == 0 && st.st_nlink == 2, "linkat AT_EMPTY_PATH of an ordinary file adds a link", "ret %ld errno %d", r,
          errno);
    unlink("file");
    unlink("file2");
    CHECK(FAILS(link_fd(fd, "file3"), ENOENT), "linkat AT_EMPTY_PATH of an unlinked ordinary file is ENOENT",
          "errno %d", errno);
    close(fd);
    int dfd = t_open("dir", O_RDONLY | O_DIRECTORY, 0);
    CHECK(FAILS(link_fd(dfd, "dirlink"), EPERM), "linkat AT_EMPTY_PATH of a directory is EPERM", "errno %d", errno);
    close(dfd);
    fd = t_open("dir", O_TMPFILE | O_RDWR, 0600);
    CHECK(FAILS(link_fd(fd, D "/elsewhere"), EXDEV), "linking a tmpfile into another mount is EXDEV", "errno %d",
          errno);
    CHECK(FAILS(syscall(SYS_linkat, fd, "", AT_FDCWD, "dir/nolinkflag", 0), ENOENT),
          "linkat with \"\" but without AT_EMPTY_PATH is ENOENT", "errno %d", errno);

    /* unprivileged callers */
    chmod("dir", 0777);
    mkdir("closed", 0755);
    pid_t pid = fork();
    if (pid == 0) {
        int roots = t_open(M "/dir", O_TMPFILE | O_RDWR, 0666);
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(99);
        errno = 0;
        if (t_open(M "/closed", O_TMPFILE | O_RDWR, 0600) != -1 || errno != EACCES)
            _exit(1);
        int t = t_open(M "/dir", O_TMPFILE | O_RDWR, 0600);
        if (t < 0)
            _exit(2);
        struct stat s;
        if (fstat(t, &s) != 0 || s.st_uid != 65534)
            _exit(3);
        if (link_fd(t, M "/dir/mine") != 0)
            _exit(4);
        errno = 0;
        if (link_fd(roots, M "/dir/roots") != -1 || errno != ENOENT)
            _exit(5);
        _exit(0);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "non-root: EACCES without write permission; linkat AT_EMPTY_PATH only for files it opened itself (ENOENT)",
          "status %#x", status);

    /* read-only mount (the open tmpfile would make the remount EBUSY) */
    close(fd);
    mount(NULL, M, NULL, MS_REMOUNT | MS_RDONLY, NULL);
    CHECK(FAILS(t_open("dir", O_TMPFILE | O_RDWR, 0600), EROFS), "O_TMPFILE on a read-only mount is EROFS", "errno %d",
          errno);
    mount(NULL, M, NULL, MS_REMOUNT, NULL);

    chdir("/");
    umount2(M, MNT_DETACH);
    t_rm_rf(D);
    return t_done("fs_tmpfile");
}
