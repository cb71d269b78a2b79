/* memfd_create and the seal constants for the memfd programs (raw
 * syscalls and numbers: older musl and glibc headers lack MFD_EXEC,
 * MFD_NOEXEC_SEAL and F_SEAL_EXEC). */
#ifndef ARAMID_MEMFD_H
#define ARAMID_MEMFD_H
#include <sys/syscall.h>
#include <unistd.h>

#define M_CLOEXEC 0x1
#define M_ALLOW_SEALING 0x2
#define M_HUGETLB 0x4
#define M_NOEXEC_SEAL 0x8
#define M_EXEC 0x10
#define M_ADD_SEALS 1033
#define M_GET_SEALS 1034
#define M_SEAL_SEAL 0x01
#define M_SEAL_SHRINK 0x02
#define M_SEAL_GROW 0x04
#define M_SEAL_WRITE 0x08
#define M_SEAL_FUTURE_WRITE 0x10
#define M_SEAL_EXEC 0x20

/* memfd_create(2) by number. */
static inline int t_memfd(const char *name, unsigned flags) { return (int)syscall(SYS_memfd_create, name, flags); }
#endif
