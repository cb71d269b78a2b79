/* The vDSO: announced in AT_SYSINFO_EHDR, an ELF shared object exporting
 * __vdso_clock_gettime, __vdso_gettimeofday, __vdso_time, __vdso_getcpu and
 * __vdso_clock_getres at version LINUX_2.6; each agrees with the system
 * call it replaces, and clocks it does not serve come back from the kernel
 * (errors as negative errno values, as Linux's vDSO returns them). */
#define _GNU_SOURCE
#include <elf.h>
#include <sched.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include "../t.h"

typedef int (*gettime_fn)(clockid_t, struct timespec *);
typedef int (*gettimeofday_fn)(struct timeval *, void *);
typedef long (*time_fn)(long *);
typedef int (*getcpu_fn)(unsigned *, unsigned *, void *);

static const Elf64_Sym *symtab;
static const char *strtab;
static const Elf64_Versym *versym;
static const Elf64_Verdef *verdef;
static uint32_t nsyms;
static uintptr_t bias;

/* Finds the dynamic tables of the vDSO image at `base`. */
static int parse(uintptr_t base) {
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_type != ET_DYN)
        return 0;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
    const Elf64_Dyn *dyn = NULL;
    int have_load = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && !have_load) {
            bias = base + ph[i].p_offset - ph[i].p_vaddr;
            have_load = 1;
        }
        if (ph[i].p_type == PT_DYNAMIC)
            dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
    }
    if (!have_load || !dyn)
        return 0;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        uintptr_t p = bias + dyn->d_un.d_ptr;
        switch (dyn->d_tag) {
        case DT_SYMTAB: symtab = (const Elf64_Sym *)p; break;
        case DT_STRTAB: strtab = (const char *)p; break;
        case DT_HASH: nsyms = ((const uint32_t *)p)[1]; break;
        case DT_VERSYM: versym = (const Elf64_Versym *)p; break;
        case DT_VERDEF: verdef = (const Elf64_Verdef *)p; break;
        }
    }
    return symtab && strtab && nsyms && versym && verdef;
}

/* The name of version index `idx`. */
static const char *version_name(unsigned idx) {
    const Elf64_Verdef *d = verdef;
    for (;;) {
        if ((d->vd_ndx & 0x7fff) == idx) {
            const Elf64_Verdaux *a = (const Elf64_Verdaux *)((const char *)d + d->vd_aux);
            return strtab + a->vda_name;
        }
        if (!d->vd_next)
            return "";
        d = (const Elf64_Verdef *)((const char *)d + d->vd_next);
    }
}

/* A defined function `name` at version LINUX_2.6, or NULL. */
static void *lookup(const char *name) {
    for (uint32_t i = 1; i < nsyms; i++) {
        const Elf64_Sym *s = &symtab[i];
        if (s->st_shndx == SHN_UNDEF || ELF64_ST_TYPE(s->st_info) != STT_FUNC || strcmp(strtab + s->st_name, name))
            continue;
        if (strcmp(version_name(versym[i] & 0x7fff), "LINUX_2.6"))
            continue;
        return (void *)(bias + s->st_value);
    }
    return NULL;
}

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void) {
    uintptr_t base = getauxval(AT_SYSINFO_EHDR);
    CHECK(base != 0 && base % 4096 == 0, "AT_SYSINFO_EHDR names a page", "base %#lx", (unsigned long)base);
    if (!base)
        return t_done("time_vdso");
    CHECK(parse(base), "the vDSO is an ELF shared object with symbols, a hash table and version definitions", "parse failed");
    gettime_fn vgettime = (gettime_fn)lookup("__vdso_clock_gettime");
    gettimeofday_fn vgtod = (gettimeofday_fn)lookup("__vdso_gettimeofday");
    time_fn vtime = (time_fn)lookup("__vdso_time");
    getcpu_fn vgetcpu = (getcpu_fn)lookup("__vdso_getcpu");
    gettime_fn vgetres = (gettime_fn)lookup("__vdso_clock_getres");
    CHECK(vgettime && vgtod && vtime && vgetcpu && vgetres, "the five __vdso_* functions are exported at LINUX_2.6",
          "%p %p %p %p %p", (void *)vgettime, (void *)vgtod, (void *)vtime, (void *)vgetcpu, (void *)vgetres);
    if (!(vgettime && vgtod && vtime && vgetcpu && vgetres))
        return t_done("time_vdso");

    /* Each clock the vDSO serves lies between two system-call readings. */
    static const clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME};
    int ordered = 1;
    for (unsigned c = 0; c < sizeof clocks / sizeof clocks[0]; c++) {
        for (int i = 0; i < 200; i++) {
            struct timespec a, b, v;
            syscall(SYS_clock_gettime, clocks[c], &a);
            int r = vgettime(clocks[c], &v);
            syscall(SYS_clock_gettime, clocks[c], &b);
            if (r != 0 || ns(v) < ns(a) || ns(v) > ns(b) || v.tv_nsec < 0 || v.tv_nsec >= 1000000000)
                ordered = 0;
        }
    }
    CHECK(ordered, "__vdso_clock_gettime on REALTIME, MONOTONIC, MONOTONIC_RAW, BOOTTIME lies between system calls", "out of order");
    struct timespec a, v, b;
    syscall(SYS_clock_gettime, CLOCK_REALTIME_COARSE, &a);
    int r = vgettime(CLOCK_REALTIME_COARSE, &v);
    syscall(SYS_clock_gettime, CLOCK_REALTIME, &b);
    CHECK(r == 0 && ns(v) <= ns(b) && v.tv_sec >= a.tv_sec - 1, "__vdso_clock_gettime on a coarse clock", "r %d", r);
    /* Clocks the vDSO does not compute come from the kernel. */
    struct timespec cpu = {-1, -1};
    r = vgettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    CHECK(r == 0 && cpu.tv_sec >= 0 && cpu.tv_nsec >= 0, "a CPU-time clock through the vDSO comes from the kernel", "r %d", r);
    r = vgettime(100, &v);
    CHECK(r == -EINVAL, "an unknown clock through the vDSO is -EINVAL", "r %d", r);

    struct timeval tv0, tv1, tv2;
    syscall(SYS_gettimeofday, &tv0, NULL);
    r = vgtod(&tv1, NULL);
    syscall(SYS_gettimeofday, &tv2, NULL);
    long long t0 = tv0.tv_sec * 1000000LL + tv0.tv_usec, t1 = tv1.tv_sec * 1000000LL + tv1.tv_usec,
              t2 = tv2.tv_sec * 1000000LL + tv2.tv_usec;
    CHECK(r == 0 && t0 <= t1 && t1 <= t2 && tv1.tv_usec < 1000000, "__vdso_gettimeofday lies between system calls", "%lld %lld %lld", t0,
          t1, t2);
    long s0 = syscall(SYS_time, NULL);
    long out = 0;
    long s1 = vtime(&out);
    long s2 = syscall(SYS_time, NULL);
    CHECK(s0 <= s1 && s1 <= s2 && out == s1, "__vdso_time agrees with time(2) and stores its result", "%ld %ld %ld", s0, s1, s2);

    struct timespec res_v = {-1, -1}, res_s = {-2, -2};
    r = vgetres(CLOCK_MONOTONIC, &res_v);
    syscall(SYS_clock_getres, CLOCK_MONOTONIC, &res_s);
    CHECK(r == 0 && res_v.tv_sec == res_s.tv_sec && res_v.tv_nsec == res_s.tv_nsec, "__vdso_clock_getres agrees with clock_getres(2)",
          "%ld.%09ld vs %ld.%09ld", (long)res_v.tv_sec, res_v.tv_nsec, (long)res_s.tv_sec, res_s.tv_nsec);
    r = vgetres(100, &res_v);
    CHECK(r == -EINVAL, "__vdso_clock_getres of an unknown clock is -EINVAL", "r %d", r);

    /* Pinned to CPU 0, getcpu says 0 both ways. */
    cpu_set_t set, old;
    sched_getaffinity(0, sizeof old, &old);
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof set, &set);
    unsigned vc = 99, vn = 99, sc = 98, sn = 98;
    r = vgetcpu(&vc, &vn, NULL);
    syscall(SYS_getcpu, &sc, &sn, NULL);
    CHECK(r == 0 && vc == 0 && sc == 0 && vn == sn, "__vdso_getcpu agrees with getcpu(2) on a pinned thread", "vdso %u/%u syscall %u/%u", vc,
          vn, sc, sn);
    sched_setaffinity(0, sizeof old, &old);

    /* The libc's own clock_gettime (which uses the vDSO) never runs
     * backwards against the system call. */
    int mono = 1;
    struct timespec last = {0, 0};
    for (int i = 0; i < 2000; i++) {
        struct timespec x;
        if (i % 2)
            clock_gettime(CLOCK_MONOTONIC, &x);
        else
            syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &x);
        if (ns(x) < ns(last))
            mono = 0;
        last = x;
    }
    CHECK(mono, "CLOCK_MONOTONIC never goes back between libc (vDSO) and system-call readings", "went back");

    pid_t c = fork();
    if (c == 0) {
        struct timespec x, y;
        syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &x);
        int rr = vgettime(CLOCK_MONOTONIC, &y);
        _exit(rr == 0 && ns(y) >= ns(x) ? 0 : 1);
    }
    int st = 0;
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a forked child uses the same vDSO", "status %#x", st);
    return t_done("time_vdso");
}
