//! An epoll instance: the interest list, the ready list, and the
//! per-file registrations that feed one into the other.
//!
//! Mirrors Linux's eventpoll. Each registered file gets an [`Item`] that
//! watches the file's wait queue persistently ([`executor::WaitQueue::watch`]):
//! every wake of the file puts the item on the ready list (once) and wakes
//! the instance's waiters. `epoll_wait` ([`Epoll::harvest`]) then checks only
//! the items on the ready list, never the whole interest list:
//! - an item whose file has none of the requested events now is dropped;
//! - a level-triggered item that reported goes back on the list, to be
//!   checked again by the next wait;
//! - an edge-triggered item reports once per wake of its file;
//! - an EPOLLONESHOT item is disarmed after it reports, until EPOLL_CTL_MOD.
//!
//! A registration belongs to the open file description (the key is the
//! descriptor number *and* the file): it lasts while the description is
//! open anywhere, even after that descriptor is closed, and goes away with
//! the description's last reference ([`File`]'s drop calls
//! [`release_file`]).

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::{Arc, Weak};
use alloc::task::Wake;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use core::task::Waker;

use executor::{WaitQueue, WatchId};
use platform::sync::IrqMutex;

use super::readiness::{bits, IN};
use super::{File, FileOps};
use crate::errno::Errno;
use crate::proc::Thread;

pub const EPOLLIN: u32 = 0x001;
pub const EPOLLERR: u32 = 0x008;
pub const EPOLLHUP: u32 = 0x010;
pub const EPOLLEXCLUSIVE: u32 = 1 << 28;
pub const EPOLLWAKEUP: u32 = 1 << 29;
pub const EPOLLONESHOT: u32 = 1 << 30;
pub const EPOLLET: u32 = 1 << 31;
/// The flag bits of a registration (not events).
const EP_FLAGS: u32 = EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | EPOLLET;

/// Linux's EPOLL_MAX_NESTS: how deep epoll instances may be nested.
const MAX_NESTS: usize = 4;

/// One registration: a file (by descriptor and description) in one epoll.
pub struct Item {
    ep: Weak<Epoll>,
    file: Weak<File>,
    fd: i32,
    /// The requested events and the EP_FLAGS bits.
    events: AtomicU32,
    data: AtomicU64,
    /// On the ready list.
    queued: AtomicBool,
    /// Removed from the interest list: wakes are ignored.
    dead: AtomicBool,
    watch: spin::Mutex<Option<WatchId>>,
}

impl Wake for Item {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    /// The file's queue was woken: queue the item and wake the waiters.
    fn wake_by_ref(self: &Arc<Self>) {
        if self.dead.load(Ordering::Acquire) {
            return;
        }
        if let Some(ep) = self.ep.upgrade() {
            if !self.queued.swap(true, Ordering::AcqRel) {
                ep.ready.lock().push_back(self.clone());
            }
            ep.events.wake_all();
        }
    }
}

impl Item {
    /// Stops watching the file and marks the item dead.
    fn detach(&self, file: Option<&File>) {
        self.dead.store(true, Ordering::Release);
        let id = self.watch.lock().take();
        if let (Some(id), Some(q)) = (id, file.and_then(File::wait_queue)) {
            q.unwatch(id);
        }
    }
}

/// An epoll instance.
pub struct Epoll {
    interest: spin::Mutex<BTreeMap<(i32, usize), Arc<Item>>>,
    /// Items whose file was woken since they were last checked. Pushed to
    /// from wakers, which may run in interrupt handlers: an IrqMutex (the
    /// kernel heap is interrupt-safe too).
    ready: IrqMutex<VecDeque<Arc<Item>>>,
    /// Woken when an item is queued: epoll_wait's waiters, and the watchers
    /// of this instance when it is itself in a poll set or another epoll.
    pub events: WaitQueue,
}

fn key(fd: i32, file: &Arc<File>) -> (i32, usize) {
    (fd, Arc::as_ptr(file) as usize)
}

impl Epoll {
    /// The file registered under descriptor `fd`, the `nth` of those in
    /// the interest list's order (kcmp's KCMP_EPOLL_TFD, Linux's
    /// get_epoll_tfile_raw_ptr).
    pub fn target_file(&self, fd: i32, nth: u64) -> Option<Arc<File>> {
        let interest = self.interest.lock();
        let item = interest.range((fd, 0)..=(fd, usize::MAX)).map(|(_, i)| i).nth(usize::try_from(nth).ok()?)?;
        item.file.upgrade()
    }

    pub fn new() -> Arc<Epoll> {
        Arc::new(Epoll { interest: spin::Mutex::new(BTreeMap::new()), ready: IrqMutex::new(VecDeque::new()), events: WaitQueue::new() })
    }

    /// EPOLL_CTL_ADD. The caller checked `file` has a poll method and is
    /// not this instance.
    pub fn add(self: &Arc<Epoll>, t: &Thread, fd: i32, file: &Arc<File>, events: u32, data: u64) -> Result<(), Errno> {
        if let Some(inner) = file.downcast::<Arc<Epoll>>() {
            if inner.reaches(self) || inner.depth() + 1 > MAX_NESTS {
                return Err(Errno::ELOOP);
            }
        }
        let queue = file.wait_queue().ok_or(Errno::EPERM)?;
        let item = Arc::new(Item {
            ep: Arc::downgrade(self),
            file: Arc::downgrade(file),
            fd,
            events: AtomicU32::new(events),
            data: AtomicU64::new(data),
            queued: AtomicBool::new(false),
            dead: AtomicBool::new(false),
            watch: spin::Mutex::new(None),
        });
        {
            let mut interest = self.interest.lock();
            if interest.contains_key(&key(fd, file)) {
                return Err(Errno::EEXIST);
            }
            interest.insert(key(fd, file), item.clone());
            file.epoll_items.lock().push(Arc::downgrade(&item));
        }
        let id = queue.watch(Waker::from(item.clone()), events & EPOLLEXCLUSIVE != 0);
        *item.watch.lock() = Some(id);
        // Watching first, then checking: a wake in between queues it too.
        if file.poll_events(t) as u32 & (events | EPOLLERR | EPOLLHUP) != 0 {
            item.wake_by_ref();
        }
        Ok(())
    }

    /// EPOLL_CTL_MOD: new events and data; re-arms a one-shot item.
    pub fn modify(&self, t: &Thread, fd: i32, file: &Arc<File>, events: u32, data: u64) -> Result<(), Errno> {
        let item = self.interest.lock().get(&key(fd, file)).cloned().ok_or(Errno::ENOENT)?;
        if item.events.load(Ordering::Acquire) & EPOLLEXCLUSIVE != 0 {
            return Err(Errno::EINVAL);
        }
        item.data.store(data, Ordering::Release);
        item.events.store(events, Ordering::Release);
        if file.poll_events(t) as u32 & (events | EPOLLERR | EPOLLHUP) != 0 {
            item.wake_by_ref();
        }
        Ok(())
    }

    /// EPOLL_CTL_DEL.
    pub fn delete(&self, fd: i32, file: &Arc<File>) -> Result<(), Errno> {
        let item = self.interest.lock().remove(&key(fd, file)).ok_or(Errno::ENOENT)?;
        file.epoll_items.lock().retain(|w| !core::ptr::eq(w.as_ptr(), Arc::as_ptr(&item)));
        item.detach(Some(file));
        Ok(())
    }

    /// Whether some queued item has events now (this instance's own poll).
    pub fn has_events(&self, t: &Thread) -> bool {
        let queued: Vec<Arc<Item>> = self.ready.lock().iter().cloned().collect();
        queued.iter().any(|item| item_events(item, t).is_some())
    }

    pub fn has_queued(&self) -> bool {
        !self.ready.lock().is_empty()
    }

    /// Reports up to `max` ready events through `deliver(n, events, data)`
    /// (n counts from 0), returning how many were delivered; see the module
    /// documentation for what happens to each item. An item `deliver`
    /// fails for stays queued and ends the harvest with that error if
    /// nothing was delivered (Linux's EFAULT from epoll_wait).
    pub fn harvest(&self, t: &Thread, max: usize, mut deliver: impl FnMut(usize, u32, u64) -> Result<(), Errno>) -> Result<usize, Errno> {
        let batch = core::mem::take(&mut *self.ready.lock());
        let mut n = 0;
        let mut failed = None;
        let mut again = Vec::new();
        let mut left = VecDeque::new();
        for item in batch {
            if n == max || failed.is_some() {
                // Still queued: goes back at the front.
                left.push_back(item);
                continue;
            }
            item.queued.store(false, Ordering::Release);
            let Some(ev) = item_events(&item, t) else { continue };
            if let Err(e) = deliver(n, ev, item.data.load(Ordering::Acquire)) {
                failed = Some(e);
                if !item.queued.swap(true, Ordering::AcqRel) {
                    left.push_back(item);
                }
                continue;
            }
            n += 1;
            let flags = item.events.load(Ordering::Acquire);
            if flags & EPOLLONESHOT != 0 {
                item.events.fetch_and(EP_FLAGS, Ordering::AcqRel);
            } else if flags & EPOLLET == 0 {
                again.push(item);
            }
        }
        let mut ready = self.ready.lock();
        let arrived = core::mem::take(&mut *ready);
        *ready = left;
        ready.extend(arrived);
        for item in again {
            if !item.queued.swap(true, Ordering::AcqRel) {
                ready.push_back(item);
            }
        }
        match failed {
            Some(e) if n == 0 => Err(e),
            _ => Ok(n),
        }
    }

    /// Whether `target` is this instance or is reachable through its
    /// nested epoll items (a registration would make a loop).
    fn reaches(&self, target: &Epoll) -> bool {
        if core::ptr::eq(self, target) {
            return true;
        }
        self.nested().iter().any(|inner| inner.reaches(target))
    }

    /// How many epoll levels lie below this one.
    fn depth(&self) -> usize {
        self.nested().iter().map(|inner| inner.depth() + 1).max().unwrap_or(0)
    }

    fn nested(&self) -> Vec<Arc<Epoll>> {
        let items: Vec<Arc<Item>> = self.interest.lock().values().cloned().collect();
        items
            .iter()
            .filter_map(|i| i.file.upgrade())
            .filter_map(|f| f.downcast::<Arc<Epoll>>().cloned())
            .collect()
    }
}

/// The events an item reports now, if any (None: not ready, disarmed, or
/// its file is gone).
fn item_events(item: &Item, t: &Thread) -> Option<u32> {
    if item.dead.load(Ordering::Acquire) {
        return None;
    }
    let file = item.file.upgrade()?;
    let wanted = item.events.load(Ordering::Acquire) & !EP_FLAGS;
    if wanted == 0 {
        return None;
    }
    let ev = file.poll_events(t) as u32 & (wanted | EPOLLERR | EPOLLHUP);
    (ev != 0).then_some(ev)
}

impl Drop for Epoll {
    /// Closing the instance drops every registration.
    fn drop(&mut self) {
        let items = core::mem::take(&mut *self.interest.lock());
        for item in items.into_values() {
            let file = item.file.upgrade();
            if let Some(f) = &file {
                f.epoll_items.lock().retain(|w| !core::ptr::eq(w.as_ptr(), Arc::as_ptr(&item)));
            }
            item.detach(file.as_deref());
        }
    }
}

/// An epoll instance as a file: readable while some registered file has
/// events; reading and writing are EINVAL.
impl FileOps for Arc<Epoll> {
    fn proc_link(&self, _file: &crate::file::File) -> alloc::vec::Vec<u8> {
        alloc::vec::Vec::from(&b"anon_inode:[eventpoll]"[..])
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.events)
    }

    fn poll(&self, t: &Thread) -> u16 {
        bits(self.has_events(t), IN)
    }
}

/// The last reference to `file` is going: remove it from every epoll
/// instance it is registered in (Linux's eventpoll_release).
pub fn release_file(file: &File, items: Vec<Weak<Item>>) {
    for item in items.iter().filter_map(Weak::upgrade) {
        if let Some(ep) = item.ep.upgrade() {
            let mut interest = ep.interest.lock();
            let k = (item.fd, file as *const File as usize);
            if interest.get(&k).is_some_and(|i| Arc::ptr_eq(i, &item)) {
                interest.remove(&k);
            }
        }
        item.detach(Some(file));
    }
}
