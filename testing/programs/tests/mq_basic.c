/* POSIX message queues: mq_open's rules (O_CREAT, O_EXCL, ENOENT, names,
 * attributes and their limits, the access mode), priorities and FIFO order
 * within one, EMSGSIZE both ways, O_NONBLOCK (EAGAIN) and mq_getsetattr,
 * time-outs (ETIMEDOUT, EINVAL for a malformed one), blocking with a
 * second process, poll readiness, read(2)'s QSIZE line, mq_notify with
 * SIGEV_SIGNAL (si_code SI_MESGQ, once) and EBUSY, EBADF, mq_unlink, and
 * a new IPC namespace's own set of queues. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include "../t.h"
#include "../procfs.h"

static char name[64];
static volatile int got_sig, got_code, got_val, got_pid;

static void on_sig(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_val = si->si_value.sival_int;
    got_pid = si->si_pid;
}

static const char *t_read_file(const char *path) {
    static char b[64];
    int fd = open(path, O_RDONLY);
    int n = fd < 0 ? 0 : read(fd, b, sizeof b - 1);
    b[n > 0 ? n : 0] = 0;
    if (fd >= 0)
        close(fd);
    return b;
}

static int in_new_ns(void) {
    if (unshare(CLONE_NEWIPC) != 0)
        return 1;
    if (mq_open(name, O_RDONLY) != -1 || errno != ENOENT)
        return 2;
    int fd = open("/proc/sys/fs/mqueue/msg_max", O_WRONLY);
    if (fd < 0 || write(fd, "3\n", 2) != 2)
        return 4;
    close(fd);
    struct mq_attr a = {0, 4, 16, 0, {0}};
    if (setuid(65534) != 0) /* past msg_max without CAP_SYS_RESOURCE */
        return 5;
    if (mq_open("/aramid-mq-ns", O_CREAT | O_RDWR, 0600, &a) != -1 || errno != EINVAL)
        return 6;
    a.mq_maxmsg = 3;
    mqd_t k = mq_open("/aramid-mq-ns", O_CREAT | O_RDWR, 0600, &a);
    if (k < 0)
        return 7;
    mq_unlink("/aramid-mq-ns");
    mqd_t q = mq_open(name, O_CREAT | O_RDWR, 0600, NULL);
    if (q < 0)
        return 3;
    mq_unlink(name);
    return 0;
}

int main(void) {
    int st;
    t_watchdog(60);
    t_proc_mount();
    snprintf(name, sizeof name, "/aramid-mq-%d", getpid());
    mq_unlink(name);

    CHECK(FAILS(mq_open(name, O_RDWR), ENOENT), "mq_open of a missing queue is ENOENT", "errno %d", errno);
    struct mq_attr at = {0, 4, 16, 0, {0}};
    mqd_t q = mq_open(name, O_CREAT | O_RDWR, 0600, &at);
    CHECK(q >= 0, "mq_open O_CREAT with attributes", "errno %d", errno);
    struct mq_attr ga;
    CHECK(mq_getattr(q, &ga) == 0 && ga.mq_maxmsg == 4 && ga.mq_msgsize == 16 && ga.mq_curmsgs == 0 && ga.mq_flags == 0, "mq_getattr gives them back", "maxmsg %ld msgsize %ld", ga.mq_maxmsg, ga.mq_msgsize);
    CHECK(FAILS(mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &at), EEXIST), "O_CREAT|O_EXCL on an existing queue is EEXIST", "errno %d", errno);
    mqd_t w = mq_open(name, O_WRONLY);
    CHECK(w >= 0, "an existing queue opens by name", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_mq_open, "a/b", O_RDWR, 0, NULL), EACCES), "a name with a slash is EACCES", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_mq_open, "", O_RDWR, 0, NULL), ENOENT), "an empty name is ENOENT", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_mq_open, name + 1, O_RDWR | O_WRONLY, 0, NULL), EINVAL), "access mode 3 is EINVAL", "errno %d", errno);
    struct mq_attr bad = {0, 0, 16, 0, {0}};
    CHECK(FAILS(mq_open("/aramid-mq-bad", O_CREAT | O_RDWR, 0600, &bad), EINVAL), "mq_maxmsg 0 is EINVAL", "errno %d", errno);
    bad.mq_maxmsg = 65537;
    CHECK(FAILS(mq_open("/aramid-mq-bad", O_CREAT | O_RDWR, 0600, &bad), EINVAL), "mq_maxmsg past the hard limit is EINVAL", "errno %d", errno);
    mqd_t d = mq_open("/aramid-mq-dflt", O_CREAT | O_RDWR, 0600, NULL);
    CHECK(d >= 0 && mq_getattr(d, &ga) == 0 && ga.mq_maxmsg == 10 && ga.mq_msgsize == 8192, "default attributes are 10 messages of 8192 bytes", "maxmsg %ld msgsize %ld", ga.mq_maxmsg, ga.mq_msgsize);
    mq_close(d);
    mq_unlink("/aramid-mq-dflt");

    CHECK(mq_send(w, "low", 4, 1) == 0 && mq_send(w, "high", 5, 7) == 0 && mq_send(w, "low2", 5, 1) == 0, "mq_send", "errno %d", errno);
    CHECK(mq_getattr(q, &ga) == 0 && ga.mq_curmsgs == 3, "mq_curmsgs counts messages", "cur %ld", ga.mq_curmsgs);
    char buf[64];
    int n = read(q, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    CHECK(strcmp(buf, "QSIZE:14         NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n") == 0, "read gives the QSIZE line", "'%s'", buf);
    struct pollfd pf = {q, POLLIN | POLLOUT, 0};
    CHECK(poll(&pf, 1, 0) == 1 && pf.revents == (POLLIN | POLLOUT), "a queue with messages and room polls readable and writable", "revents %#x", pf.revents);
    unsigned prio = 0;
    CHECK(mq_receive(q, buf, sizeof buf, &prio) == 5 && prio == 7 && strcmp(buf, "high") == 0, "the highest priority comes first", "prio %u", prio);
    CHECK(mq_receive(q, buf, sizeof buf, &prio) == 4 && prio == 1 && strcmp(buf, "low") == 0, "then arrival order within a priority", "'%s'", buf);
    CHECK(mq_receive(q, buf, sizeof buf, NULL) == 5 && strcmp(buf, "low2") == 0, "a NULL priority pointer is allowed", "'%s'", buf);
    CHECK(FAILS(mq_send(w, "0123456789abcdefg", 17, 0), EMSGSIZE), "a message longer than mq_msgsize is EMSGSIZE", "errno %d", errno);
    CHECK(FAILS(mq_receive(q, buf, 15, NULL), EMSGSIZE), "a buffer shorter than mq_msgsize is EMSGSIZE", "errno %d", errno);
    CHECK(FAILS(mq_send(w, "x", 1, 32768), EINVAL), "priority 32768 is EINVAL", "errno %d", errno);
    CHECK(FAILS(mq_receive(w, buf, sizeof buf, NULL), EBADF), "receiving on a write-only descriptor is EBADF", "errno %d", errno);
    CHECK(FAILS(mq_send(0, "x", 1, 0), EBADF), "a descriptor that is not a queue is EBADF", "errno %d", errno);

    struct timespec past = {0, 0};
    clock_gettime(CLOCK_REALTIME, &past);
    past.tv_nsec = 0;
    CHECK(FAILS(mq_timedreceive(q, buf, sizeof buf, NULL, &past), ETIMEDOUT), "a time-out already passed is ETIMEDOUT", "errno %d", errno);
    struct timespec soon;
    clock_gettime(CLOCK_REALTIME, &soon);
    soon.tv_nsec += 20 * 1000000;
    t_ts_carry(&soon);
    double t0 = t_now();
    CHECK(FAILS(mq_timedreceive(q, buf, sizeof buf, NULL, &soon), ETIMEDOUT) && t_now() - t0 >= 0.01, "mq_timedreceive waits until its time-out", "errno %d", errno);
    struct timespec badts = {0, 1000000000};
    CHECK(FAILS(mq_timedreceive(q, buf, sizeof buf, NULL, &badts), EINVAL), "a malformed time-out is EINVAL", "errno %d", errno);

    struct mq_attr nb = {O_NONBLOCK, 0, 0, 0, {0}}, old;
    CHECK(mq_setattr(q, &nb, &old) == 0 && old.mq_flags == 0 && mq_getattr(q, &ga) == 0 && ga.mq_flags == O_NONBLOCK, "mq_setattr sets O_NONBLOCK", "flags %ld", ga.mq_flags);
    CHECK(FAILS(mq_receive(q, buf, sizeof buf, NULL), EAGAIN), "an empty non-blocking queue is EAGAIN", "errno %d", errno);
    nb.mq_flags = O_NONBLOCK | O_APPEND;
    CHECK(FAILS(mq_setattr(q, &nb, NULL), EINVAL), "flags other than O_NONBLOCK are EINVAL", "errno %d", errno);
    mqd_t wn = mq_open(name, O_WRONLY | O_NONBLOCK);
    for (int i = 0; i < 4; i++)
        mq_send(wn, "m", 1, 0);
    CHECK(FAILS(mq_send(wn, "m", 1, 0), EAGAIN), "a full non-blocking queue is EAGAIN", "errno %d", errno);
    pf.events = POLLIN | POLLOUT;
    CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN, "a full queue polls readable only", "revents %#x", pf.revents);
    /* A blocked sender completes once a message is taken. */
    pid_t c = fork();
    if (c == 0)
        _exit(mq_send(w, "late", 5, 3) == 0 ? 0 : 1);
    t_sleep_ms(30);
    mq_receive(q, buf, sizeof buf, NULL);
    CHECK((st = t_wait_exit(c)) == 0, "a blocked sender completes when there is room", "status %d", st);
    while (mq_receive(q, buf, sizeof buf, NULL) > 0) {
    }
    nb.mq_flags = 0;
    mq_setattr(q, &nb, NULL);
    c = fork();
    if (c == 0) {
        t_sleep_ms(30);
        _exit(mq_send(w, "wake", 5, 2) == 0 ? 0 : 1);
    }
    CHECK(mq_receive(q, buf, sizeof buf, &prio) == 5 && strcmp(buf, "wake") == 0 && prio == 2, "a blocked receiver gets a later message", "'%s'", buf);
    t_wait_exit(c);

    /* Notification. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 42;
    mqd_t r2 = mq_open(name, O_RDONLY);
    CHECK(mq_notify(q, &ev) == 0, "mq_notify SIGEV_SIGNAL registers", "errno %d", errno);
    char want[80];
    snprintf(want, sizeof want, "QSIZE:0          NOTIFY:0     SIGNO:10    NOTIFY_PID:%-6d\n", getpid());
    n = read(r2, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    CHECK(strcmp(buf, want) == 0, "the QSIZE line shows the registration", "'%s'", buf);
    c = fork();
    if (c == 0)
        _exit(FAILS(mq_notify(q, &ev), EBUSY) ? 0 : 1);
    CHECK((st = t_wait_exit(c)) == 0, "a second registration is EBUSY", "status %d", st);
    c = fork();
    if (c == 0)
        _exit(mq_send(w, "n", 1, 0) == 0 ? 0 : 1);
    t_wait_exit(c);
    for (int i = 0; i < 1000 && !got_sig; i++)
        t_sleep_ms(1);
    CHECK(got_sig == SIGUSR1 && got_code == SI_MESGQ && got_val == 42 && got_pid == c, "a message on the empty queue sends the signal with SI_MESGQ", "sig %d code %d val %d pid %d", got_sig, got_code, got_val, got_pid);
    got_sig = 0;
    mq_receive(q, buf, sizeof buf, NULL);
    mq_send(w, "n", 1, 0);
    t_sleep_ms(20);
    CHECK(got_sig == 0, "the registration ends after one notification", "sig %d", got_sig);
    mq_receive(q, buf, sizeof buf, NULL);
    ev.sigev_notify = SIGEV_NONE;
    CHECK(mq_notify(q, &ev) == 0 && mq_notify(q, NULL) == 0 && mq_notify(q, &ev) == 0, "SIGEV_NONE registers, NULL unregisters", "errno %d", errno);
    mq_notify(q, NULL);
    mq_close(r2);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    mqd_t r3 = mq_open(name, O_RDONLY);
    mq_notify(q, &ev);
    mq_close(r3);
    c = fork();
    if (c == 0)
        _exit(mq_notify(q, &ev) == 0 ? 0 : 1);
    CHECK((st = t_wait_exit(c)) == 0, "closing any descriptor of the queue ends the process's registration", "status %d", st);
    CHECK(mq_notify(q, &ev) == 0, "so does the registering process's exit", "errno %d", errno);
    mq_notify(q, NULL);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = 65;
    CHECK(FAILS(mq_notify(q, &ev), EINVAL), "an invalid signal is EINVAL", "errno %d", errno);

    CHECK(strcmp(t_read_file("/proc/sys/fs/mqueue/msg_max"), "10\n") == 0 && strcmp(t_read_file("/proc/sys/fs/mqueue/msgsize_max"), "8192\n") == 0 &&
              strcmp(t_read_file("/proc/sys/fs/mqueue/queues_max"), "256\n") == 0,
          "/proc/sys/fs/mqueue shows the limits", "%s", "");
    CHECK_CHILD(in_new_ns, "a new IPC namespace has its own queues");
    CHECK(mq_unlink(name) == 0 && FAILS(mq_open(name, O_RDWR), ENOENT), "mq_unlink removes the name", "errno %d", errno);
    CHECK(mq_send(w, "still", 6, 0) == 0 && mq_receive(q, buf, sizeof buf, NULL) == 6, "open descriptors keep an unlinked queue", "errno %d", errno);
    CHECK(FAILS(mq_unlink(name), ENOENT), "mq_unlink of a missing name is ENOENT", "errno %d", errno);
    mq_close(q);
    mq_close(w);
    mq_close(wn);
    int left = wait(&st);
    CHECK(left == -1 && errno == ECHILD, "no children left behind", "pid %d errno %d status %#x", left, errno, st);
    return t_done("mq_basic");
}
