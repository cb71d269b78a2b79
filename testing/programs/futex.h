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

#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

/* Two zeroed words in MAP_SHARED memory (*sh) and a child; in the child,
 * which gets 0, word 1 is already 1 ("about to wait on word 0"). */
static inline pid_t t_fork_shared_words(int **sh) {
    int *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    w[0] = 0;
    w[1] = 0;
    *sh = w;
    pid_t pid = fork();
    if (pid == 0)
        __atomic_store_n(&w[1], 1, __ATOMIC_SEQ_CST);
    return pid;
}
#endif
