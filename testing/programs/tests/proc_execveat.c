/* execveat(2): AT_EMPTY_PATH on a file descriptor (also O_PATH), names
 * relative to a directory fd or AT_FDCWD, absolute names ignoring the fd,
 * AT_EXECFN as "/dev/fd/N" forms, scripts through an fd (the interpreter
 * gets "/dev/fd/N"; ENOENT when the fd is close-on-exec), and the errors:
 * EINVAL flags, ENOENT for "" without AT_EMPTY_PATH, EBADF, ELOOP with
 * AT_SYMLINK_NOFOLLOW, EACCES for a directory or a non-executable file.
 * The program itself is the target: with PS_REPORT set it writes its argv
 * and AT_EXECFN to that file. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/auxv.h>
#include "../t.h"
#include "../files.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef O_PATH
#define O_PATH 010000000
#endif

#define TDIR "/tmp/proc_execveat.d"
static char self[256], selfdir[256], selfbase[128];

static int report(int argc, char **argv, const char *file) {
    if (getenv("PS_SELF"))
        snprintf(self, sizeof self, "%.250s", getenv("PS_SELF"));
    int fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    for (int i = 0; i < argc; i++) {
        const char *a = !strcmp(argv[i], self) ? "SELF" : argv[i];
        write(fd, a, strlen(a));
        write(fd, "|", 1);
    }
    const char *fn = (const char *)getauxval(AT_EXECFN);
    if (fn) {
        const char *a = !strcmp(fn, self) ? "SELF" : fn;
        write(fd, "execfn=", 7);
        write(fd, a, strlen(a));
    }
    close(fd);
    return 0;
}

/* Runs execveat(dirfd, path, {"x", "y"}, flags) in a child; returns its
 * errno (0 when the program ran) and the report in out. */
static int run(int dirfd, const char *path, int flags, char *out, size_t outsz) {
    unlink(TDIR "/out");
    int pfd[2];
    pipe2(pfd, O_CLOEXEC);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"x", "y", NULL};
        char selfenv[300];
        snprintf(selfenv, sizeof selfenv, "PS_SELF=%s", self);
        char *envp[] = {"PS_REPORT=" TDIR "/out", selfenv, NULL};
        syscall(SYS_execveat, dirfd, path, argv, envp, flags);
        int e = errno;
        write(pfd[1], &e, sizeof e);
        _exit(0);
    }
    return t_exec_outcome(pid, pfd, TDIR "/out", out, outsz);
}

int main(int argc, char **argv) {
    const char *rep = t_report_mode(self, sizeof self, argv[0]);
    if (rep)
        return report(argc, argv, rep);

    t_empty_dir(TDIR, 60);
    snprintf(selfdir, sizeof selfdir, "%s", self);
    char *slash = strrchr(selfdir, '/');
    snprintf(selfbase, sizeof selfbase, "%.120s", slash + 1);
    *slash = 0;
    char out[1024], want[600];
    int e;

    /* AT_EMPTY_PATH on an fd of the program, at a fixed number. */
    int fd = open(self, O_RDONLY);
    dup2(fd, 20);
    close(fd);
    e = run(20, "", AT_EMPTY_PATH, out, sizeof out);
    CHECK(e == 0 && !strcmp(out, "x|y|execfn=/dev/fd/20"), "execveat(fd, \"\", AT_EMPTY_PATH) runs the file",
          "e %d out %s", e, out);
    close(20);
    fd = open(self, O_PATH);
    dup2(fd, 21);
    close(fd);
    e = run(21, "", AT_EMPTY_PATH, out, sizeof out);
    CHECK(e == 0, "an O_PATH descriptor works with AT_EMPTY_PATH", "e %d", e);
    close(21);

    /* Relative to a directory fd, to AT_FDCWD, absolute. */
    fd = open(selfdir, O_RDONLY | O_DIRECTORY);
    dup2(fd, 22);
    close(fd);
    e = run(22, selfbase, 0, out, sizeof out);
    snprintf(want, sizeof want, "x|y|execfn=/dev/fd/22/%s", selfbase);
    CHECK(e == 0 && !strcmp(out, want), "a name relative to a directory fd runs, AT_EXECFN is /dev/fd/N/name",
          "e %d out %s", e, out);
    chdir(selfdir);
    e = run(AT_FDCWD, selfbase, 0, out, sizeof out);
    snprintf(want, sizeof want, "x|y|execfn=%s", selfbase);
    CHECK(e == 0 && !strcmp(out, want), "AT_FDCWD with a relative name runs it with that AT_EXECFN", "e %d out %s", e,
          out);
    chdir("/");
    e = run(-1, self, 0, out, sizeof out);
    CHECK(e == 0 && !strcmp(out, "x|y|execfn=SELF"), "an absolute name ignores the (bad) fd", "e %d out %s", e, out);

    /* Scripts through an fd. */
    char text[300];
    snprintf(text, sizeof text, "#!%s -s\n", self);
    t_put_in(TDIR, "script", text, 0755);
    fd = open(TDIR "/script", O_RDONLY);
    dup2(fd, 23);
    close(fd);
    e = run(23, "", AT_EMPTY_PATH, out, sizeof out);
    CHECK(e == 0 && !strcmp(out, "SELF|-s|/dev/fd/23|y|execfn=/dev/fd/23"),
          "a script through an fd gets /dev/fd/N as its path", "e %d out %s", e, out);
    fcntl(23, F_SETFD, FD_CLOEXEC);
    e = run(23, "", AT_EMPTY_PATH, out, sizeof out);
    CHECK(e == ENOENT, "a script through a close-on-exec fd is ENOENT", "e %d", e);
    close(23);

    /* Errors. */
    fd = open(self, O_RDONLY);
    e = run(fd, "", AT_EMPTY_PATH | 0x4, out, sizeof out);
    CHECK(e == EINVAL, "unknown execveat flags are EINVAL", "e %d", e);
    e = run(fd, "", 0, out, sizeof out);
    CHECK(e == ENOENT, "an empty name without AT_EMPTY_PATH is ENOENT", "e %d", e);
    close(fd);
    e = run(99, "relative", 0, out, sizeof out);
    CHECK(e == EBADF, "a relative name with a bad fd is EBADF", "e %d", e);
    e = run(99, "", AT_EMPTY_PATH, out, sizeof out);
    CHECK(e == EBADF, "AT_EMPTY_PATH with a bad fd is EBADF", "e %d", e);
    symlink(self, TDIR "/link");
    e = run(AT_FDCWD, TDIR "/link", AT_SYMLINK_NOFOLLOW, out, sizeof out);
    CHECK(e == ELOOP, "a symlink with AT_SYMLINK_NOFOLLOW is ELOOP", "e %d", e);
    e = run(AT_FDCWD, TDIR "/link", 0, out, sizeof out);
    CHECK(e == 0, "the same symlink without the flag runs", "e %d", e);
    fd = open(TDIR, O_RDONLY | O_DIRECTORY);
    e = run(fd, "", AT_EMPTY_PATH, out, sizeof out);
    CHECK(e == EACCES, "AT_EMPTY_PATH on a directory fd is EACCES", "e %d", e);
    close(fd);
    t_put_in(TDIR, "plain", "#!/bin/false\n", 0644);
    fd = open(TDIR "/plain", O_RDONLY);
    e = run(fd, "", AT_EMPTY_PATH, out, sizeof out);
    CHECK(e == EACCES, "AT_EMPTY_PATH on a file without execute permission is EACCES", "e %d", e);
    close(fd);
    fd = open(TDIR, O_RDONLY | O_DIRECTORY);
    e = run(fd, "missing", 0, out, sizeof out);
    CHECK(e == ENOENT, "a missing name relative to a directory fd is ENOENT", "e %d", e);
    e = run(fd, "plain/x", 0, out, sizeof out);
    CHECK(e == ENOTDIR, "a file used as a directory is ENOTDIR", "e %d", e);
    close(fd);

    t_rm_rf(TDIR);
    errno = 0;
    CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("proc_execveat");
}
