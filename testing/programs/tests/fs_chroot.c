/* chroot in forked children: "/" and ".." stop at the new root, absolute
 * symlinks resolve inside it, a cwd or dirfd left outside is reported by
 * getcwd with "(unreachable)" and still walks ".." past the root, nested
 * chroots, fchdir back out, and the errors (EPERM, ENOTDIR, ENOENT,
 * EACCES). */
#define _GNU_SOURCE
#include <grp.h>
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_chroot.d"
#define J D "/jail"

static struct stat st_jail, st_d, st_sub, st_tmp;
static int is(const char *p, const struct stat *want) {
    struct stat st;
    return stat(p, &st) == 0 && st.st_ino == want->st_ino && st.st_dev == want->st_dev;
}

/* runs fn in a child; its exit status is the check's result (0 = pass) */
static int in_child(int (*fn)(void)) {
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn());
    int status = -1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + (status & 0x7f);
}

static int jail(void) { return chdir(J) == 0 && chroot(".") == 0; }
static int c_root(void) {
    STEP(1, jail());
    STEP(2, is("/", &st_jail) && is("/..", &st_jail) && is("/../../..", &st_jail));
    STEP(3, chdir("..") == 0 && is(".", &st_jail));
    return 0;
}
static int c_root_cwd(void) {
    STEP(1, jail());
    STEP(2, strcmp(t_getcwd_raw(), "/") == 0);
    STEP(3, chdir("/sub") == 0 && strcmp(t_getcwd_raw(), "/sub") == 0);
    return 0;
}
static int c_root_paths(void) {
    STEP(1, jail());
    STEP(2, strcmp(t_get("/file"), "in jail") == 0 && strcmp(t_get("/../../file"), "in jail") == 0);
    return 0;
}
static int c_abs_link(void) {
    STEP(1, jail());
    STEP(2, strcmp(t_get("/abs"), "in jail") == 0);
    return 0;
}
static int c_up_link(void) {
    STEP(1, jail());
    STEP(2, is("/uplink", &st_jail) && is("/sub/up2", &st_jail));
    return 0;
}
/* chroot without chdir: the cwd stays outside */
static int c_out_getcwd(void) {
    STEP(1, chdir(D) == 0 && chroot(J) == 0);
    STEP(2, strcmp(t_getcwd_raw(), "(unreachable)" D) == 0);
    return 0;
}
static int c_out_relative(void) {
    STEP(1, chdir(D) == 0 && chroot(J) == 0);
    STEP(2, strcmp(t_get("file"), "outside") == 0 && is("..", &st_tmp));
    STEP(3, strcmp(t_get("/file"), "in jail") == 0);
    return 0;
}
static int c_dirfd(void) {
    int out = t_open(D, O_RDONLY | O_DIRECTORY, 0);
    STEP(1, out >= 0 && chroot(J) == 0 && chdir("/") == 0);
    /* ".." from a dirfd outside the root is not stopped */
    int up = syscall(SYS_openat, out, "..", O_RDONLY | O_DIRECTORY, 0);
    struct stat st;
    STEP(2, up >= 0 && fstat(up, &st) == 0 && st.st_ino == st_tmp.st_ino);
    return 0;
}
static int c_fchdir_out(void) {
    int out = t_open(D, O_RDONLY | O_DIRECTORY, 0);
    STEP(1, out >= 0 && chroot(J) == 0 && chdir("/") == 0);
    STEP(2, fchdir(out) == 0 && strcmp(t_getcwd_raw(), "(unreachable)" D) == 0);
    return 0;
}
static int c_nested(void) {
    STEP(1, chroot(J) == 0 && chdir("/sub") == 0 && chroot(".") == 0);
    STEP(2, is("/", &st_sub) && is("/..", &st_sub) && strcmp(t_get("/subfile"), "in sub") == 0);
    return 0;
}
static int c_errors(void) {
    STEP(1, FAILS(chroot(J "/file"), ENOTDIR));
    STEP(2, FAILS(chroot(J "/missing"), ENOENT));
    STEP(3, FAILS(chroot(""), ENOENT));
    return 0;
}
static int c_nonroot(void) {
    if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
        return 99;
    STEP(1, FAILS(chroot(J), EPERM));
    STEP(2, FAILS(chroot(D "/closed/inner"), EACCES));
    return 0;
}

int main(void) {
    if (t_fresh_dir(D) != 0)
        return 1;
    mkdir(J, 0755);
    mkdir(J "/sub", 0755);
    t_put(J "/file", "in jail");
    t_put(J "/sub/subfile", "in sub");
    t_put(D "/file", "outside");
    symlink("/file", J "/abs");
    symlink("..", J "/uplink");
    symlink("/..", J "/sub/up2");
    mkdir(D "/closed", 0700);
    mkdir(D "/closed/inner", 0755);
    stat(J, &st_jail);
    stat(D, &st_d);
    stat(J "/sub", &st_sub);
    stat("/tmp", &st_tmp);

    static const struct {
        int (*fn)(void);
        const char *name;
    } cases[] = {
        {c_root, "after chroot, \"/\" and \"..\" at the root are the new root"},
        {c_root_cwd, "getcwd inside the new root is relative to it"},
        {c_root_paths, "absolute paths resolve inside the new root, \"/../..\" too"},
        {c_abs_link, "an absolute symlink resolves inside the new root"},
        {c_up_link, "\"..\" and \"/..\" symlinks stop at the new root"},
        {c_out_getcwd, "a cwd left outside the root: getcwd prefixes \"(unreachable)\""},
        {c_out_relative, "a cwd left outside: relative paths and \"..\" still work, absolute ones start inside"},
        {c_dirfd, "\"..\" from a dirfd outside the root is not stopped"},
        {c_fchdir_out, "fchdir to a directory outside the root works; getcwd says \"(unreachable)\""},
        {c_nested, "a chroot inside a chroot narrows the root"},
        {c_errors, "chroot of a file ENOTDIR, of a missing path or \"\" ENOENT"},
        {c_nonroot, "chroot without CAP_SYS_CHROOT is EPERM, EACCES on the walk first"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int r = in_child(cases[i].fn);
        CHECK(r == 0, cases[i].name, "step %d", r);
    }
    int r;
    r = stat("/tmp/fs_chroot.d/jail/file", &(struct stat){0});
    CHECK(r == 0 && strcmp(t_getcwd_raw(), D) == 0, "the parent's root and cwd are unchanged", "ret %d cwd %s", r, t_cwd);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_chroot");
}
