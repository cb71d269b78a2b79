/* File-backed mmap: MAP_PRIVATE contents and copy-on-write, offsets,
 * mprotect, a MAP_FIXED anonymous overlay (as ld.so does for .bss), the
 * zero tail of the last page, SIGBUS beyond EOF, partial munmap keeping file
 * offsets, MAP_SHARED reads and writes sharing the file's pages with
 * read/write and a forked child, and the errors (pipe ENODEV, O_WRONLY
 * EACCES, bad offsets). fs_mmap_shared covers shared mappings in depth. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_mmap.d"
#define PG 4096L
#define FSIZE (3 * PG + 100) /* three pages and a bit */

#define BAD(p) ((p) == MAP_FAILED)
static int file_matches(int fd) {
    static char buf[FSIZE];
    return pread(fd, buf, FSIZE, 0) == FSIZE && t_matches(buf, 0, FSIZE);
}
static void peek(void *p) { (void)*(volatile char *)p; }

int main(void) {
    long r;
    int e;
    if (t_fresh_dir(D) != 0)
        return 1;
    static char content[FSIZE];
    int fd = t_put_pat("f", content, FSIZE);
    int rfd = t_open("f", O_RDONLY, 0);

    /* MAP_PRIVATE */
    char *m = t_mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, rfd, 0);
    CHECK(!BAD(m) && t_matches(m, 0, FSIZE), "MAP_PRIVATE mapping matches the file", "map ok %d", !BAD(m));
    CHECK(!BAD(m) && t_all_zero(m + FSIZE, 4 * PG - FSIZE), "the rest of the last page reads as zeros", "map ok %d",
          !BAD(m));
    if (!BAD(m)) {
        m[10] ^= 0xff;
        m[2 * PG + 5] ^= 0xff;
    }
    CHECK(file_matches(fd), "writes to a MAP_PRIVATE mapping do not reach the file", "file changed");
    pwrite(fd, "Q", 1, PG + 1);
    char seen_pg1 = BAD(m) ? 0 : m[PG + 1];
    char seen_pg0 = BAD(m) ? 0 : m[11];
    CHECK(seen_pg1 == 'Q' && seen_pg0 == (char)t_pat(11),
          "a MAP_PRIVATE page not yet written still shows later file writes", "%d %d", seen_pg1, seen_pg0);
    pwrite(fd, content + PG + 1, 1, PG + 1);
    munmap(m, FSIZE);

    /* offsets */
    m = t_mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE, rfd, PG);
    CHECK(!BAD(m) && t_matches(m, PG, 2 * PG + 100) && t_all_zero(m + 2 * PG + 100, PG - 100),
          "a mapping at file offset 4096 starts at the second page", "map ok %d", !BAD(m));
    munmap(m, 3 * PG);
    errno = 0;
    m = t_mmap(NULL, PG, PROT_READ, MAP_PRIVATE, rfd, 100);
    CHECK(BAD(m) && errno == EINVAL, "an offset that is not page aligned is EINVAL", "errno %d", errno);

    /* SIGBUS beyond EOF */
    m = t_mmap(NULL, 6 * PG, PROT_READ, MAP_PRIVATE, rfd, 0);
    int sig_in = t_dies_by(peek, m + 3 * PG + 200);
    int sig_out = t_dies_by(peek, m + 4 * PG + 1);
    CHECK(!BAD(m) && sig_in == 0 && sig_out == SIGBUS, "access within the last page works, past it is SIGBUS",
          "%d %d", sig_in, sig_out);
    munmap(m, 6 * PG);

    /* mprotect */
    m = t_mmap(NULL, FSIZE, PROT_READ, MAP_PRIVATE, rfd, 0);
    int sig_ro = t_dies_by(t_poke, m + 5);
    r = mprotect(m, PG, PROT_READ | PROT_WRITE);
    int sig_rw = t_dies_by(t_poke, m + 5);
    if (r == 0)
        m[5] = 'w';
    CHECK(sig_ro == SIGSEGV && r == 0 && sig_rw == 0 && m[5] == 'w' && file_matches(fd),
          "mprotect makes a private read-only file mapping writable (O_RDONLY fd)", "%d %ld %d", sig_ro, r, sig_rw);
    CHECK(t_matches(m + PG, PG, FSIZE - PG), "the rest of the mapping is untouched by mprotect", "mismatch");

    /* MAP_FIXED anonymous overlay over the middle page, as ld.so does */
    char *o = t_mmap(m + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(o == m + PG && t_all_zero(o, PG) && t_matches(m + 2 * PG, 2 * PG, FSIZE - 2 * PG) && m[5] == 'w' &&
              t_matches(m + 6, 6, PG - 6),
          "a MAP_FIXED anonymous overlay zeroes one page and keeps the file pages around it", "same address %d", o == m + PG);
    munmap(m, 4 * PG);

    /* partial munmap keeps file offsets */
    m = t_mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE, rfd, 0);
    r = munmap(m + PG, PG);
    int sig_hole = t_dies_by(peek, m + PG);
    CHECK(r == 0 && sig_hole == SIGSEGV && t_matches(m, 0, PG) && t_matches(m + 2 * PG, 2 * PG, FSIZE - 2 * PG),
          "munmap of a middle page leaves a hole, the rest keeps its file offsets", "%ld %d", r, sig_hole);
    r = mprotect(m + 3 * PG, PG, PROT_NONE);
    int sig_none = t_dies_by(peek, m + 3 * PG);
    CHECK(r == 0 && sig_none == SIGSEGV && t_matches(m + 2 * PG, 2 * PG, PG), "mprotect PROT_NONE on the last piece",
          "%ld %d", r, sig_none);
    munmap(m, 4 * PG);

    /* the mapping outlives the fd and the name */
    int fd2 = t_open("f", O_RDONLY, 0);
    m = t_mmap(NULL, FSIZE, PROT_READ, MAP_PRIVATE, fd2, 0);
    close(fd2);
    link("f", "f2");
    unlink("f2");
    CHECK(!BAD(m) && t_matches(m, 0, FSIZE), "a mapping stays valid after close", "map ok %d", !BAD(m));
    munmap(m, FSIZE);

    /* MAP_SHARED */
    m = t_mmap(NULL, FSIZE, PROT_READ, MAP_SHARED, rfd, 0);
    CHECK(!BAD(m) && t_matches(m, 0, FSIZE), "read-only MAP_SHARED mapping of an O_RDONLY fd reads the file",
          "map ok %d", !BAD(m));
    pwrite(fd, "S", 1, 2 * PG + 3);
    CHECK(!BAD(m) && m[2 * PG + 3] == 'S', "MAP_SHARED sees a later write()", "got %d", BAD(m) ? -1 : m[2 * PG + 3]);
    pwrite(fd, content + 2 * PG + 3, 1, 2 * PG + 3);
    errno = 0;
    r = mprotect(m, PG, PROT_READ | PROT_WRITE);
    CHECK(r == -1 && errno == EACCES, "mprotect PROT_WRITE on a shared mapping of an O_RDONLY fd is EACCES",
          "ret %ld errno %d", r, errno);
    munmap(m, FSIZE);
    char *w = t_mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char rb[4] = {0};
    if (!BAD(w))
        memcpy(w + PG + 7, "MAP", 3);
    pread(fd, rb, 3, PG + 7);
    r = BAD(w) ? -1 : msync(w, FSIZE, MS_SYNC);
    CHECK(!BAD(w) && memcmp(rb, "MAP", 3) == 0 && r == 0, "writes to a MAP_SHARED mapping show in read(); msync",
          "'%s' msync %ld", rb, r);
    pid_t pid = fork();
    if (pid == 0) {
        memcpy(w + 20, "kid", 3);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    pread(fd, rb, 3, 20);
    CHECK(!BAD(w) && memcmp(w + 20, "kid", 3) == 0 && memcmp(rb, "kid", 3) == 0,
          "a child's write to a shared file mapping reaches the parent and the file", "'%s'", rb);
    munmap(w, FSIZE);
    ftruncate(fd, FSIZE);

    /* errors */
    int p[2];
    pipe(p);
    errno = 0;
    m = t_mmap(NULL, PG, PROT_READ, MAP_PRIVATE, p[0], 0);
    CHECK(BAD(m) && errno == ENODEV, "mmap of a pipe is ENODEV", "errno %d", errno);
    close(p[0]);
    close(p[1]);
    int dfd = t_open(".", O_RDONLY | O_DIRECTORY, 0);
    errno = 0;
    m = t_mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dfd, 0);
    CHECK(BAD(m) && errno == ENODEV, "mmap of a directory is ENODEV", "errno %d", errno);
    close(dfd);
    int wfd = t_open("f", O_WRONLY, 0);
    errno = 0;
    m = t_mmap(NULL, PG, PROT_READ, MAP_PRIVATE, wfd, 0);
    e = errno;
    errno = 0;
    char *m2 = t_mmap(NULL, PG, PROT_WRITE, MAP_SHARED, wfd, 0);
    CHECK(BAD(m) && e == EACCES && BAD(m2) && errno == EACCES, "mmap of an O_WRONLY fd is EACCES", "%d %d", e,
          errno);
    close(wfd);
    errno = 0;
    m = t_mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
    CHECK(BAD(m) && errno == EACCES, "writable MAP_SHARED of an O_RDONLY fd is EACCES", "errno %d", errno);
    errno = 0;
    m = t_mmap(NULL, 0, PROT_READ, MAP_PRIVATE, rfd, 0);
    e = errno;
    errno = 0;
    m2 = t_mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 99, 0);
    CHECK(BAD(m) && e == EINVAL && BAD(m2) && errno == EBADF, "mmap of length 0 is EINVAL, of a closed fd EBADF",
          "%d %d", e, errno);

    close(fd);
    close(rfd);
    chdir("/");
    t_rm_rf(D);
    return t_done("fs_mmap");
}
