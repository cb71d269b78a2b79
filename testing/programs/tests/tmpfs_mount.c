/* tmpfs mounts with options: size=, nr_inodes=, mode=, uid=, gid= seen in
 * the root's stat and in statfs; ENOSPC (and a short write) when the data
 * or the inodes run out; sparse files; remount changing size; bad options
 * EINVAL; st_dev of the mount; umount uncovering the directory. */
#define _GNU_SOURCE
#define D "/tmp/tmpfs_mount.d"
#define TMPFS_MAGIC_ 0x01021994
#include "../tmpfs.h"

int main(void) {
    tmpfs_start();
    struct stat d, st;
    stat(D, &d);

    int r = mount("none", M, "tmpfs", 0, "size=64k,nr_inodes=10,mode=0750,uid=123,gid=456");
    CHECK(r == 0, "mount tmpfs with size, nr_inodes, mode, uid and gid", "ret %d errno %d", r, errno);
    r = stat(M, &st);
    CHECK(r == 0 && st.st_mode == (S_IFDIR | 0750) && st.st_uid == 123 && st.st_gid == 456,
          "the root directory takes mode, uid and gid from the options", "mode %o uid %d gid %d", st.st_mode,
          (int)st.st_uid, (int)st.st_gid);
    CHECK(st.st_dev != d.st_dev, "the mount has its own st_dev", "same dev");
    struct statfs s;
    r = statfs(M, &s);
    CHECK(r == 0 && s.f_type == TMPFS_MAGIC_ && s.f_bsize == 4096 && s.f_namelen == 255,
          "statfs: TMPFS_MAGIC, 4096-byte blocks, names up to 255", "type %lx bsize %ld namelen %ld",
          (long)s.f_type, (long)s.f_bsize, (long)s.f_namelen);
    CHECK(s.f_blocks == 16 && s.f_bfree == 16 && s.f_bavail == 16, "statfs: size=64k is 16 free blocks",
          "blocks %ld bfree %ld bavail %ld", (long)s.f_blocks, (long)s.f_bfree, (long)s.f_bavail);
    CHECK(s.f_files == 10 && s.f_ffree == 9, "statfs: nr_inodes=10, the root uses one", "files %ld ffree %ld",
          (long)s.f_files, (long)s.f_ffree);

    int fd = open(M "/sparse", O_RDWR | O_CREAT, 0644);
    r = ftruncate(fd, 1 << 20);
    fstat(fd, &st);
    CHECK(r == 0 && st.st_size == (1 << 20) && st.st_blocks == 0 && bfree() == 16,
          "a 1 MiB sparse file fits in 64 KiB and uses no blocks", "ret %d blocks %ld bfree %ld", r,
          (long)st.st_blocks, bfree());
    r = pwrite(fd, "x", 1, 512 * 1024);
    fstat(fd, &st);
    CHECK(r == 1 && st.st_blocks == 8 && bfree() == 15, "one byte written into the hole allocates one page",
          "ret %d blocks %ld bfree %ld", r, (long)st.st_blocks, bfree());
    close(fd);
    unlink(M "/sparse");
    CHECK(bfree() == 16, "unlinking the file gives the page back", "bfree %ld", bfree());

    static char buf[64 * 1024];
    memset(buf, 'a', sizeof buf);
    fd = open(M "/big", O_RDWR | O_CREAT, 0644);
    long w = write(fd, buf, 60 * 1024);
    long w2 = write(fd, buf, 8192);
    CHECK(w == 60 * 1024 && w2 == 4096, "a write that runs out of space is short", "%ld %ld", w, w2);
    errno = 0;
    w = write(fd, buf, 10);
    CHECK(w == -1 && errno == ENOSPC, "a write with no space left is ENOSPC", "ret %ld errno %d", w, errno);
    fstat(fd, &st);
    CHECK(st.st_size == 64 * 1024 && st.st_blocks == 128 && bfree() == 0, "the file holds 64 KiB in 128 blocks",
          "size %ld blocks %ld bfree %ld", (long)st.st_size, (long)st.st_blocks, bfree());
    r = ftruncate(fd, 1 << 20);
    CHECK(r == 0, "growing a file by ftruncate on a full tmpfs succeeds (holes take no space)", "errno %d", errno);
    r = fallocate(fd, 0, 1 << 20, 4096);
    CHECK(r == -1 && errno == ENOSPC, "fallocate on a full tmpfs is ENOSPC", "ret %d errno %d", r, errno);
    close(fd);

    int made = 0;
    char name[64];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, M "/f%d", i);
        int f = open(name, O_CREAT | O_WRONLY, 0644);
        if (f < 0) break;
        close(f);
        made++;
    }
    int e = errno;
    CHECK(made == 8 && e == ENOSPC, "creating files past nr_inodes is ENOSPC", "made %d errno %d", made, e);
    r = mkdir(M "/dir", 0755);
    CHECK(r == -1 && errno == ENOSPC, "mkdir with no inodes left is ENOSPC", "ret %d errno %d", r, errno);
    unlink(M "/f0");
    r = link(M "/big", M "/big2");
    int r2 = link(M "/big", M "/big3");
    CHECK(r == 0 && r2 == -1 && errno == ENOSPC, "a hard link costs an inode on tmpfs", "%d %d errno %d", r, r2,
          errno);

    r = mount(NULL, M, NULL, MS_REMOUNT, "size=128k");
    statfs(M, &s);
    CHECK(r == 0 && s.f_blocks == 32 && s.f_bfree == 16, "remount with size=128k grows the limit",
          "ret %d blocks %ld bfree %ld", r, (long)s.f_blocks, (long)s.f_bfree);
    r = mount(NULL, M, NULL, MS_REMOUNT, "size=32k");
    statfs(M, &s);
    CHECK(r == -1 && errno == EINVAL && s.f_blocks == 32, "remount with a size below the current use is EINVAL",
          "ret %d errno %d blocks %ld", r, errno, (long)s.f_blocks);
    umount2(M, 0);
    r = stat(M, &st);
    CHECK(r == 0 && st.st_dev == d.st_dev && (st.st_mode & 07777) == 0755, "umount uncovers the directory",
          "ret %d mode %o", r, st.st_mode);

    r = mount("none", M, "tmpfs", 0, "size=10k");
    statfs(M, &s);
    CHECK(r == 0 && s.f_blocks == 3, "size=10k is rounded up to 3 pages", "ret %d blocks %ld", r, (long)s.f_blocks);
    umount2(M, 0);
    r = mount("none", M, "tmpfs", 0, "size=2m");
    statfs(M, &s);
    CHECK(r == 0 && s.f_blocks == 512, "size=2m is 512 blocks", "ret %d blocks %ld", r, (long)s.f_blocks);
    umount2(M, 0);
    r = mount("none", M, "tmpfs", 0, NULL);
    stat(M, &st);
    statfs(M, &s);
    CHECK(r == 0 && st.st_mode == (S_IFDIR | 01777) && st.st_uid == 0, "without options the root is 1777 root-owned",
          "ret %d mode %o", r, st.st_mode);
    umount2(M, 0);
    r = mount("none", M, "tmpfs", 0, "size=0,nr_inodes=0");
    statfs(M, &s);
    CHECK(r == 0 && s.f_blocks == 0 && s.f_files == 0, "size=0 and nr_inodes=0 mean unlimited (statfs reports 0)",
          "ret %d blocks %ld files %ld", r, (long)s.f_blocks, (long)s.f_files);
    umount2(M, 0);

    r = mount("none", M, "tmpfs", 0, "size=abc");
    e = errno;
    r2 = mount("none", M, "tmpfs", 0, "bogus=1");
    CHECK(r == -1 && e == EINVAL && r2 == -1 && errno == EINVAL, "a bad size or an unknown option is EINVAL",
          "%d/%d %d/%d", r, e, r2, errno);
    r = mount("none", M, "tmpfs", 0, "mode=999");
    CHECK(r == -1 && errno == EINVAL, "a mode that is not octal is EINVAL", "ret %d errno %d", r, errno);
    stat(M, &st);
    CHECK(st.st_dev == d.st_dev, "failed mounts leave nothing mounted", "dev differs");

    cleanup();
    return t_done("tmpfs_mount");
}
