//! Port ownership (Linux's inet_hashinfo bind buckets and
//! inet_csk_bind_conflict / udp_lib_get_port): which socket holds which
//! local (address, port) per protocol, the bind conflict rules, and
//! ephemeral ports for autobind (net.ipv4.ip_local_port_range, 32768 to
//! 60999).
//!
//! Two bindings of one port conflict when their addresses overlap (equal,
//! or either the wildcard; an IPv6 wildcard reaches IPv4 unless it is
//! IPV6_V6ONLY; an IPv4 address never overlaps a non-mapped IPv6 one),
//! unless both sockets set SO_REUSEPORT, or both set SO_REUSEADDR and,
//! for TCP, neither is listening.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use smoltcp::wire::IpAddress;

use crate::Errno;

pub const EPHEMERAL_LOW: u16 = 32768;
pub const EPHEMERAL_HIGH: u16 = 60999;

/// One socket's hold on a port.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub owner: u32,
    /// None: the wildcard.
    pub ip: Option<IpAddress>,
    /// The socket is AF_INET6 (its wildcard may cover IPv4).
    pub v6: bool,
    pub v6only: bool,
    pub reuseaddr: bool,
    pub reuseport: bool,
    pub listening: bool,
}

fn covers_v4(b: &Binding) -> bool {
    match b.ip {
        None => !b.v6 || !b.v6only,
        Some(IpAddress::Ipv4(_)) => true,
        Some(IpAddress::Ipv6(_)) => false,
    }
}

fn covers_v6(b: &Binding) -> bool {
    match b.ip {
        None => b.v6,
        Some(IpAddress::Ipv6(_)) => true,
        Some(IpAddress::Ipv4(_)) => false,
    }
}

fn overlap(a: &Binding, b: &Binding) -> bool {
    match (a.ip, b.ip) {
        (Some(x), Some(y)) => x == y,
        _ => (covers_v4(a) && covers_v4(b)) || (covers_v6(a) && covers_v6(b)),
    }
}

fn conflict(tcp: bool, a: &Binding, b: &Binding) -> bool {
    if !overlap(a, b) {
        return false;
    }
    if a.reuseport && b.reuseport {
        return false;
    }
    if a.reuseaddr && b.reuseaddr && !(tcp && (a.listening || b.listening)) {
        return false;
    }
    true
}

/// The bound ports of one protocol.
#[derive(Default)]
pub struct Ports {
    tcp: bool,
    map: BTreeMap<u16, Vec<Binding>>,
    rover: u16,
}

impl Ports {
    pub fn new(tcp: bool) -> Ports {
        Ports { tcp, map: BTreeMap::new(), rover: 0 }
    }

    fn free_for(&self, port: u16, b: &Binding) -> bool {
        self.map.get(&port).is_none_or(|v| v.iter().all(|o| o.owner == b.owner || !conflict(self.tcp, o, b)))
    }

    /// Binds `b` to `port` (0: an ephemeral port); the port taken.
    pub fn bind(&mut self, port: u16, b: Binding) -> Result<u16, Errno> {
        if port != 0 {
            if !self.free_for(port, &b) {
                return Err(Errno::EADDRINUSE);
            }
            self.map.entry(port).or_default().push(b);
            return Ok(port);
        }
        let n = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
        for _ in 0..n {
            let p = EPHEMERAL_LOW + self.rover % n;
            self.rover = self.rover.wrapping_add(1) % n;
            // An ephemeral port is one nobody holds at all (Linux
            // prefers those).
            if !self.map.contains_key(&p) {
                self.map.entry(p).or_default().push(b);
                return Ok(p);
            }
        }
        Err(Errno::EADDRINUSE)
    }

    /// Whether `b` could move to listening on `port` (Linux's listen
    /// re-checks the bind conflict: EADDRINUSE).
    pub fn listen(&mut self, port: u16, owner: u32) -> Result<(), Errno> {
        let tcp = self.tcp;
        let Some(v) = self.map.get_mut(&port) else { return Ok(()) };
        let Some(i) = v.iter().position(|o| o.owner == owner) else { return Ok(()) };
        let mut me = v[i];
        me.listening = true;
        if v.iter().any(|o| o.owner != owner && conflict(tcp, o, &me)) {
            return Err(Errno::EADDRINUSE);
        }
        v[i] = me;
        Ok(())
    }

    /// Releases `owner`'s hold on `port`.
    pub fn release(&mut self, port: u16, owner: u32) {
        if let Some(v) = self.map.get_mut(&port) {
            v.retain(|o| o.owner != owner);
            if v.is_empty() {
                self.map.remove(&port);
            }
        }
    }
}
