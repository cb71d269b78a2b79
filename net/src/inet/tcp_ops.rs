//! TCP's calls (tcp(7)): listen, connect, accept, send and receive, as
//! Linux's inet_listen, inet_stream_connect, inet_csk_accept,
//! tcp_sendmsg and tcp_recvmsg answer them. Nothing waits: a call that
//! would answers EAGAIN (connect: EINPROGRESS first, then EALREADY while
//! the handshake runs; [`Stack::connect_result`] is what a blocking
//! connect waits on).

use alloc::vec;
use alloc::vec::Vec;

use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp::{self, State};
use smoltcp::time::Duration;
use smoltcp::wire::{IpEndpoint, IpListenEndpoint};

use super::addr::{self, SockAddr};
use super::{Entry, Proto, St, Stack, TcpOpts, RCV_SHUTDOWN, SEND_SHUTDOWN, TCP_BUF, TCP_BUF_MAX};
use crate::Errno;

/// SOMAXCONN.
const SOMAXCONN: i32 = 4096;
/// Listening sockets kept ready at most (a larger backlog is honoured up
/// to this many connections waiting for accept).
const MAX_READY: usize = 16;
/// Linux's default keepalive time (net.ipv4.tcp_keepalive_time).
const KEEPALIVE: Duration = Duration::from_secs(7200);

impl Stack {
    /// A smoltcp socket with the options of `e`, its buffers sized by
    /// SO_RCVBUF and SO_SNDBUF: the value read back (Linux's doubled one,
    /// which on loopback's large segments is about what Linux queues),
    /// at most [`TCP_BUF_MAX`]; [`TCP_BUF`] when not set (where Linux
    /// would tune the size itself).
    fn new_tcp(&mut self, e: TcpOpts) -> SocketHandle {
        let size = |v: Option<usize>| v.map_or(TCP_BUF, |v| v.min(TCP_BUF_MAX));
        let rx = tcp::SocketBuffer::new(vec![0; size(e.rcvbuf)]);
        let tx = tcp::SocketBuffer::new(vec![0; size(e.sndbuf)]);
        let mut s = tcp::Socket::new(rx, tx);
        apply(&mut s, e.nodelay, e.keepalive);
        self.set.add(s)
    }

    pub fn listen(&mut self, id: u32, backlog: i32) -> Result<(), Errno> {
        let e = self.entry(id)?;
        if e.proto != Proto::Tcp {
            return Err(Errno::EOPNOTSUPP);
        }
        let backlog = backlog.clamp(0, SOMAXCONN) as usize;
        // Linux's accept queue holds backlog + 1.
        let want = (backlog + 1).min(MAX_READY);
        match e.st {
            St::Idle => {}
            St::Listen { backlog: ref mut b, .. } => {
                *b = want;
                return Ok(());
            }
            _ => return Err(Errno::EINVAL),
        }
        e.shut = 0;
        if e.port == 0 {
            self.take_port(id, None, 0)?;
        }
        let e = self.entry(id)?;
        let port = e.port;
        self.tcp_ports.listen(port, id)?;
        let e = self.entry(id)?;
        e.st = St::Listen { socks: Vec::new(), backlog: want };
        self.refill(id);
        Ok(())
    }

    /// Keeps a listener's sockets at its backlog.
    fn refill(&mut self, id: u32) {
        let Some(e) = self.entries.get(&id) else { return };
        let St::Listen { ref socks, backlog } = e.st else { return };
        let have = socks.len();
        let ep = IpListenEndpoint { addr: e.ip, port: e.port };
        let o = e.tcp_opts();
        let mut new = Vec::new();
        for _ in have..backlog {
            let h = self.new_tcp(o);
            let s = self.tcp(h);
            if s.listen(ep).is_err() {
                self.set.remove(h);
                break;
            }
            new.push(h);
        }
        if let Some(Entry { st: St::Listen { socks, .. }, .. }) = self.entries.get_mut(&id) {
            socks.extend(new);
        }
    }

    /// connect(2): starts the handshake (EINPROGRESS), EALREADY while it
    /// runs, EISCONN once made; a refused one answers its error once.
    pub fn tcp_connect(&mut self, id: u32, bytes: &[u8]) -> Result<(), Errno> {
        let e = self.entry(id)?;
        let v6 = e.v6;
        match e.st {
            St::Idle => {}
            St::Conn(_) if e.connecting => return Err(Errno::EALREADY),
            St::Conn(h) => {
                if core::mem::take(&mut e.unreported) {
                    return e.error.take().map_or(Ok(()), Err);
                }
                if let Some(err) = e.error.take() {
                    return Err(err);
                }
                if self.tcp(h).state() == State::Closed {
                    return Err(Errno::ECONNABORTED);
                }
                return Err(Errno::EISCONN);
            }
            _ => return Err(Errno::EINVAL),
        }
        if bytes.len() >= 2 && u16::from_ne_bytes([bytes[0], bytes[1]]) == addr::AF_UNSPEC {
            return Ok(());
        }
        let SockAddr { ip, port } = addr::decode(bytes, v6, false)?;
        let e = self.entry(id)?;
        let ip = ip.unwrap_or_else(|| addr::wildcard_peer(v6));
        if e.v6only && matches!(ip, smoltcp::wire::IpAddress::Ipv4(_)) {
            return Err(Errno::ENETUNREACH);
        }
        if !addr::is_local(ip) {
            return Err(Errno::ENETUNREACH);
        }
        if port == 0 {
            return Err(Errno::ECONNREFUSED);
        }
        if e.port == 0 {
            self.take_port(id, None, 0)?;
        }
        let e = self.entry(id)?;
        let local = IpListenEndpoint { addr: e.ip, port: e.port };
        let o = e.tcp_opts();
        let h = self.new_tcp(o);
        let cx = self.iface.context();
        if self.set.get_mut::<tcp::Socket>(h).connect(cx, IpEndpoint::new(ip, port), local).is_err() {
            self.set.remove(h);
            return Err(Errno::ENETUNREACH);
        }
        let e = self.entry(id)?;
        e.st = St::Conn(h);
        e.connecting = true;
        e.unreported = true;
        Err(Errno::EINPROGRESS)
    }

    /// What a blocking connect waits for: EAGAIN while the handshake
    /// runs, then its outcome.
    pub fn connect_result(&mut self, id: u32) -> Result<(), Errno> {
        let e = self.entry(id)?;
        if e.connecting {
            return Err(Errno::EAGAIN);
        }
        e.unreported = false;
        match e.error.take() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// accept(2): a connection from the queue (EAGAIN if none; EINVAL if
    /// not listening); its id and queue.
    pub fn accept(&mut self, id: u32) -> Result<(u32, alloc::sync::Arc<executor::WaitQueue>), Errno> {
        let e = self.entry(id)?;
        let (v6, v6only, o) = (e.v6, e.v6only, e.tcp_opts());
        let St::Listen { ref socks, .. } = e.st else { return Err(Errno::EINVAL) };
        let socks = socks.clone();
        let ready = socks.iter().position(|&h| !matches!(self.tcp(h).state(), State::Listen | State::SynReceived));
        let Some(i) = ready else { return Err(Errno::EAGAIN) };
        let h = socks[i];
        if let St::Listen { socks, .. } = &mut self.entry(id)?.st {
            socks.remove(i);
        }
        self.refill(id);
        let port = self.tcp(h).local_endpoint().map_or(0, |ep| ep.port);
        let (nid, q) = self.open(Proto::Tcp, v6);
        let n = self.entry(nid)?;
        // The child inherits the listener's options (sk_clone_lock).
        n.v6only = v6only;
        n.nodelay = o.nodelay;
        n.keepalive = o.keepalive;
        n.sndbuf = o.sndbuf;
        n.rcvbuf = o.rcvbuf;
        n.st = St::Conn(h);
        // The accepted socket shares the listener's port (not held in
        // the bind table, as Linux's child sockets inherit the bucket).
        n.port = port;
        let local = self.tcp(h).local_endpoint().map(|ep| ep.addr);
        let st = self.tcp(h).state();
        let n = self.entries.get_mut(&nid).ok_or(Errno::EBADF)?;
        n.ip = local;
        n.tcp_state = st;
        if st == State::Closed {
            // Reset while it waited for accept.
            n.error = Some(Errno::ECONNRESET);
        }
        // Its readiness now is not news to anyone.
        n.sig = super::signature(n, &mut self.set);
        Ok((nid, q))
    }

    /// Sends what fits of `data`: EAGAIN if nothing does, EPIPE once shut
    /// for writing or closed, and before connecting.
    pub fn tcp_send(&mut self, id: u32, data: &[u8]) -> Result<usize, Errno> {
        let e = self.entry(id)?;
        // Not connected: EPIPE, as Linux's sk_stream_wait_connect.
        let St::Conn(h) = e.st else { return Err(Errno::EPIPE) };
        if let Some(err) = e.error.take() {
            return Err(err);
        }
        if e.shut & SEND_SHUTDOWN != 0 {
            return Err(Errno::EPIPE);
        }
        let connecting = e.connecting;
        let s = self.tcp(h);
        match s.state() {
            State::SynSent | State::SynReceived if connecting => return Err(Errno::EAGAIN),
            State::Established | State::CloseWait => {}
            _ => return Err(Errno::EPIPE),
        }
        if data.is_empty() {
            return Ok(0);
        }
        match s.send_slice(data) {
            Ok(0) => Err(Errno::EAGAIN),
            Ok(n) => Ok(n),
            Err(_) => Err(Errno::EPIPE),
        }
    }

    /// Receives into `buf` (peek: without consuming): 0 at end of stream,
    /// EAGAIN when nothing is there yet, ENOTCONN before connecting.
    pub fn tcp_recv(&mut self, id: u32, buf: &mut [u8], peek: bool) -> Result<usize, Errno> {
        let e = self.entry(id)?;
        let St::Conn(h) = e.st else { return Err(Errno::ENOTCONN) };
        if e.connecting {
            return Err(Errno::EAGAIN);
        }
        let shut = e.shut;
        let err = e.error;
        let s = self.tcp(h);
        if s.can_recv() && shut & RCV_SHUTDOWN == 0 {
            if buf.is_empty() {
                return Ok(0);
            }
            let r = if peek { s.peek_slice(buf) } else { s.recv_slice(buf) };
            return r.map_err(|_| Errno::ENOTCONN);
        }
        if let Some(err) = err {
            self.entry(id)?.error = None;
            return Err(err);
        }
        if shut & RCV_SHUTDOWN != 0 {
            return Ok(0);
        }
        match s.state() {
            State::Established | State::FinWait1 | State::FinWait2 => Err(Errno::EAGAIN),
            _ => Ok(0),
        }
    }

    /// Bytes waiting to be read (FIONREAD) and unsent or unacknowledged
    /// (SIOCOUTQ).
    pub fn tcp_queues(&mut self, id: u32) -> (usize, usize) {
        match self.entries.get(&id).map(|e| &e.st) {
            Some(&St::Conn(h)) => {
                let s = self.tcp(h);
                (s.recv_queue(), s.send_queue())
            }
            _ => (0, 0),
        }
    }

    /// Applies TCP_NODELAY and SO_KEEPALIVE to the socket's connection.
    pub(crate) fn tcp_apply(&mut self, id: u32) {
        let Some(e) = self.entries.get(&id) else { return };
        let (nd, ka) = (e.nodelay, e.keepalive);
        let hs: Vec<SocketHandle> = match &e.st {
            St::Conn(h) => vec![*h],
            St::Listen { socks, .. } => socks.clone(),
            _ => Vec::new(),
        };
        for h in hs {
            apply(self.tcp(h), nd, ka);
        }
    }
}

fn apply(s: &mut tcp::Socket<'static>, nodelay: bool, keepalive: bool) {
    // No delayed ACKs on loopback (Linux's quick-ack on an interactive
    // local flow): a request/response never stalls on one.
    s.set_ack_delay(None);
    s.set_nagle_enabled(!nodelay);
    s.set_keep_alive(keepalive.then_some(KEEPALIVE));
}
