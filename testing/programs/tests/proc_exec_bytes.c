/* execve with bytes that are not UTF-8: argv and envp strings (lone
 * 0x80-0xff bytes, truncated sequences, surrogates, Latin-1, an empty
 * string, an environment string without '=', long strings) reach the new
 * program byte for byte; and, with plain ASCII arguments so that the two
 * are told apart, the program runs through a copy of itself with a
 * non-UTF-8 name (absolute, relative, and by execveat in a directory fd,
 * where AT_EXECFN is /dev/fd/N/name), a non-UTF-8 symlink to it and a `#!`
 * script whose name, interpreter path and interpreter argument are not
 * UTF-8; AT_EXECFN is the path given to execve, bytes unchanged.
 * The program re-executes itself (argv[0]; no /proc needed) in a child
 * mode that prints nothing and reports through its exit status. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../t.h"

#define D "/tmp/proc_exec_bytes.d"
#define COPY D "/\xff\xfe-exe"
#define REL_COPY "./\xff\xfe-exe"
#define LINK D "/\x80\xc3link"
#define SCRIPT D "/\xe9script\xed\xa0\x80"
#define SCRIPT_ARG "\xa0\xa1"
#define ARGV0 "\xff\xfe-argv0-caf\xe9"
#define RAN 0x40

extern char **environ;

static char big_arg[2001], big_env[3001];
static const char *args[] = {"\xff", "\x80\x81\x82", "caf\xe9", "\xc3\x28", "", "\xed\xa0\x80", "a b\xfe", big_arg};
#define NARGS (int)(sizeof args / sizeof args[0])
static const char *envs[] = {"BYTES=\xff\xfe", "\xe9T\xe9=\x80", "NOEQUALS\xff", "EMPTY=", big_env};
#define NENVS (int)(sizeof envs / sizeof envs[0])
static const char *plain_args[] = {"plain", "args"};
static const char *plain_envs[] = {"A=1"};
static int plain; /* the child: set by a "child-plain" or "child-script" mode */

static void fill_big(void) {
    for (int i = 0; i < 2000; i++)
        big_arg[i] = (char)(0x80 + i % 128);
    memcpy(big_env, "BIG=", 4);
    for (int i = 4; i < 3000; i++)
        big_env[i] = (char)0xfe;
}

/* The arguments after the mode ones and the environment, exactly. */
static int check_tail(char **tail, int n) {
    int bad = 0;
    const char **a = plain ? plain_args : args, **e = plain ? plain_envs : envs;
    int na = plain ? 2 : NARGS, ne = plain ? 1 : NENVS;
    if (n != na)
        return 1;
    for (int i = 0; i < na; i++)
        if (strcmp(tail[i], a[i]))
            bad |= 2;
    if (tail[n] != NULL)
        bad |= 2;
    int got = 0;
    while (environ[got])
        got++;
    if (got != ne)
        bad |= 4;
    else
        for (int i = 0; i < ne; i++)
            if (strcmp(environ[i], e[i]))
                bad |= 4;
    const char *b = getenv("BYTES");
    if (!plain && (!b || strcmp(b, "\xff\xfe")))
        bad |= 8;
    return bad;
}

/* argv: ARGV0, "child-bytes" or "child-plain", expected AT_EXECFN, args... */
static int child_bytes(int argc, char **argv) {
    int bad = check_tail(argv + 3, argc - 3);
    if (strcmp(argv[0], plain ? "plain-argv0" : ARGV0))
        bad |= 16;
    const char *fn = (const char *)getauxval(AT_EXECFN);
    if (!fn || strcmp(fn, argv[2]))
        bad |= 32;
    return RAN | bad;
}

/* argv: COPY, SCRIPT_ARG, SCRIPT, "child-script", args... */
static int child_script(int argc, char **argv) {
    int bad = check_tail(argv + 4, argc - 4);
    if (strcmp(argv[0], COPY) || strcmp(argv[1], SCRIPT_ARG))
        bad |= 16;
    const char *fn = (const char *)getauxval(AT_EXECFN);
    if (strcmp(argv[2], SCRIPT) || !fn || strcmp(fn, SCRIPT))
        bad |= 32;
    return RAN | bad;
}

/* Runs path with argv {argv0, mode, extra, args...} and envp (the byte
 * ones, or the plain ones for a mode other than "child-bytes") in a child;
 * the exit status (RAN alone is success; 0x80 + errno if execve failed). */
static int run_at(int dirfd, const char *path, const char *argv0, const char *mode, const char *extra, int in_dir) {
    pid_t pid = fork();
    if (pid == 0) {
        int bytes = strcmp(mode, "child-bytes") == 0;
        const char *av[4 + NARGS];
        int n = 0;
        av[n++] = argv0;
        av[n++] = mode;
        if (extra)
            av[n++] = extra;
        for (int i = 0; i < (bytes ? NARGS : 2); i++)
            av[n++] = bytes ? args[i] : plain_args[i];
        av[n] = NULL;
        const char *ev[NENVS + 1];
        for (int i = 0; i < (bytes ? NENVS : 1); i++)
            ev[i] = bytes ? envs[i] : plain_envs[i];
        ev[bytes ? NENVS : 1] = NULL;
        if (in_dir && chdir(D) != 0)
            _exit(0xff);
        if (dirfd >= 0)
            syscall(SYS_execveat, dirfd, path, av, ev, 0);
        else
            syscall(SYS_execve, path, av, ev);
        _exit(0x80 | (errno & 0x7f));
    }
    int st = -1;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 0x1000 | st;
}

static int run(const char *path, const char *argv0, const char *mode, const char *extra, int in_dir) {
    return run_at(-1, path, argv0, mode, extra, in_dir);
}

static int copy_file(const char *from, const char *to) {
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    static char buf[65536];
    long n, total = 0;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, n) == n)
            total += n;
    close(in);
    close(out);
    return in >= 0 && out >= 0 && total > 0;
}

int main(int argc, char **argv) {
    fill_big();
    if (argc >= 3 && strcmp(argv[1], "child-bytes") == 0)
        return child_bytes(argc, argv);
    plain = 1;
    if (argc >= 3 && strcmp(argv[1], "child-plain") == 0)
        return child_bytes(argc, argv);
    if (argc >= 4 && strcmp(argv[3], "child-script") == 0)
        return child_script(argc, argv);
    if (argc < 1 || !argv[0])
        return 1;
    const char *self = argv[0];
    int r;

    r = run(self, ARGV0, "child-bytes", self, 0);
    CHECK(r == RAN, "non-UTF-8 argv and envp strings reach the new program byte for byte", "child status %#x", r);

    mkdir("/tmp", 0777);
    mkdir(D, 0755);
    CHECK(copy_file(self, COPY), "a copy of the program under a non-UTF-8 name", "errno %d", errno);
    r = run(COPY, "plain-argv0", "child-plain", COPY, 0);
    CHECK(r == RAN, "execve of a non-UTF-8 path; AT_EXECFN is that path", "child status %#x", r);
    r = run(REL_COPY, "plain-argv0", "child-plain", REL_COPY, 1);
    CHECK(r == RAN, "execve of a relative non-UTF-8 path; AT_EXECFN is that path", "child status %#x", r);
    int dfd = open(D, O_RDONLY | O_DIRECTORY);
    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/dev/fd/%d/%s", dfd, REL_COPY + 2);
    r = run_at(dfd, REL_COPY + 2, "plain-argv0", "child-plain", fdpath, 0);
    CHECK(r == RAN, "execveat of a non-UTF-8 name in a directory fd; AT_EXECFN is /dev/fd/N/name", "child status %#x",
          r);
    close(dfd);
    CHECK(symlink(COPY, LINK) == 0, "a non-UTF-8 symlink to the non-UTF-8 copy", "errno %d", errno);
    r = run(LINK, "plain-argv0", "child-plain", LINK, 0);
    CHECK(r == RAN, "execve through the symlink; AT_EXECFN is the symlink's path", "child status %#x", r);

    int fd = open(SCRIPT, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    const char line[] = "#!" COPY " " SCRIPT_ARG "\n";
    CHECK(fd >= 0 && write(fd, line, sizeof line - 1) == (long)sizeof line - 1 && close(fd) == 0,
          "a #! script with a non-UTF-8 name naming the non-UTF-8 copy", "errno %d", errno);
    r = run(SCRIPT, "script-argv0", "child-script", NULL, 0);
    CHECK(r == RAN,
          "execve of the script passes the interpreter path, its argument and the script path byte for byte",
          "child status %#x", r);

    /* A missing non-UTF-8 path is ENOENT, and a non-executable one EACCES. */
    r = run(D "/\xff-missing", "plain-argv0", "child-plain", "x", 0);
    CHECK(r == (0x80 | ENOENT), "execve of a missing non-UTF-8 path is ENOENT", "child status %#x", r);
    chmod(SCRIPT, 0644);
    r = run(SCRIPT, "x", "child-script", NULL, 0);
    CHECK(r == (0x80 | EACCES), "execve of a non-executable non-UTF-8 path is EACCES", "child status %#x", r);

    CHECK(unlink(SCRIPT) == 0 && unlink(LINK) == 0 && unlink(COPY) == 0 && rmdir(D) == 0, "clean up", "errno %d",
          errno);
    return t_done("proc_exec_bytes");
}
