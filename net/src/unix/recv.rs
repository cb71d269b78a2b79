//! Receiving: stream reads and datagram/seqpacket messages.
//!
//! As Linux's unix_stream_read_generic and unix_dgram_recvmsg:
//! - A stream read (EINVAL on a socket not connected) joins consecutive
//!   messages up to the buffer, but not across a change of sender
//!   credentials when the reader has SO_PASSCRED, and not past a message
//!   that carried descriptors. With nothing queued it reports a pending
//!   error (once), then end of file if shut for reading, else EAGAIN.
//! - A datagram or seqpacket read takes one message; what does not fit is
//!   discarded (the result says the full length, for MSG_TRUNC). A
//!   seqpacket socket not connected is ENOTCONN.
//! - MSG_PEEK leaves the queue as it was (descriptors are duplicated).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use super::queue::{wake_all, Msg};
use super::{Addr, Attachment, Conn, Kind, UnixSocket, RCV_SHUTDOWN};
use crate::{Cred, Errno};

/// What a read found.
#[derive(Default)]
pub struct Received {
    /// Bytes copied into the buffer.
    pub len: usize,
    /// The whole message's length (datagram, seqpacket), for MSG_TRUNC.
    pub full: usize,
    pub rights: Vec<Attachment>,
    /// The credentials of the (first) message, if the reader has
    /// SO_PASSCRED: the sender's, or [`Cred::NONE`] if it had none.
    pub cred: Option<Cred>,
    /// The sender's name (recvfrom), if it has one.
    pub from: Option<Arc<Addr>>,
}

impl UnixSocket {
    /// Reads into `buf` (see the module documentation).
    pub fn recv(&self, buf: &mut [u8], peek: bool) -> Result<Received, Errno> {
        match self.kind {
            Kind::Stream => {
                if !matches!(self.state.lock().conn, Conn::Connected(_)) {
                    return Err(Errno::EINVAL);
                }
                self.recv_stream(buf, peek)
            }
            Kind::SeqPacket => {
                if !matches!(self.state.lock().conn, Conn::Connected(_)) {
                    return Err(Errno::ENOTCONN);
                }
                self.recv_dgram(buf, peek)
            }
            Kind::Dgram => self.recv_dgram(buf, peek),
        }
    }

    /// Nothing queued: the pending error, end of file, or EAGAIN.
    fn empty(&self) -> Result<Received, Errno> {
        let e = self.take_error();
        if e != 0 {
            return Err(Errno(e));
        }
        if self.shutdown_bits() & RCV_SHUTDOWN != 0 {
            return Ok(Received::default());
        }
        Err(Errno::EAGAIN)
    }

    fn passcred(&self) -> bool {
        self.passcred.load(Ordering::Relaxed)
    }

    fn recv_stream(&self, buf: &mut [u8], peek: bool) -> Result<Received, Errno> {
        // Nothing asked, nothing to wait for (the read target is 0).
        if buf.is_empty() {
            return Ok(Received::default());
        }
        let passcred = self.passcred();
        let mut out = Received::default();
        let mut gone: Vec<Msg> = Vec::new();
        let blocked;
        {
            let mut rx = self.rx.lock();
            if rx.msgs.is_empty() {
                drop(rx);
                return self.empty();
            }
            let mut i = 0;
            let mut first = true;
            while i < rx.msgs.len() && out.len < buf.len() {
                let m = &rx.msgs[i];
                if passcred {
                    let c = m.cred.unwrap_or(Cred::NONE);
                    if first {
                        out.cred = Some(c);
                    } else if out.cred != Some(c) {
                        break;
                    }
                }
                if first {
                    out.from = m.sender.as_ref().and_then(|s| s.addr());
                }
                first = false;
                let n = m.remaining().min(buf.len() - out.len);
                buf[out.len..out.len + n].copy_from_slice(&m.data[m.off..m.off + n]);
                out.len += n;
                let has_rights = !m.rights.is_empty();
                if peek {
                    if has_rights {
                        out.rights.extend(m.rights.iter().cloned());
                        break;
                    }
                    i += 1;
                    continue;
                }
                let m = &mut rx.msgs[i];
                m.off += n;
                if has_rights {
                    out.rights = core::mem::take(&mut m.rights);
                }
                let left = m.remaining();
                rx.bytes -= n;
                if left > 0 {
                    break;
                }
                if let Some(m) = rx.msgs.pop_front() {
                    gone.push(m);
                }
                if has_rights {
                    break;
                }
            }
            blocked = if gone.is_empty() { Vec::new() } else { core::mem::take(&mut rx.blocked) };
        }
        out.full = out.len;
        drop(gone);
        wake_all(blocked);
        Ok(out)
    }

    fn recv_dgram(&self, buf: &mut [u8], peek: bool) -> Result<Received, Errno> {
        if self.pending_error() {
            return Err(Errno(self.take_error()));
        }
        let passcred = self.passcred();
        let mut out = Received::default();
        let (gone, blocked) = {
            let mut rx = self.rx.lock();
            let Some(m) = rx.msgs.front_mut() else {
                drop(rx);
                return self.empty();
            };
            let n = m.remaining().min(buf.len());
            buf[..n].copy_from_slice(&m.data[m.off..m.off + n]);
            out.len = n;
            out.full = m.remaining();
            out.from = m.sender.as_ref().and_then(|s| s.addr());
            if passcred {
                out.cred = Some(m.cred.unwrap_or(Cred::NONE));
            }
            if peek {
                out.rights = m.rights.clone();
                (None, Vec::new())
            } else {
                out.rights = core::mem::take(&mut m.rights);
                let m = rx.msgs.pop_front();
                rx.bytes -= out.full;
                (m, core::mem::take(&mut rx.blocked))
            }
        };
        drop(gone);
        wake_all(blocked);
        Ok(out)
    }

    /// What the next read would find: a stream's unread bytes, the next
    /// message's length.
    pub fn next_len(&self) -> usize {
        let rx = self.rx.lock();
        match self.kind {
            Kind::Stream => rx.bytes,
            _ => rx.msgs.front().map_or(0, Msg::remaining),
        }
    }

    /// FIONREAD/SIOCINQ: the unread bytes of a stream or seqpacket socket,
    /// the size of the next datagram of a datagram socket.
    pub fn inq(&self) -> usize {
        let rx = self.rx.lock();
        match self.kind {
            Kind::Dgram => rx.msgs.front().map_or(0, Msg::remaining),
            _ => rx.bytes,
        }
    }
}
