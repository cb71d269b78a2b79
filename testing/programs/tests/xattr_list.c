/* Extended attribute lists and values in bulk: 100 attributes listed once
 * each (in any order), the size query matching the list, ERANGE at one byte
 * short, binary values with NUL bytes, values growing and shrinking,
 * removing all leaving an empty list, and the flistxattr and llistxattr variants. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include "../t.h"

#define D "/tmp/xattr_list.d"
#define N 100

static void cleanup(void) {
    unlink(D "/f");
    unlink(D "/ln");
    umount2(D, MNT_DETACH);
    rmdir(D);
}

static int count(const char *list, long n, const char *name) {
    int c = 0;
    for (long i = 0; i < n; i += strlen(list + i) + 1)
        if (strcmp(list + i, name) == 0) c++;
    return c;
}

static int entries(const char *list, long n) {
    int c = 0;
    for (long i = 0; i < n; i += strlen(list + i) + 1) c++;
    return c;
}

static char list[16384];
static char val[8192];

int main(void) {
    t_watchdog(30);
    umask(022);
    cleanup();
    mkdir(D, 0755);
    /* A tmpfs of its own: on the host /tmp may be a disk filesystem whose
     * attribute space is limited to a block. */
    int m = mount("none", D, "tmpfs", 0, "mode=0755");
    CHECK(m == 0, "mount a tmpfs for the test", "errno %d", errno);
    int fd = open(D "/f", O_CREAT | O_RDWR, 0644);
    char name[64];
    long expect = 0;
    int ok = 1;
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "user.attr%03d", i);
        if (fsetxattr(fd, name, name, strlen(name), XATTR_CREATE) != 0) ok = 0;
        expect += strlen(name) + 1;
    }
    CHECK(ok, "create 100 attributes", "errno %d", errno);
    long need = flistxattr(fd, NULL, 0);
    CHECK(need == expect, "the size query returns the exact list length", "need %ld expect %ld", need, expect);
    long n = flistxattr(fd, list, sizeof list);
    ok = n == need && entries(list, n) == N;
    for (int i = 0; i < N && ok; i++) {
        snprintf(name, sizeof name, "user.attr%03d", i);
        if (count(list, n, name) != 1) ok = 0;
    }
    CHECK(ok, "every attribute is listed exactly once", "n %ld entries %d", n, entries(list, n));
    errno = 0;
    long r = flistxattr(fd, list, need - 1);
    CHECK(r == -1 && errno == ERANGE, "a list buffer one byte short is ERANGE", "ret %ld errno %d", r, errno);
    r = listxattr(D "/f", list, sizeof list);
    long r2 = llistxattr(D "/f", list, sizeof list);
    CHECK(r == need && r2 == need, "listxattr and llistxattr of the file agree", "%ld %ld", r, r2);
    symlink("f", D "/ln");
    r = listxattr(D "/ln", list, sizeof list);
    r2 = llistxattr(D "/ln", list, sizeof list);
    CHECK(r == need && r2 == 0, "through a symlink listxattr follows, llistxattr does not", "%ld %ld", r, r2);

    static const char bin[] = {'a', 0, 'b', 0, 0, 'c'};
    r = fsetxattr(fd, "user.bin", bin, sizeof bin, 0);
    memset(val, 0x55, sizeof val);
    r2 = fgetxattr(fd, "user.bin", val, sizeof val);
    CHECK(r == 0 && r2 == 6 && memcmp(val, bin, 6) == 0 && val[6] == 0x55,
          "binary values with NUL bytes round-trip exactly, nothing written past them", "%ld %ld", r, r2);
    errno = 0;
    r = fgetxattr(fd, "user.bin", val, 5);
    CHECK(r == -1 && errno == ERANGE, "a value buffer one byte short is ERANGE", "ret %ld errno %d", r, errno);
    memset(val, 'g', 5000);
    r = fsetxattr(fd, "user.bin", val, 5000, XATTR_REPLACE);
    r2 = fgetxattr(fd, "user.bin", NULL, 0);
    CHECK(r == 0 && r2 == 5000, "a value can grow on replace", "%ld %ld", r, r2);
    r = fsetxattr(fd, "user.bin", "s", 1, XATTR_REPLACE);
    r2 = fgetxattr(fd, "user.bin", val, sizeof val);
    CHECK(r == 0 && r2 == 1 && val[0] == 's', "and shrink again", "%ld %ld", r, r2);
    r = fremovexattr(fd, "user.bin");
    CHECK(r == 0 && flistxattr(fd, NULL, 0) == need, "removing it restores the old list size", "ret %ld", r);

    ok = 1;
    for (int i = 0; i < N; i += 2) {
        snprintf(name, sizeof name, "user.attr%03d", i);
        if (removexattr(D "/f", name) != 0) ok = 0;
    }
    n = flistxattr(fd, list, sizeof list);
    CHECK(ok && entries(list, n) == N / 2 && count(list, n, "user.attr000") == 0 && count(list, n, "user.attr001") == 1,
          "removing every other attribute leaves the rest listed", "n %ld entries %d", n, entries(list, n));
    snprintf(name, sizeof name, "user.attr%03d", 4);
    r = fsetxattr(fd, name, "again", 5, XATTR_CREATE);
    n = flistxattr(fd, list, sizeof list);
    CHECK(r == 0 && count(list, n, name) == 1 && entries(list, n) == N / 2 + 1, "a removed name can be created again",
          "ret %ld entries %d", r, entries(list, n));
    ok = 1;
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "user.attr%03d", i);
        if (removexattr(D "/f", name) != 0 && errno != ENODATA) ok = 0;
    }
    n = flistxattr(fd, list, sizeof list);
    r = flistxattr(fd, NULL, 0);
    CHECK(ok && n == 0 && r == 0, "removing them all leaves an empty list", "n %ld size %ld", n, r);
    r = flistxattr(fd, list, 0);
    CHECK(r == 0, "an empty list with a zero-size buffer returns 0, not ERANGE", "ret %ld errno %d", r, errno);
    int op = open(D "/f", O_PATH);
    r = flistxattr(op, list, sizeof list);
    CHECK(r == -1 && errno == EBADF, "flistxattr on an O_PATH fd is EBADF", "ret %ld errno %d", r, errno);
    close(op);
    r = listxattr(D "/missing", list, sizeof list);
    CHECK(r == -1 && errno == ENOENT, "listxattr of a missing path is ENOENT", "ret %ld errno %d", r, errno);
    r = syscall(SYS_flistxattr, fd, (char *)8, 100);
    CHECK(r == 0, "an empty list never touches the buffer", "ret %ld errno %d", r, errno);
    fsetxattr(fd, "user.x", "1", 1, 0);
    r = syscall(SYS_flistxattr, fd, (char *)8, 100);
    CHECK(r == -1 && errno == EFAULT, "a bad list buffer is EFAULT", "ret %ld errno %d", r, errno);

    close(fd);
    cleanup();
    return t_done("xattr_list");
}
