/* The set-up shared by sig_restart_stop, sig_restart_handler and
 * sig_eintr_never: one child per blocking call, each with a slot in
 * MAP_SHARED memory whose first members are `volatile int ready, done`.
 * The parent waits for the children to be ready and blocked, and later for
 * their calls to return; it holds the file locks some children wait for. */
#ifndef ARAMID_RESTART_H
#define ARAMID_RESTART_H
#include <fcntl.h>
#include <stddef.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "t.h"

/* The start of main: the watchdog, `size` bytes of MAP_SHARED memory for
 * the slots (MAP_FAILED if none) and the directory dir. */
static inline void *r_start(size_t size, const char *dir) {
    t_watchdog(30);
    void *sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    mkdir("/tmp", 0777);
    mkdir(dir, 0700);
    return sh;
}

/* A grandchild for wait4/waitid to wait for: it exits once *release is set. */
static inline pid_t r_fork_waiter(const volatile int *release) {
    pid_t g = fork();
    if (g == 0) {
        while (!*release)
            t_sleep_ms(5);
        _exit(0);
    }
    return g;
}

/* A one-byte lock at start; cmd F_SETLK, F_SETLKW or F_OFD_SETLKW. */
static inline int lockat(int fd, int cmd, short type, off_t start) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = 1};
    return fcntl(fd, cmd, &fl);
}

/* The flag at the same offset in slot i of slots `stride` bytes apart. */
static inline int r_flag(const volatile int *first, size_t stride, int i) {
    return *(const volatile int *)((const volatile char *)first + i * stride);
}

/* Up to 5 s for every child's ready flag, then 200 ms so that each blocks. */
static inline void r_await_ready(const volatile int *ready, size_t stride, int n) {
    double end = t_now() + 5;
    for (int i = 0; i < n; i++)
        while (!r_flag(ready, stride, i) && t_now() < end)
            t_sleep_ms(2);
    t_sleep_ms(200); /* let every child block */
}

/* 1 once slots first..last-1 are all done, 0 after `seconds`. */
static inline int r_wait_done(const volatile int *done, size_t stride, int first, int last, double seconds) {
    double end = t_now() + seconds;
    for (;;) {
        int all = 1;
        for (int i = first; i < last; i++)
            all &= r_flag(done, stride, i);
        if (all)
            return 1;
        if (t_now() > end)
            return 0;
        t_sleep_ms(5);
    }
}

#define R_AWAIT_READY(slots, n) r_await_ready(&(slots)[0].ready, sizeof(slots)[0], (n))
#define R_WAIT_DONE(slots, first, last, seconds) r_wait_done(&(slots)[0].done, sizeof(slots)[0], (first), (last), (seconds))

/* The parent takes a flock on path and POSIX locks on bytes 0 and 1 of lfd;
 * returns the flock's descriptor. */
static inline int r_hold_locks(const char *path, int lfd) {
    int ffd = open(path, O_RDWR);
    int held = flock(ffd, LOCK_EX) == 0 && lockat(lfd, F_SETLK, F_WRLCK, 0) == 0 &&
               lockat(lfd, F_SETLK, F_WRLCK, 1) == 0;
    CHECK(held, "the parent holds a flock and POSIX locks on bytes 0 and 1", "errno %d", errno);
    return ffd;
}
#endif
