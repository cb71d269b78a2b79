//! AF_INET and AF_INET6 sockets (ip(7), ipv6(7), tcp(7), udp(7)) on
//! loopback, as a [`Socket`] family over the `net` crate's smoltcp stack
//! ([`net::inet::Stack`]).
//!
//! One stack behind one lock, taken for each call and never held across
//! an `.await` nor while waking: a call that may move packets (connect,
//! send, a receive that frees window, shutdown, close) polls the stack
//! before unlocking, then wakes the queues of the sockets whose readiness
//! changed, then arms the stack's own next deadline (smoltcp's poll_at:
//! retransmissions, keepalives) on a one-shot kernel timer. No periodic
//! tick: the timer task sleeps until that deadline, or forever when there
//! is none, and is nudged only when a poll finds an earlier one.
//!
//! socket(2) takes SOCK_STREAM (protocol 0 or IPPROTO_TCP) and SOCK_DGRAM
//! (0 or IPPROTO_UDP), else EPROTONOSUPPORT / ESOCKTNOSUPPORT as Linux.
//! A non-blocking connect answers EINPROGRESS and its outcome comes as
//! POLLOUT (with POLLERR and SO_ERROR if refused); a blocking one waits
//! for it.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use executor::{Event, WaitQueue};
use net::inet::{addr, Proto, Stack};

use super::{RecvArgs, SendArgs, Socket, MSG_PEEK, MSG_TRUNC, SIOCINQ, SIOCOUTQ, SOCK_DGRAM, SOCK_STREAM};
use crate::errno::{Errno, SysResult};
use crate::proc::Thread;

pub const AF_INET: i32 = 2;
pub const AF_INET6: i32 = 10;
const IPPROTO_TCP: i32 = 6;
const IPPROTO_UDP: i32 = 17;

static STACK: spin::Mutex<Option<Stack>> = spin::Mutex::new(None);
/// The deadline the timer task sleeps to (u64::MAX: none).
static DEADLINE: AtomicU64 = AtomicU64::new(u64::MAX);
/// Nudges the timer task when the deadline moves earlier.
static NUDGE: Event = Event::new();
static TIMER_STARTED: AtomicBool = AtomicBool::new(false);
static NEXT_INO: AtomicU64 = AtomicU64::new(1 << 24);

/// Runs `f` on the stack; with `poll`, runs the stack afterwards, wakes
/// who it concerns and arms its next deadline.
fn with<R>(poll: bool, f: impl FnOnce(&mut Stack) -> R) -> R {
    let now = platform::time::now_ns();
    let mut wake = Vec::new();
    let (r, next) = {
        let mut g = STACK.lock();
        let s = g.get_or_insert_with(|| Stack::new(now));
        let r = f(s);
        let next = if poll { s.poll(now, &mut wake) } else { None };
        (r, next)
    };
    for q in wake {
        q.wake_all();
    }
    if let Some(d) = next {
        arm(d);
    }
    r
}

/// Moves the timer's deadline earlier to `d`.
fn arm(d: u64) {
    let mut cur = DEADLINE.load(Ordering::Acquire);
    while d < cur {
        match DEADLINE.compare_exchange(cur, d, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => {
                NUDGE.notify_one();
                return;
            }
            Err(c) => cur = c,
        }
    }
}

fn start_timer() {
    if TIMER_STARTED.swap(true, Ordering::AcqRel) {
        return;
    }
    drop(crate::sched::executor().spawn(async {
        loop {
            let d = DEADLINE.load(Ordering::Acquire);
            if d == u64::MAX {
                NUDGE.notified().await;
                continue;
            }
            if crate::sched::sleep_unless_cancelled(d, &NUDGE).await {
                let _ = DEADLINE.compare_exchange(d, u64::MAX, Ordering::AcqRel, Ordering::Acquire);
                with(true, |_| ());
            }
        }
    }));
}

/// One AF_INET or AF_INET6 socket.
pub struct InetSock {
    id: u32,
    v6: bool,
    proto: Proto,
    events: Arc<WaitQueue>,
    ino: u64,
}

impl InetSock {
    pub fn create(family: i32, ty: i32, protocol: i32) -> Result<Box<dyn Socket>, Errno> {
        let proto = match (ty, protocol) {
            (SOCK_STREAM, 0 | IPPROTO_TCP) => Proto::Tcp,
            (SOCK_DGRAM, 0 | IPPROTO_UDP) => Proto::Udp,
            (SOCK_STREAM | SOCK_DGRAM, _) => return Err(Errno::EPROTONOSUPPORT),
            _ => return Err(Errno::ESOCKTNOSUPPORT),
        };
        start_timer();
        let v6 = family == AF_INET6;
        let (id, events) = with(false, |s| s.open(proto, v6));
        Ok(Box::new(InetSock::new(id, v6, proto, events)))
    }

    fn new(id: u32, v6: bool, proto: Proto, events: Arc<WaitQueue>) -> InetSock {
        InetSock { id, v6, proto, events, ino: NEXT_INO.fetch_add(1, Ordering::Relaxed) }
    }
}

impl Socket for InetSock {
    fn family(&self) -> i32 {
        if self.v6 {
            AF_INET6
        } else {
            AF_INET
        }
    }

    fn sock_type(&self) -> i32 {
        match self.proto {
            Proto::Tcp => SOCK_STREAM,
            Proto::Udp => SOCK_DGRAM,
        }
    }

    fn protocol(&self) -> i32 {
        match self.proto {
            Proto::Tcp => IPPROTO_TCP,
            Proto::Udp => IPPROTO_UDP,
        }
    }

    fn events(&self) -> &WaitQueue {
        &self.events
    }

    fn poll(&self) -> u16 {
        with(false, |s| s.poll_mask(self.id))
    }

    fn bind(&self, _t: &Arc<Thread>, a: &[u8]) -> Result<(), Errno> {
        Ok(with(false, |s| s.bind(self.id, a))?)
    }

    fn listen(&self, _t: &Arc<Thread>, backlog: i32) -> Result<(), Errno> {
        Ok(with(true, |s| s.listen(self.id, backlog))?)
    }

    fn connect(&self, _t: &Arc<Thread>, a: &[u8]) -> Result<(), Errno> {
        Ok(match self.proto {
            Proto::Tcp => with(true, |s| s.tcp_connect(self.id, a)),
            Proto::Udp => with(false, |s| s.udp_connect(self.id, a)),
        }?)
    }

    fn connect_result(&self) -> Result<(), Errno> {
        Ok(with(false, |s| s.connect_result(self.id))?)
    }

    fn accept(&self, _t: &Arc<Thread>) -> Result<Box<dyn Socket>, Errno> {
        let (id, q) = with(false, |s| s.accept(self.id))?;
        Ok(Box::new(InetSock::new(id, self.v6, self.proto, q)))
    }

    fn local_name(&self) -> Vec<u8> {
        with(false, |s| s.local_name(self.id)).unwrap_or_else(|_| addr::encode(None, 0, self.v6))
    }

    fn peer_name(&self) -> Result<Vec<u8>, Errno> {
        Ok(with(false, |s| s.peer_name(self.id))?)
    }

    fn send(&self, _t: &Arc<Thread>, data: &[u8], done: &mut usize, args: &mut SendArgs) -> Result<usize, Errno> {
        match self.proto {
            Proto::Tcp => {
                if args.addr.as_ref().is_some_and(|a| !a.is_empty()) {
                    // Linux ignores a TCP sendto's address once connected.
                }
                loop {
                    if *done >= data.len() && (*done > 0 || data.is_empty()) {
                        return Ok(*done);
                    }
                    let n = with(true, |s| s.tcp_send(self.id, &data[*done..]))?;
                    *done += n;
                    if n == 0 {
                        return Ok(*done);
                    }
                }
            }
            Proto::Udp => {
                let dest = args.addr.as_deref().filter(|a| !a.is_empty());
                Ok(with(true, |s| s.udp_send(self.id, data, dest))?)
            }
        }
    }

    fn recv(&self, _t: &Arc<Thread>, buf: &mut [u8], args: &mut RecvArgs) -> Result<usize, Errno> {
        let peek = args.flags & MSG_PEEK != 0;
        match self.proto {
            Proto::Tcp => {
                let n = with(!peek, |s| s.tcp_recv(self.id, buf, peek))?;
                if args.want_name {
                    // A stream socket gives no sender address.
                }
                Ok(n)
            }
            Proto::Udp => {
                let d = with(false, |s| s.udp_recv(self.id, buf, peek))?;
                if args.want_name {
                    args.name = addr::encode_ep(d.from, self.v6);
                }
                if d.full > d.copied {
                    args.msg_flags |= MSG_TRUNC;
                }
                Ok(if args.flags & MSG_TRUNC != 0 { d.full } else { d.copied })
            }
        }
    }

    fn msg_limit(&self) -> Option<usize> {
        match self.proto {
            Proto::Tcp => None,
            Proto::Udp => Some(net::inet::UDP_MAX),
        }
    }

    fn shutdown(&self, how: i32) -> Result<(), Errno> {
        Ok(with(true, |s| s.shutdown(self.id, how))?)
    }

    fn setsockopt(&self, t: &Arc<Thread>, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
        if level == super::cmsg::SOL_SOCKET && net::sockbuf::is_buf_opt(name) {
            let v = val.get(..4).ok_or(Errno::EINVAL)?;
            let cap_net_admin = t.creds.lock().cap_effective & (1 << 12) != 0;
            let (buf, v) = net::sockbuf::stored(name, i32::from_ne_bytes([v[0], v[1], v[2], v[3]]), cap_net_admin)?;
            return Ok(with(false, |s| s.set_buf(self.id, buf, v))?);
        }
        Ok(with(false, |s| s.setsockopt(self.id, level, name, val))?)
    }

    fn getsockopt(&self, _t: &Arc<Thread>, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        Ok(with(false, |s| s.getsockopt(self.id, level, name))?)
    }

    fn ioctl(&self, t: &Arc<Thread>, request: u64, arg: u64) -> SysResult {
        let (inq, outq) = with(false, |s| match self.proto {
            Proto::Tcp => s.tcp_queues(self.id),
            Proto::Udp => s.udp_queues(self.id),
        });
        let v = match request {
            SIOCINQ => inq,
            SIOCOUTQ => outq,
            _ => return Err(Errno::ENOTTY),
        };
        let mm = t.process.mm().ok_or(Errno::EFAULT)?;
        crate::uaccess::write_u32(&mm, arg, v as u32)?;
        Ok(0)
    }

    fn release(&self) {
        with(true, |s| s.close(self.id));
    }

    fn ino(&self) -> u64 {
        self.ino
    }
}
