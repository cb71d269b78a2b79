/* fchown, fchmod and futimens on a descriptor of a device node or FIFO
 * change the node it was opened by, as login does to its tty
 * (fchown(0, uid, tty group), fchmod(0, 0620)): the node's stat and the
 * descriptor's fstat agree afterwards. The device is a node of /dev/null's
 * numbers in a scratch directory. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "../t.h"

#define D "/tmp/dev_fchown.d"

int main(void) {
    mkdir(D, 0755);
    unlink(D "/tty");
    unlink(D "/fifo");
    CHECK(mknod(D "/tty", S_IFCHR | 0666, makedev(1, 3)) == 0, "mknod a character device", "errno %d", errno);
    int fd = open(D "/tty", O_RDWR | O_NOCTTY);
    CHECK(fd >= 0, "open it", "errno %d", errno);
    struct stat st, fst;
    CHECK(fchown(fd, 1000, 5) == 0 && stat(D "/tty", &st) == 0 && st.st_uid == 1000 && st.st_gid == 5,
          "fchown of the descriptor changes the node's owner", "errno %d uid %u gid %u", errno, st.st_uid, st.st_gid);
    CHECK(fchmod(fd, 0620) == 0 && stat(D "/tty", &st) == 0 && (st.st_mode & 07777) == 0620 && S_ISCHR(st.st_mode),
          "fchmod of the descriptor changes the node's mode", "errno %d mode %o", errno, st.st_mode);
    CHECK(fstat(fd, &fst) == 0 && fst.st_uid == 1000 && fst.st_gid == 5 && (fst.st_mode & 07777) == 0620 && fst.st_rdev == makedev(1, 3),
          "fstat of the descriptor agrees", "uid %u gid %u mode %o", fst.st_uid, fst.st_gid, fst.st_mode);
    struct timespec ts[2] = {{1000000, 0}, {2000000, 0}};
    CHECK(futimens(fd, ts) == 0 && stat(D "/tty", &st) == 0 && st.st_mtime == 2000000 && st.st_atime == 1000000,
          "futimens of the descriptor sets the node's times", "errno %d mtime %ld", errno, (long)st.st_mtime);
    char c;
    CHECK(write(fd, "x", 1) == 1 && read(fd, &c, 1) == 0, "the descriptor is still the device", "errno %d", errno);
    close(fd);

    CHECK(mkfifo(D "/fifo", 0644) == 0, "mkfifo", "errno %d", errno);
    fd = open(D "/fifo", O_RDWR);
    CHECK(fd >= 0 && fchmod(fd, 0600) == 0 && stat(D "/fifo", &st) == 0 && (st.st_mode & 07777) == 0600 && S_ISFIFO(st.st_mode),
          "fchmod of an open FIFO changes its node", "errno %d mode %o", errno, st.st_mode);
    close(fd);
    unlink(D "/tty");
    unlink(D "/fifo");
    rmdir(D);
    return t_done("dev_fchown");
}
