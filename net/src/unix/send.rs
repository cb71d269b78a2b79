//! Sending: stream writes and datagram/seqpacket messages.
//!
//! As Linux's unix_stream_sendmsg and unix_dgram_sendmsg:
//! - A stream write goes to the connected peer (ENOTCONN without one;
//!   an address is EISCONN when connected, EOPNOTSUPP otherwise), in
//!   messages of at most half the send buffer; it fails with EPIPE once
//!   this end is shut for writing or the peer for reading (or is gone).
//!   It moves what fits and waits for the rest (progress counts in
//!   `done`); descriptors and credentials go with its first message.
//! - A datagram goes to the address given or the connected peer
//!   (ENOTCONN), whole or not at all: EMSGSIZE past the send buffer,
//!   EPERM if the receiver is connected to another socket, ECONNREFUSED
//!   if it is gone (a connected sender is then disconnected), EPIPE if it
//!   is shut for reading, EAGAIN while the receiver's queue is full (more
//!   than 10 datagrams, unless it is connected back to the sender) or the
//!   sender's own buffer is. A seqpacket message goes to the peer only.
//! - Credentials ride along when the sender passed them or either end
//!   has SO_PASSCRED (the sd_notify case: the receiver asks).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use super::queue::Msg;
use super::{Attachment, Conn, Kind, UnixSocket, MAX_DGRAM_QLEN, MSG_OVERHEAD, RCV_SHUTDOWN, SEND_SHUTDOWN};
use crate::{Cred, Errno};

/// What goes with a message besides its bytes.
pub struct Ancillary {
    /// SCM_RIGHTS: taken by the first message that carries them.
    pub rights: Vec<Attachment>,
    /// The sender's credentials (what SCM_CREDENTIALS passed, or its own).
    pub cred: Cred,
    /// The caller passed SCM_CREDENTIALS.
    pub cred_given: bool,
}

impl Ancillary {
    pub fn plain(cred: Cred) -> Ancillary {
        Ancillary { rights: Vec::new(), cred, cred_given: false }
    }
}

/// The largest stream message: Linux's (sk_sndbuf >> 1) - 64, and at
/// most 64 KiB here.
fn stream_chunk(sndbuf: usize) -> usize {
    ((sndbuf >> 1).saturating_sub(64)).clamp(1, 64 * 1024)
}

impl UnixSocket {
    fn creds_for(&self, to: &UnixSocket, anc: &Ancillary) -> Option<Cred> {
        (anc.cred_given || self.passcred.load(Ordering::Relaxed) || to.passcred.load(Ordering::Relaxed)).then_some(anc.cred)
    }

    /// Sends `data` (an explicit destination `to` for sendto/sendmsg with
    /// an address). A stream counts its progress in `done` and returns
    /// the total once all is queued; a datagram returns its length.
    pub fn send(&self, data: &[u8], done: &mut usize, anc: &mut Ancillary, to: Option<&Arc<UnixSocket>>, to_given: bool) -> Result<usize, Errno> {
        match self.kind {
            Kind::Stream => self.send_stream(data, done, anc, to_given),
            Kind::SeqPacket => {
                let peer = self.peer().ok_or(Errno::ENOTCONN)?;
                self.send_dgram(data, anc, &peer, true)
            }
            Kind::Dgram => {
                let target = match to {
                    Some(t) => t.clone(),
                    None => self.peer().ok_or(Errno::ENOTCONN)?,
                };
                self.autobind_if_passcred()?;
                self.send_dgram(data, anc, &target, false)
            }
        }
    }

    fn send_stream(&self, data: &[u8], done: &mut usize, anc: &mut Ancillary, to_given: bool) -> Result<usize, Errno> {
        let peer = self.peer();
        if to_given {
            return Err(if peer.is_some() { Errno::EISCONN } else { Errno::EOPNOTSUPP });
        }
        let peer = peer.ok_or(Errno::ENOTCONN)?;
        let sndbuf = self.sndbuf();
        let chunk = stream_chunk(sndbuf);
        loop {
            if self.shutdown_bits() & SEND_SHUTDOWN != 0 {
                return Err(Errno::EPIPE);
            }
            // A zero-length write queues nothing, descriptors included
            // (unix_stream_sendmsg's loop never runs).
            if *done >= data.len() {
                return Ok(*done);
            }
            if self.outq() >= sndbuf {
                return Err(Errno::EAGAIN);
            }
            let n = (data.len() - *done).min(chunk);
            let bytes = data[*done..*done + n].to_vec();
            let cred = self.creds_for(&peer, anc);
            let charge = n + MSG_OVERHEAD;
            let msg = Msg { data: bytes, off: 0, rights: core::mem::take(&mut anc.rights), cred, sender: None, charge };
            {
                let mut rx = peer.rx.lock();
                if peer.is_dead() || peer.shutdown_bits() & RCV_SHUTDOWN != 0 {
                    drop(rx);
                    return Err(Errno::EPIPE);
                }
                self.charge(charge);
                let mut msg = msg;
                msg.sender = Some(self.arc());
                rx.push(msg);
            }
            *done += n;
            peer.events.wake_all();
        }
    }

    fn send_dgram(&self, data: &[u8], anc: &mut Ancillary, target: &Arc<UnixSocket>, seqpacket: bool) -> Result<usize, Errno> {
        let sndbuf = self.sndbuf();
        if data.len() > sndbuf.saturating_sub(32) {
            return Err(Errno::EMSGSIZE);
        }
        if target.kind != self.kind {
            return Err(Errno::EPROTOTYPE);
        }
        // Who the receiver is connected to (unix_may_send, and whether its
        // queue limit applies to us).
        let (to_us, may) = match &target.state.lock().conn {
            Conn::Connected(p) => {
                let us = core::ptr::eq(&**p, self);
                (us, us)
            }
            _ => (false, true),
        };
        if !may && !seqpacket {
            return Err(Errno::EPERM);
        }
        if target.is_dead() {
            if !seqpacket {
                let mut st = self.state.lock();
                if matches!(&st.conn, Conn::Connected(p) if Arc::ptr_eq(p, target)) {
                    st.conn = Conn::Unconnected;
                }
            }
            return Err(if seqpacket { Errno::EPIPE } else { Errno::ECONNREFUSED });
        }
        if target.shutdown_bits() & RCV_SHUTDOWN != 0 {
            return Err(Errno::EPIPE);
        }
        if self.outq() >= sndbuf {
            return Err(Errno::EAGAIN);
        }
        let charge = data.len() + MSG_OVERHEAD;
        let cred = self.creds_for(target, anc);
        let mut msg = Msg { data: data.to_vec(), off: 0, rights: core::mem::take(&mut anc.rights), cred, sender: None, charge };
        {
            let mut rx = target.rx.lock();
            if target.is_dead() {
                drop(rx);
                anc.rights = core::mem::take(&mut msg.rights);
                return Err(Errno::ECONNREFUSED);
            }
            if !seqpacket && !to_us && rx.msgs.len() > MAX_DGRAM_QLEN {
                rx.block(self);
                drop(rx);
                anc.rights = core::mem::take(&mut msg.rights);
                return Err(Errno::EAGAIN);
            }
            self.charge(charge);
            msg.sender = Some(self.arc());
            rx.push(msg);
        }
        target.events.wake_all();
        Ok(data.len())
    }
}
