/* memfd_create(2): an unnamed tmpfs file (mode 0777, nlink 0, opened
 * O_RDWR|O_LARGEFILE), MFD_CLOEXEC, reads, writes and shared mappings
 * that meet (across fork too), the flag and name checks (EINVAL, EFAULT),
 * MFD_NOEXEC_SEAL (mode 0666 with F_SEAL_EXEC), and the seal set of a
 * memfd created without MFD_ALLOW_SEALING (F_SEAL_SEAL: F_ADD_SEALS is
 * EPERM). As Linux 6.18 with vm.memfd_noexec = 0. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include "../t.h"
#include "../memfd.h"

int main(void) {
    struct stat st, st2;
    char buf[64];
    int fd = t_memfd("basic", 0);
    int r = fstat(fd, &st);
    CHECK(fd >= 0 && r == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0777 && st.st_nlink == 0 && st.st_size == 0,
          "a memfd is an empty regular file, mode 0777, nlink 0", "fd %d mode %o nlink %ld", fd, st.st_mode,
          (long)st.st_nlink);
    CHECK(fcntl(fd, F_GETFL) == 0x8002, "it is open O_RDWR|O_LARGEFILE", "flags %#x", fcntl(fd, F_GETFL));
    CHECK(fcntl(fd, F_GETFD) == 0, "without MFD_CLOEXEC: no FD_CLOEXEC", "%d", fcntl(fd, F_GETFD));
    int fdc = t_memfd("cloexec", M_CLOEXEC);
    CHECK(fdc >= 0 && fcntl(fdc, F_GETFD) == FD_CLOEXEC, "MFD_CLOEXEC sets FD_CLOEXEC", "fd %d", fdc);
    fstat(fdc, &st2);
    CHECK(st2.st_ino != st.st_ino, "two memfds are two files", "ino %lu %lu", (unsigned long)st.st_ino,
          (unsigned long)st2.st_ino);
    struct statfs sf;
    CHECK(fstatfs(fd, &sf) == 0 && sf.f_type == 0x01021994, "fstatfs: tmpfs", "type %#lx", (long)sf.f_type);

    long w = write(fd, "hello memfd", 11);
    long sk = lseek(fd, 0, SEEK_SET);
    memset(buf, 0, sizeof buf);
    long n = read(fd, buf, sizeof buf);
    fstat(fd, &st);
    CHECK(w == 11 && sk == 0 && n == 11 && strcmp(buf, "hello memfd") == 0 && st.st_size == 11,
          "write, lseek, read", "w %ld n %ld", w, n);
    n = pread(fd, buf, 5, 6);
    CHECK(n == 5 && memcmp(buf, "memfd", 5) == 0, "pread at an offset", "n %ld", n);

    r = ftruncate(fd, 8192);
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(r == 0 && p != MAP_FAILED && memcmp(p, "hello memfd", 11) == 0 && p[8191] == 0,
          "ftruncate grows it; a shared mapping shows the data", "r %d p %p", r, p);
    if (p != MAP_FAILED) {
        memcpy(p + 4096, "via map", 7);
        n = pread(fd, buf, 7, 4096);
        CHECK(n == 7 && memcmp(buf, "via map", 7) == 0, "stores through the mapping reach read()", "n %ld", n);
        pid_t c = fork();
        if (c == 0) {
            memcpy(p + 100, "child", 5);
            _exit(0);
        }
        int code = t_wait_exit(c);
        n = pread(fd, buf, 5, 100);
        CHECK(code == 0 && n == 5 && memcmp(buf, "child", 5) == 0, "a child's store through the inherited mapping",
              "code %d n %ld", code, n);
        munmap(p, 8192);
    }

    CHECK(FAILS(t_memfd("x", 0x100), EINVAL), "an unknown flag: EINVAL", "errno %d", errno);
    CHECK(FAILS(t_memfd("x", M_EXEC | M_NOEXEC_SEAL), EINVAL), "MFD_EXEC with MFD_NOEXEC_SEAL: EINVAL", "errno %d",
          errno);
    char name[300];
    memset(name, 'n', sizeof name);
    name[249] = 0;
    int fdn = t_memfd(name, 0);
    CHECK(fdn >= 0, "a 249-byte name is accepted", "errno %d", errno);
    name[249] = 'n';
    name[250] = 0;
    CHECK(FAILS(t_memfd(name, 0), EINVAL), "a 250-byte name: EINVAL", "errno %d", errno);
    CHECK(FAILS(t_memfd((const char *)8, 0), EFAULT), "a bad name pointer: EFAULT", "errno %d", errno);
    CHECK(t_memfd("", 0) >= 0, "an empty name is accepted", "errno %d", errno);

    CHECK(fcntl(fd, M_GET_SEALS) == M_SEAL_SEAL, "without MFD_ALLOW_SEALING the seals are F_SEAL_SEAL", "%d",
          fcntl(fd, M_GET_SEALS));
    CHECK(FAILS(fcntl(fd, M_ADD_SEALS, M_SEAL_WRITE), EPERM), "and F_ADD_SEALS is EPERM", "errno %d", errno);
    int pfd[2];
    pipe(pfd);
    CHECK(FAILS(fcntl(pfd[0], M_GET_SEALS), EINVAL), "F_GET_SEALS on a pipe: EINVAL", "errno %d", errno);

    int fdx = t_memfd("noexec", M_NOEXEC_SEAL);
    fstat(fdx, &st);
    CHECK(fdx >= 0 && (st.st_mode & 07777) == 0666 && fcntl(fdx, M_GET_SEALS) == M_SEAL_EXEC,
          "MFD_NOEXEC_SEAL: mode 0666, seals F_SEAL_EXEC", "mode %o seals %d", st.st_mode, fcntl(fdx, M_GET_SEALS));
    CHECK(FAILS(fchmod(fdx, 0777), EPERM), "F_SEAL_EXEC: adding exec bits is EPERM", "errno %d", errno);
    r = fchmod(fdx, 0644);
    fstat(fdx, &st);
    CHECK(r == 0 && (st.st_mode & 07777) == 0644, "F_SEAL_EXEC: other mode bits may change", "r %d mode %o", r,
          st.st_mode);
    CHECK(fcntl(fdx, M_ADD_SEALS, M_SEAL_GROW) == 0 && fcntl(fdx, M_GET_SEALS) == (M_SEAL_EXEC | M_SEAL_GROW),
          "MFD_NOEXEC_SEAL allows further seals", "seals %d", fcntl(fdx, M_GET_SEALS));
    return t_done("memfd_basic");
}
