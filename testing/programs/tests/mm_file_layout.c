/* Private file mappings laid out the way ld.so lays out a library: the
 * whole file mapped read-only, then MAP_FIXED pieces at other offsets with
 * other rights, a PROT_NONE gap, a writable data piece with its tail
 * zeroed, an anonymous bss, RELRO-style mprotect after writing; areas
 * split by munmap and mprotect keep the right file offsets on both sides
 * (also in a forked child); protection changes on present pages keep their
 * contents; mremap of file mappings; SIGBUS past EOF at an offset and after
 * the file shrinks. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "../t.h"

#define D "/tmp/mm_file_layout.d"
#define PG 4096L
#define FSIZE (8 * PG + 100)

static unsigned char pat(long off) { return (unsigned char)(off * 13 + off / PG * 7 + 3); }
static int matches(const char *m, long off, long n) {
    for (long i = 0; i < n; i++)
        if ((unsigned char)m[i] != pat(off + i))
            return 0;
    return 1;
}
static int zero(const char *m, long n) {
    for (long i = 0; i < n; i++)
        if (m[i])
            return 0;
    return 1;
}

static sigjmp_buf jb;
static volatile int fsig, fcode;
static void on_fault(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    fsig = sig;
    fcode = si->si_code;
    siglongjmp(jb, 1);
}
static int rd(volatile char *p) {
    fsig = fcode = 0;
    if (sigsetjmp(jb, 1) == 0) {
        (void)*p;
        return 0;
    }
    return 1;
}
static int wr(volatile char *p, char v) {
    fsig = fcode = 0;
    if (sigsetjmp(jb, 1) == 0) {
        *p = v;
        return 0;
    }
    return 1;
}
static char *fmap(void *at, long len, int prot, int flags, int fd, long off) {
    char *p = mmap(at, len, prot, MAP_PRIVATE | flags, fd, off);
    return p == MAP_FAILED ? NULL : p;
}
static int file_intact(int fd) {
    static char buf[FSIZE];
    return pread(fd, buf, FSIZE, 0) == FSIZE && matches(buf, 0, FSIZE);
}
static int child_status(pid_t pid) {
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

int main(void) {
    t_handle_info(SIGSEGV, on_fault, SA_SIGINFO | SA_NODEFER);
    t_handle_info(SIGBUS, on_fault, SA_SIGINFO | SA_NODEFER);
    umask(022);
    unlink(D "/lib");
    rmdir(D);
    mkdir(D, 0755);
    int fd = open(D "/lib", O_RDWR | O_CREAT | O_TRUNC, 0644);
    static char buf[FSIZE];
    for (long i = 0; i < FSIZE; i++)
        buf[i] = (char)pat(i);
    write(fd, buf, FSIZE);
    int rx = PROT_READ | PROT_EXEC, rw = PROT_READ | PROT_WRITE;

    char *m = fmap(NULL, 2 * PG, PROT_READ, 0, fd, 3 * PG);
    CHECK(m && matches(m, 3 * PG, 2 * PG), "a mapping at a page offset shows the file from that offset", "map %d",
          m != NULL);
    munmap(m, 2 * PG);

    /* The ld.so layout. */
    char *base = fmap(NULL, 12 * PG, PROT_READ, 0, fd, 0);
    char *text = fmap(base + 2 * PG, 2 * PG, rx, MAP_FIXED, fd, 2 * PG);
    int gap = mprotect(base + 4 * PG, PG, PROT_NONE);
    char *data = fmap(base + 5 * PG, 3 * PG, rw, MAP_FIXED, fd, 5 * PG);
    memset(base + 7 * PG + 50, 0, PG - 50); /* the bss part of the last file page */
    char *bss = mmap(base + 8 * PG, 4 * PG, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(base && text == base + 2 * PG && gap == 0 && data == base + 5 * PG && bss == base + 8 * PG,
          "ld.so's sequence: whole file, MAP_FIXED text and data, a PROT_NONE gap, anonymous bss", "text %d data %d",
          text == base + 2 * PG, data == base + 5 * PG);
    int f = wr(base + 10, 'x');
    CHECK(matches(base, 0, 2 * PG) && f && fsig == SIGSEGV && fcode == SEGV_ACCERR,
          "the headers are the file's first pages, read-only", "faulted %d code %d", f, fcode);
    CHECK(matches(text, 2 * PG, 2 * PG), "the text piece shows its file offset", "mismatch");
    f = rd(base + 4 * PG + 9);
    CHECK(f && fsig == SIGSEGV && fcode == SEGV_ACCERR, "the gap is PROT_NONE", "faulted %d code %d", f, fcode);
    CHECK(matches(data, 5 * PG, 2 * PG + 50) && zero(data + 2 * PG + 50, PG - 50),
          "the data piece shows its offset, with its bss tail zeroed", "mismatch");
    data[7] = 'D';
    bss[3 * PG] = 'B';
    CHECK(zero(bss, 3 * PG) && bss[3 * PG] == 'B' && data[7] == 'D' && file_intact(fd),
          "data and bss are writable and writes do not reach the file", "mismatch");
    /* RELRO: written, then made read-only; the private copy stays. */
    data[PG + 1] = 'R';
    int rr = mprotect(data + PG, PG, PROT_READ);
    f = wr(data + PG + 2, 'q');
    CHECK(rr == 0 && data[PG + 1] == 'R' && f && fcode == SEGV_ACCERR && matches(data + PG + 2, 6 * PG + 2, 10),
          "RELRO: a written page made read-only keeps the written bytes", "r %d faulted %d", rr, f);
    pid_t pid = fork();
    if (pid == 0) {
        int ok = matches(base, 0, 2 * PG) && matches(text, 2 * PG, 2 * PG) && data[7] == 'D' &&
                 data[PG + 1] == 'R' && bss[3 * PG] == 'B' && zero(data + 2 * PG + 50, PG - 50);
        data[7] = 'c';
        bss[0] = 'c';
        _exit(ok ? 0 : 1);
    }
    int cs = child_status(pid);
    CHECK(cs == 0 && data[7] == 'D' && bss[0] == 0, "a forked child sees the same layout; its writes stay its own",
          "child %d", cs);
    munmap(base, 12 * PG);

    /* munmap in the middle keeps offsets on both sides. */
    m = fmap(NULL, 6 * PG, rw, 0, fd, PG);
    m[0] = 'L';
    m[5 * PG] = 'H';
    int u = munmap(m + 2 * PG, PG);
    f = rd(m + 2 * PG);
    CHECK(u == 0 && f && fcode == SEGV_MAPERR && m[0] == 'L' && matches(m + 1, PG + 1, 2 * PG - 1) &&
              matches(m + 3 * PG, 4 * PG, 2 * PG) && m[5 * PG] == 'H' && matches(m + 5 * PG + 1, 6 * PG + 1, 100),
          "after munmap of a middle page both sides keep their file offsets", "u %d faulted %d", u, f);
    pid = fork();
    if (pid == 0)
        _exit(m[0] == 'L' && matches(m + 3 * PG, 4 * PG, 2 * PG) && matches(m + PG, 2 * PG, PG) ? 0 : 1);
    cs = child_status(pid);
    CHECK(cs == 0, "...and so do the child's copies after fork (untouched pages too)", "child %d", cs);
    munmap(m, 6 * PG);

    /* mprotect in the middle. */
    m = fmap(NULL, 5 * PG, PROT_READ, 0, fd, 0);
    rr = mprotect(m + PG, 2 * PG, rw);
    m[PG + 5] = 'W';
    int rr2 = mprotect(m + 2 * PG, PG, PROT_READ);
    f = wr(m + 2 * PG + 1, 'w');
    int f2 = wr(m + PG + 6, 'V');
    CHECK(rr == 0 && rr2 == 0 && f && !f2 && m[PG + 5] == 'W' && m[PG + 6] == 'V' && matches(m, 0, PG) &&
              matches(m + 2 * PG, 2 * PG, 3 * PG) && matches(m + PG + 7, PG + 7, 100),
          "mprotect pieces in the middle keep their contents and offsets", "faulted %d %d", f, f2);
    munmap(m, 5 * PG);

    /* A protection change on present pages keeps them. */
    m = fmap(NULL, 2 * PG, rw, 0, fd, 0);
    volatile char c0 = m[0]; /* present, not yet written */
    (void)c0;
    m[PG + 100] = 'Y'; /* written: a private copy */
    mprotect(m, 2 * PG, PROT_NONE);
    mprotect(m, 2 * PG, PROT_READ);
    mprotect(m, 2 * PG, rw);
    m[1] = 'X';
    m[PG + 101] = 'Z';
    CHECK(m[0] == (char)pat(0) && m[1] == 'X' && matches(m + 2, 2, PG - 2) && m[PG + 100] == 'Y' &&
              m[PG + 101] == 'Z' && matches(m + PG, PG, 100),
          "NONE, READ, then READ|WRITE again: a read page and a written page keep their bytes", "m0 %d", m[0]);
    munmap(m, 2 * PG);

    /* MAP_FIXED overlay with another offset of the same file. */
    m = fmap(NULL, 4 * PG, PROT_READ, 0, fd, 0);
    char *o = fmap(m + PG, PG, PROT_READ, MAP_FIXED, fd, 6 * PG);
    CHECK(o == m + PG && matches(m, 0, PG) && matches(m + PG, 6 * PG, PG) && matches(m + 2 * PG, 2 * PG, 2 * PG),
          "a MAP_FIXED overlay at another file offset replaces only its page", "same %d", o == m + PG);
    munmap(m, 4 * PG);

    /* mremap of file mappings. */
    char *hole = fmap(NULL, 16 * PG, PROT_NONE, MAP_ANONYMOUS, -1, 0);
    m = fmap(hole, 2 * PG, rw, MAP_FIXED, fd, 2 * PG);
    m[0] = 'M';
    char *g = mremap(m, 2 * PG, 4 * PG, MREMAP_MAYMOVE);
    CHECK(g != MAP_FAILED && g != m && g[0] == 'M' && matches(g + 1, 2 * PG + 1, 2 * PG - 1) &&
              matches(g + 2 * PG, 4 * PG, 2 * PG),
          "mremap moving and growing a file mapping: the new pages continue the file", "moved %d", g != m);
    char *piece = mremap(g + 3 * PG, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, hole + 10 * PG);
    CHECK(piece == hole + 10 * PG && matches(piece, 5 * PG, PG) && matches(g + 2 * PG, 4 * PG, PG),
          "mremap of one page out of the middle keeps its offset", "same %d", piece == hole + 10 * PG);
    munmap(hole, 16 * PG);

    /* Past the end of the file. */
    m = fmap(NULL, 3 * PG, PROT_READ, 0, fd, 8 * PG);
    int in = rd(m + 50), past = rd(m + PG + 1);
    int psig = fsig, pcode = fcode;
    CHECK(m && !in && matches(m, 8 * PG, 100) && zero(m + 100, PG - 100) && past && psig == SIGBUS &&
              pcode == BUS_ADRERR,
          "at an offset: the last partial page has a zero tail, the next page is SIGBUS", "past %d sig %d code %d",
          past, psig, pcode);
    munmap(m, 3 * PG);
    m = fmap(NULL, PG, PROT_READ, 0, fd, 20 * PG);
    past = rd(m);
    CHECK(m && past && fsig == SIGBUS, "mmap wholly past EOF succeeds; touching it is SIGBUS", "map %d past %d",
          m != NULL, past);
    munmap(m, PG);
    m = fmap(NULL, 8 * PG, PROT_READ, 0, fd, 0);
    (void)m[0];
    ftruncate(fd, 3 * PG);
    past = rd(m + 5 * PG);
    psig = fsig;
    in = rd(m + 2 * PG);
    CHECK(past && psig == SIGBUS && !in, "after the file shrinks, an untouched page past the new end is SIGBUS",
          "past %d in %d", past, in);
    ftruncate(fd, 8 * PG);
    past = rd(m + 5 * PG);
    CHECK(!past && zero(m + 5 * PG, PG), "after it grows again, that page reads as zeros", "faulted %d", past);
    munmap(m, 8 * PG);

    close(fd);
    unlink(D "/lib");
    rmdir(D);
    return t_done("mm_file_layout");
}
