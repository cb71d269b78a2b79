/* Memory exhaustion as PID 1, on Debian's Linux and on Aramid in the same
 * QEMU (testing/suites/init.toml): a tmpfs without size= stops at half of
 * RAM (ENOSPC); the kernel's own objects (eventfds, pipe pages) are still
 * there after it; a child touching more memory than is left is killed by
 * the OOM killer (SIGKILL, "Out of memory: Killed process" in the kernel
 * log) while init lives on; once the file is gone, the same child runs to
 * its end (half of RAM). Ends with a power-off. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include "../t.h"

/* A child that touches `mib` MiB; its wait status. */
static int hog(long mib) {
    pid_t c = fork();
    if (c == 0) {
        char *m = malloc(mib << 20);
        for (long i = 0; m && i < (mib << 20); i += 4096)
            m[i] = 1;
        _exit(m ? 0 : 2);
    }
    int st = -1;
    waitpid(c, &st, 0);
    return st;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    mkdir("/tmp", 01777);
    CHECK(mount("tmp", "/tmp", "tmpfs", 0, NULL) == 0, "a tmpfs mounted without size=", "errno %d", errno);
    struct sysinfo si;
    sysinfo(&si);
    long ram = (long)(si.totalram * si.mem_unit >> 20);

    int fd = open("/tmp/big", O_CREAT | O_RDWR, 0600);
    long total = 0;
    int r;
    while ((r = fallocate(fd, 0, total, 16 << 20)) == 0)
        total += 16 << 20;
    long mib = total >> 20;
    CHECK(r == -1 && errno == ENOSPC && mib >= ram * 2 / 5 && mib <= ram * 3 / 5,
          "it fills up at half of RAM with ENOSPC", "%ld of %ld MiB, errno %d", mib, ram, errno);

    int n = 0;
    for (int i = 0; i < 500; i++)
        if (eventfd(0, 0) >= 0)
            n++;
    int filled = 0;
    for (int i = 0; i < 200; i++) {
        int p[2];
        if (pipe2(p, O_NONBLOCK) != 0)
            break;
        char b[4096] = {1};
        long w = 0, k;
        while ((k = write(p[1], b, sizeof b)) > 0)
            w += k;
        if (w == 65536)
            filled++;
    }
    CHECK(n == 500 && filled == 200, "500 eventfds and 200 full pipes still fit", "%d %d", n, filled);

    int st = hog(ram * 7 / 10);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "a child touching more than is left is OOM-killed (SIGKILL)",
          "status %x", st);
    CHECK(kill(1, 0) == 0, "init lives on", "-");

    close(fd);
    unlink("/tmp/big");
    st = hog(ram / 2);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "with the file gone, the same child runs to its end", "status %x", st);

    t_done("oom_fill");
    sync();
    reboot(RB_POWER_OFF);
    return 1;
}
