/* execve of "#!" scripts written to /tmp: the interpreter's argv (optional
 * argument kept as one string, whitespace rules, the script path as
 * given), nested interpreters and the nesting limit (ELOOP), and the errors:
 * ENOEXEC for garbage, an empty file or "#!" alone, EACCES for a script or
 * interpreter without execute permission, ENOENT for a missing
 * interpreter. The interpreter is this program itself, which in "report"
 * mode (PS_REPORT in the environment) writes its argv to a file. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define TDIR "/tmp/proc_script.d"
static char self[256];

/* Runs path with args a b in a child; returns the exec errno (0 when the
 * interpreter ran and reported) and leaves its argv in `out`. */
static int run(const char *path, char *out, size_t outsz) {
    unlink(TDIR "/out");
    int pfd[2];
    pipe2(pfd, O_CLOEXEC);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {(char *)path, "a", "b c", NULL};
        char *envp[] = {"PS_REPORT=" TDIR "/out", NULL};
        syscall(SYS_execve, path, argv, envp);
        int e = errno;
        write(pfd[1], &e, sizeof e);
        _exit(0);
    }
    return t_exec_outcome(pid, pfd, TDIR "/out", out, outsz);
}

static int report(int argc, char **argv, const char *file) {
    int fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        /* The interpreter path itself is replaced by "SELF". */
        if (!strcmp(a, self))
            a = "SELF";
        write(fd, a, strlen(a));
        write(fd, "|", 1);
    }
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    const char *rep = t_report_mode(self, sizeof self, argv[0]);
    if (rep)
        return report(argc, argv, rep);

    t_empty_dir(TDIR, 60);
    char text[1024], out[2048];
    int e;

    snprintf(text, sizeof text, "#!%s -report\necho not run\n", self);
    t_put_in(TDIR, "s1", text, 0755);
    e = run(TDIR "/s1", out, sizeof out);
    CHECK(e == 0 && !strcmp(out, "SELF|-report|" TDIR "/s1|a|b c|"),
          "a script runs its interpreter with the argument, the script path and the arguments", "e %d argv %s", e, out);

    snprintf(text, sizeof text, "#! \t %s   -x  y \t \nrest\n", self);
    t_put_in(TDIR, "s2", text, 0755);
    e = run(TDIR "/s2", out, sizeof out);
    CHECK(e == 0 && !strcmp(out, "SELF|-x  y|" TDIR "/s2|a|b c|"),
          "the interpreter argument is one string, leading and trailing blanks dropped", "e %d argv %s", e, out);

    snprintf(text, sizeof text, "#!%s\n", self);
    t_put_in(TDIR, "s3", text, 0755);
    e = run(TDIR "/s3", out, sizeof out);
    CHECK(e == 0 && !strcmp(out, "SELF|" TDIR "/s3|a|b c|"), "without an argument the script path follows the interpreter",
          "e %d argv %s", e, out);

    snprintf(text, sizeof text, "#!%s", self);
    t_put_in(TDIR, "s4", text, 0755);
    e = run(TDIR "/s4", out, sizeof out);
    CHECK(e == 0 && !strcmp(out, "SELF|" TDIR "/s4|a|b c|"), "a \"#!\" line without a newline works", "e %d argv %s", e,
          out);

    snprintf(text, sizeof text, "#!%s -r\r\n", self);
    t_put_in(TDIR, "s5", text, 0755);
    e = run(TDIR "/s5", out, sizeof out);
    CHECK(e == 0 && !strcmp(out, "SELF|-r\r|" TDIR "/s5|a|b c|"), "a carriage return stays part of the argument",
          "e %d argv %s", e, out);

    /* Relative script path: passed on as given. */
    chdir(TDIR);
    e = run("./s3", out, sizeof out);
    CHECK(e == 0 && !strcmp(out, "SELF|./s3|a|b c|"), "a relative script path is passed on unchanged", "e %d argv %s",
          e, out);
    chdir("/");

    /* Nested: n1 -> s1 -> SELF. */
    t_put_in(TDIR, "n1", "#!" TDIR "/s1 -outer\n", 0755);
    e = run(TDIR "/n1", out, sizeof out);
    CHECK(e == 0 && !strcmp(out, "SELF|-report|" TDIR "/s1|-outer|" TDIR "/n1|a|b c|"),
          "a script may name another script as its interpreter", "e %d argv %s", e, out);

    /* Chains: c1 -> SELF, c2 -> c1, ... ; find where ELOOP starts. */
    snprintf(text, sizeof text, "#!%s\n", self);
    t_put_in(TDIR, "c1", text, 0755);
    for (int i = 2; i <= 6; i++) {
        snprintf(text, sizeof text, "#!" TDIR "/c%d\n", i - 1);
        char name[8];
        snprintf(name, sizeof name, "c%d", i);
        t_put_in(TDIR, name, text, 0755);
    }
    e = run(TDIR "/c4", out, sizeof out);
    CHECK(e == 0 && !strcmp(out, "SELF|" TDIR "/c1|" TDIR "/c2|" TDIR "/c3|" TDIR "/c4|a|b c|"),
          "four nested scripts run", "e %d argv %s", e, out);
    e = run(TDIR "/c5", out, sizeof out);
    CHECK(e == 0, "five nested scripts run", "e %d", e);
    e = run(TDIR "/c6", out, sizeof out);
    CHECK(e == ELOOP, "six nested scripts are ELOOP", "e %d", e);
    t_put_in(TDIR, "loop", "#!" TDIR "/loop\n", 0755);
    e = run(TDIR "/loop", out, sizeof out);
    CHECK(e == ELOOP, "a script that names itself is ELOOP", "e %d", e);

    /* Errors. */
    t_put_in(TDIR, "garbage", "this is not a program\n", 0755);
    CHECK((e = run(TDIR "/garbage", out, sizeof out)) == ENOEXEC, "an executable text file without #! is ENOEXEC",
          "e %d", e);
    t_put_in(TDIR, "empty", "", 0755);
    CHECK((e = run(TDIR "/empty", out, sizeof out)) == ENOEXEC, "an empty executable file is ENOEXEC", "e %d", e);
    t_put_in(TDIR, "bare", "#!\n", 0755);
    CHECK((e = run(TDIR "/bare", out, sizeof out)) == ENOEXEC, "\"#!\" with no interpreter is ENOEXEC", "e %d", e);
    t_put_in(TDIR, "blank", "#!   \t\n", 0755);
    CHECK((e = run(TDIR "/blank", out, sizeof out)) == ENOEXEC, "\"#!\" with only blanks is ENOEXEC", "e %d", e);
    snprintf(text, sizeof text, "#!%s -report\n", self);
    t_put_in(TDIR, "noexec", text, 0644);
    CHECK((e = run(TDIR "/noexec", out, sizeof out)) == EACCES, "a script without execute permission is EACCES",
          "e %d", e);
    t_put_in(TDIR, "missing", "#!" TDIR "/nonexistent -x\n", 0755);
    CHECK((e = run(TDIR "/missing", out, sizeof out)) == ENOENT, "a missing interpreter is ENOENT", "e %d", e);
    t_put_in(TDIR, "plain", "data\n", 0644);
    t_put_in(TDIR, "viaplain", "#!" TDIR "/plain\n", 0755);
    CHECK((e = run(TDIR "/viaplain", out, sizeof out)) == EACCES, "an interpreter without execute permission is EACCES",
          "e %d", e);
    t_put_in(TDIR, "viadir", "#!" TDIR "\n", 0755);
    CHECK((e = run(TDIR "/viadir", out, sizeof out)) == EACCES, "a directory as interpreter is EACCES", "e %d", e);
    t_put_in(TDIR, "viagarbage", "#!" TDIR "/garbage\n", 0755);
    CHECK((e = run(TDIR "/viagarbage", out, sizeof out)) == ENOEXEC, "an interpreter that is not a program is ENOEXEC",
          "e %d", e);

    /* An interpreter name longer than the 256-byte buffer. */
    char longline[400];
    strcpy(longline, "#!/");
    for (int i = 3; i < 380; i++)
        longline[i] = 'x';
    longline[380] = 0;
    t_put_in(TDIR, "long", longline, 0755);
    CHECK((e = run(TDIR "/long", out, sizeof out)) == ENOEXEC, "an interpreter path filling the 256-byte buffer is ENOEXEC",
          "e %d", e);

    t_rm_rf(TDIR);
    errno = 0;
    CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("proc_script");
}
