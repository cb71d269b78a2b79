/* ptrace(2) events and stepping: PTRACE_SINGLESTEP (a SIGTRAP stop after
 * one instruction, si_code TRAP_TRACE, rip moved on), an int3 breakpoint
 * in the code (SIGTRAP with SI_KERNEL, rip past it), POKEDATA into
 * read-only memory (the tracee's copy changes, the tracer's does not),
 * PTRACE_O_TRACEEXIT (a stop before the exit, its status as the event
 * message), PTRACE_INTERRUPT of a tracee blocked in read (it stops; the
 * read is restarted), PTRACE_O_TRACECLONE for a thread (the event stop, the new thread
 * auto-attached with SIGSTOP, its exit reported), PTRACE_O_TRACEVFORK, PTRACE_O_EXITKILL (the tracee dies with its
 * tracer) and a tracer exiting without it (the tracee goes free and runs
 * on), signal-delivery-stops for an ignored signal (the tracer still sees
 * it), and SETSIGINFO. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include "../t.h"

#define K_SEIZE 0x4206
#define K_O_TRACECLONE 8
#define K_O_TRACEVFORK 4
#define K_O_EXITKILL 0x100000
#define K_EVENT_VFORK 2
#define K_EVENT_CLONE 3
#define K_EVENT_STOP 128
#define K_O_TRACEEXIT 0x40
#define K_INTERRUPT 0x4207
#define K_EVENT_EXIT 6
#define K_TRAP_TRACE 2

static long pt(long req, pid_t pid, long addr, long data) { return syscall(SYS_ptrace, req, pid, addr, data); }

static int wait_stop(pid_t c) {
    int st = 0;
    if (waitpid(c, &st, __WALL) != c)
        return -1;
    return WIFSTOPPED(st) ? (st >> 8) : -2 - st;
}

static void *thread_fn(void *a) {
    (void)a;
    return (void *)7;
}

static int traceme_then(int (*fn)(void)) {
    pid_t c = fork();
    if (c == 0) {
        pt(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        _exit(fn());
    }
    wait_stop(c);
    return c;
}

static const long ro_word = 5;
static int do_read_ro(void) { return *(volatile const long *)&ro_word == 77 ? 5 : 1; }

static int do_int3(void) {
    __asm__ volatile("int3");
    return 4;
}
static int do_thread(void) {
    pthread_t th;
    void *r = NULL;
    pthread_create(&th, NULL, thread_fn, NULL);
    pthread_join(th, &r);
    return r == (void *)7 ? 6 : 1;
}
static int do_vfork(void) {
    pid_t v = vfork();
    if (v == 0)
        _exit(9);
    int st;
    waitpid(v, &st, 0);
    return WEXITSTATUS(st);
}
static int do_ignored(void) {
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    return 3;
}

/* Finishes a stopped tracee: CONT through every stop until it exits; its
 * status (a CONT of one already running is a harmless ESRCH). */
static int finish(pid_t c) {
    pt(PTRACE_CONT, c, 0, 0);
    for (;;) {
        int st;
        if (waitpid(c, &st, __WALL) != c)
            return -1;
        if (WIFEXITED(st))
            return WEXITSTATUS(st);
        if (WIFSIGNALED(st))
            return 100 + WTERMSIG(st);
        pt(PTRACE_CONT, c, 0, 0);
    }
}

static pid_t victim;
static int tracer_with_exitkill(void) { return pt(K_SEIZE, victim, 0, K_O_EXITKILL) != 0; }
static int tracer_without(void) { return pt(K_SEIZE, victim, 0, 0) != 0; }

int main(void) {
    t_watchdog(30);
    /* Single-step. */
    pid_t c = traceme_then(do_int3);
    struct user_regs_struct r0, r1;
    pt(PTRACE_GETREGS, c, 0, (long)&r0);
    int steps = 0, s = 0;
    for (int i = 0; i < 3; i++) {
        if (pt(PTRACE_SINGLESTEP, c, 0, 0) == 0 && (s = wait_stop(c)) == SIGTRAP)
            steps++;
    }
    pt(PTRACE_GETREGS, c, 0, (long)&r1);
    CHECK(steps == 3 && r1.rip != r0.rip, "SINGLESTEP stops with SIGTRAP", "steps %d last %#x", steps, s);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    pt(PTRACE_GETSIGINFO, c, 0, (long)&si);
    CHECK(si.si_signo == SIGTRAP && si.si_code == K_TRAP_TRACE, "single-step si_code TRAP_TRACE", "signo %d code %d", si.si_signo, si.si_code);
    CHECK((r1.eflags & 0x100) == 0, "TF not shown to the tracer", "%#llx", (unsigned long long)r1.eflags);
    /* On to the int3. */
    pt(PTRACE_CONT, c, 0, 0);
    s = wait_stop(c);
    memset(&si, 0, sizeof si);
    pt(PTRACE_GETSIGINFO, c, 0, (long)&si);
    CHECK(s == SIGTRAP && si.si_code == SI_KERNEL, "int3 gives SIGTRAP (SI_KERNEL)", "%#x code %d", s, si.si_code);
    pt(PTRACE_GETREGS, c, 0, (long)&r1);
    CHECK(*(unsigned char *)(r1.rip - 1) == 0xcc, "rip is past the int3", "%llx", (unsigned long long)r1.rip);
    CHECK(finish(c) == 4, "tracee runs on after the breakpoint", "%s", "");

    /* POKEDATA into read-only data (FOLL_FORCE): the tracee's copy only. */
    c = traceme_then(do_read_ro);
    CHECK(pt(PTRACE_POKEDATA, c, (long)&ro_word, 77) == 0, "POKEDATA into read-only memory", "errno %d", errno);
    long peeked = 0;
    pt(PTRACE_PEEKDATA, c, (long)&ro_word, (long)&peeked);
    CHECK(peeked == 77, "PEEKDATA sees the forced write", "%ld", peeked);
    CHECK(finish(c) == 5 && *(volatile const long *)&ro_word == 5, "tracee sees it, the tracer's copy is untouched", "%ld",
          *(volatile const long *)&ro_word);

    /* A thread: PTRACE_EVENT_CLONE, the new thread auto-attached. */
    c = traceme_then(do_thread);
    pt(PTRACE_SETOPTIONS, c, 0, K_O_TRACECLONE);
    pt(PTRACE_CONT, c, 0, 0);
    s = wait_stop(c);
    long msg = 0;
    pt(PTRACE_GETEVENTMSG, c, 0, (long)&msg);
    CHECK(s == (SIGTRAP | K_EVENT_CLONE << 8) && msg > c, "PTRACE_EVENT_CLONE for a thread", "%#x msg %ld", s, msg);
    pid_t th = (pid_t)msg;
    s = wait_stop(th);
    CHECK(s == SIGSTOP, "new thread starts with SIGSTOP", "%#x", s);
    pt(PTRACE_CONT, th, 0, 0);
    pt(PTRACE_CONT, c, 0, 0);
    int st;
    CHECK(waitpid(th, &st, __WALL) == th && WIFEXITED(st), "thread's exit reported to the tracer", "status %#x", st);
    CHECK(finish(c) == 6, "traced threaded process finishes", "%s", "");

    /* vfork. */
    c = traceme_then(do_vfork);
    pt(PTRACE_SETOPTIONS, c, 0, K_O_TRACEVFORK);
    pt(PTRACE_CONT, c, 0, 0);
    s = wait_stop(c);
    msg = 0;
    pt(PTRACE_GETEVENTMSG, c, 0, (long)&msg);
    CHECK(s == (SIGTRAP | K_EVENT_VFORK << 8) && msg > 0, "PTRACE_EVENT_VFORK", "%#x", s);
    pid_t v = (pid_t)msg;
    CHECK(wait_stop(v) == SIGSTOP, "vfork child auto-attached", "%s", "");
    pt(PTRACE_CONT, v, 0, 0);
    CHECK(finish(v) == 9, "vfork child exit seen by the tracer", "%s", "");
    pt(PTRACE_CONT, c, 0, 0);
    CHECK(finish(c) == 9, "vfork parent resumes", "%s", "");

    /* PTRACE_O_TRACEEXIT: a stop before the exit, with the status. */
    c = traceme_then(do_ignored);
    pt(PTRACE_SETOPTIONS, c, 0, K_O_TRACEEXIT);
    pt(PTRACE_CONT, c, 0, 0);
    s = wait_stop(c);
    pt(PTRACE_CONT, c, 0, 0);
    s = wait_stop(c);
    msg = -1;
    pt(PTRACE_GETEVENTMSG, c, 0, (long)&msg);
    CHECK(s == (SIGTRAP | K_EVENT_EXIT << 8) && msg == 0x300, "PTRACE_EVENT_EXIT stop with the exit status", "%#x msg %#lx", s, msg);
    CHECK(finish(c) == 3, "exit completes after the stop", "%s", "");

    /* PTRACE_INTERRUPT of a tracee blocked in read: it stops, and the
     * read is restarted after the stop. */
    int pfd[2];
    pipe(pfd);
    c = fork();
    if (c == 0) {
        char b = 0;
        ssize_t n = read(pfd[0], &b, 1);
        _exit(n == 1 && b == 'x' ? 8 : 1);
    }
    t_sleep_ms(50);
    pt(K_SEIZE, c, 0, 0);
    CHECK(pt(K_INTERRUPT, c, 0, 0) == 0, "INTERRUPT a tracee blocked in read", "errno %d", errno);
    s = wait_stop(c);
    CHECK(s == (SIGTRAP | K_EVENT_STOP << 8), "it stops with PTRACE_EVENT_STOP", "%#x", s);
    pt(PTRACE_CONT, c, 0, 0);
    write(pfd[1], "x", 1);
    CHECK(finish(c) == 8, "the interrupted read is restarted", "%s", "");
    close(pfd[0]);
    close(pfd[1]);

    /* An ignored signal still stops a tracee; SETSIGINFO. */
    c = traceme_then(do_ignored);
    pt(PTRACE_CONT, c, 0, 0);
    s = wait_stop(c);
    CHECK(s == SIGUSR2, "ignored signal reaches the tracer", "%#x", s);
    memset(&si, 0, sizeof si);
    pt(PTRACE_GETSIGINFO, c, 0, (long)&si);
    si.si_value.sival_int = 1234;
    CHECK(pt(PTRACE_SETSIGINFO, c, 0, (long)&si) == 0, "SETSIGINFO", "errno %d", errno);
    siginfo_t back;
    memset(&back, 0, sizeof back);
    pt(PTRACE_GETSIGINFO, c, 0, (long)&back);
    CHECK(back.si_value.sival_int == 1234 && back.si_signo == SIGUSR2, "GETSIGINFO after SETSIGINFO", "%d", back.si_value.sival_int);
    pt(PTRACE_CONT, c, 0, SIGUSR2);
    CHECK(finish(c) == 3, "ignored signal passed back is ignored", "%s", "");

    /* EXITKILL: the tracer (a child of ours) exits; its tracee dies. */
    victim = t_fork_sleeper();
    CHECK_CHILD(tracer_with_exitkill, "tracer with EXITKILL exits");
    CHECK(t_wait_exit(victim) == 100 + SIGKILL, "tracee killed when its tracer exits", "%s", "");
    victim = t_fork_sleeper();
    CHECK_CHILD(tracer_without, "tracer without EXITKILL exits");
    CHECK(waitpid(victim, &st, WNOHANG) == 0, "tracee freed when its tracer exits", "status %#x", st);
    t_kill_reap(victim);
    CHECK_NO_CHILDREN();
    return t_done("ptrace_events");
}
