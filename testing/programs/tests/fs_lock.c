/* File locks: POSIX record locks (F_SETLK/F_SETLKW/F_GETLK) between a
 * parent and a child, OFD locks, flock, release on close and exit. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/file.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_lock.d"

static void cleanup(void) { t_rm_rf(D); }

int main(void) {
    cleanup();
    mkdir(D, 0755);
    int fd = open(D "/f", O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0 && write(fd, "0123456789", 10) == 10, "create a file", "fd %d", fd);
    CHECK(t_lock(fd, F_SETLK, F_WRLCK, 0, 5) == 0, "write-lock bytes 0-4", "errno %d", errno);
    int sync_pipe[2];
    pipe(sync_pipe);
    pid_t c = fork();
    if (c == 0) {
        int cfd = open(D "/f", O_RDWR);
        int r1 = t_lock(cfd, F_SETLK, F_WRLCK, 0, 1) == -1 && (errno == EAGAIN || errno == EACCES);
        int r2 = t_lock(cfd, F_SETLK, F_WRLCK, 5, 5) == 0;
        struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 2, .l_len = 1};
        int r3 = fcntl(cfd, F_GETLK, &q) == 0 && q.l_type == F_WRLCK && q.l_start == 0 && q.l_len == 5 && q.l_pid == getppid();
        write(sync_pipe[1], "x", 1);
        /* Blocks until the parent unlocks. */
        int r4 = t_lock(cfd, F_SETLKW, F_WRLCK, 0, 1) == 0;
        _exit(r1 && r2 && r3 && r4 ? 0 : 1 + r1 + 2 * r2 + 4 * r3 + 8 * r4);
    }
    char ch;
    read(sync_pipe[0], &ch, 1);
    usleep(100000);
    CHECK(t_lock(fd, F_SETLK, F_WRLCK, 5, 1) == -1 && (errno == EAGAIN || errno == EACCES), "the child's lock on 5-9 conflicts", "errno %d", errno);
    CHECK(t_lock(fd, F_SETLK, F_UNLCK, 0, 5) == 0, "unlock 0-4", "errno %d", errno);
    int st = 0;
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child sees conflicts, F_GETLK and waits in F_SETLKW", "status %#x", st);
    CHECK(t_lock(fd, F_SETLK, F_WRLCK, 0, 0) == 0, "the child's locks went with its exit", "errno %d", errno);

    /* Closing any descriptor of the file drops the process's locks. */
    int fd2 = open(D "/f", O_RDONLY);
    close(fd2);
    c = fork();
    if (c == 0) {
        int cfd = open(D "/f", O_RDWR);
        _exit(t_lock(cfd, F_SETLK, F_WRLCK, 0, 10) == 0 ? 0 : 1);
    }
    waitpid(c, &st, 0);
    CHECK(WEXITSTATUS(st) == 0, "close of another descriptor released the POSIX locks", "status %#x", st);

    errno = 0;
    CHECK(t_lock(fd, F_SETLK, 7, 0, 1) == -1 && errno == EINVAL, "an unknown lock type is EINVAL", "errno %d", errno);
    int ro = open(D "/f", O_RDONLY);
    errno = 0;
    CHECK(t_lock(ro, F_SETLK, F_WRLCK, 0, 1) == -1 && errno == EBADF, "a write lock on a read-only fd is EBADF", "errno %d", errno);
    close(ro);

    /* OFD locks belong to the description. */
    int a = open(D "/f", O_RDWR), b = open(D "/f", O_RDWR);
    CHECK(t_lock(a, F_OFD_SETLK, F_WRLCK, 0, 1) == 0, "OFD lock on one description", "errno %d", errno);
    errno = 0;
    CHECK(t_lock(b, F_OFD_SETLK, F_WRLCK, 0, 1) == -1 && errno == EAGAIN, "another description of the same process conflicts", "errno %d", errno);
    close(a);
    CHECK(t_lock(b, F_OFD_SETLK, F_WRLCK, 0, 1) == 0, "closing the description released its OFD lock", "errno %d", errno);
    close(b);

    /* flock. */
    a = open(D "/f", O_RDWR);
    b = open(D "/f", O_RDWR);
    CHECK(flock(a, LOCK_EX) == 0, "flock exclusive", "errno %d", errno);
    errno = 0;
    CHECK(flock(b, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK, "a second description cannot share it", "errno %d", errno);
    CHECK(flock(a, LOCK_UN) == 0 && flock(b, LOCK_SH | LOCK_NB) == 0, "after LOCK_UN it can", "errno %d", errno);
    errno = 0;
    CHECK(flock(a, 0) == -1 && errno == EINVAL, "flock with no operation is EINVAL", "errno %d", errno);
    close(a);
    close(b);
    close(fd);
    cleanup();
    return t_done("fs_lock");
}
