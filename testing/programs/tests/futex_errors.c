/* futex(2) argument checking and the memory behind the word: EFAULT for
 * unmapped and PROT_NONE words and for a bad timeout pointer, a read-only
 * word being enough to wait on, private wakes of an unmapped word finding
 * nobody (0) while shared ones are EFAULT, EINVAL for negative or
 * oversized timeouts and unaligned words, the order of the checks (the
 * timeout before the value), ENOSYS for FUTEX_CLOCK_REALTIME on a wake,
 * and FUTEX_WAIT's relative time-out on either clock flag. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include "../t.h"

#include "../futex.h"
#define PRIV 128
#define REALTIME 256

static long fx(void *uaddr, int op, unsigned val, const void *ts, void *uaddr2, unsigned val3) {
    long r = syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
    return r < 0 ? -errno : r;
}

int main(void) {
    char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ro[0] = 0; /* a real page, not the shared zero page */
    mprotect(ro, 4096, PROT_READ);
    char *gone = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, 4096); /* nothing is mapped after this */
    static int word;
    struct timespec short_ts = {0, 1000000};
    struct timespec rel = {0, 30000000};
    double t0, el;

    long a = fx(gone, FUTEX_WAIT | PRIV, 0, &short_ts, NULL, 0);
    long b = fx(gone, FUTEX_WAIT, 0, &short_ts, NULL, 0);
    CHECK(a == -EFAULT && b == -EFAULT, "waiting on an unmapped word is EFAULT (private and shared)", "%ld %ld", a, b);
    a = fx(none, FUTEX_WAIT | PRIV, 0, &short_ts, NULL, 0);
    CHECK(a == -EFAULT, "waiting on a PROT_NONE word is EFAULT", "%ld", a);
    a = fx(ro, FUTEX_WAIT | PRIV, 0, &short_ts, NULL, 0);
    b = fx(ro, FUTEX_WAIT | PRIV, 1, &short_ts, NULL, 0);
    CHECK(a == -ETIMEDOUT && b == -EAGAIN, "a read-only word is enough to wait on", "%ld %ld", a, b);
    a = fx(gone, FUTEX_WAKE | PRIV, 1, NULL, NULL, 0);
    b = fx(gone, FUTEX_WAKE, 1, NULL, NULL, 0);
    CHECK(a == 0 && b == -EFAULT, "waking an unmapped word: private finds nobody, shared is EFAULT", "%ld %ld", a, b);
    a = fx(ro, FUTEX_WAKE, 1, NULL, NULL, 0);
    b = fx(ro, FUTEX_WAKE | PRIV, 1, NULL, NULL, 0);
    CHECK(a == -EFAULT && b == 0, "a read-only anonymous word: shared wakes are EFAULT, private ones fine",
          "%ld %ld", a, b);
    t0 = t_now();
    a = fx(&word, FUTEX_WAIT | PRIV, 0, &rel, NULL, 0);
    el = t_now() - t0;
    CHECK(a == -ETIMEDOUT && el >= 0.029 && el < 10, "FUTEX_WAIT's relative time-out runs its full length", "r %ld",
          a);

    a = fx(&word, FUTEX_WAIT | PRIV, 0, gone, NULL, 0);
    CHECK(a == -EFAULT, "an unmapped timeout pointer is EFAULT", "%ld", a);
    struct timespec neg = {-1, 0}, bign = {0, 1000000000L}, negn = {0, -1};
    a = fx(&word, FUTEX_WAIT | PRIV, 0, &neg, NULL, 0);
    b = fx(&word, FUTEX_WAIT | PRIV, 0, &negn, NULL, 0);
    long c = fx(&word, FUTEX_WAIT | PRIV, 0, &bign, NULL, 0);
    CHECK(a == -EINVAL && b == -EINVAL && c == -EINVAL, "a negative or non-normalised timeout is EINVAL",
          "%ld %ld %ld", a, b, c);
    word = 1;
    a = fx(&word, FUTEX_WAIT | PRIV, 0, &bign, NULL, 0);
    b = fx(&word, FUTEX_WAIT | PRIV, 0, gone, NULL, 0);
    word = 0;
    CHECK(a == -EINVAL && b == -EFAULT, "the timeout is checked before the value", "%ld %ld", a, b);
    a = fx((char *)&word + 2, FUTEX_WAKE | PRIV, 1, NULL, NULL, 0);
    b = fx((char *)&word + 1, FUTEX_WAIT_BITSET | PRIV, 0, &short_ts, NULL, 1);
    CHECK(a == -EINVAL && b == -EINVAL, "an unaligned word is EINVAL for wakes and waits", "%ld %ld", a, b);
    a = fx(&word, FUTEX_WAKE | PRIV | REALTIME, 1, NULL, NULL, 0);
    b = fx(&word, FUTEX_WAKE_BITSET | REALTIME, 1, NULL, NULL, 1);
    c = fx(&word, FUTEX_REQUEUE | REALTIME, 1, NULL, &word, 0);
    CHECK(a == -ENOSYS && b == -ENOSYS && c == -ENOSYS, "FUTEX_CLOCK_REALTIME on a wake or requeue is ENOSYS",
          "%ld %ld %ld", a, b, c);

    /* Only the absolute waits take FUTEX_CLOCK_REALTIME. */
    a = fx(&word, FUTEX_WAIT | PRIV | REALTIME, 0, &rel, NULL, 0);
    CHECK(a == -ENOSYS, "FUTEX_WAIT|FUTEX_CLOCK_REALTIME is ENOSYS", "r %ld", a);
    /* WAIT_BITSET's is absolute: a realtime deadline of 1 s after the
     * epoch has long passed, a monotonic one 1 s from now has not. */
    struct timespec past = {1, 0};
    t0 = t_now();
    a = fx(&word, FUTEX_WAIT_BITSET | PRIV | REALTIME, 0, &past, NULL, ~0u);
    el = t_now() - t0;
    CHECK(a == -ETIMEDOUT && el < 1, "an absolute CLOCK_REALTIME deadline in the past times out at once", "r %ld",
          a);
    struct timespec mono;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    mono.tv_nsec += 40000000;
    if (mono.tv_nsec >= 1000000000L) {
        mono.tv_nsec -= 1000000000L;
        mono.tv_sec++;
    }
    a = fx(&word, FUTEX_WAIT_BITSET | PRIV, 0, &mono, NULL, ~0u);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int after = now.tv_sec > mono.tv_sec || (now.tv_sec == mono.tv_sec && now.tv_nsec >= mono.tv_nsec);
    CHECK(a == -ETIMEDOUT && after, "an absolute CLOCK_MONOTONIC deadline is not reached early", "r %ld", a);
    struct timespec huge = {LONG_MAX / 2, 0};
    word = 1;
    a = fx(&word, FUTEX_WAIT | PRIV, 0, &huge, NULL, 0);
    word = 0;
    CHECK(a == -EAGAIN, "a huge relative time-out is accepted (the value decides)", "%ld", a);

    /* Requeue targets. */
    a = fx(&word, FUTEX_REQUEUE | PRIV, 1, (void *)1, gone, 0);
    b = fx(&word, FUTEX_REQUEUE, 1, (void *)1, gone, 0);
    CHECK(a == 0 && b == -EFAULT, "REQUEUE to an unmapped word: private is fine, shared is EFAULT", "%ld %ld", a, b);
    a = fx(gone, FUTEX_CMP_REQUEUE | PRIV, 1, (void *)1, &word, 0);
    CHECK(a == -EFAULT, "CMP_REQUEUE reading an unmapped first word is EFAULT", "%ld", a);
    a = fx(&word, 14, 0, NULL, NULL, 0);
    b = fx(&word, FUTEX_WAKE | PRIV | 0x200, 1, NULL, NULL, 0);
    CHECK(a == -ENOSYS && b == -ENOSYS, "unknown futex commands are ENOSYS (also with unknown flag bits)",
          "%ld %ld", a, b);
    return t_done("futex_errors");
}
