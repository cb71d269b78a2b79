/* Blocking POSIX locks between processes: F_SETLKW waits until the holder
 * unlocks, readers share while a writer waits, EDEADLK for a two-process
 * deadlock, EINTR when a signal without SA_RESTART arrives, and locks not
 * inherited across fork. */
#define _GNU_SOURCE
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/lock_wait.d"

static void cleanup(void) { t_rm_rf(D); }

static volatile sig_atomic_t got_usr1;
static void on_usr1(int s) {
    (void)s;
    got_usr1 = 1;
}

int main(void) {
    t_watchdog(60);
    umask(022);
    cleanup();
    mkdir(D, 0755);
    int fd = open(D "/f", O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0 && write(fd, "0123456789", 10) == 10, "create a file", "fd %d", fd);

    /* Not inherited by fork. */
    t_lock(fd, F_SETLK, F_WRLCK, 0, 1);
    pid_t pid = fork();
    if (pid == 0) {
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
        int a = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_WRLCK && fl.l_pid == getppid();
        int b = t_lock(fd, F_SETLK, F_WRLCK, 0, 1) == -1 && (errno == EAGAIN || errno == EACCES);
        _exit(a && b ? 0 : 1);
    }
    CHECK(t_wait_exit(pid) == 0, "a forked child does not inherit the parent's locks (it conflicts, sees the parent)",
          "child failed");
    t_lock(fd, F_SETLK, F_UNLCK, 0, 0);

    /* F_SETLKW waits for the holder. */
    int go[2], done[2], back[2];
    pipe(go);
    pipe(done);
    pipe(back);
    pid = fork();
    if (pid == 0) {
        int cfd = open(D "/f", O_RDWR);
        char c;
        if (t_lock(cfd, F_SETLK, F_WRLCK, 0, 10) != 0) _exit(1);
        write(go[1], "x", 1);
        t_sleep_ms(200);
        write(done[1], "u", 1);
        t_lock(cfd, F_SETLK, F_UNLCK, 0, 10);
        read(back[0], &c, 1); /* wait until the parent is done */
        _exit(0);
    }
    char c;
    read(go[0], &c, 1);
    int r = t_lock(fd, F_SETLK, F_WRLCK, 5, 1);
    CHECK(r == -1 && (errno == EAGAIN || errno == EACCES), "F_SETLK on a held range fails at once", "ret %d errno %d",
          r, errno);
    r = t_lock(fd, F_SETLKW, F_WRLCK, 5, 1);
    int unlocked_first = read(done[0], &c, 1) == 1;
    CHECK(r == 0 && unlocked_first, "F_SETLKW returns once the holder unlocks", "ret %d errno %d", r, errno);
    write(back[1], "y", 1);
    CHECK(t_wait_exit(pid) == 0, "the holder ran normally", "child failed");
    t_lock(fd, F_SETLK, F_UNLCK, 0, 0);
    close(go[0]); close(go[1]); close(done[0]); close(done[1]); close(back[0]); close(back[1]);

    /* Two readers share; a writer waits for both. */
    t_lock(fd, F_SETLK, F_RDLCK, 0, 10);
    pipe(go);
    pid = fork();
    if (pid == 0) {
        int cfd = open(D "/f", O_RDWR);
        int a = t_lock(cfd, F_SETLK, F_RDLCK, 0, 10) == 0;
        int b = t_lock(cfd, F_SETLK, F_WRLCK, 0, 10) == -1 && (errno == EAGAIN || errno == EACCES);
        write(go[1], "r", 1);
        t_sleep_ms(100);
        /* Upgrade waits until the parent's read lock is gone. */
        int d = t_lock(cfd, F_SETLKW, F_WRLCK, 0, 10) == 0;
        _exit(a && b && d ? 0 : 1);
    }
    read(go[0], &c, 1);
    struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    CHECK(fcntl(fd, F_GETLK, &q) == 0 && q.l_type == F_RDLCK && q.l_pid == pid,
          "a second reader shares the range; a writer sees its read lock", "type %d", q.l_type);
    t_sleep_ms(200);
    t_lock(fd, F_SETLK, F_UNLCK, 0, 0);
    CHECK(t_wait_exit(pid) == 0, "the reader's upgrade to a write lock waited for the other reader", "child failed");
    close(go[0]); close(go[1]);

    /* Deadlock between two processes: exactly one side gets EDEADLK. */
    pipe(go);
    pipe(done);
    t_lock(fd, F_SETLK, F_WRLCK, 0, 1);
    pid = fork();
    if (pid == 0) {
        int cfd = open(D "/f", O_RDWR);
        if (t_lock(cfd, F_SETLK, F_WRLCK, 1, 1) != 0) _exit(1);
        write(go[1], "b", 1);
        int rr = t_lock(cfd, F_SETLKW, F_WRLCK, 0, 1);
        _exit(rr == 0 ? 0 : errno == EDEADLK ? 2 : 3);
    }
    read(go[0], &c, 1);
    t_sleep_ms(200);
    r = t_lock(fd, F_SETLKW, F_WRLCK, 1, 1);
    int pe = r == -1 ? errno : 0;
    if (pe == EDEADLK) t_lock(fd, F_SETLK, F_UNLCK, 0, 1);
    int cs = t_wait_exit(pid);
    CHECK((pe == EDEADLK && cs == 0) || (pe == 0 && cs == 2),
          "a two-process F_SETLKW deadlock is EDEADLK for one side, the other gets its lock", "parent %d child %d",
          pe, cs);
    t_lock(fd, F_SETLK, F_UNLCK, 0, 0);
    close(go[0]); close(go[1]); close(done[0]); close(done[1]);

    /* EINTR: a handler without SA_RESTART interrupts F_SETLKW. */
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    pipe(go);
    pipe(back);
    pid_t me = getpid();
    pid = fork();
    if (pid == 0) {
        int cfd = open(D "/f", O_RDWR);
        if (t_lock(cfd, F_SETLK, F_WRLCK, 0, 0) != 0) _exit(1);
        write(go[1], "l", 1);
        t_sleep_ms(200);
        kill(me, SIGUSR1);
        read(back[0], &c, 1);
        _exit(0);
    }
    read(go[0], &c, 1);
    r = t_lock(fd, F_SETLKW, F_WRLCK, 0, 0);
    int e = errno;
    CHECK(r == -1 && e == EINTR && got_usr1, "a signal interrupts F_SETLKW with EINTR", "ret %d errno %d", r, e);
    struct flock q2 = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    CHECK(fcntl(fd, F_GETLK, &q2) == 0 && q2.l_type == F_WRLCK && q2.l_pid == pid,
          "the interrupted wait left the holder's lock in place", "type %d", q2.l_type);
    write(back[1], "z", 1);
    CHECK(t_wait_exit(pid) == 0 && t_lock(fd, F_SETLK, F_WRLCK, 0, 0) == 0, "after the holder exits the lock is free",
          "errno %d", errno);
    close(go[0]); close(go[1]); close(back[0]); close(back[1]);

    close(fd);
    cleanup();
    return t_done("lock_wait");
}
