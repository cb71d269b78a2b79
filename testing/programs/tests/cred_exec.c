/* execve of set-user-ID and set-group-ID files: the effective and saved
 * IDs, the capabilities that come with a set-user-ID-root file, a setgid
 * bit without group execute permission (ignored), PR_SET_NO_NEW_PRIVS
 * (set-ID bits ignored) and dumpability. A copy of this program in
 * /tmp/cred_exec.d is re-executed as a probe. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include "../t.h"
#include "../files.h"

#define DIR "/tmp/cred_exec.d"
#define PROG DIR "/prog"

struct cap_hdr {
    unsigned version;
    int pid;
};
struct cap_data {
    unsigned effective, permitted, inheritable;
};

/* The probe prints nothing; its exit status encodes what it found:
 * expected ruid euid suid rgid egid sgid, effective caps empty (0) or not
 * (1), dumpable. */
static int probe(char **a) {
    uid_t r, e, s;
    gid_t gr, ge, gs;
    syscall(SYS_getresuid, &r, &e, &s);
    syscall(SYS_getresgid, &gr, &ge, &gs);
    struct cap_hdr h = {0x20080522, 0};
    struct cap_data d[2];
    syscall(SYS_capget, &h, d);
    int caps = (d[0].effective | d[1].effective) != 0;
    int res = 0;
    if (r != (uid_t)atol(a[2]) || e != (uid_t)atol(a[3]) || s != (uid_t)atol(a[4]))
        res |= 1;
    if (gr != (gid_t)atol(a[5]) || ge != (gid_t)atol(a[6]) || gs != (gid_t)atol(a[7]))
        res |= 2;
    if (caps != atoi(a[8]))
        res |= 4;
    if (prctl(PR_GET_DUMPABLE) != atoi(a[9]))
        res |= 8;
    return res;
}

static int run(void (*setup)(void), const char *ids) {
    pid_t p = fork();
    if (p == 0) {
        setup();
        char buf[128];
        snprintf(buf, sizeof buf, "%s", ids);
        char *argv[12] = {PROG, "probe"};
        int n = 2;
        for (char *tok = strtok(buf, " "); tok && n < 11; tok = strtok(NULL, " "))
            argv[n++] = tok;
        argv[n] = NULL;
        execv(PROG, argv);
        _exit(100);
    }
    int st;
    if (waitpid(p, &st, 0) != p || !WIFEXITED(st))
        return 255;
    return WEXITSTATUS(st);
}
static void mode(uid_t u, gid_t g, mode_t m) {
    chown(PROG, u, g);
    chmod(PROG, m);
}
static void as_user(void) {
    syscall(SYS_setresgid, 100, 100, 100);
    syscall(SYS_setresuid, 1000, 1000, 1000);
}
static void as_root(void) {}
static void as_user_nnp(void) {
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    as_user();
}

int main(int argc, char **argv) {
    if (argc == 10 && strcmp(argv[1], "probe") == 0)
        return probe(argv);
    t_watchdog(30);
    umask(022);
    unlink(PROG);
    rmdir(DIR);
    mkdir(DIR, 0755);
    int r = t_copy_file(argv[0], PROG);
    CHECK(r == 0, "the program copies itself", "r %d", r);
    mode(0, 0, 0755);
    r = run(as_user, "1000 1000 1000 100 100 100 0 1");
    CHECK(r == 0, "a plain file keeps a user's ids; the process stays dumpable", "probe %#x", r);
    mode(0, 0, 04755);
    r = run(as_user, "1000 0 0 100 100 100 1 0");
    CHECK(r == 0, "a set-user-ID-root file gives euid and saved uid 0, capabilities, and no dumping",
          "probe %#x", r);
    mode(2000, 0, 04755);
    r = run(as_root, "0 2000 2000 0 0 0 0 0");
    CHECK(r == 0, "root running a set-user-ID-2000 file gets euid 2000 and no effective capabilities",
          "probe %#x", r);
    mode(0, 500, 02755);
    r = run(as_user, "1000 1000 1000 100 500 500 0 0");
    CHECK(r == 0, "a set-group-ID file sets the effective and saved gid", "probe %#x", r);
    mode(0, 500, 02745);
    r = run(as_user, "1000 1000 1000 100 100 100 0 1");
    CHECK(r == 0, "the setgid bit without group execute permission is ignored", "probe %#x", r);
    mode(0, 0, 04755);
    r = run(as_user_nnp, "1000 1000 1000 100 100 100 0 1");
    CHECK(r == 0, "with PR_SET_NO_NEW_PRIVS the set-user-ID bit is ignored", "probe %#x", r);
    mode(1000, 100, 06755);
    r = run(as_user, "1000 1000 1000 100 100 100 0 1");
    CHECK(r == 0, "set-ID bits naming the caller's own ids change nothing", "probe %#x", r);
    CHECK_NO_CHILDREN();
    unlink(PROG);
    rmdir(DIR);
    return t_done("cred_exec");
}
