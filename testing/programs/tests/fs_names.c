/* Name and path limits: NAME_MAX (255) for every naming call and for
 * components in the middle of a path, PATH_MAX (4096 with the NUL) for
 * paths and symlink targets, a too-long component reached through a
 * symlink, getcwd of a directory deeper than a page (ENAMETOOLONG), and
 * names made of any bytes but '/' and NUL. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/fs_names.d"
#define DEPTH 20

static char n255[256], n256[257], lvl[251];
static char path[8192];

/* removes the deep tree built under "deep" (names too long for nftw) */
static void rm_deep(void) {
    if (chdir(D "/deep") != 0)
        return;
    int depth = 0;
    while (depth < DEPTH && chdir(lvl) == 0)
        depth++;
    unlink("bottom");
    while (depth-- > 0) {
        if (chdir("..") != 0)
            break;
        rmdir(lvl);
    }
    chdir("/");
}

int main(void) {
    long r, r2;
    struct stat st;
    memset(n255, 'a', 255);
    memset(n256, 'b', 256);
    memset(lvl, 'l', 250);
    rm_deep();
    if (t_fresh_dir(D) != 0)
        return 1;
    t_touch("file");

    /* NAME_MAX */
    r = mkdir(n255, 0755);
    CHECK(r == 0 && FAILS(mkdir(n256, 0755), ENAMETOOLONG), "mkdir: 255-byte name works, 256 is ENAMETOOLONG",
          "ret %ld errno %d", r, errno);
    CHECK(FAILS(unlink(n256), ENAMETOOLONG) && FAILS(rmdir(n256), ENAMETOOLONG) && FAILS(stat(n256, &st), ENAMETOOLONG),
          "unlink, rmdir and stat of a missing 256-byte name are ENAMETOOLONG, not ENOENT", "errno %d", errno);
    CHECK(FAILS(rename("file", n256), ENAMETOOLONG) && FAILS(link("file", n256), ENAMETOOLONG) &&
              FAILS(symlink("file", n256), ENAMETOOLONG) && FAILS(mknod(n256, S_IFIFO | 0644, 0), ENAMETOOLONG) &&
              t_exists("file"),
          "rename, link, symlink and mknod to a 256-byte name are ENAMETOOLONG", "errno %d", errno);
    snprintf(path, sizeof path, "%s/x", n256);
    CHECK(FAILS(t_open(path, O_RDONLY, 0), ENAMETOOLONG) && FAILS(mkdir(path, 0755), ENAMETOOLONG),
          "a 256-byte component in the middle of a path is ENAMETOOLONG", "errno %d", errno);
    snprintf(path, sizeof path, "%s/%s", n255, n255);
    r = t_open(path, O_WRONLY | O_CREAT, 0644);
    close(r);
    CHECK(r >= 0 && t_exists(path), "a 255-byte name inside a 255-byte directory", "ret %ld errno %d", r, errno);

    /* PATH_MAX: 4095 bytes plus the NUL resolve, 4096 do not */
    memset(path, 0, sizeof path);
    size_t len = 0;
    while (len + 2 <= 4095 - 5)
        len += (size_t)snprintf(path + len, sizeof path - len, "./");
    while (len < 4095 - 4)
        path[len++] = '/';
    memcpy(path + len, "file", 5);
    r = stat(path, &st);
    CHECK(strlen(path) == 4095 && r == 0 && S_ISREG(st.st_mode), "a 4095-byte path resolves", "len %zu ret %ld errno %d",
          strlen(path), r, errno);
    memmove(path + 1, path, 4096);
    path[0] = '.';
    path[1] = '/';
    path[2] = '.';
    /* now ".//." + ... : still a valid spelling, one byte longer */
    CHECK(strlen(path) == 4096 && FAILS(stat(path, &st), ENAMETOOLONG) && FAILS(t_open(path, O_RDONLY, 0), ENAMETOOLONG),
          "a 4096-byte path is ENAMETOOLONG", "len %zu errno %d", strlen(path), errno);

    /* symlink targets */
    static char target[4097];
    memset(target, 't', 4095);
    r = symlink(target, "long");
    static char back[4200];
    r2 = readlink("long", back, sizeof back);
    CHECK(r == 0 && r2 == 4095 && memcmp(back, target, 4095) == 0, "a symlink target of 4095 bytes is kept whole",
          "ret %ld readlink %ld errno %d", r, r2, errno);
    CHECK(FAILS(stat("long", &st), ENAMETOOLONG), "following it gives ENAMETOOLONG (one 4095-byte component)",
          "errno %d", errno);
    target[4095] = 't';
    CHECK(FAILS(symlink(target, "longer"), ENAMETOOLONG) && !t_exists("longer"),
          "a symlink target of 4096 bytes is ENAMETOOLONG", "errno %d", errno);
    symlink(n256, "to256");
    CHECK(FAILS(t_open("to256", O_RDONLY, 0), ENAMETOOLONG), "a symlink to a 256-byte name is ENAMETOOLONG when followed",
          "errno %d", errno);

    /* a directory deeper than a page */
    mkdir("deep", 0755);
    chdir("deep");
    int made = 0;
    for (int i = 0; i < DEPTH; i++)
        if (mkdir(lvl, 0755) == 0 && chdir(lvl) == 0)
            made++;
    t_touch("bottom");
    char cwd[8192];
    errno = 0;
    r = syscall(SYS_getcwd, cwd, sizeof cwd);
    CHECK(made == DEPTH && r == -1 && errno == ENAMETOOLONG, "getcwd of a path longer than a page is ENAMETOOLONG",
          "made %d ret %ld errno %d", made, r, errno);
    r = t_open("bottom", O_RDONLY, 0);
    close(r);
    r2 = chdir("../../..");
    CHECK(r >= 0 && r2 == 0 && t_exists(lvl), "relative paths keep working at that depth", "%ld %ld", r, r2);
    rm_deep();
    chdir(D);
    CHECK(rmdir("deep") == 0, "the deep tree is removed level by level", "errno %d", errno);

    /* any byte but '/' and NUL */
    const char *odd[] = {"with space", "new\nline", "\xff\xfe\x01", "...", "-dash", "back\\slash", "*?[", " "};
    int nodd = sizeof odd / sizeof odd[0], made_odd = 0;
    mkdir("odd", 0755);
    chdir("odd");
    for (int i = 0; i < nodd; i++) {
        int fd = t_open(odd[i], O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0)
            made_odd++;
        close(fd);
    }
    CHECK(made_odd == nodd && t_exists("...") && !S_ISDIR((stat("...", &st), st.st_mode)),
          "names may hold any byte but '/' and NUL; \"...\" is an ordinary name", "made %d", made_odd);
    DIR *dir = opendir(".");
    int found = 0, others = 0;
    struct dirent *de;
    while (dir && (de = readdir(dir)) != NULL) {
        int hit = 0;
        for (int i = 0; i < nodd; i++)
            if (strcmp(de->d_name, odd[i]) == 0)
                hit = 1;
        if (hit)
            found++;
        else if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, ".."))
            others++;
    }
    if (dir)
        closedir(dir);
    CHECK(found == nodd && others == 0, "getdents64 returns those names byte for byte", "found %d others %d", found,
          others);
    chdir("/");
    t_rm_rf(D);
    return t_done("fs_names");
}
