/* rtnetlink for the loopback device, as a fresh Linux network namespace
 * has it (`unshare --net` on the host prints the same lines): lo, index
 * 1, down, without addresses; RTM_SETLINK IFF_UP (acknowledged) brings it
 * up with 127.0.0.1/8 and ::1/128; RTM_GETLINK by index and as a dump,
 * RTM_GETADDR dumps per family, RTM_NEWADDR/RTM_DELADDR (EEXIST with
 * NLM_F_EXCL, EADDRNOTAVAIL for an address lo lacks), ENODEV for another
 * index, EOPNOTSUPP for an unknown type, replies from port id 0.
 * Guest-only: the host's own namespace has other interfaces (run it
 * under `unshare --net` to compare). */
#include <stdint.h>
#include <sys/socket.h>
#include "../t.h"

struct nlh { uint32_t len; uint16_t type, flags; uint32_t seq, pid; };
struct ifi { uint8_t family, pad; uint16_t type; int32_t index; uint32_t flags, change; };
struct ifa { uint8_t family, prefix, flags, scope; uint32_t index; };
struct nladdr { uint16_t family, pad; uint32_t pid, groups; };

static int fd;
static uint32_t seq;
static char rbuf[16384];

/* Sends one request (header + body + optional attribute); returns the
 * length of the reply datagram in rbuf. */
static int ask(uint16_t type, uint16_t flags, const void *body, int blen, uint16_t atype, const void *attr, int alen) {
    char req[256] = {0};
    struct nlh *h = (struct nlh *)req;
    int len = 16 + blen;
    memcpy(req + 16, body, blen);
    if (attr) {
        uint16_t rl = 4 + alen;
        memcpy(req + len, &rl, 2);
        memcpy(req + len + 2, &atype, 2);
        memcpy(req + len + 4, attr, alen);
        len += (rl + 3) & ~3;
    }
    h->len = len;
    h->type = type;
    h->flags = 1 | flags;
    h->seq = ++seq;
    struct nladdr k = {16, 0, 0, 0};
    if (sendto(fd, req, len, 0, (struct sockaddr *)&k, sizeof k) != len) return -1;
    if ((flags & 0x300) != 0x300)
        return recv(fd, rbuf, sizeof rbuf, 0);
    /* A dump: datagrams until NLMSG_DONE, one after the other in rbuf. */
    int n = 0;
    for (;;) {
        int r = recv(fd, rbuf + n, sizeof rbuf - n, 0);
        if (r <= 0) return n;
        int off = n, isdone = 0;
        n += r;
        while (off + 16 <= n) {
            struct nlh *m = (struct nlh *)(rbuf + off);
            if (m->len < 16) break;
            if (m->type == 3 || m->type == 2) isdone = 1;
            off += (m->len + 3) & ~3;
        }
        if (isdone) return n;
    }
}

/* The errno of the NLMSG_ERROR at the start of rbuf (-1000 if none). */
static int err_of(int n) {
    struct nlh *h = (struct nlh *)rbuf;
    if (n < 20 || h->type != 2) return -1000;
    int32_t e;
    memcpy(&e, rbuf + 16, 4);
    return -e;
}

/* Counts messages of `type` in a reply and whether it ends with DONE. */
static int count(int n, uint16_t type, int *done) {
    int c = 0, off = 0;
    *done = 0;
    while (off + 16 <= n) {
        struct nlh *h = (struct nlh *)(rbuf + off);
        if (h->len < 16) break;
        if (h->type == type) c++;
        if (h->type == 3) *done = 1;
        off += (h->len + 3) & ~3;
    }
    return c;
}

int main(void) {
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0, "socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)", "errno %d", errno);
    struct nladdr me = {16, 0, 0, 0};
    bind(fd, (struct sockaddr *)&me, sizeof me);
    struct ifi li = {0};
    int done, n = ask(18, 0x300, &li, sizeof li, 0, NULL, 0);
    struct ifi *got = (struct ifi *)(rbuf + 16);
    char *name = rbuf + 16 + sizeof(struct ifi) + 4;
    int links = count(n, 16, &done);
    CHECK(links == 1 && done && got->index == 1 && got->type == 772 && (got->flags & 0x8), "a link dump: lo, index 1, ARPHRD_LOOPBACK, IFF_LOOPBACK, then NLMSG_DONE", "links %d done %d", links, done);
    CHECK(strcmp(name, "lo") == 0, "its first attribute is IFLA_IFNAME lo", "name %.8s", name);
    CHECK(!(got->flags & 0x1), "lo starts down", "flags %#x", got->flags);
    struct ifa ai = {0};
    n = ask(22, 0x300, &ai, sizeof ai, 0, NULL, 0);
    CHECK(count(n, 20, &done) == 0 && done, "a down lo has no addresses", "n %d", n);

    li.index = 1;
    li.flags = 1;
    li.change = 1;
    n = ask(19, 4, &li, sizeof li, 0, NULL, 0);
    CHECK(err_of(n) == 0, "RTM_SETLINK IFF_UP with NLM_F_ACK: acknowledged", "err %d", err_of(n));
    struct ifi q = {0};
    q.index = 1;
    n = ask(18, 0, &q, sizeof q, 0, NULL, 0);
    got = (struct ifi *)(rbuf + 16);
    CHECK(((struct nlh *)rbuf)->type == 16 && (got->flags & 0x10041) == 0x10041, "lo is up, running, lower up", "flags %#x", got->flags);
    n = ask(22, 0x300, &ai, sizeof ai, 0, NULL, 0);
    CHECK(count(n, 20, &done) == 2 && done, "up, lo has two addresses", "n %d", count(n, 20, &done));
    ai.family = 2;
    n = ask(22, 0x300, &ai, sizeof ai, 0, NULL, 0);
    struct ifa *a4 = (struct ifa *)(rbuf + 16);
    unsigned char *ip = (unsigned char *)rbuf + 16 + sizeof(struct ifa) + 4;
    CHECK(count(n, 20, &done) == 1 && a4->prefix == 8 && a4->scope == 254 && ip[0] == 127 && ip[3] == 1, "the IPv4 one is 127.0.0.1/8, scope host", "prefix %d", a4->prefix);
    ai.family = 10;
    n = ask(22, 0x300, &ai, sizeof ai, 0, NULL, 0);
    struct ifa *a6 = (struct ifa *)(rbuf + 16);
    CHECK(count(n, 20, &done) == 1 && a6->prefix == 128, "the IPv6 one is ::1/128", "prefix %d", a6->prefix);

    struct ifa add = {2, 8, 0, 254, 1};
    unsigned char two[4] = {127, 0, 0, 2};
    n = ask(20, 4 | 0x400, &add, sizeof add, 2, two, 4);
    CHECK(err_of(n) == 0, "RTM_NEWADDR 127.0.0.2/8", "err %d", err_of(n));
    ai.family = 2;
    n = ask(22, 0x300, &ai, sizeof ai, 0, NULL, 0);
    CHECK(count(n, 20, &done) == 2, "it is listed", "n %d", count(n, 20, &done));
    n = ask(20, 4 | 0x400 | 0x200, &add, sizeof add, 2, two, 4);
    CHECK(err_of(n) == EEXIST, "adding it again with NLM_F_EXCL is EEXIST", "err %d", err_of(n));
    n = ask(21, 4, &add, sizeof add, 2, two, 4);
    CHECK(err_of(n) == 0, "RTM_DELADDR removes it", "err %d", err_of(n));
    n = ask(21, 4, &add, sizeof add, 2, two, 4);
    CHECK(err_of(n) == EADDRNOTAVAIL, "removing it again is EADDRNOTAVAIL", "err %d", err_of(n));
    q.index = 9;
    n = ask(18, 0, &q, sizeof q, 0, NULL, 0);
    CHECK(err_of(n) == ENODEV, "another index is ENODEV", "err %d", err_of(n));
    n = ask(99, 0, &q, sizeof q, 0, NULL, 0);
    CHECK(err_of(n) == EOPNOTSUPP, "an unknown type is EOPNOTSUPP", "err %d", err_of(n));
    struct nladdr from;
    socklen_t fl = sizeof from;
    q.index = 1;
    char req[32] = {0};
    struct nlh *h = (struct nlh *)req;
    h->len = 32;
    h->type = 18;
    h->flags = 1;
    memcpy(req + 16, &q, sizeof q);
    send(fd, req, 32, 0);
    n = recvfrom(fd, rbuf, sizeof rbuf, 0, (struct sockaddr *)&from, &fl);
    CHECK(n > 0 && fl == sizeof from && from.family == 16 && from.pid == 0, "replies come from port id 0", "fl %u pid %u", (unsigned)fl, from.pid);
    return t_done("netlink_route");
}
