/* File-backed mmap: MAP_PRIVATE contents and copy-on-write, offsets,
 * mprotect, a MAP_FIXED anonymous overlay (as ld.so does for .bss), the
 * zero tail of the last page, SIGBUS beyond EOF, partial munmap keeping file
 * offsets, MAP_SHARED reads and writes sharing the file's pages with
 * read/write, other mappings and other processes (fork, an independent
 * mapping, exit), MAP_PRIVATE seeing the file until it writes, msync/fsync,
 * mprotect/madvise/mremap on shared mappings, SIGBUS BUS_ADRERR after
 * ftruncate shrinks the file and valid pages after it grows, a shared futex
 * met through two processes' mappings, and the errors (pipe ENODEV, O_WRONLY
 * EACCES, bad offsets). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../t.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

#define D "/tmp/fs_mmap.d"
#define PG 4096L
#define FSIZE (3 * PG + 100) /* three pages and a bit */

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f) {
    (void)sb, (void)flag, (void)f;
    remove(p);
    return 0;
}
static void rm_rf(const char *p) { nftw(p, rm_cb, 16, FTW_DEPTH | FTW_PHYS); }

static long sopen(const char *p, long flags, long mode) { return syscall(SYS_open, p, flags, mode); }
/* raw mmap: musl checks offsets itself */
static char *smmap(void *a, long len, int prot, int fl, int fd, long off) {
    return (char *)syscall(SYS_mmap, a, len, prot, fl, fd, off);
}
#define BAD(p) ((p) == MAP_FAILED)
static unsigned char pat(long off) { return (unsigned char)(off * 7 + off / 4096 + 1); }
static int matches(const char *m, long file_off, long n) {
    for (long i = 0; i < n; i++)
        if ((unsigned char)m[i] != pat(file_off + i))
            return 0;
    return 1;
}
static int all_zero(const char *b, long n) {
    for (long i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}
static int file_matches(int fd) {
    static char buf[FSIZE];
    return pread(fd, buf, FSIZE, 0) == FSIZE && matches(buf, 0, FSIZE);
}
/* Runs fn in a child; returns the signal that killed it, or 0 if it exited. */
static int dies_by(void (*fn)(void *), void *arg) {
    pid_t pid = fork();
    if (pid == 0) {
        fn(arg);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}
static void *bus_addr;
static void on_bus(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)uc;
    _exit(si->si_addr == bus_addr ? si->si_code : 100);
}
/* Touches addr in a child: 0 if that works, else the SIGBUS si_code
 * (100: a SIGBUS for another address, -1: another fate). */
static int bus_code(void *addr) {
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction sa = {0};
        sa.sa_sigaction = on_bus;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGBUS, &sa, NULL);
        bus_addr = addr;
        (void)*(volatile char *)addr;
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
static void poke(void *p) { *(volatile char *)p = 1; }
static void peek(void *p) { (void)*(volatile char *)p; }

int main(void) {
    long r;
    int e;
    rm_rf(D);
    umask(022);
    if (mkdir(D, 0755) != 0 || chdir(D) != 0) {
        printf("cannot create " D "\n");
        return 1;
    }
    static char content[FSIZE];
    for (long i = 0; i < FSIZE; i++)
        content[i] = pat(i);
    int fd = sopen("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, content, FSIZE);
    int rfd = sopen("f", O_RDONLY, 0);

    /* MAP_PRIVATE */
    char *m = smmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, rfd, 0);
    CHECK(!BAD(m) && matches(m, 0, FSIZE), "MAP_PRIVATE mapping matches the file", "map ok %d", !BAD(m));
    CHECK(!BAD(m) && all_zero(m + FSIZE, 4 * PG - FSIZE), "the rest of the last page reads as zeros", "map ok %d",
          !BAD(m));
    if (!BAD(m)) {
        m[10] ^= 0xff;
        m[2 * PG + 5] ^= 0xff;
    }
    CHECK(file_matches(fd), "writes to a MAP_PRIVATE mapping do not reach the file", "file changed");
    pwrite(fd, "Q", 1, PG + 1);
    char seen_pg1 = BAD(m) ? 0 : m[PG + 1];
    char seen_pg0 = BAD(m) ? 0 : m[11];
    CHECK(seen_pg1 == 'Q' && seen_pg0 == (char)pat(11),
          "a MAP_PRIVATE page not yet written still shows later file writes", "%d %d", seen_pg1, seen_pg0);
    pwrite(fd, content + PG + 1, 1, PG + 1);
    munmap(m, FSIZE);

    /* offsets */
    m = smmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE, rfd, PG);
    CHECK(!BAD(m) && matches(m, PG, 2 * PG + 100) && all_zero(m + 2 * PG + 100, PG - 100),
          "a mapping at file offset 4096 starts at the second page", "map ok %d", !BAD(m));
    munmap(m, 3 * PG);
    errno = 0;
    m = smmap(NULL, PG, PROT_READ, MAP_PRIVATE, rfd, 100);
    CHECK(BAD(m) && errno == EINVAL, "an offset that is not page aligned is EINVAL", "errno %d", errno);

    /* SIGBUS beyond EOF */
    m = smmap(NULL, 6 * PG, PROT_READ, MAP_PRIVATE, rfd, 0);
    int sig_in = dies_by(peek, m + 3 * PG + 200);
    int sig_out = dies_by(peek, m + 4 * PG + 1);
    CHECK(!BAD(m) && sig_in == 0 && sig_out == SIGBUS, "access within the last page works, past it is SIGBUS",
          "%d %d", sig_in, sig_out);
    munmap(m, 6 * PG);

    /* mprotect */
    m = smmap(NULL, FSIZE, PROT_READ, MAP_PRIVATE, rfd, 0);
    int sig_ro = dies_by(poke, m + 5);
    r = mprotect(m, PG, PROT_READ | PROT_WRITE);
    int sig_rw = dies_by(poke, m + 5);
    if (r == 0)
        m[5] = 'w';
    CHECK(sig_ro == SIGSEGV && r == 0 && sig_rw == 0 && m[5] == 'w' && file_matches(fd),
          "mprotect makes a private read-only file mapping writable (O_RDONLY fd)", "%d %ld %d", sig_ro, r, sig_rw);
    CHECK(matches(m + PG, PG, FSIZE - PG), "the rest of the mapping is untouched by mprotect", "mismatch");

    /* MAP_FIXED anonymous overlay over the middle page, as ld.so does */
    char *o = smmap(m + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(o == m + PG && all_zero(o, PG) && matches(m + 2 * PG, 2 * PG, FSIZE - 2 * PG) && m[5] == 'w' &&
              matches(m + 6, 6, PG - 6),
          "a MAP_FIXED anonymous overlay zeroes one page and keeps the file pages around it", "same address %d", o == m + PG);
    munmap(m, 4 * PG);

    /* partial munmap keeps file offsets */
    m = smmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE, rfd, 0);
    r = munmap(m + PG, PG);
    int sig_hole = dies_by(peek, m + PG);
    CHECK(r == 0 && sig_hole == SIGSEGV && matches(m, 0, PG) && matches(m + 2 * PG, 2 * PG, FSIZE - 2 * PG),
          "munmap of a middle page leaves a hole, the rest keeps its file offsets", "%ld %d", r, sig_hole);
    r = mprotect(m + 3 * PG, PG, PROT_NONE);
    int sig_none = dies_by(peek, m + 3 * PG);
    CHECK(r == 0 && sig_none == SIGSEGV && matches(m + 2 * PG, 2 * PG, PG), "mprotect PROT_NONE on the last piece",
          "%ld %d", r, sig_none);
    munmap(m, 4 * PG);

    /* the mapping outlives the fd and the name */
    int fd2 = sopen("f", O_RDONLY, 0);
    m = smmap(NULL, FSIZE, PROT_READ, MAP_PRIVATE, fd2, 0);
    close(fd2);
    link("f", "f2");
    unlink("f2");
    CHECK(!BAD(m) && matches(m, 0, FSIZE), "a mapping stays valid after close", "map ok %d", !BAD(m));
    munmap(m, FSIZE);

    /* MAP_SHARED */
    m = smmap(NULL, FSIZE, PROT_READ, MAP_SHARED, rfd, 0);
    CHECK(!BAD(m) && matches(m, 0, FSIZE), "read-only MAP_SHARED mapping of an O_RDONLY fd reads the file",
          "map ok %d", !BAD(m));
    pwrite(fd, "S", 1, 2 * PG + 3);
    CHECK(!BAD(m) && m[2 * PG + 3] == 'S', "MAP_SHARED sees a later write()", "got %d", BAD(m) ? -1 : m[2 * PG + 3]);
    pwrite(fd, content + 2 * PG + 3, 1, 2 * PG + 3);
    errno = 0;
    r = mprotect(m, PG, PROT_READ | PROT_WRITE);
    CHECK(r == -1 && errno == EACCES, "mprotect PROT_WRITE on a shared mapping of an O_RDONLY fd is EACCES",
          "ret %ld errno %d", r, errno);
    munmap(m, FSIZE);
    char *w = smmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
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

    /* MAP_SHARED writable: one set of pages for every mapping and read/write */
    pwrite(fd, content, FSIZE, 0);
    w = smmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *w2 = smmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
    if (!BAD(w) && !BAD(w2)) {
        w[PG + 50] = 'A';
        w2[PG + 60] = 'B';
    }
    CHECK(!BAD(w) && !BAD(w2) && w2[50] == 'A' && w[2 * PG + 60] == 'B',
          "two MAP_SHARED mappings of a file at different offsets see each other's stores at once",
          "maps %d %d", !BAD(w), !BAD(w2));
    pwrite(fd, "PW", 2, 2 * PG + 10);
    CHECK(!BAD(w) && !BAD(w2) && memcmp(w + 2 * PG + 10, "PW", 2) == 0 && memcmp(w2 + PG + 10, "PW", 2) == 0,
          "pwrite() shows at once through existing writable MAP_SHARED mappings", "mismatch");
    pwrite(fd, content, FSIZE, 0);
    munmap(w2, 2 * PG);

    /* MAP_PRIVATE against later changes to the file */
    char *pm = smmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    char before = BAD(pm) ? 0 : pm[PG + 3];
    if (!BAD(w))
        w[PG + 3] = 'X';
    char after = BAD(pm) ? 0 : pm[PG + 3];
    if (!BAD(pm))
        pm[2 * PG] = 'p';
    if (!BAD(w))
        w[2 * PG + 1] = 'Y';
    CHECK(!BAD(pm) && before == (char)pat(PG + 3) && after == 'X',
          "MAP_PRIVATE shows a store through a MAP_SHARED mapping to a page it never wrote", "%d %d", before, after);
    CHECK(!BAD(pm) && !BAD(w) && pm[2 * PG + 1] == (char)pat(2 * PG + 1) && w[2 * PG] == (char)pat(2 * PG),
          "after its first write a MAP_PRIVATE page is a copy: file changes no longer show, its store stays private",
          "mismatch");
    munmap(pm, FSIZE);
    pwrite(fd, content, FSIZE, 0);

    /* another process mapping the file by itself, and exit keeping the data */
    pid = fork();
    if (pid == 0) {
        int cfd = sopen("f", O_RDWR, 0);
        char *cm = smmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 2 * PG);
        if (BAD(cm))
            _exit(1);
        memcpy(cm + 8, "other", 5);
        _exit(0); /* no msync, no munmap */
    }
    int st = -1;
    waitpid(pid, &st, 0);
    memset(rb, 0, sizeof rb);
    char rb5[6] = {0};
    pread(fd, rb5, 5, 2 * PG + 8);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && !BAD(w) && memcmp(w + 2 * PG + 8, "other", 5) == 0 &&
              memcmp(rb5, "other", 5) == 0,
          "a store by another process through its own mapping reaches ours and the file, and outlives its exit",
          "status %d '%s'", st, rb5);
    pwrite(fd, content, FSIZE, 0);

    /* msync, fsync, munmap keeps the data */
    r = BAD(w) ? -1 : msync(w, FSIZE, MS_ASYNC);
    long r2 = BAD(w) ? -1 : msync(w, FSIZE, MS_INVALIDATE);
    long r3 = BAD(w) ? -1 : msync(w + PG, PG, MS_SYNC | MS_INVALIDATE);
    long r4 = fsync(fd);
    errno = 0;
    long r5 = BAD(w) ? -1 : msync(w, FSIZE, MS_SYNC | MS_ASYNC);
    CHECK(r == 0 && r2 == 0 && r3 == 0 && r4 == 0 && r5 == -1 && errno == EINVAL,
          "msync MS_ASYNC, MS_INVALIDATE, MS_SYNC and fsync succeed; MS_SYNC|MS_ASYNC is EINVAL", "%ld %ld %ld %ld %ld",
          r, r2, r3, r4, r5);
    if (!BAD(w))
        memcpy(w + 3 * PG + 1, "kept", 4);
    munmap(w, FSIZE);
    char rb4[5] = {0};
    pread(fd, rb4, 4, 3 * PG + 1);
    CHECK(memcmp(rb4, "kept", 4) == 0, "munmap of a shared mapping keeps what was stored in the file", "'%s'", rb4);
    pwrite(fd, content, FSIZE, 0);

    /* mprotect, madvise, mremap on a shared file mapping */
    w = smmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    r = mprotect(w, PG, PROT_READ);
    int sig_w = dies_by(poke, w + 1);
    r2 = mprotect(w, PG, PROT_READ | PROT_WRITE);
    if (r2 == 0)
        w[1] = 'M';
    CHECK(!BAD(w) && r == 0 && sig_w == SIGSEGV && r2 == 0 && pread(fd, rb, 1, 1) == 1 && rb[0] == 'M',
          "mprotect on a shared file mapping: read-only faults, writable again reaches the file", "%ld %d %ld", r,
          sig_w, r2);
    if (!BAD(w))
        w[PG + 9] = 'D';
    r = madvise(w, FSIZE, MADV_DONTNEED);
    CHECK(!BAD(w) && r == 0 && w[PG + 9] == 'D' && w[1] == 'M',
          "MADV_DONTNEED on a shared file mapping keeps the file's data", "ret %ld", r);
    char *g = BAD(w) ? MAP_FAILED : (char *)mremap(w, FSIZE, 8 * PG, MREMAP_MAYMOVE);
    pwrite(fd, content, FSIZE, 0);
    if (!BAD(g))
        g[3 * PG + 2] = 'R';
    CHECK(!BAD(g) && matches(g, 0, 3 * PG) && pread(fd, rb, 1, 3 * PG + 2) == 1 && rb[0] == 'R',
          "mremap grows a shared file mapping that still shares the file's pages", "ok %d", !BAD(g));
    w = BAD(g) ? w : g;
    pwrite(fd, content, FSIZE, 0);

    /* SIGBUS past the end of file, after shrinking and growing it */
    int c_eof = bus_code(w + 4 * PG + 5);
    ftruncate(fd, PG + 10);
    int c_cut = bus_code(w + 2 * PG);
    int tail_zero = all_zero(w + PG + 10, PG - 10);
    CHECK(c_eof == BUS_ADRERR && c_cut == BUS_ADRERR && tail_zero && matches(w, 0, PG + 10),
          "a shared mapping past EOF is SIGBUS BUS_ADRERR, also after ftruncate shrinks the file under it",
          "%d %d %d", c_eof, c_cut, tail_zero);
    ftruncate(fd, FSIZE);
    int c_grown = bus_code(w + 3 * PG);
    CHECK(c_grown == 0 && all_zero(w + PG + 10, FSIZE - PG - 10),
          "growing the file again makes the pages valid, reading zeros", "%d", c_grown);
    w[3 * PG] = 'G';
    pread(fd, rb, 1, 3 * PG);
    CHECK(rb[0] == 'G', "a store to a page made valid again reaches the file", "%d", rb[0]);
    pwrite(fd, content, FSIZE, 0);

    /* a shared futex in a file mapping: two processes, different mappings */
    pid = fork();
    if (pid == 0) {
        int cfd = sopen("f", O_RDWR, 0);
        char *cm = smmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, PG);
        if (BAD(cm))
            _exit(2);
        uint32_t *word = (uint32_t *)(cm + PG + 64);
        *word = 0;
        struct timespec to = {10, 0};
        long fr = syscall(SYS_futex, word, FUTEX_WAIT, 0, &to, NULL, 0);
        _exit(fr == 0 ? 0 : 1);
    }
    long woken = 0;
    for (int i = 0; i < 1000 && woken == 0; i++) {
        woken = syscall(SYS_futex, (uint32_t *)(w + 2 * PG + 64), FUTEX_WAKE, 1, NULL, NULL, 0);
        if (woken == 0)
            usleep(5000);
    }
    st = -1;
    waitpid(pid, &st, 0);
    CHECK(woken == 1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "a shared futex in a file mapping is woken through another process's mapping of the file",
          "woken %ld status %d", woken, st);
    munmap(w, 8 * PG);
    pwrite(fd, content, FSIZE, 0);
    ftruncate(fd, FSIZE);

    /* errors */
    int p[2];
    pipe(p);
    errno = 0;
    m = smmap(NULL, PG, PROT_READ, MAP_PRIVATE, p[0], 0);
    CHECK(BAD(m) && errno == ENODEV, "mmap of a pipe is ENODEV", "errno %d", errno);
    close(p[0]);
    close(p[1]);
    int dfd = sopen(".", O_RDONLY | O_DIRECTORY, 0);
    errno = 0;
    m = smmap(NULL, PG, PROT_READ, MAP_PRIVATE, dfd, 0);
    CHECK(BAD(m) && errno == ENODEV, "mmap of a directory is ENODEV", "errno %d", errno);
    close(dfd);
    int wfd = sopen("f", O_WRONLY, 0);
    errno = 0;
    m = smmap(NULL, PG, PROT_READ, MAP_PRIVATE, wfd, 0);
    e = errno;
    errno = 0;
    char *m2 = smmap(NULL, PG, PROT_WRITE, MAP_SHARED, wfd, 0);
    CHECK(BAD(m) && e == EACCES && BAD(m2) && errno == EACCES, "mmap of an O_WRONLY fd is EACCES", "%d %d", e,
          errno);
    close(wfd);
    errno = 0;
    m = smmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
    CHECK(BAD(m) && errno == EACCES, "writable MAP_SHARED of an O_RDONLY fd is EACCES", "errno %d", errno);
    errno = 0;
    m = smmap(NULL, 0, PROT_READ, MAP_PRIVATE, rfd, 0);
    e = errno;
    errno = 0;
    m2 = smmap(NULL, PG, PROT_READ, MAP_PRIVATE, 99, 0);
    CHECK(BAD(m) && e == EINVAL && BAD(m2) && errno == EBADF, "mmap of length 0 is EINVAL, of a closed fd EBADF",
          "%d %d", e, errno);

    close(fd);
    close(rfd);
    chdir("/");
    rm_rf(D);
    return t_done("fs_mmap");
}
