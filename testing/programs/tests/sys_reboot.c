/* reboot(2) and prctl(PR_SET_MM) as PID 1 meets them, without rebooting:
 * reboot checks CAP_SYS_BOOT first (EPERM, whatever the magic), then both
 * magic numbers and the command (EINVAL); PR_SET_MM rejects stray
 * arguments (EINVAL) before it checks CAP_SYS_RESOURCE (EPERM). (What
 * root with CAP_SYS_RESOURCE gets is not checked: the hosts that generate
 * the expected lines run without that capability.) */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include "../t.h"

#define MAGIC1 0xfee1deadU
#define MAGIC2 672274793U
#define BOGUS_CMD 0x12345678U

static long rb(unsigned m1, unsigned m2, unsigned cmd) { return syscall(SYS_reboot, m1, m2, cmd, 0); }

static int unprivileged(void) {
    STEP(1, setuid(65534) == 0);
    STEP(2, FAILS(rb(MAGIC1, MAGIC2, BOGUS_CMD), EPERM));
    STEP(3, FAILS(rb(1, 2, 3), EPERM));
    return 0;
}

static int mm_unprivileged(void) {
    STEP(1, setuid(65534) == 0);
    STEP(2, FAILS(prctl(PR_SET_MM, PR_SET_MM_START_CODE, 0x400000, 0, 0), EPERM));
    STEP(3, FAILS(prctl(PR_SET_MM, PR_SET_MM_ARG_START, 0x400000, 0, 0), EPERM));
    STEP(4, FAILS(prctl(PR_SET_MM, PR_SET_MM_START_CODE, 0x400000, 1, 0), EINVAL));
    return 0;
}

int main(void) {
    CHECK(FAILS(rb(0xdeadbeef, MAGIC2, BOGUS_CMD), EINVAL), "reboot: a wrong first magic is EINVAL", "errno %d", errno);
    CHECK(FAILS(rb(MAGIC1, 12345, BOGUS_CMD), EINVAL), "reboot: a wrong second magic is EINVAL", "errno %d", errno);
    CHECK(FAILS(rb(MAGIC1, 85072278U, BOGUS_CMD), EINVAL) && FAILS(rb(MAGIC1, 369367448U, BOGUS_CMD), EINVAL) &&
              FAILS(rb(MAGIC1, 537993216U, BOGUS_CMD), EINVAL),
          "reboot: every second magic is accepted; an unknown command is EINVAL", "errno %d", errno);
    CHECK_CHILD(unprivileged, "reboot: without CAP_SYS_BOOT EPERM comes first");

    CHECK(FAILS(prctl(PR_SET_MM, PR_SET_MM_START_CODE, 0x400000, 0, 1), EINVAL),
          "PR_SET_MM: a fifth argument is EINVAL", "errno %d", errno);
    CHECK(FAILS(prctl(PR_SET_MM, PR_SET_MM_START_CODE, 0x400000, 1, 0), EINVAL),
          "PR_SET_MM: a fourth argument to a plain field is EINVAL", "errno %d", errno);
    CHECK_CHILD(mm_unprivileged, "PR_SET_MM: without CAP_SYS_RESOURCE EPERM, after the argument check");
    CHECK_NO_CHILDREN();
    return t_done("sys_reboot");
}
