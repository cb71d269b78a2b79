/* memfd seals (fcntl F_ADD_SEALS / F_GET_SEALS) as Linux enforces them:
 * F_SEAL_SHRINK and F_SEAL_GROW on truncate, write and fallocate;
 * F_SEAL_WRITE on write, pwrite, hole punching and shared mappings (EBUSY
 * while a shared mapping that may write exists, even a PROT_READ one of an
 * O_RDWR descriptor; afterwards writable shared maps are EPERM and
 * mprotect cannot add PROT_WRITE: EACCES), F_SEAL_FUTURE_WRITE (existing
 * mappings keep writing), F_SEAL_SEAL, unknown bits, seals seen through
 * dup and fork. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "../t.h"
#include "../memfd.h"

static int sealable(long size) {
    int fd = t_memfd("seals", M_ALLOW_SEALING);
    if (fd >= 0 && size)
        ftruncate(fd, size);
    return fd;
}

static long size_of(int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 ? (long)st.st_size : -1;
}

int main(void) {
    char buf[16];
    int fd = sealable(0);
    CHECK(fd >= 0 && fcntl(fd, M_GET_SEALS) == 0, "MFD_ALLOW_SEALING: no seals yet", "fd %d seals %d", fd,
          fcntl(fd, M_GET_SEALS));
    CHECK(FAILS(fcntl(fd, M_ADD_SEALS, 0x40), EINVAL), "an unknown seal bit: EINVAL", "errno %d", errno);
    CHECK(fcntl(fd, M_ADD_SEALS, 0) == 0 && fcntl(fd, M_GET_SEALS) == 0, "adding no seal is allowed", "seals %d",
          fcntl(fd, M_GET_SEALS));

    fd = sealable(4096);
    int r = fcntl(fd, M_ADD_SEALS, M_SEAL_SHRINK);
    CHECK(r == 0 && fcntl(fd, M_GET_SEALS) == M_SEAL_SHRINK, "F_SEAL_SHRINK added", "r %d errno %d", r, errno);
    CHECK(FAILS(ftruncate(fd, 100), EPERM) && size_of(fd) == 4096, "F_SEAL_SHRINK: shrinking is EPERM", "errno %d",
          errno);
    CHECK(ftruncate(fd, 8192) == 0 && size_of(fd) == 8192, "F_SEAL_SHRINK: growing is allowed", "size %ld",
          size_of(fd));
    CHECK(fcntl(fd, M_ADD_SEALS, M_SEAL_SHRINK) == 0, "adding a seal it has again is allowed", "errno %d", errno);

    fd = sealable(4096);
    fcntl(fd, M_ADD_SEALS, M_SEAL_GROW);
    CHECK(FAILS(ftruncate(fd, 8192), EPERM) && size_of(fd) == 4096, "F_SEAL_GROW: growing is EPERM", "errno %d",
          errno);
    CHECK(FAILS(pwrite(fd, "abcd", 4, 4096), EPERM), "F_SEAL_GROW: a write at the end is EPERM", "errno %d",
          errno);
    long w = pwrite(fd, "abcd", 4, 4094);
    CHECK(w == 2 && size_of(fd) == 4096, "F_SEAL_GROW: a write across the end stops at the page boundary",
          "w %ld errno %d", w, errno);
    ftruncate(fd, 100);
    CHECK(FAILS(pwrite(fd, "abcd", 4, 98), EPERM) && size_of(fd) == 100,
          "F_SEAL_GROW: one that would extend a partial page is EPERM", "errno %d", errno);
    CHECK(pwrite(fd, "abcd", 4, 90) == 4 && size_of(fd) == 100, "F_SEAL_GROW: a write inside the file is allowed",
          "errno %d", errno);
    CHECK(FAILS(fallocate(fd, 0, 0, 8192), EPERM), "F_SEAL_GROW: fallocate past the end is EPERM", "errno %d",
          errno);
    CHECK(ftruncate(fd, 50) == 0 && size_of(fd) == 50, "F_SEAL_GROW: shrinking is allowed", "size %ld",
          size_of(fd));

    fd = sealable(4096);
    pwrite(fd, "data", 4, 0);
    r = fcntl(fd, M_ADD_SEALS, M_SEAL_WRITE);
    CHECK(r == 0 && fcntl(fd, M_GET_SEALS) == M_SEAL_WRITE, "F_SEAL_WRITE added", "r %d errno %d", r, errno);
    CHECK(FAILS(write(fd, "x", 1), EPERM) && FAILS(pwrite(fd, "x", 1, 10), EPERM), "F_SEAL_WRITE: write is EPERM",
          "errno %d", errno);
    CHECK(FAILS(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), EPERM),
          "F_SEAL_WRITE: punching a hole is EPERM", "errno %d", errno);
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EPERM,
          "F_SEAL_WRITE: a writable shared mapping is EPERM", "errno %d", errno);
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(ro != MAP_FAILED && memcmp(ro, "data", 4) == 0, "F_SEAL_WRITE: a read-only shared mapping is allowed",
          "errno %d", errno);
    CHECK(ro != MAP_FAILED && FAILS(mprotect(ro, 4096, PROT_READ | PROT_WRITE), EACCES),
          "and mprotect cannot make it writable: EACCES", "errno %d", errno);
    char *pv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (pv != MAP_FAILED)
        pv[0] = 'D';
    pread(fd, buf, 4, 0);
    CHECK(pv != MAP_FAILED && pv[0] == 'D' && memcmp(buf, "data", 4) == 0,
          "a private writable mapping is allowed and leaves the file alone", "errno %d", errno);
    CHECK(ftruncate(fd, 8192) == 0 && ftruncate(fd, 4096) == 0, "F_SEAL_WRITE alone does not fix the size",
          "errno %d", errno);

    fd = sealable(4096);
    char *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(rw != MAP_FAILED && FAILS(fcntl(fd, M_ADD_SEALS, M_SEAL_WRITE), EBUSY),
          "F_SEAL_WRITE while a writable shared mapping exists: EBUSY", "errno %d", errno);
    munmap(rw, 4096);
    CHECK(fcntl(fd, M_ADD_SEALS, M_SEAL_WRITE) == 0, "after munmap it is allowed", "errno %d", errno);

    fd = sealable(4096);
    ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(ro != MAP_FAILED && FAILS(fcntl(fd, M_ADD_SEALS, M_SEAL_WRITE), EBUSY),
          "a PROT_READ shared mapping of an O_RDWR memfd also blocks F_SEAL_WRITE", "errno %d", errno);
    munmap(ro, 4096);

    fd = sealable(4096);
    rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    pid_t c = fork();
    if (c == 0)
        _exit(fcntl(fd, M_ADD_SEALS, M_SEAL_WRITE) == -1 && errno == EBUSY ? 0 : 1);
    CHECK(t_wait_exit(c) == 0, "a mapping in another process counts too", "child failed");
    r = fcntl(fd, M_ADD_SEALS, M_SEAL_FUTURE_WRITE);
    CHECK(r == 0 && fcntl(fd, M_GET_SEALS) == M_SEAL_FUTURE_WRITE,
          "F_SEAL_FUTURE_WRITE is allowed with a writable mapping", "r %d errno %d", r, errno);
    if (rw != MAP_FAILED)
        memcpy(rw, "still", 5);
    pread(fd, buf, 5, 0);
    CHECK(rw != MAP_FAILED && memcmp(buf, "still", 5) == 0, "F_SEAL_FUTURE_WRITE: the old mapping still writes",
          "got %.5s", buf);
    CHECK(FAILS(write(fd, "x", 1), EPERM), "F_SEAL_FUTURE_WRITE: write is EPERM", "errno %d", errno);
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EPERM,
          "F_SEAL_FUTURE_WRITE: a new writable shared mapping is EPERM", "errno %d", errno);

    fd = sealable(0);
    r = fcntl(fd, M_ADD_SEALS, M_SEAL_SEAL | M_SEAL_GROW);
    CHECK(r == 0 && fcntl(fd, M_GET_SEALS) == (M_SEAL_SEAL | M_SEAL_GROW), "F_SEAL_SEAL with another seal",
          "r %d seals %d", r, fcntl(fd, M_GET_SEALS));
    CHECK(FAILS(fcntl(fd, M_ADD_SEALS, M_SEAL_SHRINK), EPERM) && FAILS(fcntl(fd, M_ADD_SEALS, 0), EPERM),
          "after F_SEAL_SEAL, F_ADD_SEALS is EPERM", "errno %d", errno);
    int d = dup(fd);
    CHECK(fcntl(d, M_GET_SEALS) == (M_SEAL_SEAL | M_SEAL_GROW), "a dup sees the same seals", "%d",
          fcntl(d, M_GET_SEALS));
    c = fork();
    if (c == 0)
        _exit(fcntl(fd, M_GET_SEALS) == (M_SEAL_SEAL | M_SEAL_GROW) && ftruncate(fd, 10) == -1 ? 0 : 1);
    CHECK(t_wait_exit(c) == 0, "a child sees and obeys the seals", "child failed");
    return t_done("memfd_seals");
}
