//! Readiness, as Linux's unix_poll (stream) and unix_dgram_poll (datagram
//! and seqpacket).
//!
//! - POLLERR with a pending error; POLLHUP once shut down both ways (and
//!   for a stream or seqpacket socket that is not connected nor
//!   listening); POLLRDHUP with POLLIN once shut for reading.
//! - POLLIN with something queued (a connection, on a listener).
//! - POLLOUT (with WRNORM and WRBAND) while what the socket has in flight
//!   is at most a quarter of its send buffer, never on a listener; a
//!   datagram socket connected to a receiver whose queue is full (and not
//!   connected back) is not writable.

use super::{Conn, Kind, UnixSocket, MAX_DGRAM_QLEN, RCV_SHUTDOWN, SHUTDOWN_MASK};
use crate::poll::{IN, OUT_BAND as OUT, POLLERR, POLLHUP, POLLRDHUP};


impl UnixSocket {
    /// The poll events this socket has now.
    pub fn poll(&self) -> u16 {
        let mut mask = 0;
        if self.pending_error() {
            mask |= POLLERR;
        }
        let shut = self.shutdown_bits();
        if shut == SHUTDOWN_MASK {
            mask |= POLLHUP;
        }
        if shut & RCV_SHUTDOWN != 0 {
            mask |= POLLRDHUP | IN;
        }
        let (listening, unconnected, peer) = {
            let st = self.state.lock();
            match &st.conn {
                Conn::Listening { queue, .. } => {
                    if !queue.is_empty() {
                        mask |= IN;
                    }
                    (true, false, None)
                }
                Conn::Unconnected => (false, true, None),
                Conn::Connected(p) => (false, false, Some(p.clone())),
            }
        };
        if !self.rx.lock().msgs.is_empty() {
            mask |= IN;
        }
        if self.kind.connected_kind() && unconnected {
            mask |= POLLHUP;
        }
        let mut writable = !listening && self.outq() * 4 <= self.sndbuf();
        if writable && self.kind == Kind::Dgram {
            if let Some(p) = peer {
                let back = matches!(&p.state.lock().conn, Conn::Connected(q) if core::ptr::eq(&**q, self));
                if !back {
                    let mut rx = p.rx.lock();
                    if rx.msgs.len() > MAX_DGRAM_QLEN {
                        // Woken when it drains (unix_dgram_peer_wake_me).
                        rx.block(self);
                        writable = false;
                    }
                }
            }
        }
        if writable {
            mask |= OUT;
        }
        mask
    }
}
