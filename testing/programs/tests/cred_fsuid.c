/* The filesystem uid/gid (setfsuid/setfsgid return values and rules, fsuid
 * following euid, the file capabilities dropped when fsuid leaves 0, file
 * ownership and access by fsuid) and supplementary groups (setgroups
 * limits and EPERM, getgroups sizes, sorting, access through a group). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include "../t.h"

#define DIR "/tmp/cred_fsuid.d"
#define KERNEL_NGROUPS_MAX 65536 /* Linux's; musl's NGROUPS_MAX is 32 */

struct cap_hdr {
    unsigned version;
    int pid;
};
struct cap_data {
    unsigned effective, permitted, inheritable;
};
#define CAP_V3 0x20080522
enum { CAP_CHOWN = 0, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_SETUID = 7,
       CAP_LINUX_IMMUTABLE = 9, CAP_SYS_ADMIN = 21, CAP_MKNOD = 27, CAP_MAC_OVERRIDE = 32 };

static long fsuid(long v) { return syscall(SYS_setfsuid, v); }
static long fsgid(long v) { return syscall(SYS_setfsgid, v); }
/* capget of this process into d[0..1]; 0 on success */
static long capget_self(struct cap_data *d) {
    struct cap_hdr h = {CAP_V3, 0};
    return syscall(SYS_capget, &h, d);
}
static unsigned long long eff_caps(void) {
    struct cap_data d[2];
    if (capget_self(d) != 0)
        return 0;
    return d[0].effective | (unsigned long long)d[1].effective << 32;
}
static unsigned long long perm_caps(void) {
    struct cap_data d[2];
    if (capget_self(d) != 0)
        return 0;
    return d[0].permitted | (unsigned long long)d[1].permitted << 32;
}
#define FS_CAPS ((1ull << CAP_CHOWN) | (1ull << CAP_DAC_OVERRIDE) | (1ull << CAP_DAC_READ_SEARCH) | \
                 (1ull << CAP_FOWNER) | (1ull << CAP_FSETID) | (1ull << CAP_LINUX_IMMUTABLE) | \
                 (1ull << CAP_MKNOD) | (1ull << CAP_MAC_OVERRIDE))

static int follows_euid(void) {
    STEP(1, syscall(SYS_setresuid, 1000, 2000, 3000) == 0);
    STEP(2, fsuid(-1) == 2000);
    STEP(3, syscall(SYS_setreuid, -1, 1000) == 0 && fsuid(-1) == 1000);
    STEP(4, syscall(SYS_setresuid, -1, 3000, -1) == 0 && fsuid(-1) == 3000);
    return 0;
}
static int nonroot_rules(void) {
    STEP(1, syscall(SYS_setresuid, 1000, 2000, 3000) == 0);
    STEP(2, fsuid(3000) == 2000 && fsuid(-1) == 3000);
    STEP(3, fsuid(5000) == 3000 && fsuid(-1) == 3000); /* refused: no change */
    STEP(4, fsuid(1000) == 3000 && fsuid(-1) == 1000);
    return 0;
}
static int root_any(void) {
    STEP(1, fsuid(4321) == 0 && fsuid(-1) == 4321 && geteuid() == 0);
    STEP(2, fsuid(0) == 4321 && fsuid(-1) == 0);
    return 0;
}
static int gid_rules(void) {
    STEP(1, syscall(SYS_setresgid, 100, 200, 300) == 0);
    STEP(2, fsgid(-1) == 200);
    STEP(3, syscall(SYS_setresuid, 1000, 1000, 1000) == 0);
    STEP(4, fsgid(300) == 200 && fsgid(-1) == 300);
    STEP(5, fsgid(999) == 300 && fsgid(-1) == 300);
    STEP(6, syscall(SYS_setresgid, -1, 100, -1) == 0 && fsgid(-1) == 100);
    return 0;
}
static int fs_caps_follow_fsuid(void) {
    unsigned long long before = eff_caps();
    STEP(1, (before & FS_CAPS) == (perm_caps() & FS_CAPS) && (before & (1ull << CAP_DAC_OVERRIDE)));
    STEP(2, fsuid(1000) == 0);
    unsigned long long during = eff_caps();
    STEP(3, (during & FS_CAPS) == 0);
    STEP(4, (during & (1ull << CAP_SYS_ADMIN)) && (during & (1ull << CAP_SETUID)));
    STEP(5, fsuid(0) == 1000 && eff_caps() == before);
    return 0;
}
static int access_by_fsuid(void) {
    /* DIR/secret is root's, mode 0600: with fsuid 1000 even euid 0 is refused */
    STEP(1, fsuid(1000) == 0);
    int fd = open(DIR "/secret", O_RDONLY);
    STEP(2, fd == -1 && errno == EACCES);
    STEP(3, fsuid(0) == 1000);
    fd = open(DIR "/secret", O_RDONLY);
    STEP(4, fd >= 0);
    close(fd);
    return 0;
}
static int create_owner(void) {
    STEP(1, fsgid(2000) == 0 && fsuid(1000) == 0);
    int fd = open(DIR "/made", O_CREAT | O_WRONLY, 0644);
    STEP(2, fd >= 0);
    struct stat st;
    STEP(3, fstat(fd, &st) == 0 && st.st_uid == 1000 && st.st_gid == 2000);
    close(fd);
    return 0;
}
static int groups_rules(void) {
    gid_t g[4] = {30, 10, 20, 10};
    STEP(1, syscall(SYS_setgroups, 4, g) == 0);
    STEP(2, syscall(SYS_getgroups, 0, NULL) == 4);
    gid_t out[8] = {0};
    STEP(3, syscall(SYS_getgroups, 8, out) == 4 && out[0] == 10 && out[1] == 10 && out[2] == 20 && out[3] == 30);
    STEP(4, syscall(SYS_getgroups, 3, out) == -1 && errno == EINVAL);
    STEP(5, syscall(SYS_getgroups, -1, out) == -1 && errno == EINVAL);
    STEP(6, syscall(SYS_setgroups, 0, NULL) == 0 && syscall(SYS_getgroups, 0, NULL) == 0);
    return 0;
}
static int groups_limits(void) {
    static gid_t big[KERNEL_NGROUPS_MAX + 1];
    for (int i = 0; i <= KERNEL_NGROUPS_MAX; i++)
        big[i] = i;
    STEP(1, syscall(SYS_setgroups, KERNEL_NGROUPS_MAX + 1, big) == -1 && errno == EINVAL);
    STEP(2, syscall(SYS_setgroups, -1, big) == -1 && errno == EINVAL);
    STEP(3, syscall(SYS_setgroups, KERNEL_NGROUPS_MAX, big) == 0 && syscall(SYS_getgroups, 0, NULL) == KERNEL_NGROUPS_MAX);
    STEP(4, syscall(SYS_setgroups, 1, (void *)8) == -1 && errno == EFAULT);
    return 0;
}
static int groups_nonroot(void) {
    gid_t g[2] = {5, 6};
    STEP(1, syscall(SYS_setgroups, 2, g) == 0);
    STEP(2, syscall(SYS_setresuid, 1000, 1000, 1000) == 0);
    STEP(3, syscall(SYS_setgroups, 1, g) == -1 && errno == EPERM);
    STEP(4, syscall(SYS_setgroups, 0, NULL) == -1 && errno == EPERM);
    gid_t out[4];
    STEP(5, syscall(SYS_getgroups, 4, out) == 2 && out[0] == 5 && out[1] == 6); /* kept across setuid */
    pid_t p = fork();
    if (p == 0)
        _exit(syscall(SYS_getgroups, 4, out) == 2 && out[1] == 6 ? 0 : 1);
    int st;
    STEP(6, waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return 0;
}
static int access_by_group(void) {
    /* DIR/grp is root:500 mode 0040 */
    gid_t g[1] = {500};
    STEP(1, syscall(SYS_setgroups, 1, g) == 0);
    STEP(2, syscall(SYS_setresuid, 1000, 1000, 0) == 0);
    int fd = open(DIR "/grp", O_RDONLY);
    STEP(3, fd >= 0);
    close(fd);
    STEP(4, open(DIR "/grp", O_WRONLY) == -1 && errno == EACCES);
    STEP(5, syscall(SYS_setresuid, -1, 0, -1) == 0 && syscall(SYS_setgroups, 0, NULL) == 0);
    STEP(6, syscall(SYS_setresuid, -1, 1000, -1) == 0);
    STEP(7, open(DIR "/grp", O_RDONLY) == -1 && errno == EACCES);
    return 0;
}

static void cleanup(void) {
    unlink(DIR "/secret");
    unlink(DIR "/grp");
    unlink(DIR "/made");
    rmdir(DIR);
}

int main(void) {
    t_watchdog(30);
    umask(022);
    cleanup();
    mkdir(DIR, 0755);
    chmod(DIR, 0777);
    int fd = open(DIR "/secret", O_CREAT | O_WRONLY, 0600);
    close(fd);
    fd = open(DIR "/grp", O_CREAT | O_WRONLY, 0644);
    close(fd);
    chown(DIR "/grp", 0, 500);
    chmod(DIR "/grp", 0040);
    CHECK_CHILD(follows_euid, "the fsuid follows every change of the effective uid");
    CHECK_CHILD(nonroot_rules, "non-root setfsuid returns the old fsuid and changes only to a real/effective/saved uid");
    CHECK_CHILD(root_any, "root's setfsuid takes any uid and leaves the euid alone");
    CHECK_CHILD(gid_rules, "setfsgid: follows the egid, returns the old value, refuses a foreign gid");
    CHECK_CHILD(fs_caps_follow_fsuid, "fsuid leaving 0 drops the file capabilities from the effective set; back to 0 restores them");
    CHECK_CHILD(access_by_fsuid, "file access is checked with the fsuid, not the euid");
    CHECK_CHILD(create_owner, "a new file is owned by the fsuid and fsgid");
    CHECK_CHILD(groups_rules, "getgroups: count with size 0, sorted list with duplicates, EINVAL when too small");
    CHECK_CHILD(groups_limits, "setgroups accepts 65536 groups; more or a negative count is EINVAL; bad list EFAULT");
    CHECK_CHILD(groups_nonroot, "setgroups without CAP_SETGID is EPERM; groups survive setuid and fork");
    CHECK_CHILD(access_by_group, "a supplementary group grants the group permission bits");
    CHECK_NO_CHILDREN();
    cleanup();
    return t_done("cred_fsuid");
}
