/* NETLINK_KOBJECT_UEVENT between user sockets, as udevd and systemd use it:
 * a multicast to group 2 reaches the sockets that joined it (not the
 * sender), with the sender's port id and the group's bit in the
 * sockaddr_nl, its credentials with SO_PASSCRED and the group number with
 * NETLINK_PKTINFO; a unicast to a port id arrives with no group;
 * ECONNREFUSED for a port id nobody holds; the receiver's classic-BPF
 * filter drops or cuts datagrams; MSG_TRUNC; and without CAP_NET_ADMIN a
 * send to a group or a socket is EPERM. Every datagram starts with a
 * marker the filters let through, so the host's own udev traffic on
 * group 2 does not disturb the test. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "../t.h"
#include "../nl.h"

#define MARK 0x41524d44u /* "ARMD", big-endian as a BPF word load sees it */

/* Accepts datagrams that start with "ARMD", `keep` bytes of them. */
static int filter_mark(int s, uint32_t keep) {
    struct sock_filter code[] = {
        {0x20, 0, 0, 0},    /* ld [0] */
        {0x15, 0, 1, MARK}, /* jeq #MARK, 0, 1 */
        {0x06, 0, 0, keep}, /* ret #keep */
        {0x06, 0, 0, 0},    /* ret #0 */
    };
    struct sock_fprog p = {4, code};
    return setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &p, sizeof p);
}

static int send_to(int s, uint32_t pid, uint32_t groups, const char *msg) {
    struct sockaddr_nl to = {AF_NETLINK, 0, pid, groups};
    return sendto(s, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof to);
}

static int unprivileged_send(void) {
    uint32_t me;
    int s = nl_open(0, &me);
    STEP(1, s >= 0);
    STEP(2, setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0);
    STEP(3, FAILS(send_to(s, 0, 2, "ARMD no"), EPERM));
    STEP(4, FAILS(send_to(s, me, 0, "ARMD no"), EPERM));
    return 0;
}

int main(void) {
    t_watchdog(30);
    uint32_t rid, sid, r2id;
    int r = nl_open(2, &rid), s = nl_open(0, &sid);
    int r2 = nl_open(0, &r2id);
    int g = 2, one = 1;
    CHECK(r >= 0 && s >= 0 && r2 >= 0 && setsockopt(r2, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof g) == 0,
          "two receivers join group 2 (by bind and by NETLINK_ADD_MEMBERSHIP)", "errno %d", errno);
    CHECK(filter_mark(r, 0xffffffff) == 0 && filter_mark(r2, 0xffffffff) == 0 && filter_mark(s, 0xffffffff) == 0,
          "a classic-BPF filter on each", "errno %d", errno);
    setsockopt(r, SOL_NETLINK, NETLINK_PKTINFO, &one, sizeof one);
    g = 2;
    setsockopt(s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof g);

    const char *m1 = "ARMD\0hello group 2";
    struct sockaddr_nl to = {AF_NETLINK, 0, 0, 2};
    CHECK(sendto(s, m1, 18, 0, (struct sockaddr *)&to, sizeof to) == 18, "sendto group 2 sends the whole datagram", "errno %d", errno);
    char buf[256];
    struct nl_meta m;
    int n = nl_recv(r, buf, sizeof buf, &m, 2000);
    CHECK(n == 18 && memcmp(buf, m1, 18) == 0, "the group's member receives it", "n %d errno %d", n, errno);
    CHECK(m.from.nl_family == AF_NETLINK && m.from.nl_pid == sid && m.from.nl_groups == 2, "from the sender's port id, to group bit 2",
          "pid %u (sender %u) groups %u", m.from.nl_pid, sid, m.from.nl_groups);
    CHECK(m.has_cred && m.cred.pid == getpid() && m.cred.uid == getuid() && m.cred.gid == getgid(), "SCM_CREDENTIALS: the sender's pid, uid, gid",
          "has %d pid %d uid %d gid %d", m.has_cred, m.cred.pid, m.cred.uid, m.cred.gid);
    CHECK(m.has_group && m.group == 2, "NETLINK_PKTINFO: group 2", "has %d group %u", m.has_group, m.group);
    n = nl_recv(r2, buf, sizeof buf, &m, 2000);
    CHECK(n == 18 && !m.has_group, "every member receives it", "n %d errno %d", n, errno);
    CHECK(FAILS(nl_recv(s, buf, sizeof buf, &m, 100), EAGAIN), "the sender does not receive its own multicast", "errno %d", errno);

    CHECK(send_to(s, rid, 0, "ARMD unicast") == 12, "sendto a port id", "errno %d", errno);
    n = nl_recv(r, buf, sizeof buf, &m, 2000);
    CHECK(n == 12 && m.from.nl_pid == sid && m.from.nl_groups == 0 && m.has_cred && m.has_group && m.group == 0,
          "a unicast arrives with no group", "n %d pid %u groups %u group %u", n, m.from.nl_pid, m.from.nl_groups, m.group);
    CHECK(FAILS(nl_recv(r2, buf, sizeof buf, &m, 100), EAGAIN), "only the addressee receives a unicast", "errno %d", errno);
    CHECK(FAILS(send_to(s, 0x7ffffff0, 0, "ARMD nobody"), ECONNREFUSED), "a port id nobody holds is ECONNREFUSED", "errno %d", errno);
    CHECK(send_to(s, 0, 0, "ARMD kernel") == 11, "what is sent to the kernel's port id is taken", "errno %d", errno);

    send_to(s, 0, 2, "XXXX dropped");
    send_to(s, 0, 2, "ARMD kept");
    n = nl_recv(r, buf, sizeof buf, &m, 2000);
    CHECK(n == 9 && memcmp(buf, "ARMD kept", 9) == 0, "the filter drops what it returns 0 for", "n %d '%.*s'", n, n > 0 ? n : 0, buf);
    filter_mark(r, 6);
    send_to(s, 0, 2, "ARMD cut here");
    n = nl_recv(r, buf, sizeof buf, &m, 2000);
    CHECK(n == 6 && memcmp(buf, "ARMD c", 6) == 0 && !(m.flags & MSG_TRUNC), "the filter's return value cuts the datagram", "n %d flags %#x", n, m.flags);
    setsockopt(r, SOL_SOCKET, SO_DETACH_FILTER, &one, sizeof one);
    filter_mark(r, 0xffffffff);
    send_to(s, 0, 2, "ARMD a longer datagram");
    n = nl_recv(r, buf, 8, &m, 2000);
    CHECK(n == 8 && (m.flags & MSG_TRUNC), "a short buffer gets MSG_TRUNC", "n %d flags %#x", n, m.flags);
    int zero = 0;
    setsockopt(r, SOL_SOCKET, SO_PASSCRED, &zero, sizeof zero);
    send_to(s, 0, 2, "ARMD no creds");
    n = nl_recv(r, buf, sizeof buf, &m, 2000);
    CHECK(n == 13 && !m.has_cred, "without SO_PASSCRED no credentials", "n %d has %d", n, m.has_cred);
    g = 2;
    setsockopt(r2, SOL_NETLINK, 2 /* NETLINK_DROP_MEMBERSHIP */, &g, sizeof g);
    while (nl_recv(r2, buf, sizeof buf, &m, 0) > 0)
        ;
    send_to(s, 0, 2, "ARMD after drop");
    CHECK(FAILS(nl_recv(r2, buf, sizeof buf, &m, 100), EAGAIN), "after NETLINK_DROP_MEMBERSHIP nothing arrives", "errno %d", errno);
    uint32_t oid;
    int o = nl_open(2, &oid), small = 1000, err = -1;
    filter_mark(o, 0xffffffff);
    setsockopt(o, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    char big[1000];
    memset(big, 'x', sizeof big);
    memcpy(big, "ARMD", 4);
    struct sockaddr_nl grp = {AF_NETLINK, 0, 0, 2};
    for (int i = 0; i < 10; i++)
        sendto(s, big, sizeof big, 0, (struct sockaddr *)&grp, sizeof grp);
    struct pollfd opf = {o, POLLIN, 0};
    poll(&opf, 1, 1000);
    int got = 0, first = nl_recv(o, buf, sizeof buf, &m, 1000), first_errno = errno;
    while (nl_recv(o, buf, sizeof buf, &m, 100) > 0)
        got++;
    CHECK((opf.revents & POLLERR) && first == -1 && first_errno == ENOBUFS && got >= 1 && got < 10,
          "a receiver past SO_RCVBUF loses datagrams and gets ENOBUFS once", "revents %#x first %d errno %d then %d", opf.revents, first, first_errno, got);
    socklen_t el = sizeof err;
    CHECK(getsockopt(o, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0, "and SO_ERROR is clear after it", "err %d", err);
    close(o);
    int v = 0;
    socklen_t vl = sizeof v;
    CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 && getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &vl) == 0 && v == 1,
          "the socket-level SO_REUSEADDR is kept", "errno %d v %d", errno, v);
    CHECK_CHILD(unprivileged_send, "without CAP_NET_ADMIN sending to a group or a port id is EPERM");
    return t_done("netlink_groups");
}
