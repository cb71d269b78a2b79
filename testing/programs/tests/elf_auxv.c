/* The initial stack and auxiliary vector of a static executable, read
 * straight from the stack main() was given: argc at a 16-byte aligned
 * address, argv and envp arrays followed by the auxv, the strings packed
 * above them in order with the executable's name last below the top, and
 * every AT_* entry Linux gives on x86-64 in Linux's order with its value
 * (the program headers, the entry point, ids, AT_SECURE after a uid
 * change, AT_HWCAP/HWCAP2 against the CPU, a signal frame that fits in
 * AT_MINSIGSTKSZ). */
#define _GNU_SOURCE
#include <cpuid.h>
#include <elf.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include "../t.h"

extern const Elf64_Ehdr __ehdr_start;
extern char _start[];

static Elf64_auxv_t *auxv;
static int nauxv;

static unsigned long aux(unsigned long type, int *found) {
    for (int i = 0; i < nauxv; i++)
        if (auxv[i].a_type == type) {
            if (found)
                *found = 1;
            return auxv[i].a_un.a_val;
        }
    if (found)
        *found = 0;
    return 0;
}

/* The child after a uid/gid change: reports its auxv ids through its exit
 * status (bits: AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE wrong). */
static int child_ids(void) {
    int bad = 0;
    if (aux(AT_UID, NULL) != 1 || getauxval(AT_UID) != 1)
        bad |= 1;
    if (aux(AT_EUID, NULL) != 2)
        bad |= 2;
    if (aux(AT_GID, NULL) != 3)
        bad |= 4;
    if (aux(AT_EGID, NULL) != 4)
        bad |= 8;
    if (aux(AT_SECURE, NULL) != 1)
        bad |= 16;
    return bad;
}

static sigjmp_buf jb;
static void on_ill(int sig) {
    (void)sig;
    siglongjmp(jb, 1);
}
static int rdfsbase_works(void) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_ill;
    sigaction(SIGILL, &sa, &old);
    int ok = 0;
    if (sigsetjmp(jb, 1) == 0) {
        unsigned long v;
        __asm__ volatile("rdfsbase %0" : "=r"(v));
        ok = 1;
    }
    sigaction(SIGILL, &old, NULL);
    return ok;
}

static volatile uintptr_t handler_sp;
static void on_usr1(int sig) {
    (void)sig;
    handler_sp = (uintptr_t)__builtin_frame_address(0);
}

int main(int argc, char **argv) {
    char **envp = argv + argc + 1;
    int nenv = 0;
    while (envp[nenv])
        nenv++;
    auxv = (Elf64_auxv_t *)(envp + nenv + 1);
    while (auxv[nauxv].a_type != AT_NULL && nauxv < 200)
        nauxv++;
    if (argc == 2 && strcmp(argv[1], "ids") == 0)
        return child_ids();

    /* Where things are. */
    CHECK(((uintptr_t)argv - 8) % 16 == 0 && *(long *)((char *)argv - 8) == argc,
          "argc sits at a 16-byte aligned address right below argv", "argc slot %#lx", (unsigned long)((uintptr_t)argv - 8) % 16);
    int same = nauxv > 0;
    for (int i = 0; i < nauxv; i++) {
        unsigned long t = auxv[i].a_type;
        /* glibc rewrites its copies of HWCAP, HWCAP2 and MINSIGSTKSZ */
        if (t == AT_PHDR || t == AT_PHNUM || t == AT_ENTRY || t == AT_PAGESZ || t == AT_UID || t == AT_RANDOM ||
            t == AT_EXECFN || t == AT_SYSINFO_EHDR)
            same = same && getauxval(t) == auxv[i].a_un.a_val;
    }
    CHECK(same && getauxval(AT_PAGESZ) == 4096, "the auxv follows envp's NULL and agrees with getauxval",
          "entries %d", nauxv);
    int dup = 0;
    for (int i = 0; i < nauxv; i++)
        for (int j = i + 1; j < nauxv; j++)
            dup += auxv[i].a_type == auxv[j].a_type;
    CHECK(dup == 0, "each auxv entry appears once", "%d duplicates", dup);

    /* Linux's order (create_elf_tables with x86's ARCH_DLINFO first). */
    static const unsigned long order[] = {AT_SYSINFO_EHDR, AT_MINSIGSTKSZ, AT_HWCAP, AT_PAGESZ, AT_CLKTCK,
                                          AT_PHDR,         AT_PHENT,       AT_PHNUM, AT_BASE,   AT_FLAGS,
                                          AT_ENTRY,        AT_UID,         AT_EUID,  AT_GID,    AT_EGID,
                                          AT_SECURE,       AT_RANDOM,      AT_HWCAP2, AT_EXECFN, AT_PLATFORM};
    const int norder = sizeof order / sizeof order[0];
    int next = 0, in_order = 1;
    for (int i = 0; i < nauxv; i++) {
        int k = -1;
        for (int j = 0; j < norder; j++)
            if (order[j] == auxv[i].a_type)
                k = j;
        if (k < 0)
            continue; /* AT_RSEQ_* and the like: kernel options */
        if (k != next)
            in_order = 0;
        next = k + 1;
    }
    CHECK(in_order && next == norder, "auxv holds SYSINFO_EHDR..PLATFORM, all present, in Linux's order",
          "stopped at %d of %d", next, norder);

    /* Program headers and entry. */
    const Elf64_Ehdr *eh = &__ehdr_start;
    CHECK(aux(AT_PHDR, NULL) == (unsigned long)eh + eh->e_phoff, "AT_PHDR points at the loaded program headers",
          "phoff %lu", (unsigned long)eh->e_phoff);
    CHECK(aux(AT_PHENT, NULL) == sizeof(Elf64_Phdr) && aux(AT_PHNUM, NULL) == eh->e_phnum,
          "AT_PHENT is 56 and AT_PHNUM is e_phnum", "phent %lu phnum %lu", aux(AT_PHENT, NULL), aux(AT_PHNUM, NULL));
    const Elf64_Phdr *ph = (const Elf64_Phdr *)aux(AT_PHDR, NULL);
    int loads = 0, covers_entry = 0;
    for (int i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD) {
            loads++;
            if ((ph[i].p_flags & PF_X) && eh->e_entry >= ph[i].p_vaddr && eh->e_entry < ph[i].p_vaddr + ph[i].p_memsz)
                covers_entry = 1;
        }
    CHECK(loads > 0 && covers_entry, "the program headers read through AT_PHDR describe this image",
          "loads %d entry %d", loads, covers_entry);
    CHECK(aux(AT_ENTRY, NULL) == eh->e_entry && aux(AT_ENTRY, NULL) == (unsigned long)_start,
          "AT_ENTRY is e_entry, the address of _start", "differs");
    int found;
    CHECK(aux(AT_BASE, &found) == 0 && found && aux(AT_FLAGS, NULL) == 0,
          "AT_BASE is 0 without an interpreter, AT_FLAGS 0", "base found %d", found);
    CHECK(aux(AT_PAGESZ, NULL) == 4096 && aux(AT_CLKTCK, NULL) == 100, "AT_PAGESZ 4096 and AT_CLKTCK 100",
          "pagesz %lu clktck %lu", aux(AT_PAGESZ, NULL), aux(AT_CLKTCK, NULL));
    CHECK(aux(AT_UID, NULL) == getuid() && aux(AT_EUID, NULL) == geteuid() && aux(AT_GID, NULL) == getgid() &&
              aux(AT_EGID, NULL) == getegid() && aux(AT_SECURE, &found) == 0 && found,
          "AT_UID/EUID/GID/EGID are the ids, AT_SECURE 0", "differs");

    /* Strings: argv strings packed in order, envp strings after them, the
     * executable's name after those, then 8 zero bytes and the top. */
    int packed = 1;
    for (int i = 0; i + 1 < argc; i++)
        packed = packed && argv[i + 1] == argv[i] + strlen(argv[i]) + 1;
    char *after_args = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
    if (nenv > 0) {
        packed = packed && envp[0] == after_args;
        for (int i = 0; i + 1 < nenv; i++)
            packed = packed && envp[i + 1] == envp[i] + strlen(envp[i]) + 1;
    }
    CHECK(packed, "argv strings then envp strings are packed in order", "gaps");
    char *execfn = (char *)aux(AT_EXECFN, NULL);
    char *after_env = nenv > 0 ? envp[nenv - 1] + strlen(envp[nenv - 1]) + 1 : after_args;
    char *execfn_end = execfn + strlen(execfn) + 1;
    CHECK(execfn == after_env && strcmp(execfn, argv[0]) == 0,
          "AT_EXECFN is the next string, the path that was executed", "execfn ok %d", execfn == after_env);
    CHECK(*(uint64_t *)execfn_end == 0 && ((uintptr_t)execfn_end + 8) % 4096 == 0,
          "after AT_EXECFN come 8 zero bytes and the page-aligned top of the stack", "top off %lu",
          (unsigned long)(((uintptr_t)execfn_end + 8) % 4096));
    char *plat = (char *)aux(AT_PLATFORM, NULL);
    unsigned char *rnd = (unsigned char *)aux(AT_RANDOM, NULL);
    CHECK(plat && strcmp(plat, "x86_64") == 0 && plat + 7 <= argv[0], "AT_PLATFORM is \"x86_64\", below the strings",
          "plat %s", plat ? plat : "(none)");
    int nonzero = 0;
    for (int i = 0; rnd && i < 16; i++)
        nonzero |= rnd[i];
    CHECK(rnd && (char *)rnd + 16 <= plat && (char *)rnd > (char *)(auxv + nauxv) && nonzero,
          "AT_RANDOM names 16 bytes between the auxv and the platform string", "rnd %d", rnd != NULL);

    /* The CPU. */
    unsigned a, b, c, d;
    __cpuid(1, a, b, c, d);
    CHECK(aux(AT_HWCAP, NULL) == d, "AT_HWCAP is CPUID leaf 1 EDX", "hwcap %#lx edx %#x", aux(AT_HWCAP, NULL), d);
    int fsgs = rdfsbase_works();
    CHECK(((aux(AT_HWCAP2, &found) >> 1) & 1) == (unsigned long)fsgs && found,
          "AT_HWCAP2 has HWCAP2_FSGSBASE exactly when rdfsbase works in user mode", "hwcap2 %#lx rdfsbase %d",
          aux(AT_HWCAP2, NULL), fsgs);

    /* AT_MINSIGSTKSZ: a signal frame fits in that much alternate stack. */
    unsigned long minsig = aux(AT_MINSIGSTKSZ, &found);
    unsigned xa = 0, xb = 0, xc = 0, xd = 0;
    __cpuid_count(0xd, 0, xa, xb, xc, xd);
    CHECK(found && minsig % 16 == 0 && minsig >= xb + 440, "AT_MINSIGSTKSZ covers the XSAVE area and the frame",
          "minsig %lu xsave %u", minsig, xb);
    size_t guard = 16384;
    unsigned char *area = mmap(NULL, guard + minsig + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(area, 0xa5, guard + minsig + 4096);
    stack_t ss = {.ss_sp = area + guard, .ss_size = minsig < 2048 ? 2048 : minsig, .ss_flags = 0};
    int r = sigaltstack(&ss, NULL);
    t_handle(SIGUSR1, on_usr1, SA_ONSTACK);
    raise(SIGUSR1);
    int below = 0;
    for (size_t i = 0; i < guard; i++)
        below += area[i] != 0xa5;
    CHECK(r == 0 && handler_sp > (uintptr_t)(area + guard) && handler_sp < (uintptr_t)(area + guard + minsig) &&
              below == 0,
          "a handler runs on a sigaltstack of AT_MINSIGSTKSZ bytes without writing below it", "r %d %zu bytes below",
          r, (size_t)below);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);

    /* AT_UID/EUID/GID/EGID and AT_SECURE after an id change and exec. */
    pid_t pid = fork();
    if (pid == 0) {
        if (setresgid(3, 4, 4) != 0 || setresuid(1, 2, 2) != 0)
            _exit(100);
        char *a2[] = {argv[0], "ids", NULL};
        execve(argv[0], a2, envp);
        _exit(101);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "after setresuid(1,2,2)/setresgid(3,4,4) and exec: AT_UID 1, EUID 2, GID 3, EGID 4, AT_SECURE 1",
          "status %#x", st);

    return t_done("elf_auxv");
}
