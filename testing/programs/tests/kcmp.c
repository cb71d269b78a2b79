/* kcmp(2): KCMP_FILE (same descriptor, dup, a second open, inherited by
 * fork), KCMP_VM / KCMP_FILES / KCMP_FS / KCMP_SIGHAND between a process
 * and a fork child (different) and clone children sharing each (same), a
 * thread of the same process, KCMP_IO and KCMP_SYSVSEM on oneself,
 * KCMP_EPOLL_TFD (the registered file, another file, unregistered fd,
 * an offset past the registrations, a non-epoll and a closed epoll fd),
 * and the errors: unknown type (EINVAL), no such process (ESRCH), closed
 * descriptor (EBADF), and ptrace read access (EPERM for another user's or
 * a non-dumpable process; allowed for a dumpable one of the same user).
 * Linux orders objects by scrambled addresses, so only 0 vs non-zero is
 * checked. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include "../t.h"

#define KCMP_FILE 0
#define KCMP_VM 1
#define KCMP_FILES 2
#define KCMP_FS 3
#define KCMP_SIGHAND 4
#define KCMP_IO 5
#define KCMP_SYSVSEM 6
#define KCMP_EPOLL_TFD 7

struct slot {
    uint32_t efd, tfd;
    uint64_t toff;
};

static long kcmp(pid_t a, pid_t b, int type, unsigned long i1, unsigned long i2) {
    return syscall(SYS_kcmp, a, b, type, i1, i2);
}

static volatile int stop_clone;
static int clone_fn(void *arg) {
    (void)arg;
    while (!__atomic_load_n(&stop_clone, __ATOMIC_SEQ_CST))
        syscall(SYS_sched_yield);
    syscall(SYS_exit, 0);
    return 0;
}

/* kcmp(self, clone child with `flags`, type) != 0, or -1 on error. */
static long with_clone(int flags, int type) {
    char *stack = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    stop_clone = 0;
    pid_t c = clone(clone_fn, stack + 65536, flags | SIGCHLD, NULL);
    if (c < 0)
        return -2;
    long r = kcmp(getpid(), c, type, 0, 0);
    __atomic_store_n(&stop_clone, 1, __ATOMIC_SEQ_CST);
    if (!(flags & CLONE_VM))
        kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    munmap(stack, 65536);
    return r;
}

static pid_t tid;
static volatile int go, stop;
static void *thread_fn(void *a) {
    (void)a;
    t_thread_park(&tid, &go, &stop);
    return NULL;
}

/* A child that becomes `uid` (dumpable or not) and waits for a byte. */
static pid_t user_child(int uid, int dumpable, int ready[2], int hold[2]) {
    pipe(ready);
    pipe(hold);
    pid_t c = fork();
    if (c == 0) {
        char b;
        if (syscall(SYS_setresgid, uid, uid, uid) || syscall(SYS_setresuid, uid, uid, uid))
            _exit(9);
        prctl(PR_SET_DUMPABLE, dumpable);
        write(ready[1], "r", 1);
        while (read(hold[0], &b, 1) == -1 && errno == EINTR) {
        }
        _exit(0);
    }
    char b;
    read(ready[0], &b, 1);
    return c;
}

static pid_t peer;
static int as_other_user(void) {
    STEP(1, syscall(SYS_setresgid, 65534, 65534, 65534) == 0 && syscall(SYS_setresuid, 65534, 65534, 65534) == 0);
    STEP(2, FAILS(kcmp(getpid(), getppid(), KCMP_VM, 0, 0), EPERM));
    STEP(3, FAILS(kcmp(getppid(), getpid(), KCMP_FILES, 0, 0), EPERM));
    STEP(4, kcmp(getpid(), getpid(), KCMP_VM, 0, 0) == 0);
    /* Not dumpable after the UID change: still its own thread group. */
    STEP(5, kcmp(getpid(), getpid(), KCMP_FILE, 1, 1) == 0);
    return 0;
}
static int same_user_dumpable(void) {
    STEP(1, syscall(SYS_setresgid, 65534, 65534, 65534) == 0 && syscall(SYS_setresuid, 65534, 65534, 65534) == 0);
    STEP(2, kcmp(peer, peer, KCMP_VM, 0, 0) == 0);
    STEP(3, kcmp(peer, getpid(), KCMP_VM, 0, 0) > 0);
    return 0;
}
static int same_user_not_dumpable(void) {
    STEP(1, syscall(SYS_setresgid, 65534, 65534, 65534) == 0 && syscall(SYS_setresuid, 65534, 65534, 65534) == 0);
    STEP(2, FAILS(kcmp(peer, peer, KCMP_VM, 0, 0), EPERM));
    return 0;
}

int main(void) {
    t_watchdog(30);
    pid_t me = getpid();
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    int fd2 = open("/", O_RDONLY | O_DIRECTORY);
    int d = dup(fd);
    CHECK(kcmp(me, me, KCMP_FILE, fd, fd) == 0, "KCMP_FILE same fd", "%ld", kcmp(me, me, KCMP_FILE, fd, fd));
    CHECK(kcmp(me, me, KCMP_FILE, fd, d) == 0, "KCMP_FILE dup is the same file", "errno %d", errno);
    long r = kcmp(me, me, KCMP_FILE, fd, fd2);
    CHECK(r == 1 || r == 2, "KCMP_FILE second open differs", "%ld", r);
    long r2 = kcmp(me, me, KCMP_FILE, fd2, fd);
    CHECK(r2 == 3 - r, "KCMP_FILE order is antisymmetric", "%ld %ld", r, r2);
    CHECK(FAILS(kcmp(me, me, KCMP_FILE, fd, 999), EBADF), "KCMP_FILE closed fd EBADF", "errno %d", errno);
    CHECK(FAILS(kcmp(me, me, 8, 0, 0), EINVAL), "unknown type EINVAL", "errno %d", errno);
    CHECK(FAILS(kcmp(me, me, -1, 0, 0), EINVAL), "negative type EINVAL", "errno %d", errno);
    CHECK(kcmp(me, me, KCMP_IO, 0, 0) == 0, "KCMP_IO self", "errno %d", errno);
    CHECK(kcmp(me, me, KCMP_SYSVSEM, 0, 0) == 0, "KCMP_SYSVSEM self", "errno %d", errno);
    CHECK(kcmp(me, me, KCMP_VM, 0, 0) == 0 && kcmp(me, me, KCMP_FS, 0, 0) == 0 && kcmp(me, me, KCMP_SIGHAND, 0, 0) == 0 &&
              kcmp(me, me, KCMP_FILES, 0, 0) == 0,
          "VM/FS/SIGHAND/FILES self", "errno %d", errno);

    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    CHECK(FAILS(kcmp(me, dead, KCMP_VM, 0, 0), ESRCH), "reaped pid ESRCH", "errno %d", errno);
    CHECK(FAILS(kcmp(dead, me, 99, 0, 0), ESRCH), "ESRCH before EINVAL", "errno %d", errno);
    CHECK(FAILS(kcmp(0, me, KCMP_VM, 0, 0), ESRCH), "pid 0 ESRCH", "errno %d", errno);

    pid_t c = t_fork_sleeper();
    CHECK(kcmp(me, c, KCMP_FILE, fd, fd) == 0, "KCMP_FILE inherited by fork", "errno %d", errno);
    CHECK(kcmp(me, c, KCMP_VM, 0, 0) > 0, "KCMP_VM fork child differs", "errno %d", errno);
    CHECK(kcmp(me, c, KCMP_FILES, 0, 0) > 0, "KCMP_FILES fork child differs", "errno %d", errno);
    CHECK(kcmp(me, c, KCMP_FS, 0, 0) > 0, "KCMP_FS fork child differs", "errno %d", errno);
    CHECK(kcmp(me, c, KCMP_SIGHAND, 0, 0) > 0, "KCMP_SIGHAND fork child differs", "errno %d", errno);
    CHECK(FAILS(kcmp(me, c, KCMP_FILE, fd, 999), EBADF), "KCMP_FILE closed fd in other EBADF", "errno %d", errno);
    t_kill_reap(c);

    CHECK(with_clone(CLONE_VM, KCMP_VM) == 0, "KCMP_VM CLONE_VM child same", "%ld", with_clone(CLONE_VM, KCMP_VM));
    CHECK(with_clone(CLONE_FILES, KCMP_FILES) == 0, "KCMP_FILES CLONE_FILES child same", "errno %d", errno);
    CHECK(with_clone(CLONE_FS, KCMP_FS) == 0, "KCMP_FS CLONE_FS child same", "errno %d", errno);
    CHECK(with_clone(CLONE_VM | CLONE_SIGHAND, KCMP_SIGHAND) == 0, "KCMP_SIGHAND CLONE_SIGHAND child same", "errno %d", errno);
    CHECK(with_clone(CLONE_VM, KCMP_FILES) > 0, "KCMP_FILES CLONE_VM child differs", "errno %d", errno);

    pthread_t th;
    pthread_create(&th, NULL, thread_fn, NULL);
    t_await(&go, 1);
    CHECK(kcmp(me, tid, KCMP_VM, 0, 0) == 0 && kcmp(tid, me, KCMP_FILE, fd, fd) == 0, "a thread id shares VM and files", "errno %d", errno);
    t_set(&stop, 1);
    pthread_join(th, NULL);

    int ep = epoll_create1(0);
    int p[2];
    pipe(p);
    struct epoll_event ev = {EPOLLIN, {0}};
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    int e = eventfd(0, 0), ed = dup(e);
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev) == 0, "epoll_ctl eventfd", "errno %d", errno);
    struct slot s = {ep, p[0], 0};
    CHECK(kcmp(me, me, KCMP_EPOLL_TFD, p[0], (unsigned long)&s) == 0, "KCMP_EPOLL_TFD registered file", "errno %d", errno);
    r = kcmp(me, me, KCMP_EPOLL_TFD, p[1], (unsigned long)&s);
    CHECK(r == 1 || r == 2, "KCMP_EPOLL_TFD another file", "%ld errno %d", r, errno);
    s.tfd = e;
    CHECK(kcmp(me, me, KCMP_EPOLL_TFD, ed, (unsigned long)&s) == 0, "KCMP_EPOLL_TFD through a dup", "errno %d", errno);
    s.toff = 1;
    CHECK(FAILS(kcmp(me, me, KCMP_EPOLL_TFD, e, (unsigned long)&s), ENOENT), "KCMP_EPOLL_TFD offset past ENOENT", "errno %d", errno);
    s.toff = 0;
    s.tfd = p[1];
    CHECK(FAILS(kcmp(me, me, KCMP_EPOLL_TFD, fd, (unsigned long)&s), ENOENT), "KCMP_EPOLL_TFD unregistered ENOENT", "errno %d", errno);
    s.efd = fd;
    CHECK(FAILS(kcmp(me, me, KCMP_EPOLL_TFD, fd, (unsigned long)&s), EINVAL), "KCMP_EPOLL_TFD not epoll EINVAL", "errno %d", errno);
    s.efd = 999;
    CHECK(FAILS(kcmp(me, me, KCMP_EPOLL_TFD, fd, (unsigned long)&s), EBADF), "KCMP_EPOLL_TFD closed epoll EBADF", "errno %d", errno);
    CHECK(FAILS(kcmp(me, me, KCMP_EPOLL_TFD, fd, 8), EFAULT), "KCMP_EPOLL_TFD bad slot EFAULT", "errno %d", errno);
    CHECK(FAILS(kcmp(me, me, KCMP_EPOLL_TFD, 999, (unsigned long)&s), EBADF), "KCMP_EPOLL_TFD closed fd EBADF", "errno %d", errno);

    CHECK_CHILD(as_other_user, "another user's process EPERM");
    int ready[2], hold[2];
    peer = user_child(65534, 1, ready, hold);
    CHECK_CHILD(same_user_dumpable, "same user, dumpable: allowed");
    write(hold[1], "x", 1);
    waitpid(peer, NULL, 0);
    peer = user_child(65534, 0, ready, hold);
    CHECK_CHILD(same_user_not_dumpable, "same user, not dumpable: EPERM");
    write(hold[1], "x", 1);
    waitpid(peer, NULL, 0);
    CHECK_NO_CHILDREN();
    return t_done("kcmp");
}
