/* madvise(2) beyond MADV_DONTNEED on anonymous memory: the access-pattern
 * hints keep contents (anonymous and file-backed), MADV_DONTFORK/DOFORK
 * and MADV_WIPEONFORK/KEEPONFORK decide what a child gets, MADV_DONTNEED
 * on a private file mapping brings the file's bytes back, MADV_FREE and
 * MADV_REMOVE accept only the mappings Linux allows them on,
 * MADV_COLD/PAGEOUT keep contents, MADV_POPULATE_READ/WRITE fault pages in,
 * and the range rules (unaligned, overflowing, partly unmapped). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "../t.h"

#define D "/tmp/mm_madvise.d"
#define PG 4096UL
#ifndef MADV_COLD
#define MADV_COLD 20
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

#include "../probe.h"
static long madv(void *a, unsigned long len, int advice) {
    long r = syscall(SYS_madvise, a, len, advice);
    return r == 0 ? 0 : -errno;
}
static char *anon(size_t len, int flags) {
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
static int all(const char *p, size_t n, char c) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != c)
            return 0;
    return 1;
}
/* Runs fn(arg) in a child and returns its exit status (or 100+signal). */
static int in_child(int (*fn)(char *), char *arg) {
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn(arg));
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}
static int child_unmapped(char *p) {
    unsigned char v;
    /* mincore ENOMEM and a read fault: the range is not in the child */
    int r = mincore(p, PG, &v);
    return (r == -1 && errno == ENOMEM && probe_read(p) && fault_code == SEGV_MAPERR) ? 0 : 1;
}
static int child_sees_x(char *p) { return all(p, 2 * PG, 'x') ? 0 : 1; }
static int child_sees_zero_then_writes(char *p) {
    int z = all(p, 2 * PG, 0);
    memset(p, 'c', 2 * PG);
    return z ? 0 : 1;
}

int main(void) {
    t_handle_info(SIGSEGV, on_fault, SA_SIGINFO);
    umask(022);
    unlink(D "/f");
    rmdir(D);
    mkdir(D, 0755);
    int fd = open(D "/f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    static char fbuf[4 * PG];
    memset(fbuf, 'F', sizeof fbuf);
    write(fd, fbuf, sizeof fbuf);

    /* Access-pattern hints. */
    char *p = anon(4 * PG, MAP_PRIVATE);
    memset(p, 'h', 4 * PG);
    long r1 = madv(p, 4 * PG, MADV_WILLNEED), r2 = madv(p, 4 * PG, MADV_SEQUENTIAL);
    long r3 = madv(p, 4 * PG, MADV_RANDOM), r4 = madv(p, 4 * PG, MADV_NORMAL);
    CHECK(!r1 && !r2 && !r3 && !r4 && all(p, 4 * PG, 'h'),
          "WILLNEED, SEQUENTIAL, RANDOM and NORMAL on anonymous memory keep its contents", "%ld %ld %ld %ld", r1, r2,
          r3, r4);
    char *f = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    f[0] = 'w';
    r1 = madv(f, 4 * PG, MADV_WILLNEED);
    r2 = madv(f, 4 * PG, MADV_SEQUENTIAL);
    r3 = madv(f, 4 * PG, MADV_RANDOM);
    CHECK(!r1 && !r2 && !r3 && f[0] == 'w' && all(f + 1, 4 * PG - 1, 'F'),
          "the same hints on a private file mapping keep its contents", "%ld %ld %ld", r1, r2, r3);

    /* DONTNEED on a private file mapping: the file's bytes come back. */
    memset(f + PG, 'w', PG);
    r1 = madv(f, 2 * PG, MADV_DONTNEED);
    CHECK(r1 == 0 && all(f, 2 * PG, 'F'), "MADV_DONTNEED on a private file mapping drops the private copies",
          "r %ld first %c", r1, f[0]);

    /* DONTFORK / DOFORK. */
    char *df = anon(2 * PG, MAP_PRIVATE);
    memset(df, 'x', 2 * PG);
    r1 = madv(df, 2 * PG, MADV_DONTFORK);
    int c1 = in_child(child_unmapped, df);
    CHECK(r1 == 0 && c1 == 0 && all(df, 2 * PG, 'x'), "MADV_DONTFORK leaves the range out of a child",
          "r %ld child %d", r1, c1);
    r1 = madv(df, 2 * PG, MADV_DOFORK);
    c1 = in_child(child_sees_x, df);
    CHECK(r1 == 0 && c1 == 0, "MADV_DOFORK gives it to children again", "r %ld child %d", r1, c1);
    char *ds = anon(2 * PG, MAP_SHARED);
    memset(ds, 'x', 2 * PG);
    r1 = madv(ds, PG, MADV_DONTFORK);
    pid_t pid = fork();
    if (pid == 0)
        _exit((probe_read(ds) && !probe_read(ds + PG) && ds[PG] == 'x') ? 0 : 1);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(r1 == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "MADV_DONTFORK on half of a shared mapping splits it: the child keeps the other half", "status %#x", st);

    /* WIPEONFORK / KEEPONFORK. */
    char *wf = anon(2 * PG, MAP_PRIVATE);
    memset(wf, 'x', 2 * PG);
    r1 = madv(wf, 2 * PG, MADV_WIPEONFORK);
    c1 = in_child(child_sees_zero_then_writes, wf);
    CHECK(r1 == 0 && c1 == 0 && all(wf, 2 * PG, 'x'),
          "MADV_WIPEONFORK: the child gets zero pages, the parent keeps its data", "r %ld child %d", r1, c1);
    r1 = madv(wf, 2 * PG, MADV_KEEPONFORK);
    c1 = in_child(child_sees_x, wf);
    CHECK(r1 == 0 && c1 == 0, "MADV_KEEPONFORK makes the child inherit the contents again", "r %ld child %d", r1, c1);
    r1 = madv(ds, 2 * PG, MADV_WIPEONFORK);
    r2 = madv(f, PG, MADV_WIPEONFORK);
    CHECK(r1 == -EINVAL && r2 == -EINVAL, "MADV_WIPEONFORK on shared or file-backed memory is EINVAL", "%ld %ld", r1,
          r2);

    /* MADV_FREE. */
    char *fr = anon(2 * PG, MAP_PRIVATE);
    memset(fr, 'x', 2 * PG);
    r1 = madv(fr, 2 * PG, MADV_FREE);
    fr[0] = 'y';
    fr[PG] = 'y';
    CHECK(r1 == 0 && fr[0] == 'y' && fr[PG] == 'y', "MADV_FREE on private anonymous memory; a later write sticks",
          "r %ld", r1);
    r1 = madv(ds, PG, MADV_FREE);
    r2 = madv(f, PG, MADV_FREE);
    CHECK(r1 == -EINVAL && r2 == -EINVAL && ds[0] == 'x' && f[0] == 'F',
          "MADV_FREE on shared anonymous or file-backed memory is EINVAL", "%ld %ld", r1, r2);

    /* MADV_REMOVE. */
    char *rm = anon(2 * PG, MAP_SHARED);
    memset(rm, 'x', 2 * PG);
    r1 = madv(rm, PG, MADV_REMOVE);
    pid = fork();
    if (pid == 0)
        _exit(rm[0] == 0 && rm[PG] == 'x' ? 0 : 1);
    waitpid(pid, &st, 0);
    CHECK(r1 == 0 && rm[0] == 0 && all(rm + 1, PG - 1, 0) && rm[PG] == 'x' && WIFEXITED(st) &&
              WEXITSTATUS(st) == 0,
          "MADV_REMOVE on shared anonymous memory frees the pages: they read as zeros", "r %ld first %d", r1, rm[0]);
    r1 = madv(p, PG, MADV_REMOVE);
    r2 = madv(f, PG, MADV_REMOVE);
    CHECK(r1 == -EINVAL && r2 == -EACCES, "MADV_REMOVE: private anonymous EINVAL, private file mapping EACCES",
          "%ld %ld", r1, r2);

    /* COLD / PAGEOUT keep contents. */
    r1 = madv(p, 4 * PG, MADV_COLD);
    r2 = madv(p, 4 * PG, MADV_PAGEOUT);
    CHECK(!r1 && !r2 && all(p, 4 * PG, 'h'), "MADV_COLD and MADV_PAGEOUT keep the contents", "%ld %ld", r1, r2);

    /* POPULATE_READ / WRITE. */
    char *pr = anon(4 * PG, MAP_PRIVATE);
    unsigned char v[4] = {0};
    r1 = madv(pr, 2 * PG, MADV_POPULATE_READ);
    r2 = madv(pr + 2 * PG, 2 * PG, MADV_POPULATE_WRITE);
    mincore(pr, 4 * PG, v);
    CHECK(!r1 && !r2 && (v[0] & v[1] & v[2] & v[3] & 1) && all(pr, 4 * PG, 0),
          "MADV_POPULATE_READ and POPULATE_WRITE make the pages resident", "%ld %ld %d%d%d%d", r1, r2, v[0], v[1],
          v[2], v[3]);
    char *ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *none = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r1 = madv(ro, PG, MADV_POPULATE_WRITE);
    r2 = madv(none, PG, MADV_POPULATE_READ);
    CHECK(r1 == -EINVAL && r2 == -EINVAL, "MADV_POPULATE_WRITE on read-only or POPULATE_READ on PROT_NONE is EINVAL",
          "%ld %ld", r1, r2);

    /* Range rules. */
    r1 = madv(p + 1, PG, MADV_NORMAL);
    r2 = madv(p, 0, MADV_DONTNEED);
    r3 = madv(p, -PG, MADV_NORMAL);
    CHECK(r1 == -EINVAL && r2 == 0 && r3 == -EINVAL && p[0] == 'h',
          "madvise: unaligned start EINVAL, length 0 succeeds, a wrapping range EINVAL", "%ld %ld %ld", r1, r2, r3);
    char *hole = anon(3 * PG, MAP_PRIVATE);
    memset(hole, 'x', 3 * PG);
    munmap(hole + PG, PG);
    r1 = madv(hole, 3 * PG, MADV_DONTNEED);
    CHECK(r1 == -ENOMEM && hole[0] == 0 && hole[2 * PG] == 0,
          "DONTNEED over a hole is ENOMEM but still drops the mapped parts", "r %ld %d %d", r1, hole[0],
          hole[2 * PG]);

    close(fd);
    unlink(D "/f");
    rmdir(D);
    return t_done("mm_madvise");
}
