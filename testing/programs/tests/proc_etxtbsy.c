/* ETXTBSY (Linux's i_writecount): while a program runs, its file cannot be
 * opened for writing (O_WRONLY, O_RDWR, O_TRUNC even with O_RDONLY, and the
 * file is left untouched) or truncated, but can be read, renamed over and
 * unlinked; a file open for writing cannot be executed; a forked child
 * keeps the program busy after the parent has moved on; everything is
 * allowed again once the last process running it has gone. The program
 * runs a copy of itself as the busy executable. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "../t.h"
#include "../files.h"

#define COPY "/tmp/proc_etxtbsy.bin"

/* The process running the copy, as it reported itself. */
static pid_t runner;

/* Starts the copy: it reports its pid through the pipe, then sleeps
 * (with "fork": in a child of its own, its parent exiting at once). */
static pid_t start_copy(const char *mode) {
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 3);
        execl(COPY, COPY, mode, (char *)0);
        _exit(127);
    }
    close(p[1]);
    ssize_t n = read(p[0], &runner, sizeof runner);
    close(p[0]);
    return n == sizeof runner ? pid : -1;
}

static int open_errno(int flags) {
    errno = 0;
    int fd = open(COPY, flags);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "sleep")) {
        pid_t me = getpid();
        write(3, &me, sizeof me);
        pause();
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "fork")) {
        /* The grandchild keeps running the program. */
        if (fork() == 0) {
            pid_t me = getpid();
            write(3, &me, sizeof me);
            pause();
            _exit(0);
        }
        return 0;
    }
    t_watchdog(60);
    CHECK(t_copy_file("/proc/self/exe", COPY) == 0 || t_copy_file(argv[0], COPY) == 0, "a copy of the program is made", "errno %d", errno);
    struct stat before;
    stat(COPY, &before);

    pid_t pid = start_copy("sleep");
    CHECK(pid > 0, "the copy runs", "no readiness");
    CHECK(open_errno(O_WRONLY) == ETXTBSY, "opening a running program O_WRONLY is ETXTBSY", "errno %d", open_errno(O_WRONLY));
    CHECK(open_errno(O_RDWR) == ETXTBSY, "O_RDWR is ETXTBSY", "errno %d", open_errno(O_RDWR));
    CHECK(open_errno(O_RDONLY | O_TRUNC) == ETXTBSY, "O_RDONLY|O_TRUNC is ETXTBSY", "errno %d", open_errno(O_RDONLY | O_TRUNC));
    struct stat now;
    stat(COPY, &now);
    CHECK(now.st_size == before.st_size, "and the file is not truncated", "size %ld of %ld", (long)now.st_size, (long)before.st_size);
    CHECK(open_errno(O_RDONLY) == 0, "reading it is fine", "errno %d", open_errno(O_RDONLY));
    errno = 0;
    CHECK(truncate(COPY, 0) == -1 && errno == ETXTBSY, "truncate(2) is ETXTBSY", "errno %d", errno);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    CHECK(open_errno(O_WRONLY) == 0, "once it has exited, writing is allowed", "errno %d", open_errno(O_WRONLY));

    /* A writer blocks exec. */
    int w = open(COPY, O_WRONLY);
    pid = fork();
    if (pid == 0) {
        execl(COPY, COPY, "sleep", (char *)0);
        _exit(errno == ETXTBSY ? 42 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42, "executing a file open for writing is ETXTBSY", "status %#x", st);
    close(w);

    /* A forked child of the program keeps it busy. */
    pid = start_copy("fork");
    CHECK(pid > 0, "a copy that forks runs", "no readiness");
    waitpid(pid, NULL, 0);
    CHECK(open_errno(O_WRONLY) == ETXTBSY, "its child keeps it busy after it exits", "errno %d", open_errno(O_WRONLY));
    /* The file can still be replaced: rename over it, or unlink it. */
    CHECK(t_copy_file(COPY, COPY ".new") == 0 && rename(COPY ".new", COPY) == 0, "renaming another file over it works", "errno %d", errno);
    CHECK(open_errno(O_WRONLY) == 0, "the new file is writable", "errno %d", open_errno(O_WRONLY));
    /* The grandchild was reparented (to init, or to us if we are init). */
    kill(runner, SIGKILL);
    unlink(COPY);
    return t_done("proc_etxtbsy");
}
