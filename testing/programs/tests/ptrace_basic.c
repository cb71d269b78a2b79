/* ptrace(2) basics: PTRACE_TRACEME and signal-delivery-stops (seen by
 * waitpid without WUNTRACED, GETSIGINFO, suppressing a signal, injecting
 * another with PTRACE_CONT), PEEKDATA/POKEDATA, PEEKUSER/POKEUSER,
 * GETREGS/SETREGS (orig_rax of the interrupted call, rax changed), 
 * GETFPREGS, GETREGSET(NT_PRSTATUS), the legacy SIGTRAP after execve and
 * PTRACE_O_TRACEEXEC's event stop with GETEVENTMSG, PTRACE_ATTACH (SIGSTOP
 * stop) and DETACH, PTRACE_SEIZE and PTRACE_INTERRUPT (PTRACE_EVENT_STOP),
 * PTRACE_KILL, a tracer that is not the parent waiting for its tracee, and
 * the errors: ESRCH for untraced or running targets, EPERM for attaching
 * oneself or a traced process, EIO for unknown requests, bad signals,
 * bad SEIZE arguments and unreadable addresses. */
#define _GNU_SOURCE
#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include "../t.h"
#include "../procfs.h"

#define K_SEIZE 0x4206
#define K_INTERRUPT 0x4207
#define K_EVENT_STOP 128
#define K_O_TRACEEXEC 0x10
#define K_EVENT_EXEC 4

/* A line of /proc/PID/status after `key`, or "". */
static const char *status_field(pid_t p, const char *key) {
    static char line[256];
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", p);
    FILE *f = fopen(path, "r");
    line[0] = 0;
    if (!f)
        return line;
    size_t k = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, k) == 0) {
            fclose(f);
            line[strcspn(line, "\n")] = 0;
            return line + k;
        }
    }
    fclose(f);
    line[0] = 0;
    return line;
}

static long pt(long req, pid_t pid, long addr, long data) { return syscall(SYS_ptrace, req, pid, addr, data); }

static volatile long word = 1111;
static volatile int got_usr1, got_usr2;
static void on_usr1(int s) { (void)s; got_usr1++; }
static void on_usr2(int s) { (void)s; got_usr2++; }

/* The traced child: TRACEME, then stops itself with SIGUSR1 three times;
 * it reports through its exit status. */
static int traced_child(void) {
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, on_usr2);
    if (pt(PTRACE_TRACEME, 0, 0, 0) != 0)
        return 1;
    if (!FAILS(pt(PTRACE_TRACEME, 0, 0, 0), EPERM))
        return 2;
    word = 2222;
    long r = syscall(SYS_kill, getpid(), SIGUSR1); /* stop 1: suppressed, rax set to 42 */
    if (r != 42 || got_usr1 != 0)
        return 3;
    syscall(SYS_kill, getpid(), SIGUSR1); /* stop 2: replaced by SIGUSR2 */
    if (got_usr1 != 0 || got_usr2 != 1)
        return 4;
    if (word != 3333)
        return 5;
    syscall(SYS_kill, getpid(), SIGUSR1); /* stop 3: delivered */
    if (got_usr1 != 1)
        return 6;
    return 0;
}

static int wait_stop(pid_t c) {
    int st = 0;
    if (waitpid(c, &st, 0) != c)
        return -1;
    return WIFSTOPPED(st) ? (st >> 8) : -2 - st;
}

static pid_t attached_target;
/* A tracer that is not the target's parent. */
static int sibling_tracer(void) {
    STEP(1, pt(PTRACE_ATTACH, attached_target, 0, 0) == 0);
    int st;
    STEP(2, waitpid(attached_target, &st, 0) == attached_target && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    STEP(3, pt(PTRACE_DETACH, attached_target, 0, 0) == 0);
    STEP(4, FAILS(waitpid(attached_target, &st, WNOHANG), ECHILD));
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "exec-child") == 0)
        return 7;
    t_watchdog(30);
    t_proc_mount();
    pid_t c = fork();
    if (c == 0)
        _exit(traced_child());
    /* Stop 1. */
    int s = wait_stop(c);
    CHECK(s == SIGUSR1, "signal-delivery-stop seen without WUNTRACED", "%#x", s);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(pt(PTRACE_GETSIGINFO, c, 0, (long)&si) == 0 && si.si_signo == SIGUSR1 && si.si_code == SI_USER && si.si_pid == c,
          "GETSIGINFO at a signal stop", "signo %d code %d pid %d", si.si_signo, si.si_code, si.si_pid);
    long w = 0;
    CHECK(pt(PTRACE_PEEKDATA, c, (long)&word, (long)&w) == 0 && w == 2222, "PEEKDATA reads the tracee", "%ld", w);
    CHECK(pt(PTRACE_POKEDATA, c, (long)&word, 3333) == 0, "POKEDATA", "errno %d", errno);
    CHECK(FAILS(pt(PTRACE_PEEKDATA, c, 8, (long)&w), EIO), "PEEKDATA of an unmapped address EIO", "errno %d", errno);
    CHECK(FAILS(pt(PTRACE_POKEDATA, c, 8, 0), EIO), "POKEDATA of an unmapped address EIO", "errno %d", errno);
    struct user_regs_struct regs;
    CHECK(pt(PTRACE_GETREGS, c, 0, (long)&regs) == 0 && regs.orig_rax == SYS_kill && regs.rax == 0 && regs.cs == 0x33 && regs.ss == 0x2b,
          "GETREGS: orig_rax, rax, segments", "orig %lld rax %lld cs %llx", (long long)regs.orig_rax, (long long)regs.rax, (unsigned long long)regs.cs);
    long rip = 0;
    CHECK(pt(PTRACE_PEEKUSER, c, offsetof(struct user_regs_struct, rip), (long)&rip) == 0 && rip == (long)regs.rip,
          "PEEKUSER rip", "%lx %llx", rip, (unsigned long long)regs.rip);
    long dr7 = -1;
    CHECK(pt(PTRACE_PEEKUSER, c, offsetof(struct user, u_debugreg) + 7 * 8, (long)&dr7) == 0 && dr7 == 0, "PEEKUSER dr7 is 0", "%ld", dr7);
    CHECK(FAILS(pt(PTRACE_PEEKUSER, c, 3, (long)&dr7), EIO), "PEEKUSER misaligned EIO", "errno %d", errno);
    CHECK(FAILS(pt(PTRACE_PEEKUSER, c, 4096, (long)&dr7), EIO), "PEEKUSER past struct user EIO", "errno %d", errno);
    struct user_regs_struct rs;
    struct iovec iov = {&rs, sizeof rs};
    CHECK(pt(PTRACE_GETREGSET, c, NT_PRSTATUS, (long)&iov) == 0 && iov.iov_len == sizeof rs && rs.rip == regs.rip,
          "GETREGSET NT_PRSTATUS", "len %zu", iov.iov_len);
    iov.iov_len = 16;
    CHECK(pt(PTRACE_GETREGSET, c, NT_PRSTATUS, (long)&iov) == 0 && iov.iov_len == 16, "GETREGSET short buffer", "len %zu", iov.iov_len);
    CHECK(FAILS(pt(PTRACE_GETREGSET, c, 0x999, (long)&iov), EINVAL), "GETREGSET unknown note EINVAL", "errno %d", errno);
    struct user_fpregs_struct fp;
    memset(&fp, 0xff, sizeof fp);
    CHECK(pt(PTRACE_GETFPREGS, c, 0, (long)&fp) == 0 && fp.cwd == 0x37f, "GETFPREGS control word", "%x", fp.cwd);
    regs.rax = 42;
    CHECK(pt(PTRACE_SETREGS, c, 0, (long)&regs) == 0, "SETREGS", "errno %d", errno);
    struct user_regs_struct bad = regs;
    bad.cs = 0x10;
    CHECK(FAILS(pt(PTRACE_SETREGS, c, 0, (long)&bad), EIO), "SETREGS kernel cs EIO", "errno %d", errno);
    CHECK(FAILS(pt(0x7777, c, 0, 0), EIO), "unknown request EIO", "errno %d", errno);
    CHECK(FAILS(pt(PTRACE_CONT, c, 0, 65), EIO), "CONT with a bad signal EIO", "errno %d", errno);
    CHECK(FAILS(pt(K_INTERRUPT, c, 0, 0), EIO), "INTERRUPT without SEIZE EIO", "errno %d", errno);
    CHECK(pt(PTRACE_CONT, c, 0, 0) == 0, "CONT suppressing the signal", "errno %d", errno);
    s = wait_stop(c);
    CHECK(s == SIGUSR1, "second stop", "%#x", s);
    CHECK(pt(PTRACE_CONT, c, 0, SIGUSR2) == 0, "CONT injecting another signal", "errno %d", errno);
    s = wait_stop(c);
    CHECK(s == SIGUSR1, "third stop", "%#x", s);
    pt(PTRACE_CONT, c, 0, SIGUSR1);
    int st;
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "tracee saw suppression, injection, rax and POKEDATA", "status %#x", st);
    CHECK(FAILS(pt(PTRACE_PEEKDATA, c, 0, 0), ESRCH), "reaped tracee ESRCH", "errno %d", errno);
    CHECK(FAILS(pt(PTRACE_PEEKDATA, getppid(), 0, 0), ESRCH), "untraced process ESRCH", "errno %d", errno);

    /* execve: the legacy SIGTRAP, then PTRACE_O_TRACEEXEC. */
    for (int opt = 0; opt < 2; opt++) {
        c = fork();
        if (c == 0) {
            pt(PTRACE_TRACEME, 0, 0, 0);
            raise(SIGSTOP);
            execl("/proc/self/exe", argv[0], "exec-child", (char *)NULL);
            _exit(99);
        }
        s = wait_stop(c);
        if (opt)
            pt(PTRACE_SETOPTIONS, c, 0, K_O_TRACEEXEC);
        pt(PTRACE_CONT, c, 0, 0);
        s = wait_stop(c);
        if (opt) {
            long msg = 0;
            pt(PTRACE_GETEVENTMSG, c, 0, (long)&msg);
            CHECK(s == (SIGTRAP | K_EVENT_EXEC << 8) && msg == c, "PTRACE_EVENT_EXEC stop and GETEVENTMSG", "%#x msg %ld", s, msg);
        } else {
            CHECK(s == SIGTRAP, "SIGTRAP after execve", "%#x", s);
        }
        pt(PTRACE_CONT, c, 0, 0);
        CHECK(t_wait_exit(c) == 7, opt ? "exec'd program runs (event)" : "exec'd program runs", "status");
    }

    /* ATTACH, DETACH. */
    c = t_fork_sleeper();
    CHECK(pt(PTRACE_ATTACH, c, 0, 0) == 0, "ATTACH", "errno %d", errno);
    s = wait_stop(c);
    CHECK(s == SIGSTOP, "ATTACH stops the tracee with SIGSTOP", "%#x", s);
    CHECK(atoi(status_field(c, "TracerPid:")) == getpid(), "/proc/PID/status TracerPid", "'%s'", status_field(c, "TracerPid:"));
    CHECK(strcmp(status_field(c, "State:"), "\tt (tracing stop)") == 0, "/proc/PID/status State tracing stop", "'%s'", status_field(c, "State:"));
    CHECK(FAILS(pt(PTRACE_ATTACH, c, 0, 0), EPERM), "ATTACH a traced process EPERM", "errno %d", errno);
    CHECK(FAILS(pt(PTRACE_ATTACH, getpid(), 0, 0), EPERM), "ATTACH oneself EPERM", "errno %d", errno);
    CHECK(pt(PTRACE_DETACH, c, 0, 0) == 0, "DETACH", "errno %d", errno);
    CHECK(waitpid(c, &st, WNOHANG) == 0, "detached tracee runs on", "status %#x", st);
    CHECK(atoi(status_field(c, "TracerPid:")) == 0, "TracerPid 0 after DETACH", "'%s'", status_field(c, "TracerPid:"));
    CHECK(FAILS(pt(PTRACE_CONT, c, 0, 0), ESRCH), "detached: ESRCH", "errno %d", errno);
    attached_target = c;
    CHECK_CHILD(sibling_tracer, "a tracer that is not the parent waits for its tracee");
    t_kill_reap(c);
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    CHECK(FAILS(pt(PTRACE_ATTACH, dead, 0, 0), ESRCH), "ATTACH a reaped pid ESRCH", "errno %d", errno);

    /* SEIZE, INTERRUPT, KILL. */
    c = t_fork_sleeper();
    CHECK(FAILS(pt(K_SEIZE, c, 1, 0), EIO), "SEIZE with addr EIO", "errno %d", errno);
    CHECK(FAILS(pt(K_SEIZE, c, 0, 0x4000000), EIO), "SEIZE with bad options EIO", "errno %d", errno);
    CHECK(pt(K_SEIZE, c, 0, 0) == 0, "SEIZE", "errno %d", errno);
    CHECK(waitpid(c, &st, WNOHANG | __WALL) == 0, "SEIZE does not stop", "status %#x", st);
    CHECK(FAILS(pt(PTRACE_PEEKDATA, c, (long)&word, (long)&w), ESRCH), "running tracee ESRCH", "errno %d", errno);
    CHECK(pt(K_INTERRUPT, c, 0, 0) == 0, "INTERRUPT", "errno %d", errno);
    s = wait_stop(c);
    CHECK(s == (SIGTRAP | K_EVENT_STOP << 8), "INTERRUPT gives PTRACE_EVENT_STOP", "%#x", s);
    CHECK(pt(PTRACE_KILL, c, 0, 0) == 0, "PTRACE_KILL", "errno %d", errno);
    waitpid(c, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "killed by PTRACE_KILL", "status %#x", st);
    CHECK_NO_CHILDREN();
    return t_done("ptrace_basic");
}
