/* Names are bytes: Linux takes any byte but NUL (and '/' between
 * components), so names that are not UTF-8 (bytes 0x80-0xff alone,
 * truncated and overlong sequences, surrogates, Latin-1) work with every
 * naming call: open/creat, stat, rename, link, symlink (with a non-UTF-8
 * target that readlink returns unchanged and that resolves), unlink,
 * mkdir, rmdir, chdir, getcwd, getdents64; names are never normalised
 * (precomposed, decomposed and Latin-1 e-acute are three files), and a
 * 254-byte name holding every byte from 0x01 to 0xff but '/' works. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "../t.h"

#define D "/tmp/fs_bytes_names.d"

static const char *names[] = {
    "\x80",                 /* a lone continuation byte */
    "\xff",                 /* never valid in UTF-8 */
    "\xc3\x28",             /* a lead byte without its continuation */
    "\xe2\x82",             /* a truncated three-byte sequence */
    "\xed\xa0\x80",         /* an encoded surrogate */
    "\xc0\xaf",             /* an overlong '/' */
    "a\xfe\xfd" "b",        /* invalid bytes in the middle */
    "caf\xe9",              /* Latin-1 */
    "\xf8\x88\x80\x80\x80", /* a five-byte form */
};
#define NNAMES (int)(sizeof names / sizeof names[0])

static long sopen(const char *p, long flags, long mode) { return syscall(SYS_open, p, flags, mode); }

/* getdents64 of `dir`: how many of want[] appear exactly once, and how many
 * other entries (besides . and ..) there are. */
struct lde {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};
static void list(const char *dir, const char **want, int n, int *found, int *others) {
    static char buf[16384];
    int seen[64] = {0};
    *found = *others = 0;
    int fd = sopen(dir, O_RDONLY | O_DIRECTORY, 0);
    long got;
    while (fd >= 0 && (got = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        for (long pos = 0; pos < got;) {
            struct lde *e = (struct lde *)(buf + pos);
            int hit = 0;
            for (int i = 0; i < n; i++)
                if (strcmp(e->name, want[i]) == 0) {
                    seen[i]++;
                    hit = 1;
                }
            if (!hit && strcmp(e->name, ".") && strcmp(e->name, ".."))
                (*others)++;
            pos += e->reclen;
        }
    }
    close(fd);
    for (int i = 0; i < n; i++)
        *found += seen[i] == 1;
}

static int read_all(const char *path, char *buf, int cap) {
    int fd = sopen(path, O_RDONLY, 0);
    if (fd < 0)
        return -1;
    int n = read(fd, buf, cap);
    close(fd);
    return n;
}

int main(void) {
    struct stat st, st2;
    char buf[512];
    int found, others, n, ok;
    mkdir("/tmp", 0777);
    mkdir(D, 0755);
    CHECK(chdir(D) == 0, "a fresh directory under /tmp", "errno %d", errno);

    /* Create each name with its own bytes as content. */
    ok = 0;
    for (int i = 0; i < NNAMES; i++) {
        int fd = sopen(names[i], O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0 && write(fd, names[i], strlen(names[i])) == (long)strlen(names[i]))
            ok++;
        close(fd);
    }
    CHECK(ok == NNAMES, "open(O_CREAT|O_EXCL) creates every non-UTF-8 name", "%d of %d", ok, NNAMES);
    ok = 0;
    for (int i = 0; i < NNAMES; i++)
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && st.st_size == (off_t)strlen(names[i]))
            ok++;
    CHECK(ok == NNAMES, "stat finds each by its bytes", "%d of %d", ok, NNAMES);
    ok = 0;
    for (int i = 0; i < NNAMES; i++)
        if ((n = read_all(names[i], buf, sizeof buf)) == (int)strlen(names[i]) && !memcmp(buf, names[i], n))
            ok++;
    CHECK(ok == NNAMES, "each opens to its own file (no two names fold together)", "%d of %d", ok, NNAMES);
    list(".", names, NNAMES, &found, &others);
    CHECK(found == NNAMES && others == 0, "getdents64 lists the exact bytes of every name", "found %d others %d", found,
          others);
    char abs[256];
    snprintf(abs, sizeof abs, D "/%s", names[1]);
    CHECK(stat(abs, &st) == 0 && S_ISREG(st.st_mode), "an absolute path with a non-UTF-8 last component resolves",
          "errno %d", errno);

    /* No normalisation: three spellings of e-acute are three names. */
    const char *e3[] = {"\xc3\xa9", "e\xcc\x81", "\xe9"};
    ok = 0;
    for (int i = 0; i < 3; i++)
        ok += sopen(e3[i], O_WRONLY | O_CREAT | O_EXCL, 0644) >= 0;
    list(".", e3, 3, &found, &others);
    CHECK(ok == 3 && found == 3, "precomposed, decomposed and Latin-1 e-acute are three distinct files", "created %d listed %d",
          ok, found);
    for (int i = 0; i < 3; i++)
        unlink(e3[i]);

    /* rename between non-UTF-8 names. */
    stat(names[0], &st);
    int r1 = rename(names[0], "\x80\x81renamed\xff");
    int gone = stat(names[0], &st2) == -1 && errno == ENOENT;
    CHECK(r1 == 0 && gone && stat("\x80\x81renamed\xff", &st2) == 0 && st2.st_ino == st.st_ino,
          "rename to and from non-UTF-8 names keeps the inode", "ret %d errno %d", r1, errno);
    CHECK(rename("\x80\x81renamed\xff", names[0]) == 0 && stat(names[0], &st2) == 0, "and renames back", "errno %d",
          errno);

    /* Hard links. */
    r1 = link(names[1], "\xfe\xfflink");
    CHECK(r1 == 0 && stat("\xfe\xfflink", &st2) == 0 && stat(names[1], &st) == 0 && st.st_ino == st2.st_ino &&
              st.st_nlink == 2,
          "link makes a second non-UTF-8 name for the file", "ret %d errno %d nlink %lu", r1, errno,
          (unsigned long)st.st_nlink);
    CHECK(unlink("\xfe\xfflink") == 0 && stat(names[1], &st) == 0 && st.st_nlink == 1,
          "unlink of the link leaves the original", "errno %d nlink %lu", errno, (unsigned long)st.st_nlink);

    /* Symlinks: a non-UTF-8 name and target, readlink returns the same bytes. */
    const char *target = "caf\xe9";
    r1 = symlink(target, "\x9b\x9clink");
    long rl = readlink("\x9b\x9clink", buf, sizeof buf);
    CHECK(r1 == 0 && rl == (long)strlen(target) && !memcmp(buf, target, rl),
          "readlink returns the non-UTF-8 target byte for byte", "ret %d len %ld", r1, rl);
    CHECK(lstat("\x9b\x9clink", &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == (off_t)strlen(target),
          "lstat gives the target's length in bytes", "size %ld", (long)st.st_size);
    n = read_all("\x9b\x9clink", buf, sizeof buf);
    CHECK(n == (int)strlen(target) && !memcmp(buf, target, n), "opening the symlink reaches the non-UTF-8 target",
          "read %d errno %d", n, errno);
    const char *dangling = "\xff\xfe\xfd/\x80";
    r1 = symlink(dangling, "dangling");
    rl = readlink("dangling", buf, sizeof buf);
    CHECK(r1 == 0 && rl == (long)strlen(dangling) && !memcmp(buf, dangling, rl) && stat("dangling", &st) == -1 &&
              errno == ENOENT,
          "a dangling non-UTF-8 target is kept as given and is ENOENT when followed", "len %ld errno %d", rl, errno);
    unlink("dangling");
    unlink("\x9b\x9clink");

    /* Directories: mkdir, chdir, getcwd, a path through them, rmdir. */
    const char *dn = "\xe9t\xe9\xff";
    r1 = mkdir(dn, 0755);
    CHECK(r1 == 0 && stat(dn, &st) == 0 && S_ISDIR(st.st_mode), "mkdir with a non-UTF-8 name", "errno %d", errno);
    CHECK(chdir(dn) == 0, "chdir into it", "errno %d", errno);
    char cwd[512];
    char want[512];
    snprintf(want, sizeof want, D "/%s", dn);
    long cl = syscall(SYS_getcwd, cwd, sizeof cwd);
    CHECK(cl == (long)strlen(want) + 1 && strcmp(cwd, want) == 0, "getcwd returns the non-UTF-8 path byte for byte",
          "len %ld", cl);
    r1 = mkdir("\x80sub", 0755);
    int fd = sopen("\x80sub/\xc3\x28", O_WRONLY | O_CREAT, 0644);
    close(fd);
    chdir("..");
    char deep[512];
    snprintf(deep, sizeof deep, "%s/\x80sub/\xc3\x28", dn);
    CHECK(r1 == 0 && fd >= 0 && stat(deep, &st) == 0 && S_ISREG(st.st_mode),
          "a path through two non-UTF-8 directories resolves", "errno %d", errno);
    const char *dot_names[] = {"\x80sub"};
    char sub[512];
    list(dn, dot_names, 1, &found, &others);
    CHECK(found == 1 && others == 0, "getdents64 of a non-UTF-8 directory", "found %d others %d", found, others);
    /* A symlink to the directory, followed in the middle of a path. */
    symlink(dn, "\xa0\xa1");
    CHECK(stat("\xa0\xa1/\x80sub/\xc3\x28", &st) == 0, "a non-UTF-8 symlink to it works in the middle of a path",
          "errno %d", errno);
    unlink("\xa0\xa1");
    snprintf(sub, sizeof sub, "%s/\x80sub", dn);
    CHECK(unlink(deep) == 0 && rmdir(sub) == 0 && rmdir(dn) == 0 && stat(dn, &st) == -1 && errno == ENOENT,
          "unlink and rmdir remove them", "errno %d", errno);

    /* A name of every byte but NUL and '/' (254 bytes). */
    char every[256];
    int k = 0;
    for (int b = 1; b < 256; b++)
        if (b != '/')
            every[k++] = (char)b;
    every[k] = 0;
    fd = sopen(every, O_WRONLY | O_CREAT | O_EXCL, 0644);
    close(fd);
    const char *ev[] = {every};
    list(".", ev, 1, &found, &others);
    CHECK(k == 254 && fd >= 0 && stat(every, &st) == 0 && found == 1,
          "a 254-byte name of every byte but NUL and '/' is created, found and listed", "fd %d errno %d found %d", fd,
          errno, found);
    CHECK(unlink(every) == 0, "and unlinked", "errno %d", errno);

    /* '/' still separates: a file's name followed by '/' is ENOTDIR. */
    char slash[16];
    snprintf(slash, sizeof slash, "%s/x", names[1]);
    CHECK(sopen(slash, O_RDONLY, 0) == -1 && errno == ENOTDIR, "a non-UTF-8 file name followed by '/' is ENOTDIR",
          "errno %d", errno);

    ok = 0;
    for (int i = 0; i < NNAMES; i++)
        ok += unlink(names[i]) == 0;
    list(".", names, NNAMES, &found, &others);
    CHECK(ok == NNAMES && found == 0 && others == 0, "unlink removes every name; the directory is empty",
          "unlinked %d found %d others %d", ok, found, others);
    chdir("/");
    CHECK(rmdir(D) == 0, "the test directory is removed", "errno %d", errno);
    return t_done("fs_bytes_names");
}
