/* rename rules beyond fs_link: parent link counts and ".." when a
 * directory moves or is exchanged across parents, a directory over an
 * empty one elsewhere, an ancestor as the target (ENOTEMPTY), a file over
 * a symlink, a symlink over a directory, NOREPLACE on a dangling link,
 * EXCHANGE and NOREPLACE onto the same name, unknown flags, RENAME_WHITEOUT,
 * renameat with dirfds, an open file or a cwd that moves, the sticky bit
 * on the target directory. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_rename.d"
#define NOREPLACE 1
#define EXCHANGE 2
#define WHITEOUT 4

static long ren2(const char *a, const char *b, unsigned fl) {
    return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, fl);
}
static long nlink(const char *p) {
    struct stat st;
    return lstat(p, &st) == 0 ? (long)st.st_nlink : -1;
}

int main(void) {
    long r;
    struct stat st;
    if (t_fresh_dir(D) != 0)
        return 1;
    mkdir("A", 0755);
    mkdir("B", 0755);
    mkdir("A/d", 0755);

    r = rename("A/d", "B/d");
    CHECK(r == 0 && nlink("A") == 2 && nlink("B") == 3 && t_same("B/d/..", "B"),
          "moving a directory: old parent loses a link, new parent gains one, \"..\" follows", "ret %ld %ld %ld", r,
          nlink("A"), nlink("B"));
    mkdir("A/e", 0755);
    t_put("A/e/mark", "m");
    r = ren2("A/e", "B/d", EXCHANGE);
    CHECK(r == 0 && nlink("A") == 3 && nlink("B") == 3 && t_same("A/e/..", "A") && t_same("B/d/..", "B") &&
              t_exists("A/e") && t_exists("B/d/mark") && !t_exists("A/e/mark"),
          "RENAME_EXCHANGE of two directories swaps their \"..\"; link counts stay", "ret %ld %ld %ld", r, nlink("A"),
          nlink("B"));
    t_put("A/f", "file");
    r = ren2("A/f", "B/d", EXCHANGE);
    CHECK(r == 0 && nlink("A") == 4 && nlink("B") == 2 && S_ISDIR((lstat("A/f", &st), st.st_mode)) &&
              t_same("A/f/..", "A") && strcmp(t_get("B/d"), "file") == 0,
          "RENAME_EXCHANGE of a file and a directory moves the parent link", "ret %ld %ld %ld", r, nlink("A"),
          nlink("B"));
    mkdir("B/empty", 0755);
    r = rename("A/f", "B/empty");
    CHECK(r == 0 && nlink("A") == 3 && nlink("B") == 3 && t_same("B/empty/..", "B"),
          "a directory over an empty directory in another parent", "ret %ld %ld %ld", r, nlink("A"), nlink("B"));

    mkdir("P", 0755);
    mkdir("P/c", 0755);
    CHECK(FAILS(rename("P/c", "P"), ENOTEMPTY) && FAILS(rename("P/c", "."), EBUSY),
          "renaming a directory over its own ancestor is ENOTEMPTY", "errno %d", errno);
    t_put("t", "target");
    symlink("t", "sl");
    t_put("over", "over");
    r = rename("over", "sl");
    CHECK(r == 0 && !S_ISLNK((lstat("sl", &st), st.st_mode)) && strcmp(t_get("t"), "target") == 0,
          "a file renamed over a symlink replaces the link, not its target", "ret %ld", r);
    symlink("A", "dlink");
    CHECK(FAILS(rename("dlink", "B/empty"), EISDIR) && FAILS(rename("B/empty", "dlink"), ENOTDIR),
          "a symlink over a directory is EISDIR, a directory over a symlink ENOTDIR", "errno %d", errno);
    symlink("nowhere", "dangling");
    CHECK(FAILS(ren2("t", "dangling", NOREPLACE), EEXIST) && t_exists("t"),
          "RENAME_NOREPLACE onto a dangling symlink is EEXIST", "errno %d", errno);
    r = ren2("t", "t", EXCHANGE);
    CHECK(r == 0 && FAILS(ren2("t", "t", NOREPLACE), EEXIST), "EXCHANGE with itself succeeds; NOREPLACE onto itself EEXIST",
          "ret %ld errno %d", r, errno);
    CHECK(FAILS(ren2("t", "u", 8), EINVAL) && FAILS(ren2("t", "u", EXCHANGE | WHITEOUT), EINVAL) &&
              FAILS(ren2("t", "u", NOREPLACE | EXCHANGE), EINVAL) && t_exists("t"),
          "unknown renameat2 flags and EXCHANGE with WHITEOUT or NOREPLACE are EINVAL", "errno %d", errno);
    r = ren2("t", "w", WHITEOUT);
    lstat("t", &st);
    CHECK(r == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0) && strcmp(t_get("w"), "target") == 0,
          "RENAME_WHITEOUT leaves a 0:0 character device behind", "ret %ld errno %d mode %o", r, errno, st.st_mode);
    unlink("t");

    /* dirfds, open files and cwds */
    int a = t_open("A", O_RDONLY | O_DIRECTORY, 0), b = t_open("B", O_RDONLY | O_DIRECTORY, 0);
    t_put("A/g", "gg");
    int gfd = t_open("A/g", O_RDWR, 0);
    r = syscall(SYS_renameat, a, "g", b, "g2");
    write(gfd, "X", 1);
    close(gfd);
    CHECK(r == 0 && strcmp(t_get("B/g2"), "Xg") == 0, "renameat with dirfds; an open file keeps working after the move",
          "ret %ld '%s'", r, t_get("B/g2"));
    close(a);
    close(b);
    mkdir("cw", 0755);
    mkdir("cw/in", 0755);
    chdir("cw/in");
    r = rename(D "/cw", D "/cw2");
    char buf[256] = {0};
    syscall(SYS_getcwd, buf, sizeof buf);
    CHECK(r == 0 && strcmp(buf, D "/cw2/in") == 0, "getcwd follows a rename of an ancestor of the cwd", "ret %ld '%s'",
          r, buf);
    chdir(D);

    /* sticky target directory */
    mkdir("sticky", 0777);
    chmod("sticky", 01777);
    t_put("sticky/roots", "r");
    chmod("sticky/roots", 0666);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(99);
        t_put(D "/sticky/mine", "m");
        errno = 0;
        if (rename(D "/sticky/mine", D "/sticky/roots") != -1 || errno != EPERM)
            _exit(1);
        if (rename(D "/sticky/mine", D "/sticky/mine2") != 0)
            _exit(2);
        _exit(0);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && strcmp(t_get("sticky/roots"), "r") == 0,
          "in a sticky directory another user's file cannot be replaced by rename (EPERM)", "status %#x", status);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_rename");
}
