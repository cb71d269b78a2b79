/* Small calls: personality(2) (query, set, inherited by fork),
 * utime/utimes/futimesat (times set, NULL for now, bad microseconds),
 * sched_setattr/sched_getattr (the size rules: EINVAL, E2BIG with the size
 * written back; nice through sched_attr; flags), membarrier (query, the
 * private command needing registration, bad flags and commands),
 * readahead (regular files only) and sync_file_range (flags and ranges,
 * ESPIPE on a pipe), and vhangup without CAP_SYS_TTY_CONFIG (EPERM). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <utime.h>
#include "../t.h"

#define F "/tmp/sys_misc.f"

struct sa {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t prio;
    uint64_t runtime, deadline, period;
    uint32_t util_min, util_max;
    char extra[16];
};

static int child_persona(void) {
    STEP(1, personality(0xffffffff) == ADDR_NO_RANDOMIZE);
    return 0;
}

static int unpriv(void) {
    STEP(1, setuid(65534) == 0);
    STEP(2, FAILS(syscall(SYS_vhangup), EPERM));
    /* Lowering nice needs CAP_SYS_NICE or RLIMIT_NICE. */
    struct sa a = {.size = 48, .nice = -5};
    STEP(3, FAILS(syscall(SYS_sched_setattr, 0, &a, 0), EPERM));
    a.nice = 10;
    STEP(4, syscall(SYS_sched_setattr, 0, &a, 0) == 0 && getpriority(PRIO_PROCESS, 0) == 10);
    /* Reading the NTP state needs nothing; changing it CAP_SYS_TIME. */
    struct timex tx = {0};
    STEP(5, adjtimex(&tx) >= 0);
    tx.modes = ADJ_MAXERROR;
    STEP(6, FAILS(adjtimex(&tx), EPERM));
    tx.modes = ADJ_OFFSET_SS_READ;
    STEP(7, adjtimex(&tx) >= 0);
    tx.modes = ADJ_OFFSET_SINGLESHOT;
    STEP(8, FAILS(adjtimex(&tx), EPERM));
    STEP(9, FAILS(acct(NULL), EPERM));
    return 0;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);

    /* personality */
    CHECK(personality(0xffffffff) == PER_LINUX, "personality query is PER_LINUX", "%x", personality(0xffffffff));
    CHECK(personality(PER_LINUX | ADDR_NO_RANDOMIZE) == PER_LINUX, "personality returns the old value", "errno %d", errno);
    CHECK(personality(0xffffffff) == ADDR_NO_RANDOMIZE, "ADDR_NO_RANDOMIZE is kept", "%x", personality(0xffffffff));
    CHECK_CHILD(child_persona, "a fork child inherits the personality");
    personality(PER_LINUX);

    /* utime, utimes, futimesat */
    int fd = open(F, O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, "abc", 3) == 3, "make a file", "errno %d", errno);
    struct stat st;
    struct utimbuf ub = {.actime = 1000, .modtime = 2000};
    CHECK(utime(F, &ub) == 0 && stat(F, &st) == 0 && st.st_atime == 1000 && st.st_mtime == 2000, "utime sets whole seconds", "%ld %ld", (long)st.st_atime, (long)st.st_mtime);
    struct timeval tv[2] = {{3000, 500000}, {4000, 250000}};
    CHECK(utimes(F, tv) == 0 && stat(F, &st) == 0 && st.st_mtime == 4000 && st.st_mtim.tv_nsec == 250000000 && st.st_atim.tv_nsec == 500000000, "utimes sets microseconds", "%ld %ld", (long)st.st_mtime, st.st_mtim.tv_nsec);
    time_t now = time(NULL);
    CHECK(utimes(F, NULL) == 0 && stat(F, &st) == 0 && st.st_mtime >= now - 5 && st.st_mtime <= now + 5, "utimes(NULL) sets now", "%ld vs %ld", (long)st.st_mtime, (long)now);
    struct timeval bad[2] = {{1, 1000000}, {1, 0}};
    CHECK(FAILS(utimes(F, bad), EINVAL), "utimes with tv_usec 1000000 is EINVAL", "errno %d", errno);
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    struct timeval tv2[2] = {{5000, 0}, {6000, 0}};
    CHECK(syscall(SYS_futimesat, dir, "sys_misc.f", tv2) == 0 && stat(F, &st) == 0 && st.st_mtime == 6000, "futimesat relative to a directory fd", "%ld", (long)st.st_mtime);
    CHECK(syscall(SYS_futimesat, fd, NULL, tv) == 0 && stat(F, &st) == 0 && st.st_mtime == 4000, "futimesat with a NULL path sets the fd's file", "%ld", (long)st.st_mtime);
    CHECK(FAILS(utimes("/tmp/sys_misc.none", tv), ENOENT), "utimes of a missing file is ENOENT", "errno %d", errno);
    close(dir);

    /* sched_getattr / sched_setattr */
    struct sa a;
    memset(&a, 0xff, sizeof a);
    CHECK(syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) == 0 && a.size == 56 && a.policy == 0 && a.nice == 0 && a.flags == 0,
          "sched_getattr with a larger buffer writes 56 bytes", "size %u policy %u nice %d", a.size, a.policy, a.nice);
    memset(&a, 0xff, sizeof a);
    CHECK(syscall(SYS_sched_getattr, 0, &a, 48, 0) == 0 && a.size == 48 && a.util_min == 0xffffffff, "sched_getattr with 48 writes 48", "size %u", a.size);
    CHECK(FAILS(syscall(SYS_sched_getattr, 0, &a, 47, 0), EINVAL), "sched_getattr below 48 bytes is EINVAL", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_sched_getattr, 0, &a, 4097, 0), EINVAL), "sched_getattr past a page is EINVAL", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_sched_getattr, 0, &a, 56, 1), EINVAL), "sched_getattr with flags is EINVAL", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_sched_getattr, 99999999, &a, 56, 0), ESRCH), "sched_getattr of a missing pid is ESRCH", "errno %d", errno);
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.extra[3] = 1;
    CHECK(FAILS(syscall(SYS_sched_setattr, 0, &a, 0), E2BIG) && a.size == 56, "sched_setattr with unknown non-zero bytes is E2BIG, size written back", "errno %d size %u", errno, a.size);
    memset(&a, 0, sizeof a);
    a.size = 20;
    CHECK(FAILS(syscall(SYS_sched_setattr, 0, &a, 0), E2BIG) && a.size == 56, "sched_setattr with size 20 is E2BIG", "errno %d size %u", errno, a.size);
    memset(&a, 0, sizeof a);
    a.nice = 5;
    CHECK(syscall(SYS_sched_setattr, 0, &a, 0) == 0 && getpriority(PRIO_PROCESS, 0) == 5, "sched_setattr size 0 means 48; sets nice", "errno %d nice %d", errno, getpriority(PRIO_PROCESS, 0));
    memset(&a, 0, sizeof a);
    a.size = 48;
    a.nice = -30;
    CHECK(syscall(SYS_sched_setattr, 0, &a, 0) == 0 && getpriority(PRIO_PROCESS, 0) == -20, "a nice past -20 is clamped", "nice %d", getpriority(PRIO_PROCESS, 0));
    a.nice = 0;
    a.flags = 0x80;
    CHECK(FAILS(syscall(SYS_sched_setattr, 0, &a, 0), EINVAL), "an unknown sched_flag is EINVAL", "errno %d", errno);
    a.flags = 0;
    a.policy = 7;
    CHECK(FAILS(syscall(SYS_sched_setattr, 0, &a, 0), EINVAL), "an unknown policy is EINVAL", "errno %d", errno);
    a.policy = SCHED_BATCH;
    a.nice = 2;
    memset(&a.extra, 0, sizeof a.extra);
    CHECK(syscall(SYS_sched_setattr, 0, &a, 0) == 0 && syscall(SYS_sched_getscheduler, 0) == SCHED_BATCH, "sched_setattr sets SCHED_BATCH", "errno %d", errno);
    memset(&a, 0, sizeof a);
    CHECK(syscall(SYS_sched_getattr, 0, &a, 56, 0) == 0 && a.policy == SCHED_BATCH && a.nice == 2, "sched_getattr reads policy and nice back", "%u %d", a.policy, a.nice);
    CHECK(FAILS(syscall(SYS_sched_setattr, 0, &a, 1), EINVAL) && FAILS(syscall(SYS_sched_setattr, -1, &a, 0), EINVAL) && FAILS(syscall(SYS_sched_setattr, 0, NULL, 0), EINVAL),
          "sched_setattr: flags, negative pid, NULL are EINVAL", "errno %d", errno);
    memset(&a, 0, sizeof a);
    a.size = 48;
    syscall(SYS_sched_setattr, 0, &a, 0);
    CHECK_CHILD(unpriv, "without privileges: vhangup EPERM, nice only upwards, adjtimex read-only, acct EPERM");

    /* adjtimex / clock_adjtime: only reads and refusals (the host's
     * clock is not to be changed). */
    struct timex tx = {0};
    int state = adjtimex(&tx);
    CHECK(state >= 0 && state <= 5 && tx.precision == 1 && tx.tolerance == 32768000 && tx.tick == 10000,
          "adjtimex reads the state: tick 10000, precision 1, tolerance 500 ppm", "%d %ld %ld %ld", state, tx.precision, tx.tolerance, tx.tick);
    CHECK((tx.status & STA_UNSYNC) ? state == TIME_ERROR : 1, "an unsynchronized clock answers TIME_ERROR", "%d %x", state, tx.status);
    CHECK(tx.time.tv_sec >= time(NULL) - 5 && tx.time.tv_sec <= time(NULL) + 5 && tx.time.tv_usec >= 0 && tx.time.tv_usec < 1000000, "adjtimex reports the time", "%ld", (long)tx.time.tv_sec);
    memset(&tx, 0, sizeof tx);
    tx.modes = ADJ_TICK;
    tx.tick = 8000;
    CHECK(FAILS(adjtimex(&tx), EINVAL), "adjtimex with a tick 20% off is EINVAL", "errno %d", errno);
    memset(&tx, 0, sizeof tx);
    tx.modes = 0x8000 | ADJ_STATUS;
    CHECK(FAILS(adjtimex(&tx), EINVAL), "ADJ_ADJTIME without the single-shot bits is EINVAL", "errno %d", errno);
    memset(&tx, 0, sizeof tx);
    tx.modes = ADJ_SETOFFSET;
    tx.time.tv_usec = 1000000;
    CHECK(FAILS(adjtimex(&tx), EINVAL), "ADJ_SETOFFSET with tv_usec 1000000 is EINVAL", "errno %d", errno);
    memset(&tx, 0, sizeof tx);
    CHECK(syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx) >= 0, "clock_adjtime(CLOCK_REALTIME) reads", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_clock_adjtime, CLOCK_MONOTONIC, &tx), EOPNOTSUPP), "clock_adjtime(CLOCK_MONOTONIC) is EOPNOTSUPP", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_clock_adjtime, 100, &tx), EINVAL), "clock_adjtime of an unknown clock is EINVAL", "errno %d", errno);

    /* acct: only refusals and switching off (enabling it would make the
     * host write records). */
    CHECK(FAILS(acct("/tmp/sys_misc.none/x"), ENOENT), "acct of a missing file is ENOENT", "errno %d", errno);
    CHECK(FAILS(acct("/tmp"), EISDIR), "acct of a directory is EISDIR", "errno %d", errno);
    CHECK(FAILS(acct("/dev/null"), EACCES), "acct of a device is EACCES", "errno %d", errno);
    CHECK(acct(NULL) == 0, "acct(NULL) switches accounting off", "errno %d", errno);

    /* membarrier */
    long q = syscall(SYS_membarrier, 0, 0, 0);
    CHECK(q > 0 && (q & 0x7f) == 0x7f, "MEMBARRIER_CMD_QUERY lists global, private and sync-core commands", "%lx", q);
    CHECK(syscall(SYS_membarrier, 1, 0, 0) == 0, "MEMBARRIER_CMD_GLOBAL succeeds", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_membarrier, 8, 0, 0), EPERM), "PRIVATE_EXPEDITED before registering is EPERM", "errno %d", errno);
    CHECK(syscall(SYS_membarrier, 16, 0, 0) == 0 && syscall(SYS_membarrier, 8, 0, 0) == 0, "after REGISTER_PRIVATE_EXPEDITED it succeeds", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_membarrier, 32, 0, 0), EPERM), "PRIVATE_EXPEDITED_SYNC_CORE needs its own registration", "errno %d", errno);
    CHECK(syscall(SYS_membarrier, 4, 0, 0) == 0 && syscall(SYS_membarrier, 2, 0, 0) == 0, "GLOBAL_EXPEDITED after registering", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_membarrier, 3, 0, 0), EINVAL), "an unknown membarrier command is EINVAL", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_membarrier, 1, 2, 0), EINVAL), "membarrier flags are EINVAL", "errno %d", errno);

    /* readahead, sync_file_range */
    CHECK(readahead(fd, 0, 4096) == 0, "readahead of a regular file succeeds", "errno %d", errno);
    int p[2];
    pipe(p);
    CHECK(FAILS(readahead(p[0], 0, 4096), EINVAL), "readahead of a pipe is EINVAL", "errno %d", errno);
    int wo = open(F, O_WRONLY);
    CHECK(FAILS(readahead(wo, 0, 4096), EBADF), "readahead of a write-only fd is EBADF", "errno %d", errno);
    CHECK(FAILS(readahead(99, 0, 4096), EBADF), "readahead of a closed fd is EBADF", "errno %d", errno);
    CHECK(sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) == 0, "sync_file_range of a file succeeds", "errno %d", errno);
    CHECK(FAILS(sync_file_range(fd, 0, 0, 8), EINVAL), "sync_file_range with an unknown flag is EINVAL", "errno %d", errno);
    CHECK(FAILS(sync_file_range(fd, -1, 0, 0), EINVAL), "sync_file_range at a negative offset is EINVAL", "errno %d", errno);
    CHECK(FAILS(sync_file_range(fd, 0x7fffffffffffffffLL, 2, 0), EINVAL), "sync_file_range of a wrapping range is EINVAL", "errno %d", errno);
    CHECK(FAILS(sync_file_range(p[1], 0, 0, 0), ESPIPE), "sync_file_range of a pipe is ESPIPE", "errno %d", errno);
    CHECK(FAILS(sync_file_range(99, 0, 0, 0), EBADF), "sync_file_range of a closed fd is EBADF", "errno %d", errno);
    close(wo);
    close(fd);
    unlink(F);
    CHECK_NO_CHILDREN();
    return t_done("sys_misc");
}
