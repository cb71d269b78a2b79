/* sysfs as devices are seen through it: its magic, the dev/char links and
 * the device directories they lead to (dev, uevent, subsystem), the class
 * links, the console's "active" file, the CPU lists, that attributes
 * cannot be written or created, and that it agrees with /dev. In the
 * guest, sysfs is mounted on /sys first if it is not there. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include "../t.h"
#include "../files.h"

#define SYSFS_MAGIC 0x62656572

static const char *rd(const char *p) {
    static char b[4096];
    int fd = open(p, O_RDONLY);
    b[0] = 0;
    if (fd < 0)
        return b;
    ssize_t n = read(fd, b, sizeof b - 1);
    b[n < 0 ? 0 : n] = 0;
    close(fd);
    return b;
}

static int in_dir(const char *dir, const char *name) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    while (d && (e = readdir(d)))
        found |= strcmp(e->d_name, name) == 0;
    if (d)
        closedir(d);
    return found;
}

/* /sys/dev/char/MAJ:MIN leads to a directory whose dev file says MAJ:MIN
 * and whose uevent names the node that /dev has with those numbers. */
static int device_agrees(unsigned maj, unsigned min, const char *name) {
    char p[PATH_MAX], want[64], real[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "/sys/dev/char/%u:%u", maj, min);
    if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
        return 1;
    if (!realpath(p, real) || strncmp(real, "/sys/devices/", 13) != 0)
        return 2;
    snprintf(p, sizeof p, "/sys/dev/char/%u:%u/dev", maj, min);
    snprintf(want, sizeof want, "%u:%u\n", maj, min);
    if (strcmp(rd(p), want) != 0)
        return 3;
    snprintf(p, sizeof p, "/sys/dev/char/%u:%u/uevent", maj, min);
    snprintf(want, sizeof want, "MAJOR=%u\nMINOR=%u\nDEVNAME=%s\n", maj, min, name);
    if (strncmp(rd(p), want, strlen(want)) != 0)
        return 4;
    snprintf(p, sizeof p, "/dev/%s", name);
    if (stat(p, &st) != 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(maj, min))
        return 5;
    return 0;
}

int main(void) {
    struct statfs sf;
    if (syscall(SYS_unshare, 0x20000 /* CLONE_NEWNS */) == 0)
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    if (statfs("/sys", &sf) != 0 || sf.f_type != SYSFS_MAGIC) {
        mkdir("/sys", 0755);
        mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    }
    CHECK(statfs("/sys", &sf) == 0 && sf.f_type == SYSFS_MAGIC, "/sys is sysfs (SYSFS_MAGIC)", "type %lx",
          (long)sf.f_type);
    struct stat st;
    CHECK(stat("/sys/fs/cgroup", &st) == 0 && S_ISDIR(st.st_mode) && stat("/sys/kernel", &st) == 0 &&
              stat("/sys/devices", &st) == 0 && stat("/sys/class", &st) == 0 && stat("/sys/dev/char", &st) == 0,
          "the top directories: fs/cgroup, kernel, devices, class, dev/char", "errno %d", errno);
    int r;
    r = device_agrees(1, 3, "null");
    CHECK(r == 0, "/sys/dev/char/1:3 is null: dev, uevent, and /dev/null agree", "step %d", r);
    r = device_agrees(1, 5, "zero");
    CHECK(r == 0, "/sys/dev/char/1:5 is zero", "step %d", r);
    r = device_agrees(1, 9, "urandom");
    CHECK(r == 0, "/sys/dev/char/1:9 is urandom", "step %d", r);
    r = device_agrees(5, 1, "console");
    CHECK(r == 0, "/sys/dev/char/5:1 is console", "step %d", r);
    r = device_agrees(5, 0, "tty");
    CHECK(r == 0, "/sys/dev/char/5:0 is tty", "step %d", r);
    char real[PATH_MAX] = {0};
    CHECK(realpath("/sys/dev/char/1:3", real) && strcmp(real, "/sys/devices/virtual/mem/null") == 0,
          "null lives in /sys/devices/virtual/mem", "%s", real);
    char l[256] = {0};
    readlink("/sys/class/mem/null", l, sizeof l - 1);
    CHECK(strcmp(l, "../../devices/virtual/mem/null") == 0, "/sys/class/mem/null links to its device", "%s", l);
    CHECK(realpath("/sys/devices/virtual/mem/zero/subsystem", real) && strcmp(real, "/sys/class/mem") == 0,
          "a device's subsystem link leads to its class", "%s", real);
    CHECK(strstr(rd("/sys/devices/virtual/mem/null/uevent"), "DEVMODE=0666\n") != NULL,
          "null's uevent carries DEVMODE=0666", "%s", rd("/sys/devices/virtual/mem/null/uevent"));
    CHECK(strstr(rd("/sys/devices/virtual/tty/console/uevent"), "DEVMODE") == NULL &&
              strstr(rd("/sys/devices/virtual/tty/tty/uevent"), "DEVMODE=0666\n") != NULL,
          "console's uevent has no DEVMODE, tty's has 0666", "%s", rd("/sys/devices/virtual/tty/tty/uevent"));
    CHECK(in_dir("/sys/class/tty", "console") && in_dir("/sys/class/tty", "tty") && in_dir("/sys/class/tty", "ttyS0"),
          "/sys/class/tty lists console, tty and ttyS0", "%s", "missing");
    CHECK(strcmp(rd("/sys/class/tty/ttyS0/dev"), "4:64\n") == 0, "ttyS0's dev is 4:64", "%s", rd("/sys/class/tty/ttyS0/dev"));
    const char *act = rd("/sys/class/tty/console/active");
    CHECK(strlen(act) > 1 && act[strlen(act) - 1] == '\n', "/sys/class/tty/console/active names the console", "'%s'", act);
    const char *on = rd("/sys/devices/system/cpu/online");
    int a = -1, b = -1, n = sscanf(on, "%d-%d", &a, &b);
    CHECK(a == 0 && (n == 1 || b > 0) && strcmp(on, rd("/sys/devices/system/cpu/possible")) == 0 &&
              in_dir("/sys/devices/system/cpu", "cpu0"),
          "cpu/online lists CPUs from 0, as cpu/possible; cpu0 exists", "'%s'", on);
    /* Attributes are read-only, even for root; nothing can be made. */
    errno = 0;
    int fd = open("/sys/dev/char/1:3/dev", O_WRONLY);
    CHECK(fd == -1 && errno == EACCES, "an attribute without a store cannot be opened for writing (EACCES)", "fd %d errno %d",
          fd, errno);
    errno = 0;
    CHECK(mkdir("/sys/kernel/aramid-test", 0755) == -1 && (errno == EPERM || errno == EACCES), "mkdir in sysfs fails",
          "errno %d", errno);
    errno = 0;
    CHECK(open("/sys/kernel/new-file", O_CREAT | O_WRONLY, 0644) == -1, "creating a file in sysfs fails", "errno %d", errno);
    CHECK(FAILS(unlink("/sys/dev/char/1:3"), EPERM), "unlinking in sysfs is EPERM", "errno %d", errno);
    const char *seq = rd("/sys/kernel/uevent_seqnum");
    CHECK(seq[0] >= '0' && seq[0] <= '9' && seq[strlen(seq) - 1] == '\n', "/sys/kernel/uevent_seqnum is a number", "'%s'", seq);
    /* The one instance mounted again on top of itself is EBUSY. */
    CHECK(FAILS(mount("sysfs", "/sys", "sysfs", 0, NULL), EBUSY), "mounting sysfs again on /sys is EBUSY", "errno %d", errno);
    /* Two mounts of sysfs are the same tree. */
    mkdir("/tmp/sysfs_tree.d", 0755);
    r = mount("sysfs", "/tmp/sysfs_tree.d", "sysfs", 0, NULL);
    struct stat s1, s2;
    CHECK(r == 0 && stat("/tmp/sysfs_tree.d/devices", &s1) == 0 && stat("/sys/devices", &s2) == 0 && s1.st_dev == s2.st_dev &&
              s1.st_ino == s2.st_ino,
          "a second mount of sysfs shows the same instance", "r %d errno %d", r, errno);
    umount("/tmp/sysfs_tree.d");
    rmdir("/tmp/sysfs_tree.d");
    return t_done("sysfs_tree");
}
