/* AF_NETLINK declarations for the uevent tests: linux/netlink.h and
 * linux/filter.h, which musl does not ship, and a receive helper that
 * returns the sender's address, the credentials and the multicast group
 * (NETLINK_PKTINFO) a datagram came with. */
#ifndef ARAMID_NL_H
#define ARAMID_NL_H
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>

struct sockaddr_nl {
    sa_family_t nl_family;
    unsigned short nl_pad;
    uint32_t nl_pid;
    uint32_t nl_groups;
};
struct sock_filter {
    uint16_t code;
    uint8_t jt, jf;
    uint32_t k;
};
struct sock_fprog {
    unsigned short len;
    struct sock_filter *filter;
};
#define NETLINK_KOBJECT_UEVENT 15
#define NETLINK_ADD_MEMBERSHIP 1
#define NETLINK_PKTINFO 3
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef SO_ATTACH_FILTER
#define SO_ATTACH_FILTER 26
#define SO_DETACH_FILTER 27
#endif

/* What nl_recv saw besides the bytes. */
struct nl_meta {
    struct sockaddr_nl from;
    int has_cred, has_group, flags;
    struct { int32_t pid; uint32_t uid, gid; } cred; /* struct ucred */
    uint32_t group;
};

/* One datagram, waiting up to `ms` for it: its length (-1 with errno). */
static inline int nl_recv(int s, char *buf, size_t len, struct nl_meta *m, int ms) {
    struct pollfd pf = {s, POLLIN, 0};
    if (poll(&pf, 1, ms) != 1) {
        errno = EAGAIN;
        return -1;
    }
    char ctl[256];
    struct iovec iov = {buf, len};
    memset(m, 0, sizeof *m);
    struct msghdr mh = {.msg_name = &m->from, .msg_namelen = sizeof m->from, .msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = ctl, .msg_controllen = sizeof ctl};
    int n = recvmsg(s, &mh, MSG_DONTWAIT);
    if (n < 0)
        return -1;
    m->flags = mh.msg_flags;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == 2 /* SCM_CREDENTIALS */) {
            memcpy(&m->cred, CMSG_DATA(c), sizeof m->cred);
            m->has_cred = 1;
        } else if (c->cmsg_level == SOL_NETLINK && c->cmsg_type == NETLINK_PKTINFO) {
            memcpy(&m->group, CMSG_DATA(c), 4);
            m->has_group = 1;
        }
    }
    return n;
}

/* A socket of NETLINK_KOBJECT_UEVENT bound to port id 0 and `groups`,
 * with SO_PASSCRED; its port id in *portid. */
static inline int nl_open(uint32_t groups, uint32_t *portid) {
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
    struct sockaddr_nl a = {AF_NETLINK, 0, 0, groups};
    int one = 1;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0)
        return -1;
    socklen_t l = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &l);
    *portid = a.nl_pid;
    return s;
}
#endif
