/* inotify(7): inotify_init1 flags, directory watches (IN_CREATE, IN_OPEN,
 * IN_MODIFY, IN_CLOSE_WRITE/NOWRITE, IN_ATTRIB, IN_ACCESS, IN_DELETE,
 * IN_MOVED_FROM/TO with one cookie, IN_ISDIR, names padded to 16 bytes,
 * IN_DELETE_SELF + IN_IGNORED when the directory goes), watches on a file
 * (the exact events of open/write/read/close, IN_MOVE_SELF, unlink of an
 * open file), merging of identical consecutive events, the same wd for a
 * second add, mask replacement, IN_MASK_ADD, IN_MASK_CREATE, IN_ONESHOT,
 * inotify_rm_watch and IN_IGNORED, argument errors, reads with a short
 * buffer, EAGAIN, poll, FIONREAD, and a blocking read woken by a child.
 * Works in a fresh mkdtemp directory under /tmp, removed at the end; an
 * alarm(30) watchdog ends the process if the blocking read never returns. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include "../t.h"

#ifndef IN_MASK_CREATE
#define IN_MASK_CREATE 0x10000000
#endif

static char dir[64];
static char path_buf[4][128];
static const char *P(int slot, const char *name) {
    snprintf(path_buf[slot], sizeof path_buf[slot], "%s/%s", dir, name);
    return path_buf[slot];
}

/* The events returned by one read(), parsed. */
struct ev {
    int wd;
    uint32_t mask, cookie, len;
    char name[64];
};
static struct ev evs[32];
static int nev, read_ret, read_errno;

static int collect_sz(int fd, size_t size) {
    static char buf[4096] __attribute__((aligned(8)));
    nev = 0;
    errno = 0;
    read_ret = (int)read(fd, buf, size);
    read_errno = errno;
    for (int off = 0; read_ret > 0 && off < read_ret && nev < 32;) {
        struct inotify_event *e = (struct inotify_event *)(buf + off);
        struct ev *o = &evs[nev++];
        o->wd = e->wd;
        o->mask = e->mask;
        o->cookie = e->cookie;
        o->len = e->len;
        o->name[0] = 0;
        if (e->len)
            snprintf(o->name, sizeof o->name, "%s", e->name);
        off += (int)sizeof *e + (int)e->len;
    }
    return nev;
}
static int collect(int fd) { return collect_sz(fd, 4096); }
static void drain(int fd) {
    while (collect(fd) > 0) {
    }
}

/* Describes the last read for a failure message. */
static const char *got(void) {
    static char s[1024];
    int n = snprintf(s, sizeof s, "read %d errno %d:", read_ret, read_errno);
    for (int i = 0; i < nev && n < (int)sizeof s - 64; i++)
        n += snprintf(s + n, sizeof s - n, " [wd %d %#x c%u len %u '%s']", evs[i].wd, evs[i].mask, evs[i].cookie, evs[i].len,
                      evs[i].name);
    return s;
}

struct want {
    uint32_t mask;
    const char *name; /* NULL: no name (len 0) */
};
/* The last read returned exactly these events, all for wd, with names
 * padded to a multiple of 16 bytes and no cookie. */
static int events_are(int wd, const struct want *w, int n) {
    if (nev != n)
        return 0;
    for (int i = 0; i < n; i++) {
        if (evs[i].wd != wd || evs[i].mask != w[i].mask)
            return 0;
        if (!(evs[i].mask & (IN_MOVED_FROM | IN_MOVED_TO)) && evs[i].cookie != 0)
            return 0;
        if (!w[i].name) {
            if (evs[i].len != 0)
                return 0;
        } else {
            size_t l = strlen(w[i].name);
            if (strcmp(evs[i].name, w[i].name) != 0 || evs[i].len % 16 != 0 || evs[i].len < l + 1 || evs[i].len > l + 16)
                return 0;
        }
    }
    return 1;
}
#define EVENTS_ARE(wd, ...)                                                                   \
    ({                                                                                         \
        const struct want w_[] = {__VA_ARGS__};                                               \
        events_are(wd, w_, (int)(sizeof w_ / sizeof w_[0]));                                  \
    })

static int readable(int fd) {
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static int64_t mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void) {
    alarm(30);
    umask(022);
    strcpy(dir, "/tmp/ev_inotify.XXXXXX");
    if (!mkdtemp(dir)) {
        printf("FAIL - mkdtemp (errno %d)\n", errno);
        return 1;
    }

    /* inotify_init1 flags. */
    errno = 0;
    CHECK(inotify_init1(0x1) == -1 && errno == EINVAL, "inotify_init1 with an unknown flag is EINVAL", "errno %d", errno);
    int plain = inotify_init1(0);
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    CHECK(plain >= 0 && !(fcntl(plain, F_GETFL) & O_NONBLOCK) && !(fcntl(plain, F_GETFD) & FD_CLOEXEC) && fd >= 0 &&
              (fcntl(fd, F_GETFL) & O_NONBLOCK) && (fcntl(fd, F_GETFD) & FD_CLOEXEC),
          "IN_NONBLOCK and IN_CLOEXEC set O_NONBLOCK and FD_CLOEXEC", "fds %d %d", plain, fd);
    close(plain);

    /* A watch on the directory. */
    int wd = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
    CHECK(wd > 0, "inotify_add_watch on a directory returns a positive wd", "wd %d errno %d", wd, errno);
    collect(fd);
    CHECK(read_ret == -1 && read_errno == EAGAIN, "a non-blocking read with no events is EAGAIN", "%s", got());
    CHECK(!readable(fd), "poll: not readable before an event", "readable");

    int f = open(P(0, "f1"), O_CREAT | O_WRONLY, 0644);
    int avail = -1;
    ioctl(fd, FIONREAD, &avail);
    CHECK(readable(fd), "poll: readable once an event is queued", "not readable");
    CHECK(avail == 64, "FIONREAD counts the bytes of the queued events", "FIONREAD %d", avail);
    collect(fd);
    CHECK(EVENTS_ARE(wd, {IN_CREATE, "f1"}, {IN_OPEN, "f1"}), "creating a file gives IN_CREATE then IN_OPEN with its name", "%s",
          got());
    CHECK(evs[0].len == 16, "a short name is padded to 16 bytes", "len %u", evs[0].len);
    write(f, "x", 1);
    collect(fd);
    CHECK(EVENTS_ARE(wd, {IN_MODIFY, "f1"}), "a write gives IN_MODIFY", "%s", got());
    write(f, "y", 1);
    write(f, "z", 1);
    collect(fd);
    CHECK(EVENTS_ARE(wd, {IN_MODIFY, "f1"}), "two writes in a row are merged into one IN_MODIFY", "%s", got());
    write(f, "", 0);
    collect(fd);
    CHECK(read_ret == -1 && read_errno == EAGAIN, "a zero-length write gives no event", "%s", got());
    close(f);
    collect(fd);
    CHECK(EVENTS_ARE(wd, {IN_CLOSE_WRITE, "f1"}), "closing a writable fd gives IN_CLOSE_WRITE", "%s", got());
    chmod(P(0, "f1"), 0600);
    collect(fd);
    CHECK(EVENTS_ARE(wd, {IN_ATTRIB, "f1"}), "chmod gives IN_ATTRIB", "%s", got());
    f = open(P(0, "f1"), O_RDONLY);
    char c;
    read(f, &c, 1);
    read(f, &c, 1); /* at EOF: no event */
    close(f);
    collect(fd);
    CHECK(EVENTS_ARE(wd, {IN_OPEN, "f1"}, {IN_ACCESS, "f1"}, {IN_CLOSE_NOWRITE, "f1"}),
          "open, read and close read-only give IN_OPEN, IN_ACCESS, IN_CLOSE_NOWRITE", "%s", got());
    rename(P(0, "f1"), P(1, "f2"));
    collect(fd);
    CHECK(nev == 2 && evs[0].mask == IN_MOVED_FROM && !strcmp(evs[0].name, "f1") && evs[1].mask == IN_MOVED_TO &&
              !strcmp(evs[1].name, "f2") && evs[0].cookie != 0 && evs[0].cookie == evs[1].cookie && evs[0].wd == wd &&
              evs[1].wd == wd,
          "rename gives IN_MOVED_FROM and IN_MOVED_TO sharing a nonzero cookie", "%s", got());
    unlink(P(1, "f2"));
    collect(fd);
    CHECK(EVENTS_ARE(wd, {IN_DELETE, "f2"}), "unlink gives IN_DELETE", "%s", got());
    mkdir(P(0, "sub"), 0755);
    collect(fd);
    CHECK(EVENTS_ARE(wd, {IN_CREATE | IN_ISDIR, "sub"}), "mkdir gives IN_CREATE|IN_ISDIR", "%s", got());
    rmdir(P(0, "sub"));
    collect(fd);
    CHECK(EVENTS_ARE(wd, {IN_DELETE | IN_ISDIR, "sub"}), "rmdir gives IN_DELETE|IN_ISDIR", "%s", got());
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    close(dfd);
    collect(fd);
    CHECK(EVENTS_ARE(wd, {IN_OPEN | IN_ISDIR, NULL}, {IN_CLOSE_NOWRITE | IN_ISDIR, NULL}),
          "opening the watched directory itself gives nameless IN_OPEN|IN_ISDIR, IN_CLOSE_NOWRITE|IN_ISDIR", "%s", got());
    mkdir(P(0, "0123456789abcdef"), 0755);
    collect(fd);
    CHECK(nev == 1 && evs[0].len == 32 && !strcmp(evs[0].name, "0123456789abcdef"), "a 16-byte name is padded to 32 bytes",
          "%s", got());

    /* Short buffers: whole events only. */
    mkdir(P(0, "s1"), 0755);
    mkdir(P(0, "s2"), 0755);
    collect_sz(fd, 31);
    CHECK(read_ret == -1 && read_errno == EINVAL, "a read buffer smaller than the next event is EINVAL", "%s", got());
    collect_sz(fd, 40);
    CHECK(read_ret == 32 && EVENTS_ARE(wd, {IN_CREATE | IN_ISDIR, "s1"}), "a read returns only the events that fit whole", "%s",
          got());
    collect(fd);
    CHECK(EVENTS_ARE(wd, {IN_CREATE | IN_ISDIR, "s2"}), "the next read returns the rest", "%s", got());
    rmdir(P(0, "s1"));
    rmdir(P(0, "s2"));
    rmdir(P(0, "0123456789abcdef"));
    drain(fd);

    /* A watch on a file, in its own inotify instance. */
    close(open(P(0, "g"), O_CREAT | O_WRONLY, 0644));
    int fi = inotify_init1(IN_NONBLOCK);
    int wf = inotify_add_watch(fi, P(0, "g"), IN_ALL_EVENTS);
    f = open(P(0, "g"), O_RDWR);
    write(f, "ab", 2);
    lseek(f, 0, SEEK_SET);
    read(f, &c, 1);
    close(f);
    collect(fi);
    CHECK(wf > 0 && EVENTS_ARE(wf, {IN_OPEN, NULL}, {IN_MODIFY, NULL}, {IN_ACCESS, NULL}, {IN_CLOSE_WRITE, NULL}),
          "a file watch sees open, write, read, close as IN_OPEN, IN_MODIFY, IN_ACCESS, IN_CLOSE_WRITE without names", "wf %d %s",
          wf, got());
    f = open(P(0, "g"), O_RDWR);
    write(f, "a", 1);
    lseek(f, 0, SEEK_SET);
    read(f, &c, 1);
    write(f, "b", 1);
    close(f);
    collect(fi);
    CHECK(EVENTS_ARE(wf, {IN_OPEN, NULL}, {IN_MODIFY, NULL}, {IN_ACCESS, NULL}, {IN_MODIFY, NULL}, {IN_CLOSE_WRITE, NULL}),
          "only consecutive identical events merge (write, read, write)", "%s", got());
    f = open(P(0, "g"), O_WRONLY);
    close(f);
    collect(fi);
    CHECK(EVENTS_ARE(wf, {IN_OPEN, NULL}, {IN_CLOSE_WRITE, NULL}), "open and close for writing without a write: IN_CLOSE_WRITE",
          "%s", got());

    /* Adding again: same wd, the mask replaced; IN_MASK_ADD; IN_MASK_CREATE. */
    int again = inotify_add_watch(fi, P(0, "g"), IN_ATTRIB);
    f = open(P(0, "g"), O_WRONLY);
    write(f, "a", 1);
    close(f);
    chmod(P(0, "g"), 0600);
    collect(fi);
    CHECK(again == wf && EVENTS_ARE(wf, {IN_ATTRIB, NULL}), "adding a watch again returns the same wd and replaces the mask",
          "again %d %s", again, got());
    again = inotify_add_watch(fi, P(0, "g"), IN_MODIFY | IN_MASK_ADD);
    f = open(P(0, "g"), O_WRONLY);
    write(f, "a", 1);
    close(f);
    chmod(P(0, "g"), 0644);
    collect(fi);
    CHECK(again == wf && EVENTS_ARE(wf, {IN_MODIFY, NULL}, {IN_ATTRIB, NULL}), "IN_MASK_ADD adds to the existing mask",
          "again %d %s", again, got());
    errno = 0;
    CHECK(inotify_add_watch(fi, P(0, "g"), IN_ATTRIB | IN_MASK_CREATE) == -1 && errno == EEXIST,
          "IN_MASK_CREATE on an existing watch is EEXIST", "errno %d", errno);
    errno = 0;
    CHECK(inotify_add_watch(fi, P(0, "g"), IN_ATTRIB | IN_MASK_CREATE | IN_MASK_ADD) == -1 && errno == EINVAL,
          "IN_MASK_CREATE with IN_MASK_ADD is EINVAL", "errno %d", errno);

    /* inotify_rm_watch. */
    CHECK(inotify_rm_watch(fi, wf) == 0, "inotify_rm_watch succeeds", "errno %d", errno);
    collect(fi);
    CHECK(EVENTS_ARE(wf, {IN_IGNORED, NULL}), "inotify_rm_watch queues IN_IGNORED", "%s", got());
    errno = 0;
    CHECK(inotify_rm_watch(fi, wf) == -1 && errno == EINVAL, "removing the watch a second time is EINVAL", "errno %d", errno);

    /* IN_ONESHOT: one event, then IN_IGNORED. */
    int wo = inotify_add_watch(fi, P(0, "g"), IN_ATTRIB | IN_ONESHOT);
    chmod(P(0, "g"), 0600);
    chmod(P(0, "g"), 0644);
    collect(fi);
    CHECK(wo > 0 && EVENTS_ARE(wo, {IN_ATTRIB, NULL}, {IN_IGNORED, NULL}), "IN_ONESHOT gives one event and then IN_IGNORED",
          "%s", got());

    /* Moving and unlinking a watched file. */
    int wm = inotify_add_watch(fi, P(0, "g"), IN_ALL_EVENTS);
    rename(P(0, "g"), P(1, "h"));
    collect(fi);
    CHECK(EVENTS_ARE(wm, {IN_MOVE_SELF, NULL}), "renaming a watched file gives IN_MOVE_SELF", "%s", got());
    f = open(P(1, "h"), O_RDONLY);
    unlink(P(1, "h"));
    collect(fi);
    CHECK(EVENTS_ARE(wm, {IN_OPEN, NULL}, {IN_ATTRIB, NULL}), "unlinking a watched file that is still open gives IN_ATTRIB", "%s",
          got());
    close(f);
    collect(fi);
    CHECK(EVENTS_ARE(wm, {IN_CLOSE_NOWRITE, NULL}, {IN_DELETE_SELF, NULL}, {IN_IGNORED, NULL}),
          "its last close gives IN_CLOSE_NOWRITE, IN_DELETE_SELF, IN_IGNORED", "%s", got());
    close(fi);
    drain(fd);

    /* Argument errors. */
    errno = 0;
    CHECK(inotify_add_watch(fd, P(0, "missing"), IN_ALL_EVENTS) == -1 && errno == ENOENT, "a watch on a missing path is ENOENT",
          "errno %d", errno);
    errno = 0;
    CHECK(inotify_add_watch(999, dir, IN_ALL_EVENTS) == -1 && errno == EBADF, "inotify_add_watch on a bad fd is EBADF", "errno %d",
          errno);
    int pfd[2];
    pipe(pfd);
    errno = 0;
    CHECK(inotify_add_watch(pfd[0], dir, IN_ALL_EVENTS) == -1 && errno == EINVAL, "inotify_add_watch on a pipe fd is EINVAL",
          "errno %d", errno);
    errno = 0;
    CHECK(inotify_rm_watch(pfd[0], 1) == -1 && errno == EINVAL, "inotify_rm_watch on a pipe fd is EINVAL", "errno %d", errno);
    close(pfd[0]);
    close(pfd[1]);
    errno = 0;
    CHECK(inotify_add_watch(fd, dir, 0) == -1 && errno == EINVAL, "a mask of 0 is EINVAL", "errno %d", errno);
    close(open(P(0, "plain"), O_CREAT | O_WRONLY, 0644));
    errno = 0;
    CHECK(inotify_add_watch(fd, P(0, "plain"), IN_ALL_EVENTS | IN_ONLYDIR) == -1 && errno == ENOTDIR,
          "IN_ONLYDIR on a file is ENOTDIR", "errno %d", errno);
    errno = 0;
    CHECK(inotify_rm_watch(fd, 12345) == -1 && errno == EINVAL, "inotify_rm_watch of an unknown wd is EINVAL", "errno %d", errno);
    unlink(P(0, "plain"));
    drain(fd);

    /* A blocking read woken by a child creating a file 50 ms later. */
    int fb = inotify_init1(0);
    int wb = inotify_add_watch(fb, dir, IN_CREATE);
    int64_t t0 = mono_ns();
    pid_t child = fork();
    if (child == 0) {
        struct timespec d = {0, 50000000};
        nanosleep(&d, NULL);
        close(open(P(0, "late"), O_CREAT | O_WRONLY, 0644));
        _exit(0);
    }
    collect(fb);
    int64_t el = mono_ns() - t0;
    CHECK(EVENTS_ARE(wb, {IN_CREATE, "late"}) && el >= 50000000, "a blocking read waits for a child to create a file",
          "%s el %lld", got(), (long long)el);
    waitpid(child, NULL, 0);
    close(fb);
    unlink(P(0, "late"));
    drain(fd);

    /* The watched directory goes away. */
    rmdir(dir);
    collect(fd);
    CHECK(EVENTS_ARE(wd, {IN_DELETE_SELF, NULL}, {IN_IGNORED, NULL}), "removing the watched directory gives IN_DELETE_SELF, IN_IGNORED",
          "%s", got());
    errno = 0;
    CHECK(inotify_rm_watch(fd, wd) == -1 && errno == EINVAL, "inotify_rm_watch after IN_IGNORED is EINVAL", "errno %d", errno);
    close(fd);
    return t_done("ev_inotify");
}
