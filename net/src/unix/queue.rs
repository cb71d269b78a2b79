//! A socket's receive queue: the messages sent to it, each charged to its
//! sender until it is read or dropped (Linux's skb with sock_wfree).
//!
//! A stream write is one or more messages too; a stream read joins
//! consecutive messages ([`super::recv`]) as Linux's
//! unix_stream_read_generic does.

use alloc::collections::VecDeque;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use super::{Attachment, UnixSocket};
use crate::Cred;

/// One message in flight.
pub struct Msg {
    pub(crate) data: Vec<u8>,
    /// Bytes of `data` already read (a stream read can take part).
    pub(crate) off: usize,
    pub(crate) rights: Vec<Attachment>,
    /// The credentials it carries: the sender's, or what it passed with
    /// SCM_CREDENTIALS; None when neither end asked for them.
    pub(crate) cred: Option<Cred>,
    /// Who sent it (its name is the recvfrom address); charged `charge`.
    pub(crate) sender: Option<Arc<UnixSocket>>,
    pub(crate) charge: usize,
}

impl Msg {
    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.off
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        if let Some(s) = self.sender.take() {
            s.uncharge(self.charge);
        }
    }
}

#[derive(Default)]
pub struct Rx {
    pub(crate) msgs: VecDeque<Msg>,
    /// Unread bytes in `msgs`.
    pub(crate) bytes: usize,
    /// Senders waiting for this queue to drain (datagrams to a full
    /// receiver); woken and forgotten when it does.
    pub(crate) blocked: Vec<Weak<UnixSocket>>,
}

impl Rx {
    pub(crate) fn push(&mut self, m: Msg) {
        self.bytes += m.remaining();
        self.msgs.push_back(m);
    }

    /// Registers `s` to be woken when this queue drains.
    pub(crate) fn block(&mut self, s: &UnixSocket) {
        if !self.blocked.iter().any(|w| core::ptr::eq(w.as_ptr(), s)) {
            self.blocked.push(s.me.clone());
        }
    }
}

/// Wakes each socket of `list` that still exists.
pub(crate) fn wake_all(list: Vec<Weak<UnixSocket>>) {
    for w in list {
        if let Some(s) = w.upgrade() {
            s.events.wake_all();
        }
    }
}
