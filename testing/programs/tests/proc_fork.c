/* fork, wait4, copy-on-write, getpid/getppid, vfork + _exit, WNOHANG, ECHILD. */
#include <stdlib.h>
#include "../t.h"

static int shared_value = 1;

int main(void) {
    int status = 0;
    errno = 0;
    CHECK(wait(&status) == -1 && errno == ECHILD, "wait without children is ECHILD", "errno %d", errno);

    pid_t me = getpid();
    pid_t child = fork();
    if (child == 0) {
        _exit(getppid() == me ? 42 : 1);
    }
    CHECK(child > 0, "fork returns the child's pid", "got %d", child);
    pid_t got = waitpid(child, &status, 0);
    CHECK(got == child, "waitpid returns the child", "got %d", got);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42, "child sees its parent and exits 42", "status %#x", status);

    child = fork();
    if (child == 0) {
        shared_value = 2;
        _exit(shared_value);
    }
    waitpid(child, &status, 0);
    CHECK(WEXITSTATUS(status) == 2 && shared_value == 1, "copy-on-write keeps the parent's value", "child %d parent %d", WEXITSTATUS(status), shared_value);

    static volatile int pipe_like = 0;
    child = vfork();
    if (child == 0) {
        pipe_like = 7; /* shares memory with the suspended parent */
        _exit(3);
    }
    waitpid(child, &status, 0);
    CHECK(pipe_like == 7 && WEXITSTATUS(status) == 3, "vfork shares memory until _exit", "value %d status %#x", pipe_like, status);

    child = fork();
    if (child == 0) {
        for (volatile int i = 0; i < 2000000; i++) {
        }
        _exit(0);
    }
    got = waitpid(child, &status, WNOHANG);
    CHECK(got == 0 || got == child, "WNOHANG does not block", "got %d", got);
    if (got == 0)
        waitpid(child, &status, 0);

    errno = 0;
    CHECK(waitpid(-1, &status, 0x12345678) == -1 && errno == EINVAL, "unknown wait option is EINVAL", "errno %d", errno);

    int n = 20;
    for (int i = 0; i < n; i++) {
        if (fork() == 0)
            _exit(i);
    }
    int seen = 0, sum = 0;
    while ((got = wait(&status)) > 0) {
        seen++;
        sum += WEXITSTATUS(status);
    }
    CHECK(seen == n && sum == n * (n - 1) / 2, "twenty children all reaped", "seen %d sum %d", seen, sum);
    return t_done("proc_fork");
}
