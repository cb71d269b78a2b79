/* The working directory beyond fs_dir: shared by threads (CLONE_FS, also
 * the root after chroot), copied by fork, getcwd's size rules (0 and NULL),
 * fchdir errors (EBADF, ENOTDIR on an O_PATH file, EACCES without search
 * permission even on an already open directory), and getcwd inside a mount
 * that was lazily unmounted ("(unreachable)" plus the path inside it). */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_cwd.d"
#define M D "/mnt"

static void *thread_chdir(void *arg) {
    (void)arg;
    chdir(D "/a");
    return NULL;
}
static void *thread_chroot(void *arg) {
    (void)arg;
    chroot(D "/a");
    return NULL;
}

int main(void) {
    long r;
    if (syscall(SYS_unshare, CLONE_NEWNS) == 0)
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    umount2(M, MNT_DETACH);
    if (t_fresh_dir(D) != 0)
        return 1;
    mkdir("a", 0755);
    mkdir("b", 0755);
    close(t_open("a/in-a", O_WRONLY | O_CREAT, 0644));
    close(t_open("file", O_WRONLY | O_CREAT, 0644));

    pthread_t t;
    pthread_create(&t, NULL, thread_chdir, NULL);
    pthread_join(t, NULL);
    CHECK(strcmp(t_getcwd_raw(), D "/a") == 0, "a thread's chdir moves the whole process (CLONE_FS)", "'%s'", t_cwd);
    chdir(D);
    pid_t pid = fork();
    if (pid == 0) {
        if (strcmp(t_getcwd_raw(), D) != 0)
            _exit(1);
        chdir(D "/b");
        _exit(0);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && strcmp(t_getcwd_raw(), D) == 0,
          "fork copies the cwd; the child's chdir stays in the child", "status %#x '%s'", status, t_cwd);
    pid = fork();
    if (pid == 0) {
        pthread_create(&t, NULL, thread_chroot, NULL);
        pthread_join(t, NULL);
        _exit(access("/in-a", F_OK) == 0 ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a thread's chroot changes the root of every thread",
          "status %#x", status);

    /* getcwd sizes */
    CHECK(FAILS(syscall(SYS_getcwd, t_cwd, 0), ERANGE) && FAILS(syscall(SYS_getcwd, NULL, 0), ERANGE),
          "getcwd with size 0 is ERANGE, also with a NULL buffer", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_getcwd, NULL, 4096), EFAULT), "getcwd into NULL with room is EFAULT", "errno %d", errno);
    r = syscall(SYS_getcwd, t_cwd, strlen(D) + 1);
    CHECK(r == (long)strlen(D) + 1 && strcmp(t_cwd, D) == 0, "a buffer of exactly the length plus NUL is enough",
          "ret %ld", r);

    /* fchdir */
    CHECK(FAILS(fchdir(999), EBADF), "fchdir of a closed fd is EBADF", "errno %d", errno);
    int pf = t_open("file", O_PATH, 0);
    CHECK(FAILS(fchdir(pf), ENOTDIR), "fchdir of an O_PATH file fd is ENOTDIR", "errno %d", errno);
    close(pf);
    mkdir("closed", 0700);
    pid = fork();
    if (pid == 0) {
        int dfd = t_open(D "/closed", O_RDONLY | O_DIRECTORY, 0);
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(99);
        errno = 0;
        if (fchdir(dfd) != -1 || errno != EACCES)
            _exit(1);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "fchdir needs search permission even on a directory opened earlier (EACCES)", "status %#x", status);

    /* a cwd inside a lazily unmounted filesystem */
    mkdir(M, 0755);
    mount("fs_cwd", M, "tmpfs", 0, NULL);
    mkdir(M "/sub", 0755);
    chdir(M "/sub");
    r = umount2(M, MNT_DETACH);
    CHECK(r == 0 && strcmp(t_getcwd_raw(), "(unreachable)/sub") == 0,
          "after MNT_DETACH getcwd is \"(unreachable)\" plus the path inside the detached mount", "ret %ld '%s'", r,
          t_cwd);
    close(t_open("still-works", O_WRONLY | O_CREAT, 0644));
    CHECK(access("still-works", F_OK) == 0 && access(M "/sub", F_OK) != 0,
          "the detached tree stays usable through the cwd, invisible by path", "errno %d", errno);
    chdir("/");

    t_rm_rf(D);
    return t_done("fs_cwd");
}
