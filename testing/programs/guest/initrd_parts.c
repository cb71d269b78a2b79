/* Booted as init from a multi-archive initramfs (testing/initrd-parts/
 * README): an uncompressed archive, then this program in a gzip- or
 * zstd-compressed one, then a second compressed archive. Every archive
 * was unpacked, in order (a later file replaces an earlier one), with its
 * modes. Guest-only: the image exists only for the boot suite. */
#include <fcntl.h>
#include <sys/stat.h>
#include "../t.h"

static int has(const char *path, const char *want) {
    char buf[64] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n == (ssize_t)strlen(want) && memcmp(buf, want, n) == 0;
}

int main(void) {
    struct stat st;
    CHECK(has("/etc/initrd/plain", "plain\n"), "the uncompressed archive is unpacked", "errno %d", errno);
    CHECK(stat("/guest/initrd_parts", &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111),
          "the first compressed archive is unpacked", "errno %d", errno);
    CHECK(has("/etc/initrd/second", "second\n"), "the second compressed archive is unpacked", "errno %d", errno);
    CHECK(has("/etc/initrd/override", "new\n"), "a later archive replaces an earlier file", "errno %d", errno);
    return t_done("initrd_parts");
}
