//! UDP's calls (udp(7)): connect (a default peer; AF_UNSPEC forgets
//! it), sendto and receive, as Linux's udp_sendmsg and udp_recvmsg: a
//! datagram keeps its boundaries, a short buffer truncates it (the rest is
//! lost; the caller learns the full length for MSG_TRUNC), an unbound
//! socket is bound to an ephemeral port by its first send, a send without
//! a destination on an unconnected socket is EDESTADDRREQ, one larger than
//! 65507 bytes EMSGSIZE.

use alloc::vec;

use smoltcp::iface::SocketHandle;
use smoltcp::socket::udp::{self, PacketBuffer, PacketMetadata, UdpMetadata};
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};

use super::addr::{self, SockAddr};
use super::{St, Stack, RCV_SHUTDOWN, SEND_SHUTDOWN, UDP_BUF, UDP_MAX, UDP_SLOTS};
use crate::Errno;

/// A received datagram: its length copied, its full length, its sender.
pub struct Datagram {
    pub copied: usize,
    pub full: usize,
    pub from: IpEndpoint,
}

impl Stack {
    /// The socket's smoltcp socket, made (and bound, ephemeral if need
    /// be) on first use.
    pub(crate) fn udp_handle(&mut self, id: u32) -> Result<SocketHandle, Errno> {
        let e = self.entry(id)?;
        if let St::Udp(h) = e.st {
            return Ok(h);
        }
        if e.port == 0 {
            self.take_port(id, None, 0)?;
        }
        let e = self.entry(id)?;
        let ep = IpListenEndpoint { addr: e.ip, port: e.port };
        let buf = || PacketBuffer::new(vec![PacketMetadata::EMPTY; UDP_SLOTS], vec![0; UDP_BUF]);
        let mut s = udp::Socket::new(buf(), buf());
        s.bind(ep).map_err(|_| Errno::EINVAL)?;
        let h = self.set.add(s);
        self.entry(id)?.st = St::Udp(h);
        Ok(h)
    }

    /// connect(2) on a UDP socket: sets (or, with AF_UNSPEC, clears) the
    /// default peer.
    pub fn udp_connect(&mut self, id: u32, bytes: &[u8]) -> Result<(), Errno> {
        let e = self.entry(id)?;
        if bytes.len() >= 2 && u16::from_ne_bytes([bytes[0], bytes[1]]) == addr::AF_UNSPEC {
            e.peer = None;
            return Ok(());
        }
        let v6 = e.v6;
        let SockAddr { ip, port } = addr::decode(bytes, v6, false)?;
        let ip = ip.unwrap_or_else(|| addr::wildcard_peer(v6));
        if !addr::is_local(ip) || (e.v6only && matches!(ip, IpAddress::Ipv4(_))) {
            return Err(Errno::ENETUNREACH);
        }
        self.udp_handle(id)?;
        self.entry(id)?.peer = Some(IpEndpoint::new(ip, port));
        Ok(())
    }

    /// Sends one datagram (to `dest`, else the connected peer).
    pub fn udp_send(&mut self, id: u32, data: &[u8], dest: Option<&[u8]>) -> Result<usize, Errno> {
        let e = self.entry(id)?;
        if e.shut & SEND_SHUTDOWN != 0 {
            return Err(Errno::EPIPE);
        }
        let v6 = e.v6;
        let to = match dest {
            Some(b) => {
                let SockAddr { ip, port } = addr::decode(b, v6, false)?;
                if port == 0 {
                    return Err(Errno::EINVAL);
                }
                let ip = ip.unwrap_or_else(|| addr::wildcard_peer(v6));
                if e.v6only && matches!(ip, IpAddress::Ipv4(_)) {
                    return Err(Errno::ENETUNREACH);
                }
                IpEndpoint::new(ip, port)
            }
            None => e.peer.ok_or(Errno::EDESTADDRREQ)?,
        };
        if data.len() > UDP_MAX {
            return Err(Errno::EMSGSIZE);
        }
        if !addr::is_local(to.addr) {
            return Err(Errno::ENETUNREACH);
        }
        let h = self.udp_handle(id)?;
        match self.udp(h).send_slice(data, UdpMetadata::from(to)) {
            Ok(()) => Ok(data.len()),
            Err(udp::SendError::BufferFull) => Err(Errno::EAGAIN),
            Err(udp::SendError::Unaddressable) => Err(Errno::EINVAL),
        }
    }

    /// Receives one datagram into `buf` (peek: leaves it queued); EAGAIN
    /// when none is there. A connected socket takes only its peer's.
    pub fn udp_recv(&mut self, id: u32, buf: &mut [u8], peek: bool) -> Result<Datagram, Errno> {
        let e = self.entry(id)?;
        let (shut, peer) = (e.shut, e.peer);
        let h = self.udp_handle(id)?;
        let s = self.udp(h);
        loop {
            let (data, meta) = match s.peek() {
                Ok((d, m)) => (d, *m),
                Err(_) if shut & RCV_SHUTDOWN != 0 => return Ok(Datagram { copied: 0, full: 0, from: IpEndpoint::new(addr::wildcard_peer(false), 0) }),
                Err(_) => return Err(Errno::EAGAIN),
            };
            if let Some(p) = peer {
                if p != meta.endpoint {
                    let _ = s.recv();
                    continue;
                }
            }
            let n = data.len().min(buf.len());
            buf[..n].copy_from_slice(&data[..n]);
            let d = Datagram { copied: n, full: data.len(), from: meta.endpoint };
            if !peek {
                let _ = s.recv();
            }
            return Ok(d);
        }
    }

    /// Bytes of the next datagram (FIONREAD on UDP) and bytes queued to
    /// send.
    pub fn udp_queues(&mut self, id: u32) -> (usize, usize) {
        match self.entries.get(&id).map(|e| &e.st) {
            Some(&St::Udp(h)) => {
                let s = self.udp(h);
                (s.peek().map_or(0, |(d, _)| d.len()), 0)
            }
            _ => (0, 0),
        }
    }
}
