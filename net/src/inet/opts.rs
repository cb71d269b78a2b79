//! Socket options of AF_INET/AF_INET6 sockets (socket(7), tcp(7),
//! ipv6(7)): SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE, SO_ERROR,
//! SO_ACCEPTCONN, SO_SNDBUF/SO_RCVBUF (read back as [`crate::sockbuf`]
//! stores them; they size a TCP connection's buffers, see
//! [`Stack::set_buf`]; UDP's stay fixed), SO_BROADCAST, SO_LINGER (on
//! with a zero time, close resets; a positive time does not make close
//! wait, where Linux waits for unsent data up to that long);
//! TCP_NODELAY (Nagle's algorithm off) and TCP_MAXSEG read; IPV6_V6ONLY
//! (EINVAL once bound, as Linux). Values are ints; anything else is
//! ENOPROTOOPT.

use alloc::vec::Vec;

use super::{Proto, St, Stack, TCP_RCVBUF_DEFAULT, TCP_SNDBUF_DEFAULT};
use crate::sockbuf::{self, Buf, SO_RCVBUF, SO_SNDBUF};
use crate::Errno;

pub const SOL_SOCKET: i32 = 1;
pub const IPPROTO_IP: i32 = 0;
pub const IPPROTO_TCP: i32 = 6;
pub const IPPROTO_IPV6: i32 = 41;

const SO_REUSEADDR: i32 = 2;
const SO_ERROR: i32 = 4;
const SO_BROADCAST: i32 = 6;
const SO_KEEPALIVE: i32 = 9;
const SO_LINGER: i32 = 13;
const SO_REUSEPORT: i32 = 15;
const SO_ACCEPTCONN: i32 = 30;
const TCP_NODELAY: i32 = 1;
const TCP_MAXSEG: i32 = 2;
const IPV6_V6ONLY: i32 = 26;

/// The loopback MSS (MTU 65536 less the IP and TCP headers).
const LO_MSS: i32 = 65483;

fn int(v: &[u8]) -> Result<i32, Errno> {
    if v.len() < 4 {
        return Err(Errno::EINVAL);
    }
    Ok(i32::from_ne_bytes([v[0], v[1], v[2], v[3]]))
}

impl Stack {
    pub fn setsockopt(&mut self, id: u32, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
        let e = self.entry(id)?;
        let proto = e.proto;
        match (level, name) {
            (SOL_SOCKET, SO_REUSEADDR) => e.reuseaddr = int(val)? != 0,
            (SOL_SOCKET, SO_REUSEPORT) => e.reuseport = int(val)? != 0,
            (SOL_SOCKET, SO_BROADCAST) => {
                int(val)?;
            }
            (SOL_SOCKET, SO_SNDBUF | SO_RCVBUF) => {
                let (buf, v) = sockbuf::stored(name, int(val)?, false)?;
                self.set_buf(id, buf, v)?;
            }
            // The kernel keeps the value; a TCP close acts on it.
            (SOL_SOCKET, SO_LINGER) => {
                let secs = val.get(4..8).ok_or(Errno::EINVAL)?;
                e.linger = (int(val)? != 0).then(|| u32::from_ne_bytes([secs[0], secs[1], secs[2], secs[3]]));
            }
            (SOL_SOCKET, SO_KEEPALIVE) => {
                e.keepalive = int(val)? != 0;
                self.tcp_apply(id);
            }
            (IPPROTO_TCP, TCP_NODELAY) if proto == Proto::Tcp => {
                e.nodelay = int(val)? != 0;
                self.tcp_apply(id);
            }
            (IPPROTO_TCP, TCP_MAXSEG) if proto == Proto::Tcp => {
                int(val)?;
            }
            (IPPROTO_IPV6, IPV6_V6ONLY) if e.v6 => {
                let v = int(val)? != 0;
                if e.port != 0 || !matches!(e.st, St::Idle) {
                    return Err(Errno::EINVAL);
                }
                e.v6only = v;
            }
            _ => return Err(Errno::ENOPROTOOPT),
        }
        Ok(())
    }

    /// Sets SO_SNDBUF or SO_RCVBUF to `v` (as [`sockbuf::stored`] made
    /// it). A TCP buffer takes its size when the connection (or the
    /// listener's next socket) is made: smoltcp cannot resize one.
    pub fn set_buf(&mut self, id: u32, buf: Buf, v: usize) -> Result<(), Errno> {
        let e = self.entry(id)?;
        match buf {
            Buf::Snd => e.sndbuf = Some(v),
            Buf::Rcv => e.rcvbuf = Some(v),
        }
        Ok(())
    }

    pub fn getsockopt(&mut self, id: u32, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        let e = self.entry(id)?;
        let v: i32 = match (level, name) {
            (SOL_SOCKET, SO_REUSEADDR) => e.reuseaddr as i32,
            (SOL_SOCKET, SO_REUSEPORT) => e.reuseport as i32,
            (SOL_SOCKET, SO_KEEPALIVE) => e.keepalive as i32,
            (SOL_SOCKET, SO_BROADCAST) => 0,
            (SOL_SOCKET, SO_ERROR) => e.error.take().map_or(0, |x| x.0),
            (SOL_SOCKET, SO_ACCEPTCONN) => matches!(e.st, St::Listen { .. }) as i32,
            (SOL_SOCKET, SO_SNDBUF) => e.sndbuf.unwrap_or(match e.proto {
                Proto::Tcp => TCP_SNDBUF_DEFAULT,
                Proto::Udp => sockbuf::WMEM_DEFAULT,
            }) as i32,
            (SOL_SOCKET, SO_RCVBUF) => e.rcvbuf.unwrap_or(match e.proto {
                Proto::Tcp => TCP_RCVBUF_DEFAULT,
                Proto::Udp => sockbuf::RMEM_DEFAULT,
            }) as i32,
            (IPPROTO_TCP, TCP_NODELAY) if e.proto == Proto::Tcp => e.nodelay as i32,
            (IPPROTO_TCP, TCP_MAXSEG) if e.proto == Proto::Tcp => LO_MSS,
            (IPPROTO_IPV6, IPV6_V6ONLY) if e.v6 => e.v6only as i32,
            _ => return Err(Errno::ENOPROTOOPT),
        };
        Ok(v.to_ne_bytes().to_vec())
    }
}
