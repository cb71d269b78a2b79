/* The first user program: prints a line and exits with status 0.
 * Until Aramid runs user programs (the processes issue) the kernel only
 * finds it in the initramfs and reports that it cannot run it yet. */
#include <stdio.h>
int main(void) {
    printf("hello from init\n");
    return 0;
}
