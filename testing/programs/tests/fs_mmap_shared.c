/* Shared file mappings as Linux's tmpfs has them: the mapping and the file
 * are the same pages. Stores through MAP_SHARED mappings meet read/pwrite,
 * other mappings at other offsets and other processes (an independent
 * mapping, surviving its exit); MAP_PRIVATE sees the file until its first
 * write to a page; msync/fsync; mprotect, MADV_DONTNEED, MADV_REMOVE and
 * mremap (grow, duplicate) on a shared mapping; SIGBUS BUS_ADRERR past EOF,
 * after ftruncate shrinks the file under a mapping, valid zero pages after
 * it grows; a punched hole drops file pages but not private copies; a
 * shared futex met through two processes' mappings of the file; a thread
 * reading a mapping while another shrinks and grows the file sees only the
 * file's states or SIGBUS. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"
#include "../files.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 1
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 2
#endif

#define D "/tmp/fs_mmap_shared.d"
#define PG 4096L
#define FSIZE (3 * PG + 100) /* three pages and a bit */

#define BAD(p) ((p) == MAP_FAILED)
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

/* The race: one thread truncates and refills page 1 while another reads it. */
#define ROUNDS 300
static sigjmp_buf race_jb;
static int race_fd;
static volatile char *race_map;
static void on_race_bus(int sig) {
    (void)sig;
    siglongjmp(race_jb, 1);
}
static void *race_reader(void *arg) {
    int *bad = arg;
    for (int i = 0; i < 20 * ROUNDS; i++) {
        if (sigsetjmp(race_jb, 1) == 0) {
            char c = race_map[PG + 5];
            if (c != (char)t_pat(PG + 5) && c != 0 && c != 'z')
                (*bad)++;
        }
    }
    return NULL;
}
static int truncate_race(char *w, int fd) {
    struct sigaction sa = {0}, old;
    sa.sa_handler = on_race_bus;
    sigaction(SIGBUS, &sa, &old);
    race_fd = fd;
    race_map = w;
    int bad = 0;
    pthread_t t;
    pthread_create(&t, NULL, race_reader, &bad);
    for (int i = 0; i < ROUNDS; i++) {
        ftruncate(race_fd, PG);
        ftruncate(race_fd, FSIZE);
        pwrite(race_fd, "z", 1, PG + 5);
    }
    pthread_join(t, NULL);
    sigaction(SIGBUS, &old, NULL);
    return bad;
}

int main(void) {
    long r;
    pid_t pid;
    char rb[4] = {0};
    t_rm_rf(D);
    umask(022);
    t_watchdog(60);
    if (mkdir(D, 0755) != 0 || chdir(D) != 0) {
        printf("cannot create " D "\n");
        return 1;
    }
    static char content[FSIZE];
    int fd = t_put_pat("f", content, FSIZE);
    char *w;

    /* MAP_SHARED writable: one set of pages for every mapping and read/write */
    pwrite(fd, content, FSIZE, 0);
    w = t_mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *w2 = t_mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
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
    char *pm = t_mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    char before = BAD(pm) ? 0 : pm[PG + 3];
    if (!BAD(w))
        w[PG + 3] = 'X';
    char after = BAD(pm) ? 0 : pm[PG + 3];
    if (!BAD(pm))
        pm[2 * PG] = 'p';
    if (!BAD(w))
        w[2 * PG + 1] = 'Y';
    CHECK(!BAD(pm) && before == (char)t_pat(PG + 3) && after == 'X',
          "MAP_PRIVATE shows a store through a MAP_SHARED mapping to a page it never wrote", "%d %d", before, after);
    CHECK(!BAD(pm) && !BAD(w) && pm[2 * PG + 1] == (char)t_pat(2 * PG + 1) && w[2 * PG] == (char)t_pat(2 * PG),
          "after its first write a MAP_PRIVATE page is a copy: file changes no longer show, its store stays private",
          "mismatch");
    munmap(pm, FSIZE);
    pwrite(fd, content, FSIZE, 0);

    /* another process mapping the file by itself, and exit keeping the data */
    pid = fork();
    if (pid == 0) {
        int cfd = t_open("f", O_RDWR, 0);
        char *cm = t_mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 2 * PG);
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
    w = t_mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    r = mprotect(w, PG, PROT_READ);
    int sig_w = t_dies_by(t_poke, w + 1);
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
    r = madvise(w + PG, PG, MADV_REMOVE);
    char zb[PG];
    memset(zb, 1, sizeof zb);
    pread(fd, zb, PG, PG);
    int rfd = t_open("f", O_RDONLY, 0);
    char *ro = t_mmap(NULL, PG, PROT_READ, MAP_SHARED, rfd, 0);
    char *pv = t_mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    errno = 0;
    r2 = madvise(ro, PG, MADV_REMOVE);
    int e_ro = errno;
    errno = 0;
    r3 = madvise(pv, PG, MADV_REMOVE);
    CHECK(!BAD(w) && r == 0 && t_all_zero(w + PG, PG) && t_all_zero(zb, PG) && w[1] == 'M' && r2 == -1 && e_ro == EACCES &&
              r3 == -1 && errno == EACCES,
          "MADV_REMOVE punches a hole under a shared file mapping; EACCES read-only or private", "%ld %ld %d %ld %d",
          r, r2, e_ro, r3, errno);
    munmap(ro, PG);
    munmap(pv, PG);
    close(rfd);
    char *g = BAD(w) ? MAP_FAILED : (char *)mremap(w, FSIZE, 8 * PG, MREMAP_MAYMOVE);
    pwrite(fd, content, FSIZE, 0);
    if (!BAD(g))
        g[3 * PG + 2] = 'R';
    CHECK(!BAD(g) && t_matches(g, 0, 3 * PG) && pread(fd, rb, 1, 3 * PG + 2) == 1 && rb[0] == 'R',
          "mremap grows a shared file mapping that still shares the file's pages", "ok %d", !BAD(g));
    w = BAD(g) ? w : g;
    char *dup = BAD(g) ? MAP_FAILED : (char *)mremap(g + PG, 0, 2 * PG, MREMAP_MAYMOVE);
    if (!BAD(dup))
        dup[7] = 'd';
    char *priv = t_mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
    errno = 0;
    char *pdup = (char *)mremap(priv, 0, PG, MREMAP_MAYMOVE);
    CHECK(!BAD(dup) && dup != g + PG && g[PG + 7] == 'd' && t_matches(dup + 8, PG + 8, 100) && BAD(pdup) &&
              errno == EINVAL,
          "mremap with old size 0 duplicates a shared file mapping (EINVAL for a private one)", "ok %d errno %d",
          !BAD(dup), errno);
    if (!BAD(dup))
        munmap(dup, 2 * PG);
    munmap(priv, PG);
    pwrite(fd, content, FSIZE, 0);

    /* SIGBUS past the end of file, after shrinking and growing it */
    int c_eof = bus_code(w + 4 * PG + 5);
    ftruncate(fd, PG + 10);
    int c_cut = bus_code(w + 2 * PG);
    int tail_zero = t_all_zero(w + PG + 10, PG - 10);
    CHECK(c_eof == BUS_ADRERR && c_cut == BUS_ADRERR && tail_zero && t_matches(w, 0, PG + 10),
          "a shared mapping past EOF is SIGBUS BUS_ADRERR, also after ftruncate shrinks the file under it",
          "%d %d %d", c_eof, c_cut, tail_zero);
    ftruncate(fd, FSIZE);
    int c_grown = bus_code(w + 3 * PG);
    CHECK(c_grown == 0 && t_all_zero(w + PG + 10, FSIZE - PG - 10),
          "growing the file again makes the pages valid, reading zeros", "%d", c_grown);
    w[3 * PG] = 'G';
    pread(fd, rb, 1, 3 * PG);
    CHECK(rb[0] == 'G', "a store to a page made valid again reaches the file", "%d", rb[0]);
    pwrite(fd, content, FSIZE, 0);

    /* a shared futex in a file mapping: two processes, different mappings */
    pid = fork();
    if (pid == 0) {
        int cfd = t_open("f", O_RDWR, 0);
        char *cm = t_mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, PG);
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
    /* punching a hole: the file's pages go, private copies stay */
    char *pp = t_mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (!BAD(pp)) {
        pp[PG + 1] = 'c';        /* page 1 becomes a private copy */
        (void)*(volatile char *)(pp + 2 * PG); /* page 2 maps the file's page */
    }
    (void)*(volatile char *)(w + 2 * PG);
    r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PG, 2 * PG);
    CHECK(!BAD(pp) && r == 0 && pp[PG + 1] == 'c' && pp[PG + 2] == (char)t_pat(PG + 2) && t_all_zero(pp + 2 * PG, PG) &&
              t_all_zero(w + PG, 2 * PG) && t_matches(w, 0, PG) && t_matches(w + 3 * PG, 3 * PG, 100),
          "a punched hole reads as zeros through every mapping except a private copy made before", "ret %ld", r);
    munmap(pp, FSIZE);

    pwrite(fd, content, FSIZE, 0);
    int bad = truncate_race(w, fd);
    pwrite(fd, "Q", 1, PG + 5);
    struct stat sb;
    fstat(fd, &sb);
    CHECK(bad == 0 && w[PG + 5] == 'Q' && sb.st_size == FSIZE,
          "reads racing with ftruncate see the file's contents, zeros or SIGBUS, and the mapping stays coherent",
          "bad %d size %ld", bad, (long)sb.st_size);
    munmap(w, 8 * PG);

    close(fd);
    chdir("/");
    t_rm_rf(D);
    return t_done("fs_mmap_shared");
}
