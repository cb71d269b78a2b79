/* A device's sysfs uevent attribute and the kernel's uevents: reading
 * /sys/devices/virtual/mem/null/uevent shows MAJOR, MINOR, DEVNAME and
 * DEVMODE; writing "change" makes the kernel multicast
 * "change@DEVPATH" with ACTION, DEVPATH, SUBSYSTEM, SYNTH_UUID=0, the
 * device's variables and SEQNUM to NETLINK_KOBJECT_UEVENT group 1, from
 * port id 0 with the kernel's credentials (pid, uid, gid 0); "add UUID
 * KEY=VALUE..." adds SYNTH_UUID and SYNTH_ARG_ variables; malformed
 * writes are EINVAL and announce nothing; /sys/kernel/uevent_seqnum
 * follows. Other devices' events (the host's) are skipped. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "../t.h"
#include "../nl.h"

#define NULLDEV "/devices/virtual/mem/null"
#define SYSFS_MAGIC 0x62656572

static int write_uevent(const char *s) {
    int fd = open("/sys" NULLDEV "/uevent", O_WRONLY);
    if (fd < 0)
        return -1;
    int n = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    errno = e;
    return n;
}

static unsigned long long seqnum(void) {
    char b[64] = {0};
    int fd = open("/sys/kernel/uevent_seqnum", O_RDONLY);
    if (fd < 0 || read(fd, b, sizeof b - 1) <= 0)
        return 0;
    close(fd);
    return strtoull(b, NULL, 10);
}

/* The next event of /dev/null (up to `ms`): its length, with the SEQNUM
 * variable cut off and its value in *seq. */
static int next_event(int s, char *buf, size_t len, struct nl_meta *m, unsigned long long *seq, int ms) {
    for (;;) {
        int n = nl_recv(s, buf, len - 1, m, ms);
        if (n <= 0)
            return n;
        buf[n] = 0;
        if (strstr(buf, "@" NULLDEV) == NULL || strcmp(strchr(buf, '@'), "@" NULLDEV) != 0)
            continue;
        for (int i = 0; i < n; i += strlen(buf + i) + 1)
            if (strncmp(buf + i, "SEQNUM=", 7) == 0) {
                *seq = strtoull(buf + i + 7, NULL, 10);
                return i;
            }
        return n;
    }
}

/* The datagram's bytes as text, NULs shown as '|'. */
static const char *show(char *buf, int n) {
    for (int i = 0; i < n; i++)
        if (buf[i] == 0)
            buf[i] = '|';
    buf[n > 0 ? n : 0] = 0;
    return buf;
}

int main(void) {
    t_watchdog(30);
    struct statfs sf;
    if (syscall(SYS_unshare, 0x20000 /* CLONE_NEWNS */) == 0)
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    if (statfs("/sys", &sf) != 0 || sf.f_type != SYSFS_MAGIC) {
        mkdir("/sys", 0755);
        mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    }
    char buf[2048];
    int fd = open("/sys" NULLDEV "/uevent", O_RDONLY);
    int n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    CHECK(n > 0 && strcmp(buf, "MAJOR=1\nMINOR=3\nDEVNAME=null\nDEVMODE=0666\n") == 0, "reading uevent shows the device's variables", "'%s'", buf);
    close(fd);
    struct stat st;
    CHECK(stat("/sys" NULLDEV "/uevent", &st) == 0 && (st.st_mode & 07777) == 0644, "uevent is mode 0644", "mode %o", st.st_mode);

    uint32_t pid;
    int s = nl_open(1, &pid);
    CHECK(s >= 0, "a socket on group 1 with SO_PASSCRED", "errno %d", errno);
    unsigned long long before = seqnum(), seq = 0;
    CHECK(write_uevent("change") == 6, "writing \"change\" takes it all", "errno %d", errno);
    struct nl_meta m;
    n = next_event(s, buf, sizeof buf, &m, &seq, 2000);
    CHECK(m.from.nl_pid == 0 && m.from.nl_groups == 1 && m.has_cred && m.cred.pid == 0 && m.cred.uid == 0 && m.cred.gid == 0,
          "the event comes from the kernel to group 1", "pid %u groups %u cred %d %d %u %u", m.from.nl_pid, m.from.nl_groups, m.has_cred, m.cred.pid, m.cred.uid, m.cred.gid);
    CHECK(seq > before && seqnum() >= seq, "SEQNUM is the next number, uevent_seqnum follows", "before %llu seq %llu after %llu", before, seq, seqnum());
    const char *want = "change@" NULLDEV "|ACTION=change|DEVPATH=" NULLDEV "|SUBSYSTEM=mem|SYNTH_UUID=0|MAJOR=1|MINOR=3|DEVNAME=null|DEVMODE=0666|";
    CHECK(strcmp(show(buf, n), want) == 0, "change@DEVPATH with ACTION, DEVPATH, SUBSYSTEM, SYNTH_UUID=0, the device's variables", "'%s'", buf);

    CHECK(write_uevent("add 12345678-1234-1234-1234-123456789abc A=b C=d\n") == 49, "writing \"add UUID A=b C=d\"", "errno %d", errno);
    n = next_event(s, buf, sizeof buf, &m, &seq, 2000);
    want = "add@" NULLDEV "|ACTION=add|DEVPATH=" NULLDEV "|SUBSYSTEM=mem|SYNTH_UUID=12345678-1234-1234-1234-123456789abc|SYNTH_ARG_A=b|SYNTH_ARG_C=d|MAJOR=1|MINOR=3|DEVNAME=null|DEVMODE=0666|";
    CHECK(strcmp(show(buf, n), want) == 0, "SYNTH_UUID and SYNTH_ARG_ variables", "'%s'", buf);
    CHECK(write_uevent("online") == 6 && next_event(s, buf, sizeof buf, &m, &seq, 2000) > 0 && strncmp(buf, "online@", 7) == 0, "other actions (online)", "'%s'", buf);

    const char *bad[] = {"bogus", "chan", "change\n\n", "change 1234", "change 12345678-1234-1234-1234-123456789abc =x",
                         "change 12345678-1234-1234-1234-123456789abc  A=b", "change 12345678-1234-1234-1234-123456789abc a-b=c"};
    int einval = 0;
    for (unsigned i = 0; i < sizeof bad / sizeof *bad; i++)
        einval += FAILS(write_uevent(bad[i]), EINVAL);
    CHECK(einval == 7, "unknown actions and malformed arguments are EINVAL", "%d of 7", einval);
    CHECK(write_uevent("") == 0, "an empty write does nothing", "errno %d", errno);
    CHECK(FAILS(next_event(s, buf, sizeof buf, &m, &seq, 200), EAGAIN), "and nothing is announced for them", "'%s'", show(buf, 40));
    close(s);
    return t_done("sysfs_uevent");
}
