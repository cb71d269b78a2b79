//! The pipe side of splice(2), tee(2) and vmsplice(2): buffers moved or
//! shared between rings, pages queued whole, bytes taken off the front.
//!
//! As Linux's `fs/splice.c`: a splice between two pipes moves whole
//! buffers and shares the page of a buffer it takes only part of
//! (splice_pipe_to_pipe); tee shares every buffer it duplicates
//! (link_pipe). Neither copies a byte: both rings point at the same page,
//! which is read-only from then on (a shared or partly taken buffer no
//! longer merges later writes, Linux's cleared PIPE_BUF_FLAG_CAN_MERGE).
//! Pages that come from a file or from vmsplice are queued one buffer per
//! page piece, never merged, as Linux's page-cache and user-page buffers.
//!
//! Nothing here waits: a call answers "no progress possible" and the
//! syscall layer (`syscall/io/splice.rs`) waits on [`Pipe::events`].

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use super::{Buf, Pipe, State};
use crate::errno::Errno;

/// Locks two different pipes' rings in address order (one lock order for
/// every pair, so two splices in opposite directions cannot deadlock).
fn lock_pair<'a>(a: &'a Pipe, b: &'a Pipe) -> (spin::MutexGuard<'a, State>, spin::MutexGuard<'a, State>) {
    if (a as *const Pipe) < (b as *const Pipe) {
        let ga = a.state.lock();
        (ga, b.state.lock())
    } else {
        let gb = b.state.lock();
        (a.state.lock(), gb)
    }
}

impl Pipe {
    /// Free buffers of the ring.
    pub fn free_slots(&self) -> usize {
        let s = self.state.lock();
        s.slots.saturating_sub(s.bufs.len())
    }

    /// Whether a buffer is queued (it may hold no bytes only transiently).
    pub fn has_data(&self) -> bool {
        !self.state.lock().bufs.is_empty()
    }

    /// Queues `pages` (each at most a page) as buffers that never merge
    /// later writes; the caller made sure of the room (a racing writer
    /// may make the ring briefly hold more than its size). Returns the
    /// bytes queued.
    pub fn push_pages(&self, pages: Vec<Vec<u8>>) -> usize {
        let mut s = self.state.lock();
        let mut n = 0;
        for p in pages.into_iter().filter(|p| !p.is_empty()) {
            let end = p.len();
            n += end;
            s.bufs.push_back(Buf { data: Arc::new(p), off: 0, end, packet: false, merge: false });
        }
        s.len += n;
        drop(s);
        if n > 0 {
            self.events.wake_all();
        }
        n
    }

    /// A copy of up to `max` unread bytes from the front, left queued
    /// (a splice to a file writes them, then [`consume`](Self::consume)s
    /// what the file took).
    pub fn peek(&self, max: usize) -> Vec<u8> {
        let s = self.state.lock();
        let mut out = Vec::with_capacity(max.min(s.len));
        for b in &s.bufs {
            if out.len() == max {
                break;
            }
            let n = b.len().min(max - out.len());
            out.extend_from_slice(&b.bytes()[..n]);
        }
        out
    }

    /// Drops the first `n` unread bytes.
    pub fn consume(&self, mut n: usize) {
        let mut s = self.state.lock();
        while n > 0 {
            let Some(b) = s.bufs.front_mut() else { break };
            let take = b.len().min(n);
            b.off += take;
            n -= take;
            if b.off == b.end {
                s.bufs.pop_front();
            }
            s.len -= take;
        }
        drop(s);
        self.events.wake_all();
    }

    /// splice_pipe_to_pipe's loop: moves up to `len` bytes of buffers to
    /// `out` (a whole buffer moves, part of one shares its page). None
    /// when nothing could move (this ring empty with a writer left, or
    /// `out` full); EPIPE when `out` has no reader and nothing moved.
    pub fn move_to(&self, out: &Pipe, mut len: usize) -> Option<Result<usize, Errno>> {
        let (mut i, mut o) = lock_pair(self, out);
        let mut done = 0;
        let r = loop {
            if out.readers.load(Ordering::Acquire) == 0 {
                break Some(if done > 0 { Ok(done) } else { Err(Errno::EPIPE) });
            }
            if i.bufs.is_empty() && self.writers.load(Ordering::Acquire) == 0 {
                break Some(Ok(done));
            }
            if i.bufs.is_empty() || o.full() {
                break if done > 0 { Some(Ok(done)) } else { None };
            }
            let Some(front) = i.bufs.front_mut() else { break Some(Ok(done)) };
            let n = if len >= front.len() {
                let Some(b) = i.bufs.pop_front() else { break Some(Ok(done)) };
                let n = b.len();
                o.bufs.push_back(b);
                n
            } else {
                let part = Buf { data: front.data.clone(), off: front.off, end: front.off + len, packet: front.packet, merge: false };
                front.off += len;
                front.merge = false;
                o.bufs.push_back(part);
                len
            };
            i.len -= n;
            o.len += n;
            done += n;
            len -= n;
            if len == 0 {
                break Some(Ok(done));
            }
        };
        drop((i, o));
        if done > 0 {
            self.events.wake_all();
            out.events.wake_all();
        }
        r
    }

    /// tee's link_pipe: shares up to `len` bytes of this ring's buffers
    /// with `out` without consuming them, until this ring's buffers or
    /// `out`'s room run out. EPIPE when `out` has no reader and nothing
    /// was shared.
    pub fn link_to(&self, out: &Pipe, mut len: usize) -> Result<usize, Errno> {
        let (mut i, mut o) = lock_pair(self, out);
        let mut done = 0;
        let mut r = Ok(0);
        for b in i.bufs.iter_mut() {
            if out.readers.load(Ordering::Acquire) == 0 {
                if done == 0 {
                    r = Err(Errno::EPIPE);
                }
                break;
            }
            if o.full() || len == 0 {
                break;
            }
            let n = b.len().min(len);
            b.merge = false;
            o.bufs.push_back(Buf { data: b.data.clone(), off: b.off, end: b.off + n, packet: b.packet, merge: false });
            o.len += n;
            done += n;
            len -= n;
        }
        drop((i, o));
        if done > 0 {
            out.events.wake_all();
        }
        r.map(|_: usize| done)
    }
}
