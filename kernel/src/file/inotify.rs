//! An inotify instance: its watches and its queue of events.
//!
//! Mirrors Linux's inotify: watch descriptors count from 1 and one inode
//! has one watch per instance; an event the watch's mask selects is queued
//! as `struct inotify_event` (wd, mask, cookie, len, name padded with NULs
//! to a multiple of 16 bytes), merged with the last queued event when
//! identical; past 16384 queued events one IN_Q_OVERFLOW is queued instead.
//! A read takes as many whole events as fit (EINVAL if not even the first
//! does) and waits while there are none. Removing a watch — by
//! inotify_rm_watch, IN_ONESHOT, or the inode going away — queues
//! IN_IGNORED. Events come from [`crate::fsnotify`].

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;

use executor::WaitQueue;
use zerocopy::IntoBytes;

use super::io::Io;
use super::readiness::{bits, IN};
use super::{File, FileOps};
use crate::abi::InotifyEventHead;
use crate::errno::{Errno, SysResult};
use crate::fsnotify::{self, Key};
use crate::proc::Thread;

pub const IN_Q_OVERFLOW: u32 = 0x4000;
pub const IN_IGNORED: u32 = 0x8000;
pub const IN_ONESHOT: u32 = 0x8000_0000;
/// Linux's /proc/sys/fs/inotify/max_queued_events default.
const MAX_QUEUED: usize = 16384;
/// sizeof(struct inotify_event) without the name.
const HEADER: usize = 16;

struct Event {
    wd: i32,
    mask: u32,
    cookie: u32,
    name: Vec<u8>,
}

impl Event {
    /// The name field's length: the name, a NUL, padded to 16 bytes.
    fn name_len(&self) -> usize {
        if self.name.is_empty() {
            0
        } else {
            (self.name.len() + 1).div_ceil(HEADER) * HEADER
        }
    }

    fn size(&self) -> usize {
        HEADER + self.name_len()
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let head = InotifyEventHead { wd: self.wd, mask: self.mask, cookie: self.cookie, len: self.name_len() as u32 };
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(&self.name);
        out.resize(out.len() + self.name_len() - self.name.len(), 0);
    }
}

struct Watch {
    key: Key,
    mask: u32,
}

#[derive(Default)]
struct Inner {
    watches: BTreeMap<i32, Watch>,
    by_key: BTreeMap<Key, i32>,
    next_wd: i32,
    queue: VecDeque<Event>,
    bytes: usize,
}

pub struct Inotify {
    inner: spin::Mutex<Inner>,
    pub events: WaitQueue,
}

impl Inotify {
    pub fn new() -> Arc<Inotify> {
        Arc::new(Inotify { inner: spin::Mutex::new(Inner { next_wd: 1, ..Inner::default() }), events: WaitQueue::new() })
    }

    /// inotify_add_watch on an inode: the same wd for an inode already
    /// watched (its mask replaced, or extended with IN_MASK_ADD; EEXIST
    /// with IN_MASK_CREATE).
    pub fn add_watch(self: &Arc<Self>, key: Key, mask: u32, add: bool, create_only: bool) -> Result<i32, Errno> {
        let mut inner = self.inner.lock();
        if let Some(&wd) = inner.by_key.get(&key) {
            if create_only {
                return Err(Errno::EEXIST);
            }
            let w = inner.watches.get_mut(&wd).ok_or(Errno::EINVAL)?;
            w.mask = if add { w.mask | mask } else { mask };
            return Ok(wd);
        }
        let wd = inner.next_wd;
        inner.next_wd += 1;
        inner.watches.insert(wd, Watch { key, mask });
        inner.by_key.insert(key, wd);
        drop(inner);
        fsnotify::add_watch(key, self, wd);
        Ok(wd)
    }

    /// inotify_rm_watch: IN_IGNORED is queued.
    pub fn rm_watch(&self, wd: i32) -> Result<(), Errno> {
        let key = self.inner.lock().watches.get(&wd).map(|w| w.key).ok_or(Errno::EINVAL)?;
        fsnotify::remove_watch(key, self, wd);
        self.ignored(wd);
        Ok(())
    }

    /// The watch `wd` is gone: forget it and queue IN_IGNORED.
    pub fn ignored(&self, wd: i32) {
        let mut inner = self.inner.lock();
        if let Some(w) = inner.watches.remove(&wd) {
            inner.by_key.remove(&w.key);
            Self::push(&mut inner, Event { wd, mask: IN_IGNORED, cookie: 0, name: Vec::new() });
            drop(inner);
            self.events.wake_all();
        }
    }

    /// An event for watch `wd`, queued if its mask selects it.
    pub fn deliver(&self, wd: i32, mask: u32, cookie: u32, name: &[u8]) {
        let oneshot_key = {
            let mut inner = self.inner.lock();
            let Some(w) = inner.watches.get(&wd) else { return };
            if w.mask & mask & 0xfff == 0 {
                return;
            }
            let oneshot = (w.mask & IN_ONESHOT != 0).then_some(w.key);
            Self::push(&mut inner, Event { wd, mask, cookie, name: name.to_vec() });
            oneshot
        };
        if let Some(key) = oneshot_key {
            fsnotify::remove_watch(key, self, wd);
            self.ignored(wd);
        }
        self.events.wake_all();
    }

    fn push(inner: &mut Inner, ev: Event) {
        if let Some(last) = inner.queue.back() {
            if last.wd == ev.wd && last.mask == ev.mask && last.cookie == ev.cookie && last.name == ev.name {
                return;
            }
            if last.mask == IN_Q_OVERFLOW {
                return;
            }
        }
        let ev = if inner.queue.len() >= MAX_QUEUED { Event { wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: Vec::new() } } else { ev };
        inner.bytes += ev.size();
        inner.queue.push_back(ev);
    }

    pub fn readable(&self) -> bool {
        !self.inner.lock().queue.is_empty()
    }

    /// Bytes of all queued events (FIONREAD).
    pub fn pending_bytes(&self) -> usize {
        self.inner.lock().bytes
    }

    /// Takes the whole events that fit in `max` bytes; None when the queue
    /// is empty; EINVAL when the first event doesn't fit.
    fn take(&self, max: usize) -> Option<Result<Vec<u8>, Errno>> {
        let mut inner = self.inner.lock();
        let first = inner.queue.front()?;
        if first.size() > max {
            return Some(Err(Errno::EINVAL));
        }
        let mut out = Vec::new();
        while let Some(ev) = inner.queue.front() {
            if out.len() + ev.size() > max {
                break;
            }
            ev.encode(&mut out);
            inner.bytes -= ev.size();
            inner.queue.pop_front();
        }
        Some(Ok(out))
    }
}

/// A read takes the whole events that fit, waiting for the first;
/// FIONREAD is the bytes queued; O_ASYNC can be set.
impl FileOps for Arc<Inotify> {
    fn proc_link(&self, _file: &crate::file::File) -> alloc::vec::Vec<u8> {
        alloc::vec::Vec::from(&b"anon_inode:inotify"[..])
    }

    fn read(&self, _file: &File, _io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        let data = self.take(buf.len()).ok_or(Errno::EAGAIN)??;
        buf[..data.len()].copy_from_slice(&data);
        Ok(data.len())
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.events)
    }

    fn poll(&self, _t: &Thread) -> u16 {
        bits(self.readable(), IN)
    }

    fn has_fasync(&self) -> bool {
        true
    }

    fn ioctl(&self, _file: &File, t: &Arc<Thread>, request: u64, arg: u64) -> SysResult {
        if request != super::ops::FIONREAD {
            return Err(Errno::ENOTTY);
        }
        super::ops::reply_int(t, arg, self.pending_bytes() as i32)
    }
}

impl Drop for Inotify {
    /// Closing the instance ends its watches.
    fn drop(&mut self) {
        let watches = core::mem::take(&mut self.inner.lock().watches);
        for (wd, w) in watches {
            fsnotify::remove_watch(w.key, self, wd);
        }
    }
}
