/* sendfile(2), copy_file_range(2), fallocate(2). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include "../t.h"

#define D "/tmp/fs_copy.d"

static void cleanup(void) {
    unlink(D "/a");
    unlink(D "/b");
    unlink(D "/c");
    rmdir(D);
}

int main(void) {
    cleanup();
    mkdir(D, 0755);
    int a = open(D "/a", O_RDWR | O_CREAT, 0644);
    write(a, "0123456789abcdef", 16);
    int b = open(D "/b", O_RDWR | O_CREAT, 0644);
    off_t off = 4;
    ssize_t n = sendfile(b, a, &off, 6);
    char buf[32] = {0};
    pread(b, buf, sizeof buf, 0);
    CHECK(n == 6 && off == 10 && strcmp(buf, "456789") == 0 && lseek(a, 0, SEEK_CUR) == 16,
          "sendfile with an offset copies and updates only the offset", "n %zd off %ld '%s'", n, (long)off, buf);
    lseek(a, 10, SEEK_SET);
    n = sendfile(b, a, NULL, 100);
    CHECK(n == 6 && lseek(a, 0, SEEK_CUR) == 16, "sendfile without an offset uses and moves the file position", "n %zd", n);
    int p[2];
    pipe(p);
    off = 0;
    n = sendfile(p[1], a, &off, 16);
    memset(buf, 0, sizeof buf);
    read(p[0], buf, sizeof buf);
    CHECK(n == 16 && strcmp(buf, "0123456789abcdef") == 0, "sendfile into a pipe", "n %zd", n);
    errno = 0;
    CHECK(sendfile(b, p[1], NULL, 1) == -1 && errno == EBADF, "sendfile from a write-only fd is EBADF", "errno %d", errno);

    int c = open(D "/c", O_RDWR | O_CREAT, 0644);
    loff_t in = 2, out = 0;
    n = syscall(SYS_copy_file_range, a, &in, c, &out, 5, 0);
    memset(buf, 0, sizeof buf);
    pread(c, buf, sizeof buf, 0);
    CHECK(n == 5 && in == 7 && out == 5 && strcmp(buf, "23456") == 0, "copy_file_range copies and moves both offsets", "n %zd '%s'", n, buf);
    errno = 0;
    CHECK(syscall(SYS_copy_file_range, a, NULL, c, NULL, 5, 1) == -1 && errno == EINVAL, "copy_file_range with flags is EINVAL", "errno %d", errno);
    errno = 0;
    in = 0;
    out = 2;
    CHECK(syscall(SYS_copy_file_range, a, &in, a, &out, 8, 0) == -1 && errno == EINVAL, "overlapping ranges of one file are EINVAL", "errno %d", errno);

    struct stat st;
    CHECK(fallocate(c, 0, 0, 8192) == 0 && fstat(c, &st) == 0 && st.st_size == 8192, "fallocate extends the file", "size %ld", (long)st.st_size);
    CHECK(fallocate(c, FALLOC_FL_KEEP_SIZE, 0, 65536) == 0 && fstat(c, &st) == 0 && st.st_size == 8192, "FALLOC_FL_KEEP_SIZE keeps the size", "size %ld", (long)st.st_size);
    errno = 0;
    CHECK(fallocate(c, 0, 0, 0) == -1 && errno == EINVAL, "fallocate of length 0 is EINVAL", "errno %d", errno);
    errno = 0;
    CHECK(fallocate(p[1], 0, 0, 10) == -1 && errno == ESPIPE, "fallocate on a pipe is ESPIPE", "errno %d", errno);
    close(a);
    close(b);
    close(c);
    cleanup();
    return t_done("fs_copy");
}
