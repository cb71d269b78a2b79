/* /dev/kmsg and syslog(2) as root sees them: a write becomes one record
 * (a leading <N> sets level and facility; without one LOG_USER at level 4,
 * priority 12; facility 0 is not taken from user space; the trailing
 * newline goes; a NUL ends the text; bytes below 0x20 and '\' read back as \xNN), a read
 * returns one record `PRIO,SEQ,USEC,FLAGS;TEXT\n` (EINVAL when the buffer
 * is too small, and that record is skipped, as Linux 6.x; EAGAIN at the end with O_NONBLOCK; a
 * blocked reader wakes for a new record), lseek (offset 0 only: ESPIPE;
 * SEEK_CUR EINVAL; SEEK_END, SEEK_DATA, SEEK_SET), poll (POLLIN, never
 * POLLOUT), a write over 1024 bytes is EINVAL; syslog READ_ALL shows the
 * record as `<PRIO>[time] TEXT` lines, SIZE_BUFFER, and the EINVAL/EPERM
 * answers. The host may log records of its own meanwhile: reads look for
 * this program's records by their text. Each write opens /dev/kmsg afresh
 * (Linux rate-limits a descriptor past ten lines) and ends with a newline
 * (Linux keeps a record without one open for continuation, unreadable
 * until the next record). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "../t.h"

static long kwrite(const char *s, size_t n) {
    int w = open("/dev/kmsg", O_WRONLY);
    long r = write(w, s, n);
    close(w);
    return r;
}

struct rec {
    unsigned prio;
    unsigned long long seq, usec;
    char flags;
    char text[512];
};

/* Reads records from fd until one whose text is `text` (its escaped form): 1 if found. */
static int find(int fd, const char *text, struct rec *r) {
    char buf[2048];
    for (int i = 0; i < 100; i++) {
        long n = read(fd, buf, sizeof buf - 1);
        if (n <= 0)
            return 0;
        buf[n] = 0;
        char *semi = strchr(buf, ';');
        if (!semi || buf[n - 1] != '\n')
            continue;
        buf[n - 1] = 0;
        if (sscanf(buf, "%u,%llu,%llu,%c", &r->prio, &r->seq, &r->usec, &r->flags) != 4)
            continue;
        if (strcmp(semi + 1, text) == 0) {
            snprintf(r->text, sizeof r->text, "%s", semi + 1);
            return 1;
        }
    }
    return 0;
}

static int unprivileged(void) {
    char b[64];
    STEP(1, setuid(65534) == 0);
    STEP(2, FAILS(syscall(SYS_syslog, 5, 0, 0), EPERM));
    STEP(3, FAILS(syscall(SYS_syslog, 2, b, sizeof b), EPERM));
    STEP(4, FAILS(syscall(SYS_syslog, 8, 0, 4), EPERM));
    return 0;
}

int main(void) {
    struct rec r, r2;
    struct stat st;
    t_watchdog(30);
    int fd = open("/dev/kmsg", O_RDWR | O_NONBLOCK);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 11,
          "/dev/kmsg is char 1:11", "fd %d errno %d", fd, errno);
    CHECK(lseek(fd, 0, SEEK_END) == 0, "SEEK_END answers 0", "errno %d", errno);

    long w = kwrite("<14>kmsg_dev one\n", 17);
    CHECK(w == 17, "a write returns its length", "w %ld errno %d", w, errno);
    int ok = find(fd, "kmsg_dev one", &r);
    CHECK(ok && r.prio == 14 && r.flags == '-', "<14>: priority 14, flags '-'", "found %d prio %u flags %c", ok, r.prio,
          r.flags);
    kwrite("kmsg_dev plain\n", 15);
    ok = find(fd, "kmsg_dev plain", &r2);
    CHECK(ok && r2.prio == 12, "no prefix: LOG_USER at level 4 (12)", "found %d prio %u", ok, r2.prio);
    CHECK(ok && r2.seq > r.seq && r2.usec >= r.usec, "sequence numbers grow; timestamps do not go back",
          "seq %llu %llu", r.seq, r2.seq);
    kwrite("<3>kmsg_dev err\n", 16);
    ok = find(fd, "kmsg_dev err", &r);
    CHECK(ok && r.prio == 11, "<3>: level 3 in LOG_USER (11)", "prio %u", r.prio);
    kwrite("<30>kmsg_dev daemon\n", 20);
    ok = find(fd, "kmsg_dev daemon", &r);
    CHECK(ok && r.prio == 30, "<30>: LOG_DAEMON|LOG_INFO kept", "prio %u", r.prio);
    kwrite("<6>kmsg_dev kern\n", 17);
    ok = find(fd, "kmsg_dev kern", &r);
    CHECK(ok && r.prio == 14, "<6>: facility 0 becomes LOG_USER (14)", "prio %u", r.prio);
    kwrite("<5x>kmsg_dev bad\n", 17);
    ok = find(fd, "<5x>kmsg_dev bad", &r);
    CHECK(ok && r.prio == 12, "a malformed prefix stays in the text", "found %d prio %u", ok, r.prio);
    kwrite("kmsg_dev newline\n\n", 18);
    CHECK(find(fd, "kmsg_dev newline\\x0a", &r), "only the last newline is dropped", "not found");
    kwrite("kmsg_dev a\tb\\c\nd\n", 17);
    CHECK(find(fd, "kmsg_dev a\\x09b\\x5cc\\x0ad", &r), "control bytes and '\\' read as \\xNN", "not found");

    kwrite("kmsg_dev nul\0tail\n", 18);
    kwrite("kmsg_dev past nul\n", 18);
    CHECK(find(fd, "kmsg_dev nul", &r) && find(fd, "kmsg_dev past nul", &r2), "a NUL byte ends the text",
          "not found");

    char small[8], big[2048];
    errno = 0;
    long n = read(fd, big, sizeof big);
    CHECK(n == -1 && errno == EAGAIN, "at the end: EAGAIN with O_NONBLOCK", "n %ld errno %d", n, errno);
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    int pr = poll(&p, 1, 0);
    CHECK(pr == 0 && p.revents == 0, "poll at the end: nothing (no POLLOUT either)", "pr %d revents %#x", pr, p.revents);
    kwrite("<14>kmsg_dev small\n", 19);
    pr = poll(&p, 1, 1000);
    CHECK(pr == 1 && (p.revents & POLLIN) && !(p.revents & POLLOUT), "poll after a write: POLLIN",
          "pr %d revents %#x", pr, p.revents);
    /* The host may have logged in between: skip to ours. */
    int skipped = 0;
    for (;;) {
        errno = 0;
        n = read(fd, small, sizeof small);
        if (n == -1 && errno == EINVAL)
            break;
        if (++skipped > 100)
            break;
    }
    CHECK(n == -1 && errno == EINVAL, "a buffer too small for the record: EINVAL", "n %ld errno %d", n, errno);
    kwrite("kmsg_dev after\n", 15);
    CHECK(find(fd, "kmsg_dev after", &r) && !strstr(r.text, "small"), "and the record is skipped (Linux 6.x)",
          "not found");

    memset(big, 'x', sizeof big);
    errno = 0;
    w = kwrite(big, 1025);
    CHECK(w == -1 && errno == EINVAL, "a write over 1024 bytes: EINVAL", "w %ld errno %d", w, errno);

    errno = 0;
    CHECK(lseek(fd, 1, SEEK_SET) == -1 && errno == ESPIPE, "lseek to a non-zero offset: ESPIPE", "errno %d", errno);
    errno = 0;
    CHECK(lseek(fd, 0, SEEK_CUR) == -1 && errno == EINVAL, "SEEK_CUR: EINVAL", "errno %d", errno);
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, big, sizeof big) > 0, "SEEK_SET 0 goes back to the oldest record",
          "errno %d", errno);
    CHECK(lseek(fd, 0, 3 /* SEEK_DATA */) == 0, "SEEK_DATA answers 0", "errno %d", errno);

    lseek(fd, 0, SEEK_END);
    int fd2 = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    lseek(fd2, 0, SEEK_END);
    kwrite("kmsg_dev both\n", 14);
    CHECK(find(fd2, "kmsg_dev both", &r) && find(fd, "kmsg_dev both", &r2) && r.seq == r2.seq,
          "two descriptors read independently", "seq %llu %llu", r.seq, r2.seq);

    int blocking = open("/dev/kmsg", O_RDONLY);
    lseek(blocking, 0, SEEK_END);
    pid_t c = fork();
    if (c == 0) {
        struct rec cr;
        _exit(find(blocking, "kmsg_dev wake", &cr) ? 0 : 1);
    }
    t_sleep_ms(100);
    kwrite("kmsg_dev wake\n", 14);
    CHECK(t_wait_exit(c) == 0, "a blocked reader wakes for a new record", "child failed");

    static char all[1 << 20];
    kwrite("<14>kmsg_dev syslog\nsecond\n", 27);
    n = syscall(SYS_syslog, 3, all, sizeof all - 1);
    all[n > 0 ? n : 0] = 0;
    char *at = strstr(all, "] kmsg_dev syslog\n");
    char *line = at;
    while (line && line > all && line[-1] != '\n')
        line--;
    CHECK(n > 0 && at && strncmp(line, "<14>[", 5) == 0 && strncmp(at + 18, "<14>[", 5) == 0,
          "syslog READ_ALL: <14>[time] lines, one per line of the record", "n %ld at %p", n, at);
    CHECK(syscall(SYS_syslog, 10, 0, 0) >= 4096, "syslog SIZE_BUFFER", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_syslog, 3, NULL, 10), EINVAL), "syslog READ_ALL with a NULL buffer: EINVAL", "errno %d",
          errno);
    CHECK(FAILS(syscall(SYS_syslog, 3, all, -1), EINVAL), "syslog READ_ALL with a negative length: EINVAL",
          "errno %d", errno);
    CHECK(syscall(SYS_syslog, 3, all, 0) == 0, "syslog READ_ALL of 0 bytes: 0", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_syslog, 99, 0, 0), EINVAL), "syslog with an unknown action: EINVAL", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_syslog, 8, 0, 0), EINVAL) && FAILS(syscall(SYS_syslog, 8, 0, 9), EINVAL),
          "syslog CONSOLE_LEVEL outside 1..8: EINVAL", "errno %d", errno);
    CHECK_CHILD(unprivileged, "syslog without CAP_SYSLOG: EPERM");
    CHECK_NO_CHILDREN();
    return t_done("kmsg_dev");
}
