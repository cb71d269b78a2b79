/* Linux's protections of PID 1 and of process creation, run as PID 1 on
 * Debian's Linux and on Aramid in the same QEMU (testing/suites/init.toml):
 * init receives only the signals it has a handler for, whoever sends them
 * (SIGKILL and SIGSTOP from user space too, and a child's exit signal);
 * the siginfo of any exit signal names the child and its status; clone's
 * exit signal must be a valid signal number; a thread whose parent-tid
 * pointer is bad is still created (Linux ignores that write's fault), so
 * its process can be killed and reaped. Ends with a power-off. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "../t.h"

/* clone(2) without a new stack: the child only makes system calls (pause
 * first if `pause_first`, then exit with `code`), so sharing the parent's
 * stack is safe. */
static long clone_child(unsigned long flags, void *ptid, int code, int pause_first) {
    long ret;
    register long r10 __asm__("r10") = 0;
    register long r8 __asm__("r8") = 0;
    register long r12 __asm__("r12") = pause_first;
    register long r13 __asm__("r13") = code;
    __asm__ volatile(
        "syscall\n\t"
        "test %%rax, %%rax\n\t"
        "jnz 1f\n\t"
        "test %%r12, %%r12\n\t"
        "jz 2f\n\t"
        "mov $34, %%eax\n\t"
        "syscall\n\t"
        "2:\n\t"
        "mov %%r13, %%rdi\n\t"
        "mov $60, %%eax\n\t"
        "syscall\n\t"
        "1:\n\t"
        : "=a"(ret)
        : "0"(56L), "D"(flags), "S"(0L), "d"(ptid), "r"(r10), "r"(r8), "r"(r12), "r"(r13)
        : "rcx", "r11", "memory");
    return ret;
}

static void wait_child_exit(pid_t c) {
    int st;
    waitpid(c, &st, __WALL);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);

    /* A child sends init SIGTERM, SIGKILL, SIGSTOP and SIGUSR1 (none
     * handled): kill succeeds, init goes on, nothing stays pending. */
    pid_t c = fork();
    if (c == 0) {
        int ok = kill(1, SIGTERM) == 0 && kill(1, SIGKILL) == 0 && kill(1, SIGSTOP) == 0 && kill(1, SIGUSR1) == 0;
        _exit(ok ? 0 : 1);
    }
    int st;
    waitpid(c, &st, 0);
    sigset_t pend;
    sigpending(&pend);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && !sigismember(&pend, SIGUSR1) && !sigismember(&pend, SIGTERM),
          "unhandled signals sent to init are dropped", "status %x", st);

    /* A child whose exit signal is SIGHUP, SIGKILL or SIGRTMIN+3: init,
     * without handlers, survives each. */
    int sigs[] = {SIGHUP, SIGKILL, SIGRTMIN + 3};
    int survived = 1;
    for (int i = 0; i < 3; i++) {
        long r = clone_child(sigs[i], NULL, 7, 0);
        if (r <= 0) {
            survived = 0;
            break;
        }
        int s2;
        if (waitpid(r, &s2, __WALL) != r || !WIFEXITED(s2) || WEXITSTATUS(s2) != 7)
            survived = 0;
    }
    CHECK(survived, "children with SIGHUP, SIGKILL and real-time exit signals leave init alive", "-");

    /* With SIGUSR1 blocked, a child exiting with exit signal SIGUSR1: the
     * siginfo names it (si_pid, CLD_EXITED, si_status). */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    long k = clone_child(SIGUSR1, NULL, 5, 0);
    siginfo_t si;
    struct timespec ts = {10, 0};
    int got = sigtimedwait(&set, &si, &ts);
    wait_child_exit(k);
    CHECK(got == SIGUSR1 && si.si_pid == k && si.si_code == CLD_EXITED && si.si_status == 5,
          "a non-SIGCHLD exit signal's siginfo names the child and its status", "got %d pid %d/%ld code %d status %d", got,
          si.si_pid, k, si.si_code, si.si_status);

    /* clone3 refuses an exit signal past _NSIG (EINVAL); the old clone
     * takes any 8-bit value, and a child with an invalid one exits without
     * sending anything. */
    struct {
        unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    } args = {.exit_signal = 65};
    errno = 0;
    long c3 = syscall(SYS_clone3, &args, sizeof args);
    int c3_errno = errno;
    long odd = clone_child(65, NULL, 4, 0);
    int s3 = 0;
    pid_t w3 = odd > 0 ? waitpid(odd, &s3, __WALL) : -1;
    CHECK(c3 == -1 && c3_errno == EINVAL && odd > 0 && w3 == odd && WIFEXITED(s3) && WEXITSTATUS(s3) == 4,
          "an exit signal above _NSIG: EINVAL from clone3, taken by clone", "%ld/%d %ld %d %x", c3, c3_errno, odd, w3, s3);

    /* A thread made with an unmapped parent-tid pointer: clone succeeds
     * (the fault is ignored) and SIGKILL ends the whole process. */
    pid_t p = fork();
    if (p == 0) {
        long t = clone_child(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_PARENT_SETTID, (void *)8, 0, 1);
        printf("thread clone: %s\n", t > 0 ? "created" : "failed");
        for (;;)
            pause();
    }
    usleep(300 * 1000);
    kill(p, SIGKILL);
    pid_t w = waitpid(p, &st, 0);
    CHECK(w == p && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
          "a thread made with a bad parent-tid pointer can be killed and reaped", "w %d st %x", w, st);

    t_done("init_protect");
    sync();
    reboot(RB_POWER_OFF);
    return 1;
}
