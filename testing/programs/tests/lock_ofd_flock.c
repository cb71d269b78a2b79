/* OFD locks and flock: OFD locks belong to the open file description (shared
 * by dup and fork, not dropped by closing a dup), F_OFD_GETLK reports l_pid
 * -1, l_pid must be 0 on set; flock shared/exclusive, conversion, LOCK_NB,
 * sharing through fork, release on the last close only, and flock being
 * independent of POSIX locks. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/file.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/lock_ofd_flock.d"

static void cleanup(void) { t_rm_rf(D); }

int main(void) {
    t_watchdog(30);
    umask(022);
    cleanup();
    mkdir(D, 0755);
    int a = open(D "/f", O_RDWR | O_CREAT, 0644);
    CHECK(a >= 0 && write(a, "0123456789", 10) == 10, "create a file", "fd %d", a);

    /* OFD locks. */
    CHECK(t_lock(a, F_OFD_SETLK, F_WRLCK, 0, 5) == 0, "OFD write lock on 0-4", "errno %d", errno);
    int d = dup(a);
    int r = t_lock(d, F_OFD_SETLK, F_WRLCK, 0, 5);
    CHECK(r == 0, "a dup shares the description: relocking through it succeeds", "ret %d errno %d", r, errno);
    close(d);
    int b = open(D "/f", O_RDWR);
    r = t_lock(b, F_OFD_SETLK, F_WRLCK, 2, 1);
    CHECK(r == -1 && errno == EAGAIN, "closing the dup did not release the OFD lock", "ret %d errno %d", r, errno);
    struct flock q = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    r = fcntl(b, F_OFD_GETLK, &q);
    CHECK(r == 0 && q.l_type == F_WRLCK && q.l_start == 0 && q.l_len == 5 && q.l_pid == -1,
          "F_OFD_GETLK reports the range with l_pid -1", "type %d start %ld len %ld pid %d", q.l_type,
          (long)q.l_start, (long)q.l_len, (int)q.l_pid);
    struct flock pq = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    r = fcntl(b, F_GETLK, &pq);
    CHECK(r == 0 && pq.l_type == F_WRLCK && pq.l_pid == -1, "a classic F_GETLK also sees the OFD lock (pid -1)",
          "type %d pid %d", pq.l_type, (int)pq.l_pid);
    r = t_lock(b, F_SETLK, F_WRLCK, 0, 1);
    CHECK(r == -1 && (errno == EAGAIN || errno == EACCES), "a POSIX lock of the same process conflicts with the OFD lock",
          "ret %d errno %d", r, errno);
    struct flock withpid = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 20, .l_len = 1, .l_pid = 1};
    r = fcntl(b, F_OFD_SETLK, &withpid);
    CHECK(r == -1 && errno == EINVAL, "F_OFD_SETLK with a nonzero l_pid is EINVAL", "ret %d errno %d", r, errno);

    pid_t pid = fork();
    if (pid == 0) {
        /* The child's a is the same description: it owns the lock too. */
        int ok1 = t_lock(a, F_OFD_SETLK, F_UNLCK, 0, 5) == 0;
        _exit(ok1 ? 0 : 1);
    }
    CHECK(t_wait_exit(pid) == 0 && t_lock(b, F_OFD_SETLK, F_WRLCK, 0, 5) == 0,
          "a forked child shares the OFD lock and can unlock it", "errno %d", errno);
    pid = fork();
    if (pid == 0) _exit(0);
    t_wait_exit(pid);
    r = t_lock(a, F_OFD_SETLK, F_RDLCK, 0, 1);
    CHECK(r == -1 && errno == EAGAIN, "a child's exit does not drop the shared description's lock", "ret %d errno %d",
          r, errno);
    close(b);
    CHECK(t_lock(a, F_OFD_SETLK, F_RDLCK, 0, 1) == 0, "closing the last fd of a description releases its OFD locks",
          "errno %d", errno);
    t_lock(a, F_OFD_SETLK, F_UNLCK, 0, 0);

    /* flock. */
    b = open(D "/f", O_RDONLY);
    CHECK(flock(a, LOCK_SH) == 0 && flock(b, LOCK_SH | LOCK_NB) == 0, "two descriptions share LOCK_SH", "errno %d",
          errno);
    r = flock(a, LOCK_EX | LOCK_NB);
    CHECK(r == -1 && errno == EWOULDBLOCK, "upgrading to LOCK_EX while another holds LOCK_SH is EWOULDBLOCK",
          "ret %d errno %d", r, errno);
    CHECK(flock(b, LOCK_UN) == 0 && flock(a, LOCK_EX | LOCK_NB) == 0, "once the other unlocks the upgrade succeeds",
          "errno %d", errno);
    CHECK(flock(a, LOCK_SH) == 0 && flock(b, LOCK_SH | LOCK_NB) == 0, "downgrading to LOCK_SH admits readers",
          "errno %d", errno);
    flock(b, LOCK_UN);
    flock(a, LOCK_EX);
    CHECK(t_lock(b, F_SETLK, F_RDLCK, 0, 0) == 0 && t_lock(a, F_SETLK, F_WRLCK, 0, 0) == 0,
          "flock and POSIX locks do not interact", "errno %d", errno);
    t_lock(a, F_SETLK, F_UNLCK, 0, 0);
    d = dup(a);
    close(d);
    r = flock(b, LOCK_SH | LOCK_NB);
    CHECK(r == -1 && errno == EWOULDBLOCK, "closing a dup keeps the flock", "ret %d errno %d", r, errno);
    pid = fork();
    if (pid == 0) {
        int x = flock(a, LOCK_EX | LOCK_NB) == 0; /* same description: already its lock */
        int y = flock(a, LOCK_UN) == 0;
        _exit(x && y ? 0 : 1);
    }
    CHECK(t_wait_exit(pid) == 0 && flock(b, LOCK_SH | LOCK_NB) == 0,
          "a forked child shares the flock and LOCK_UN in it releases it", "errno %d", errno);
    flock(b, LOCK_UN);
    flock(a, LOCK_EX);
    pid = fork();
    if (pid == 0) {
        close(a); /* the child's copy would keep the description open */
        int c = open(D "/f", O_RDONLY);
        int x = flock(c, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK;
        _exit(x && flock(c, LOCK_SH) == 0 ? 0 : 1);
    }
    t_sleep_ms(150);
    close(a);
    CHECK(t_wait_exit(pid) == 0, "a blocked LOCK_SH is granted when the last fd of the holder closes", "child failed");
    int dirfd = open(D, O_RDONLY | O_DIRECTORY);
    CHECK(flock(dirfd, LOCK_EX | LOCK_NB) == 0, "flock works on a directory", "errno %d", errno);
    close(dirfd);
    int op = open(D "/f", O_PATH);
    r = flock(op, LOCK_SH);
    CHECK(r == -1 && errno == EBADF, "flock on an O_PATH fd is EBADF", "ret %d errno %d", r, errno);
    close(op);
    close(b);
    cleanup();
    return t_done("lock_ofd_flock");
}
