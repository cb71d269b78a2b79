/* /proc/net/unix: the link /proc/net -> self/net, the header, and a line
 * per socket with Linux's fields: a listening path socket (type 0001,
 * state 01, the accept flag 00010000), a connected stream pair, an
 * abstract name shown with '@', the inode that fstat and the fd link
 * report. Sockets of others are ignored: only our own names are looked
 * for. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "../t.h"
#include "../procfs.h"

#define SOCK "/tmp/procfs_net.sock"

/* The /proc/net/unix line whose path is `path`, or NULL. */
static char *line_for(const char *path) {
    static char buf[1 << 16];
    static char line[512];
    int fd = open("/proc/net/unix", O_RDONLY);
    if (fd < 0)
        return NULL;
    ssize_t n = 0, r;
    while (n < (ssize_t)sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
        size_t ll = strlen(l), pl = strlen(path);
        if (ll > pl + 1 && l[ll - pl - 1] == ' ' && strcmp(l + ll - pl, path) == 0) {
            snprintf(line, sizeof line, "%s", l);
            return line;
        }
    }
    return NULL;
}

int main(void) {
    t_proc_mount();
    char l[64] = {0};
    readlink("/proc/net", l, sizeof l - 1);
    CHECK(strcmp(l, "self/net") == 0, "/proc/net is a link to self/net", "'%s'", l);
    int fd = open("/proc/net/unix", O_RDONLY);
    char head[128] = {0};
    read(fd, head, 57);
    close(fd);
    CHECK(strncmp(head, "Num       RefCount Protocol Flags    Type St Inode Path\n", 56) == 0, "/proc/net/unix's header",
          "'%s'", head);
    struct stat st;
    CHECK(stat("/proc/self/net/unix", &st) == 0 && (st.st_mode & 0777) == 0444, "/proc/self/net/unix is mode 0444",
          "mode %o", st.st_mode);

    unlink(SOCK);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, SOCK);
    int b = bind(s, (struct sockaddr *)&a, sizeof a);
    listen(s, 4);
    char *ln = line_for(SOCK);
    unsigned long refs = 0, proto = 9, flags = 0, type = 0, state = 0, ino = 0;
    int fields = ln ? sscanf(strchr(ln, ':') + 1, "%lx %lx %lx %lx %lx %lu", &refs, &proto, &flags, &type, &state, &ino) : 0;
    fstat(s, &st);
    CHECK(b == 0 && ln && fields == 6 && proto == 0 && flags == 0x10000 && type == 1 && state == 1,
          "a listening path socket: protocol 0, flags 00010000, type 0001, state 01", "line '%s'", ln ? ln : "(none)");
    CHECK(ln && ino == (unsigned long)st.st_ino, "its inode is the one fstat reports", "%lu vs %lu", ino,
          (unsigned long)st.st_ino);
    char fdl[64], want[64];
    snprintf(fdl, sizeof fdl, "/proc/self/fd/%d", s);
    memset(l, 0, sizeof l);
    readlink(fdl, l, sizeof l - 1);
    snprintf(want, sizeof want, "socket:[%lu]", (unsigned long)st.st_ino);
    CHECK(strcmp(l, want) == 0, "the fd link reads socket:[inode]", "'%s' vs '%s'", l, want);

    /* A connected client and the accepted end: state 03 (connected). */
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    int cr = connect(c, (struct sockaddr *)&a, sizeof a);
    int acc = accept(s, NULL, NULL);
    int conns = 0;
    {
        static char buf[1 << 16];
        int f = open("/proc/net/unix", O_RDONLY);
        ssize_t n = 0, r;
        while (n < (ssize_t)sizeof buf - 1 && (r = read(f, buf + n, sizeof buf - 1 - n)) > 0)
            n += r;
        close(f);
        buf[n] = 0;
        /* The accepted end carries the listener's path, connected. */
        for (char *x = strtok(buf, "\n"); x; x = strtok(NULL, "\n"))
            if (strstr(x, " " SOCK) && strstr(x, " 0001 03 "))
                conns++;
    }
    CHECK(cr == 0 && acc >= 0 && conns == 1, "the accepted end shows the path, type 0001, state 03", "conns %d", conns);

    /* An abstract name is shown with '@'. */
    int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un aa = {.sun_family = AF_UNIX};
    memcpy(aa.sun_path, "\0procfs_net_abstract", 20);
    int br = bind(ab, (struct sockaddr *)&aa, offsetof(struct sockaddr_un, sun_path) + 20);
    ln = line_for("@procfs_net_abstract");
    fields = ln ? sscanf(strchr(ln, ':') + 1, "%lx %lx %lx %lx %lx %lu", &refs, &proto, &flags, &type, &state, &ino) : 0;
    CHECK(br == 0 && ln && fields == 6 && type == 2 && state == 1, "an abstract datagram socket: @name, type 0002, state 01",
          "line '%s'", ln ? ln : "(none)");

    close(ab);
    close(acc);
    close(c);
    close(s);
    unlink(SOCK);
    CHECK(line_for(SOCK) == NULL, "a closed socket's line goes", "still there");
    return t_done("procfs_net");
}
