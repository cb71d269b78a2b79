/* Shared subtrees: mounts propagate between peers (bind mounts of a
 * shared mount, and copies in a new mount namespace), to slaves but not
 * back, not from or to private mounts; unmounts propagate too; an
 * unbindable mount cannot be bound. Each case in a child with its own
 * mount namespace, so the host running this keeps its mounts. */
#define _GNU_SOURCE
#include <poll.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "../t.h"
#include "../files.h"
#include "../procfs.h"

#define D "/tmp/ns_propagation.d"

static int is_mount(const char *p) {
    struct stat a, b;
    char up[256];
    snprintf(up, sizeof up, "%s/..", p);
    return stat(p, &a) == 0 && stat(up, &b) == 0 && (a.st_dev != b.st_dev || a.st_ino == b.st_ino);
}

/* A private namespace with a shared tmpfs on D/s holding x/ and y/. */
static int setup(void) {
    if (syscall(SYS_unshare, CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return 1;
    if (mount("s", D "/s", "tmpfs", 0, NULL) != 0 || mount(NULL, D "/s", NULL, MS_SHARED, NULL) != 0)
        return 2;
    if (mkdir(D "/s/x", 0755) != 0 || mkdir(D "/s/y", 0755) != 0)
        return 3;
    return 0;
}

static int peers(void) {
    STEP(1, setup() == 0);
    STEP(2, mount(D "/s", D "/t", NULL, MS_BIND, NULL) == 0);
    STEP(3, mount("x", D "/s/x", "tmpfs", 0, NULL) == 0);
    t_touch(D "/s/x/file");
    STEP(4, is_mount(D "/t/x") && t_exists(D "/t/x/file"));
    /* And back: a peer sends as well as receives. */
    STEP(5, mount("y", D "/t/y", "tmpfs", 0, NULL) == 0 && is_mount(D "/s/y"));
    /* Unmounting on one side unmounts the other. */
    STEP(6, umount(D "/t/x") == 0 && !is_mount(D "/s/x") && !t_exists(D "/s/x/file"));
    return 0;
}

static int slaves(void) {
    STEP(1, setup() == 0);
    STEP(2, mount(D "/s", D "/t", NULL, MS_BIND, NULL) == 0);
    STEP(3, mount(NULL, D "/t", NULL, MS_SLAVE, NULL) == 0);
    STEP(4, mount("x", D "/t/x", "tmpfs", 0, NULL) == 0 && !is_mount(D "/s/x"));
    STEP(5, mount("y", D "/s/y", "tmpfs", 0, NULL) == 0 && is_mount(D "/t/y"));
    return 0;
}

static int private_mounts(void) {
    STEP(1, setup() == 0);
    STEP(2, mount(D "/s", D "/t", NULL, MS_BIND, NULL) == 0);
    STEP(3, mount(NULL, D "/t", NULL, MS_PRIVATE, NULL) == 0);
    STEP(4, mount("x", D "/s/x", "tmpfs", 0, NULL) == 0 && !is_mount(D "/t/x"));
    STEP(5, mount("y", D "/t/y", "tmpfs", 0, NULL) == 0 && !is_mount(D "/s/y"));
    return 0;
}

/* A mount moved onto a shared mount reaches its peers; a mount whose
 * parent is shared cannot be moved. */
static int moves(void) {
    STEP(1, setup() == 0);
    STEP(2, mount(D "/s", D "/t", NULL, MS_BIND, NULL) == 0);
    STEP(3, mkdir(D "/u", 0755) == 0 || errno == EEXIST);
    STEP(4, mount("u", D "/u", "tmpfs", 0, NULL) == 0);
    t_touch(D "/u/moved");
    STEP(5, mount(D "/u", D "/s/x", NULL, MS_MOVE, NULL) == 0);
    STEP(6, is_mount(D "/t/x") && t_exists(D "/t/x/moved"));
    STEP(7, FAILS(mount(D "/s/x", D "/u", NULL, MS_MOVE, NULL), EINVAL));
    return 0;
}

static int unbindable(void) {
    STEP(1, setup() == 0);
    STEP(2, mount(NULL, D "/s", NULL, MS_UNBINDABLE, NULL) == 0);
    STEP(3, FAILS(mount(D "/s", D "/t", NULL, MS_BIND, NULL), EINVAL));
    STEP(4, FAILS(mount(NULL, D "/s", NULL, MS_SHARED | MS_PRIVATE, NULL), EINVAL));
    return 0;
}

/* A new namespace's copy of a shared mount is its peer: mounts made by
 * the parent appear in the child's namespace. */
static int across_namespaces(void) {
    STEP(1, setup() == 0);
    int go[2], done[2];
    STEP(2, pipe(go) == 0 && pipe(done) == 0);
    pid_t c = fork();
    if (c == 0) {
        char b;
        if (syscall(SYS_unshare, CLONE_NEWNS) != 0)
            _exit(1);
        write(done[1], "r", 1);
        read(go[0], &b, 1);
        _exit(is_mount(D "/s/x") ? 0 : 2);
    }
    char b;
    STEP(3, read(done[0], &b, 1) == 1);
    STEP(4, mount("x", D "/s/x", "tmpfs", 0, NULL) == 0);
    write(go[1], "g", 1);
    STEP(5, t_wait_exit(c) == 0);
    return 0;
}

/* A mount propagated into another namespace is a change of that namespace:
 * its open mountinfo polls POLLPRI|POLLERR (Linux's ns->event moves). */
static int propagated_poll(void) {
    STEP(1, setup() == 0);
    int go[2], done[2];
    STEP(2, pipe(go) == 0 && pipe(done) == 0);
    pid_t c = fork();
    if (c == 0) {
        char b;
        if (syscall(SYS_unshare, CLONE_NEWNS) != 0)
            _exit(1);
        int fd = open("/proc/self/mountinfo", O_RDONLY);
        if (fd < 0)
            _exit(2);
        struct pollfd p = {.fd = fd, .events = POLLPRI};
        if (poll(&p, 1, 0) != 0)
            _exit(3);
        write(done[1], "r", 1);
        read(go[0], &b, 1);
        if (poll(&p, 1, 10000) != 1 || !(p.revents & POLLPRI) || !(p.revents & POLLERR))
            _exit(4);
        _exit(is_mount(D "/s/x") ? 0 : 5);
    }
    char b;
    STEP(3, read(done[0], &b, 1) == 1);
    write(go[1], "g", 1);
    usleep(100 * 1000);
    STEP(4, mount("x", D "/s/x", "tmpfs", 0, NULL) == 0);
    STEP(5, t_wait_exit(c) == 0);
    return 0;
}

int main(void) {
    t_watchdog(60);
    t_proc_mount();
    umask(022);
    if (syscall(SYS_unshare, CLONE_NEWNS) == 0)
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    t_rm_rf(D);
    if (mkdir(D, 0755) != 0 || mkdir(D "/s", 0755) != 0 || mkdir(D "/t", 0755) != 0) {
        printf("cannot create " D "\n");
        return 1;
    }
    CHECK_CHILD(peers, "peers: a mount on either side appears on both; so does an unmount");
    CHECK_CHILD(slaves, "a slave receives from its master and sends nothing back");
    CHECK_CHILD(private_mounts, "a private bind neither sends nor receives");
    CHECK_CHILD(moves, "a mount moved onto a shared mount reaches its peers; one under a shared parent cannot move");
    CHECK_CHILD(unbindable, "an unbindable mount cannot be bound; one propagation type at a time");
    CHECK_CHILD(across_namespaces, "a copied namespace's mounts are peers of the originals");
    CHECK_CHILD(propagated_poll, "a mount propagated into another namespace wakes a poll of its mountinfo");
    t_rm_rf(D);
    CHECK_NO_CHILDREN();
    return t_done("ns_propagation");
}
