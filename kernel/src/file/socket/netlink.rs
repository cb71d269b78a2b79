//! AF_NETLINK as a [`Socket`] family: NETLINK_ROUTE requests answered by
//! the `net` crate's rtnetlink for `lo` (`net::netlink::route`: the
//! replies are queued on the socket as datagrams, from port id 0), and
//! NETLINK_KOBJECT_UEVENT sockets (what systemd's and udev's device
//! monitors open): they join multicast groups, receive the kernel's
//! uevents on group 1 (a write to a sysfs `uevent` attribute), multicast
//! and unicast to each other (udevd to group 2, its workers by port id),
//! with the sender's `sockaddr_nl` and, with SO_PASSCRED, its credentials,
//! through a classic-BPF filter (SO_ATTACH_FILTER, `net::bpf`).
//! Delivery is [`super::netlink_bus`].
//!
//! As Linux's af_netlink.c: SOCK_RAW and SOCK_DGRAM only
//! (ESOCKTNOSUPPORT), a protocol without a handler EPROTONOSUPPORT — which
//! is also NETLINK_AUDIT's answer on a kernel without audit; bind and connect
//! take a `sockaddr_nl` (EINVAL if shorter or of another family); a port
//! id of 0 is chosen for the caller: the process id for its first netlink
//! socket, then -4096 downwards; a port id in use is EADDRINUSE and a
//! second bind to another port id EINVAL. listen, accept and shutdown are
//! EOPNOTSUPP. Sending to a group or to another socket needs
//! CAP_NET_ADMIN (EPERM: neither protocol has NL_CFG_F_NONROOT_SEND); the
//! destination group of a send is the lowest bit of `nl_groups`. The
//! kernel handles only messages with NLM_F_REQUEST and a type past the
//! control range (others just get the acknowledgement they ask for);
//! what user space sends to the uevent kernel socket is dropped, as Linux
//! drops what is not a netlink message there. SCM_CREDENTIALS passed by a
//! sender is ignored: receivers see the sender's own credentials.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use executor::WaitQueue;
use net::sockbuf::{self, Buf, SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF, SO_SNDBUFFORCE};

use super::cmsg::{Writer, SCM_CREDENTIALS, SOL_SOCKET};
use super::netlink_bus::{self as bus, Endpoint};
use super::{RecvArgs, SendArgs, Socket, SOCK_DGRAM, SOCK_RAW};
use crate::errno::{Errno, SysResult};
use crate::proc::Thread;

pub const AF_NETLINK: i32 = 16;
pub const NETLINK_ROUTE: i32 = 0;
pub const NETLINK_KOBJECT_UEVENT: i32 = 15;
const MAX_LINKS: i32 = 32;
/// The uevent protocol's multicast groups (kernel 1, udev 2): 32 bits.
const UEVENT_GROUPS: u32 = 32;

const SOL_NETLINK: i32 = 270;
const NETLINK_ADD_MEMBERSHIP: i32 = 1;
const NETLINK_DROP_MEMBERSHIP: i32 = 2;
const NETLINK_PKTINFO: i32 = 3;
const NETLINK_LIST_MEMBERSHIPS: i32 = 9;
const NETLINK_EXT_ACK: i32 = 11;
const NETLINK_GET_STRICT_CHK: i32 = 12;

const SO_PASSCRED: i32 = 16;
const SO_ATTACH_FILTER: i32 = 26;
const SO_DETACH_FILTER: i32 = 27;
const SO_TIMESTAMP: i32 = 29;
const SO_PASSSEC: i32 = 34;
const CAP_NET_ADMIN: u64 = 1 << 12;
/// Boolean options of every socket (sock_setsockopt) a netlink socket
/// keeps and reads back without acting on: SO_REUSEADDR, SO_DONTROUTE,
/// SO_BROADCAST, SO_KEEPALIVE, SO_OOBINLINE, SO_REUSEPORT.
const SOCKET_BOOLS: [i32; 6] = [2, 5, 6, 9, 10, 15];

static NEXT_INO: AtomicU32 = AtomicU32::new(1 << 20);

/// One netlink socket.
pub struct NetlinkSock {
    ty: i32,
    protocol: i32,
    ino: u64,
    /// The receive side other sockets and the kernel deliver to.
    ep: Arc<Endpoint>,
    st: spin::Mutex<State>,
    sndbuf: AtomicUsize,
    passcred: AtomicBool,
    /// Boolean options kept and read back (NETLINK_PKTINFO...).
    flags: spin::Mutex<Vec<(i32, i32, i32)>>,
}

#[derive(Default)]
struct State {
    portid: Option<u32>,
    dst: (u32, u32),
}

fn read_int(v: &[u8]) -> Result<i32, Errno> {
    let b = v.get(..4).ok_or(Errno::EINVAL)?;
    Ok(i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}

/// A `sockaddr_nl`: (port id, groups).
fn parse_addr(raw: &[u8]) -> Result<(u32, u32), Errno> {
    if raw.len() < 12 || u16::from_ne_bytes([raw[0], raw[1]]) != AF_NETLINK as u16 {
        return Err(Errno::EINVAL);
    }
    let pid = u32::from_ne_bytes([raw[4], raw[5], raw[6], raw[7]]);
    let groups = u32::from_ne_bytes([raw[8], raw[9], raw[10], raw[11]]);
    Ok((pid, groups))
}

fn encode(pid: u32, groups: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(12);
    v.extend_from_slice(&(AF_NETLINK as u16).to_ne_bytes());
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(&pid.to_ne_bytes());
    v.extend_from_slice(&groups.to_ne_bytes());
    v
}

/// The group mask a receiver sees for group `n` (netlink_group_mask).
fn group_mask(n: u32) -> u32 {
    if n == 0 {
        0
    } else {
        1 << (n - 1)
    }
}

/// SO_ATTACH_FILTER: copies and checks the `struct sock_fprog` program.
fn load_filter(t: &Thread, val: &[u8]) -> Result<net::bpf::Program, Errno> {
    if val.len() < 16 {
        return Err(Errno::EINVAL);
    }
    let len = u16::from_ne_bytes([val[0], val[1]]) as usize;
    let ptr = u64::from_ne_bytes(val[8..16].try_into().map_err(|_| Errno::EINVAL)?);
    if len == 0 || len > net::bpf::MAX_INSNS {
        return Err(Errno::EINVAL);
    }
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    let mut raw = alloc::vec![0u8; len * 8];
    crate::uaccess::read_bytes(&mm, ptr, &mut raw)?;
    let insns = raw.chunks_exact(8).map(|c| net::bpf::Insn::decode(c.try_into().unwrap_or(&[0; 8]))).collect();
    net::bpf::Program::new(insns).map_err(|e| Errno(e.0))
}

impl NetlinkSock {
    /// socket(AF_NETLINK, ty, protocol).
    pub fn create(ty: i32, protocol: i32) -> Result<Box<dyn Socket>, Errno> {
        if ty != SOCK_RAW && ty != SOCK_DGRAM {
            return Err(Errno::ESOCKTNOSUPPORT);
        }
        if !(0..MAX_LINKS).contains(&protocol) || !matches!(protocol, NETLINK_ROUTE | NETLINK_KOBJECT_UEVENT) {
            return Err(Errno::EPROTONOSUPPORT);
        }
        Ok(Box::new(NetlinkSock {
            ty,
            protocol,
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed) as u64,
            ep: Arc::new(Endpoint::new(protocol)),
            st: spin::Mutex::new(State::default()),
            sndbuf: AtomicUsize::new(sockbuf::WMEM_DEFAULT),
            passcred: AtomicBool::new(false),
            flags: spin::Mutex::new(Vec::new()),
        }))
    }

    /// The port id, choosing one if the socket has none (netlink_autobind).
    fn autobind(&self, t: &Thread, st: &mut State) -> u32 {
        if let Some(p) = st.portid {
            return p;
        }
        let id = bus::autobind(&self.ep, t.process.pid);
        st.portid = Some(id);
        id
    }

    fn flag(&self, level: i32, name: i32) -> i32 {
        self.flags.lock().iter().find(|f| f.0 == level && f.1 == name).map_or(0, |f| f.2)
    }

    fn set_flag(&self, level: i32, name: i32, v: i32) {
        let mut f = self.flags.lock();
        f.retain(|x| !(x.0 == level && x.1 == name));
        f.push((level, name, (v != 0) as i32));
    }

    /// A request to the kernel's rtnetlink, answered into this socket's
    /// queue.
    fn route_request(&self, t: &Thread, data: &[u8], portid: u32) {
        let admin = t.creds.lock().cap_effective & CAP_NET_ADMIN != 0;
        for (h, msg) in net::netlink::messages(data) {
            let replies = if h.flags & net::netlink::NLM_F_REQUEST == 0 || h.ty < 16 {
                if h.flags & net::netlink::NLM_F_ACK != 0 {
                    alloc::vec![net::netlink::ack(&h, msg, 0, portid)]
                } else {
                    Vec::new()
                }
            } else {
                net::netlink::route::handle(&h, msg, admin, portid)
            };
            for r in replies {
                self.ep.deliver(bus::Dgram { data: r, portid: 0, group: 0, cred: net::Cred::default() });
            }
        }
    }
}

impl Socket for NetlinkSock {
    fn family(&self) -> i32 {
        AF_NETLINK
    }

    fn sock_type(&self) -> i32 {
        self.ty
    }

    fn protocol(&self) -> i32 {
        self.protocol
    }

    fn events(&self) -> &WaitQueue {
        &self.ep.events
    }

    /// Always writable; readable with a datagram queued, POLLERR with an
    /// error pending (datagram_poll).
    fn poll(&self) -> u16 {
        use crate::file::readiness::{bits, IN, POLLOUT, POLLWRNORM};
        let err = if self.ep.pending_error() { 0x8 } else { 0 };
        POLLOUT | POLLWRNORM | 0x200 | err | bits(self.ep.readable(), IN)
    }

    fn is_stream(&self) -> bool {
        false
    }

    fn ino(&self) -> u64 {
        self.ino
    }

    fn bind(&self, t: &Arc<Thread>, raw: &[u8]) -> Result<(), Errno> {
        let (pid, groups) = parse_addr(raw)?;
        let mut st = self.st.lock();
        match st.portid {
            Some(p) if pid != 0 && p != pid => return Err(Errno::EINVAL),
            Some(_) => {}
            None if pid == 0 => {
                self.autobind(t, &mut st);
            }
            None => {
                bus::bind(&self.ep, pid)?;
                st.portid = Some(pid);
            }
        }
        self.ep.groups.store(groups, Ordering::Relaxed);
        Ok(())
    }

    fn listen(&self, _t: &Arc<Thread>, _backlog: i32) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    fn connect(&self, t: &Arc<Thread>, raw: &[u8]) -> Result<(), Errno> {
        if raw.len() >= 2 && u16::from_ne_bytes([raw[0], raw[1]]) == 0 {
            self.st.lock().dst = (0, 0);
            return Ok(());
        }
        let (pid, groups) = parse_addr(raw)?;
        let mut st = self.st.lock();
        self.autobind(t, &mut st);
        st.dst = (pid, groups);
        Ok(())
    }

    fn accept(&self, _t: &Arc<Thread>) -> Result<Box<dyn Socket>, Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    fn local_name(&self) -> Vec<u8> {
        let st = self.st.lock();
        encode(st.portid.unwrap_or(0), self.ep.groups.load(Ordering::Relaxed))
    }

    fn peer_name(&self) -> Result<Vec<u8>, Errno> {
        let st = self.st.lock();
        Ok(encode(st.dst.0, st.dst.1))
    }

    /// The sender is bound first, as Linux's netlink_sendmsg does; then
    /// the datagram goes to its group (the lowest bit of `nl_groups`) and
    /// to its port id — the kernel's (0) or a socket's.
    fn send(&self, t: &Arc<Thread>, data: &[u8], _done: &mut usize, args: &mut SendArgs) -> Result<usize, Errno> {
        let (to, groups) = match &args.addr {
            Some(raw) => parse_addr(raw)?,
            None => self.st.lock().dst,
        };
        let group = if groups == 0 { 0 } else { groups.trailing_zeros() + 1 };
        if (group != 0 || to != 0) && t.creds.lock().cap_effective & CAP_NET_ADMIN == 0 {
            return Err(Errno::EPERM);
        }
        let portid = {
            let mut st = self.st.lock();
            self.autobind(t, &mut st)
        };
        let cred = super::unix::msg_cred(t);
        if group != 0 {
            bus::multicast(self.protocol, portid, group, cred, data);
        }
        if to != 0 {
            bus::unicast(self.protocol, portid, to, cred, data)?;
        } else if self.protocol == NETLINK_ROUTE {
            self.route_request(t, data, portid);
        }
        Ok(data.len())
    }

    /// One datagram, with its sender's address and, as asked, its
    /// credentials and group (NETLINK_PKTINFO); what does not fit is cut
    /// (MSG_TRUNC).
    fn recv(&self, _t: &Arc<Thread>, buf: &mut [u8], args: &mut RecvArgs) -> Result<usize, Errno> {
        let d = self.ep.take(args.flags & super::MSG_PEEK != 0)?;
        let n = d.data.len().min(buf.len());
        buf[..n].copy_from_slice(&d.data[..n]);
        if args.want_name {
            args.name = encode(d.portid, group_mask(d.group));
        }
        if d.data.len() > n {
            args.msg_flags |= super::MSG_TRUNC;
        }
        let mut w = Writer { out: &mut args.control, room: args.control_room, flags: &mut args.msg_flags };
        if self.flag(SOL_NETLINK, NETLINK_PKTINFO) != 0 {
            w.put(SOL_NETLINK, NETLINK_PKTINFO, &d.group.to_ne_bytes());
        }
        if self.passcred.load(Ordering::Relaxed) {
            let mut c = [0u8; 12];
            c[..4].copy_from_slice(&d.cred.pid.to_ne_bytes());
            c[4..8].copy_from_slice(&d.cred.uid.to_ne_bytes());
            c[8..].copy_from_slice(&d.cred.gid.to_ne_bytes());
            w.put(SOL_SOCKET, SCM_CREDENTIALS, &c);
        }
        Ok(if args.flags & super::MSG_TRUNC != 0 { d.data.len() } else { n })
    }

    fn msg_limit(&self) -> Option<usize> {
        Some(self.sndbuf.load(Ordering::Relaxed))
    }

    fn recv_hint(&self) -> usize {
        self.ep.next_len()
    }

    fn shutdown(&self, _how: i32) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    fn setsockopt(&self, t: &Arc<Thread>, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
        let cap_net_admin = t.creds.lock().cap_effective & CAP_NET_ADMIN != 0;
        match (level, name) {
            (SOL_SOCKET, SO_ATTACH_FILTER) => {
                let p = load_filter(t, val)?;
                *self.ep.filter.lock() = Some(Arc::new(p));
            }
            (SOL_SOCKET, SO_DETACH_FILTER) => {
                if self.ep.filter.lock().take().is_none() {
                    return Err(Errno::ENOENT);
                }
            }
            (SOL_SOCKET, SO_SNDBUF | SO_RCVBUF | SO_SNDBUFFORCE | SO_RCVBUFFORCE) => {
                let (buf, v) = sockbuf::stored(name, read_int(val)?, cap_net_admin)?;
                let slot = if buf == Buf::Snd { &self.sndbuf } else { &self.ep.rcvbuf };
                slot.store(v, Ordering::Relaxed);
            }
            (SOL_SOCKET, SO_PASSCRED) => self.passcred.store(read_int(val)? != 0, Ordering::Relaxed),
            (SOL_SOCKET, SO_PASSSEC | SO_TIMESTAMP) => self.set_flag(level, name, read_int(val)?),
            (SOL_SOCKET, n) if SOCKET_BOOLS.contains(&n) => self.set_flag(level, name, read_int(val)?),
            (SOL_NETLINK, NETLINK_ADD_MEMBERSHIP | NETLINK_DROP_MEMBERSHIP) => {
                let g = read_int(val)? as u32;
                if g == 0 || (self.protocol == NETLINK_KOBJECT_UEVENT && g > UEVENT_GROUPS) {
                    return Err(Errno::EINVAL);
                }
                let mut st = self.st.lock();
                self.autobind(t, &mut st);
                if g > 32 {
                    // Groups past the first 32 are accepted, not listed.
                } else if name == NETLINK_ADD_MEMBERSHIP {
                    self.ep.groups.fetch_or(1 << (g - 1), Ordering::Relaxed);
                } else {
                    self.ep.groups.fetch_and(!(1 << (g - 1)), Ordering::Relaxed);
                }
            }
            (SOL_NETLINK, NETLINK_PKTINFO | NETLINK_EXT_ACK | NETLINK_GET_STRICT_CHK) => self.set_flag(level, name, read_int(val)?),
            _ => return Err(Errno::ENOPROTOOPT),
        }
        Ok(())
    }

    fn getsockopt(&self, _t: &Arc<Thread>, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        let int = |v: i32| v.to_ne_bytes().to_vec();
        Ok(match (level, name) {
            (SOL_SOCKET, SO_SNDBUF) => int(self.sndbuf.load(Ordering::Relaxed) as i32),
            (SOL_SOCKET, SO_RCVBUF) => int(self.ep.rcvbuf.load(Ordering::Relaxed) as i32),
            (SOL_SOCKET, SO_PASSCRED) => int(self.passcred.load(Ordering::Relaxed) as i32),
            (SOL_SOCKET, SO_PASSSEC | SO_TIMESTAMP) => int(self.flag(level, name)),
            (SOL_SOCKET, n) if SOCKET_BOOLS.contains(&n) => int(self.flag(level, name)),
            (SOL_SOCKET, 4) => int(self.ep.take_error()), // SO_ERROR
            (SOL_SOCKET, 30) => int(0), // SO_ACCEPTCONN
            (SOL_NETLINK, NETLINK_PKTINFO | NETLINK_EXT_ACK | NETLINK_GET_STRICT_CHK) => int(self.flag(level, name)),
            (SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS) => self.ep.groups.load(Ordering::Relaxed).to_ne_bytes().to_vec(),
            _ => return Err(Errno::ENOPROTOOPT),
        })
    }

    fn ioctl(&self, t: &Arc<Thread>, request: u64, arg: u64) -> SysResult {
        match request {
            super::SIOCINQ => crate::file::ops::reply_int(t, arg, self.ep.next_len() as i32),
            super::SIOCOUTQ => crate::file::ops::reply_int(t, arg, 0),
            _ => Err(Errno::ENOTTY),
        }
    }

    fn release(&self) {
        if let Some(p) = self.st.lock().portid.take() {
            bus::unbind(self.protocol, p);
        }
    }
}
