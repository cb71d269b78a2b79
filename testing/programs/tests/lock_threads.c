/* Locks and threads: POSIX record locks belong to the whole process, so
 * its threads never conflict and one thread's unlock or close drops what
 * another took; OFD locks belong to the open file description, so threads
 * using different descriptions conflict and F_OFD_SETLKW in one thread is
 * woken by an unlock in another; flock behaves the same per description. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sys/file.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/lock_threads.d"

static void cleanup(void) { t_rm_rf(D); }

/* Whether another process sees a write-lock conflict on start..len. */
static int locked_for_others(off_t start, off_t len) {
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(D "/f", O_RDWR);
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
        if (fd < 0 || fcntl(fd, F_GETLK, &fl) != 0) _exit(2);
        _exit(fl.l_type == F_UNLCK ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 3;
}

static int shared_fd, a_fd, b_fd;
static int t_ret, t_errno;

static void *posix_in_thread(void *arg) {
    (void)arg;
    t_ret = t_lock(shared_fd, F_SETLK, F_WRLCK, 0, 10);
    t_errno = errno;
    return NULL;
}

static void *unlock_in_thread(void *arg) {
    (void)arg;
    t_ret = t_lock(shared_fd, F_SETLK, F_UNLCK, 0, 0);
    return NULL;
}

static void *ofd_conflict(void *arg) {
    (void)arg;
    t_ret = t_lock(b_fd, F_OFD_SETLK, F_WRLCK, 0, 1);
    t_errno = errno;
    return NULL;
}

static volatile int waiter_done;
static void *ofd_waiter(void *arg) {
    (void)arg;
    t_ret = t_lock(b_fd, F_OFD_SETLKW, F_WRLCK, 0, 1);
    t_errno = errno;
    waiter_done = 1;
    return NULL;
}

static void *flock_nb(void *arg) {
    (void)arg;
    t_ret = flock(b_fd, LOCK_EX | LOCK_NB);
    t_errno = errno;
    return NULL;
}

static void *flock_wait(void *arg) {
    (void)arg;
    t_ret = flock(b_fd, LOCK_EX);
    t_errno = errno;
    waiter_done = 1;
    return NULL;
}

static void run(void *(*fn)(void *)) {
    pthread_t t;
    pthread_create(&t, NULL, fn, NULL);
    pthread_join(t, NULL);
}

int main(void) {
    t_watchdog(30);
    umask(022);
    cleanup();
    mkdir(D, 0755);
    shared_fd = open(D "/f", O_RDWR | O_CREAT, 0644);
    CHECK(shared_fd >= 0 && write(shared_fd, "0123456789", 10) == 10, "create a file", "fd %d", shared_fd);

    CHECK(t_lock(shared_fd, F_SETLK, F_WRLCK, 0, 5) == 0, "the main thread write-locks 0-4", "errno %d", errno);
    run(posix_in_thread);
    CHECK(t_ret == 0, "another thread's overlapping POSIX lock succeeds (same owner)", "ret %d errno %d", t_ret,
          t_errno);
    CHECK(locked_for_others(0, 10) == 1, "another process sees the merged 0-9 lock", "probe");
    run(unlock_in_thread);
    CHECK(t_ret == 0 && locked_for_others(0, 0) == 0, "an unlock in another thread frees the process's locks",
          "ret %d", t_ret);
    t_lock(shared_fd, F_SETLK, F_WRLCK, 0, 1);
    int other = open(D "/f", O_RDONLY);
    pthread_t t;
    close(other);
    CHECK(locked_for_others(0, 1) == 0, "closing any fd of the file drops locks taken by any thread", "probe");

    a_fd = open(D "/f", O_RDWR);
    b_fd = open(D "/f", O_RDWR);
    CHECK(t_lock(a_fd, F_OFD_SETLK, F_WRLCK, 0, 1) == 0, "an OFD lock through the first description", "errno %d", errno);
    run(ofd_conflict);
    CHECK(t_ret == -1 && t_errno == EAGAIN, "a thread using a second description conflicts with it", "ret %d errno %d",
          t_ret, t_errno);
    waiter_done = 0;
    pthread_create(&t, NULL, ofd_waiter, NULL);
    t_sleep_ms(150);
    int early = waiter_done;
    t_lock(a_fd, F_OFD_SETLK, F_UNLCK, 0, 1);
    pthread_join(t, NULL);
    CHECK(!early && t_ret == 0, "F_OFD_SETLKW in a thread waits and is woken by the other thread's unlock",
          "early %d ret %d errno %d", early, t_ret, t_errno);
    struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    CHECK(fcntl(a_fd, F_OFD_GETLK, &q) == 0 && q.l_type == F_WRLCK && q.l_pid == -1,
          "the waiter now holds it as seen from the first description", "type %d", q.l_type);
    CHECK(locked_for_others(0, 1) == 1, "and another process sees the OFD lock", "probe");
    close(b_fd);
    CHECK(locked_for_others(0, 1) == 0, "closing the waiter's description releases it", "probe");

    b_fd = open(D "/f", O_RDWR);
    CHECK(flock(a_fd, LOCK_EX) == 0, "flock LOCK_EX on the first description", "errno %d", errno);
    run(flock_nb);
    CHECK(t_ret == -1 && t_errno == EWOULDBLOCK, "a thread's LOCK_NB on a second description is EWOULDBLOCK",
          "ret %d errno %d", t_ret, t_errno);
    waiter_done = 0;
    pthread_create(&t, NULL, flock_wait, NULL);
    t_sleep_ms(150);
    early = waiter_done;
    close(a_fd);
    pthread_join(t, NULL);
    CHECK(!early && t_ret == 0, "a blocked flock in a thread is granted when the holder's description closes",
          "early %d ret %d errno %d", early, t_ret, t_errno);
    close(b_fd);
    close(shared_fd);
    cleanup();
    return t_done("lock_threads");
}
