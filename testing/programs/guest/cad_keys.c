/* Ctrl-Alt-Del on the PC keyboard, pressed by the runner through QEMU
 * (sendkey in testing/suites/guest.toml) when this init prints "cad:
 * press N". Linux's ctrl_alt_del(): with CAD off (reboot(RB_DISABLE_CAD),
 * as systemd sets it) the kernel sends SIGINT to init, si_code SI_KERNEL;
 * with CAD on again it restarts the machine at once (the runner sees a
 * reset: outcome "reboot"). Guest-only: it needs to be PID 1 and a key. */
#include <sys/reboot.h>
#include "../t.h"

static volatile sig_atomic_t got, code, pid;

static void on_int(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)uc;
    got = 1;
    code = si->si_code;
    pid = si->si_pid;
}

int main(void) {
    CHECK(getpid() == 1, "runs as init", "pid %d", getpid());
    CHECK(reboot(RB_DISABLE_CAD) == 0, "CAD off", "errno %d", errno);
    struct sigaction sa = {0};
    sa.sa_sigaction = on_int;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGINT, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &old);
    t_watchdog(60);
    printf("cad: press 1\n");
    fflush(stdout);
    while (!got)
        sigsuspend(&old);
    alarm(0);
    CHECK(got, "Ctrl-Alt-Del with CAD off sends init SIGINT", "no signal");
    CHECK(code == SI_KERNEL && pid == 0, "the signal comes from the kernel", "si_code %d si_pid %d", (int)code,
          (int)pid);
    CHECK(reboot(RB_ENABLE_CAD) == 0, "CAD on", "errno %d", errno);
    printf("cad: press 2\n");
    fflush(stdout);
    t_sleep_ms(60000);
    printf("FAIL - Ctrl-Alt-Del with CAD on did not restart the machine\n");
    return 1;
}
