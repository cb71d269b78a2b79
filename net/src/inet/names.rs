//! bind(2), getsockname(2), getpeername(2) and shutdown(2) for both
//! protocols, as Linux's inet_bind/inet6_bind, inet_getname and
//! inet_shutdown: binding twice is EINVAL, a non-local address
//! EADDRNOTAVAIL, an IPv4 address on an IPV6_V6ONLY socket EINVAL; an
//! unbound socket's name is the wildcard with port 0.

use alloc::vec::Vec;

use smoltcp::wire::IpAddress;

use super::addr::{self, SockAddr};
use super::{Proto, St, Stack, RCV_SHUTDOWN, SEND_SHUTDOWN};
use crate::Errno;

impl Stack {
    pub fn bind(&mut self, id: u32, bytes: &[u8]) -> Result<(), Errno> {
        let e = self.entry(id)?;
        let SockAddr { ip, port } = addr::decode(bytes, e.v6, true)?;
        if let Some(a) = ip {
            if e.v6only && matches!(a, IpAddress::Ipv4(_)) {
                return Err(Errno::EINVAL);
            }
            if !addr::is_local(a) {
                return Err(Errno::EADDRNOTAVAIL);
            }
        }
        if e.port != 0 || !matches!(e.st, St::Idle) {
            return Err(Errno::EINVAL);
        }
        let proto = e.proto;
        self.take_port(id, ip, port)?;
        if proto == Proto::Udp {
            self.udp_handle(id)?;
        }
        Ok(())
    }

    /// getsockname.
    pub fn local_name(&mut self, id: u32) -> Result<Vec<u8>, Errno> {
        let e = self.entry(id)?;
        let v6 = e.v6;
        let (mut ip, port) = (e.ip, e.port);
        if let St::Conn(h) = e.st {
            if let Some(ep) = self.tcp(h).local_endpoint() {
                ip = Some(ep.addr);
            }
        }
        Ok(addr::encode(ip, port, v6))
    }

    /// getpeername: ENOTCONN unless connected.
    pub fn peer_name(&mut self, id: u32) -> Result<Vec<u8>, Errno> {
        let e = self.entry(id)?;
        let v6 = e.v6;
        match e.st {
            St::Conn(h) if !e.connecting => {
                let s = self.tcp(h);
                match (s.state(), s.remote_endpoint()) {
                    (st, Some(ep)) if st != smoltcp::socket::tcp::State::Closed => Ok(addr::encode_ep(ep, v6)),
                    _ => Err(Errno::ENOTCONN),
                }
            }
            St::Udp(_) | St::Idle if e.proto == Proto::Udp => e.peer.map(|p| addr::encode_ep(p, v6)).ok_or(Errno::ENOTCONN),
            _ => Err(Errno::ENOTCONN),
        }
    }

    /// shutdown(how): SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2 (EINVAL beyond);
    /// ENOTCONN on an unconnected socket (a listener shut down stops
    /// listening, as Linux).
    pub fn shutdown(&mut self, id: u32, how: i32) -> Result<(), Errno> {
        if !(0..=2).contains(&how) {
            return Err(Errno::EINVAL);
        }
        let bits = (how as u8 + 1) & (RCV_SHUTDOWN | SEND_SHUTDOWN);
        let e = self.entry(id)?;
        match e.st {
            St::Conn(h) => {
                e.shut |= bits;
                if bits & SEND_SHUTDOWN != 0 {
                    let s = self.tcp(h);
                    s.close();
                    // Our FIN is on its way: CLOSED from here is graceful.
                    let st = s.state();
                    self.entry(id)?.tcp_state = st;
                }
                Ok(())
            }
            St::Udp(_) if e.peer.is_some() => {
                e.shut |= bits;
                Ok(())
            }
            St::Listen { .. } if bits & RCV_SHUTDOWN != 0 => {
                e.shut |= bits;
                let St::Listen { socks, .. } = core::mem::replace(&mut e.st, St::Idle) else { unreachable!() };
                for h in socks {
                    self.tcp(h).abort();
                    self.orphans.push(h);
                }
                Ok(())
            }
            _ => Err(Errno::ENOTCONN),
        }
    }
}
