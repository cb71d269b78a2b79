/* Group ownership and the set-id bits: setgid directories pass their group
 * to every kind of new entry (file, directory with the bit, FIFO, symlink,
 * O_TMPFILE) for root and non-members alike; rename and link keep a file's
 * group; a non-member creating a group-executable setgid file, or chmod-ing
 * one, loses the bit; chown to one's own supplementary group; writes and
 * truncates by a process without CAP_FSETID clear setuid (also for the
 * owner), and setgid only together with group execute. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_sgid.d"
#define NOBODY 65534
#define GRP 100

static void touch(const char *p, mode_t m) { close(t_open(p, O_WRONLY | O_CREAT, m)); }
static unsigned perm_of(const char *p) { return t_st_of(p)->st_mode & 07777; }
static gid_t gid_of(const char *p) { return t_st_of(p)->st_gid; }

/* Runs fn in a child as uid/gid 65534 with the given supplementary groups. */
static int as_nobody(int (*fn)(void), int ngroups, const gid_t *groups, int *status) {
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(ngroups, groups) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
            _exit(99);
        umask(022);
        _exit(fn());
    }
    *status = -1;
    waitpid(pid, status, 0);
    return WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

static int c_create(void) {
    touch(D "/sg/n-file", 0644);
    STEP(1, gid_of(D "/sg/n-file") == GRP && t_st_of(D "/sg/n-file")->st_uid == NOBODY);
    STEP(2, mkdir(D "/sg/n-dir", 0755) == 0 && gid_of(D "/sg/n-dir") == GRP && perm_of(D "/sg/n-dir") == 02755);
    return 0;
}
static int c_strip(void) {
    /* not a member of the directory's group: the bit is dropped */
    touch(D "/sg/n-x", 02755);
    STEP(1, perm_of(D "/sg/n-x") == 0755);
    /* in an ordinary directory the new file's group is one's own: kept */
    touch(D "/open/n-own", 02755);
    STEP(2, perm_of(D "/open/n-own") == 02755 && gid_of(D "/open/n-own") == NOBODY);
    return 0;
}
static int c_chmod(void) {
    /* own file whose group the process is not in: chmod drops setgid */
    STEP(1, chmod(D "/sg/n-file", 02755) == 0 && perm_of(D "/sg/n-file") == 0755);
    STEP(2, chmod(D "/open/n-own", 02750) == 0 && perm_of(D "/open/n-own") == 02750);
    return 0;
}
static int c_chown_group(void) {
    touch(D "/open/n-grp", 0644);
    STEP(1, chown(D "/open/n-grp", -1, GRP) == 0 && gid_of(D "/open/n-grp") == GRP);
    errno = 0;
    STEP(2, chown(D "/open/n-grp", -1, 200) == -1 && errno == EPERM);
    STEP(3, chown(D "/open/n-grp", NOBODY, -1) == 0);
    chmod(D "/open/n-grp", 06755);
    STEP(4, chown(D "/open/n-grp", -1, NOBODY) == 0 && perm_of(D "/open/n-grp") == 0755);
    return 0;
}
static int c_write_own(void) {
    touch(D "/open/n-suid", 0644);
    chmod(D "/open/n-suid", 06755);
    STEP(1, perm_of(D "/open/n-suid") == 06755);
    int fd = t_open(D "/open/n-suid", O_WRONLY, 0);
    STEP(2, write(fd, "x", 1) == 1 && perm_of(D "/open/n-suid") == 0755);
    close(fd);
    chmod(D "/open/n-suid", 06745);
    STEP(3, truncate(D "/open/n-suid", 0) == 0 && perm_of(D "/open/n-suid") == 02745);
    chmod(D "/open/n-suid", 04755);
    fd = t_open(D "/open/n-suid", O_WRONLY | O_TRUNC, 0);
    STEP(4, fd >= 0 && perm_of(D "/open/n-suid") == 0755);
    close(fd);
    chmod(D "/open/n-suid", 04755);
    fd = t_open(D "/open/n-suid", O_WRONLY, 0);
    STEP(5, ftruncate(fd, 1) == 0 && perm_of(D "/open/n-suid") == 0755);
    close(fd);
    return 0;
}

int main(void) {
    int status;
    gid_t grp = GRP;
    if (t_fresh_dir(D) != 0)
        return 1;
    mkdir("sg", 0755);
    chown("sg", 0, GRP);
    chmod("sg", 02777);
    mkdir("open", 0777);
    chmod("open", 0777);
    mkdir("plain", 0755);

    touch("sg/file", 0644);
    CHECK(gid_of("sg/file") == GRP && t_st_of("sg/file")->st_uid == 0, "a file made in a setgid directory takes its group",
          "gid %d", gid_of("sg/file"));
    mkdir("sg/sub", 0755);
    CHECK(gid_of("sg/sub") == GRP && perm_of("sg/sub") == 02755, "a subdirectory takes the group and the setgid bit",
          "gid %d mode %o", gid_of("sg/sub"), perm_of("sg/sub"));
    mkdir("sg/sub/deeper", 0700);
    CHECK(gid_of("sg/sub/deeper") == GRP && perm_of("sg/sub/deeper") == 02700, "the bit propagates down the tree",
          "gid %d mode %o", gid_of("sg/sub/deeper"), perm_of("sg/sub/deeper"));
    mkfifo("sg/fifo", 0644);
    symlink("file", "sg/link");
    CHECK(gid_of("sg/fifo") == GRP && gid_of("sg/link") == GRP && !(perm_of("sg/fifo") & S_ISGID),
          "FIFOs and symlinks take the group, without the bit", "fifo %d link %d", gid_of("sg/fifo"),
          gid_of("sg/link"));
    int fd = t_open("sg", O_TMPFILE | O_RDWR, 0600);
    struct stat st;
    fstat(fd, &st);
    CHECK(fd >= 0 && st.st_gid == GRP, "an O_TMPFILE file takes the group", "fd %d gid %d", fd, st.st_gid);
    close(fd);
    mkdir("plain/x", 02755);
    CHECK(perm_of("plain/x") == 0755 && gid_of("plain/x") == 0, "mkdir drops S_ISGID from its mode outside setgid directories",
          "mode %o", perm_of("plain/x"));
    touch("plain/moved", 0644);
    rename("plain/moved", "sg/moved");
    touch("plain/linked", 0644);
    link("plain/linked", "sg/linked");
    CHECK(gid_of("sg/moved") == 0 && gid_of("sg/linked") == 0, "rename and link into a setgid directory keep the group",
          "%d %d", gid_of("sg/moved"), gid_of("sg/linked"));
    touch("sg/sgx", 02755);
    CHECK(perm_of("sg/sgx") == 02755, "root keeps a requested setgid bit", "mode %o", perm_of("sg/sgx"));
    chmod("sg", 0777);
    mkdir("sg/after", 0755);
    CHECK(gid_of("sg/after") == 0 && perm_of("sg/after") == 0755, "after chmod removes the bit, entries take the creator's group",
          "gid %d mode %o", gid_of("sg/after"), perm_of("sg/after"));
    chmod("sg", 02777);

    CHECK(as_nobody(c_create, 0, NULL, &status), "non-member: new file and directory take the setgid directory's group",
          "step %d", WEXITSTATUS(status));
    CHECK(as_nobody(c_strip, 0, NULL, &status), "non-member: a group-executable setgid file is created without the bit",
          "step %d", WEXITSTATUS(status));
    CHECK(as_nobody(c_chmod, 0, NULL, &status), "chmod by a non-member of the file's group silently drops setgid",
          "step %d", WEXITSTATUS(status));
    CHECK(as_nobody(c_chown_group, 1, &grp, &status),
          "the owner may chown to a group it is in (EPERM otherwise); chown clears set-id bits", "step %d",
          WEXITSTATUS(status));
    CHECK(as_nobody(c_write_own, 0, NULL, &status),
          "the owner's own write, truncate, O_TRUNC and ftruncate clear set-id bits (setgid only with g+x)", "step %d",
          WEXITSTATUS(status));

    /* root has CAP_FSETID: its writes keep both bits */
    touch("open/rootsuid", 0644);
    chmod("open/rootsuid", 06755);
    fd = t_open("open/rootsuid", O_WRONLY, 0);
    long w = write(fd, "x", 1);
    close(fd);
    CHECK(w == 1 && perm_of("open/rootsuid") == 06755, "a write by root (CAP_FSETID) keeps setuid and setgid", "mode %o",
          perm_of("open/rootsuid"));

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_sgid");
}
