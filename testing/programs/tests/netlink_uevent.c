/* AF_NETLINK NETLINK_KOBJECT_UEVENT sockets as a device monitor opens
 * them: bind to group 1 with port id 0 (the process id is chosen for the
 * first socket, another id for the next), getsockname, EADDRINUSE for a
 * port id in use and EINVAL for rebinding to another, a classic-BPF
 * filter attached and detached (EINVAL for an empty program, ENOENT to
 * detach none), the buffer options, SO_PROTOCOL/SO_TYPE/SO_DOMAIN,
 * membership options, writable but nothing to read, and the errors of
 * socket(2) for netlink types and protocols. */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include "../t.h"
#include "../nl.h"

static int getint(int fd, int level, int opt) {
    int v = -1;
    socklen_t l = sizeof v;
    if (getsockopt(fd, level, opt, &v, &l) != 0) return -2;
    return v;
}

int main(void) {
    t_watchdog(30);
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
    CHECK(s >= 0, "socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT)", "errno %d", errno);
    struct sockaddr_nl a = {.nl_family = AF_NETLINK, .nl_pid = 0, .nl_groups = 1};
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0, "bind to group 1 with port id 0", "errno %d", errno);
    struct sockaddr_nl b;
    socklen_t bl = sizeof b;
    memset(&b, 0, sizeof b);
    CHECK(getsockname(s, (struct sockaddr *)&b, &bl) == 0 && bl == sizeof b && b.nl_family == AF_NETLINK && b.nl_pid == (unsigned)getpid() && b.nl_groups == 1,
          "the first socket's port id is the process id", "len %u pid %u groups %u", (unsigned)bl, b.nl_pid, b.nl_groups);
    int s2 = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT);
    a.nl_groups = 0;
    bind(s2, (struct sockaddr *)&a, sizeof a);
    bl = sizeof b;
    getsockname(s2, (struct sockaddr *)&b, &bl);
    CHECK(b.nl_pid != 0 && b.nl_pid != (unsigned)getpid(), "the next one gets another port id", "pid %u", b.nl_pid);
    int s3 = socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT);
    a.nl_pid = getpid();
    CHECK(FAILS(bind(s3, (struct sockaddr *)&a, sizeof a), EADDRINUSE), "a port id in use is EADDRINUSE", "errno %d", errno);
    a.nl_pid = 0x7ffff000;
    CHECK(bind(s3, (struct sockaddr *)&a, sizeof a) == 0, "a free port id can be chosen", "errno %d", errno);
    a.nl_pid = 0x7ffff001;
    CHECK(FAILS(bind(s3, (struct sockaddr *)&a, sizeof a), EINVAL), "rebinding to another port id is EINVAL", "errno %d", errno);
    CHECK(FAILS(bind(s3, (struct sockaddr *)&a, 8), EINVAL), "a short sockaddr_nl is EINVAL", "errno %d", errno);
    close(s3);

    int one = 1;
    struct sock_filter code[] = {{0x06, 0, 0, 0xffffffff}}; /* BPF_RET | BPF_K: accept */
    struct sock_fprog prog = {1, code};
    CHECK(setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) == 0, "SO_ATTACH_FILTER takes a classic-BPF program", "errno %d", errno);
    struct sock_fprog empty = {0, code};
    CHECK(FAILS(setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &empty, sizeof empty), EINVAL), "an empty program is EINVAL", "errno %d", errno);
    CHECK(setsockopt(s, SOL_SOCKET, SO_DETACH_FILTER, &one, sizeof one) == 0, "SO_DETACH_FILTER", "errno %d", errno);
    CHECK(FAILS(setsockopt(s, SOL_SOCKET, SO_DETACH_FILTER, &one, sizeof one), ENOENT), "detaching no filter is ENOENT", "errno %d", errno);
    int big = 1 << 20;
    CHECK(setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) == 0 && getint(s, SOL_SOCKET, SO_RCVBUF) == 2 << 20, "SO_RCVBUFFORCE (as root)", "rcvbuf %d", getint(s, SOL_SOCKET, SO_RCVBUF));
    CHECK(setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) == 0 && getint(s, SOL_SOCKET, SO_PASSCRED) == 1, "SO_PASSCRED", "errno %d", errno);
    CHECK(getint(s, SOL_SOCKET, SO_PROTOCOL) == NETLINK_KOBJECT_UEVENT && getint(s, SOL_SOCKET, SO_TYPE) == SOCK_RAW && getint(s, SOL_SOCKET, SO_DOMAIN) == AF_NETLINK,
          "SO_PROTOCOL, SO_TYPE, SO_DOMAIN", "%d %d %d", getint(s, SOL_SOCKET, SO_PROTOCOL), getint(s, SOL_SOCKET, SO_TYPE), getint(s, SOL_SOCKET, SO_DOMAIN));
    int g = 2;
    CHECK(setsockopt(s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof g) == 0, "NETLINK_ADD_MEMBERSHIP", "errno %d", errno);
    g = 0;
    CHECK(FAILS(setsockopt(s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof g), EINVAL), "membership of group 0 is EINVAL", "errno %d", errno);
    int pk = -1;
    CHECK(setsockopt(s, SOL_NETLINK, NETLINK_PKTINFO, &one, sizeof one) == 0 && (pk = getint(s, SOL_NETLINK, NETLINK_PKTINFO)) == 1, "NETLINK_PKTINFO", "v %d", pk);

    char buf[256];
    CHECK(FAILS(recv(s, buf, sizeof buf, 0), EAGAIN), "nothing to read", "errno %d", errno);
    struct pollfd pf = {s, POLLIN | POLLOUT, 0};
    CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLOUT, "writable, not readable", "revents %#x", pf.revents);
    CHECK(FAILS(listen(s, 1), EOPNOTSUPP), "listen is EOPNOTSUPP", "errno %d", errno);
    CHECK(FAILS(socket(AF_NETLINK, SOCK_STREAM, NETLINK_KOBJECT_UEVENT), ESOCKTNOSUPPORT), "SOCK_STREAM netlink is ESOCKTNOSUPPORT", "errno %d", errno);
    CHECK(FAILS(socket(AF_NETLINK, SOCK_RAW, 32), EPROTONOSUPPORT), "a protocol past MAX_LINKS is EPROTONOSUPPORT", "errno %d", errno);
    close(s);
    close(s2);
    s = socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT);
    a.nl_pid = 0;
    bind(s, (struct sockaddr *)&a, sizeof a);
    bl = sizeof b;
    getsockname(s, (struct sockaddr *)&b, &bl);
    CHECK(b.nl_pid == (unsigned)getpid(), "a closed socket's port id is free again", "pid %u", b.nl_pid);
    return t_done("netlink_uevent");
}
