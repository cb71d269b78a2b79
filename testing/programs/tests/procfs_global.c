/* The global /proc files and /proc/sys: meminfo, cpuinfo, stat (btime),
 * uptime, loadavg, version, filesystems, swaps, devices, cmdline, the
 * mounts link; kernel/{osrelease, ostype, hostname, random/boot_id,
 * random/uuid, pid_max, cap_last_cap, overflowuid}, fs/nr_open,
 * vm/overcommit_memory, net/unix/max_dgram_qlen; writes by root within
 * range (the value already there, so the host is left as it was), EINVAL
 * outside it, EACCES for other users. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/utsname.h>
#include "../t.h"
#include "../procfs.h"

static char buf[65536], val[256], b2[256];

static int put(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -errno;
    long r = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    return r == (long)strlen(text) ? 0 : -e;
}

static int is_uuid(const char *s) {
    if (strlen(s) != 37 || s[36] != '\n')
        return 0;
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash != (s[i] == '-'))
            return 0;
        if (!dash && !strchr("0123456789abcdef", s[i]))
            return 0;
    }
    return 1;
}

int main(void) {
    struct stat st;
    t_proc_mount();

    t_slurp("/proc/meminfo", buf, sizeof buf);
    long total = t_line(buf, "MemTotal:", val, sizeof val) ? atol(val) : 0;
    long avail = t_line(buf, "MemFree:", val, sizeof val) ? atol(val) : -1;
    CHECK(total > 0 && avail >= 0 && avail <= total && strstr(val, " kB"), "meminfo: MemTotal and MemFree in kB",
          "%ld %ld", total, avail);
    CHECK(strncmp(buf, "MemTotal:       ", 16) == 0 && t_line(buf, "SwapTotal:", val, sizeof val),
          "meminfo: Linux's column layout, SwapTotal present", "%.30s", buf);

    t_slurp("/proc/cpuinfo", buf, sizeof buf);
    int cpus = 0;
    for (char *p = buf; (p = strstr(p, "processor\t: ")); p++)
        cpus++;
    char *sb = malloc(65536);
    t_slurp("/proc/stat", sb, 65536);
    int stat_cpus = 0;
    for (char *p = sb; (p = strstr(p, "\ncpu")); p++)
        stat_cpus++;
    free(sb);
    CHECK(cpus >= 1 && cpus == stat_cpus, "cpuinfo: one processor block per CPU of /proc/stat", "%d %d", cpus, stat_cpus);
    CHECK(t_line(buf, "vendor_id", val, sizeof val) && t_line(buf, "flags", b2, sizeof b2) && strstr(b2, "fpu"),
          "cpuinfo: vendor_id and flags", "'%s'", val);

    t_slurp("/proc/stat", buf, sizeof buf);
    long btime = t_line(buf, "btime", val, sizeof val) ? atol(val) : 0;
    double up = 0;
    char ub[128];
    t_slurp("/proc/uptime", ub, sizeof ub);
    up = atof(ub);
    long boot = (long)time(NULL) - (long)up;
    CHECK(strncmp(buf, "cpu  ", 5) == 0 && btime > 0 && labs(btime - boot) <= 2, "stat: cpu line and btime",
          "%ld %ld", btime, boot);
    CHECK(t_line(buf, "processes", val, sizeof val) && atol(val) > 0 && t_line(buf, "procs_running", val, sizeof val),
          "stat: processes and procs_running", "'%s'", val);
    double a1, a2;
    CHECK(sscanf(ub, "%lf %lf", &a1, &a2) == 2 && a1 > 0 && strchr(ub, '\n'), "uptime: two numbers", "'%s'", ub);
    t_sleep_ms(30);
    t_slurp("/proc/uptime", ub, sizeof ub);
    CHECK(atof(ub) >= a1, "uptime does not go back", "%f %f", atof(ub), a1);

    t_slurp("/proc/loadavg", buf, sizeof buf);
    double l1, l5, l15;
    int run, all, last;
    CHECK(sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &run, &all, &last) == 6 && run >= 1 && all >= run &&
              last > 0,
          "loadavg: three loads, running/total, last pid", "'%s'", buf);
    struct utsname u;
    uname(&u);
    t_slurp("/proc/version", buf, sizeof buf);
    snprintf(val, sizeof val, "Linux version %s ", u.release);
    CHECK(strncmp(buf, val, strlen(val)) == 0, "version starts with the release", "'%.60s'", buf);
    t_slurp("/proc/filesystems", buf, sizeof buf);
    CHECK(strstr(buf, "nodev\tproc\n") && strstr(buf, "nodev\ttmpfs\n"), "filesystems lists proc and tmpfs as nodev",
          "%.60s", buf);
    t_slurp("/proc/swaps", buf, sizeof buf);
    CHECK(strncmp(buf, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n", 40) == 0, "swaps: the header", "'%s'",
          buf);
    t_slurp("/proc/devices", buf, sizeof buf);
    CHECK(strncmp(buf, "Character devices:\n", 19) == 0 && strstr(buf, "  1 mem\n") && strstr(buf, "Block devices:"),
          "devices: character and block sections", "%.40s", buf);
    long n = t_slurp("/proc/cmdline", buf, sizeof buf);
    CHECK(n > 0 && buf[n - 1] == '\n', "cmdline: one line", "%ld", n);
    long r = readlink("/proc/mounts", val, sizeof val - 1);
    val[r > 0 ? r : 0] = 0;
    CHECK(strcmp(val, "self/mounts") == 0, "/proc/mounts links to self/mounts", "'%s'", val);
    stat("/proc/meminfo", &st);
    CHECK(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0444 && st.st_size == 0 && st.st_uid == 0,
          "global files are 0444, size 0, owned by root", "%o %ld", st.st_mode, (long)st.st_size);

    /* /proc/sys */
    t_slurp("/proc/sys/kernel/osrelease", buf, sizeof buf);
    snprintf(val, sizeof val, "%s\n", u.release);
    CHECK(strcmp(buf, val) == 0, "kernel/osrelease is uname's release", "'%s'", buf);
    t_slurp("/proc/sys/kernel/ostype", buf, sizeof buf);
    CHECK(strcmp(buf, "Linux\n") == 0, "kernel/ostype is Linux", "'%s'", buf);
    t_slurp("/proc/sys/kernel/hostname", buf, sizeof buf);
    snprintf(val, sizeof val, "%s\n", u.nodename);
    CHECK(strcmp(buf, val) == 0, "kernel/hostname is uname's nodename", "'%s'", buf);
    t_slurp("/proc/sys/kernel/random/boot_id", buf, sizeof buf);
    t_slurp("/proc/sys/kernel/random/boot_id", b2, sizeof b2);
    CHECK(is_uuid(buf) && strcmp(buf, b2) == 0, "random/boot_id is a UUID, the same on every read", "'%s'", buf);
    t_slurp("/proc/sys/kernel/random/uuid", buf, sizeof buf);
    t_slurp("/proc/sys/kernel/random/uuid", b2, sizeof b2);
    CHECK(is_uuid(buf) && is_uuid(b2) && strcmp(buf, b2) != 0 && buf[14] == '4',
          "random/uuid is a fresh version-4 UUID on each read", "'%s'", buf);
    t_slurp("/proc/sys/kernel/pid_max", buf, sizeof buf);
    CHECK(atol(buf) >= 32768, "kernel/pid_max", "'%s'", buf);
    t_slurp("/proc/sys/kernel/cap_last_cap", buf, sizeof buf);
    CHECK(atoi(buf) >= 40 && atoi(buf) < 64, "kernel/cap_last_cap", "'%s'", buf);
    t_slurp("/proc/sys/kernel/overflowuid", buf, sizeof buf);
    CHECK(strcmp(buf, "65534\n") == 0, "kernel/overflowuid is 65534", "'%s'", buf);
    t_slurp("/proc/sys/fs/nr_open", buf, sizeof buf);
    CHECK(atol(buf) >= 1024, "fs/nr_open", "'%s'", buf);
    t_slurp("/proc/sys/vm/overcommit_memory", buf, sizeof buf);
    CHECK(atoi(buf) >= 0 && atoi(buf) <= 2, "vm/overcommit_memory is 0, 1 or 2", "'%s'", buf);
    t_slurp("/proc/sys/net/unix/max_dgram_qlen", buf, sizeof buf);
    CHECK(atoi(buf) > 0, "net/unix/max_dgram_qlen", "'%s'", buf);
    t_slurp("/proc/sys/fs/inotify/max_user_instances", buf, sizeof buf);
    CHECK(atoi(buf) > 0, "fs/inotify/max_user_instances", "'%s'", buf);

    char kptr[32];
    t_slurp("/proc/sys/kernel/kptr_restrict", kptr, sizeof kptr);
    CHECK(put("/proc/sys/kernel/kptr_restrict", kptr) == 0, "root writes kernel/kptr_restrict", "-");
    CHECK(put("/proc/sys/kernel/kptr_restrict", "3\n") == -EINVAL && put("/proc/sys/kernel/kptr_restrict", "x") == -EINVAL,
          "a value out of range or not a number is EINVAL", "-");
    t_slurp("/proc/sys/kernel/kptr_restrict", buf, sizeof buf);
    CHECK(strcmp(buf, kptr) == 0, "a refused write changes nothing", "'%s' '%s'", buf, kptr);
    CHECK(put("/proc/sys/kernel/ostype", "Other\n") == -EACCES || put("/proc/sys/kernel/ostype", "Other\n") == -EPERM,
          "a read-only sysctl cannot be opened for writing", "%d", put("/proc/sys/kernel/ostype", "Other\n"));
    stat("/proc/sys/kernel/kptr_restrict", &st);
    CHECK((st.st_mode & 0777) == 0644 && st.st_uid == 0, "a tunable is 0644, owned by root", "%o", st.st_mode);
    pid_t c = fork();
    if (c == 0) {
        setuid(1000);
        _exit(put("/proc/sys/kernel/kptr_restrict", kptr) == -EACCES ? 0 : 1);
    }
    CHECK(t_wait_exit(c) == 0, "another user cannot write a tunable (EACCES)", "-");
    int fd = open("/proc/self/status", O_RDONLY);
    int fd2 = open("/proc/sys/kernel/ostype", O_RDONLY);
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == ENODEV &&
              mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd2, 0) == MAP_FAILED && errno == ENODEV,
          "proc files cannot be mapped (ENODEV)", "errno %d", errno);
    close(fd);
    close(fd2);
    return t_done("procfs_global");
}
