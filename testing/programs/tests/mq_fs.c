/* The mqueue filesystem: mounted (as systemd mounts /dev/mqueue), it lists
 * the IPC namespace's POSIX message queues as files with the queue's mode,
 * reading Linux's QSIZE line; statfs says MQUEUE_MAGIC; a queue unlinked
 * with mq_unlink is gone from it. Run in its own mount namespace. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "../t.h"

#define D "/tmp/mq_fs.d"

static int listed(const char *name) {
    DIR *d = opendir(D);
    struct dirent *e;
    int seen = 0;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, name) == 0)
            seen = 1;
    if (d)
        closedir(d);
    return seen;
}

static int view(void) {
    STEP(1, unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
    mkdir(D, 0755);
    STEP(2, mount("mqueue", D, "mqueue", 0, NULL) == 0);
    struct statfs sf;
    STEP(3, statfs(D, &sf) == 0 && sf.f_type == 0x19800202);
    struct mq_attr a = {.mq_maxmsg = 4, .mq_msgsize = 16};
    mq_unlink("/aramid_mq_fs");
    mqd_t q = mq_open("/aramid_mq_fs", O_CREAT | O_EXCL | O_RDWR, 0640, &a);
    STEP(4, q != (mqd_t)-1 && mq_send(q, "hello", 5, 1) == 0);
    struct stat st;
    STEP(5, stat(D "/aramid_mq_fs", &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0640);
    STEP(6, listed("aramid_mq_fs"));
    char buf[128] = {0};
    int fd = open(D "/aramid_mq_fs", O_RDONLY);
    STEP(7, fd >= 0 && read(fd, buf, sizeof buf - 1) > 0 && strncmp(buf, "QSIZE:5 ", 8) == 0);
    close(fd);
    STEP(8, mq_unlink("/aramid_mq_fs") == 0 && !listed("aramid_mq_fs") && stat(D "/aramid_mq_fs", &st) == -1 &&
                errno == ENOENT);
    mq_close(q);
    umount(D);
    rmdir(D);
    return 0;
}

int main(void) {
    t_watchdog(30);
    CHECK_CHILD(view, "a mounted mqueue lists the namespace's queues with their mode and QSIZE line");
    CHECK_NO_CHILDREN();
    return t_done("mq_fs");
}
