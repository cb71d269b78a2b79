#!/bin/bash
# Debian's iproute2 `ip` over rtnetlink on the loopback device, as PID 1 with
# no init scripts: lo starts DOWN with no address; `ip link set lo up` gives
# it 127.0.0.1/8 and ::1/128 and their local-table routes; an address added
# and deleted by `ip addr` comes and goes with its routes; `ip -d`, an MTU
# change, an IPv6 address with its prefix route, EEXIST/EADDRNOTAVAIL/
# EBUSY, `ip addr flush`, neighbours and policy rules. Every line `ip`
# prints is tagged with the step that printed it and checked by
# testing/suites/shell.toml (the expected lines are Debian's Linux's).
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
bb=/bin/busybox
$bb mkdir -p /proc /sys
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
# Runs `ip ARGS`, prefixing each output line with TAG and then its status.
show() {
  local tag=$1; shift
  ip "$@" 2>&1 | $bb sed "s/^/$tag| /"
  echo "$tag status: ${PIPESTATUS[0]}"
}
show link0 link show lo
show addr0 addr show dev lo
show up link set lo up
show link1 link show lo
show addr1 addr show dev lo
show addr4 -4 addr show dev lo
show addr6 -6 addr show dev lo
show brief -br addr show dev lo
show rlocal route show table local
show rmain route show
show r6local -6 route show table local
show get4 route get 127.0.0.1
show json -j link show dev lo
show add addr add 10.9.8.7/24 dev lo
show addr2 -4 addr show dev lo
show rlocal2 route show table local
show del addr del 10.9.8.7/24 dev lo
show addr3 -4 addr show dev lo
show down link set lo down
show link2 link show lo
show addr5 addr show dev lo
show bad link show nosuchdev
show up2 link set lo up
show r6main -6 route show
show rall route show table all
show det -d link show lo
show mtu link set lo mtu 9000
show link3 link show lo
show a6 addr add 2001:db8::1/64 dev lo
show addr7 -6 addr show dev lo
show r6all -6 route show table all
show excl addr add 127.0.0.1/8 dev lo
show delx addr del 10.1.1.1/8 dev lo
show rename link set dev lo name lo2
show flush addr flush dev lo
show addr8 addr show
show neigh neigh show
show rule rule show
show lnk link
echo "done"
