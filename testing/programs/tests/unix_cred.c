/* AF_UNIX credentials: SO_PEERCRED (socketpair, connect, accept, the
 * listener's own; pid 0 and ids -1 without a peer), SO_PASSCRED (a
 * receiver that asks gets the sender's pid, uid and gid although the
 * sender sent none: the sd_notify path, with a sender in another
 * process under another uid), SCM_CREDENTIALS sent explicitly,
 * autobind of an unbound SO_PASSCRED sender, SO_PEERSEC (ENOPROTOOPT
 * without an LSM), SO_PASSSEC, and EOPNOTSUPP for options at other
 * levels. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "../t.h"

#define NOTIFY "/tmp/unix_cred.notify"

static socklen_t mkaddr(struct sockaddr_un *a, const char *path) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

/* Receives one message; its SCM_CREDENTIALS into *uc (1 if there). */
static int recv_cred(int s, char *buf, int len, struct ucred *uc, struct sockaddr_un *from, socklen_t *fl) {
    char ctl[CMSG_SPACE(sizeof(struct ucred)) + 64];
    struct iovec iov = {buf, len};
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl;
    mh.msg_controllen = sizeof ctl;
    if (from) {
        mh.msg_name = from;
        mh.msg_namelen = *fl;
    }
    if (recvmsg(s, &mh, 0) < 0) return -1;
    if (from) *fl = mh.msg_namelen;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            memcpy(uc, CMSG_DATA(c), sizeof *uc);
            return 1;
        }
    return 0;
}

static struct ucred peercred(int s) {
    struct ucred uc = {-5, 5, 5};
    socklen_t l = sizeof uc;
    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &uc, &l);
    return uc;
}

int main(void) {
    t_watchdog(30);
    int sv[2], one = 1;
    char buf[64];
    struct ucred uc;
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    uc = peercred(sv[0]);
    CHECK(uc.pid == getpid() && uc.uid == geteuid() && uc.gid == getegid(), "SO_PEERCRED of a socketpair is our own", "pid %d uid %u", uc.pid, uc.uid);
    int lone = socket(AF_UNIX, SOCK_STREAM, 0);
    uc = peercred(lone);
    CHECK(uc.pid == 0 && uc.uid == (uid_t)-1 && uc.gid == (gid_t)-1, "SO_PEERCRED without a peer: pid 0, ids -1", "pid %d uid %u gid %u", uc.pid, uc.uid, uc.gid);
    socklen_t l = 4;
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &l) == 0 && l == 4, "a short SO_PEERCRED buffer gets what fits", "l %u", (unsigned)l);
    CHECK(FAILS(getsockopt(sv[0], SOL_SOCKET, SO_PEERSEC, buf, &(socklen_t){sizeof buf}), ENOPROTOOPT), "SO_PEERSEC without an LSM is ENOPROTOOPT", "errno %d", errno);
    int v = -1;
    l = sizeof v;
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_PASSSEC, &one, sizeof one) == 0 && getsockopt(sv[0], SOL_SOCKET, SO_PASSSEC, &v, &l) == 0 && v == 1, "SO_PASSSEC can be set and read", "v %d", v);
    CHECK(FAILS(setsockopt(sv[0], 6, 1, &one, sizeof one), EOPNOTSUPP), "an option at another level is EOPNOTSUPP", "errno %d", errno);

    /* Without SO_PASSCRED nothing comes; with it, the sender's. */
    write(sv[0], "a", 1);
    int got = recv_cred(sv[1], buf, sizeof buf, &uc, NULL, NULL);
    CHECK(got == 0, "no credentials without SO_PASSCRED", "got %d", got);
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    v = 0;
    l = sizeof v;
    CHECK(getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &l) == 0 && v == 1, "SO_PASSCRED reads back", "v %d", v);
    write(sv[0], "b", 1);
    got = recv_cred(sv[1], buf, sizeof buf, &uc, NULL, NULL);
    CHECK(got == 1 && uc.pid == getpid() && uc.uid == getuid() && uc.gid == getgid(), "SO_PASSCRED: the sender's pid, uid, gid", "got %d pid %d", got, uc.pid);

    /* sd_notify: a datagram from another process, another uid. */
    struct sockaddr_un na, from;
    unlink(NOTIFY);
    socklen_t nl = mkaddr(&na, NOTIFY);
    int n = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bind(n, (struct sockaddr *)&na, nl);
    chmod(NOTIFY, 0777);
    setsockopt(n, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    pid_t c = fork();
    if (c == 0) {
        if (getuid() == 0) {
            setgid(4242);
            setuid(4243);
        }
        int s = socket(AF_UNIX, SOCK_DGRAM, 0);
        struct sockaddr_un a;
        _exit(sendto(s, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&a, mkaddr(&a, NOTIFY)) == 7 ? 0 : 1);
    }
    t_wait_exit(c);
    memset(buf, 0, sizeof buf);
    socklen_t fl = sizeof from;
    got = recv_cred(n, buf, sizeof buf, &uc, &from, &fl);
    int root = getuid() == 0;
    CHECK(got == 1 && strcmp(buf, "READY=1") == 0 && uc.pid == c && uc.uid == (root ? 4243u : getuid()) && uc.gid == (root ? 4242u : getgid()),
          "sd_notify: the receiver gets the sender's pid, uid and gid", "got %d pid %d/%d uid %u gid %u", got, uc.pid, c, uc.uid, uc.gid);
    CHECK(fl == 0, "an unbound sender to a SO_PASSCRED receiver stays unnamed", "fl %u", (unsigned)fl);

    /* An unbound sender with SO_PASSCRED itself is autobound. */
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    sendto(s, "x", 1, 0, (struct sockaddr *)&na, nl);
    fl = sizeof from;
    got = recv_cred(n, buf, sizeof buf, &uc, &from, &fl);
    CHECK(got == 1 && fl == offsetof(struct sockaddr_un, sun_path) + 6 && from.sun_path[0] == 0, "a SO_PASSCRED sender is autobound", "fl %u", (unsigned)fl);
    close(s);

    /* Explicit SCM_CREDENTIALS. */
    s = socket(AF_UNIX, SOCK_DGRAM, 0);
    char ctl[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = {"e", 1};
    struct msghdr mh = {0};
    mh.msg_name = &na;
    mh.msg_namelen = nl;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl;
    mh.msg_controllen = sizeof ctl;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_CREDENTIALS;
    cm->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred mine = {getpid(), getuid(), getgid()};
    memcpy(CMSG_DATA(cm), &mine, sizeof mine);
    CHECK(sendmsg(s, &mh, 0) == 1, "sendmsg with our own SCM_CREDENTIALS", "errno %d", errno);
    got = recv_cred(n, buf, sizeof buf, &uc, NULL, NULL);
    CHECK(got == 1 && uc.pid == getpid(), "they arrive", "got %d pid %d", got, uc.pid);
    cm->cmsg_len = CMSG_LEN(8);
    CHECK(FAILS(sendmsg(s, &mh, 0), EINVAL), "SCM_CREDENTIALS of the wrong size is EINVAL", "errno %d", errno);
    c = fork();
    if (c == 0) {
        if (getuid() == 0) setuid(4243);
        struct ucred fake = {1, 4243, getgid()};
        cm->cmsg_len = CMSG_LEN(sizeof(struct ucred));
        memcpy(CMSG_DATA(cm), &fake, sizeof fake);
        int x = socket(AF_UNIX, SOCK_DGRAM, 0);
        _exit(FAILS(sendmsg(x, &mh, 0), EPERM) ? 0 : 1);
    }
    CHECK(t_wait_exit(c) == 0, "claiming another pid without CAP_SYS_ADMIN is EPERM", "child failed");

    /* SO_PEERCRED over connect/accept. */
    struct sockaddr_un la;
    unlink("/tmp/unix_cred.listen");
    socklen_t ll = mkaddr(&la, "/tmp/unix_cred.listen");
    int lis = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(lis, (struct sockaddr *)&la, ll);
    chmod(la.sun_path, 0777);
    listen(lis, 4);
    uc = peercred(lis);
    CHECK(uc.pid == getpid(), "a listener's SO_PEERCRED is its own", "pid %d", uc.pid);
    int pp[2], back[2];
    pipe(pp);
    pipe(back);
    c = fork();
    if (c == 0) {
        if (getuid() == 0) setuid(4243);
        int x = socket(AF_UNIX, SOCK_STREAM, 0);
        connect(x, (struct sockaddr *)&la, ll);
        struct ucred u = peercred(x);
        char r = (u.pid == getppid()) ? 'y' : 'n';
        write(pp[1], &r, 1);
        read(back[0], &r, 1);
        _exit(0);
    }
    int a = accept(lis, NULL, NULL);
    uc = peercred(a);
    CHECK(uc.pid == c && uc.uid == (root ? 4243u : getuid()), "the accepted socket's SO_PEERCRED is the client's", "pid %d uid %u", uc.pid, uc.uid);
    char r = 0;
    read(pp[0], &r, 1);
    CHECK(r == 'y', "the client's SO_PEERCRED is the listener's", "r %c", r);
    write(back[1], "k", 1);
    t_wait_exit(c);
    unlink("/tmp/unix_cred.listen");
    unlink(NOTIFY);
    return t_done("unix_cred");
}
