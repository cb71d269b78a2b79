/* AF_UNIX names: bind to a path creates a socket file (mode 0777 less
 * the umask), an existing path is EADDRINUSE, a second bind EINVAL;
 * connect to a missing path is ENOENT, to a socket file nobody is bound
 * to any more or to a file that is not a socket ECONNREFUSED, without
 * write permission EACCES; abstract names, autobind's five hex digits,
 * getsockname/getpeername and their length rules, EPROTOTYPE across
 * types, and address-length errors. */
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "../t.h"

static socklen_t mkaddr(struct sockaddr_un *a, const char *path) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

static socklen_t mkabstract(struct sockaddr_un *a, const char *name) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, strlen(name));
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

#define P "/tmp/unix_names.sock"

int main(void) {
    t_watchdog(30);
    struct sockaddr_un a, b;
    socklen_t l;
    unlink(P);
    mode_t old = umask(022);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    l = mkaddr(&a, P);
    CHECK(bind(s, (struct sockaddr *)&a, l) == 0, "bind to a path", "errno %d", errno);
    struct stat st;
    CHECK(stat(P, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0755, "bind creates a socket file, mode 0777 less the umask", "mode %o", st.st_mode);
    umask(old);
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(FAILS(bind(s2, (struct sockaddr *)&a, l), EADDRINUSE), "bind to an existing path is EADDRINUSE", "errno %d", errno);
    l = mkaddr(&b, "/tmp/unix_names.other");
    unlink(b.sun_path);
    CHECK(FAILS(bind(s, (struct sockaddr *)&b, l), EINVAL) && access(b.sun_path, F_OK) != 0, "a second bind is EINVAL and leaves no file", "errno %d", errno);
    l = mkaddr(&b, "/tmp/no/such/dir.sock");
    CHECK(FAILS(bind(s2, (struct sockaddr *)&b, l), ENOENT), "bind under a missing directory is ENOENT", "errno %d", errno);

    memset(&b, 0, sizeof b);
    l = sizeof b;
    CHECK(getsockname(s, (struct sockaddr *)&b, &l) == 0 && l == offsetof(struct sockaddr_un, sun_path) + strlen(P) + 1 && strcmp(b.sun_path, P) == 0,
          "getsockname gives the path and its length with the NUL", "len %u", (unsigned)l);
    l = 4;
    memset(&b, 0x7f, sizeof b);
    CHECK(getsockname(s, (struct sockaddr *)&b, &l) == 0 && l == offsetof(struct sockaddr_un, sun_path) + strlen(P) + 1 && b.sun_path[2] == 0x7f,
          "a short buffer gets a cut copy and the full length", "len %u", (unsigned)l);
    l = sizeof b;
    CHECK(getsockname(s2, (struct sockaddr *)&b, &l) == 0 && l == sizeof(sa_family_t) && b.sun_family == AF_UNIX,
          "an unbound socket's name is the family alone", "len %u", (unsigned)l);
    CHECK(FAILS(getpeername(s, (struct sockaddr *)&b, &l), ENOTCONN), "getpeername without a peer is ENOTCONN", "errno %d", errno);

    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    l = mkaddr(&b, "/tmp/unix_names.missing");
    unlink(b.sun_path);
    CHECK(FAILS(connect(c, (struct sockaddr *)&b, l), ENOENT), "connect to a missing path is ENOENT", "errno %d", errno);
    l = mkaddr(&a, P);
    CHECK(FAILS(connect(c, (struct sockaddr *)&a, l), ECONNREFUSED), "connect to a socket that is not listening is ECONNREFUSED", "errno %d", errno);
    close(s);
    CHECK(FAILS(connect(c, (struct sockaddr *)&a, l), ECONNREFUSED), "connect to a stale socket file is ECONNREFUSED", "errno %d", errno);
    int f = open("/tmp/unix_names.file", O_CREAT | O_WRONLY, 0666);
    close(f);
    l = mkaddr(&b, "/tmp/unix_names.file");
    CHECK(FAILS(connect(c, (struct sockaddr *)&b, l), ECONNREFUSED), "connect to a regular file is ECONNREFUSED", "errno %d", errno);
    unlink("/tmp/unix_names.file");

    /* A listener behind a file without write permission. */
    unlink(P);
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    l = mkaddr(&a, P);
    bind(s, (struct sockaddr *)&a, l);
    listen(s, 5);
    CHECK(connect(c, (struct sockaddr *)&a, l) == 0, "connect to a listening path", "errno %d", errno);
    l = sizeof b;
    CHECK(getpeername(c, (struct sockaddr *)&b, &l) == 0 && strcmp(b.sun_path, P) == 0, "getpeername names the listener's path", "len %u", (unsigned)l);
    chmod(P, 0);
    pid_t p = fork();
    if (p == 0) {
        if (getuid() == 0 && setuid(65534) != 0) _exit(2);
        int x = socket(AF_UNIX, SOCK_STREAM, 0);
        _exit(FAILS(connect(x, (struct sockaddr *)&a, mkaddr(&a, P)), EACCES) ? 0 : 1);
    }
    CHECK(t_wait_exit(p) == 0, "connect without write permission on the file is EACCES", "child failed");
    close(s);
    close(c);
    unlink(P);

    /* Abstract names. */
    s = socket(AF_UNIX, SOCK_DGRAM, 0);
    l = mkabstract(&a, "aramid-unix-names");
    CHECK(bind(s, (struct sockaddr *)&a, l) == 0, "bind to an abstract name", "errno %d", errno);
    memset(&b, 0, sizeof b);
    socklen_t bl = sizeof b;
    CHECK(getsockname(s, (struct sockaddr *)&b, &bl) == 0 && bl == l && memcmp(&a, &b, l) == 0, "getsockname of an abstract name gives its exact length", "len %u", (unsigned)bl);
    s2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(FAILS(bind(s2, (struct sockaddr *)&a, l), EADDRINUSE), "an abstract name in use is EADDRINUSE", "errno %d", errno);
    CHECK(sendto(s2, "hi", 2, 0, (struct sockaddr *)&a, l) == 2, "sendto an abstract name", "errno %d", errno);
    char buf[8];
    CHECK(recv(s, buf, sizeof buf, 0) == 2, "the named socket receives it", "errno %d", errno);
    close(s);
    CHECK(FAILS(sendto(s2, "hi", 2, 0, (struct sockaddr *)&a, l), ECONNREFUSED), "an abstract name is free once its socket closes", "errno %d", errno);
    s = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(bind(s, (struct sockaddr *)&a, l) == 0, "and can be bound again", "errno %d", errno);
    close(s);

    /* Autobind. */
    s = socket(AF_UNIX, SOCK_DGRAM, 0);
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    CHECK(bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)) == 0, "bind with the family alone autobinds", "errno %d", errno);
    bl = sizeof b;
    memset(&b, 0, sizeof b);
    int hex = 1;
    getsockname(s, (struct sockaddr *)&b, &bl);
    for (int i = 1; i < 6; i++)
        hex &= (b.sun_path[i] >= '0' && b.sun_path[i] <= '9') || (b.sun_path[i] >= 'a' && b.sun_path[i] <= 'f');
    CHECK(bl == offsetof(struct sockaddr_un, sun_path) + 6 && b.sun_path[0] == 0 && hex, "an autobind name is NUL and five hex digits", "len %u", (unsigned)bl);
    bl = sizeof a;
    CHECK(bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)) == 0 && getsockname(s, (struct sockaddr *)&a, &bl) == 0 && memcmp(&a, &b, bl) == 0,
          "autobind of a bound socket succeeds and keeps the name", "errno %d", errno);
    close(s);

    /* Address errors and types. */
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sun_family = 2;
    strcpy(a.sun_path, "/tmp/x");
    CHECK(FAILS(bind(s, (struct sockaddr *)&a, 10), EINVAL), "bind with another family is EINVAL", "errno %d", errno);
    mkaddr(&b, "/tmp/unix_names.y");
    CHECK(FAILS(bind(s, (struct sockaddr *)&b, 1), EINVAL), "an address shorter than the family is EINVAL", "errno %d", errno);
    CHECK(FAILS(bind(s, (struct sockaddr *)&b, 200), EINVAL), "an address longer than sockaddr_storage is EINVAL", "errno %d", errno);
    CHECK(FAILS(connect(s, (struct sockaddr *)&b, sizeof(sa_family_t)), EINVAL), "connect to the family alone is EINVAL", "errno %d", errno);
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    l = mkabstract(&a, "aramid-unix-names-dgram");
    bind(d, (struct sockaddr *)&a, l);
    CHECK(FAILS(connect(s, (struct sockaddr *)&a, l), ECONNREFUSED), "an abstract name of another type is not found: ECONNREFUSED", "errno %d", errno);
    int d2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(d2, (struct sockaddr *)&a, l) == 0, "a stream socket may take a datagram socket's abstract name", "errno %d", errno);
    close(d2);
    close(d);
    d = socket(AF_UNIX, SOCK_DGRAM, 0);
    unlink("/tmp/unix_names.dgram");
    l = mkaddr(&a, "/tmp/unix_names.dgram");
    bind(d, (struct sockaddr *)&a, l);
    CHECK(FAILS(connect(s, (struct sockaddr *)&a, l), EPROTOTYPE), "a stream connect to a datagram socket's path is EPROTOTYPE", "errno %d", errno);
    unlink("/tmp/unix_names.dgram");
    return t_done("unix_names");
}
