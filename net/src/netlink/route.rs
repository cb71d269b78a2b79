//! rtnetlink (rtnetlink(7)) for the one interface this kernel has: the
//! loopback device `lo`, index 1.
//!
//! What Linux does and this mirrors:
//! - RTM_GETLINK (a dump, or one link by index or IFLA_IFNAME; ENODEV for
//!   another) answers an `ifinfomsg` for lo: ARPHRD_LOOPBACK, flags
//!   IFF_LOOPBACK, and IFF_UP|IFF_RUNNING|IFF_LOWER_UP once up, with
//!   IFLA_IFNAME, IFLA_MTU (65536 until set), IFLA_TXQLEN (1000), IFLA_OPERSTATE
//!   (UNKNOWN up, DOWN down), IFLA_LINKMODE, IFLA_ADDRESS and
//!   IFLA_BROADCAST (all zero), IFLA_GROUP (0, "default"), IFLA_QDISC
//!   ("noop" until lo is first up, "noqueue" from then on), and what
//!   `ip -d` shows: promiscuity, allmulti, queue counts, GSO/GRO/TSO
//!   limits, min/max MTU (0: none) and IPv6's address generation mode
//!   (EUI64) in IFLA_AF_SPEC. No IFLA_STATS/IFLA_STATS64 yet.
//! - RTM_NEWLINK/RTM_SETLINK on lo change IFF_UP as `ifi_change` (or,
//!   when 0, the whole flags word) says, unless `ifi_flags` and
//!   `ifi_change` are both 0; IFLA_MTU sets the MTU (without Linux's
//!   dropping of IPv6 below 1280 or IPv4 below 68); a new IFLA_IFNAME is
//!   EBUSY while lo is up (renaming a down lo is not supported:
//!   EOPNOTSUPP); bringing lo up gives it 127.0.0.1/8 and ::1/128, taking
//!   it down removes ::1 (IPv6 addresses go with the link; IPv4's stay).
//! - RTM_GETADDR dumps lo's addresses (AF_UNSPEC, AF_INET or AF_INET6
//!   per the request); RTM_NEWADDR adds one (EEXIST with NLM_F_EXCL,
//!   replaced otherwise), RTM_DELADDR removes one (EADDRNOTAVAIL);
//!   another interface index is ENODEV.
//! - RTM_GETROUTE dumps the local table Linux builds from lo's addresses
//!   while lo is up (filtered by family and by an RTA_TABLE attribute, as
//!   with NETLINK_GET_STRICT_CHK); the main table is empty, as on Linux,
//!   where lo's prefix routes are RTN_LOCAL in the local table. A single
//!   RTM_GETROUTE for an IPv4 destination lo owns answers its cached local
//!   route; another IPv4 destination is ENETUNREACH (a single IPv6 lookup
//!   is not modelled: EOPNOTSUPP). IPv6 addresses give a local route each
//!   and, below /128, a main-table prefix route (metric 256).
//!   RTM_GETNEIGH dumps nothing (lo has no neighbours); RTM_GETRULE dumps
//!   the default policy rules. Other message types are EOPNOTSUPP; a
//!   request too short for its family header is EINVAL. Changes need CAP_NET_ADMIN (EPERM).
//! - NLM_F_ACK asks for an NLMSG_ERROR of 0 after a request that
//!   succeeded; a failed request always gets one with its errno. A dump
//!   answers with its entries in one datagram and NLMSG_DONE in the next
//!   (alone if the dump found nothing), as Linux's netlink_dump.

use alloc::vec::Vec;

mod fib;
use fib::{dump_routes, dump_rules, get_route};

use super::{ack, attrs, done, Builder, Header, NLMSG_HDRLEN, NLM_F_ACK, NLM_F_DUMP, NLM_F_EXCL, NLM_F_MULTI};

pub const RTM_NEWLINK: u16 = 16;
pub const RTM_DELLINK: u16 = 17;
pub const RTM_GETLINK: u16 = 18;
pub const RTM_SETLINK: u16 = 19;
pub const RTM_NEWADDR: u16 = 20;
pub const RTM_DELADDR: u16 = 21;
pub const RTM_GETADDR: u16 = 22;
pub const RTM_GETROUTE: u16 = 26;

pub const AF_UNSPEC: u8 = 0;
pub const AF_INET: u8 = 2;
pub const AF_INET6: u8 = 10;

const IFF_UP: u32 = 0x1;
const IFF_LOOPBACK: u32 = 0x8;
const IFF_RUNNING: u32 = 0x40;
const IFF_LOWER_UP: u32 = 0x10000;
const ARPHRD_LOOPBACK: u16 = 772;
const LO: i32 = 1;

const IFLA_ADDRESS: u16 = 1;
const IFLA_BROADCAST: u16 = 2;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_QDISC: u16 = 6;
const IFLA_TXQLEN: u16 = 13;
const IFLA_OPERSTATE: u16 = 16;
const IFLA_LINKMODE: u16 = 17;
const IFLA_AF_SPEC: u16 = 26;
const IFLA_GROUP: u16 = 27;
const IFLA_PROMISCUITY: u16 = 30;
const IFLA_NUM_TX_QUEUES: u16 = 31;
const IFLA_NUM_RX_QUEUES: u16 = 32;
const IFLA_GSO_MAX_SEGS: u16 = 40;
const IFLA_GSO_MAX_SIZE: u16 = 41;
const IFLA_MIN_MTU: u16 = 50;
const IFLA_MAX_MTU: u16 = 51;
const IFLA_GRO_MAX_SIZE: u16 = 58;
const IFLA_TSO_MAX_SIZE: u16 = 59;
const IFLA_TSO_MAX_SEGS: u16 = 60;
const IFLA_ALLMULTI: u16 = 61;
const IFLA_INET6_ADDR_GEN_MODE: u16 = 8;

pub const RTM_NEWROUTE: u16 = 24;
pub const RTM_GETNEIGH: u16 = 30;
pub const RTM_NEWRULE: u16 = 32;
pub const RTM_GETRULE: u16 = 34;
const FRA_PRIORITY: u16 = 6;
const FRA_SUPPRESS_PREFIXLEN: u16 = 14;
const FRA_TABLE: u16 = 15;
const FRA_PROTOCOL: u16 = 21;
const FR_ACT_TO_TBL: u8 = 1;
const RT_TABLE_DEFAULT: u8 = 253;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_PRIORITY: u16 = 6;
const RTA_PREFSRC: u16 = 7;
const RTA_TABLE: u16 = 15;
const RTA_PREF: u16 = 20;
const RTA_UID: u16 = 25;
const RT_TABLE_MAIN: u8 = 254;
const RT_TABLE_LOCAL: u8 = 255;
const RTPROT_UNSPEC: u8 = 0;
const RTPROT_KERNEL: u8 = 2;
const RT_SCOPE_UNIVERSE: u8 = 0;
const RT_SCOPE_LINK: u8 = 253;
const RTN_UNICAST: u8 = 1;
const RTN_LOCAL: u8 = 2;
const RTN_BROADCAST: u8 = 3;
const RTM_F_CLONED: u32 = 0x200;
const RTCF_LOCAL: u32 = 0x8000_0000;
const ENETUNREACH: i32 = 101;

const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_LABEL: u16 = 3;
const IFA_CACHEINFO: u16 = 6;
const IFA_FLAGS: u16 = 8;
const IFA_F_PERMANENT: u8 = 0x80;
const RT_SCOPE_HOST: u8 = 254;

const ENODEV: i32 = 19;
const EINVAL: i32 = 22;
const EEXIST: i32 = 17;
const EPERM: i32 = 1;
const EBUSY: i32 = 16;
const EOPNOTSUPP: i32 = 95;
const EADDRNOTAVAIL: i32 = 99;

/// One address on lo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IfAddr {
    pub family: u8,
    pub prefix: u8,
    /// ifa_scope as given (RT_SCOPE_HOST for the loopback addresses).
    pub scope: u8,
    pub addr: Vec<u8>,
}

/// The loopback device's state.
pub struct Lo {
    pub up: bool,
    /// Whether lo has been up once: its qdisc is "noop" until then and
    /// "noqueue" from then on (Linux attaches the default qdisc at the
    /// first dev_open and keeps it when the device goes down).
    pub qdisc: bool,
    pub mtu: u32,
    pub addrs: Vec<IfAddr>,
}

/// The kernel's lo.
pub static LO_STATE: spin::Mutex<Lo> = spin::Mutex::new(Lo { up: false, qdisc: false, mtu: 65536, addrs: Vec::new() });

fn v4_loopback() -> IfAddr {
    IfAddr { family: AF_INET, prefix: 8, scope: RT_SCOPE_HOST, addr: alloc::vec![127, 0, 0, 1] }
}

fn v6_loopback() -> IfAddr {
    let mut a = alloc::vec![0u8; 16];
    a[15] = 1;
    IfAddr { family: AF_INET6, prefix: 128, scope: RT_SCOPE_HOST, addr: a }
}

impl Lo {
    /// Adds an address where Linux lists it: IPv4's after the others;
    /// IPv6's before the first of a scope as narrow or wider (global
    /// before host, the newest first among equals, as
    /// ipv6_link_dev_addr), all IPv4 before all IPv6.
    fn insert(&mut self, a: IfAddr) {
        let at = if a.family == AF_INET6 {
            self.addrs.iter().position(|x| x.family == AF_INET6 && a.scope <= x.scope).unwrap_or(self.addrs.len())
        } else {
            self.addrs.iter().position(|x| x.family != AF_INET).unwrap_or(self.addrs.len())
        };
        self.addrs.insert(at, a);
    }

    fn set_up(&mut self, up: bool) {
        if up && !self.up {
            for a in [v4_loopback(), v6_loopback()] {
                if !self.addrs.contains(&a) {
                    self.insert(a);
                }
            }
        } else if !up && self.up {
            self.addrs.retain(|a| a.family != AF_INET6);
        }
        self.up = up;
        self.qdisc |= up;
    }

    fn flags(&self) -> u32 {
        IFF_LOOPBACK | if self.up { IFF_UP | IFF_RUNNING | IFF_LOWER_UP } else { 0 }
    }

    fn link(&self, buf: Vec<u8>, ty: u16, flags: u16, seq: u32, portid: u32) -> Vec<u8> {
        let mut b = Builder::new(buf, ty, flags, seq, portid);
        b.bytes(&[AF_UNSPEC, 0]).bytes(&ARPHRD_LOOPBACK.to_ne_bytes()).bytes(&LO.to_ne_bytes()).bytes(&self.flags().to_ne_bytes()).bytes(&0u32.to_ne_bytes());
        b.attr(IFLA_IFNAME, b"lo\0")
            .attr(IFLA_TXQLEN, &1000u32.to_ne_bytes())
            .attr(IFLA_OPERSTATE, &[if self.up { 0 } else { 2 }])
            .attr(IFLA_LINKMODE, &[0])
            .attr(IFLA_MTU, &self.mtu.to_ne_bytes())
            .attr(IFLA_GROUP, &0u32.to_ne_bytes())
            .attr(IFLA_QDISC, if self.qdisc { b"noqueue\0" } else { b"noop\0" as &[u8] })
            .attr(IFLA_ADDRESS, &[0; 6])
            .attr(IFLA_BROADCAST, &[0; 6])
            .attr(IFLA_PROMISCUITY, &0u32.to_ne_bytes())
            .attr(IFLA_ALLMULTI, &0u32.to_ne_bytes())
            .attr(IFLA_NUM_TX_QUEUES, &1u32.to_ne_bytes())
            .attr(IFLA_NUM_RX_QUEUES, &1u32.to_ne_bytes())
            .attr(IFLA_GSO_MAX_SEGS, &65535u32.to_ne_bytes())
            .attr(IFLA_GSO_MAX_SIZE, &65536u32.to_ne_bytes())
            .attr(IFLA_GRO_MAX_SIZE, &65536u32.to_ne_bytes())
            .attr(IFLA_TSO_MAX_SIZE, &524280u32.to_ne_bytes())
            .attr(IFLA_TSO_MAX_SEGS, &65535u32.to_ne_bytes())
            .attr(IFLA_MIN_MTU, &0u32.to_ne_bytes())
            .attr(IFLA_MAX_MTU, &0u32.to_ne_bytes());
        // IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE: EUI64 } }.
        let mut gen = [0u8; 12];
        gen[..2].copy_from_slice(&12u16.to_ne_bytes());
        gen[2..4].copy_from_slice(&(AF_INET6 as u16).to_ne_bytes());
        gen[4..6].copy_from_slice(&5u16.to_ne_bytes());
        gen[6..8].copy_from_slice(&IFLA_INET6_ADDR_GEN_MODE.to_ne_bytes());
        b.attr(IFLA_AF_SPEC, &gen);
        b.finish()
    }

    fn addr(&self, buf: Vec<u8>, a: &IfAddr, ty: u16, flags: u16, seq: u32, portid: u32) -> Vec<u8> {
        let mut b = Builder::new(buf, ty, flags, seq, portid);
        b.bytes(&[a.family, a.prefix, IFA_F_PERMANENT, a.scope]).bytes(&(LO as u32).to_ne_bytes());
        b.attr(IFA_ADDRESS, &a.addr);
        if a.family == AF_INET {
            b.attr(IFA_LOCAL, &a.addr).attr(IFA_LABEL, b"lo\0");
        }
        // ifa_cacheinfo: preferred and valid "forever", no timestamps.
        let mut ci = [0u8; 16];
        ci[..8].fill(0xff);
        b.attr(IFA_CACHEINFO, &ci).attr(IFA_FLAGS, &(IFA_F_PERMANENT as u32).to_ne_bytes());
        b.finish()
    }
}

/// The answer to one request message (`msg` whole, header included), by
/// a caller with CAP_NET_ADMIN or not, on a socket with port id `portid`:
/// the datagrams to queue, as Linux sends them (a dump's entries, then
/// NLMSG_DONE on its own unless the dump was empty; an acknowledgement on
/// its own).
pub fn handle(h: &Header, msg: &[u8], admin: bool, portid: u32) -> Vec<Vec<u8>> {
    let body = &msg[NLMSG_HDRLEN..];
    let r = match h.ty {
        RTM_GETLINK => get_link(h, body, portid),
        RTM_NEWLINK | RTM_SETLINK if !admin => Err(EPERM),
        RTM_NEWLINK | RTM_SETLINK => set_link(body).map(|()| None),
        RTM_GETADDR => get_addr(h, body, portid),
        RTM_NEWADDR | RTM_DELADDR if !admin => Err(EPERM),
        RTM_NEWADDR | RTM_DELADDR => change_addr(h, body).map(|()| None),
        RTM_GETROUTE if h.flags & NLM_F_DUMP == NLM_F_DUMP => dump_routes(h, body, portid),
        RTM_GETROUTE => get_route(h, body, portid),
        RTM_GETNEIGH if h.flags & NLM_F_DUMP == NLM_F_DUMP => Ok(Some(Reply { entries: Vec::new(), dump: true })),
        RTM_GETRULE if h.flags & NLM_F_DUMP == NLM_F_DUMP => dump_rules(h, body, portid),
        RTM_DELLINK => Err(if admin { EOPNOTSUPP } else { EPERM }),
        _ => Err(EOPNOTSUPP),
    };
    let mut out = Vec::new();
    match r {
        Ok(Some(reply)) => {
            let is_dump = reply.dump;
            if !reply.entries.is_empty() || !is_dump {
                out.push(reply.entries);
            }
            if is_dump {
                out.push(done(Vec::new(), h, portid));
            } else if h.flags & NLM_F_ACK != 0 {
                out.push(ack(h, msg, 0, portid));
            }
        }
        Ok(None) => {
            if h.flags & NLM_F_ACK != 0 {
                out.push(ack(h, msg, 0, portid));
            }
        }
        Err(e) => out.push(ack(h, msg, e, portid)),
    }
    out
}

/// What a get request found: its messages, and whether it was a dump
/// (NLMSG_DONE follows).
struct Reply {
    entries: Vec<u8>,
    dump: bool,
}

fn get_link(h: &Header, body: &[u8], portid: u32) -> Result<Option<Reply>, i32> {
    let lo = LO_STATE.lock();
    if h.flags & NLM_F_DUMP == NLM_F_DUMP {
        let v = lo.link(Vec::new(), RTM_NEWLINK, NLM_F_MULTI, h.seq, portid);
        return Ok(Some(Reply { entries: v, dump: true }));
    }
    if body.len() < 16 {
        return Err(EINVAL);
    }
    let index = i32::from_ne_bytes([body[4], body[5], body[6], body[7]]);
    let name = attrs(&body[16..]).into_iter().find(|a| a.0 == IFLA_IFNAME).map(|a| a.1);
    let ok = match (index, name) {
        (0, Some(n)) => n.split(|&b| b == 0).next() == Some(&b"lo"[..]),
        (i, _) => i == LO,
    };
    if !ok {
        return Err(ENODEV);
    }
    Ok(Some(Reply { entries: lo.link(Vec::new(), RTM_NEWLINK, 0, h.seq, portid), dump: false }))
}

fn set_link(body: &[u8]) -> Result<(), i32> {
    if body.len() < 16 {
        return Err(EINVAL);
    }
    let index = i32::from_ne_bytes([body[4], body[5], body[6], body[7]]);
    let flags = u32::from_ne_bytes([body[8], body[9], body[10], body[11]]);
    let change = u32::from_ne_bytes([body[12], body[13], body[14], body[15]]);
    let at = attrs(&body[16..]);
    let name = at.iter().find(|a| a.0 == IFLA_IFNAME).map(|a| a.1.split(|&b| b == 0).next().unwrap_or(&[]));
    let is_lo = match (index, name) {
        (0, Some(n)) => n == b"lo",
        (i, _) => i == LO,
    };
    if !is_lo {
        return Err(ENODEV);
    }
    let mtu = match at.iter().find(|a| a.0 == IFLA_MTU) {
        Some(a) => Some(super::u32_at(a.1, 0).filter(|&m| m <= i32::MAX as u32).ok_or(EINVAL)?),
        None => None,
    };
    let mut lo = LO_STATE.lock();
    // A new name for lo (index given): Linux refuses while it is up.
    if let (true, Some(n)) = (index != 0, name) {
        if n != b"lo" {
            return Err(if lo.up { EBUSY } else { EOPNOTSUPP });
        }
    }
    if let Some(m) = mtu {
        lo.mtu = m;
    }
    // do_setlink changes the flags only when ifi_flags or ifi_change is
    // set; a change mask of 0 then means every flag.
    if flags != 0 || change != 0 {
        let change = if change == 0 { u32::MAX } else { change };
        if change & IFF_UP != 0 {
            lo.set_up(flags & IFF_UP != 0);
        }
    }
    Ok(())
}

/// IPv6's address scope from the address (Linux ignores ifa_scope): ::1
/// host, fe80::/10 link, the rest global.
fn v6_scope(a: &[u8]) -> u8 {
    if a[..15].iter().all(|&b| b == 0) && a[15] == 1 {
        RT_SCOPE_HOST
    } else if a[0] == 0xfe && a[1] & 0xc0 == 0x80 {
        RT_SCOPE_LINK
    } else {
        RT_SCOPE_UNIVERSE
    }
}

fn get_addr(h: &Header, body: &[u8], portid: u32) -> Result<Option<Reply>, i32> {
    if h.flags & NLM_F_DUMP != NLM_F_DUMP {
        return Err(EOPNOTSUPP);
    }
    let family = body.first().copied().unwrap_or(AF_UNSPEC);
    let lo = LO_STATE.lock();
    let mut v = Vec::new();
    for a in lo.addrs.iter().filter(|a| family == AF_UNSPEC || a.family == family) {
        v = lo.addr(v, a, RTM_NEWADDR, NLM_F_MULTI, h.seq, portid);
    }
    Ok(Some(Reply { entries: v, dump: true }))
}

fn change_addr(h: &Header, body: &[u8]) -> Result<(), i32> {
    if body.len() < 8 {
        return Err(EINVAL);
    }
    let (family, prefix, scope) = (body[0], body[1], body[3]);
    let index = u32::from_ne_bytes([body[4], body[5], body[6], body[7]]);
    if index != LO as u32 {
        return Err(ENODEV);
    }
    let at = attrs(&body[8..]);
    let addr = at.iter().find(|a| a.0 == IFA_LOCAL).or_else(|| at.iter().find(|a| a.0 == IFA_ADDRESS)).map(|a| a.1.to_vec());
    let want = match family {
        AF_INET => 4,
        AF_INET6 => 16,
        _ => return Err(EOPNOTSUPP),
    };
    let Some(addr) = addr.filter(|a| a.len() == want) else { return Err(EINVAL) };
    if prefix as usize > want * 8 {
        return Err(EINVAL);
    }
    let scope = if family == AF_INET6 { v6_scope(&addr) } else { scope };
    let a = IfAddr { family, prefix, scope, addr };
    let mut lo = LO_STATE.lock();
    let existing = lo.addrs.iter().position(|x| x.family == a.family && x.addr == a.addr);
    if h.ty == RTM_DELADDR {
        let i = existing.ok_or(EADDRNOTAVAIL)?;
        lo.addrs.remove(i);
        return Ok(());
    }
    match existing {
        Some(_) if h.flags & NLM_F_EXCL != 0 => Err(EEXIST),
        Some(i) => {
            lo.addrs[i] = a;
            Ok(())
        }
        None => {
            lo.insert(a);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{messages, u32_at, NLMSG_DONE, NLMSG_ERROR, NLM_F_REQUEST};
    use super::*;

    fn req(ty: u16, flags: u16, body: &[u8]) -> Vec<u8> {
        let mut b = Builder::new(Vec::new(), ty, NLM_F_REQUEST | flags, 7, 0);
        b.bytes(body);
        b.finish()
    }

    fn run(ty: u16, flags: u16, body: &[u8]) -> Vec<(u16, Vec<u8>)> {
        let r = req(ty, flags, body);
        let h = messages(&r)[0].0;
        let out = handle(&h, &r, true, 42).concat();
        messages(&out).into_iter().map(|(h, m)| (h.ty, m.to_vec())).collect()
    }

    #[test]
    fn lo_comes_up_with_its_addresses() {
        // (One test: the state is global.)
        let dump = run(RTM_GETLINK, NLM_F_DUMP, &[0; 16]);
        assert_eq!(dump.iter().map(|m| m.0).collect::<Vec<_>>(), [RTM_NEWLINK, NLMSG_DONE]);
        let mut up = [0u8; 16];
        up[4] = 1;
        up[8] = 1;
        up[12] = 1;
        let r = run(RTM_SETLINK, NLM_F_ACK, &up);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].0, u32_at(&r[0].1, 16)), (NLMSG_ERROR, Some(0)));
        let addrs = run(RTM_GETADDR, NLM_F_DUMP, &[0; 8]);
        assert_eq!(addrs.len(), 3);
        let v4 = run(RTM_GETADDR, NLM_F_DUMP, &[AF_INET, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(v4.len(), 2);
        let mut bad = [0u8; 16];
        bad[4] = 9;
        let r = run(RTM_GETLINK, 0, &bad);
        assert_eq!((r[0].0, u32_at(&r[0].1, 16)), (NLMSG_ERROR, Some((-ENODEV) as u32)));
        let r = run(RTM_GETLINK, 0, &[0; 3]);
        assert_eq!(u32_at(&r[0].1, 16), Some((-EINVAL) as u32));
        let r = run(99, 0, &[]);
        assert_eq!(u32_at(&r[0].1, 16), Some((-EOPNOTSUPP) as u32));

        // The local table: 127.0.0.0/8, 127.0.0.1, 127.255.255.255, ::1.
        let routes = run(RTM_GETROUTE, NLM_F_DUMP, &[0; 12]);
        let kinds: Vec<_> = routes.iter().map(|m| (m.0, m.1.get(16).copied(), m.1.get(17).copied(), m.1.get(23).copied())).collect();
        assert_eq!(
            kinds,
            [
                (RTM_NEWROUTE, Some(AF_INET), Some(8), Some(RTN_LOCAL)),
                (RTM_NEWROUTE, Some(AF_INET), Some(32), Some(RTN_LOCAL)),
                (RTM_NEWROUTE, Some(AF_INET), Some(32), Some(RTN_BROADCAST)),
                (RTM_NEWROUTE, Some(AF_INET6), Some(128), Some(RTN_LOCAL)),
                (NLMSG_DONE, Some(0), Some(0), None),
            ]
        );
        // The main table is empty: NLMSG_DONE alone.
        let mut main = Builder::new(Vec::new(), 0, 0, 0, 0);
        main.bytes(&[AF_INET, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).attr(RTA_TABLE, &(RT_TABLE_MAIN as u32).to_ne_bytes());
        let main = main.finish();
        assert_eq!(run(RTM_GETROUTE, NLM_F_DUMP, &main[NLMSG_HDRLEN..]).len(), 1);
        // ip route get: 127.0.0.5 is local; 10.0.0.1 is unreachable.
        let mut get = Builder::new(Vec::new(), 0, 0, 0, 0);
        get.bytes(&[AF_INET, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).attr(RTA_DST, &[127, 0, 0, 5]);
        let get = get.finish();
        let r = run(RTM_GETROUTE, 0, &get[NLMSG_HDRLEN..]);
        assert_eq!((r[0].0, r[0].1[23]), (RTM_NEWROUTE, RTN_LOCAL));
        let mut get = get.clone();
        let n = get.len();
        get[n - 4..].copy_from_slice(&[10, 0, 0, 1]);
        let r = run(RTM_GETROUTE, 0, &get[NLMSG_HDRLEN..]);
        assert_eq!(u32_at(&r[0].1, 16), Some((-ENETUNREACH) as u32));

        // An MTU alone (ifi_flags and ifi_change 0) leaves lo up.
        let mut mtu = Builder::new(Vec::new(), 0, 0, 0, 0);
        mtu.bytes(&[0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).attr(IFLA_MTU, &9000u32.to_ne_bytes());
        let mtu = mtu.finish();
        run(RTM_SETLINK, 0, &mtu[NLMSG_HDRLEN..]);
        assert!(LO_STATE.lock().up);
        assert_eq!(LO_STATE.lock().mtu, 9000);
        // The default rules: three for IPv4.
        let rules = run(RTM_GETRULE, NLM_F_DUMP, &[AF_INET, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(rules.iter().map(|m| m.0).collect::<Vec<_>>(), [RTM_NEWRULE, RTM_NEWRULE, RTM_NEWRULE, NLMSG_DONE]);
        // A global IPv6 address is listed before ::1 and gets a prefix route.
        let mut a6 = Builder::new(Vec::new(), 0, 0, 0, 0);
        let mut ip6 = [0u8; 16];
        ip6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        ip6[15] = 1;
        a6.bytes(&[AF_INET6, 64, 0, 0, 1, 0, 0, 0]).attr(IFA_LOCAL, &ip6);
        let a6 = a6.finish();
        run(RTM_NEWADDR, 0, &a6[NLMSG_HDRLEN..]);
        let v6: Vec<_> = LO_STATE.lock().addrs.iter().filter(|a| a.family == AF_INET6).map(|a| a.addr[0]).collect();
        assert_eq!(v6, [0x20, 0]);
        let r6 = run(RTM_GETROUTE, NLM_F_DUMP, &[AF_INET6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let tables: Vec<_> = r6.iter().filter(|m| m.0 == RTM_NEWROUTE).map(|m| (m.1[20], m.1[17])).collect();
        assert_eq!(tables, [(RT_TABLE_MAIN, 64), (RT_TABLE_LOCAL, 128), (RT_TABLE_LOCAL, 128)]);
    }
}
