//! AF_NETLINK as a [`Socket`] family: NETLINK_ROUTE requests answered by
//! the `net` crate's rtnetlink for `lo` (`net::netlink::route`: the
//! replies are queued on the socket as datagrams, from port id 0), and
//! NETLINK_KOBJECT_UEVENT sockets (what systemd's and udev's device
//! monitors open) bind to their multicast groups, take a classic-BPF
//! filter (SO_ATTACH_FILTER, checked for size as Linux's sk_attach_filter)
//! and never have anything to read, since this kernel announces no device
//! events; what user space sends to a uevent group is accepted and, with
//! no other listener to deliver to here, dropped.
//!
//! As Linux's af_netlink.c: SOCK_RAW and SOCK_DGRAM only
//! (ESOCKTNOSUPPORT), a protocol without a handler EPROTONOSUPPORT — which
//! is also NETLINK_AUDIT's answer on a kernel without audit; bind and connect
//! take a `sockaddr_nl` (EINVAL if shorter or of another family); a port
//! id of 0 is chosen for the caller: the process id for its first netlink
//! socket, then -4096 downwards; a port id in use is EADDRINUSE and a
//! second bind to another port id EINVAL. listen, accept and shutdown are
//! EOPNOTSUPP. The kernel handles only messages with NLM_F_REQUEST and a
//! type past the control range (others just get the acknowledgement they
//! ask for); messages sent to another port id are dropped (no unicast
//! between user sockets yet).

use alloc::boxed::Box;
use alloc::collections::{BTreeSet, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use executor::WaitQueue;
use net::sockbuf::{self, Buf, SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF, SO_SNDBUFFORCE};

use super::cmsg::SOL_SOCKET;
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
const BPF_MAXINSNS: u16 = 4096;

/// Port ids in use (per protocol), and the rover for chosen ones.
static PORTS: spin::Mutex<BTreeSet<(i32, u32)>> = spin::Mutex::new(BTreeSet::new());
static ROVER: AtomicU32 = AtomicU32::new(-4096i32 as u32);
static NEXT_INO: AtomicU32 = AtomicU32::new(1 << 20);

/// One netlink socket.
pub struct NetlinkSock {
    ty: i32,
    protocol: i32,
    ino: u64,
    events: WaitQueue,
    st: spin::Mutex<State>,
    /// Replies from the kernel, one datagram each.
    rx: spin::Mutex<VecDeque<Vec<u8>>>,
    filter: AtomicBool,
    rcvbuf: AtomicUsize,
    sndbuf: AtomicUsize,
    /// Boolean options kept and read back (SO_PASSCRED, NETLINK_PKTINFO...).
    flags: spin::Mutex<Vec<(i32, i32, i32)>>,
}

#[derive(Default)]
struct State {
    portid: Option<u32>,
    groups: u32,
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
            events: WaitQueue::new(),
            st: spin::Mutex::new(State::default()),
            rx: spin::Mutex::new(VecDeque::new()),
            filter: AtomicBool::new(false),
            rcvbuf: AtomicUsize::new(sockbuf::RMEM_DEFAULT),
            sndbuf: AtomicUsize::new(sockbuf::WMEM_DEFAULT),
            flags: spin::Mutex::new(Vec::new()),
        }))
    }

    /// The port id, choosing one if the socket has none (netlink_autobind).
    fn autobind(&self, t: &Thread, st: &mut State) -> u32 {
        if let Some(p) = st.portid {
            return p;
        }
        let mut ports = PORTS.lock();
        let mut id = t.process.pid;
        while ports.contains(&(self.protocol, id)) {
            id = ROVER.fetch_sub(1, Ordering::Relaxed);
            if (id as i32) > -4096 {
                ROVER.store(-4097i32 as u32, Ordering::Relaxed);
            }
        }
        ports.insert((self.protocol, id));
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
        &self.events
    }

    /// Always writable; readable with a reply queued (datagram_poll).
    fn poll(&self) -> u16 {
        use crate::file::readiness::{bits, IN, POLLOUT, POLLWRNORM};
        POLLOUT | POLLWRNORM | 0x200 | bits(!self.rx.lock().is_empty(), IN)
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
                let mut ports = PORTS.lock();
                if !ports.insert((self.protocol, pid)) {
                    return Err(Errno::EADDRINUSE);
                }
                st.portid = Some(pid);
            }
        }
        st.groups = groups;
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
        encode(st.portid.unwrap_or(0), st.groups)
    }

    fn peer_name(&self) -> Result<Vec<u8>, Errno> {
        let st = self.st.lock();
        Ok(encode(st.dst.0, st.dst.1))
    }

    /// The sender is bound first, as Linux's netlink_sendmsg does; a
    /// request to the kernel's rtnetlink is answered at once into this
    /// socket's queue (see the module documentation).
    fn send(&self, t: &Arc<Thread>, data: &[u8], _done: &mut usize, args: &mut SendArgs) -> Result<usize, Errno> {
        let to = match &args.addr {
            Some(raw) => parse_addr(raw)?,
            None => self.st.lock().dst,
        };
        let portid = {
            let mut st = self.st.lock();
            self.autobind(t, &mut st)
        };
        if self.protocol != NETLINK_ROUTE || to != (0, 0) {
            return Ok(data.len());
        }
        let admin = t.creds.lock().cap_effective & (1 << 12) != 0;
        let mut replies = Vec::new();
        for (h, msg) in net::netlink::messages(data) {
            if h.flags & net::netlink::NLM_F_REQUEST == 0 || h.ty < 16 {
                if h.flags & net::netlink::NLM_F_ACK != 0 {
                    replies.push(net::netlink::ack(&h, msg, 0, portid));
                }
            } else {
                replies.extend(net::netlink::route::handle(&h, msg, admin, portid));
            }
        }
        if !replies.is_empty() {
            self.rx.lock().extend(replies);
            self.events.wake_all();
        }
        Ok(data.len())
    }

    /// One queued reply, from the kernel (port id 0); what does not fit
    /// is cut (MSG_TRUNC).
    fn recv(&self, _t: &Arc<Thread>, buf: &mut [u8], args: &mut RecvArgs) -> Result<usize, Errno> {
        let peek = args.flags & super::MSG_PEEK != 0;
        let msg = {
            let mut rx = self.rx.lock();
            if peek {
                rx.front().cloned()
            } else {
                rx.pop_front()
            }
        };
        let msg = msg.ok_or(Errno::EAGAIN)?;
        let n = msg.len().min(buf.len());
        buf[..n].copy_from_slice(&msg[..n]);
        if args.want_name {
            args.name = encode(0, 0);
        }
        if msg.len() > n {
            args.msg_flags |= super::MSG_TRUNC;
        }
        Ok(if args.flags & super::MSG_TRUNC != 0 { msg.len() } else { n })
    }

    fn msg_limit(&self) -> Option<usize> {
        Some(self.sndbuf.load(Ordering::Relaxed))
    }

    fn recv_hint(&self) -> usize {
        self.rx.lock().front().map_or(0, Vec::len)
    }

    fn shutdown(&self, _how: i32) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    fn setsockopt(&self, t: &Arc<Thread>, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
        let cap_net_admin = t.creds.lock().cap_effective & (1 << 12) != 0;
        match (level, name) {
            (SOL_SOCKET, SO_ATTACH_FILTER) => {
                // struct sock_fprog: a length and a pointer to the program.
                if val.len() < 16 {
                    return Err(Errno::EINVAL);
                }
                let len = u16::from_ne_bytes([val[0], val[1]]);
                if len == 0 || len > BPF_MAXINSNS {
                    return Err(Errno::EINVAL);
                }
                self.filter.store(true, Ordering::Relaxed);
            }
            (SOL_SOCKET, SO_DETACH_FILTER) => {
                if !self.filter.swap(false, Ordering::Relaxed) {
                    return Err(Errno::ENOENT);
                }
            }
            (SOL_SOCKET, SO_SNDBUF | SO_RCVBUF | SO_SNDBUFFORCE | SO_RCVBUFFORCE) => {
                let (buf, v) = sockbuf::stored(name, read_int(val)?, cap_net_admin)?;
                let slot = if buf == Buf::Snd { &self.sndbuf } else { &self.rcvbuf };
                slot.store(v, Ordering::Relaxed);
            }
            (SOL_SOCKET, SO_PASSCRED | SO_PASSSEC | SO_TIMESTAMP) => self.set_flag(level, name, read_int(val)?),
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
                    st.groups |= 1 << (g - 1);
                } else {
                    st.groups &= !(1 << (g - 1));
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
            (SOL_SOCKET, SO_RCVBUF) => int(self.rcvbuf.load(Ordering::Relaxed) as i32),
            (SOL_SOCKET, SO_PASSCRED | SO_PASSSEC | SO_TIMESTAMP) => int(self.flag(level, name)),
            (SOL_SOCKET, 4) => int(0), // SO_ERROR
            (SOL_SOCKET, 30) => int(0), // SO_ACCEPTCONN
            (SOL_NETLINK, NETLINK_PKTINFO | NETLINK_EXT_ACK | NETLINK_GET_STRICT_CHK) => int(self.flag(level, name)),
            (SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS) => self.st.lock().groups.to_ne_bytes().to_vec(),
            _ => return Err(Errno::ENOPROTOOPT),
        })
    }

    fn ioctl(&self, t: &Arc<Thread>, request: u64, arg: u64) -> SysResult {
        match request {
            super::SIOCINQ | super::SIOCOUTQ => crate::file::ops::reply_int(t, arg, 0),
            _ => Err(Errno::ENOTTY),
        }
    }

    fn release(&self) {
        if let Some(p) = self.st.lock().portid.take() {
            PORTS.lock().remove(&(self.protocol, p));
        }
    }
}
