//! Socket options of AF_INET/AF_INET6 sockets (socket(7), tcp(7),
//! ipv6(7)): SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE, SO_ERROR,
//! SO_ACCEPTCONN, SO_SNDBUF/SO_RCVBUF (kept and read back doubled, as
//! Linux), SO_BROADCAST, SO_LINGER (on with a zero time, close resets);
//! TCP_NODELAY (Nagle's algorithm off) and TCP_MAXSEG read; IPV6_V6ONLY
//! (EINVAL once bound, as Linux). Values are ints; anything else is
//! ENOPROTOOPT.

use alloc::vec::Vec;

use super::{Proto, St, Stack};
use crate::Errno;

pub const SOL_SOCKET: i32 = 1;
pub const IPPROTO_IP: i32 = 0;
pub const IPPROTO_TCP: i32 = 6;
pub const IPPROTO_IPV6: i32 = 41;

const SO_REUSEADDR: i32 = 2;
const SO_ERROR: i32 = 4;
const SO_BROADCAST: i32 = 6;
const SO_SNDBUF: i32 = 7;
const SO_RCVBUF: i32 = 8;
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
            (SOL_SOCKET, SO_BROADCAST) | (SOL_SOCKET, SO_SNDBUF) | (SOL_SOCKET, SO_RCVBUF) => {
                int(val)?;
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

    pub fn getsockopt(&mut self, id: u32, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        let e = self.entry(id)?;
        let v: i32 = match (level, name) {
            (SOL_SOCKET, SO_REUSEADDR) => e.reuseaddr as i32,
            (SOL_SOCKET, SO_REUSEPORT) => e.reuseport as i32,
            (SOL_SOCKET, SO_KEEPALIVE) => e.keepalive as i32,
            (SOL_SOCKET, SO_BROADCAST) => 0,
            (SOL_SOCKET, SO_ERROR) => e.error.take().map_or(0, |x| x.0),
            (SOL_SOCKET, SO_ACCEPTCONN) => matches!(e.st, St::Listen { .. }) as i32,
            (SOL_SOCKET, SO_SNDBUF) | (SOL_SOCKET, SO_RCVBUF) => (super::TCP_BUF as i32) * 2,
            (IPPROTO_TCP, TCP_NODELAY) if e.proto == Proto::Tcp => e.nodelay as i32,
            (IPPROTO_TCP, TCP_MAXSEG) if e.proto == Proto::Tcp => LO_MSS,
            (IPPROTO_IPV6, IPV6_V6ONLY) if e.v6 => e.v6only as i32,
            _ => return Err(Errno::ENOPROTOOPT),
        };
        Ok(v.to_ne_bytes().to_vec())
    }
}
