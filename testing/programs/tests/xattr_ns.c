/* Extended attributes by namespace and file type, and their lifetime:
 * trusted.* and security.* as root, trusted.* hidden from other users,
 * user.* refused on device nodes and FIFOs, l* calls on symlinks versus
 * the followed calls, attributes kept across rename and shared by hard
 * links, gone with the file; 255-byte names. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include "../t.h"

#define D "/tmp/xattr_ns.d"

static void cleanup(void) {
    const char *names[] = {"f", "g", "h", "ln", "chr", "fifo", "new", "dir", NULL};
    char p[128];
    for (int i = 0; names[i]; i++) {
        snprintf(p, sizeof p, D "/%s", names[i]);
        unlink(p);
        rmdir(p);
    }
    rmdir(D);
}

static int has(const char *list, long n, const char *name) {
    for (long i = 0; i < n; i += strlen(list + i) + 1)
        if (strcmp(list + i, name) == 0) return 1;
    return 0;
}

int main(void) {
    t_watchdog(30);
    umask(022);
    cleanup();
    mkdir(D, 0755);
    close(open(D "/f", O_CREAT | O_WRONLY, 0644));
    char buf[256], list[1024];

    int r = setxattr(D "/f", "trusted.t", "T1", 2, 0);
    long g = getxattr(D "/f", "trusted.t", buf, sizeof buf);
    CHECK(r == 0 && g == 2 && memcmp(buf, "T1", 2) == 0, "root sets and reads trusted.*", "%d %ld errno %d", r, g,
          errno);
    r = setxattr(D "/f", "security.s", "S1", 2, 0);
    g = getxattr(D "/f", "security.s", buf, sizeof buf);
    CHECK(r == 0 && g == 2, "root sets and reads security.*", "%d %ld errno %d", r, g, errno);
    setxattr(D "/f", "user.u", "U1", 2, 0);
    long n = listxattr(D "/f", list, sizeof list);
    CHECK(n > 0 && has(list, n, "trusted.t") && has(list, n, "security.s") && has(list, n, "user.u"),
          "listxattr shows all three namespaces to root", "n %ld", n);

    pid_t pid = fork();
    if (pid == 0) {
        if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)) _exit(9);
        char l[1024], b[16];
        long cn = listxattr(D "/f", l, sizeof l);
        int a = cn > 0 && !has(l, cn, "trusted.t") && has(l, cn, "user.u") && has(l, cn, "security.s");
        int bb = getxattr(D "/f", "trusted.t", b, sizeof b) == -1 && errno == ENODATA;
        int c = setxattr(D "/f", "trusted.x", "x", 1, 0) == -1 && errno == EPERM;
        _exit((a ? 0 : 1) | (bb ? 0 : 2) | (c ? 0 : 4));
    }
    int st = 0;
    waitpid(pid, &st, 0);
    int cs = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    CHECK((cs & 1) == 0 && cs != -1, "a non-root listxattr omits trusted.*", "child %d", cs);
    CHECK((cs & 2) == 0 && cs != -1, "a non-root getxattr of trusted.* is ENODATA", "child %d", cs);
    CHECK((cs & 4) == 0 && cs != -1, "a non-root setxattr of trusted.* is EPERM", "child %d", cs);

    r = setxattr(D "/f", "user.", "x", 1, 0);
    CHECK(r == -1 && errno == EINVAL, "a bare namespace prefix as name is EINVAL", "ret %d errno %d", r, errno);
    char name[300] = "user.";
    memset(name + 5, 'n', 250);
    name[255] = 0;
    r = setxattr(D "/f", name, "v", 1, 0);
    g = getxattr(D "/f", name, buf, sizeof buf);
    CHECK(r == 0 && g == 1, "a 255-byte name is allowed", "%d %ld errno %d", r, g, errno);
    removexattr(D "/f", name);

    /* Symlinks: l* calls act on the link, the others follow it. */
    symlink("f", D "/ln");
    g = getxattr(D "/ln", "user.u", buf, sizeof buf);
    CHECK(g == 2 && memcmp(buf, "U1", 2) == 0, "getxattr through a symlink reads the target's", "ret %ld", g);
    errno = 0;
    g = lgetxattr(D "/ln", "user.u", buf, sizeof buf);
    CHECK(g == -1 && errno == ENODATA, "lgetxattr on the symlink itself is ENODATA", "ret %ld errno %d", g, errno);
    n = llistxattr(D "/ln", list, sizeof list);
    CHECK(n == 0, "llistxattr of a fresh symlink is empty", "ret %ld errno %d", n, errno);
    r = lsetxattr(D "/ln", "trusted.lt", "L", 1, 0);
    g = lgetxattr(D "/ln", "trusted.lt", buf, sizeof buf);
    long g2 = getxattr(D "/ln", "trusted.lt", buf, sizeof buf);
    CHECK(r == 0 && g == 1 && g2 == -1 && errno == ENODATA, "trusted.* can be set on a symlink itself",
          "%d %ld %ld errno %d", r, g, g2, errno);
    r = setxattr(D "/ln", "user.via", "V", 1, 0);
    g = getxattr(D "/f", "user.via", buf, sizeof buf);
    CHECK(r == 0 && g == 1, "setxattr through a symlink sets the target's", "%d %ld", r, g);

    /* Device nodes and FIFOs: no user.*, but trusted.* works. */
    mknod(D "/chr", S_IFCHR | 0666, makedev(1, 3));
    mkfifo(D "/fifo", 0666);
    r = setxattr(D "/chr", "user.x", "x", 1, 0);
    int e = errno;
    int r2 = setxattr(D "/fifo", "user.x", "x", 1, 0);
    CHECK(r == -1 && e == EPERM && r2 == -1 && errno == EPERM, "user.* on a device node or a FIFO is EPERM",
          "%d/%d %d/%d", r, e, r2, errno);
    errno = 0;
    g = getxattr(D "/chr", "user.x", buf, sizeof buf);
    CHECK(g == -1 && errno == ENODATA, "getxattr of user.* on a device node is ENODATA", "ret %ld errno %d", g,
          errno);
    r = setxattr(D "/chr", "trusted.x", "x", 1, 0);
    CHECK(r == 0 && getxattr(D "/chr", "trusted.x", buf, sizeof buf) == 1, "trusted.* works on a device node",
          "ret %d errno %d", r, errno);

    /* Lifetime. */
    r = rename(D "/f", D "/g");
    g = getxattr(D "/g", "user.u", buf, sizeof buf);
    CHECK(r == 0 && g == 2, "attributes stay with the inode across rename", "%d %ld", r, g);
    link(D "/g", D "/h");
    setxattr(D "/h", "user.shared", "1", 1, 0);
    g = getxattr(D "/g", "user.shared", buf, sizeof buf);
    CHECK(g == 1, "hard links share one set of attributes", "ret %ld errno %d", g, errno);
    int fd = open(D "/g", O_RDONLY);
    unlink(D "/g");
    unlink(D "/h");
    g = fgetxattr(fd, "user.u", buf, sizeof buf);
    CHECK(g == 2, "an unlinked file still open keeps its attributes", "ret %ld errno %d", g, errno);
    close(fd);
    close(open(D "/g", O_CREAT | O_WRONLY, 0644));
    n = listxattr(D "/g", list, sizeof list);
    CHECK(n >= 0 && !has(list, n, "user.u") && !has(list, n, "user.shared"),
          "a new file with the old name has none of them", "ret %ld", n);
    mkdir(D "/dir", 0755);
    r = setxattr(D "/dir", "trusted.d", "d", 1, 0);
    CHECK(r == 0 && getxattr(D "/dir", "trusted.d", buf, sizeof buf) == 1, "trusted.* works on a directory",
          "ret %d errno %d", r, errno);

    cleanup();
    return t_done("xattr_ns");
}
