/* Permissions: chmod/fchmod/fchmodat, chown/fchown/lchown as root (and the
 * setuid bit they clear), umask, access/faccessat/faccessat2 (AT_EACCESS),
 * and, in children that dropped to uid/gid 65534: EACCES on open, search
 * permission, write permission on the directory for create and unlink, the
 * sticky bit, EPERM for chmod/chown/utimensat of another user's file. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_perm.d"
#define NOBODY 65534

static long saccess(const char *p, int m) { return syscall(SYS_access, p, m); }
static long sfaccessat2(const char *p, int m, int fl) { return syscall(439 /* faccessat2 */, AT_FDCWD, p, m, fl); }
static void put(const char *p, mode_t mode) {
    int fd = t_open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd >= 0) {
        if (write(fd, "data", 4) < 0) {
        }
        close(fd);
    }
    chmod(p, mode);
}
static unsigned perm_of(const char *p) { return t_st_of(p)->st_mode & 07777; }

/* Runs fn in a child as uid/gid 65534 with no groups; true if it exits 0. */
static int as_nobody(int (*fn)(void), int *status) {
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
            _exit(99);
        _exit(fn());
    }
    *status = -1;
    waitpid(pid, status, 0);
    return WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}
/* each child below returns 0 on success or the number of the first failing step */
static int c_open_private(void) {
    errno = 0;
    STEP(1, t_open(D "/private", O_RDONLY, 0) == -1 && errno == EACCES);
    errno = 0;
    STEP(2, t_open(D "/private", O_WRONLY, 0) == -1 && errno == EACCES);
    STEP(3, t_open(D "/public", O_RDONLY, 0) >= 0);
    errno = 0;
    STEP(4, t_open(D "/public", O_WRONLY, 0) == -1 && errno == EACCES);
    return 0;
}
static int c_search(void) {
    struct stat st;
    errno = 0;
    STEP(1, stat(D "/noexec/file", &st) == -1 && errno == EACCES);
    STEP(2, stat(D "/xonly/file", &st) == 0);
    errno = 0;
    STEP(3, t_open(D "/xonly", O_RDONLY | O_DIRECTORY, 0) == -1 && errno == EACCES);
    errno = 0;
    STEP(4, chdir(D "/noexec") == -1 && errno == EACCES);
    return 0;
}
static int c_dirwrite(void) {
    errno = 0;
    STEP(1, unlink(D "/ro/victim") == -1 && errno == EACCES);
    errno = 0;
    STEP(2, t_open(D "/ro/new", O_WRONLY | O_CREAT, 0644) == -1 && errno == EACCES);
    errno = 0;
    STEP(3, mkdir(D "/ro/newdir", 0755) == -1 && errno == EACCES);
    errno = 0;
    STEP(4, rename(D "/ro/victim", D "/ro/victim2") == -1 && errno == EACCES);
    /* the file itself is 0666, so writing into it works */
    int fd = t_open(D "/ro/victim", O_WRONLY, 0);
    STEP(5, fd >= 0 && write(fd, "w", 1) == 1);
    return 0;
}
static int c_sticky(void) {
    errno = 0;
    STEP(1, unlink(D "/sticky/roots") == -1 && errno == EPERM);
    errno = 0;
    STEP(2, rename(D "/sticky/roots", D "/sticky/moved") == -1 && errno == EPERM);
    int fd = t_open(D "/sticky/mine", O_WRONLY | O_CREAT, 0644);
    struct stat st;
    STEP(3, fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == NOBODY && st.st_gid == NOBODY);
    STEP(4, unlink(D "/sticky/mine") == 0);
    /* without the sticky bit, a world-writable directory lets anyone unlink */
    STEP(5, unlink(D "/open/roots") == 0);
    return 0;
}
static int c_owner(void) {
    errno = 0;
    STEP(1, chmod(D "/public", 0777) == -1 && errno == EPERM);
    errno = 0;
    STEP(2, chown(D "/public", NOBODY, NOBODY) == -1 && errno == EPERM);
    /* even giving away one's own file is EPERM without CAP_CHOWN */
    STEP(3, t_open(D "/open/nobodys", O_WRONLY | O_CREAT, 0644) >= 0);
    errno = 0;
    STEP(4, chown(D "/open/nobodys", 0, -1) == -1 && errno == EPERM);
    STEP(5, chmod(D "/open/nobodys", 0600) == 0);
    return 0;
}
static int c_times(void) {
    /* world-writable file owned by root: UTIME_NOW works, explicit times EPERM */
    STEP(1, syscall(SYS_utimensat, AT_FDCWD, D "/open/ww", NULL, 0) == 0);
    struct timespec ts[2] = {{1000, 0}, {1000, 0}};
    errno = 0;
    STEP(2, syscall(SYS_utimensat, AT_FDCWD, D "/open/ww", ts, 0) == -1 && errno == EPERM);
    errno = 0;
    STEP(3, syscall(SYS_utimensat, AT_FDCWD, D "/public", NULL, 0) == -1 && errno == EACCES);
    return 0;
}
static int c_suid_write(void) {
    int fd = t_open(D "/open/suid", O_WRONLY, 0);
    STEP(1, fd >= 0 && write(fd, "x", 1) == 1);
    return 0;
}
static int c_access(void) {
    /* real uid 0, effective uid 65534 */
    STEP(1, saccess(D "/private", R_OK) == 0);
    errno = 0;
    STEP(2, sfaccessat2(D "/private", R_OK, AT_EACCESS) == -1 && errno == EACCES);
    STEP(3, sfaccessat2(D "/public", R_OK, AT_EACCESS) == 0);
    return 0;
}

int main(void) {
    long r, r2;
    int e, status;
    if (t_fresh_dir(D) != 0)
        return 1;

    /* umask */
    umask(027);
    t_open("u1", O_WRONLY | O_CREAT, 0777);
    mkdir("u2", 0777);
    umask(0);
    t_open("u3", O_WRONLY | O_CREAT, 0666);
    mkdir("u4", 01777);
    r = umask(022);
    CHECK(perm_of("u1") == 0750 && perm_of("u2") == 0750 && perm_of("u3") == 0666 && perm_of("u4") == 01777 && r == 0,
          "umask applies to open(O_CREAT) and mkdir; mkdir keeps the sticky bit", "%o %o %o %o", perm_of("u1"),
          perm_of("u2"), perm_of("u3"), perm_of("u4"));

    /* chmod family */
    put("f", 0644);
    r = chmod("f", 0600);
    CHECK(r == 0 && perm_of("f") == 0600, "chmod sets the permission bits", "ret %ld %o", r, perm_of("f"));
    int fd = t_open("f", O_RDONLY, 0);
    r = fchmod(fd, 04755);
    CHECK(r == 0 && perm_of("f") == 04755, "fchmod on a read-only fd sets setuid bits too", "ret %ld %o", r,
          perm_of("f"));
    r = syscall(SYS_fchmodat, AT_FDCWD, "f", 0640);
    symlink("f", "sl");
    r2 = chmod("sl", 0604);
    CHECK(r == 0 && r2 == 0 && perm_of("f") == 0604 && (t_st_of("sl")->st_mode & 0777) == 0777,
          "fchmodat; chmod through a symlink changes the target", "%ld %ld %o", r, r2, perm_of("f"));
    r = chmod("f", 0177777);
    CHECK(r == 0 && perm_of("f") == 07777 && S_ISREG(t_st_of("f")->st_mode), "chmod ignores file-type bits",
          "ret %ld mode %o", r, t_st_of("f")->st_mode);
    errno = 0;
    r = chmod("missing", 0644);
    CHECK(r == -1 && errno == ENOENT, "chmod of a missing file is ENOENT", "ret %ld errno %d", r, errno);

    /* chown family, as root */
    put("o", 0644);
    r = chown("o", 1000, 2000);
    CHECK(r == 0 && t_st_of("o")->st_uid == 1000 && t_st_of("o")->st_gid == 2000, "root chowns to any uid and gid",
          "ret %ld %d:%d", r, t_st.st_uid, t_st.st_gid);
    r = chown("o", -1, 3000);
    r2 = fchown(fd, 5, -1);
    CHECK(r == 0 && r2 == 0 && t_st_of("o")->st_uid == 1000 && t_st.st_gid == 3000 && t_st_of("f")->st_uid == 5 &&
              t_st.st_gid == 0,
          "chown with -1 leaves that id alone; fchown", "%ld %ld", r, r2);
    r = lchown("sl", 7, 8);
    CHECK(r == 0 && t_st_of("sl")->st_uid == 7 && t_st.st_gid == 8 && t_st_of("f")->st_uid == 5,
          "lchown changes the symlink, not its target", "ret %ld", r);
    chmod("o", 06755);
    r = chown("o", 1000, 3000);
    CHECK(r == 0 && perm_of("o") == 0755, "chown clears setuid and setgid (group-executable) even for root",
          "ret %ld %o", r, perm_of("o"));
    chmod("o", 02745);
    chown("o", 1001, -1);
    CHECK(perm_of("o") == 02745, "chown keeps setgid without group execute (mandatory-locking bit)", "%o",
          perm_of("o"));
    close(fd);

    /* access as root */
    put("none", 0000);
    put("xonlyfile", 0100);
    r = saccess("none", R_OK | W_OK);
    errno = 0;
    r2 = saccess("none", X_OK);
    e = errno;
    CHECK(r == 0 && r2 == -1 && e == EACCES, "root: read/write on mode 0000 allowed, X_OK needs some x bit",
          "%ld %ld/%d", r, r2, e);
    r = saccess("xonlyfile", X_OK);
    r2 = saccess("missing", F_OK);
    CHECK(r == 0 && r2 == -1 && errno == ENOENT, "root: X_OK with one x bit; F_OK of a missing file ENOENT",
          "%ld %ld", r, r2);
    errno = 0;
    r = syscall(SYS_access, "none", 8);
    e = errno;
    errno = 0;
    r2 = sfaccessat2("none", R_OK, 0x1);
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "access with a bad mode or flag is EINVAL",
          "%ld/%d %ld/%d", r, e, r2, errno);
    r = syscall(SYS_faccessat, AT_FDCWD, "none", W_OK);
    CHECK(r == 0, "faccessat (3 arguments) works", "ret %ld errno %d", r, errno);

    /* setup for the unprivileged children */
    put(D "/private", 0600);
    put(D "/public", 0644);
    mkdir(D "/noexec", 0750); /* no search for others */
    put(D "/noexec/file", 0644);
    chmod(D "/noexec", 0754);
    mkdir(D "/xonly", 0711);
    put(D "/xonly/file", 0644);
    mkdir(D "/ro", 0755);
    put(D "/ro/victim", 0666);
    mkdir(D "/sticky", 0777);
    chmod(D "/sticky", 01777);
    put(D "/sticky/roots", 0666);
    mkdir(D "/open", 0777);
    chmod(D "/open", 0777);
    put(D "/open/roots", 0644);
    put(D "/open/ww", 0666);
    put(D "/open/suid", 0666);
    chmod(D "/open/suid", 06777);

    static const struct {
        int (*fn)(void);
        const char *name;
    } as_nobody_checks[] = {
        {c_open_private, "nobody: EACCES opening a 0600 root file and writing a 0644 one"},
        {c_search, "nobody: search permission governs lookups, read permission listing"},
        {c_dirwrite, "nobody: create, unlink and rename need write permission on the directory"},
        {c_sticky, "nobody: sticky directory protects others' files, not one's own"},
        {c_owner, "nobody: chmod/chown of another's file EPERM, giving a file away EPERM"},
        {c_times, "nobody: UTIME_NOW needs write access, explicit times need ownership"},
    };
    for (unsigned i = 0; i < sizeof as_nobody_checks / sizeof as_nobody_checks[0]; i++)
        CHECK(as_nobody(as_nobody_checks[i].fn, &status), as_nobody_checks[i].name, "step %d", WEXITSTATUS(status));
    int ok = as_nobody(c_suid_write, &status);
    CHECK(ok && perm_of(D "/open/suid") == 0777, "a write by another user clears setuid and setgid",
          "status %#x mode %o", status, perm_of(D "/open/suid"));

    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setresgid(0, NOBODY, 0) != 0 || setresuid(0, NOBODY, 0) != 0)
            _exit(99);
        _exit(c_access());
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "access uses the real uid, faccessat2(AT_EACCESS) the effective",
          "status %#x", status);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_perm");
}
