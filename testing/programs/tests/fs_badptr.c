/* The bad-pointer sweep for path-taking file syscalls: each pointer
 * argument in turn is NULL, a just-unmapped page, or a kernel address,
 * through raw syscall(), and the answer must be EFAULT (or, where NULL means
 * "none", the NULL answer noted). Nothing may change on disk and the process
 * must be alive afterwards. fs_badptr_io covers data buffers. */
#define _GNU_SOURCE
#include "../badptr.h"

#define D "/tmp/fs_badptr.d"

int main(void) {
    int fd = t_badptr_start(D);
    if (fd < 0)
        return 1;
    char buf[512];
    struct stat st;
    mkdir("d", 0755);
    symlink("f", "sl");
    int dfd = syscall(SYS_open, "d", O_RDONLY | O_DIRECTORY);

    SWEEP3("open/creat with a bad path", syscall(SYS_open, B, O_RDONLY), syscall(SYS_open, B, O_WRONLY | O_CREAT, 0644),
           syscall(SYS_creat, B, 0644));
    SWEEP2("openat with a bad path, openat2 with a bad how", syscall(SYS_openat, AT_FDCWD, B, O_RDONLY),
           syscall(SYS_openat2, AT_FDCWD, "f", B, 24));
    SWEEP2("stat with a bad path or buffer", syscall(SYS_stat, B, &st), syscall(SYS_stat, "f", B));
    SWEEP2("lstat with a bad path or buffer", syscall(SYS_lstat, B, &st), syscall(SYS_lstat, "sl", B));
    SWEEP("fstat into a bad buffer", syscall(SYS_fstat, fd, B));
    SWEEP2("newfstatat with a bad path or buffer", syscall(SYS_newfstatat, AT_FDCWD, B, &st, 0),
           syscall(SYS_newfstatat, AT_FDCWD, "f", B, 0));
    SWEEP2("statx with a bad path or buffer", syscall(SYS_statx, AT_FDCWD, B, 0, 0x7ff, buf),
           syscall(SYS_statx, AT_FDCWD, "f", 0, 0x7ff, B));
    SWEEP2("access/faccessat with a bad path", syscall(SYS_access, B, F_OK),
           syscall(SYS_faccessat, AT_FDCWD, B, F_OK));
    SWEEP2("mkdir/mkdirat with a bad path", syscall(SYS_mkdir, B, 0755), syscall(SYS_mkdirat, dfd, B, 0755));
    SWEEP("mknod with a bad path", syscall(SYS_mknod, B, S_IFIFO | 0644, 0));
    SWEEP("rmdir with a bad path", syscall(SYS_rmdir, B));
    SWEEP2("unlink/unlinkat with a bad path", syscall(SYS_unlink, B), syscall(SYS_unlinkat, AT_FDCWD, B, 0));
    SWEEP3("rename/renameat2 with a bad old or new path", syscall(SYS_rename, B, "g"), syscall(SYS_rename, "f", B),
           syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, B, 0));
    SWEEP2("link with a bad old or new path", syscall(SYS_link, B, "g"), syscall(SYS_link, "f", B));
    SWEEP2("symlink with a bad target or link path", syscall(SYS_symlink, B, "g"), syscall(SYS_symlink, "f", B));
    SWEEP2("readlink with a bad path or buffer", syscall(SYS_readlink, B, buf, sizeof buf),
           syscall(SYS_readlink, "sl", B, 64));
    SWEEP("chmod with a bad path", syscall(SYS_chmod, B, 0600));
    SWEEP2("chown/lchown with a bad path", syscall(SYS_chown, B, 0, 0), syscall(SYS_lchown, B, 0, 0));
    SWEEP("truncate with a bad path", syscall(SYS_truncate, B, 0));
    SWEEP("utimensat with a bad path", syscall(SYS_utimensat, AT_FDCWD, B, NULL, 0));
    SWEEP_NULLOK("utimensat with bad times (NULL means now)", _nr == 0, syscall(SYS_utimensat, AT_FDCWD, "f", B, 0));
    SWEEP("chdir with a bad path", syscall(SYS_chdir, B));
    SWEEP("getcwd into a bad buffer", syscall(SYS_getcwd, B, 4096));
    SWEEP2("statfs with a bad path or buffer", syscall(SYS_statfs, B, buf), syscall(SYS_statfs, "f", B));
    SWEEP("fstatfs into a bad buffer", syscall(SYS_fstatfs, fd, B));
    long n = syscall(SYS_getcwd, buf, sizeof buf);
    CHECK(n > 0 && strcmp(buf, D) == 0, "the cwd is unchanged by the failed chdir", "'%s'", buf);
    CHECK(!t_exists("g") && !t_exists("d/g") && t_exists("f") && t_exists("sl") && t_path_size("f") == 10,
          "no failed call created, removed or truncated a name", "g %d size %ld", t_exists("g"), t_path_size("f"));

    t_badptr_finish(D, fd, dfd);
    return t_done("fs_badptr");
}
