//! AF_INET and AF_INET6 on loopback (ip(7), tcp(7), udp(7), ipv6(7)):
//! TCP and UDP through the `smoltcp` stack, on the one interface `lo`
//! (127.0.0.1/8 and ::1; any 127.x.y.z is local).
//!
//! [`Stack`] owns smoltcp's interface, its loopback device and socket
//! set, and one [`Entry`] per Aramid socket (what Linux keeps in `struct
//! sock` beside the protocol state: the bound port, options, shutdown
//! bits, the pending error, the listener's queue). The calls are split by
//! protocol ([`tcp`], [`udp`]) and options ([`opts`]); ports and the bind
//! rules are [`ports`], addresses [`addr`].
//!
//! Event-driven: nothing here runs by itself. The kernel calls
//! [`Stack::poll`] after anything that may move packets (a send, a
//! receive that frees window, a connect, a close) and at the deadline
//! [`Stack::poll`] returns (smoltcp's poll_at: retransmission, keepalive,
//! delayed work) through a one-shot timer — never by a periodic tick.
//! `poll` returns the wait queues of the sockets whose readiness changed,
//! to be woken once the stack's lock is released.
//!
//! A listener with backlog N keeps N smoltcp sockets listening on its
//! port; a handshake completes on one of them, which then waits in the
//! listener's queue for accept, and a fresh listening socket takes its
//! place (so up to N connections wait, as Linux's accept queue). With all
//! of them taken a SYN is dropped by the loopback device ([`lo_dev`]), as
//! Linux drops it, and the client's retransmission gets in once accept
//! made room.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

use executor::WaitQueue;
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::socket::tcp::{self, State};
use smoltcp::socket::udp;
use smoltcp::time::Instant;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr, IpEndpoint, Ipv4Address, Ipv6Address};

use crate::poll::{IN, OUT, OUT_BAND, POLLERR, POLLHUP, POLLRDHUP};
use crate::Errno;

pub mod addr;
pub mod lo_dev;
pub mod names;
pub mod opts;
pub mod ports;
pub mod tcp_ops;
pub mod udp_ops;
#[cfg(test)]
mod tests;

/// shutdown(2) bits.
pub const RCV_SHUTDOWN: u8 = 1;
pub const SEND_SHUTDOWN: u8 = 2;

/// A TCP socket's buffers (each way) unless SO_RCVBUF/SO_SNDBUF says.
pub const TCP_BUF: usize = 128 * 1024;
/// The most a TCP buffer takes, whatever SO_RCVBUFFORCE/SO_SNDBUFFORCE
/// says (smoltcp allocates it up front).
pub const TCP_BUF_MAX: usize = 1 << 20;
/// What getsockopt reads for a TCP socket whose SO_SNDBUF/SO_RCVBUF were
/// not set: net.ipv4.tcp_wmem[1] and tcp_rmem[1].
pub const TCP_SNDBUF_DEFAULT: usize = 16384;
pub const TCP_RCVBUF_DEFAULT: usize = 131_072;
/// A UDP socket's payload buffer and datagram slots (each way).
pub const UDP_BUF: usize = 256 * 1024;
pub const UDP_SLOTS: usize = 64;
/// The largest UDP payload (65535 less the IPv4 and UDP headers).
pub const UDP_MAX: usize = 65507;

/// The transport protocol of a socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
}

/// Where a socket is in its life.
pub enum St {
    /// Created (perhaps bound), no smoltcp socket yet.
    Idle,
    /// A TCP listener: its listening (and handshaking, and established
    /// but unaccepted) smoltcp sockets.
    Listen { socks: Vec<SocketHandle>, backlog: usize },
    /// A TCP connection (being made or made).
    Conn(SocketHandle),
    /// A UDP socket with its smoltcp socket.
    Udp(SocketHandle),
}

/// One socket's state beside smoltcp's.
pub struct Entry {
    pub proto: Proto,
    /// AF_INET6.
    pub v6: bool,
    pub v6only: bool,
    pub reuseaddr: bool,
    pub reuseport: bool,
    pub nodelay: bool,
    pub keepalive: bool,
    /// The local port held in [`ports`] (0: none).
    pub port: u16,
    /// The bound address (None: the wildcard).
    pub ip: Option<IpAddress>,
    pub st: St,
    /// A TCP connect is under way (SYN sent).
    pub connecting: bool,
    /// A connect that answered EINPROGRESS has not had its outcome
    /// reported by a later connect (Linux's SS_CONNECTING).
    pub unreported: bool,
    /// shutdown bits.
    pub shut: u8,
    /// SO_ERROR.
    pub error: Option<Errno>,
    /// A UDP socket's connected peer.
    pub peer: Option<IpEndpoint>,
    /// SO_LINGER's time (s) when on.
    pub linger: Option<u32>,
    /// SO_SNDBUF, SO_RCVBUF as stored (None: not set).
    pub sndbuf: Option<usize>,
    pub rcvbuf: Option<usize>,
    /// A connection's TCP state at the last look (a reset shows as a move
    /// to CLOSED).
    pub(crate) tcp_state: State,
    pub events: Arc<WaitQueue>,
    /// Readiness and receive-queue length at the last poll: a change wakes
    /// the socket's queue.
    pub(crate) sig: (u16, usize),
}

/// The loopback stack: see the module documentation.
pub struct Stack {
    iface: Interface,
    dev: lo_dev::LoDev,
    set: SocketSet<'static>,
    entries: BTreeMap<u32, Entry>,
    next_id: u32,
    tcp_ports: ports::Ports,
    udp_ports: ports::Ports,
    /// Closed connections finishing their FIN exchange.
    orphans: Vec<SocketHandle>,
}

fn instant(ns: u64) -> Instant {
    Instant::from_micros((ns / 1000) as i64)
}

impl Stack {
    /// The stack with `lo` up (127.0.0.1/8, ::1/128), at time `now_ns`.
    pub fn new(now_ns: u64) -> Stack {
        let mut dev = lo_dev::LoDev::default();
        let cfg = Config::new(HardwareAddress::Ip);
        let mut iface = Interface::new(cfg, &mut dev, instant(now_ns));
        iface.update_ip_addrs(|a| {
            let _ = a.push(IpCidr::new(IpAddress::Ipv4(Ipv4Address::new(127, 0, 0, 1)), 8));
            let _ = a.push(IpCidr::new(IpAddress::Ipv6(Ipv6Address::LOCALHOST), 128));
        });
        // Every 127.x.y.z is ours: routed through 127.0.0.1.
        let _ = iface.routes_mut().add_default_ipv4_route(Ipv4Address::new(127, 0, 0, 1));
        iface.set_any_ip(true);
        Stack {
            iface,
            dev,
            set: SocketSet::new(Vec::new()),
            entries: BTreeMap::new(),
            next_id: 1,
            tcp_ports: ports::Ports::new(true),
            udp_ports: ports::Ports::new(false),
            orphans: Vec::new(),
        }
    }

    /// A new socket; its id and wait queue.
    pub fn open(&mut self, proto: Proto, v6: bool) -> (u32, Arc<WaitQueue>) {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let events = Arc::new(WaitQueue::new());
        self.entries.insert(id, Entry::new(proto, v6, events.clone()));
        (id, events)
    }

    pub(crate) fn entry(&mut self, id: u32) -> Result<&mut Entry, Errno> {
        self.entries.get_mut(&id).ok_or(Errno::EBADF)
    }

    pub(crate) fn ports(&mut self, proto: Proto) -> &mut ports::Ports {
        match proto {
            Proto::Tcp => &mut self.tcp_ports,
            Proto::Udp => &mut self.udp_ports,
        }
    }

    pub(crate) fn tcp(&mut self, h: SocketHandle) -> &mut tcp::Socket<'static> {
        self.set.get_mut::<tcp::Socket>(h)
    }

    pub(crate) fn udp(&mut self, h: SocketHandle) -> &mut udp::Socket<'static> {
        self.set.get_mut::<udp::Socket>(h)
    }

    /// Takes a local port for `id` (0: ephemeral) on `ip`.
    pub(crate) fn take_port(&mut self, id: u32, ip: Option<IpAddress>, port: u16) -> Result<u16, Errno> {
        let e = self.entry(id)?;
        let b = ports::Binding {
            owner: id,
            ip,
            v6: e.v6,
            v6only: e.v6only,
            reuseaddr: e.reuseaddr,
            reuseport: e.reuseport,
            listening: false,
        };
        let proto = e.proto;
        let p = self.ports(proto).bind(port, b)?;
        let e = self.entry(id)?;
        e.port = p;
        e.ip = ip;
        Ok(p)
    }

    /// The socket is closing: its connection is closed gracefully (FIN)
    /// and finishes on its own, a listener's unaccepted connections are
    /// reset, its port is released.
    pub fn close(&mut self, id: u32) {
        let Some(e) = self.entries.remove(&id) else { return };
        if e.port != 0 {
            self.ports(e.proto).release(e.port, id);
        }
        match e.st {
            St::Idle => {}
            St::Listen { socks, .. } => {
                for h in socks {
                    self.tcp(h).abort();
                    self.orphans.push(h);
                }
            }
            St::Conn(h) => {
                let s = self.tcp(h);
                // Unread data is lost, and a zero linger time asks for it:
                // Linux's tcp_close resets the connection.
                if s.recv_queue() > 0 || e.linger == Some(0) || s.state() == State::SynSent {
                    s.abort();
                } else {
                    s.close();
                }
                self.orphans.push(h);
            }
            St::Udp(h) => {
                self.set.remove(h);
            }
        }
    }

    /// Runs the stack until it is quiet at `now_ns`; returns the wait
    /// queues to wake and the next deadline (ns) to poll at, if any.
    pub fn poll(&mut self, now_ns: u64, wake: &mut Vec<Arc<WaitQueue>>) -> Option<u64> {
        let now = instant(now_ns);
        self.syn_room();
        for _ in 0..64 {
            let moved = self.iface.poll(now, &mut self.dev, &mut self.set) != smoltcp::iface::PollResult::None;
            if !self.abort_on_data() && !moved {
                break;
            }
        }
        // Finished orphans leave the set (TIME_WAIT is not kept: nothing
        // else can send to a loopback port).
        let set = &mut self.set;
        self.orphans.retain(|&h| {
            let st = set.get::<tcp::Socket>(h).state();
            let done = matches!(st, State::Closed | State::TimeWait);
            if done {
                set.remove(h);
            }
            !done
        });
        for e in self.entries.values_mut() {
            refresh(e, &mut self.set);
            let sig = signature(e, &mut self.set);
            if sig != e.sig {
                e.sig = sig;
                wake.push(e.events.clone());
            }
        }
        self.iface.poll_at(now, &self.set).map(|t| (t.total_micros().max(0) as u64).saturating_mul(1000))
    }

    /// Data for a connection closed by its owner draws a reset (Linux's
    /// TCPAbortOnData: nobody will read it); whether there was any.
    fn abort_on_data(&mut self) -> bool {
        let mut any = false;
        for &h in &self.orphans {
            let s = self.set.get_mut::<tcp::Socket>(h);
            if s.recv_queue() > 0 && matches!(s.state(), State::FinWait1 | State::FinWait2 | State::Closing | State::TimeWait) {
                s.abort();
                any = true;
            }
        }
        any
    }

    /// Tells the device how many SYNs each listening port takes: its
    /// sockets still listening.
    fn syn_room(&mut self) {
        let room = &mut self.dev.syn_room;
        room.clear();
        for e in self.entries.values() {
            if let St::Listen { ref socks, .. } = e.st {
                let free = socks.iter().filter(|&&h| self.set.get::<tcp::Socket>(h).state() == State::Listen).count();
                *room.entry(e.port).or_insert(0) += free;
            }
        }
    }

    /// The poll events of socket `id` now (Linux's tcp_poll, udp_poll).
    pub fn poll_mask(&mut self, id: u32) -> u16 {
        match self.entries.get(&id) {
            Some(e) => mask_of(e, &mut self.set),
            None => 0,
        }
    }

    /// SO_ERROR: the pending error, cleared.
    pub fn take_error(&mut self, id: u32) -> Option<Errno> {
        self.entries.get_mut(&id).and_then(|e| e.error.take())
    }
}

/// Moves a connect on (made, or refused: a reset answered the SYN), and
/// notes a reset of a connection made, with the error Linux's tcp_reset
/// gives it: EPIPE once the peer's FIN had come (CLOSE_WAIT), else
/// ECONNRESET. A connection that reaches CLOSED other than from LAST_ACK
/// or TIME_WAIT was reset (no user timeout is set on smoltcp's sockets).
fn refresh(e: &mut Entry, set: &mut SocketSet<'static>) {
    let St::Conn(h) = e.st else { return };
    let st = set.get::<tcp::Socket>(h).state();
    let was = core::mem::replace(&mut e.tcp_state, st);
    if e.connecting {
        match st {
            State::SynSent | State::SynReceived => {}
            State::Closed => {
                e.connecting = false;
                e.error = Some(Errno::ECONNREFUSED);
            }
            _ => e.connecting = false,
        }
        return;
    }
    if st == State::Closed {
        match was {
            State::Closed | State::LastAck | State::TimeWait => {}
            State::CloseWait => e.error = Some(Errno::EPIPE),
            _ => e.error = Some(Errno::ECONNRESET),
        }
    }
}

pub(crate) fn signature(e: &Entry, set: &mut SocketSet<'static>) -> (u16, usize) {
    let q = match e.st {
        St::Conn(h) => set.get::<tcp::Socket>(h).recv_queue(),
        _ => 0,
    };
    (mask_of(e, set), q)
}

/// A socket's poll events (Linux's tcp_poll, udp_poll).
fn mask_of(e: &Entry, set: &mut SocketSet<'static>) -> u16 {
    let mut mask = 0;
    if e.error.is_some() {
        mask |= POLLERR;
    }
    let shut = e.shut;
    if shut & RCV_SHUTDOWN != 0 {
        mask |= IN | POLLRDHUP;
    }
    match e.st {
        // An unconnected TCP socket is in TCP_CLOSE.
        // tcp_poll never sets POLLWRBAND; udp_poll (sock_writeable) does.
        St::Idle if e.proto == Proto::Tcp => mask |= OUT | POLLHUP,
        St::Idle => mask |= OUT_BAND,
        St::Listen { ref socks, .. } => {
            if socks.iter().any(|&h| !matches!(set.get::<tcp::Socket>(h).state(), State::Listen | State::SynReceived)) {
                mask |= IN;
            }
        }
        St::Udp(h) => {
            let s = set.get::<udp::Socket>(h);
            if s.can_recv() {
                mask |= IN;
            }
            if s.can_send() {
                mask |= OUT_BAND;
            }
        }
        St::Conn(h) => {
            let s = set.get::<tcp::Socket>(h);
            let st = s.state();
            let fin = matches!(st, State::CloseWait | State::LastAck | State::Closing | State::TimeWait | State::Closed);
            if s.can_recv() || fin {
                mask |= IN;
            }
            if fin && !(st == State::Closed && e.connecting) {
                mask |= POLLRDHUP;
            }
            // Linux's sk_shutdown counts the peer's FIN as RCV_SHUTDOWN.
            let shut_all = shut | if fin { RCV_SHUTDOWN } else { 0 };
            if st == State::Closed || shut_all == RCV_SHUTDOWN | SEND_SHUTDOWN {
                mask |= POLLHUP;
            }
            let open = matches!(st, State::Established | State::CloseWait) && shut & SEND_SHUTDOWN == 0;
            if open {
                if s.send_capacity() > s.send_queue() {
                    mask |= OUT;
                }
            } else if st == State::Closed || shut & SEND_SHUTDOWN != 0 {
                mask |= OUT;
            }
        }
    }
    mask
}

/// The options a new smoltcp TCP socket takes from its [`Entry`].
#[derive(Clone, Copy)]
pub(crate) struct TcpOpts {
    pub nodelay: bool,
    pub keepalive: bool,
    pub sndbuf: Option<usize>,
    pub rcvbuf: Option<usize>,
}

impl Entry {
    pub(crate) fn tcp_opts(&self) -> TcpOpts {
        TcpOpts { nodelay: self.nodelay, keepalive: self.keepalive, sndbuf: self.sndbuf, rcvbuf: self.rcvbuf }
    }

    fn new(proto: Proto, v6: bool, events: Arc<WaitQueue>) -> Entry {
        Entry {
            proto,
            v6,
            v6only: false,
            reuseaddr: false,
            reuseport: false,
            nodelay: false,
            keepalive: false,
            port: 0,
            ip: None,
            st: St::Idle,
            connecting: false,
            unreported: false,
            shut: 0,
            error: None,
            peer: None,
            linger: None,
            sndbuf: None,
            rcvbuf: None,
            tcp_state: State::Closed,
            events,
            sig: (0, 0),
        }
    }
}
