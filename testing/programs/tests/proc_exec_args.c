/* execve's argument limits and an empty argv, as Linux 6.1: the strings
 * and pointers of argv and envp must fit in a quarter of RLIMIT_STACK
 * (E2BIG past it), one string at most 128 KiB (E2BIG); a bigger stack
 * limit admits more; an empty argv is given one empty string. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "../t.h"
#include "../procfs.h"

/* Runs /proc/self/exe with `argv`/`envp` in a child with RLIMIT_STACK
 * `stack`: the child's exit status, or 200 + errno if execve failed. */
static int run(char **argv, char **envp, rlim_t stack) {
    pid_t c = fork();
    if (c == 0) {
        struct rlimit rl = {stack, RLIM_INFINITY};
        setrlimit(RLIMIT_STACK, &rl);
        execve("/proc/self/exe", argv, envp);
        _exit(200 + errno);
    }
    int st;
    waitpid(c, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* `n` strings of `len` bytes each, NULL-terminated, the first "child". */
static char **strings(int n, int len) {
    char **v = calloc(n + 2, sizeof *v);
    char *s = malloc(len + 1);
    memset(s, 'x', len);
    s[len] = 0;
    v[0] = "child";
    for (int i = 1; i <= n; i++)
        v[i] = s;
    return v;
}

int main(int argc, char **argv) {
    if (argc >= 1 && strcmp(argv[0], "child") == 0)
        return 7;
    if (argc == 1 && argv[0][0] == 0)
        return 8; /* the empty string Linux puts in an empty argv */
    t_watchdog(60);
    t_proc_mount();
    char *none[] = {NULL};

    int r = run(strings(1, 100), none, 8 << 20);
    CHECK(r == 7, "a small argv runs", "%d", r);
    r = run(strings(1, 200 << 10), none, 8 << 20);
    CHECK(r == 200 + E2BIG, "one string past 128 KiB is E2BIG", "%d", r);
    /* 24 strings of 100 KiB: 2.4 MB, past 8 MiB / 4. */
    r = run(strings(24, 100 << 10), none, 8 << 20);
    CHECK(r == 200 + E2BIG, "argv past a quarter of RLIMIT_STACK is E2BIG", "%d", r);
    r = run(strings(24, 100 << 10), none, 32 << 20);
    CHECK(r == 7, "the same argv runs with a 32 MiB stack limit", "%d", r);
    r = run(strings(1, 100), strings(24, 100 << 10), 8 << 20);
    CHECK(r == 200 + E2BIG, "envp counts against the same limit", "%d", r);
    /* 80 strings of 100 KiB with an unlimited stack: past the 6 MiB cap. */
    r = run(strings(80, 100 << 10), none, RLIM_INFINITY);
    CHECK(r == 200 + E2BIG, "never more than 6 MiB, however big the stack limit", "%d", r);
    r = run(none, none, 8 << 20);
    CHECK(r == 8, "an empty argv gets one empty string", "%d", r);
    CHECK_NO_CHILDREN();
    return t_done("proc_exec_args");
}
