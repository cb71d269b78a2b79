/* pidfd_getfd(2): a duplicate of a child's pipe end (same open file: data
 * written by the child is read through it), always close-on-exec, a
 * descriptor of ourselves through our own pidfd, O_PATH descriptors, and
 * the errors: flags (EINVAL), a descriptor that is not a pidfd or is
 * closed (EBADF), a descriptor the target does not have (EBADF), an exited
 * but unreaped target (ESRCH since Linux 6.9; EBADF before), a reaped one
 * (ESRCH), and ptrace attach
 * access (EPERM for another user's process). */
#define _GNU_SOURCE
#include <fcntl.h>
#include "../t.h"

#define NR_pidfd_open 434
#define NR_pidfd_getfd 438

static int pidfd_open(pid_t p) { return (int)syscall(NR_pidfd_open, p, 0); }
static int getfd(int pidfd, int fd, unsigned flags) { return (int)syscall(NR_pidfd_getfd, pidfd, fd, flags); }

static int unprivileged(void) {
    int pf = pidfd_open(getppid());
    STEP(1, pf >= 0);
    STEP(2, syscall(SYS_setresgid, 65534, 65534, 65534) == 0 && syscall(SYS_setresuid, 65534, 65534, 65534) == 0);
    STEP(3, FAILS(getfd(pf, 0, 0), EPERM));
    /* Our own descriptors remain ours to take. */
    int self = pidfd_open(getpid());
    STEP(4, self >= 0 && getfd(self, 1, 0) >= 0);
    return 0;
}

int main(void) {
    t_watchdog(30);
    int ctl[2], go[2];
    pipe(ctl);
    pipe(go);
    pid_t c = fork();
    if (c == 0) {
        int p[2];
        pipe(p);
        dup2(p[0], 50);
        write(p[1], "hello", 5);
        open("/", O_PATH | O_DIRECTORY);
        char b = 50;
        write(ctl[1], &b, 1);
        while (read(go[0], &b, 1) == -1 && errno == EINTR) {
        }
        _exit(0);
    }
    char b;
    read(ctl[0], &b, 1);
    int pf = pidfd_open(c);
    int fd = getfd(pf, 50, 0);
    char buf[8] = {0};
    CHECK(fd >= 0 && read(fd, buf, 5) == 5 && memcmp(buf, "hello", 5) == 0, "the child's pipe end, same open file", "fd %d errno %d", fd, errno);
    CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "new descriptor is close-on-exec", "%d", fcntl(fd, F_GETFD));
    CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY, "same access mode", "%x", fcntl(fd, F_GETFL));
    CHECK(FAILS(getfd(pf, 50, 1), EINVAL), "flags EINVAL", "errno %d", errno);
    CHECK(FAILS(getfd(pf, 77, 0), EBADF), "descriptor the target lacks EBADF", "errno %d", errno);
    CHECK(FAILS(getfd(pf, -1, 0), EBADF), "negative descriptor EBADF", "errno %d", errno);
    CHECK(FAILS(getfd(ctl[0], 50, 0), EBADF), "not a pidfd EBADF", "errno %d", errno);
    CHECK(FAILS(getfd(999, 50, 0), EBADF), "closed pidfd EBADF", "errno %d", errno);
    CHECK(FAILS(getfd(999, 50, 1), EINVAL), "flags checked before the pidfd", "errno %d", errno);
    int self = pidfd_open(getpid());
    int mine = getfd(self, ctl[1], 0);
    CHECK(mine >= 0 && mine != ctl[1] && write(mine, "x", 1) == 1, "our own descriptor through our pidfd", "errno %d", errno);
    CHECK(read(ctl[0], &b, 1) == 1 && b == 'x', "duplicate writes to the same pipe", "%c", b);

    int path = -1;
    for (int i = 3; i < 64 && path < 0; i++) {
        int f = getfd(pf, i, 0);
        if (f >= 0 && (fcntl(f, F_GETFL) & O_PATH))
            path = f;
    }
    CHECK(path >= 0, "an O_PATH descriptor can be taken", "none");

    CHECK_CHILD(unprivileged, "another user's process EPERM");

    write(go[1], "q", 1);
    siginfo_t si;
    waitid(P_PID, c, &si, WEXITED | WNOWAIT);
    CHECK(FAILS(getfd(pf, 50, 0), ESRCH), "exited, unreaped target ESRCH", "errno %d", errno);
    waitpid(c, NULL, 0);
    CHECK(FAILS(getfd(pf, 50, 0), ESRCH), "reaped target ESRCH", "errno %d", errno);
    CHECK_NO_CHILDREN();
    return t_done("pidfd_getfd");
}
