//! Socket addresses of AF_INET and AF_INET6 (ip(7), ipv6(7)):
//! `sockaddr_in` and `sockaddr_in6` decoded to smoltcp endpoints and
//! encoded back, and which addresses are local on a machine whose only
//! interface is `lo` (127.0.0.0/8 and ::1, as Linux's loopback).
//!
//! As Linux's inet_bind/inet6_bind and inet_stream_connect: an address
//! shorter than its structure is EINVAL, a family other than the socket's
//! is EAFNOSUPPORT (an AF_INET socket also takes AF_UNSPEC with address
//! INADDR_ANY for bind, as Linux does for compatibility). An AF_INET6
//! socket speaks IPv4 through v4-mapped addresses (`::ffff:a.b.c.d`)
//! unless IPV6_V6ONLY.

use alloc::vec::Vec;

use smoltcp::wire::{IpAddress, IpEndpoint, Ipv4Address, Ipv6Address};

use crate::Errno;

pub const AF_UNSPEC: u16 = 0;
pub const AF_INET: u16 = 2;
pub const AF_INET6: u16 = 10;

/// An address as a socket names it: the IP (None: the wildcard) and port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SockAddr {
    pub ip: Option<IpAddress>,
    pub port: u16,
}

/// Decodes the address a caller gives to a socket of `family` (v6:
/// AF_INET6). A v4-mapped IPv6 address becomes its IPv4 address.
pub fn decode(bytes: &[u8], v6: bool, for_bind: bool) -> Result<SockAddr, Errno> {
    if bytes.len() < 2 {
        return Err(Errno::EINVAL);
    }
    let fam = u16::from_ne_bytes([bytes[0], bytes[1]]);
    if !v6 {
        if bytes.len() < 16 {
            return Err(Errno::EINVAL);
        }
        let port = u16::from_be_bytes([bytes[2], bytes[3]]);
        let ip = Ipv4Address::new(bytes[4], bytes[5], bytes[6], bytes[7]);
        match fam {
            AF_INET => {}
            AF_UNSPEC if for_bind && ip.is_unspecified() => {}
            _ => return Err(Errno::EAFNOSUPPORT),
        }
        return Ok(SockAddr { ip: (!ip.is_unspecified()).then_some(IpAddress::Ipv4(ip)), port });
    }
    if fam != AF_INET6 {
        return Err(Errno::EAFNOSUPPORT);
    }
    if bytes.len() < 24 {
        return Err(Errno::EINVAL);
    }
    let port = u16::from_be_bytes([bytes[2], bytes[3]]);
    let mut o = [0u8; 16];
    o.copy_from_slice(&bytes[8..24]);
    let ip = Ipv6Address::from(o);
    if ip.is_unspecified() {
        return Ok(SockAddr { ip: None, port });
    }
    if o[..10].iter().all(|&b| b == 0) && o[10] == 0xff && o[11] == 0xff {
        return Ok(SockAddr { ip: Some(IpAddress::Ipv4(Ipv4Address::new(o[12], o[13], o[14], o[15]))), port });
    }
    Ok(SockAddr { ip: Some(IpAddress::Ipv6(ip)), port })
}

/// Encodes an address for a socket of family v4 or v6 (an IPv4 address
/// on an AF_INET6 socket is v4-mapped).
pub fn encode(ip: Option<IpAddress>, port: u16, v6: bool) -> Vec<u8> {
    let mut b = Vec::with_capacity(if v6 { 28 } else { 16 });
    if !v6 {
        b.extend_from_slice(&AF_INET.to_ne_bytes());
        b.extend_from_slice(&port.to_be_bytes());
        let o = match ip {
            Some(IpAddress::Ipv4(a)) => a.octets(),
            _ => [0; 4],
        };
        b.extend_from_slice(&o);
        b.extend_from_slice(&[0; 8]);
        return b;
    }
    b.extend_from_slice(&AF_INET6.to_ne_bytes());
    b.extend_from_slice(&port.to_be_bytes());
    b.extend_from_slice(&[0; 4]); // flow info
    let o = match ip {
        Some(IpAddress::Ipv6(a)) => a.octets(),
        Some(IpAddress::Ipv4(a)) => {
            let mut o = [0u8; 16];
            o[10] = 0xff;
            o[11] = 0xff;
            o[12..].copy_from_slice(&a.octets());
            o
        }
        None => [0; 16],
    };
    b.extend_from_slice(&o);
    b.extend_from_slice(&[0; 4]); // scope id
    b
}

/// Encodes an endpoint.
pub fn encode_ep(ep: IpEndpoint, v6: bool) -> Vec<u8> {
    encode(Some(ep.addr), ep.port, v6)
}

/// Whether `ip` is an address of this machine (`lo`: 127.0.0.0/8, ::1).
pub fn is_local(ip: IpAddress) -> bool {
    match ip {
        IpAddress::Ipv4(a) => a.octets()[0] == 127,
        IpAddress::Ipv6(a) => a == Ipv6Address::LOCALHOST,
    }
}

/// The address a connect to the wildcard reaches (Linux sends it to the
/// loopback address of the family).
pub fn wildcard_peer(v6: bool) -> IpAddress {
    if v6 {
        IpAddress::Ipv6(Ipv6Address::LOCALHOST)
    } else {
        IpAddress::Ipv4(Ipv4Address::new(127, 0, 0, 1))
    }
}
