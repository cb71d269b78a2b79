/* Guest-only (the host has a PKU CPU and a kernel without
 * CONFIG_X86_IOPL_IOPERM): protection keys as Linux answers them on a CPU
 * without PKU (QEMU's TCG models), and iopl/ioperm as Linux with
 * CONFIG_X86_IOPL_IOPERM in lockdown: giving access up succeeds, asking
 * for it is EPERM, bad ranges are EINVAL. Expected lines in
 * testing/suites/guest.toml. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "../t.h"

#define PG 4096UL

static long pkey_alloc_(unsigned long flags, unsigned long init) { return syscall(SYS_pkey_alloc, flags, init); }
static long pkey_free_(int key) { return syscall(SYS_pkey_free, key); }
static long pkey_mprotect_(void *a, size_t len, int prot, int key) { return syscall(SYS_pkey_mprotect, a, len, prot, key); }

/* Linux lets key 0 be freed; a key taken again then cannot be programmed. */
static int free_key0(void) {
    STEP(1, pkey_free_(0) == 0);
    STEP(2, FAILS(pkey_free_(0), EINVAL));
    STEP(3, FAILS(pkey_alloc_(0, 0), EINVAL));
    return 0;
}

static int unprivileged(void) {
    STEP(1, setuid(65534) == 0);
    STEP(2, FAILS(syscall(SYS_iopl, 3), EPERM));
    STEP(3, syscall(SYS_iopl, 0) == 0);
    STEP(4, FAILS(syscall(SYS_ioperm, 0x80, 1, 1), EPERM));
    STEP(5, syscall(SYS_ioperm, 0x80, 1, 0) == 0);
    return 0;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    CHECK(FAILS(pkey_alloc_(0, 0), ENOSPC), "pkey_alloc without PKU is ENOSPC", "errno %d", errno);
    CHECK(FAILS(pkey_alloc_(1, 0), EINVAL), "pkey_alloc with flags is EINVAL", "errno %d", errno);
    CHECK(FAILS(pkey_alloc_(0, 4), EINVAL), "pkey_alloc with an unknown access right is EINVAL", "errno %d", errno);
    CHECK(FAILS(pkey_free_(1), EINVAL), "pkey_free of a key never allocated is EINVAL", "errno %d", errno);
    char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(pkey_mprotect_(p, PG, PROT_READ, -1) == 0, "pkey_mprotect with key -1 is mprotect", "errno %d", errno);
    CHECK(pkey_mprotect_(p, PG, PROT_READ | PROT_WRITE, 0) == 0, "pkey_mprotect with key 0 is mprotect", "errno %d", errno);
    p[0] = 1;
    CHECK(FAILS(pkey_mprotect_(p, PG, PROT_READ, 1), EINVAL), "pkey_mprotect with an unallocated key is EINVAL", "errno %d", errno);
    CHECK_CHILD(free_key0, "key 0 can be freed, and then pkey_alloc is EINVAL");
    CHECK(FAILS(pkey_alloc_(0, 0), ENOSPC), "the parent's key 0 is still allocated", "errno %d", errno);

    CHECK(FAILS(syscall(SYS_iopl, 4), EINVAL), "iopl(4) is EINVAL", "errno %d", errno);
    CHECK(syscall(SYS_iopl, 0) == 0, "iopl(0) succeeds", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_iopl, 3), EPERM), "iopl(3) is EPERM (lockdown)", "errno %d", errno);
    CHECK(syscall(SYS_ioperm, 0x80, 8, 0) == 0, "ioperm turning access off succeeds", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_ioperm, 0x80, 8, 1), EPERM), "ioperm turning access on is EPERM (lockdown)", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_ioperm, 65535, 2, 0), EINVAL), "ioperm past port 65535 is EINVAL", "errno %d", errno);
    CHECK(FAILS(syscall(SYS_ioperm, 0x80, 0, 0), EINVAL), "ioperm of no ports is EINVAL", "errno %d", errno);
    CHECK_CHILD(unprivileged, "without CAP_SYS_RAWIO: iopl(3) and ioperm on are EPERM");
    return t_done("pkey_ioport");
}
