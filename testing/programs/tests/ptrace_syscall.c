/* ptrace(2) syscall stops: PTRACE_SYSCALL entry and exit stops (SIGTRAP,
 * |0x80 with PTRACE_O_TRACESYSGOOD; orig_rax and rax = -ENOSYS at entry,
 * the result at exit), PTRACE_GET_SYSCALL_INFO at entry, exit and a
 * signal stop (op, arch, nr, args, rval, is_error, the sizes returned),
 * GETEVENTMSG at syscall stops, changing the call at entry (orig_rax),
 * skipping it (orig_rax -1: rax as the tracer set it), changing the result
 * at exit, PTRACE_CONT ending syscall stops, and PTRACE_O_TRACEFORK: the
 * fork event stop with the new PID, the new child auto-attached and
 * stopped with SIGSTOP, and traced until it exits. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include "../t.h"

#define K_O_TRACESYSGOOD 1
#define K_O_TRACEFORK 2
#define K_EVENT_FORK 1
#define K_GET_SYSCALL_INFO 0x420e

struct k_syscall_info {
    uint8_t op;
    uint8_t pad[3];
    uint32_t arch;
    uint64_t ip, sp;
    union {
        struct {
            uint64_t nr, args[6];
        } entry;
        struct {
            int64_t rval;
            uint8_t is_error;
        } exit;
    };
};

static long pt(long req, pid_t pid, long addr, long data) { return syscall(SYS_ptrace, req, pid, addr, data); }

static int wait_stop(pid_t c) {
    int st = 0;
    if (waitpid(c, &st, __WALL) != c)
        return -1;
    return WIFSTOPPED(st) ? (st >> 8) : -2 - st;
}

/* Child programs: each stops with SIGSTOP first, then makes its calls. */
static int child_getppid_twice(void) {
    pt(PTRACE_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    long a = syscall(SYS_getppid, 11, 22, 33);
    long b = syscall(SYS_getppid);
    long c = syscall(SYS_getppid);
    long d = syscall(SYS_getppid);
    /* a: changed into getpid; b: skipped with rax 77; c: result 1234; d: real */
    if (a != getpid())
        return 1;
    if (b != 77)
        return 2;
    if (c != 1234)
        return 3;
    if (d != getppid())
        return 4;
    return 0;
}

static struct user_regs_struct regs_of(pid_t c) {
    struct user_regs_struct r;
    memset(&r, 0, sizeof r);
    pt(PTRACE_GETREGS, c, 0, (long)&r);
    return r;
}

/* Runs the child to the next syscall stop; returns the stop status. */
static int next_syscall(pid_t c) {
    pt(PTRACE_SYSCALL, c, 0, 0);
    return wait_stop(c);
}

int main(void) {
    t_watchdog(30);
    pid_t c = fork();
    if (c == 0)
        _exit(child_getppid_twice());
    int s = wait_stop(c);
    CHECK(s == SIGSTOP, "first stop", "%#x", s);
    struct k_syscall_info info;
    memset(&info, 0xff, sizeof info);
    long n = pt(K_GET_SYSCALL_INFO, c, sizeof info, (long)&info);
    CHECK(n == 24 && info.op == 0 && info.arch == 0xc000003e, "GET_SYSCALL_INFO at a signal stop: none", "%ld op %d", n, info.op);
    CHECK(pt(PTRACE_SETOPTIONS, c, 0, K_O_TRACESYSGOOD) == 0, "SETOPTIONS TRACESYSGOOD", "errno %d", errno);
    CHECK(FAILS(pt(PTRACE_SETOPTIONS, c, 0, 0x40000000), EINVAL), "SETOPTIONS unknown bit EINVAL", "errno %d", errno);
    struct user_regs_struct r;
    int found = 0;
    for (int i = 0; i < 20 && !found; i++) {
        s = next_syscall(c);
        r = regs_of(c);
        if (s == (SIGTRAP | 0x80) && r.orig_rax == SYS_getppid && r.rdi == 11 && (long)r.rax == -ENOSYS)
            found = 1;
    }
    CHECK(found, "syscall-enter-stop with SIGTRAP|0x80 and orig_rax", "%#x orig %ld", s, (long)r.orig_rax);
    CHECK((long)r.rax == -ENOSYS, "rax is -ENOSYS at entry", "%ld", (long)r.rax);
    long msg = 0;
    CHECK(pt(PTRACE_GETEVENTMSG, c, 0, (long)&msg) == 0 && msg == 1, "GETEVENTMSG at entry is 1", "%ld", msg);
    memset(&info, 0, sizeof info);
    n = pt(K_GET_SYSCALL_INFO, c, sizeof info, (long)&info);
    CHECK(n == 80 && info.op == 1 && info.entry.nr == SYS_getppid && info.entry.args[0] == 11 && info.entry.args[1] == 22 &&
              info.entry.args[2] == 33 && info.ip == r.rip && info.sp == r.rsp,
          "GET_SYSCALL_INFO at entry", "%ld op %d nr %ld", n, info.op, (long)info.entry.nr);
    memset(&info, 0xee, sizeof info);
    n = pt(K_GET_SYSCALL_INFO, c, 8, (long)&info);
    CHECK(n == 80 && info.op == 1 && info.ip == 0xeeeeeeeeeeeeeeeeULL, "GET_SYSCALL_INFO cut to the buffer", "%ld", n);
    /* Change getppid into getpid. */
    r.orig_rax = SYS_getpid;
    pt(PTRACE_SETREGS, c, 0, (long)&r);
    s = next_syscall(c);
    r = regs_of(c);
    CHECK(s == (SIGTRAP | 0x80) && r.orig_rax == SYS_getpid && (long)r.rax == c, "syscall-exit-stop: changed call's result", "%#x orig %ld rax %ld",
          s, (long)r.orig_rax, (long)r.rax);
    pt(PTRACE_GETEVENTMSG, c, 0, (long)&msg);
    CHECK(msg == 2, "GETEVENTMSG at exit is 2", "%ld", msg);
    memset(&info, 0, sizeof info);
    n = pt(K_GET_SYSCALL_INFO, c, sizeof info, (long)&info);
    CHECK(n == 33 && info.op == 2 && info.exit.rval == c && info.exit.is_error == 0, "GET_SYSCALL_INFO at exit", "%ld op %d", n, info.op);
    /* Skip the second call with rax 77. */
    s = next_syscall(c);
    r = regs_of(c);
    CHECK(r.orig_rax == SYS_getppid, "next entry", "%ld", (long)r.orig_rax);
    r.orig_rax = -1;
    r.rax = 77;
    pt(PTRACE_SETREGS, c, 0, (long)&r);
    s = next_syscall(c);
    r = regs_of(c);
    CHECK(s == (SIGTRAP | 0x80) && (long)r.orig_rax == -1 && r.rax == 77, "skipped call: exit stop keeps rax", "orig %ld rax %ld",
          (long)r.orig_rax, (long)r.rax);
    /* Third: change the result at exit. */
    next_syscall(c);
    s = next_syscall(c);
    r = regs_of(c);
    r.rax = 1234;
    pt(PTRACE_SETREGS, c, 0, (long)&r);
    memset(&info, 0, sizeof info);
    /* Fourth: untouched; then CONT to the end. */
    next_syscall(c);
    s = next_syscall(c);
    pt(PTRACE_GETSIGINFO, c, 0, (long)&info);
    siginfo_t si;
    pt(PTRACE_GETSIGINFO, c, 0, (long)&si);
    CHECK(si.si_signo == SIGTRAP && si.si_code == (SIGTRAP | 0x80), "GETSIGINFO at a syscall stop", "signo %d code %#x", si.si_signo, si.si_code);
    pt(PTRACE_CONT, c, 0, 0);
    int st;
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "tracee saw the changed, skipped and rewritten calls", "status %#x", st);

    /* PTRACE_O_TRACEFORK. */
    c = fork();
    if (c == 0) {
        pt(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        pid_t g = fork();
        if (g == 0)
            _exit(5);
        int gs;
        waitpid(g, &gs, 0);
        _exit(WIFEXITED(gs) ? WEXITSTATUS(gs) + 10 : 1);
    }
    wait_stop(c);
    s = next_syscall(c);
    CHECK(s == SIGTRAP, "syscall stop without TRACESYSGOOD is SIGTRAP", "%#x", s);
    memset(&info, 0, sizeof info);
    n = pt(K_GET_SYSCALL_INFO, c, sizeof info, (long)&info);
    CHECK(n == 24 && info.op == 0, "GET_SYSCALL_INFO without TRACESYSGOOD: none", "%ld op %d", n, info.op);
    pt(PTRACE_SETOPTIONS, c, 0, K_O_TRACEFORK);
    pt(PTRACE_CONT, c, 0, 0);
    s = wait_stop(c);
    msg = 0;
    pt(PTRACE_GETEVENTMSG, c, 0, (long)&msg);
    CHECK(s == (SIGTRAP | K_EVENT_FORK << 8) && msg > 0, "PTRACE_EVENT_FORK stop with the new PID", "%#x msg %ld", s, msg);
    pid_t g = (pid_t)msg;
    s = wait_stop(g);
    CHECK(s == SIGSTOP, "new child auto-attached, stopped with SIGSTOP", "%#x", s);
    CHECK(pt(PTRACE_CONT, g, 0, 0) == 0, "CONT the new child", "errno %d", errno);
    pt(PTRACE_CONT, c, 0, 0);
    /* The grandchild's exit is reported to us (its tracer) too. */
    waitpid(g, &st, __WALL);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5, "tracer sees the new child's exit", "status %#x", st);
    for (;;) {
        if (waitpid(c, &st, __WALL) != c)
            break;
        if (WIFEXITED(st) || WIFSIGNALED(st))
            break;
        pt(PTRACE_CONT, c, 0, 0);
    }
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 15, "parent reaped its traced child normally", "status %#x", st);
    CHECK_NO_CHILDREN();
    return t_done("ptrace_syscall");
}
