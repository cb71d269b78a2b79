/* reboot(2) as PID 1 at shutdown: Ctrl-Alt-Del switched off and on again,
 * then LINUX_REBOOT_CMD_POWER_OFF, which powers the machine off (the
 * runner sees QEMU exit with success); a line after it would mean the call
 * returned. Guest-only: it cannot run on the host. */
#include <sys/reboot.h>
#include "../t.h"

int main(void) {
    CHECK(reboot(RB_DISABLE_CAD) == 0 && reboot(RB_ENABLE_CAD) == 0, "CAD_OFF and CAD_ON are accepted", "errno %d",
          errno);
    sync();
    printf("powering off\n");
    fflush(stdout);
    reboot(RB_POWER_OFF);
    printf("FAIL - reboot(RB_POWER_OFF) returned (errno %d)\n", errno);
    return 1;
}
