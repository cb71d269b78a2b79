/* Code in data pages, shared by mm_exec_prot and mm_tlb_threads: a call into
 * a page that catches the fault (t_try_call) and the execute-permission
 * checks both programs start with (t_exec_prot_checks). */
#ifndef ARAMID_EXEC_CODE_H
#define ARAMID_EXEC_CODE_H
#include <fcntl.h>
#include <setjmp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "t.h"

#define T_PG 4096UL
#define T_EXEC_DIR "/tmp/mm_exec_prot.d"

static const unsigned char t_ret42[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3}; /* mov eax, 42; ret */
typedef int (*t_fn)(void);

static __thread sigjmp_buf t_jb;
static __thread volatile int t_fcode;
static __thread void *volatile t_faddr;
static inline void t_on_fault(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)uc;
    t_fcode = si->si_code;
    t_faddr = si->si_addr;
    siglongjmp(t_jb, 1);
}
/* Calls fn; returns its result, or -1 if it faulted. */
static inline int t_try_call(void *fn) {
    t_fcode = 0;
    t_faddr = NULL;
    if (sigsetjmp(t_jb, 1) == 0)
        return ((t_fn)fn)();
    return -1;
}

/* Installs the SIGSEGV catcher, then checks PROT_EXEC (NX) on anonymous,
 * stack, heap and file pages, through mprotect and in a rewritten
 * read-write-exec page; returns the first page, left read-write. */
static inline char *t_exec_prot_checks(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = t_on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    umask(022);
    int rw = PROT_READ | PROT_WRITE, rx = PROT_READ | PROT_EXEC;

    char *p = mmap(NULL, T_PG, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(p, t_ret42, sizeof t_ret42);
    int r = t_try_call(p);
    CHECK(r == -1 && t_fcode == SEGV_ACCERR && t_faddr == p, "calling into a read-write page is SEGV_ACCERR at the code",
          "r %d code %d", r, t_fcode);
    mprotect(p, T_PG, rx);
    r = t_try_call(p);
    CHECK(r == 42, "after mprotect(PROT_READ|PROT_EXEC) the code runs", "r %d", r);
    mprotect(p, T_PG, rw);
    r = t_try_call(p);
    CHECK(r == -1 && t_fcode == SEGV_ACCERR, "after mprotect back to read-write it faults again", "r %d code %d", r,
          t_fcode);
    unsigned char stackbuf[64];
    memcpy(stackbuf, t_ret42, sizeof t_ret42);
    r = t_try_call(stackbuf);
    CHECK(r == -1 && t_fcode == SEGV_ACCERR, "the stack is not executable", "r %d code %d", r,
          t_fcode);
    unsigned char *heap = malloc(256);
    memcpy(heap, t_ret42, sizeof t_ret42);
    r = t_try_call(heap);
    CHECK(r == -1 && t_fcode == SEGV_ACCERR, "the heap is not executable", "r %d code %d", r, t_fcode);

    mkdir(T_EXEC_DIR, 0755);
    int fd = open(T_EXEC_DIR "/code", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, t_ret42, sizeof t_ret42);
    char *fx = mmap(NULL, T_PG, rx, MAP_PRIVATE, fd, 0);
    char *fr = mmap(NULL, T_PG, PROT_READ, MAP_PRIVATE, fd, 0);
    r = t_try_call(fx);
    int r2 = t_try_call(fr);
    CHECK(r == 42 && r2 == -1 && t_fcode == SEGV_ACCERR, "code in a read-exec file mapping runs; read-only faults",
          "r %d r2 %d", r, r2);
    close(fd);
    unlink(T_EXEC_DIR "/code");
    rmdir(T_EXEC_DIR);

    char *rwx = mmap(NULL, T_PG, rw | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(rwx, t_ret42, sizeof t_ret42);
    r = t_try_call(rwx);
    rwx[1] = 0x07; /* mov eax, 7 */
    r2 = t_try_call(rwx);
    CHECK(r == 42 && r2 == 7, "code rewritten in a read-write-exec page runs in its new form", "%d %d", r, r2);
    return p;
}
#endif
