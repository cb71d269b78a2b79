/* reboot(2) with LINUX_REBOOT_CMD_HALT: Linux prints "reboot: System
 * halted", stops every CPU and leaves the machine on (the runner sees the
 * line and ends the run with the outcome "halt"); a line after it would
 * mean the call returned. Guest-only. */
#include <sys/reboot.h>
#include "../t.h"

int main(void) {
    printf("halting\n");
    fflush(stdout);
    reboot(RB_HALT_SYSTEM);
    printf("FAIL - reboot(RB_HALT_SYSTEM) returned (errno %d)\n", errno);
    return 1;
}
