//! Names and connections: bind, autobind, listen, connect, accept,
//! socketpair, shutdown, and datagram connect/disconnect.
//!
//! As Linux's af_unix.c: bind on a bound socket is EINVAL, a taken name
//! EADDRINUSE; listen needs a bound stream or seqpacket socket that is
//! not connected (EINVAL; EOPNOTSUPP for datagrams); connect finds a
//! socket of another type EPROTOTYPE, a socket not listening (or gone)
//! ECONNREFUSED, a backlog holding more than `backlog` connections EAGAIN
//! (the kernel waits unless non-blocking); a socket with SO_PASSCRED is
//! autobound before it connects or sends.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use super::names::{self, Key};
use super::{Addr, Conn, Kind, UnixSocket, RCV_SHUTDOWN, SEND_SHUTDOWN};
use crate::{Cred, Errno};

/// somaxconn: listen's backlog is capped here.
pub const SOMAXCONN: usize = 4096;

impl UnixSocket {
    /// Binds to `addr` (its lookup key is `key`: the inode of the socket
    /// file the kernel created for a path). EINVAL if already bound.
    pub fn bind(&self, addr: Addr, key: Key) -> Result<(), Errno> {
        let mut st = self.state.lock();
        if self.addr.get().is_some() {
            return Err(Errno::EINVAL);
        }
        names::claim(key.clone(), &self.arc())?;
        st.key = Some(key);
        self.addr.call_once(|| Arc::new(addr));
        Ok(())
    }

    pub fn is_bound(&self) -> bool {
        self.addr.get().is_some()
    }

    /// Autobind (bind with the family alone, or SO_PASSCRED on an unbound
    /// socket that connects or sends): an abstract name of five hex
    /// digits. A bound socket keeps its name.
    pub fn autobind(&self) -> Result<(), Errno> {
        let mut st = self.state.lock();
        if self.addr.get().is_some() {
            return Ok(());
        }
        let name = names::claim_auto(&self.arc())?;
        st.key = Some(Key::Abstract(name.clone(), self.kind as u8));
        self.addr.call_once(|| Arc::new(Addr::Abstract(name)));
        Ok(())
    }

    pub(crate) fn autobind_if_passcred(&self) -> Result<(), Errno> {
        if self.passcred.load(Ordering::Relaxed) && !self.is_bound() {
            self.autobind()?;
        }
        Ok(())
    }

    /// listen(2) with `backlog`; `cred` is the caller's (the listener's
    /// SO_PEERCRED, and what its clients see).
    pub fn listen(&self, backlog: i32, cred: Cred) -> Result<(), Errno> {
        if self.kind == Kind::Dgram {
            return Err(Errno::EOPNOTSUPP);
        }
        let backlog = if backlog < 0 || backlog as usize > SOMAXCONN { SOMAXCONN } else { backlog as usize };
        let mut st = self.state.lock();
        if !self.is_bound() {
            return Err(Errno::EINVAL);
        }
        match &mut st.conn {
            Conn::Listening { backlog: b, .. } => *b = backlog,
            Conn::Unconnected => {
                st.conn = Conn::Listening { backlog, queue: VecDeque::new(), blocked: Vec::new() };
                st.peer_cred = Some(cred);
            }
            Conn::Connected(_) => return Err(Errno::EINVAL),
        }
        drop(st);
        // A larger backlog may let waiting connectors in.
        self.events.wake_all();
        Ok(())
    }

    /// connect(2) of a stream or seqpacket socket to `target`, by a caller
    /// with credentials `cred`. EAGAIN while the backlog is full (this
    /// socket is then woken when it drains).
    pub fn connect_stream(&self, target: &Arc<UnixSocket>, cred: Cred) -> Result<(), Errno> {
        match self.state.lock().conn {
            Conn::Connected(_) => return Err(Errno::EISCONN),
            Conn::Listening { .. } => return Err(Errno::EINVAL),
            Conn::Unconnected => {}
        }
        self.autobind_if_passcred()?;
        if target.kind != self.kind {
            return Err(Errno::EPROTOTYPE);
        }
        let server = UnixSocket::new(self.kind);
        let listener_cred;
        {
            let mut ts = target.state.lock();
            if target.is_dead() {
                return Err(Errno::ECONNREFUSED);
            }
            listener_cred = ts.peer_cred;
            let Conn::Listening { backlog, queue, blocked } = &mut ts.conn else {
                return Err(Errno::ECONNREFUSED);
            };
            if queue.len() > *backlog {
                if !blocked.iter().any(|w| core::ptr::eq(w.as_ptr(), self)) {
                    blocked.push(self.me.clone());
                }
                return Err(Errno::EAGAIN);
            }
            if let Some(a) = target.addr() {
                server.addr.call_once(|| a);
            }
            server.passcred.store(target.passcred.load(Ordering::Relaxed), Ordering::Relaxed);
            server.passsec.store(target.passsec.load(Ordering::Relaxed), Ordering::Relaxed);
            {
                let mut ss = server.state.lock();
                ss.conn = Conn::Connected(self.arc());
                ss.peer_cred = Some(cred);
            }
            queue.push_back(server.clone());
        }
        let mut st = self.state.lock();
        if !matches!(st.conn, Conn::Unconnected) {
            // Another thread connected this socket meanwhile.
            drop(st);
            if let Conn::Listening { queue, .. } = &mut target.state.lock().conn {
                queue.retain(|s| !Arc::ptr_eq(s, &server));
            }
            server.release_as_embryo_quietly();
            return Err(Errno::EISCONN);
        }
        st.conn = Conn::Connected(server);
        st.peer_cred = listener_cred;
        drop(st);
        target.events.wake_all();
        self.events.wake_all();
        Ok(())
    }

    fn release_as_embryo_quietly(&self) {
        self.state.lock().conn = Conn::Unconnected;
        self.release();
    }

    /// accept(2): the oldest connection waiting (EAGAIN if none).
    pub fn accept(&self) -> Result<Arc<UnixSocket>, Errno> {
        if self.kind == Kind::Dgram {
            return Err(Errno::EOPNOTSUPP);
        }
        let (s, waiting) = {
            let mut st = self.state.lock();
            let Conn::Listening { queue, blocked, .. } = &mut st.conn else {
                return Err(Errno::EINVAL);
            };
            let s = queue.pop_front().ok_or(Errno::EAGAIN)?;
            (s, core::mem::take(blocked))
        };
        super::queue::wake_all(waiting);
        Ok(s)
    }

    /// Connections waiting for accept.
    pub fn backlog_len(&self) -> usize {
        match &self.state.lock().conn {
            Conn::Listening { queue, .. } => queue.len(),
            _ => 0,
        }
    }

    /// connect(2) of a datagram socket: sends without an address go to
    /// `target`, and only `target` may send here. None (AF_UNSPEC)
    /// disconnects.
    pub fn connect_dgram(&self, target: Option<&Arc<UnixSocket>>) -> Result<(), Errno> {
        if let Some(t) = target {
            self.autobind_if_passcred()?;
            if t.kind != self.kind {
                return Err(Errno::EPROTOTYPE);
            }
            // unix_may_send: a socket connected elsewhere takes nothing from us.
            let tp = t.peer();
            if tp.is_some_and(|p| !core::ptr::eq(&*p, self)) {
                return Err(Errno::EPERM);
            }
        }
        self.state.lock().conn = match target {
            Some(t) => Conn::Connected(t.clone()),
            None => Conn::Unconnected,
        };
        self.events.wake_all();
        Ok(())
    }

    /// shutdown(2): `how` is SHUT_RD, SHUT_WR or SHUT_RDWR (0..=2). A
    /// connection-based peer is shut down the other way round.
    pub fn shutdown(&self, how: i32) -> Result<(), Errno> {
        if !(0..=2).contains(&how) {
            return Err(Errno::EINVAL);
        }
        let mode = (how + 1) as u8;
        self.shut.fetch_or(mode, Ordering::AcqRel);
        if self.kind.connected_kind() {
            if let Some(peer) = self.peer() {
                let mut pm = 0;
                if mode & RCV_SHUTDOWN != 0 {
                    pm |= SEND_SHUTDOWN;
                }
                if mode & SEND_SHUTDOWN != 0 {
                    pm |= RCV_SHUTDOWN;
                }
                peer.shut.fetch_or(pm, Ordering::AcqRel);
                peer.events.wake_all();
            }
        }
        self.events.wake_all();
        Ok(())
    }
}

/// socketpair(2): two sockets of `kind` connected to each other, each
/// with `cred` as its peer's credentials.
pub fn pair(kind: Kind, cred: Cred) -> (Arc<UnixSocket>, Arc<UnixSocket>) {
    let a = UnixSocket::new(kind);
    let b = UnixSocket::new(kind);
    {
        let mut sa = a.state.lock();
        sa.conn = Conn::Connected(b.clone());
        sa.peer_cred = Some(cred);
    }
    {
        let mut sb = b.state.lock();
        sb.conn = Conn::Connected(a.clone());
        sb.peer_cred = Some(cred);
    }
    (a, b)
}
