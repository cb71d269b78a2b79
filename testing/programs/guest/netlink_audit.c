/* NETLINK_AUDIT on a kernel built without audit (as Aramid is): socket(2)
 * finds no handler for the protocol and answers EPROTONOSUPPORT, which
 * libaudit and systemd take as "no audit". Guest-only: the host's kernel
 * has audit. */
#include <sys/socket.h>
#include "../t.h"

int main(void) {
    CHECK(FAILS(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 9), EPROTONOSUPPORT), "NETLINK_AUDIT on a kernel without audit: EPROTONOSUPPORT", "errno %d", errno);
    CHECK(FAILS(socket(AF_NETLINK, SOCK_DGRAM, 9), EPROTONOSUPPORT), "the same for SOCK_DGRAM", "errno %d", errno);
    return t_done("netlink_audit");
}
