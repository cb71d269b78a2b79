/* The start shared by fs_badptr and fs_badptr_io: a fresh directory, the
 * bad pointers P[] of sweep.h, and a file "f" holding "0123456789". */
#ifndef ARAMID_BADPTR_H
#define ARAMID_BADPTR_H
#include <poll.h>
#include <stdlib.h>
#include <sys/select.h>
#include <sys/uio.h>
#include "sweep.h"
#include "files.h"

/* Returns the descriptor of "f" (open O_RDWR), or -1 if dir could not be
 * made. */
static inline int t_badptr_start(const char *dir) {
    if (t_fresh_dir(dir) != 0)
        return -1;
    t_sweep_init();
    int fd = syscall(SYS_open, "f", O_RDWR | O_CREAT, 0644);
    write(fd, "0123456789", 10);
    return fd;
}

/* The end of both sweeps: the process must still live and fork; then fd and
 * dfd are closed and dir removed. */
static inline void t_badptr_finish(const char *dir, int fd, int dfd) {
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
    t_rm_rf(dir);
}
#endif
