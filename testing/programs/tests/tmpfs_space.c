/* Space accounting inside a tmpfs (a fresh size-limited mount): st_blocks
 * in 512-byte units of whole pages, holes (SEEK_DATA/SEEK_HOLE), fallocate
 * with KEEP_SIZE and PUNCH_HOLE, truncation giving pages back, O_TMPFILE
 * taking an inode, directory sizes of 20 bytes per entry. */
#define _GNU_SOURCE
#define D "/tmp/tmpfs_space.d"
#include "../tmpfs.h"

static long blocks(int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 ? (long)st.st_blocks : -1;
}

static char buf[3 * 4096];

int main(void) {
    tmpfs_start();
    int r = mount("none", M, "tmpfs", 0, "size=1m,nr_inodes=100");
    CHECK(r == 0 && bfree() == 256, "mount a 1 MiB tmpfs", "ret %d errno %d bfree %ld", r, errno, bfree());

    int fd = open(M "/f", O_RDWR | O_CREAT, 0644);
    r = write(fd, "x", 1);
    CHECK(r == 1 && blocks(fd) == 8 && bfree() == 255, "one byte takes a whole page (8 blocks)", "blocks %ld bfree %ld",
          blocks(fd), bfree());
    memset(buf, 'y', sizeof buf);
    r = pwrite(fd, buf, 4096, 1);
    CHECK(r == 4096 && blocks(fd) == 16 && bfree() == 254, "4097 bytes take two pages", "blocks %ld bfree %ld",
          blocks(fd), bfree());
    r = pwrite(fd, "z", 1, 10 * 4096);
    CHECK(r == 1 && blocks(fd) == 24 && bfree() == 253, "a byte far past the end adds one page, the gap is a hole",
          "blocks %ld bfree %ld", blocks(fd), bfree());
    off_t d = lseek(fd, 2 * 4096, SEEK_DATA);
    off_t h = lseek(fd, 0, SEEK_HOLE);
    CHECK(d == 10 * 4096 && h == 2 * 4096, "SEEK_DATA and SEEK_HOLE find the page-sized hole", "data %ld hole %ld",
          (long)d, (long)h);
    h = lseek(fd, 10 * 4096, SEEK_HOLE);
    CHECK(h == 10 * 4096 + 1, "the hole after the last data is at the end of file", "hole %ld", (long)h);
    errno = 0;
    d = lseek(fd, 10 * 4096 + 1, SEEK_DATA);
    CHECK(d == -1 && errno == ENXIO, "SEEK_DATA at the end of file is ENXIO", "ret %ld errno %d", (long)d, errno);

    r = ftruncate(fd, 4096);
    CHECK(r == 0 && blocks(fd) == 8 && bfree() == 255, "truncating to one page gives the others back",
          "blocks %ld bfree %ld", blocks(fd), bfree());
    r = fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 4 * 4096);
    struct stat st;
    fstat(fd, &st);
    CHECK(r == 0 && st.st_size == 4096 && st.st_blocks == 32 && bfree() == 252,
          "fallocate KEEP_SIZE allocates pages past the end without growing the size", "size %ld blocks %ld bfree %ld",
          (long)st.st_size, (long)st.st_blocks, bfree());
    r = fallocate(fd, 0, 0, 6 * 4096);
    fstat(fd, &st);
    CHECK(r == 0 && st.st_size == 6 * 4096 && st.st_blocks == 48, "plain fallocate grows the size and allocates",
          "size %ld blocks %ld", (long)st.st_size, (long)st.st_blocks);
    r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 2 * 4096);
    fstat(fd, &st);
    CHECK(r == 0 && st.st_size == 6 * 4096 && st.st_blocks == 32 && bfree() == 252,
          "PUNCH_HOLE frees whole pages and keeps the size", "size %ld blocks %ld bfree %ld", (long)st.st_size,
          (long)st.st_blocks, bfree());
    char c = 1;
    r = pread(fd, &c, 1, 4096 + 10);
    CHECK(r == 1 && c == 0, "a punched hole reads as zeros", "ret %d c %d", r, c);
    r = fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096);
    CHECK(r == -1 && errno == EOPNOTSUPP, "PUNCH_HOLE without KEEP_SIZE is EOPNOTSUPP", "ret %d errno %d", r, errno);
    r = fallocate(fd, 0, 0, 2 << 20);
    fstat(fd, &st);
    CHECK(r == -1 && errno == ENOSPC && st.st_size == 6 * 4096 && bfree() == 252,
          "an fallocate larger than the free space is ENOSPC and leaves nothing behind", "ret %d errno %d bfree %ld",
          r, errno, bfree());
    close(fd);
    unlink(M "/f");
    CHECK(bfree() == 256, "unlinking the last name of a closed file frees its pages", "bfree %ld", bfree());

    long f0 = ffree();
    fd = open(M, O_TMPFILE | O_RDWR, 0600);
    long f1 = ffree();
    r = write(fd, buf, 4096);
    long b1 = bfree();
    close(fd);
    CHECK(fd >= 0 && f1 == f0 - 1 && r == 4096 && b1 == 255 && ffree() == f0 && bfree() == 256,
          "an O_TMPFILE takes an inode and pages until closed", "fd %d ffree %ld->%ld bfree %ld", fd, f0, f1, b1);

    mkdir(M "/dir", 0755);
    stat(M "/dir", &st);
    long s0 = st.st_size;
    close(open(M "/dir/a", O_CREAT | O_WRONLY, 0644));
    close(open(M "/dir/b", O_CREAT | O_WRONLY, 0644));
    stat(M "/dir", &st);
    CHECK(s0 == 40 && st.st_size == 80 && st.st_blocks == 0, "a directory is 40 bytes plus 20 per entry, no blocks",
          "empty %ld now %ld blocks %ld", s0, (long)st.st_size, (long)st.st_blocks);
    unlink(M "/dir/a");
    stat(M "/dir", &st);
    CHECK(st.st_size == 60, "removing an entry takes 20 bytes off", "size %ld", (long)st.st_size);
    unlink(M "/dir/b");
    rmdir(M "/dir");

    symlink("short", M "/sl");
    char longt[300];
    memset(longt, 'l', 299);
    longt[299] = 0;
    symlink(longt, M "/ll");
    struct stat s1, s2;
    lstat(M "/sl", &s1);
    lstat(M "/ll", &s2);
    CHECK(s1.st_blocks == 0 && s1.st_size == 5 && s2.st_size == 299 && s2.st_blocks == 8,
          "a short symlink takes no blocks, a long one a page", "%ld %ld", (long)s1.st_blocks, (long)s2.st_blocks);
    unlink(M "/sl");
    unlink(M "/ll");

    cleanup();
    return t_done("tmpfs_space");
}
