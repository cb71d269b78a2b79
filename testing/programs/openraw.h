/* The raw open helpers shared by fs_open and fs_openat: openat and
 * F_GETFL through syscall() (so libc adds no flags) and lstat's size. */
#ifndef ARAMID_OPENRAW_H
#define ARAMID_OPENRAW_H
#include <stdlib.h>
#include "t.h"
#include "files.h"

/* the kernel's O_LARGEFILE; glibc defines O_LARGEFILE as 0 on x86-64 */
#define K_LARGEFILE 0100000

static long sopenat(int dfd, const char *p, long flags, long mode) { return syscall(SYS_openat, dfd, p, flags, mode); }
static long getfl(int fd) { return syscall(SYS_fcntl, fd, F_GETFL); }
static off_t size_of(const char *p) {
    struct stat st;
    if (lstat(p, &st) != 0)
        return -1;
    return st.st_size;
}
#endif
