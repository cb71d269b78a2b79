/* The start shared by tmpfs_mount and tmpfs_space: the program defines D
 * (its directory under /tmp) before including this; M is the mount point
 * inside it. */
#ifndef ARAMID_TMPFS_H
#define ARAMID_TMPFS_H
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "t.h"
#include "files.h"

#define M D "/m"

static inline void cleanup(void) { t_unmount_rm(M, D); }

/* free blocks and free inodes of the mount at M, -1 on error */
static inline long bfree(void) {
    struct statfs s;
    return statfs(M, &s) == 0 ? (long)s.f_bfree : -1;
}
static inline long ffree(void) {
    struct statfs s;
    return statfs(M, &s) == 0 ? (long)s.f_ffree : -1;
}

/* The watchdog, umask 022, and D and M made afresh (nothing mounted yet). */
static inline void tmpfs_start(void) {
    t_watchdog(30);
    umask(022);
    cleanup();
    mkdir(D, 0755);
    mkdir(M, 0755);
}
#endif
