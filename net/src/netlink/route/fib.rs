//! lo's routing tables and policy rules as rtnetlink shows them
//! (RTM_GETROUTE dumps and single lookups, RTM_GETRULE dumps): the routes
//! Linux's fib_add_ifaddr and addrconf derive from lo's addresses while
//! it is up, and the default rules. The parent module's doc says which
//! Linux behaviour each answer mirrors.

use alloc::vec::Vec;

use super::super::{attrs, Builder, Header, NLM_F_MULTI};
use super::*;

/// One route of the local table, as Linux's fib_add_ifaddr and
/// addrconf make them for lo's addresses.
#[derive(Clone, Debug)]
pub(super) struct Route {
    family: u8,
    dst: Vec<u8>,
    dst_len: u8,
    table: u8,
    scope: u8,
    ty: u8,
    src: Vec<u8>,
    /// RTA_PRIORITY (IPv6 only: 0 for local routes, 256 for prefixes).
    metric: u32,
}

impl Route {
    fn message(&self, buf: Vec<u8>, ty: u16, flags: u16, seq: u32, portid: u32) -> Vec<u8> {
        let mut b = Builder::new(buf, ty, flags, seq, portid);
        b.bytes(&[self.family, self.dst_len, 0, 0, self.table, RTPROT_KERNEL, self.scope, self.ty]).bytes(&0u32.to_ne_bytes());
        b.attr(RTA_TABLE, &(self.table as u32).to_ne_bytes()).attr(RTA_DST, &self.dst);
        if self.family == AF_INET {
            b.attr(RTA_PREFSRC, &self.src).attr(RTA_OIF, &(LO as u32).to_ne_bytes());
        } else {
            b.attr(RTA_PRIORITY, &self.metric.to_ne_bytes()).attr(RTA_OIF, &(LO as u32).to_ne_bytes()).attr(RTA_PREF, &[0]);
        }
        b.finish()
    }
}

impl Lo {
    /// The local table while lo is up, in Linux's dump order (IPv4 by
    /// destination, then by prefix length; then IPv6): for each IPv4
    /// address a local route to itself, a local route to its network
    /// (lo is IFF_LOOPBACK: RTN_LOCAL, not a main-table unicast route)
    /// and, for a prefix shorter than 31, a broadcast route; for each
    /// IPv6 address a local route to itself.
    pub(super) fn routes(&self) -> Vec<Route> {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        if !self.up {
            return v4;
        }
        for a in &self.addrs {
            if a.family == AF_INET6 {
                let r = |dst: Vec<u8>, dst_len: u8, table: u8, ty: u8, metric: u32| Route { family: AF_INET6, dst, dst_len, table, scope: RT_SCOPE_UNIVERSE, ty, src: Vec::new(), metric };
                v6.push(r(a.addr.clone(), 128, RT_TABLE_LOCAL, RTN_LOCAL, 0));
                if a.prefix < 128 {
                    let net = a.addr.iter().enumerate().map(|(i, &b)| b & prefix_mask(a.prefix, i)).collect();
                    v6.push(r(net, a.prefix, RT_TABLE_MAIN, RTN_UNICAST, 256));
                }
                continue;
            }
            let ip = u32::from_be_bytes([a.addr[0], a.addr[1], a.addr[2], a.addr[3]]);
            let mask = if a.prefix == 0 { 0 } else { u32::MAX << (32 - a.prefix as u32) };
            let r = |dst: u32, len: u8, scope: u8, ty: u8| Route { family: AF_INET, dst: dst.to_be_bytes().to_vec(), dst_len: len, table: RT_TABLE_LOCAL, scope, ty, src: a.addr.clone(), metric: 0 };
            v4.push(r(ip, 32, RT_SCOPE_HOST, RTN_LOCAL));
            if a.prefix < 32 {
                v4.push(r(ip & mask, a.prefix, RT_SCOPE_HOST, RTN_LOCAL));
            }
            if a.prefix < 31 {
                v4.push(r(ip | !mask, 32, RT_SCOPE_LINK, RTN_BROADCAST));
            }
        }
        v4.sort_by(|x, y| (&x.dst, x.dst_len).cmp(&(&y.dst, y.dst_len)));
        v4.dedup_by(|x, y| x.dst == y.dst && x.dst_len == y.dst_len);
        // IPv6: the main table's prefix routes, then the local table's.
        v6.sort_by(|x, y| (x.table, &x.dst, x.dst_len).cmp(&(y.table, &y.dst, y.dst_len)));
        v6.dedup_by(|x, y| x.table == y.table && x.dst == y.dst && x.dst_len == y.dst_len);
        v4.extend(v6);
        v4
    }
}

/// The default policy rules (fib_default_rules / fib6_rules_net_init):
/// IPv4 looks up local (0), main (32766), default (32767); IPv6 local
/// and main.
pub(super) fn dump_rules(h: &Header, body: &[u8], portid: u32) -> Result<Option<Reply>, i32> {
    let family = body.first().copied().unwrap_or(AF_UNSPEC);
    let rules: [(u8, u32, u8); 5] = [
        (AF_INET, 0, RT_TABLE_LOCAL),
        (AF_INET, 32766, RT_TABLE_MAIN),
        (AF_INET, 32767, RT_TABLE_DEFAULT),
        (AF_INET6, 0, RT_TABLE_LOCAL),
        (AF_INET6, 32766, RT_TABLE_MAIN),
    ];
    let mut v = Vec::new();
    for (fam, pref, table) in rules.into_iter().filter(|r| family == AF_UNSPEC || r.0 == family) {
        let mut b = Builder::new(v, RTM_NEWRULE, NLM_F_MULTI, h.seq, portid);
        b.bytes(&[fam, 0, 0, 0, table, 0, 0, FR_ACT_TO_TBL]).bytes(&0u32.to_ne_bytes());
        b.attr(FRA_TABLE, &(table as u32).to_ne_bytes()).attr(FRA_SUPPRESS_PREFIXLEN, &u32::MAX.to_ne_bytes());
        if pref != 0 {
            b.attr(FRA_PRIORITY, &pref.to_ne_bytes());
        }
        b.attr(FRA_PROTOCOL, &[RTPROT_KERNEL]);
        v = b.finish();
    }
    Ok(Some(Reply { entries: v, dump: true }))
}

pub(super) fn dump_routes(h: &Header, body: &[u8], portid: u32) -> Result<Option<Reply>, i32> {
    let family = body.first().copied().unwrap_or(AF_UNSPEC);
    let table = if body.len() >= 12 { attrs(&body[12..]).into_iter().find(|a| a.0 == RTA_TABLE).and_then(|a| super::super::u32_at(a.1, 0)) } else { None };
    let lo = LO_STATE.lock();
    let mut v = Vec::new();
    for r in lo.routes().iter().filter(|r| family == AF_UNSPEC || r.family == family).filter(|r| table.is_none_or(|t| t == 0 || t == r.table as u32)) {
        v = r.message(v, RTM_NEWROUTE, NLM_F_MULTI, h.seq, portid);
    }
    Ok(Some(Reply { entries: v, dump: true }))
}

/// RTM_GETROUTE for one destination (`ip route get`): a destination lo
/// owns is answered as Linux's cached local route (from the merged
/// local/main table, so table main); any other is ENETUNREACH.
pub(super) fn get_route(h: &Header, body: &[u8], portid: u32) -> Result<Option<Reply>, i32> {
    if body.len() < 12 {
        return Err(EINVAL);
    }
    let family = body[0];
    let dst = attrs(&body[12..]).into_iter().find(|a| a.0 == RTA_DST).map(|a| a.1.to_vec());
    let lo = LO_STATE.lock();
    let (Some(dst), AF_INET) = (dst, family) else { return Err(EOPNOTSUPP) };
    let local = lo.routes().into_iter().find(|r| r.family == AF_INET && r.ty == RTN_LOCAL && r.dst_len == 32 && r.dst == dst);
    let Some(r) = local.or_else(|| {
        let host = lo.routes().into_iter().find(|r| r.family == AF_INET && r.ty == RTN_LOCAL && r.dst_len < 32 && in_prefix(&dst, &r.dst, r.dst_len))?;
        Some(Route { dst: dst.clone(), dst_len: 32, ..host })
    }) else {
        return Err(ENETUNREACH);
    };
    let mut b = Builder::new(Vec::new(), RTM_NEWROUTE, 0, h.seq, portid);
    b.bytes(&[AF_INET, 32, 0, 0, RT_TABLE_MAIN, RTPROT_UNSPEC, RT_SCOPE_UNIVERSE, RTN_LOCAL]).bytes(&(RTM_F_CLONED | RTCF_LOCAL).to_ne_bytes());
    b.attr(RTA_TABLE, &(RT_TABLE_MAIN as u32).to_ne_bytes())
        .attr(RTA_DST, &r.dst)
        .attr(RTA_OIF, &(LO as u32).to_ne_bytes())
        .attr(RTA_PREFSRC, &r.src)
        .attr(RTA_UID, &0u32.to_ne_bytes());
    Ok(Some(Reply { entries: b.finish(), dump: false }))
}

/// Byte `i` of a netmask of `prefix` bits.
fn prefix_mask(prefix: u8, i: usize) -> u8 {
    let bits = (prefix as usize).saturating_sub(i * 8).min(8);
    if bits == 0 { 0 } else { 0xffu8 << (8 - bits) }
}

fn in_prefix(a: &[u8], net: &[u8], len: u8) -> bool {
    let bits = |x: &[u8]| x.iter().fold(0u32, |acc, &b| acc << 8 | b as u32);
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len as u32) };
    a.len() == 4 && bits(a) & mask == bits(net) & mask
}
