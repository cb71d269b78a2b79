//! The loopback device under smoltcp: every packet sent is received, in
//! order (as smoltcp's `phy::Loopback`), except a TCP SYN for a listener
//! whose accept queue is full, which is dropped as Linux's
//! tcp_conn_request drops it (counting LISTENOVERFLOWS): the client keeps
//! retransmitting its SYN, so a blocking connect waits and a non-blocking
//! one stays in progress until accept makes room. Answering it would mean
//! a reset, and the client would see ECONNREFUSED.
//!
//! The stack tells the device, before each poll, how many more SYNs each
//! listening port takes ([`LoDev::syn_room`]: its smoltcp sockets still in
//! LISTEN); a port without an entry has no listener and smoltcp resets
//! the SYN, as Linux does for a closed port.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec;
use alloc::vec::Vec;

use smoltcp::phy::{self, ChecksumCapabilities, Device, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

/// `lo`'s MTU (Linux's 65536 does not fit smoltcp's u16 IP length).
const MTU: usize = 65535;

const IPPROTO_TCP: u8 = 6;
const TCP_SYN: u8 = 0x02;
const TCP_ACK: u8 = 0x10;

/// The loopback device: see the module documentation.
#[derive(Default)]
pub struct LoDev {
    queue: VecDeque<Vec<u8>>,
    /// Listening ports: how many SYNs each takes now.
    pub syn_room: BTreeMap<u16, usize>,
    /// SYNs dropped for a full accept queue (Linux's ListenOverflows).
    pub overflows: u64,
}

/// The destination port of a connection request (a TCP segment with SYN
/// and without ACK), from an IPv4 or IPv6 packet.
fn syn_port(p: &[u8]) -> Option<u16> {
    let tcp = match p.first()? >> 4 {
        4 if *p.get(9)? == IPPROTO_TCP => p.get(usize::from(p[0] & 0xf) * 4..)?,
        6 if *p.get(6)? == IPPROTO_TCP => p.get(40..)?,
        _ => return None,
    };
    let flags = *tcp.get(13)?;
    (flags & (TCP_SYN | TCP_ACK) == TCP_SYN).then(|| u16::from_be_bytes([tcp[2], tcp[3]]))
}

impl LoDev {
    /// Whether packet `p` is let through (a SYN takes a place from its
    /// listener's room).
    fn admit(&mut self, p: &[u8]) -> bool {
        let Some(room) = syn_port(p).and_then(|port| self.syn_room.get_mut(&port)) else { return true };
        if *room == 0 {
            self.overflows += 1;
            return false;
        }
        *room -= 1;
        true
    }
}

impl Device for LoDev {
    type RxToken<'a> = RxToken;
    type TxToken<'a> = TxToken<'a>;

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.max_transmission_unit = MTU;
        caps.medium = Medium::Ip;
        caps.checksum = ChecksumCapabilities::ignored();
        caps
    }

    fn receive(&mut self, _now: Instant) -> Option<(RxToken, TxToken<'_>)> {
        loop {
            let buffer = self.queue.pop_front()?;
            if self.admit(&buffer) {
                return Some((RxToken { buffer }, TxToken { queue: &mut self.queue }));
            }
        }
    }

    fn transmit(&mut self, _now: Instant) -> Option<TxToken<'_>> {
        Some(TxToken { queue: &mut self.queue })
    }
}

pub struct RxToken {
    buffer: Vec<u8>,
}

impl phy::RxToken for RxToken {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.buffer)
    }
}

pub struct TxToken<'a> {
    queue: &'a mut VecDeque<Vec<u8>>,
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buffer = vec![0; len];
        let r = f(&mut buffer);
        self.queue.push_back(buffer);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(flags: u8, port: u16) -> Vec<u8> {
        let mut p = vec![0u8; 40];
        p[0] = 0x45;
        p[9] = IPPROTO_TCP;
        p[22..24].copy_from_slice(&port.to_be_bytes());
        p[33] = flags;
        p
    }

    #[test]
    fn syn_to_a_full_listener_is_dropped() {
        let mut d = LoDev::default();
        d.syn_room.insert(80, 1);
        assert!(d.admit(&v4(TCP_SYN, 80)));
        assert!(!d.admit(&v4(TCP_SYN, 80)));
        assert_eq!(d.overflows, 1);
        // Not a connection request, or no listener: let through.
        assert!(d.admit(&v4(TCP_SYN | TCP_ACK, 80)));
        assert!(d.admit(&v4(TCP_ACK, 80)));
        assert!(d.admit(&v4(TCP_SYN, 81)));
    }

    #[test]
    fn ipv6_syn_port() {
        let mut p = vec![0u8; 60];
        p[0] = 0x60;
        p[6] = IPPROTO_TCP;
        p[42..44].copy_from_slice(&8080u16.to_be_bytes());
        p[53] = TCP_SYN;
        assert_eq!(syn_port(&p), Some(8080));
        assert_eq!(syn_port(&p[..45]), None);
    }
}
