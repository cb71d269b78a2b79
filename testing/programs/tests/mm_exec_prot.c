/* Execute permission. PROT_EXEC is enforced (NX): code in a read-write
 * page, on the stack or the heap, or in a read-only file mapping faults
 * with SEGV_ACCERR; mprotect to read-exec makes it run and back to
 * read-write stops it again; code in a private file mapping runs; code
 * rewritten in a read-write-exec page runs in its new form. (The same
 * changes made while another thread uses the page: pending/mm_tlb_threads.c.)
 * Also .data, PROT_EXEC alone, PROT_NONE and unmapped pages. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../t.h"

#define PG 4096UL
#define D "/tmp/mm_exec_prot.d"

static const unsigned char ret42[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3}; /* mov eax, 42; ret */
typedef int (*fn_t)(void);

static __thread sigjmp_buf jb;
static __thread volatile int fcode;
static __thread void *volatile faddr;
static void on_fault(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)uc;
    fcode = si->si_code;
    faddr = si->si_addr;
    siglongjmp(jb, 1);
}
/* Calls fn; returns its result, or -1 if it faulted. */
static int try_call(void *fn) {
    fcode = 0;
    faddr = NULL;
    if (sigsetjmp(jb, 1) == 0)
        return ((fn_t)fn)();
    return -1;
}

static unsigned char data_code[16] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3}; /* in .data */

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    umask(022);
    int rw = PROT_READ | PROT_WRITE, rx = PROT_READ | PROT_EXEC;

    char *p = mmap(NULL, PG, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(p, ret42, sizeof ret42);
    int r = try_call(p);
    CHECK(r == -1 && fcode == SEGV_ACCERR && faddr == p, "calling into a read-write page is SEGV_ACCERR at the code",
          "r %d code %d", r, fcode);
    mprotect(p, PG, rx);
    r = try_call(p);
    CHECK(r == 42, "after mprotect(PROT_READ|PROT_EXEC) the code runs", "r %d", r);
    mprotect(p, PG, rw);
    r = try_call(p);
    CHECK(r == -1 && fcode == SEGV_ACCERR, "after mprotect back to read-write it faults again", "r %d code %d", r,
          fcode);
    unsigned char stackbuf[64];
    memcpy(stackbuf, ret42, sizeof ret42);
    r = try_call(stackbuf);
    CHECK(r == -1 && fcode == SEGV_ACCERR, "the stack is not executable", "r %d code %d", r,
          fcode);
    unsigned char *heap = malloc(256);
    memcpy(heap, ret42, sizeof ret42);
    r = try_call(heap);
    CHECK(r == -1 && fcode == SEGV_ACCERR, "the heap is not executable", "r %d code %d", r, fcode);

    mkdir(D, 0755);
    int fd = open(D "/code", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, ret42, sizeof ret42);
    char *fx = mmap(NULL, PG, rx, MAP_PRIVATE, fd, 0);
    char *fr = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
    r = try_call(fx);
    int r2 = try_call(fr);
    CHECK(r == 42 && r2 == -1 && fcode == SEGV_ACCERR, "code in a read-exec file mapping runs; read-only faults",
          "r %d r2 %d", r, r2);
    close(fd);
    unlink(D "/code");
    rmdir(D);

    char *rwx = mmap(NULL, PG, rw | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(rwx, ret42, sizeof ret42);
    r = try_call(rwx);
    rwx[1] = 0x07; /* mov eax, 7 */
    r2 = try_call(rwx);
    CHECK(r == 42 && r2 == 7, "code rewritten in a read-write-exec page runs in its new form", "%d %d", r, r2);

    r = try_call(data_code);
    CHECK(r == -1 && fcode == SEGV_ACCERR, "the data segment is not executable", "r %d code %d", r, fcode);
    mprotect(p, PG, PROT_EXEC);
    r = try_call(p);
    CHECK(r == 42, "PROT_EXEC alone lets the code run", "r %d", r);
    mprotect(p, PG, PROT_NONE);
    r = try_call(p);
    CHECK(r == -1 && fcode == SEGV_ACCERR && faddr == p, "calling into a PROT_NONE page is SEGV_ACCERR", "r %d code %d",
          r, fcode);
    munmap(p, PG);
    r = try_call(p);
    CHECK(r == -1 && fcode == SEGV_MAPERR && faddr == p, "calling into an unmapped page is SEGV_MAPERR",
          "r %d code %d", r, fcode);
    return t_done("mm_exec_prot");
}
