/* The bad-pointer sweep for file syscalls: each pointer argument in turn is
 * NULL, a just-unmapped page, or a kernel address, through raw syscall(),
 * and the answer must be EFAULT (or, where NULL means "none", the NULL
 * answer noted). Nothing may change on disk, no descriptor may leak, and the
 * process must be alive afterwards. All I/O goes to files under
 * /tmp/fs_badptr.d, never to fds 0-2. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../t.h"

#define D "/tmp/fs_badptr.d"

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f) {
    (void)sb, (void)flag, (void)f;
    remove(p);
    return 0;
}
static void rm_rf(const char *p) { nftw(p, rm_cb, 16, FTW_DEPTH | FTW_PHYS); }

static void *P[3]; /* NULL, unmapped, kernel */
static int fail_idx;
static long fail_r;
static int fail_e;

/* Evaluate expr with B bound to P[from..2]; true if every call is -1/EFAULT. */
#define ALL_EFAULT(from, expr)                                         \
    ({                                                                 \
        int _ok = 1;                                                   \
        for (int _i = (from); _i < 3; _i++) {                          \
            void *B = P[_i];                                           \
            (void)B;                                                   \
            errno = 0;                                                 \
            long _r = (long)(expr);                                    \
            if (!(_r == -1 && errno == EFAULT)) {                      \
                _ok = 0;                                               \
                fail_idx = _i;                                         \
                fail_r = _r;                                           \
                fail_e = errno;                                        \
            }                                                          \
        }                                                              \
        _ok;                                                           \
    })
#define SWEEP(name, expr) CHECK(ALL_EFAULT(0, expr), name, "pointer %d ret %ld errno %d", fail_idx, fail_r, fail_e)
/* NULL is meaningful for these: expect null_ok for NULL, EFAULT for the others. */
#define SWEEP_NULLOK(name, null_ok, expr)                                                                     \
    do {                                                                                                      \
        int _bad = ALL_EFAULT(1, expr);                                                                       \
        void *B = NULL;                                                                                       \
        (void)B;                                                                                              \
        errno = 0;                                                                                            \
        long _nr = (long)(expr);                                                                              \
        int _ne = errno;                                                                                      \
        (void)_ne;                                                                                            \
        CHECK(_bad && (null_ok), name, "bad ok %d (pointer %d ret %ld errno %d) null ret %ld errno %d", _bad, \
              fail_idx, fail_r, fail_e, _nr, _ne);                                                            \
    } while (0)

static long fsize(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? st.st_size : -1;
}
static int exists(const char *p) {
    struct stat st;
    return lstat(p, &st) == 0;
}

int main(void) {
    rm_rf(D);
    umask(022);
    if (mkdir(D, 0755) != 0 || chdir(D) != 0) {
        printf("cannot create " D "\n");
        return 1;
    }
    void *u = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(u, 4096);
    P[0] = NULL;
    P[1] = u;
    P[2] = (void *)0xffff800000000000UL;
    char buf[512];
    struct stat st;

    int fd = syscall(SYS_open, "f", O_RDWR | O_CREAT, 0644);
    write(fd, "0123456789", 10);
    mkdir("d", 0755);
    symlink("f", "sl");
    int dfd = syscall(SYS_open, "d", O_RDONLY | O_DIRECTORY);
    int first_free = dup(0) + 0;
    close(first_free);

    /* paths */
    SWEEP("open with a bad path", syscall(SYS_open, B, O_RDONLY));
    SWEEP("open(O_CREAT) with a bad path", syscall(SYS_open, B, O_WRONLY | O_CREAT, 0644));
    SWEEP("openat with a bad path", syscall(SYS_openat, AT_FDCWD, B, O_RDONLY));
    SWEEP("openat2 with a bad how", syscall(SYS_openat2, AT_FDCWD, "f", B, 24));
    SWEEP("creat with a bad path", syscall(SYS_creat, B, 0644));
    SWEEP("stat with a bad path", syscall(SYS_stat, B, &st));
    SWEEP("stat into a bad buffer", syscall(SYS_stat, "f", B));
    SWEEP("lstat with a bad path or buffer", syscall(SYS_lstat, B, &st) + 1 + syscall(SYS_lstat, "sl", B));
    SWEEP("fstat into a bad buffer", syscall(SYS_fstat, fd, B));
    SWEEP("newfstatat with a bad path", syscall(SYS_newfstatat, AT_FDCWD, B, &st, 0));
    SWEEP("newfstatat into a bad buffer", syscall(SYS_newfstatat, AT_FDCWD, "f", B, 0));
    SWEEP("statx with a bad path", syscall(SYS_statx, AT_FDCWD, B, 0, 0x7ff, buf));
    SWEEP("statx into a bad buffer", syscall(SYS_statx, AT_FDCWD, "f", 0, 0x7ff, B));
    SWEEP("access with a bad path", syscall(SYS_access, B, F_OK));
    SWEEP("faccessat with a bad path", syscall(SYS_faccessat, AT_FDCWD, B, F_OK));
    SWEEP("mkdir with a bad path", syscall(SYS_mkdir, B, 0755));
    SWEEP("mkdirat with a bad path", syscall(SYS_mkdirat, dfd, B, 0755));
    SWEEP("mknod with a bad path", syscall(SYS_mknod, B, S_IFIFO | 0644, 0));
    SWEEP("rmdir with a bad path", syscall(SYS_rmdir, B));
    SWEEP("unlink with a bad path", syscall(SYS_unlink, B));
    SWEEP("unlinkat with a bad path", syscall(SYS_unlinkat, AT_FDCWD, B, 0));
    SWEEP("rename with a bad old path", syscall(SYS_rename, B, "g"));
    SWEEP("rename with a bad new path", syscall(SYS_rename, "f", B));
    SWEEP("renameat2 with a bad path", syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, B, 0));
    SWEEP("link with a bad old path", syscall(SYS_link, B, "g"));
    SWEEP("link with a bad new path", syscall(SYS_link, "f", B));
    SWEEP("symlink with a bad target", syscall(SYS_symlink, B, "g"));
    SWEEP("symlink with a bad link path", syscall(SYS_symlink, "f", B));
    SWEEP("readlink with a bad path", syscall(SYS_readlink, B, buf, sizeof buf));
    SWEEP("readlink into a bad buffer", syscall(SYS_readlink, "sl", B, 64));
    SWEEP("chmod with a bad path", syscall(SYS_chmod, B, 0600));
    SWEEP("chown with a bad path", syscall(SYS_chown, B, 0, 0));
    SWEEP("lchown with a bad path", syscall(SYS_lchown, B, 0, 0));
    SWEEP("truncate with a bad path", syscall(SYS_truncate, B, 0));
    SWEEP("utimensat with a bad path", syscall(SYS_utimensat, AT_FDCWD, B, NULL, 0));
    SWEEP_NULLOK("utimensat with bad times (NULL means now)", _nr == 0, syscall(SYS_utimensat, AT_FDCWD, "f", B, 0));
    SWEEP("chdir with a bad path", syscall(SYS_chdir, B));
    SWEEP("getcwd into a bad buffer", syscall(SYS_getcwd, B, 4096));
    SWEEP("statfs with a bad path", syscall(SYS_statfs, B, buf));
    SWEEP("statfs into a bad buffer", syscall(SYS_statfs, "f", B));
    SWEEP("fstatfs into a bad buffer", syscall(SYS_fstatfs, fd, B));
    SWEEP("getxattr with a bad path", syscall(SYS_getxattr, B, "user.a", buf, sizeof buf));
    SWEEP("getxattr with a bad name", syscall(SYS_getxattr, "f", B, buf, sizeof buf));
    SWEEP("setxattr with a bad name", syscall(SYS_setxattr, "f", B, "v", 1, 0));
    SWEEP("setxattr with a bad value", syscall(SYS_setxattr, "f", "user.a", B, 16, 0));
    syscall(SYS_setxattr, "f", "user.a", "value", 5, 0);
    SWEEP("getxattr into a bad value buffer", syscall(SYS_getxattr, "f", "user.a", B, 64));
    SWEEP("listxattr into a bad buffer", syscall(SYS_listxattr, "f", B, 64));

    /* data */
    SWEEP("getdents64 into a bad buffer", syscall(SYS_getdents64, dfd, B, sizeof buf));
    SWEEP("read from a file into a bad buffer", syscall(SYS_read, fd, B, 10) + 0 * syscall(SYS_lseek, fd, 0, SEEK_SET));
    SWEEP("write to a file from a bad buffer", syscall(SYS_write, fd, B, 10));
    SWEEP("pread64 into a bad buffer", syscall(SYS_pread64, fd, B, 10, 0));
    SWEEP("pwrite64 from a bad buffer", syscall(SYS_pwrite64, fd, B, 10, 0));
    SWEEP("readv with a bad iovec array", syscall(SYS_readv, fd, B, 1) + 0 * syscall(SYS_lseek, fd, 0, SEEK_SET));
    SWEEP("readv with a bad iov_base", ({
              struct iovec iv = {B, 10};
              syscall(SYS_lseek, fd, 0, SEEK_SET);
              syscall(SYS_readv, fd, &iv, 1);
          }));
    SWEEP("writev with a bad iovec array", syscall(SYS_writev, fd, B, 1));
    SWEEP("writev with a bad iov_base", ({
              struct iovec iv = {B, 10};
              syscall(SYS_writev, fd, &iv, 1);
          }));
    syscall(SYS_lseek, fd, 0, SEEK_SET);
    memset(buf, 0, sizeof buf);
    long n = syscall(SYS_read, fd, buf, sizeof buf);
    CHECK(n == 10 && memcmp(buf, "0123456789", 10) == 0 && fsize("f") == 10,
          "the file is unchanged by the failed writes", "read %ld size %ld", n, fsize("f"));
    CHECK(!exists("g") && !exists("d/g") && exists("f") && exists("sl"),
          "no failed call created or removed a name", "g %d", exists("g"));

    /* pipes, poll, select */
    SWEEP("pipe into a bad array", syscall(SYS_pipe, B));
    SWEEP("pipe2 into a bad array", syscall(SYS_pipe2, B, O_CLOEXEC));
    int probe = dup(0);
    CHECK(probe == first_free, "a failed pipe leaks no descriptors", "next fd %d, expected %d", probe, first_free);
    close(probe);
    int p[2];
    syscall(SYS_pipe, p);
    SWEEP("poll with a bad fd array", syscall(SYS_poll, B, 1, 0));
    SWEEP_NULLOK("poll with a bad array and nfds 0 (NULL is fine)", _nr == 0, syscall(SYS_poll, B, 0, 0) + 0 * 0);
    SWEEP("ppoll with a bad timeout", ({
              struct pollfd pf = {p[0], POLLIN, 0};
              syscall(SYS_ppoll, &pf, 1, B, NULL, 8);
          }));
    SWEEP_NULLOK("select with a bad read set (NULL is fine)", _nr == 0, ({
                     struct timeval tv = {0, 0};
                     syscall(SYS_select, p[0] + 1, B, NULL, NULL, &tv);
                 }));
    SWEEP_NULLOK("select with a bad timeout (NULL waits)", 1, ({
                     fd_set ws;
                     FD_ZERO(&ws);
                     FD_SET(p[1], &ws);
                     /* for NULL the write end is ready, so this returns 1 at once */
                     B ? syscall(SYS_select, p[1] + 1, NULL, &ws, NULL, B) : 0;
                 }));
    SWEEP("ioctl(FIONREAD) into a bad pointer", syscall(SYS_ioctl, p[0], 0x541B, B));
    close(p[0]);
    close(p[1]);

    /* still alive */
    pid_t pid = fork();
    if (pid == 0)
        _exit(42);
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42, "after the sweep the process lives and can fork",
          "status %#x", status);

    close(fd);
    close(dfd);
    chdir("/");
    rm_rf(D);
    return t_done("fs_badptr");
}
