/* clone flag combinations not covered by proc_clone: CLONE_FS sharing the
 * working directory, umask and root both ways (and not sharing without it),
 * CLONE_VM without CLONE_THREAD (a separate process on shared memory),
 * CLONE_VFORK without CLONE_VM, CLONE_PARENT (the new child belongs to the
 * caller's parent, which gets its exit signal), CLONE_SYSVSEM and the
 * legacy CLONE_DETACHED accepted, CLONE_SIGHAND sharing actions but not the
 * mask or pending signals. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "../t.h"

#define DIR "/tmp/proc_clone_fs.d"
#define STK (256 * 1024)

#ifndef CLONE_DETACHED
#define CLONE_DETACHED 0x00400000
#endif

static char *stack_top(void) {
    char *s = mmap(NULL, STK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    return s + STK;
}

/* ---- children (run on their own stacks, share memory when CLONE_VM) ---- */
static int c_chdir(void *arg) {
    (void)arg;
    syscall(SYS_chdir, DIR "/sub");
    syscall(SYS_umask, 0077);
    return 0;
}

static volatile int seen_cwd_ok, seen_umask;
static volatile int go;
static int c_watch(void *arg) {
    (void)arg;
    /* Wait for the parent to change its cwd/umask, then look. */
    for (int i = 0; i < 5000 && !go; i++)
        t_sleep_ms(1);
    char buf[256];
    long n = syscall(SYS_getcwd, buf, sizeof buf);
    seen_cwd_ok = n > 0 && strcmp(buf, DIR "/sub") == 0;
    seen_umask = (int)syscall(SYS_umask, 022);
    syscall(SYS_umask, seen_umask);
    return 0;
}

static int c_chroot(void *arg) {
    (void)arg;
    return syscall(SYS_chroot, DIR "/jail") == 0 ? 0 : 1;
}

static volatile int vm_word;
static volatile pid_t vm_pid, vm_ppid, vm_tid;
static int c_vm(void *arg) {
    (void)arg;
    vm_word = 1234;
    vm_pid = (pid_t)syscall(SYS_getpid);
    vm_ppid = (pid_t)syscall(SYS_getppid);
    vm_tid = (pid_t)syscall(SYS_gettid);
    return 17;
}

static volatile int sh_usr1;
static void h_usr1(int sig) {
    (void)sig;
    sh_usr1++;
}
static volatile int sh_child_blocked, sh_child_pending;
static int c_sighand(void *arg) {
    (void)arg;
    /* Change an action (shared) and the mask (private). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    syscall(SYS_rt_sigaction, SIGUSR2, &sa, NULL, 8);
    uint64_t m = 1ULL << (SIGHUP - 1);
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &m, NULL, 8);
    uint64_t cur = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, 8);
    sh_child_blocked = (cur & m) != 0;
    /* The parent's pending SIGHUP is not ours. */
    uint64_t p = 0;
    syscall(SYS_rt_sigpending, &p, 8);
    sh_child_pending = (p & m) != 0;
    return 0;
}

static int fs_subtest_chroot(void) {
    /* Runs in a forked process: the chroot would otherwise stay. */
    int root = open("/", O_RDONLY | O_DIRECTORY);
    pid_t c = clone(c_chroot, stack_top(), CLONE_VM | CLONE_FS | SIGCHLD, NULL);
    int st = -1;
    t_wait_poll(c, &st, 0);
    int code = 0;
    struct stat sb;
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        code |= 1;
    if (stat("/inside", &sb) != 0) /* our root moved with the child's */
        code |= 2;
    if (fchdir(root) == 0 && chroot(".") == 0 && stat(DIR "/jail/inside", &sb) != 0)
        code |= 4;
    return code;
}

int main(void) {
    t_watchdog(30);
    umask(022);
    system("rm -rf " DIR);
    mkdir(DIR, 0755);
    mkdir(DIR "/sub", 0755);
    mkdir(DIR "/jail", 0755);
    close(open(DIR "/jail/inside", O_CREAT | O_WRONLY, 0644));
    chdir(DIR);
    char buf[256];
    int st;

    /* 1. CLONE_FS: the child's chdir and umask are the parent's. */
    pid_t c = clone(c_chdir, stack_top(), CLONE_VM | CLONE_FS | SIGCHLD, NULL);
    st = -1;
    CHECK(t_wait_poll(c, &st, 0) == c && WIFEXITED(st), "a CLONE_VM|CLONE_FS child is reaped", "st %#x", st);
    CHECK(getcwd(buf, sizeof buf) && strcmp(buf, DIR "/sub") == 0, "CLONE_FS: the child's chdir moves the parent",
          "cwd %s", buf);
    mode_t old = umask(022);
    CHECK(old == 0077, "CLONE_FS: the child's umask is the parent's", "umask %o", (unsigned)old);
    chdir(DIR);

    /* 2. ...and the other way: the parent's changes reach a live child. */
    go = 0;
    c = clone(c_watch, stack_top(), CLONE_VM | CLONE_FS | SIGCHLD, NULL);
    chdir(DIR "/sub");
    umask(0027);
    go = 1;
    t_wait_poll(c, &st, 0);
    CHECK(seen_cwd_ok, "CLONE_FS: the parent's chdir is seen by the running child", "ok %d", seen_cwd_ok);
    CHECK(seen_umask == 0027, "CLONE_FS: the parent's umask is seen by the running child", "umask %o", seen_umask);
    chdir(DIR);
    umask(022);

    /* 3. Without CLONE_FS nothing is shared. */
    c = clone(c_chdir, stack_top(), CLONE_VM | SIGCHLD, NULL);
    t_wait_poll(c, &st, 0);
    CHECK(getcwd(buf, sizeof buf) && strcmp(buf, DIR) == 0, "without CLONE_FS the child's chdir stays its own",
          "cwd %s", buf);
    old = umask(022);
    CHECK(old == 022, "without CLONE_FS the child's umask stays its own", "umask %o", (unsigned)old);
    go = 0;
    c = clone(c_watch, stack_top(), CLONE_VM | SIGCHLD, NULL);
    chdir(DIR "/sub");
    umask(0027);
    go = 1;
    t_wait_poll(c, &st, 0);
    CHECK(!seen_cwd_ok && seen_umask == 022, "without CLONE_FS the parent's later changes are not seen",
          "cwd %d umask %o", seen_cwd_ok, seen_umask);
    chdir(DIR);
    umask(022);

    /* 4. CLONE_FS shares the root directory too. */
    pid_t p = fork();
    if (p == 0)
        _exit(fs_subtest_chroot());
    st = -1;
    t_wait_poll(p, &st, 0);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 1) == 0, "chroot in a CLONE_FS child succeeds", "st %#x", st);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 2) == 0, "CLONE_FS: the child's chroot changes the parent's root",
          "st %#x", st);
    CHECK(WIFEXITED(st) && (WEXITSTATUS(st) & 4) == 0, "an fd to the old root lets the parent chroot back",
          "st %#x", st);

    /* 5. CLONE_VM without CLONE_THREAD: a separate process, shared memory. */
    vm_word = 0;
    c = clone(c_vm, stack_top(), CLONE_VM | SIGCHLD, NULL);
    st = -1;
    pid_t r = t_wait_poll(c, &st, 0);
    CHECK(r == c && WIFEXITED(st) && WEXITSTATUS(st) == 17, "a CLONE_VM child's return value is its exit status",
          "st %#x", st);
    CHECK(vm_word == 1234, "CLONE_VM: the child's store is seen by the parent", "word %d", vm_word);
    CHECK(vm_pid == c && vm_tid == c && vm_ppid == getpid(),
          "CLONE_VM without CLONE_THREAD: own pid (= tid), parent is the caller", "pid ok %d ppid ok %d",
          vm_pid == c, vm_ppid == getpid());

    /* 6. CLONE_VFORK without CLONE_VM: the parent waits for the child's exit. */
    volatile int *flag = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *flag = 0;
    long v = syscall(SYS_clone, CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
    if (v == 0) {
        t_sleep_ms(30);
        *flag = 1;
        _exit(0);
    }
    int seen = *flag;
    t_wait_poll((pid_t)v, &st, 0);
    CHECK(v > 0 && seen == 1, "CLONE_VFORK alone suspends the parent until the child exits", "v %d seen %d", v > 0,
          seen);

    /* 7. CLONE_PARENT: a child of our child becomes our child. */
    p = fork();
    if (p == 0) {
        long g = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
        if (g == 0) {
            t_sleep_ms(20);
            _exit(getppid() == getpid() ? 99 : 23);
        }
        errno = 0;
        int e = waitpid((pid_t)g, NULL, 0) == -1 && errno == ECHILD ? 0 : 1;
        /* Tell the grandparent the grandchild's pid through the status byte? No:
         * it waits with -1. */
        _exit(g > 0 ? e : 2);
    }
    st = -1;
    t_wait_poll(p, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "CLONE_PARENT: the caller cannot wait for the new process",
          "st %#x", st);
    st = -1;
    r = t_wait_poll(-1, &st, 0);
    CHECK(r > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 23, "CLONE_PARENT: the caller's parent reaps it",
          "r %d st %#x", r > 0, st);

    /* 8. CLONE_SYSVSEM and CLONE_DETACHED are accepted by clone. */
    v = syscall(SYS_clone, CLONE_SYSVSEM | SIGCHLD, 0, 0, 0, 0);
    if (v == 0)
        _exit(4);
    st = -1;
    t_wait_poll((pid_t)v, &st, 0);
    CHECK(v > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 4, "clone with CLONE_SYSVSEM works", "v %ld st %#x", v, st);
    v = syscall(SYS_clone, CLONE_DETACHED | SIGCHLD, 0, 0, 0, 0);
    if (v == 0)
        _exit(5);
    st = -1;
    t_wait_poll((pid_t)v, &st, 0);
    CHECK(v > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 5, "clone ignores the legacy CLONE_DETACHED", "v %ld st %#x", v,
          st);

    /* 9. CLONE_SIGHAND: actions shared, mask and pending private. */
    signal(SIGUSR2, h_usr1);
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    sigprocmask(SIG_BLOCK, &hup, NULL);
    signal(SIGHUP, h_usr1);
    raise(SIGHUP);
    c = clone(c_sighand, stack_top(), CLONE_VM | CLONE_SIGHAND | SIGCHLD, NULL);
    t_wait_poll(c, &st, 0);
    struct sigaction cur;
    sigaction(SIGUSR2, NULL, &cur);
    CHECK(cur.sa_handler == SIG_IGN, "CLONE_SIGHAND: the child's new action is the parent's", "handler ign %d",
          cur.sa_handler == SIG_IGN);
    CHECK(sh_child_pending == 0, "CLONE_SIGHAND: the parent's pending signal is not the child's", "pending %d",
          sh_child_pending);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    CHECK(sh_child_blocked == 1 && sigismember(&now, SIGHUP) == 1 && sigismember(&now, SIGUSR2) == 0,
          "CLONE_SIGHAND: the signal mask stays per process", "child %d", sh_child_blocked);
    sh_usr1 = 0;
    sigprocmask(SIG_UNBLOCK, &hup, NULL);
    CHECK(sh_usr1 == 1, "the parent's pending SIGHUP is delivered to the parent", "n %d", sh_usr1);
    signal(SIGHUP, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);

    errno = 0;
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    chdir("/");
    system("rm -rf " DIR);
    return t_done("proc_clone_fs");
}
