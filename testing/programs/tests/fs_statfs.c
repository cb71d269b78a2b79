/* statfs/fstatfs on tmpfs mounts at /tmp/fs_statfs.d/mnt: magic numbers
 * (tmpfs, pipes, anonymous inodes), block and inode counts for size= and
 * nr_inodes= and their use by writes and creates, the default limits (half
 * of RAM), f_flags for the mount flags, O_PATH descriptors, errors. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_statfs.d"
#define M D "/mnt"
#define K_TMPFS_MAGIC 0x01021994
#define K_PIPEFS_MAGIC 0x50495045
#define K_ANON_INODE_FS_MAGIC 0x09041934
#define K_ST_RDONLY 1
#define K_ST_NOSUID 2
#define K_ST_NODEV 4
#define K_ST_NOEXEC 8
#define K_ST_NOATIME 1024
#define K_ST_RELATIME 4096

static long sstatfs(const char *p, struct statfs *s) { return syscall(SYS_statfs, p, s); }
static long sfstatfs(int fd, struct statfs *s) { return syscall(SYS_fstatfs, fd, s); }
static long smount(const char *data, unsigned long fl) { return syscall(SYS_mount, "fs_statfs", M, "tmpfs", fl, data); }

int main(void) {
    struct statfs s, s2;
    long r;
    static char chunk[8192];
    if (syscall(SYS_unshare, CLONE_NEWNS) == 0)
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    umount2(M, MNT_DETACH);
    t_rm_rf(D);
    umask(022);
    if (mkdir(D, 0755) != 0 || mkdir(M, 0755) != 0 || smount("size=64k,nr_inodes=10", 0) != 0) {
        printf("cannot mount a tmpfs on " M "\n");
        return 1;
    }

    r = sstatfs(M, &s);
    CHECK(r == 0 && s.f_type == K_TMPFS_MAGIC && s.f_bsize == 4096 && s.f_frsize == 4096 && s.f_namelen == 255,
          "tmpfs: TMPFS_MAGIC, 4096-byte blocks, names up to 255", "ret %ld type %#lx bsize %ld", r, (long)s.f_type,
          (long)s.f_bsize);
    CHECK(s.f_blocks == 16 && s.f_bfree == 16 && s.f_bavail == 16, "size=64k: 16 blocks, all free",
          "%ld %ld %ld", (long)s.f_blocks, (long)s.f_bfree, (long)s.f_bavail);
    CHECK(s.f_files == 10 && s.f_ffree == 9, "nr_inodes=10: 10 inodes, the root uses one", "%ld %ld",
          (long)s.f_files, (long)s.f_ffree);
    int fd = t_open(M "/f", O_WRONLY | O_CREAT, 0644);
    write(fd, chunk, sizeof chunk);
    mkdir(M "/d", 0755);
    r = sfstatfs(fd, &s);
    CHECK(r == 0 && s.f_bfree == 14 && s.f_bavail == 14 && s.f_ffree == 7,
          "8 KiB of data use two blocks; a file and a directory two inodes", "bfree %ld ffree %ld", (long)s.f_bfree,
          (long)s.f_ffree);
    close(fd);
    unlink(M "/f");
    sstatfs(M "/d", &s);
    CHECK(s.f_bfree == 16 && s.f_ffree == 8, "unlink gives the blocks and the inode back", "bfree %ld ffree %ld",
          (long)s.f_bfree, (long)s.f_ffree);
    int n = 0;
    char name[64];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, M "/n%d", i);
        int f = t_open(name, O_WRONLY | O_CREAT, 0644);
        if (f < 0)
            break;
        close(f);
        n++;
    }
    errno = 0;
    r = t_open(M "/one-more", O_WRONLY | O_CREAT, 0644);
    CHECK(n == 8 && r == -1 && errno == ENOSPC, "creating past nr_inodes is ENOSPC", "made %d errno %d", n, errno);
    umount2(M, 0);

    /* defaults: half of RAM for blocks and inodes */
    struct sysinfo si;
    sysinfo(&si);
    unsigned long half = (unsigned long)si.totalram * si.mem_unit / 4096 / 2;
    smount(NULL, 0);
    sstatfs(M, &s);
    CHECK(s.f_blocks == half && s.f_files == half, "a default tmpfs is limited to half of RAM, in blocks and inodes",
          "blocks %ld files %ld half %lu", (long)s.f_blocks, (long)s.f_files, half);
    umount2(M, 0);
    smount("size=0,nr_inodes=0", 0);
    sstatfs(M, &s);
    CHECK(s.f_blocks == 0 && s.f_bfree == 0 && s.f_files == 0 && s.f_ffree == 0, "size=0,nr_inodes=0: unlimited, reported as 0",
          "%ld %ld", (long)s.f_blocks, (long)s.f_files);
    umount2(M, 0);

    /* flags */
    smount(NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME);
    sstatfs(M, &s);
    long want = K_ST_NOSUID | K_ST_NODEV | K_ST_NOEXEC | K_ST_NOATIME;
    CHECK((s.f_flags & (want | K_ST_RDONLY)) == want, "f_flags reports nosuid, nodev, noexec, noatime", "%#lx",
          (long)s.f_flags);
    mount(NULL, M, NULL, MS_REMOUNT | MS_RDONLY, NULL);
    sstatfs(M, &s);
    CHECK((s.f_flags & K_ST_RDONLY) && !(s.f_flags & K_ST_NOSUID),
          "a remount replaces the flags: ST_RDONLY now, nosuid gone", "%#lx", (long)s.f_flags);
    umount2(M, 0);
    smount(NULL, 0);
    sstatfs(M, &s);
    CHECK((s.f_flags & K_ST_RELATIME) && !(s.f_flags & (K_ST_RDONLY | K_ST_NOATIME)), "a plain mount reports ST_RELATIME",
          "%#lx", (long)s.f_flags);

    /* other descriptors */
    int p[2];
    pipe(p);
    r = sfstatfs(p[0], &s);
    CHECK(r == 0 && s.f_type == K_PIPEFS_MAGIC, "fstatfs of a pipe: PIPEFS_MAGIC", "ret %ld type %#lx", r,
          (long)s.f_type);
    close(p[0]);
    close(p[1]);
    int efd = eventfd(0, 0);
    r = sfstatfs(efd, &s);
    CHECK(r == 0 && s.f_type == K_ANON_INODE_FS_MAGIC, "fstatfs of an eventfd: ANON_INODE_FS_MAGIC", "ret %ld type %#lx",
          r, (long)s.f_type);
    close(efd);
    int pfd = t_open(M, O_PATH, 0);
    r = sfstatfs(pfd, &s);
    sstatfs(M, &s2);
    CHECK(r == 0 && s.f_type == K_TMPFS_MAGIC && s.f_blocks == s2.f_blocks, "fstatfs works on an O_PATH fd",
          "ret %ld errno %d", r, errno);
    close(pfd);
    umount2(M, 0);
    sstatfs(M, &s);
    sstatfs(D, &s2);
    CHECK(s.f_type == s2.f_type && s.f_blocks == s2.f_blocks, "after umount the mount point reports its own filesystem",
          "%#lx %#lx", (long)s.f_type, (long)s2.f_type);
    close(t_open(D "/file", O_WRONLY | O_CREAT, 0644));
    CHECK(FAILS(sstatfs(D "/file/x", &s), ENOTDIR) && FAILS(sfstatfs(-1, &s), EBADF) &&
              FAILS(sstatfs("", &s), ENOENT),
          "statfs through a file ENOTDIR, of \"\" ENOENT; fstatfs of a bad fd EBADF", "errno %d", errno);

    umount2(M, MNT_DETACH);
    t_rm_rf(D);
    return t_done("fs_statfs");
}
