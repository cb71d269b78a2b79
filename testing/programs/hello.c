/* The smallest init: prints a line and exits with status 0 (the boot
 * suite's init-runs case boots it with init=/tests/hello). */
#include <stdio.h>
int main(void) {
    printf("hello from init\n");
    return 0;
}
