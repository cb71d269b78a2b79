/* The ELF loader on executables this program writes itself: a minimal
 * ET_EXEC at a fixed address, a static PIE (ET_DYN without PT_INTERP)
 * whose auxv (AT_BASE 0, AT_ENTRY, AT_PHDR, AT_PHNUM) and 16-byte aligned
 * entry stack it checks in machine code, a data segment whose p_memsz
 * exceeds p_filesz (the rest of the last file page and the bss pages are
 * zero, whatever the file holds there), segment rights (writing the text
 * or jumping into data is SIGSEGV), a PT_INTERP interpreter that gets
 * AT_BASE and jumps to the program's AT_ENTRY, and execve's errors
 * (ENOEXEC, ENOENT and ELIBBAD for the interpreter, EACCES). The payloads
 * are position-independent x86-64 code; their assembly is shown above
 * each array. */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "../t.h"

#define D "/tmp/elf_load.d"

/* exec_argc:
 * mov eax, dword ptr [0x400000]
 * cmp eax, 0x464c457f
 * jne 1f
 * mov edi, dword ptr [rsp]
 * mov eax, 60
 * syscall
 * 1:  mov edi, 99
 * mov eax, 60
 * syscall */
static const unsigned char exec_argc_code[] = {
    0x8b, 0x04, 0x25, 0x00, 0x00, 0x40, 0x00, 0x3d, 0x7f, 0x45, 0x4c, 0x46, 0x75, 0x0a, 0x8b, 0x3c, 0x24,
    0xb8, 0x3c, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xbf, 0x63, 0x00, 0x00, 0x00, 0xb8, 0x3c, 0x00, 0x00, 0x00,
    0x0f, 0x05};

/* aux:
 * lea r12, [rip + aux]
 * mov rbx, rsp
 * xor edi, edi
 * test rbx, 15
 * jz 0f
 * or edi, 8
 * 0:  mov rcx, [rbx]
 * lea rsi, [rbx + rcx*8 + 16]
 * 1:  mov rax, [rsi]
 * add rsi, 8
 * test rax, rax
 * jnz 1b
 * 2:  mov rax, [rsi]
 * mov rdx, [rsi + 8]
 * add rsi, 16
 * test rax, rax
 * jz 9f
 * cmp rax, 7
 * jne 3f
 * test rdx, rdx
 * jz 2b
 * or edi, 1
 * jmp 2b
 * 3:  cmp rax, 9
 * jne 4f
 * cmp rdx, r12
 * je 2b
 * or edi, 2
 * jmp 2b
 * 4:  cmp rax, 3
 * jne 5f
 * mov r8, r12
 * and r8, -4096
 * add r8, 64
 * cmp rdx, r8
 * je 2b
 * or edi, 4
 * jmp 2b
 * 5:  cmp rax, 5
 * jne 2b
 * cmp rdx, 1
 * je 2b
 * or edi, 16
 * jmp 2b
 * 9:  mov eax, 60
 * syscall */
static const unsigned char aux_code[] = {
    0x4c, 0x8d, 0x25, 0xf9, 0xff, 0xff, 0xff, 0x48, 0x89, 0xe3, 0x31, 0xff, 0x48, 0xf7, 0xc3, 0x0f, 0x00,
    0x00, 0x00, 0x74, 0x03, 0x83, 0xcf, 0x08, 0x48, 0x8b, 0x0b, 0x48, 0x8d, 0x74, 0xcb, 0x10, 0x48, 0x8b,
    0x06, 0x48, 0x83, 0xc6, 0x08, 0x48, 0x85, 0xc0, 0x75, 0xf4, 0x48, 0x8b, 0x06, 0x48, 0x8b, 0x56, 0x08,
    0x48, 0x83, 0xc6, 0x10, 0x48, 0x85, 0xc0, 0x74, 0x4f, 0x48, 0x83, 0xf8, 0x07, 0x75, 0x0a, 0x48, 0x85,
    0xd2, 0x74, 0xe5, 0x83, 0xcf, 0x01, 0xeb, 0xe0, 0x48, 0x83, 0xf8, 0x09, 0x75, 0x0a, 0x4c, 0x39, 0xe2,
    0x74, 0xd5, 0x83, 0xcf, 0x02, 0xeb, 0xd0, 0x48, 0x83, 0xf8, 0x03, 0x75, 0x18, 0x4d, 0x89, 0xe0, 0x49,
    0x81, 0xe0, 0x00, 0xf0, 0xff, 0xff, 0x49, 0x83, 0xc0, 0x40, 0x4c, 0x39, 0xc2, 0x74, 0xb7, 0x83, 0xcf,
    0x04, 0xeb, 0xb2, 0x48, 0x83, 0xf8, 0x05, 0x75, 0xac, 0x48, 0x83, 0xfa, 0x01, 0x74, 0xa6, 0x83, 0xcf,
    0x10, 0xeb, 0xa1, 0xb8, 0x3c, 0x00, 0x00, 0x00, 0x0f, 0x05};

/* bss:
 * lea r12, [rip + bss]
 * and r12, -4096
 * lea rsi, [r12 + 0x1000]
 * xor edi, edi
 * xor ecx, ecx
 * 1:  cmp byte ptr [rsi + rcx], 0x11
 * je 2f
 * or edi, 1
 * 2:  inc ecx
 * cmp ecx, 0x100
 * jb 1b
 * 3:  cmp byte ptr [rsi + rcx], 0
 * je 4f
 * or edi, 2
 * 4:  inc ecx
 * cmp ecx, 0x3000
 * jb 3b
 * mov byte ptr [rsi + 0x2fff], 7
 * cmp byte ptr [rsi + 0x2fff], 7
 * je 5f
 * or edi, 4
 * 5:  mov eax, 60
 * syscall */
static const unsigned char bss_code[] = {
    0x4c, 0x8d, 0x25, 0xf9, 0xff, 0xff, 0xff, 0x49, 0x81, 0xe4, 0x00, 0xf0, 0xff, 0xff, 0x49, 0x8d, 0xb4,
    0x24, 0x00, 0x10, 0x00, 0x00, 0x31, 0xff, 0x31, 0xc9, 0x80, 0x3c, 0x0e, 0x11, 0x74, 0x03, 0x83, 0xcf,
    0x01, 0xff, 0xc1, 0x81, 0xf9, 0x00, 0x01, 0x00, 0x00, 0x72, 0xed, 0x80, 0x3c, 0x0e, 0x00, 0x74, 0x03,
    0x83, 0xcf, 0x02, 0xff, 0xc1, 0x81, 0xf9, 0x00, 0x30, 0x00, 0x00, 0x72, 0xed, 0xc6, 0x86, 0xff, 0x2f,
    0x00, 0x00, 0x07, 0x80, 0xbe, 0xff, 0x2f, 0x00, 0x00, 0x07, 0x74, 0x03, 0x83, 0xcf, 0x04, 0xb8, 0x3c,
    0x00, 0x00, 0x00, 0x0f, 0x05};

/* wtext:
 * lea rax, [rip + wtext]
 * mov byte ptr [rax], 0xcc
 * xor edi, edi
 * mov eax, 60
 * syscall */
static const unsigned char wtext_code[] = {
    0x48, 0x8d, 0x05, 0xf9, 0xff, 0xff, 0xff, 0xc6, 0x00, 0xcc, 0x31, 0xff, 0xb8, 0x3c, 0x00, 0x00, 0x00,
    0x0f, 0x05};

/* xdata:
 * lea rax, [rip + xdata]
 * and rax, -4096
 * add rax, 0x1000
 * jmp rax */
static const unsigned char xdata_code[] = {
    0x48, 0x8d, 0x05, 0xf9, 0xff, 0xff, 0xff, 0x48, 0x25, 0x00, 0xf0, 0xff, 0xff, 0x48, 0x05, 0x00, 0x10,
    0x00, 0x00, 0xff, 0xe0};

/* exit0:
 * xor edi, edi
 * mov eax, 60
 * syscall */
static const unsigned char exit0_code[] = {
    0x31, 0xff, 0xb8, 0x3c, 0x00, 0x00, 0x00, 0x0f, 0x05};

/* interp:
 * lea r12, [rip + interp]
 * and r12, -4096
 * mov rbx, rsp
 * mov rcx, [rbx]
 * lea rsi, [rbx + rcx*8 + 16]
 * 1:  mov rax, [rsi]
 * add rsi, 8
 * test rax, rax
 * jnz 1b
 * xor r13, r13
 * xor r14, r14
 * 2:  mov rax, [rsi]
 * mov rdx, [rsi + 8]
 * add rsi, 16
 * test rax, rax
 * jz 3f
 * cmp rax, 7
 * cmove r13, rdx
 * cmp rax, 9
 * cmove r14, rdx
 * jmp 2b
 * 3:  cmp r13, r12
 * je 4f
 * mov edi, 50
 * mov eax, 60
 * syscall
 * 4:  test r14, r14
 * jnz 5f
 * mov edi, 51
 * mov eax, 60
 * syscall
 * 5:  mov rsp, rbx
 * xor edx, edx
 * jmp r14 */
static const unsigned char interp_code[] = {
    0x4c, 0x8d, 0x25, 0xf9, 0xff, 0xff, 0xff, 0x49, 0x81, 0xe4, 0x00, 0xf0, 0xff, 0xff, 0x48, 0x89, 0xe3,
    0x48, 0x8b, 0x0b, 0x48, 0x8d, 0x74, 0xcb, 0x10, 0x48, 0x8b, 0x06, 0x48, 0x83, 0xc6, 0x08, 0x48, 0x85,
    0xc0, 0x75, 0xf4, 0x4d, 0x31, 0xed, 0x4d, 0x31, 0xf6, 0x48, 0x8b, 0x06, 0x48, 0x8b, 0x56, 0x08, 0x48,
    0x83, 0xc6, 0x10, 0x48, 0x85, 0xc0, 0x74, 0x12, 0x48, 0x83, 0xf8, 0x07, 0x4c, 0x0f, 0x44, 0xea, 0x48,
    0x83, 0xf8, 0x09, 0x4c, 0x0f, 0x44, 0xf2, 0xeb, 0xde, 0x4d, 0x39, 0xe5, 0x74, 0x0c, 0xbf, 0x32, 0x00,
    0x00, 0x00, 0xb8, 0x3c, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x4d, 0x85, 0xf6, 0x75, 0x0c, 0xbf, 0x33, 0x00,
    0x00, 0x00, 0xb8, 0x3c, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x89, 0xdc, 0x31, 0xd2, 0x41, 0xff, 0xe6};

enum data_kind { NO_DATA, BSS_DATA, CODE_DATA };
struct spec {
    int type;          /* ET_EXEC or ET_DYN */
    uint64_t base;     /* where segment 0 goes (0 for ET_DYN) */
    const unsigned char *code;
    size_t n;
    const char *interp;
    enum data_kind data;
    int machine, phentsize; /* 0: the right ones */
};

/* Writes an executable: [ehdr][phdrs][code][interp] in page 0 (R+X), and
 * optionally a data page at file offset and vaddr 0x1000 (R+W). */
static int build(const char *path, const struct spec *s, int mode) {
    static unsigned char img[0x2000];
    memset(img, 0, sizeof img);
    int nph = 1 + (s->interp != NULL) + (s->data != NO_DATA);
    size_t code_off = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr);
    size_t interp_off = code_off + s->n;
    size_t page0 = interp_off + (s->interp ? strlen(s->interp) + 1 : 0);
    memcpy(img + code_off, s->code, s->n);
    if (s->interp)
        strcpy((char *)img + interp_off, s->interp);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = s->type;
    eh->e_machine = s->machine ? s->machine : EM_X86_64;
    eh->e_version = EV_CURRENT;
    eh->e_entry = s->base + code_off;
    eh->e_phoff = sizeof(Elf64_Ehdr);
    eh->e_ehsize = sizeof(Elf64_Ehdr);
    eh->e_phentsize = s->phentsize ? s->phentsize : sizeof(Elf64_Phdr);
    eh->e_phnum = nph;
    Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr));
    int i = 0;
    if (s->interp) {
        ph[i] = (Elf64_Phdr){.p_type = PT_INTERP, .p_flags = PF_R, .p_offset = interp_off,
                             .p_vaddr = s->base + interp_off, .p_paddr = s->base + interp_off,
                             .p_filesz = strlen(s->interp) + 1, .p_memsz = strlen(s->interp) + 1, .p_align = 1};
        i++;
    }
    ph[i++] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0, .p_vaddr = s->base,
                           .p_paddr = s->base, .p_filesz = page0, .p_memsz = page0, .p_align = 0x1000};
    size_t size = page0;
    if (s->data != NO_DATA) {
        if (s->data == BSS_DATA) {
            memset(img + 0x1000, 0x11, 0x100);
            memset(img + 0x1100, 0xaa, 0xf00); /* beyond p_filesz: must not show */
        } else {
            memcpy(img + 0x1000, exit0_code, sizeof exit0_code);
        }
        ph[i++] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x1000,
                               .p_vaddr = s->base + 0x1000, .p_paddr = s->base + 0x1000, .p_filesz = 0x100,
                               .p_memsz = s->data == BSS_DATA ? 0x3000 : 0x1000, .p_align = 0x1000};
        size = 0x2000;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0)
        return -1;
    int ok = write(fd, img, size) == (ssize_t)size;
    fchmod(fd, mode);
    close(fd);
    return ok ? 0 : -1;
}
static int write_file(const char *path, const char *text, int mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    if (fd >= 0)
        close(fd);
    return ok ? 0 : -1;
}

/* Runs `path` with `argc` arguments; returns -errno if execve failed,
 * else the wait status. */
static int run(const char *path, int argc) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1000;
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[8] = {(char *)path, "a", "b", "c", "d", "e", "f", NULL};
        argv[argc] = NULL;
        char *envp[] = {"X=1", NULL};
        execve(path, argv, envp);
        int e = errno;
        write(p[1], &e, sizeof e);
        _exit(127);
    }
    close(p[1]);
    int e = 0;
    ssize_t got = read(p[0], &e, sizeof e);
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    return got == sizeof e ? -e : st;
}
#define EXITED(st, code) ((st) >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == (code))
#define KILLED(st, sig) ((st) >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == (sig))

int main(void) {
    umask(022);
    static const char *names[] = {"exec", "pie", "execaux", "bss", "wtext", "xdata", "interp", "withinterp",
                                  "machine", "phentsize", "rel", "short", "text", "nointerp", "badinterp",
                                  "textinterp", "noexec"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char p[64];
        snprintf(p, sizeof p, D "/%s", names[i]);
        unlink(p);
    }
    rmdir(D);
    mkdir(D, 0755);

    struct spec exec_s = {ET_EXEC, 0x400000, exec_argc_code, sizeof exec_argc_code, NULL, NO_DATA, 0, 0};
    build(D "/exec", &exec_s, 0755);
    int st = run(D "/exec", 3);
    CHECK(EXITED(st, 3), "an ET_EXEC loads at its p_vaddr and starts with argc at rsp", "status %#x", st);

    struct spec pie = {ET_DYN, 0, aux_code, sizeof aux_code, NULL, NO_DATA, 0, 0};
    build(D "/pie", &pie, 0755);
    st = run(D "/pie", 2);
    CHECK(st >= 0 && WIFEXITED(st) && !(WEXITSTATUS(st) & 1), "a static PIE gets AT_BASE 0", "status %#x", st);
    CHECK(st >= 0 && WIFEXITED(st) && !(WEXITSTATUS(st) & 6),
          "a static PIE's AT_ENTRY and AT_PHDR are where it was loaded", "status %#x", st);
    CHECK(EXITED(st, 0), "a static PIE starts with a 16-byte aligned rsp and AT_PHNUM right", "status %#x", st);
    struct spec execaux = {ET_EXEC, 0x400000, aux_code, sizeof aux_code, NULL, NO_DATA, 0, 0};
    build(D "/execaux", &execaux, 0755);
    st = run(D "/execaux", 1);
    CHECK(EXITED(st, 0), "an ET_EXEC gets the same auxv at its fixed address", "status %#x", st);

    struct spec bss = {ET_DYN, 0, bss_code, sizeof bss_code, NULL, BSS_DATA, 0, 0};
    build(D "/bss", &bss, 0755);
    st = run(D "/bss", 1);
    CHECK(st >= 0 && WIFEXITED(st) && !(WEXITSTATUS(st) & 1), "a data segment holds its p_filesz bytes",
          "status %#x", st);
    CHECK(st >= 0 && WIFEXITED(st) && !(WEXITSTATUS(st) & 2),
          "past p_filesz, the last file page and the bss pages read as zeros", "status %#x", st);
    CHECK(EXITED(st, 0), "the bss is writable", "status %#x", st);

    struct spec wt = {ET_DYN, 0, wtext_code, sizeof wtext_code, NULL, NO_DATA, 0, 0};
    build(D "/wtext", &wt, 0755);
    st = run(D "/wtext", 1);
    CHECK(KILLED(st, SIGSEGV), "writing a segment without PF_W is SIGSEGV", "status %#x", st);
    struct spec xd = {ET_DYN, 0, xdata_code, sizeof xdata_code, NULL, CODE_DATA, 0, 0};
    build(D "/xdata", &xd, 0755);
    st = run(D "/xdata", 1);
    CHECK(KILLED(st, SIGSEGV), "jumping into a segment without PF_X is SIGSEGV", "status %#x", st);

    struct spec in = {ET_DYN, 0, interp_code, sizeof interp_code, NULL, NO_DATA, 0, 0};
    build(D "/interp", &in, 0755);
    struct spec wi = {ET_EXEC, 0x400000, exec_argc_code, sizeof exec_argc_code, D "/interp", NO_DATA, 0, 0};
    build(D "/withinterp", &wi, 0755);
    st = run(D "/withinterp", 4);
    CHECK(EXITED(st, 4), "PT_INTERP: the interpreter runs with AT_BASE at its load address and enters AT_ENTRY",
          "status %#x", st);

    struct spec bad = exec_s;
    bad.machine = EM_386;
    build(D "/machine", &bad, 0755);
    bad = exec_s;
    bad.phentsize = 32;
    build(D "/phentsize", &bad, 0755);
    bad = exec_s;
    bad.type = ET_REL;
    build(D "/rel", &bad, 0755);
    write_file(D "/short", "\177ELF\2\1\1", 0755);
    write_file(D "/text", "echo this is not a program\n", 0755);
    int e1 = run(D "/machine", 1), e2 = run(D "/phentsize", 1), e3 = run(D "/rel", 1);
    CHECK(e1 == -ENOEXEC && e2 == -ENOEXEC && e3 == -ENOEXEC,
          "ENOEXEC for another machine, a wrong e_phentsize, or ET_REL", "%d %d %d", e1, e2, e3);
    e1 = run(D "/short", 1);
    e2 = run(D "/text", 1);
    CHECK(e1 == -ENOEXEC && e2 == -ENOEXEC, "ENOEXEC for a truncated header or a text file without #!", "%d %d", e1,
          e2);
    struct spec ni = wi;
    ni.interp = D "/missing";
    build(D "/nointerp", &ni, 0755);
    st = run(D "/nointerp", 1);
    CHECK(st == -ENOENT, "a missing interpreter is ENOENT", "result %d", st);
    /* Linux reads the interpreter's 64-byte header first: a shorter file
     * fails that read (EIO); a longer one that is not ELF is ELIBBAD. */
    write_file(D "/textinterp", "not an ELF file\n", 0755);
    ni.interp = D "/textinterp";
    build(D "/badinterp", &ni, 0755);
    int eshort = run(D "/badinterp", 1);
    write_file(D "/textinterp", "not an ELF file, but long enough to hold the 64 bytes of an ELF header....\n",
               0755);
    st = run(D "/badinterp", 1);
    CHECK(eshort == -EIO && st == -ELIBBAD,
          "an interpreter that is not ELF: EIO if shorter than an ELF header, else ELIBBAD", "%d %d", eshort, st);
    build(D "/noexec", &exec_s, 0644);
    st = run(D "/noexec", 1);
    CHECK(st == -EACCES, "a file without execute permission is EACCES", "result %d", st);

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char p[64];
        snprintf(p, sizeof p, D "/%s", names[i]);
        unlink(p);
    }
    rmdir(D);
    return t_done("elf_load");
}
