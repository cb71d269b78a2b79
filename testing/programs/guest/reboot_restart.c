/* reboot(2) with LINUX_REBOOT_CMD_RESTART resets the machine (QEMU, run
 * with -no-reboot, exits instead of booting again); a line after it would
 * mean the call returned. Guest-only. */
#include <sys/reboot.h>
#include "../t.h"

int main(void) {
    printf("restarting\n");
    fflush(stdout);
    reboot(RB_AUTOBOOT);
    printf("FAIL - reboot(RB_AUTOBOOT) returned (errno %d)\n", errno);
    return 1;
}
