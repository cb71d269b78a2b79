/* statx beyond fs_stat, on a tmpfs mounted at /tmp/fs_statx.d/mnt (the
 * same filesystem on both kernels): which stx_mask bits come back,
 * STATX_BTIME, stx_mnt_id within and across mounts, STATX_ATTR_MOUNT_ROOT,
 * tmpfs's blksize, blocks and directory sizes, unknown request bits,
 * AT_STATX_* sync flags, NULL paths with and without AT_EMPTY_PATH, O_PATH
 * descriptors, file types. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_statx.d"
#define M D "/mnt"

#define K_BASIC 0x7ffU
#define K_BTIME 0x800U
#define K_MNT_ID 0x1000U
#define K_DIOALIGN 0x2000U
#define K_ATTR_MOUNT_ROOT 0x2000ULL
#define K_FORCE_SYNC 0x2000
#define K_DONT_SYNC 0x4000

static long sx(int dfd, const char *p, int fl, unsigned mask, struct kstatx *b) {
    memset(b, 0xee, sizeof *b);
    return syscall(SYS_statx, dfd, p, fl, mask, b);
}

int main(void) {
    struct kstatx a, b;
    long r, r2;
    time_t before = time(NULL);
    if (t_fresh_tmpfs(D, M, "fs_statx") != 0)
        return 1;
    int fd = t_open("f", O_RDWR | O_CREAT, 0644);
    write(fd, "hello", 5);
    mkdir("d", 0755);
    symlink("f", "l");
    mkfifo("p", 0644);
    close(t_open(D "/outside", O_WRONLY | O_CREAT, 0644));

    r = sx(AT_FDCWD, "f", 0, K_BASIC, &a);
    CHECK(r == 0 && (a.mask & (K_BASIC | K_MNT_ID)) == (K_BASIC | K_MNT_ID),
          "STATX_MNT_ID comes back with the basic stats even when not asked for", "ret %ld mask %#x", r, a.mask);
    r = sx(AT_FDCWD, "f", 0, K_BASIC | K_BTIME, &a);
    CHECK(r == 0 && (a.mask & K_BTIME) && a.btime.tv_sec >= before - 1 && a.btime.tv_sec <= time(NULL) + 1 &&
              a.btime.tv_nsec < 1000000000,
          "tmpfs reports STATX_BTIME: the creation time", "ret %ld mask %#x btime %lld", r, a.mask,
          (long long)a.btime.tv_sec);
    r = sx(AT_FDCWD, "f", 0, 0x7fffffff, &a);
    CHECK(r == 0 && (a.mask & ~0x7fffU) == 0 && (a.mask & K_BASIC) == K_BASIC,
          "unknown request bits below the reserved one are accepted and not echoed", "ret %ld mask %#x", r, a.mask);
    r = sx(AT_FDCWD, "f", 0, K_BASIC | K_DIOALIGN, &a);
    CHECK(r == 0 && !(a.mask & K_DIOALIGN), "tmpfs does not report STATX_DIOALIGN", "ret %ld mask %#x", r, a.mask);
    r = sx(AT_FDCWD, "f", 0, K_BASIC, &a);
    CHECK(a.blksize == 4096 && a.size == 5 && a.blocks == 8 && a.nlink == 1 && a.rdev_major == 0 && a.rdev_minor == 0,
          "a 5-byte tmpfs file: blksize 4096, one page of 512-byte blocks, rdev 0", "blksize %u size %llu blocks %llu",
          a.blksize, (unsigned long long)a.size, (unsigned long long)a.blocks);
    sx(AT_FDCWD, "d", 0, K_BASIC, &a);
    sx(AT_FDCWD, ".", 0, K_BASIC, &b);
    CHECK(a.size == 40 && a.blocks == 0 && b.size == 40 + 4 * 20 && b.nlink == 3,
          "tmpfs directory sizes: 40 plus 20 per entry; nlink counts subdirectories", "d %llu root %llu nlink %u",
          (unsigned long long)a.size, (unsigned long long)b.size, b.nlink);
    sx(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, K_BASIC, &a);
    sx(AT_FDCWD, "p", 0, K_BASIC, &b);
    CHECK(S_ISLNK(a.mode) && a.size == 1 && a.blocks == 0 && S_ISFIFO(b.mode) && b.size == 0,
          "a short symlink takes no blocks; a FIFO has size 0", "mode %o size %llu blocks %llu", a.mode,
          (unsigned long long)a.size, (unsigned long long)a.blocks);

    /* mounts */
    sx(AT_FDCWD, "f", 0, K_BASIC, &a);
    sx(AT_FDCWD, "d", 0, K_BASIC, &b);
    struct kstatx c;
    sx(AT_FDCWD, D "/outside", 0, K_BASIC, &c);
    CHECK(a.mnt_id == b.mnt_id && a.mnt_id != c.mnt_id && a.dev_minor != c.dev_minor,
          "stx_mnt_id is the same within a mount, different across mounts", "%llu %llu %llu",
          (unsigned long long)a.mnt_id, (unsigned long long)b.mnt_id, (unsigned long long)c.mnt_id);
    sx(AT_FDCWD, M, 0, K_BASIC, &a);
    sx(AT_FDCWD, "d", 0, K_BASIC, &b);
    CHECK((a.attributes & K_ATTR_MOUNT_ROOT) && (a.attributes_mask & K_ATTR_MOUNT_ROOT) &&
              !(b.attributes & K_ATTR_MOUNT_ROOT) && (b.attributes_mask & K_ATTR_MOUNT_ROOT),
          "STATX_ATTR_MOUNT_ROOT marks the mount root only", "root %#llx/%#llx d %#llx", (unsigned long long)a.attributes,
          (unsigned long long)a.attributes_mask, (unsigned long long)b.attributes);
    sx(AT_FDCWD, "/", 0, K_BASIC, &a);
    CHECK(a.attributes & K_ATTR_MOUNT_ROOT, "/ is a mount root", "attributes %#llx", (unsigned long long)a.attributes);

    /* flags and paths */
    r = sx(AT_FDCWD, "f", K_FORCE_SYNC, K_BASIC, &a);
    r2 = sx(AT_FDCWD, "f", K_DONT_SYNC, K_BASIC, &a);
    CHECK(r == 0 && r2 == 0 && FAILS(sx(AT_FDCWD, "f", K_FORCE_SYNC | K_DONT_SYNC, K_BASIC, &a), EINVAL),
          "AT_STATX_FORCE_SYNC or DONT_SYNC work; both together are EINVAL", "%ld %ld errno %d", r, r2, errno);
    r = sx(fd, NULL, AT_EMPTY_PATH, K_BASIC, &a);
    CHECK(r == 0 && a.size == 5, "a NULL path with AT_EMPTY_PATH stats the descriptor", "ret %ld errno %d", r, errno);
    CHECK(FAILS(sx(AT_FDCWD, NULL, 0, K_BASIC, &a), EFAULT) && FAILS(syscall(SYS_statx, AT_FDCWD, "f", 0, K_BASIC, NULL), EFAULT),
          "a NULL path without AT_EMPTY_PATH, or a NULL buffer, is EFAULT", "errno %d", errno);
    CHECK(FAILS(sx(AT_FDCWD, "", 0, K_BASIC, &a), ENOENT),
          "\"\" is ENOENT without AT_EMPTY_PATH", "errno %d", errno);
    r = sx(AT_FDCWD, "", AT_EMPTY_PATH, K_BASIC, &a);
    CHECK(r == 0 && S_ISDIR(a.mode) && (a.attributes & K_ATTR_MOUNT_ROOT), "\"\" with AT_EMPTY_PATH and AT_FDCWD is the cwd",
          "ret %ld mode %o", r, a.mode);
    int pfd = t_open("l", O_PATH | O_NOFOLLOW, 0);
    r = sx(pfd, "", AT_EMPTY_PATH, K_BASIC, &a);
    CHECK(r == 0 && S_ISLNK(a.mode), "statx of an O_PATH|O_NOFOLLOW fd sees the symlink", "ret %ld mode %o", r,
          a.mode);
    close(pfd);
    int dfd = t_open("d", O_RDONLY | O_DIRECTORY, 0);
    close(t_open("d/in", O_WRONLY | O_CREAT, 0600));
    r = sx(dfd, "in", 0, K_BASIC, &a);
    CHECK(r == 0 && (a.mode & 07777) == 0600 && FAILS(sx(fd, "in", 0, K_BASIC, &a), ENOTDIR),
          "statx relative to a dirfd; a file dirfd is ENOTDIR", "ret %ld errno %d", r, errno);
    close(dfd);
    close(fd);

    chdir("/");
    umount2(M, MNT_DETACH);
    t_rm_rf(D);
    return t_done("fs_statx");
}
