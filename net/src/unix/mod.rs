//! AF_UNIX sockets (unix(7)): SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET.
//!
//! A [`UnixSocket`] owns its receive queue ([`queue`]), its connection
//! state and its name; the calls are split by what they do: names and
//! connections ([`conn`]), sending ([`send`]), receiving ([`recv`]) and
//! readiness ([`poll`]). What Linux does, and this mirrors:
//!
//! - A message lives in the *receiver's* queue and is charged to its
//!   *sender* (`wmem`, Linux's sk_wmem_alloc) until it is read: a sender
//!   waits while what it has in flight reaches its send buffer, and is
//!   woken when the reader consumes. A datagram receiver that is not
//!   connected back to the sender also takes at most 10 queued datagrams
//!   beyond which senders wait (net.unix.max_dgram_qlen); those senders
//!   register in the receiver's queue and are woken when it drains
//!   (Linux's peer_wait).
//! - A connection (stream, seqpacket) is made at connect time: the
//!   listener's backlog holds the server-side sockets already connected to
//!   their clients, so a client can write before accept. connect waits
//!   (or EAGAIN) while the backlog holds more than `backlog` sockets.
//! - Closing a socket shuts its peer down both ways (the peer reads end of
//!   file, its writes are EPIPE) and, if unread data was lost, sets the
//!   peer's pending error to ECONNRESET.
//!
//! Locking: each socket has a state lock and a queue lock; a send takes
//! the receiver's queue lock (and briefly its state lock for a datagram),
//! never a global one. Nothing here waits: a call that would answers
//! EAGAIN and the kernel waits on [`UnixSocket::events`], which is woken on
//! every change of this socket's readiness.

use alloc::collections::VecDeque;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU8, AtomicUsize, Ordering};

use executor::WaitQueue;

use crate::Cred;

pub mod addr;
pub mod conn;
pub mod names;
pub mod poll;
pub mod proc;
pub mod queue;
pub mod recv;
pub mod send;
#[cfg(test)]
mod tests;

pub use addr::Addr;
use queue::Rx;

/// Something carried in flight by a message: an open file passed with
/// SCM_RIGHTS (the kernel puts its files in and takes them out).
pub type Attachment = Arc<dyn Any + Send + Sync>;

/// A socket's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Stream = 1,
    Dgram = 2,
    SeqPacket = 5,
}

impl Kind {
    /// Connection-based (stream, seqpacket).
    pub fn connected_kind(self) -> bool {
        self != Kind::Dgram
    }
}

/// shutdown(2) bits, as Linux's sk_shutdown.
pub const RCV_SHUTDOWN: u8 = 1;
pub const SEND_SHUTDOWN: u8 = 2;
pub const SHUTDOWN_MASK: u8 = 3;

/// net.core.wmem_default / rmem_default.
pub const DEFAULT_BUF: usize = 212992;
/// net.unix.max_dgram_qlen.
pub const MAX_DGRAM_QLEN: usize = 10;
/// What a message costs its sender besides its bytes (an skb's overhead).
pub const MSG_OVERHEAD: usize = 576;

pub(crate) enum Conn {
    Unconnected,
    Listening { backlog: usize, queue: VecDeque<Arc<UnixSocket>>, blocked: Vec<Weak<UnixSocket>> },
    Connected(Arc<UnixSocket>),
}

pub(crate) struct State {
    pub conn: Conn,
    /// SO_PEERCRED: the peer's credentials at connect time (a listener's
    /// own, from listen).
    pub peer_cred: Option<Cred>,
    /// The name this socket holds in [`names`].
    pub key: Option<names::Key>,
}

/// One AF_UNIX socket. See the module documentation.
pub struct UnixSocket {
    kind: Kind,
    me: Weak<UnixSocket>,
    ino: u64,
    /// Woken on every change of this socket's readiness; where its calls
    /// wait.
    pub events: WaitQueue,
    pub(crate) state: spin::Mutex<State>,
    pub(crate) rx: spin::Mutex<Rx>,
    addr: spin::Once<Arc<Addr>>,
    shut: AtomicU8,
    err: AtomicI32,
    /// Bytes (with overhead) this socket has in other sockets' queues.
    wmem: AtomicUsize,
    dead: AtomicBool,
    /// SO_PASSCRED, SO_PASSSEC.
    pub passcred: AtomicBool,
    pub passsec: AtomicBool,
    /// SO_SNDBUF, SO_RCVBUF (already doubled, as Linux stores them).
    pub sndbuf: AtomicUsize,
    pub rcvbuf: AtomicUsize,
    /// How many times this socket's open file is in flight in messages
    /// (for the collector of unreachable cycles).
    pub inflight: AtomicUsize,
}

impl UnixSocket {
    /// A new unconnected, unbound socket.
    pub fn new(kind: Kind) -> Arc<UnixSocket> {
        Arc::new_cyclic(|me| UnixSocket {
            kind,
            me: me.clone(),
            ino: names::register(me),
            events: WaitQueue::new(),
            state: spin::Mutex::new(State { conn: Conn::Unconnected, peer_cred: None, key: None }),
            rx: spin::Mutex::new(Rx::default()),
            addr: spin::Once::new(),
            shut: AtomicU8::new(0),
            err: AtomicI32::new(0),
            wmem: AtomicUsize::new(0),
            dead: AtomicBool::new(false),
            passcred: AtomicBool::new(false),
            passsec: AtomicBool::new(false),
            sndbuf: AtomicUsize::new(DEFAULT_BUF),
            rcvbuf: AtomicUsize::new(DEFAULT_BUF),
            inflight: AtomicUsize::new(0),
        })
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The socket's inode number (fstat, /proc/net/unix).
    pub fn ino(&self) -> u64 {
        self.ino
    }

    pub(crate) fn arc(&self) -> Arc<UnixSocket> {
        self.me.upgrade().expect("a socket in use has an owner")
    }

    /// The name it is bound to.
    pub fn addr(&self) -> Option<Arc<Addr>> {
        self.addr.get().cloned()
    }

    /// The peer's name (getpeername): ENOTCONN without a peer.
    pub fn peer_addr(&self) -> Result<Option<Arc<Addr>>, crate::Errno> {
        match &self.state.lock().conn {
            Conn::Connected(p) => Ok(p.addr()),
            _ => Err(crate::Errno::ENOTCONN),
        }
    }

    /// SO_PEERCRED.
    pub fn peer_cred(&self) -> Option<Cred> {
        self.state.lock().peer_cred
    }

    /// The connected peer.
    pub fn peer(&self) -> Option<Arc<UnixSocket>> {
        match &self.state.lock().conn {
            Conn::Connected(p) => Some(p.clone()),
            _ => None,
        }
    }

    /// SO_ACCEPTCONN.
    pub fn is_listening(&self) -> bool {
        matches!(self.state.lock().conn, Conn::Listening { .. })
    }

    pub fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }

    pub fn shutdown_bits(&self) -> u8 {
        self.shut.load(Ordering::Acquire)
    }

    /// SO_ERROR: takes the pending error (0 if none).
    pub fn take_error(&self) -> i32 {
        self.err.swap(0, Ordering::AcqRel)
    }

    pub(crate) fn set_error(&self, e: i32) {
        self.err.store(e, Ordering::Release);
    }

    pub(crate) fn pending_error(&self) -> bool {
        self.err.load(Ordering::Acquire) != 0
    }

    /// SIOCOUTQ: what this socket has in flight.
    pub fn outq(&self) -> usize {
        self.wmem.load(Ordering::Acquire)
    }

    pub(crate) fn charge(&self, n: usize) {
        self.wmem.fetch_add(n, Ordering::AcqRel);
    }

    /// A message this socket sent was read or dropped.
    pub(crate) fn uncharge(&self, n: usize) {
        self.wmem.fetch_sub(n, Ordering::AcqRel);
        self.events.wake_all();
    }

    pub(crate) fn sndbuf(&self) -> usize {
        self.sndbuf.load(Ordering::Relaxed)
    }

    /// The socket's file is closing (Linux's unix_release_sock): its name
    /// goes, its queue is dropped, a connected peer is shut down (with
    /// ECONNRESET if unread data was lost), pending connections are
    /// refused and senders waiting on it are woken. `embryo`: a
    /// connection never accepted.
    pub fn release(&self) {
        self.release_as(false)
    }

    fn release_as(&self, embryo: bool) {
        let (conn, key) = {
            let mut st = self.state.lock();
            (core::mem::replace(&mut st.conn, Conn::Unconnected), st.key.take())
        };
        if let Some(k) = &key {
            names::release(k, self);
        }
        let (msgs, blocked) = {
            let mut rx = self.rx.lock();
            self.dead.store(true, Ordering::Release);
            rx.bytes = 0;
            (core::mem::take(&mut rx.msgs), core::mem::take(&mut rx.blocked))
        };
        let lost = !msgs.is_empty();
        drop(msgs);
        self.shut.store(SHUTDOWN_MASK, Ordering::Release);
        match conn {
            Conn::Connected(peer) if self.kind.connected_kind() => {
                peer.shut.fetch_or(SHUTDOWN_MASK, Ordering::AcqRel);
                if lost || embryo {
                    peer.set_error(104); // ECONNRESET
                }
                peer.events.wake_all();
            }
            Conn::Listening { queue, blocked: waiting, .. } => {
                for s in queue {
                    s.release_as(true);
                }
                queue::wake_all(waiting);
            }
            _ => {}
        }
        queue::wake_all(blocked);
        self.events.wake_all();
        names::unregister(self.ino);
    }

    /// Every attachment in this socket's queue (the cycle collector's
    /// graph edges).
    pub fn for_each_attachment(&self, f: &mut dyn FnMut(&Attachment)) {
        let rx = self.rx.lock();
        for m in &rx.msgs {
            m.rights.iter().for_each(&mut *f);
        }
    }

    /// Drops everything queued (the collector found this socket
    /// unreachable). The messages are returned so that the caller drops
    /// them outside any lock it holds.
    pub fn purge(&self) -> Vec<queue::Msg> {
        let mut rx = self.rx.lock();
        rx.bytes = 0;
        rx.msgs.drain(..).collect()
    }
}

impl Drop for UnixSocket {
    fn drop(&mut self) {
        names::unregister(self.ino);
    }
}
