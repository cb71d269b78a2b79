/* Guest-only: execve of a "#!" script whose interpreter is this program.
 * /guest/hello.sh is "#!/guest/script_exec -interp" (packed in the
 * initramfs), so the interpreter sees argv = [interpreter, "-interp",
 * script path, original arguments after argv[0]]. */
#include "../t.h"

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "-interp") == 0) {
        int ok = argc == 5 && strcmp(argv[0], "/guest/script_exec") == 0 && strcmp(argv[2], "/guest/hello.sh") == 0 &&
                 strcmp(argv[3], "one") == 0 && strcmp(argv[4], "two") == 0;
        _exit(ok ? 0 : 3);
    }
    pid_t p = fork();
    if (p == 0) {
        char *args[] = {"hello.sh", "one", "two", NULL};
        char *env[] = {NULL};
        execve("/guest/hello.sh", args, env);
        _exit(9);
    }
    int st = 0;
    waitpid(p, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a #! script runs its interpreter with Linux's argv", "status %#x", st);
    p = fork();
    if (p == 0) {
        char *args[] = {"loop.sh", NULL};
        char *env[] = {NULL};
        execve("/guest/loop.sh", args, env);
        _exit(errno == ELOOP ? 0 : 4);
    }
    waitpid(p, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a script that runs itself is ELOOP", "status %#x", st);
    return t_done("script_exec");
}
