/* futex(2) operation numbers for the futex, mm and signal programs; musl's
 * headers have no <linux/futex.h>, so they are defined here once. */
#ifndef ARAMID_FUTEX_H
#define ARAMID_FUTEX_H
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#endif
