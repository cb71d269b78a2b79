/* utimensat details beyond fs_stat and fs_perm: AT_EMPTY_PATH, NULL paths
 * (futimens, EFAULT, EINVAL with flags), bad flags and nanoseconds,
 * UTIME_NOW ignoring tv_sec, UTIME_OMIT twice changing nothing, times on
 * a symlink's target, ctime following every change, and the permission
 * rules for a non-owner (write permission for "now", ownership for explicit
 * times, nothing for OMIT/OMIT). */
#define _GNU_SOURCE
#include <grp.h>
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_utimes.d"

static long ut(int dfd, const char *p, const struct timespec *ts, int fl) {
    return syscall(SYS_utimensat, dfd, p, ts, fl);
}
static void touch(const char *p, mode_t m) {
    close(t_open(p, O_WRONLY | O_CREAT, m));
    chmod(p, m);
}
static const struct timespec T1[2] = {{1111111111, 1}, {1222222222, 2}};
static const struct timespec NOW2[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
static const struct timespec OMIT2[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
static const struct timespec NOW_OMIT[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
static const struct timespec EXPL_OMIT[2] = {{1000, 0}, {0, UTIME_OMIT}};

static int c_writable(void) {
    /* root's 0666 file */
    STEP(1, ut(AT_FDCWD, D "/ww", NULL, 0) == 0);
    STEP(2, ut(AT_FDCWD, D "/ww", NOW2, 0) == 0);
    STEP(3, FAILS(ut(AT_FDCWD, D "/ww", T1, 0), EPERM));
    STEP(4, FAILS(ut(AT_FDCWD, D "/ww", EXPL_OMIT, 0), EPERM));
    /* only "both now" counts as touching; one now and one omitted needs ownership */
    STEP(5, FAILS(ut(AT_FDCWD, D "/ww", NOW_OMIT, 0), EPERM));
    return 0;
}
static int c_readonly(void) {
    /* root's 0644 file */
    STEP(1, FAILS(ut(AT_FDCWD, D "/ro", NULL, 0), EACCES));
    STEP(2, FAILS(ut(AT_FDCWD, D "/ro", NOW2, 0), EACCES));
    STEP(3, FAILS(ut(AT_FDCWD, D "/ro", T1, 0), EPERM));
    STEP(4, ut(AT_FDCWD, D "/ro", OMIT2, 0) == 0);
    STEP(5, FAILS(ut(AT_FDCWD, D "/ro", NOW_OMIT, 0), EPERM));
    return 0;
}
static int c_owner(void) {
    /* its own 0444 file: explicit times need no write permission */
    STEP(1, ut(AT_FDCWD, D "/nobodys", T1, 0) == 0);
    STEP(2, ut(AT_FDCWD, D "/nobodys", NULL, 0) == 0);
    return 0;
}
static int run_as_nobody(int (*fn)(void)) {
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(99);
        _exit(fn());
    }
    int status = -1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

int main(void) {
    long r;
    if (t_fresh_dir(D) != 0)
        return 1;
    touch("f", 0644);
    touch("ww", 0666);
    touch("ro", 0644);
    touch("nobodys", 0444);
    chown("nobodys", 65534, 65534);
    symlink("f", "sl");

    int fd = t_open("f", O_RDONLY, 0);
    r = ut(fd, "", T1, AT_EMPTY_PATH);
    CHECK(r == 0 && t_st_of("f")->st_mtim.tv_sec == 1222222222 && t_st.st_mtim.tv_nsec == 2 && t_st.st_atim.tv_nsec == 1,
          "utimensat(fd, \"\", AT_EMPTY_PATH) sets the open file's times", "ret %ld errno %d", r, errno);
    CHECK(FAILS(ut(fd, "", T1, 0), ENOENT), "\"\" without AT_EMPTY_PATH is ENOENT", "errno %d", errno);
    r = ut(fd, NULL, NOW2, 0);
    CHECK(r == 0 && t_st_of("f")->st_mtim.tv_sec > 1600000000, "a NULL path with a descriptor is futimens",
          "ret %ld errno %d", r, errno);
    CHECK(FAILS(ut(fd, NULL, T1, AT_SYMLINK_NOFOLLOW), EINVAL), "a NULL path with flags is EINVAL", "errno %d", errno);
    CHECK(FAILS(ut(AT_FDCWD, NULL, T1, 0), EFAULT), "a NULL path with AT_FDCWD is EFAULT", "errno %d", errno);
    CHECK(FAILS(ut(AT_FDCWD, "f", T1, 0x4), EINVAL), "an unknown flag is EINVAL", "errno %d", errno);
    struct timespec neg[2] = {{0, -1}, {0, 0}};
    CHECK(FAILS(ut(AT_FDCWD, "f", neg, 0), EINVAL), "a negative tv_nsec is EINVAL", "errno %d", errno);
    struct timespec junk[2] = {{-12345, UTIME_NOW}, {777, UTIME_OMIT}};
    ut(AT_FDCWD, "f", T1, 0);
    r = ut(AT_FDCWD, "f", junk, 0);
    CHECK(r == 0 && t_st_of("f")->st_atim.tv_sec > 1600000000 && t_st.st_mtim.tv_sec == 1222222222,
          "UTIME_NOW and UTIME_OMIT ignore tv_sec", "ret %ld errno %d", r, errno);
    struct timespec c0 = t_st_of("f")->st_ctim;
    t_sleep_ms(20);
    r = ut(AT_FDCWD, "f", OMIT2, 0);
    CHECK(r == 0 && t_st_of("f")->st_ctim.tv_sec == c0.tv_sec && t_st.st_ctim.tv_nsec == c0.tv_nsec,
          "UTIME_OMIT for both changes nothing, not even ctime", "ret %ld", r);
    r = ut(AT_FDCWD, "f", T1, 0);
    CHECK(r == 0 && (t_st_of("f")->st_ctim.tv_sec > c0.tv_sec ||
                     (t_st.st_ctim.tv_sec == c0.tv_sec && t_st.st_ctim.tv_nsec > c0.tv_nsec)),
          "explicit times move ctime to now", "ret %ld", r);
    struct timespec T2[2] = {{1333333333, 0}, {1333333333, 0}};
    r = ut(AT_FDCWD, "sl", T2, 0);
    CHECK(r == 0 && t_st_of("f")->st_mtim.tv_sec == 1333333333 && t_st_of("sl")->st_mtim.tv_sec != 1333333333,
          "without AT_SYMLINK_NOFOLLOW the target's times change", "ret %ld", r);
    close(fd);
    struct timespec big[2] = {{0x7fffffffffffLL, 0}, {-1000, 999999999}};
    r = ut(AT_FDCWD, "f", big, 0);
    CHECK(r == 0 && t_st_of("f")->st_mtim.tv_sec == -1000 && t_st.st_mtim.tv_nsec == 999999999,
          "times before 1970 are kept to the nanosecond", "ret %ld mtime %ld.%ld", r, (long)t_st.st_mtim.tv_sec,
          (long)t_st.st_mtim.tv_nsec);

    r = run_as_nobody(c_writable);
    CHECK(r == 0, "non-owner with write permission: NULL or NOW/NOW allowed; explicit times or NOW/OMIT EPERM", "step %ld", r);
    r = run_as_nobody(c_readonly);
    CHECK(r == 0, "non-owner without write permission: EACCES for now, EPERM for explicit, OMIT/OMIT allowed",
          "step %ld", r);
    r = run_as_nobody(c_owner);
    CHECK(r == 0, "the owner sets explicit times without write permission", "step %ld", r);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_utimes");
}
