/* O_APPEND: every write of every writer lands at the end, whether the
 * writers have their own opens or share one description, concurrently;
 * writev appends its iovecs contiguously; reads still use the position;
 * F_SETFL can drop O_APPEND; the end is the file size after ftruncate and
 * after a KEEP_SIZE fallocate; without O_APPEND two opens overwrite. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/uio.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fd_append.d"
#define WRITERS 4
#define RECS 200
#define RECLEN 50

static char all[WRITERS * RECS * RECLEN + 1];

/* WRITERS children append RECS records each, through their own opens
 * (shared < 0) or the description `shared`; returns whether every record
 * is whole and each writer's count is RECS. */
static int appenders(const char *name, int shared) {
    int fd = t_open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
    for (int w = 0; w < WRITERS; w++) {
        if (fork() == 0) {
            int f = shared >= 0 ? shared : t_open(name, O_WRONLY | O_APPEND, 0);
            char rec[RECLEN];
            memset(rec, 'a' + w, sizeof rec);
            rec[RECLEN - 1] = '\n';
            for (int i = 0; i < RECS; i++)
                if (write(f, rec, RECLEN) != RECLEN)
                    _exit(1);
            _exit(0);
        }
    }
    int ok = 1;
    for (int w = 0; w < WRITERS; w++) {
        int st = -1;
        wait(&st);
        ok &= st == 0;
    }
    long n = pread(fd, all, sizeof all, 0);
    int count[WRITERS] = {0};
    if (n != (long)sizeof all - 1)
        ok = 0;
    for (long i = 0; ok && i + RECLEN <= n; i += RECLEN) {
        int w = all[i] - 'a';
        if (w < 0 || w >= WRITERS || all[i + RECLEN - 1] != '\n') {
            ok = 0;
            break;
        }
        for (int j = 1; j < RECLEN - 1; j++)
            if (all[i + j] != all[i])
                ok = 0;
        count[w]++;
    }
    for (int w = 0; w < WRITERS; w++)
        ok &= count[w] == RECS;
    close(fd);
    return ok;
}

int main(void) {
    long r, r2;
    char buf[64];
    alarm(30);
    if (t_fresh_dir(D) != 0)
        return 1;
    CHECK(appenders("own", -1), "four processes with their own O_APPEND opens never overwrite each other",
          "records torn or lost");
    int sh = t_open("shared", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    CHECK(appenders("shared", sh), "four processes sharing one O_APPEND description never overwrite each other",
          "records torn or lost");
    close(sh);

    int a = t_open("f", O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
    int b = t_open("f", O_RDWR | O_APPEND, 0);
    write(a, "aaaa", 4);
    write(b, "bb", 2);
    r = write(a, "c", 1);
    memset(buf, 0, sizeof buf);
    pread(a, buf, sizeof buf, 0);
    CHECK(r == 1 && strcmp(buf, "aaaabbc") == 0 && lseek(a, 0, SEEK_CUR) == 7 && lseek(b, 0, SEEK_CUR) == 6,
          "two O_APPEND opens each write at the current end", "'%s' %ld %ld", buf, (long)lseek(a, 0, SEEK_CUR),
          (long)lseek(b, 0, SEEK_CUR));
    struct iovec v[3] = {{"1", 1}, {"22", 2}, {"333", 3}};
    lseek(b, 0, SEEK_SET);
    r = writev(b, v, 3);
    memset(buf, 0, sizeof buf);
    pread(a, buf, sizeof buf, 0);
    CHECK(r == 6 && strcmp(buf, "aaaabbc122333") == 0, "writev on O_APPEND puts its iovecs together at the end",
          "%ld '%s'", r, buf);
    lseek(a, 2, SEEK_SET);
    memset(buf, 0, sizeof buf);
    r = read(a, buf, 3);
    CHECK(r == 3 && strcmp(buf, "aab") == 0, "reads on an O_APPEND fd use the position", "%ld '%s'", r, buf);
    fcntl(a, F_SETFL, 0);
    lseek(a, 0, SEEK_SET);
    write(a, "X", 1);
    memset(buf, 0, sizeof buf);
    pread(a, buf, sizeof buf, 0);
    CHECK(buf[0] == 'X' && t_fsize(a) == 13, "after F_SETFL drops O_APPEND writes use the position again", "'%s'", buf);
    ftruncate(a, 3);
    r = write(b, "T", 1);
    memset(buf, 0, sizeof buf);
    pread(a, buf, sizeof buf, 0);
    CHECK(r == 1 && strcmp(buf, "XaaT") == 0 && lseek(b, 0, SEEK_CUR) == 4,
          "after ftruncate shrinks the file O_APPEND writes at the new end", "'%s'", buf);
    r = fallocate(a, FALLOC_FL_KEEP_SIZE, 0, 65536);
    r2 = write(b, "K", 1);
    CHECK(r == 0 && r2 == 1 && t_fsize(a) == 5, "after a KEEP_SIZE fallocate the end is still the size", "%ld %ld %ld",
          r, r2, t_fsize(a));
    lseek(b, 1000, SEEK_SET);
    r = write(b, "E", 1);
    CHECK(r == 1 && t_fsize(a) == 6 && lseek(b, 0, SEEK_CUR) == 6,
          "after lseek past EOF an O_APPEND write still lands at the end (no hole)", "%ld %ld", r, t_fsize(a));
    close(a);
    close(b);

    a = t_open("g", O_RDWR | O_CREAT | O_TRUNC, 0644);
    b = t_open("g", O_RDWR, 0);
    write(a, "first", 5);
    write(b, "SEC", 3);
    memset(buf, 0, sizeof buf);
    pread(a, buf, sizeof buf, 0);
    CHECK(strcmp(buf, "SECst") == 0, "without O_APPEND two opens write at their own positions", "'%s'", buf);
    close(a);
    close(b);
    chdir("/");
    t_rm_rf(D);
    return t_done("fd_append");
}
