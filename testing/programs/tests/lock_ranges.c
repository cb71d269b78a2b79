/* POSIX record locks on byte ranges: splitting on a partial unlock or type
 * change, merging adjacent ranges, F_GETLK from another process reporting
 * the blocker's type, range and pid, l_whence SEEK_CUR/SEEK_END, negative
 * lengths, and the EINVAL/EOVERFLOW/EBADF argument checks. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "../t.h"

#define D "/tmp/lock_ranges.d"

static void cleanup(void) {
    unlink(D "/f");
    rmdir(D);
}

static int lk(int fd, int cmd, short type, short whence, off_t start, off_t len) {
    struct flock fl = {.l_type = type, .l_whence = whence, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

/* F_GETLK run by a child (another lock owner); the answer comes back
 * through a pipe. Returns 0 and fills *out, or -1. */
static int probe(short type, off_t start, off_t len, struct flock *out) {
    int p[2];
    if (pipe(p) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        int fd = open(D "/f", O_RDWR);
        struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
        if (fd < 0 || fcntl(fd, F_GETLK, &fl) != 0) _exit(1);
        _exit(write(p[1], &fl, sizeof fl) == (long)sizeof fl ? 0 : 1);
    }
    close(p[1]);
    long r = read(p[0], out, sizeof *out);
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    return r == (long)sizeof *out && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int is(struct flock *f, short type, off_t start, off_t len) {
    return f->l_type == type && f->l_whence == SEEK_SET && f->l_start == start && f->l_len == len &&
           f->l_pid == getpid();
}

int main(void) {
    t_watchdog(30);
    umask(022);
    cleanup();
    mkdir(D, 0755);
    int fd = open(D "/f", O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0 && write(fd, "0123456789", 10) == 10, "create a 10-byte file", "fd %d", fd);

    struct flock f;
    CHECK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10) == 0 && probe(F_RDLCK, 0, 0, &f) == 0 && is(&f, F_WRLCK, 0, 10),
          "F_GETLK reports the holder's type, range and pid", "type %d start %ld len %ld", f.l_type, (long)f.l_start,
          (long)f.l_len);

    lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 3, 2);
    int free_mid = probe(F_WRLCK, 3, 2, &f) == 0 && f.l_type == F_UNLCK;
    CHECK(free_mid, "unlocking the middle frees exactly that part", "type %d", f.l_type);
    CHECK(probe(F_WRLCK, 0, 0, &f) == 0 && is(&f, F_WRLCK, 0, 3), "the lock split: the first piece is 0-2",
          "start %ld len %ld", (long)f.l_start, (long)f.l_len);
    CHECK(probe(F_WRLCK, 3, 0, &f) == 0 && is(&f, F_WRLCK, 5, 5), "the lock split: the second piece is 5-9",
          "start %ld len %ld", (long)f.l_start, (long)f.l_len);

    lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 3, 2);
    CHECK(probe(F_WRLCK, 0, 0, &f) == 0 && is(&f, F_WRLCK, 0, 10), "relocking the gap merges the pieces into 0-9",
          "start %ld len %ld", (long)f.l_start, (long)f.l_len);

    lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 4, 2);
    CHECK(probe(F_RDLCK, 4, 2, &f) == 0 && f.l_type == F_UNLCK, "a downgraded middle admits another reader",
          "type %d", f.l_type);
    CHECK(probe(F_WRLCK, 4, 2, &f) == 0 && is(&f, F_RDLCK, 4, 2), "a writer sees the read lock on 4-5",
          "type %d start %ld len %ld", f.l_type, (long)f.l_start, (long)f.l_len);
    CHECK(probe(F_RDLCK, 6, 0, &f) == 0 && is(&f, F_WRLCK, 6, 4), "the write lock after it is 6-9",
          "type %d start %ld len %ld", f.l_type, (long)f.l_start, (long)f.l_len);

    struct flock own = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    CHECK(fcntl(fd, F_GETLK, &own) == 0 && own.l_type == F_UNLCK, "a process's own locks never conflict in F_GETLK",
          "type %d", own.l_type);

    CHECK(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0 && probe(F_WRLCK, 0, 0, &f) == 0 && f.l_type == F_UNLCK,
          "unlock with length 0 frees everything", "type %d", f.l_type);
    struct flock keep = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 7, .l_len = 3};
    int r = probe(F_WRLCK, 7, 3, &keep);
    CHECK(r == 0 && keep.l_type == F_UNLCK && keep.l_start == 7 && keep.l_len == 3,
          "F_GETLK without a conflict sets only l_type to F_UNLCK", "start %ld len %ld", (long)keep.l_start,
          (long)keep.l_len);

    lseek(fd, 20, SEEK_SET);
    CHECK(lk(fd, F_SETLK, F_WRLCK, SEEK_CUR, -5, 2) == 0 && probe(F_WRLCK, 0, 0, &f) == 0 && is(&f, F_WRLCK, 15, 2),
          "SEEK_CUR start is relative to the file offset; F_GETLK answers in SEEK_SET", "start %ld len %ld",
          (long)f.l_start, (long)f.l_len);
    lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
    CHECK(lk(fd, F_SETLK, F_WRLCK, SEEK_END, -2, 0) == 0 && probe(F_WRLCK, 0, 0, &f) == 0 && is(&f, F_WRLCK, 8, 0),
          "SEEK_END start is relative to the size, length 0 reaches to infinity", "start %ld len %ld",
          (long)f.l_start, (long)f.l_len);
    lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
    CHECK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, -4) == 0 && probe(F_WRLCK, 0, 0, &f) == 0 && is(&f, F_WRLCK, 6, 4),
          "a negative length locks the bytes before l_start", "start %ld len %ld", (long)f.l_start, (long)f.l_len);
    lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);

    r = lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 2, -5);
    CHECK(r == -1 && errno == EINVAL, "a negative length reaching before byte 0 is EINVAL", "ret %d errno %d", r, errno);
    r = lk(fd, F_SETLK, F_WRLCK, SEEK_SET, -1, 1);
    CHECK(r == -1 && errno == EINVAL, "a negative SEEK_SET start is EINVAL", "ret %d errno %d", r, errno);
    r = lk(fd, F_SETLK, F_WRLCK, 7, 0, 1);
    CHECK(r == -1 && errno == EINVAL, "an unknown l_whence is EINVAL", "ret %d errno %d", r, errno);
    r = lk(fd, F_SETLK, F_WRLCK, SEEK_SET, LLONG_MAX, 2);
    CHECK(r == -1 && errno == EOVERFLOW, "a range past the largest offset is EOVERFLOW", "ret %d errno %d", r, errno);
    struct flock bad = {.l_type = F_UNLCK, .l_whence = SEEK_SET};
    r = fcntl(fd, F_GETLK, &bad);
    CHECK(r == -1 && errno == EINVAL, "F_GETLK asking about F_UNLCK is EINVAL", "ret %d errno %d", r, errno);
    CHECK(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 100, 5) == 0, "unlocking a range that is not locked succeeds",
          "errno %d", errno);

    int wo = open(D "/f", O_WRONLY);
    r = lk(wo, F_SETLK, F_RDLCK, SEEK_SET, 0, 1);
    CHECK(r == -1 && errno == EBADF, "a read lock through an O_WRONLY fd is EBADF", "ret %d errno %d", r, errno);
    int op = open(D "/f", O_PATH);
    r = lk(op, F_SETLK, F_RDLCK, SEEK_SET, 0, 1);
    CHECK(r == -1 && errno == EBADF, "locking through an O_PATH fd is EBADF", "ret %d errno %d", r, errno);
    close(op);
    r = lk(wo, F_SETLK, F_WRLCK, SEEK_SET, 0, 1);
    close(wo);
    CHECK(r == 0 && probe(F_WRLCK, 0, 0, &f) == 0 && f.l_type == F_UNLCK,
          "closing any fd of the file drops the process's locks", "ret %d type %d", r, f.l_type);

    close(fd);
    cleanup();
    return t_done("lock_ranges");
}
