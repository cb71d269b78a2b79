/* The umask on every creating call: open/openat/creat, mkdir/mkdirat,
 * mknod of FIFOs, regular files and devices, O_TMPFILE; symlink, link,
 * rename and chmod ignore it; set-id bits are not masked (mkdir drops
 * them itself); umask keeps only 0777 and returns the old value; it is
 * shared by threads (CLONE_FS) and copied by fork. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_umask.d"

static long sumask(long m) { return syscall(SYS_umask, m); }
static unsigned mode_of(const char *p) {
    struct stat st;
    return lstat(p, &st) == 0 ? st.st_mode : 0;
}
static unsigned perm_of(const char *p) { return mode_of(p) & 07777; }
static void *thread_sets_umask(void *arg) {
    (void)arg;
    sumask(0234);
    return NULL;
}

int main(void) {
    long r;
    if (t_fresh_dir(D) != 0)
        return 1;

    sumask(027);
    close(t_open("open", O_WRONLY | O_CREAT, 0777));
    close(syscall(SYS_openat, AT_FDCWD, "openat", O_WRONLY | O_CREAT, 0666));
    close(syscall(SYS_creat, "creat", 0777));
    CHECK(perm_of("open") == 0750 && perm_of("openat") == 0640 && perm_of("creat") == 0750,
          "open, openat and creat apply the umask", "%o %o %o", perm_of("open"), perm_of("openat"), perm_of("creat"));
    mkdir("mkdir", 0777);
    syscall(SYS_mkdirat, AT_FDCWD, "mkdirat", 0707);
    CHECK(perm_of("mkdir") == 0750 && perm_of("mkdirat") == 0700, "mkdir and mkdirat apply the umask", "%o %o",
          perm_of("mkdir"), perm_of("mkdirat"));
    mknod("fifo", S_IFIFO | 0666, 0);
    mknod("reg", S_IFREG | 0777, 0);
    mknod("chr", S_IFCHR | 0666, makedev(1, 3));
    mknod("zero", 0666, 0);
    CHECK(perm_of("fifo") == 0640 && perm_of("reg") == 0750 && perm_of("chr") == 0640 && perm_of("zero") == 0640 &&
              S_ISREG(mode_of("zero")) && S_ISCHR(mode_of("chr")),
          "mknod of a FIFO, a regular file (also type 0) and a device applies the umask", "%o %o %o %o",
          perm_of("fifo"), perm_of("reg"), perm_of("chr"), perm_of("zero"));
    int fd = t_open(".", O_TMPFILE | O_RDWR, 0666);
    struct stat st;
    fstat(fd, &st);
    CHECK(fd >= 0 && (st.st_mode & 07777) == 0640, "O_TMPFILE applies the umask", "fd %d mode %o", fd, st.st_mode);
    close(fd);
    symlink("open", "sym");
    CHECK(perm_of("sym") == 0777, "symlink ignores the umask (always 0777)", "%o", perm_of("sym"));
    link("openat", "hard");
    rename("creat", "renamed");
    CHECK(perm_of("hard") == 0640 && perm_of("renamed") == 0750, "link and rename keep the file's mode", "%o %o",
          perm_of("hard"), perm_of("renamed"));
    chmod("open", 0777);
    CHECK(perm_of("open") == 0777, "chmod ignores the umask", "%o", perm_of("open"));
    close(t_open("open", O_WRONLY | O_CREAT, 0600));
    CHECK(perm_of("open") == 0777, "O_CREAT of an existing file leaves its mode alone", "%o", perm_of("open"));

    /* set-id and sticky bits */
    sumask(07777 & 0777);
    close(t_open("suid", O_WRONLY | O_CREAT, 07777));
    mkdir("sdir", 07777);
    CHECK(perm_of("suid") == 07000 && perm_of("sdir") == 01000,
          "a umask of 0777 leaves set-id and sticky bits; mkdir keeps only the sticky bit", "%o %o", perm_of("suid"),
          perm_of("sdir"));
    sumask(022);
    mkdir("sdir2", 07777);
    close(t_open("zeromode", O_WRONLY | O_CREAT | O_EXCL, 0));
    CHECK(perm_of("sdir2") == 01755 && perm_of("zeromode") == 0, "mkdir(07777) with umask 022 is 01755; mode 0 stays 0",
          "%o %o", perm_of("sdir2"), perm_of("zeromode"));

    /* the value itself */
    r = sumask(0xffff);
    long r2 = sumask(0);
    long r3 = sumask(022);
    CHECK(r == 022 && r2 == 0777 && r3 == 0, "umask returns the old mask and keeps only the 0777 bits",
          "%#lo %#lo %#lo", r, r2, r3);
    pthread_t t;
    pthread_create(&t, NULL, thread_sets_umask, NULL);
    pthread_join(t, NULL);
    r = sumask(022);
    CHECK(r == 0234, "threads share the umask", "%#lo", r);
    sumask(011);
    pid_t pid = fork();
    if (pid == 0) {
        long inherited = sumask(0777);
        _exit(inherited == 011 ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    r = sumask(022);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && r == 011,
          "fork copies the umask; the child's change stays in the child", "status %#x mask %#lo", status, r);

    chdir("/");
    t_rm_rf(D);
    return t_done("fs_umask");
}
