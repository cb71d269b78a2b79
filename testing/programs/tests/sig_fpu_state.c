/* FPU/SSE/AVX state across kernel entries: xmm0-15 (and the ymm upper
 * halves where AVX is enabled), MXCSR and the x87 control word survive a
 * signal handler that clobbers them, many sched_yields between two threads
 * pinned to one CPU and migrations between CPUs; a handler starts with the
 * default x87 control word, and its edits of uc_mcontext.fpregs (MXCSR and
 * an xmm register) are what sigreturn restores. x86-64 only. */
#define _GNU_SOURCE
#include "../t.h"
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <ucontext.h>

/* Loads xmm0-15 from in[256 bytes], does one syscall(nr, a1, a2, a3) and
 * stores xmm0-15 to out. */
long xmm_syscall(const void *in, void *out, long nr, long a1, long a2, long a3);
long ymm_syscall(const void *in, void *out, long nr, long a1, long a2, long a3);
#define LOADS(op, r, w) \
    op " 0*" w "(%rdi), %" r "0\n" op " 1*" w "(%rdi), %" r "1\n" op " 2*" w "(%rdi), %" r "2\n" \
    op " 3*" w "(%rdi), %" r "3\n" op " 4*" w "(%rdi), %" r "4\n" op " 5*" w "(%rdi), %" r "5\n" \
    op " 6*" w "(%rdi), %" r "6\n" op " 7*" w "(%rdi), %" r "7\n" op " 8*" w "(%rdi), %" r "8\n" \
    op " 9*" w "(%rdi), %" r "9\n" op " 10*" w "(%rdi), %" r "10\n" op " 11*" w "(%rdi), %" r "11\n" \
    op " 12*" w "(%rdi), %" r "12\n" op " 13*" w "(%rdi), %" r "13\n" op " 14*" w "(%rdi), %" r "14\n" \
    op " 15*" w "(%rdi), %" r "15\n"
#define STORES(op, r, w) \
    op " %" r "0, 0*" w "(%rsi)\n" op " %" r "1, 1*" w "(%rsi)\n" op " %" r "2, 2*" w "(%rsi)\n" \
    op " %" r "3, 3*" w "(%rsi)\n" op " %" r "4, 4*" w "(%rsi)\n" op " %" r "5, 5*" w "(%rsi)\n" \
    op " %" r "6, 6*" w "(%rsi)\n" op " %" r "7, 7*" w "(%rsi)\n" op " %" r "8, 8*" w "(%rsi)\n" \
    op " %" r "9, 9*" w "(%rsi)\n" op " %" r "10, 10*" w "(%rsi)\n" op " %" r "11, 11*" w "(%rsi)\n" \
    op " %" r "12, 12*" w "(%rsi)\n" op " %" r "13, 13*" w "(%rsi)\n" op " %" r "14, 14*" w "(%rsi)\n" \
    op " %" r "15, 15*" w "(%rsi)\n"
#define BODY(name, op, r, w)                                  \
    asm(".text\n.globl " name "\n.type " name ",@function\n" name ":\n" \
        LOADS(op, r, w)                                        \
        "push %rsi\n"                                          \
        "mov %rdx, %rax\n mov %rcx, %rdi\n mov %r8, %rsi\n mov %r9, %rdx\n" \
        "syscall\n"                                            \
        "pop %rsi\n"                                           \
        STORES(op, r, w)                                       \
        "ret\n")
BODY("xmm_syscall", "movdqu", "xmm", "16");
BODY("ymm_syscall", "vmovdqu", "ymm", "32");
/* Loads xmm0-15 from p (trashes them; a plain call may clobber xmm). */
void clobber_xmm(const void *p);
asm(".text\n.globl clobber_xmm\n.type clobber_xmm,@function\nclobber_xmm:\n" LOADS("movdqu", "xmm", "16") "ret\n");

static unsigned get_mxcsr(void) { unsigned v; asm volatile("stmxcsr %0" : "=m"(v)); return v; }
static void set_mxcsr(unsigned v) { asm volatile("ldmxcsr %0" : : "m"(v)); }
static unsigned short get_fcw(void) { unsigned short v; asm volatile("fnstcw %0" : "=m"(v)); return v; }
static void set_fcw(unsigned short v) { asm volatile("fldcw %0" : : "m"(v)); }

static volatile unsigned short handler_fcw;
static volatile int edit_ctx;
static unsigned char junk[512];
static void handler(int sig, siginfo_t *si, void *ucv) {
    (void)sig; (void)si;
    ucontext_t *uc = ucv;
    handler_fcw = get_fcw();
    /* clobber everything */
    clobber_xmm(junk);
    set_mxcsr(0x1f80 | 0x6000);
    set_fcw(0x37f & ~0x300);
    if (edit_ctx) {
        uc->uc_mcontext.fpregs->mxcsr = 0x1f80 | 0x2000; /* round down */
        uc->uc_mcontext.fpregs->_xmm[3].element[0] = 0xfeedf00d;
    }
}

static void fill(unsigned char *b, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++) b[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 3));
}

static pid_t mypid;
static int xmm_sig_roundtrip(void) {
    unsigned char in[256], out[256];
    fill(in, sizeof in, 1);
    memset(out, 0, sizeof out);
    xmm_syscall(in, out, SYS_kill, mypid, SIGUSR1, 0);
    return memcmp(in, out, 256) == 0;
}

struct thr { unsigned seed; int cpu; int iters; int nr; int ok; };
static void *yielder(void *arg) {
    struct thr *t = arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(t->cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
    unsigned mx = 0x1f80 | (t->seed & 1 ? 0x4000 : 0x2000);
    set_mxcsr(mx);
    unsigned char in[256], out[256];
    t->ok = 1;
    for (int i = 0; i < t->iters; i++) {
        fill(in, sizeof in, t->seed + i);
        xmm_syscall(in, out, SYS_sched_yield, 0, 0, 0);
        if (memcmp(in, out, 256) != 0 || get_mxcsr() != mx) t->ok = 0;
    }
    return NULL;
}

int main(void) {
    t_watchdog(120);
    mypid = getpid();
    fill(junk, sizeof junk, 99);
    t_handle_info(SIGUSR1, handler, SA_SIGINFO);

    CHECK(xmm_sig_roundtrip(), "xmm0-15 survive a handler that clobbers them", "x");
    int avx = __builtin_cpu_supports("avx");
    int ymm_ok = 1;
    if (avx) {
        unsigned char in[512], out[512];
        fill(in, sizeof in, 5);
        memset(out, 0, sizeof out);
        ymm_syscall(in, out, SYS_kill, mypid, SIGUSR1, 0);
        asm volatile("vzeroupper");
        ymm_ok = memcmp(in, out, 512) == 0;
    }
    CHECK(ymm_ok, "ymm0-15 upper halves survive a handler (where AVX is enabled)", "x");

    set_mxcsr(0x1f80 | 0x4000); /* round up */
    kill(mypid, SIGUSR1);
    unsigned mx = get_mxcsr();
    CHECK(mx == (0x1f80 | 0x4000), "MXCSR survives a handler that changes it", "mx=%x", mx);
    set_mxcsr(0x1f80);

    set_fcw(0x37f & ~0x300 & 0xffff); /* single precision */
    kill(mypid, SIGUSR1);
    unsigned short cw = get_fcw();
    CHECK(cw == (0x37f & ~0x300), "the x87 control word survives a handler that changes it", "cw=%x", cw);
    CHECK(handler_fcw == 0x37f, "a handler starts with the default x87 control word", "cw=%x", handler_fcw);
    set_fcw(0x37f);

    /* a handler's edit of the saved context is restored by sigreturn */
    edit_ctx = 1;
    unsigned char in[256], out[256];
    fill(in, sizeof in, 3);
    xmm_syscall(in, out, SYS_kill, mypid, SIGUSR1, 0);
    mx = get_mxcsr();
    edit_ctx = 0;
    uint32_t x3;
    memcpy(&x3, out + 3 * 16, 4);
    CHECK(mx == (0x1f80 | 0x2000), "sigreturn loads the MXCSR the handler wrote into fpregs", "mx=%x", mx);
    CHECK(x3 == 0xfeedf00d && memcmp(in + 3 * 16 + 4, out + 3 * 16 + 4, 12) == 0,
          "sigreturn loads the xmm3 the handler wrote into fpregs", "x3=%x", x3);
    CHECK(memcmp(in, out, 3 * 16) == 0 && memcmp(in + 4 * 16, out + 4 * 16, 12 * 16) == 0,
          "the other xmm registers come back unchanged", "x");
    set_mxcsr(0x1f80);

    /* many signals in a row */
    int all = 1;
    for (int i = 0; i < 200; i++) all &= xmm_sig_roundtrip();
    CHECK(all, "xmm state survives 200 handler round trips", "x");

    /* two threads on one CPU yielding to each other */
    struct thr t[2] = {{11, 0, 3000, 0, 0}, {22, 0, 3000, 0, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, yielder, &t[i]);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    CHECK(t[0].ok && t[1].ok, "xmm and MXCSR survive sched_yield between two threads on one CPU", "%d %d", t[0].ok, t[1].ok);

    /* migration: hop across every allowed CPU */
    cpu_set_t allowed, one;
    sched_getaffinity(0, sizeof allowed, &allowed);
    int hops_ok = 1, hops = 0;
    set_mxcsr(0x1f80 | 0x6000);
    for (int round = 0; round < 20; round++)
        for (int c = 0; c < CPU_SETSIZE && c < 64; c++) {
            if (!CPU_ISSET(c, &allowed)) continue;
            CPU_ZERO(&one);
            CPU_SET(c, &one);
            fill(in, sizeof in, 100 + round * 64 + c);
            long r = xmm_syscall(in, out, SYS_sched_setaffinity, 0, sizeof one, (long)&one);
            hops++;
            if (r != 0 || memcmp(in, out, 256) != 0 || get_mxcsr() != (0x1f80 | 0x6000)) hops_ok = 0;
        }
    set_mxcsr(0x1f80);
    sched_setaffinity(0, sizeof allowed, &allowed);
    CHECK(hops_ok && hops >= 20, "xmm and MXCSR survive migrating between CPUs", "x");

    /* two threads migrating concurrently */
    struct thr u[2] = {{33, 0, 500, 0, 0}, {44, 0, 500, 0, 0}};
    int ncpu = CPU_COUNT(&allowed);
    int last = 0;
    for (int c = 0; c < 64; c++) if (CPU_ISSET(c, &allowed)) last = c;
    u[1].cpu = ncpu > 1 ? last : 0;
    for (int c = 0; c < 64; c++) if (CPU_ISSET(c, &allowed)) { u[0].cpu = c; break; }
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, yielder, &u[i]);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    CHECK(u[0].ok && u[1].ok, "threads on different CPUs keep their own xmm and MXCSR", "x");
    return t_done("sig_fpu_state");
}
