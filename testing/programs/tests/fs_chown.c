/* chown rules beyond fs_perm and fs_sgid: (-1, -1) as a no-op that still
 * moves ctime (even for a non-owner), set-id bits kept on directories,
 * uid 4294967294 as an ordinary id, security.capability removed by chown
 * and by a write, the sticky bit's rules for the directory owner and for
 * rmdir. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/xattr.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_chown.d"
#define NOBODY 65534

static long schown(const char *p, long u, long g) { return syscall(SYS_chown, p, u, g); }
static void touch(const char *p, mode_t m) {
    close(t_open(p, O_WRONLY | O_CREAT, m));
    chmod(p, m);
}
static int later(struct timespec a, struct timespec b) {
    return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}
/* a VFS_CAP_REVISION_2 security.capability value granting CAP_NET_RAW */
static const uint32_t caps[5] = {0x02000001, 1u << 13, 0, 0, 0};
static int run_as_nobody(int (*fn)(void)) {
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
            _exit(99);
        _exit(fn());
    }
    int status = -1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}
static int c_noop(void) {
    STEP(1, schown(D "/roots", -1, -1) == 0);
    STEP(2, FAILS(schown(D "/roots", 0, -1), EPERM));
    return 0;
}
static int c_sticky_owner(void) {
    /* nobody owns the sticky directory: it may remove root's entries */
    STEP(1, unlink(D "/mysticky/roots") == 0);
    STEP(2, rmdir(D "/mysticky/rootdir") == 0);
    return 0;
}
static int c_sticky_other(void) {
    STEP(1, FAILS(rmdir(D "/sticky/rootdir"), EPERM));
    STEP(2, FAILS(rename(D "/sticky/rootdir", D "/sticky/x"), EPERM));
    STEP(3, rmdir(D "/sticky/mydir") == 0);
    return 0;
}

int main(void) {
    long r;
    if (t_fresh_dir(D) != 0)
        return 1;
    touch("f", 0644);
    touch("roots", 0644);
    struct timespec c0 = t_st_of("f")->st_ctim;
    t_sleep_ms(20);
    r = schown("f", -1, -1);
    CHECK(r == 0 && later(t_st_of("f")->st_ctim, c0) && t_st.st_uid == 0, "chown(-1, -1) changes no id but moves ctime",
          "ret %ld", r);
    r = run_as_nobody(c_noop);
    CHECK(r == 0, "chown(-1, -1) by a non-owner succeeds; a real change is EPERM", "step %ld", r);
    r = schown("f", 4294967294L, 4294967294L);
    CHECK(r == 0 && t_st_of("f")->st_uid == 4294967294u && t_st.st_gid == 4294967294u, "uid and gid 4294967294 are ordinary ids",
          "ret %ld uid %u", r, t_st.st_uid);

    mkdir("sgdir", 0755);
    chmod("sgdir", 06755);
    r = schown("sgdir", 1000, 1000);
    CHECK(r == 0 && (t_st_of("sgdir")->st_mode & 07777) == 06755, "chown keeps set-id bits on a directory", "mode %o",
          t_st.st_mode);

    /* file capabilities */
    touch("capfile", 0755);
    r = setxattr("capfile", "security.capability", caps, sizeof caps, 0);
    long g = getxattr("capfile", "security.capability", NULL, 0);
    CHECK(r == 0 && g == (long)sizeof caps, "root sets security.capability (revision 2)", "ret %ld size %ld errno %d", r,
          g, errno);
    schown("capfile", 1000, -1);
    CHECK(FAILS(getxattr("capfile", "security.capability", NULL, 0), ENODATA), "chown removes security.capability",
          "errno %d", errno);
    setxattr("capfile", "security.capability", caps, sizeof caps, 0);
    chmod("capfile", 0777);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
            _exit(99);
        int fd = t_open(D "/capfile", O_WRONLY, 0);
        _exit(fd >= 0 && write(fd, "x", 1) == 1 ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
              FAILS(getxattr("capfile", "security.capability", NULL, 0), ENODATA),
          "a write by a process without CAP_FSETID removes security.capability", "status %#x errno %d", status, errno);
    setxattr("capfile", "security.capability", caps, sizeof caps, 0);
    int wfd = t_open("capfile", O_WRONLY | O_APPEND, 0);
    long w = write(wfd, "y", 1);
    close(wfd);
    CHECK(w == 1 && FAILS(getxattr("capfile", "security.capability", NULL, 0), ENODATA),
          "even root's write removes security.capability", "errno %d", errno);
    CHECK(FAILS(setxattr("capfile", "security.capability", "junk", 4, 0), EINVAL),
          "a malformed security.capability value is EINVAL", "errno %d", errno);

    /* sticky directories */
    mkdir("mysticky", 0777);
    chmod("mysticky", 01777);
    chown("mysticky", NOBODY, NOBODY);
    touch("mysticky/roots", 0644);
    mkdir("mysticky/rootdir", 0755);
    r = run_as_nobody(c_sticky_owner);
    CHECK(r == 0, "the owner of a sticky directory may remove anyone's entries", "step %ld", r);
    mkdir("sticky", 0777);
    chmod("sticky", 01777);
    mkdir("sticky/rootdir", 0777);
    mkdir("sticky/mydir", 0755);
    chown("sticky/mydir", NOBODY, NOBODY);
    r = run_as_nobody(c_sticky_other);
    CHECK(r == 0, "in a sticky directory rmdir and rename of another's directory are EPERM, one's own works",
          "step %ld", r);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_chown");
}
