//! Futexes: the kernel side of user-space locks.
//!
//! Waiters are kept per key in one table. A private futex's key is (address
//! space, address); a shared one's is (file, offset) in a MAP_SHARED file
//! mapping (Linux's inode-based key: every process mapping the file meets
//! there, wherever it maps it), the physical address of the word in a
//! shared anonymous mapping (the same frame in every process that
//! inherited it), and (address space, address) again in a private mapping,
//! kept apart from private keys. FUTEX_WAIT checks the word and
//! enqueues under the table lock, so a wake that follows the user's store
//! is never lost. Waits are futures: a [`FutexWait`] completes when a wake
//! marks it; after a time-out or a signal, [`FutexWait::finish`] leaves the
//! queue or reports that a wake had already picked it (the call then
//! succeeds, as on Linux). A wait dropped unfinished passes a wake it had
//! received to the next waiter, so a cancelled waiter never swallows a wake
//! meant for another.

use alloc::collections::BTreeMap;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll, Waker};

use crate::errno::Errno;
use crate::mm::Mm;
use crate::uaccess;

/// Identity of a futex word.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Key {
    Private { mm: usize, addr: u64 },
    /// A shared (no FUTEX_PRIVATE_FLAG) futex in a private mapping: named by
    /// address space and address like a private one, but a different key, as
    /// in Linux (a shared wake does not meet a private waiter).
    SharedInPrivate { mm: usize, addr: u64 },
    Shared { phys: u64 },
    /// A shared futex in a shared file mapping: the file and the offset of
    /// the word in it.
    File { dev: u64, ino: u64, offset: u64 },
}

struct Waiter {
    bitset: u32,
    woken: AtomicBool,
    waker: spin::Mutex<Option<Waker>>,
}

struct Table {
    queues: BTreeMap<Key, VecDeque<Arc<Waiter>>>,
}

static TABLE: spin::Mutex<Table> = spin::Mutex::new(Table { queues: BTreeMap::new() });

/// The key for the futex word at `addr`.
pub fn key(mm: &Arc<Mm>, addr: u64, private: bool) -> Result<Key, Errno> {
    if !addr.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    if private {
        return Ok(Key::Private { mm: Arc::as_ptr(mm) as usize, addr });
    }
    // A word in a private mapping is named by address, not by frame: its
    // frame may be a copy-on-write frame still shared with a forked process,
    // which the next store replaces (a waiter keyed by the old frame would
    // never meet the waker).
    let (in_shared_mapping, in_file, read_only_anon) = mm
        .with(|m| {
            m.find(addr).map(|v| {
                let read_only_anon = !v.prot.write && matches!(v.kind, crate::mm::vma::Kind::Anon);
                (v.shared, v.file_offset(addr).map(|(f, off)| (f.id, off)), read_only_anon)
            })
        })
        .ok_or(Errno::EFAULT)?;
    // Linux's get_futex_key: a read-only anonymous page never changes, so
    // a shared futex operation on it is EFAULT.
    if read_only_anon && !in_shared_mapping {
        return Err(Errno::EFAULT);
    }
    if !in_shared_mapping {
        return Ok(Key::SharedInPrivate { mm: Arc::as_ptr(mm) as usize, addr });
    }
    if let Some((id, offset)) = in_file {
        return Ok(Key::File { dev: id.dev, ino: id.ino, offset });
    }
    // Make sure the page is present, then name it by its frame.
    uaccess::read_u32(mm, addr)?;
    let phys = mm.with(|m| m.space.query(addr & !0xfff)).map(|(p, _)| p).ok_or(Errno::EFAULT)?;
    Ok(Key::Shared { phys: phys + (addr & 0xfff) })
}

/// Starts waiting on `key` if the word at `addr` still holds `expected`.
pub fn wait(mm: &Mm, key: Key, addr: u64, expected: u32, bitset: u32) -> Result<FutexWait, Errno> {
    if bitset == 0 {
        return Err(Errno::EINVAL);
    }
    let mut t = TABLE.lock();
    // Read under the table lock: a waker that changes the word and then
    // wakes takes this lock after us, so it sees our entry.
    let value = uaccess::read_u32(mm, addr)?;
    if value != expected {
        return Err(Errno::EAGAIN);
    }
    let w = Arc::new(Waiter { bitset, woken: AtomicBool::new(false), waker: spin::Mutex::new(None) });
    t.queues.entry(key).or_default().push_back(w.clone());
    Ok(FutexWait { key, waiter: w, done: false })
}

/// Takes up to `n` waiters of `key` matching `bitset` out of the table.
fn take(t: &mut Table, key: Key, n: usize, bitset: u32) -> Vec<Arc<Waiter>> {
    let mut out = Vec::new();
    if let Some(q) = t.queues.get_mut(&key) {
        let mut i = 0;
        while i < q.len() && out.len() < n {
            if q[i].bitset & bitset != 0 {
                if let Some(w) = q.remove(i) {
                    w.woken.store(true, Ordering::Release);
                    out.push(w);
                }
            } else {
                i += 1;
            }
        }
        if q.is_empty() {
            t.queues.remove(&key);
        }
    }
    out
}

fn wake_all(ws: Vec<Arc<Waiter>>) -> usize {
    let n = ws.len();
    for w in ws {
        if let Some(wk) = w.waker.lock().take() {
            wk.wake();
        }
    }
    n
}

/// Wakes up to `n` waiters of `key` whose bitset meets `bitset`.
pub fn wake(key: Key, n: usize, bitset: u32) -> Result<usize, Errno> {
    if bitset == 0 {
        return Err(Errno::EINVAL);
    }
    let ws = take(&mut TABLE.lock(), key, n, bitset);
    Ok(wake_all(ws))
}

/// FUTEX_(CMP_)REQUEUE: wakes `n_wake` waiters of `from` and moves up to
/// `n_requeue` of the rest to `to`. With `check`, the word at `addr` must
/// still equal the value (else EAGAIN). Returns woken + requeued.
pub fn requeue(mm: &Mm, from: Key, to: Key, n_wake: usize, n_requeue: usize, check: Option<(u64, u32)>) -> Result<usize, Errno> {
    let mut t = TABLE.lock();
    if let Some((addr, val)) = check {
        if uaccess::read_u32(mm, addr)? != val {
            return Err(Errno::EAGAIN);
        }
    }
    let woken = take(&mut t, from, n_wake, u32::MAX);
    let mut moved = 0;
    if from == to {
        // Requeued onto themselves: they stay, but count (as in Linux).
        moved = t.queues.get(&from).map_or(0, |q| q.len()).min(n_requeue);
    } else {
        let mut batch = Vec::new();
        if let Some(q) = t.queues.get_mut(&from) {
            while moved < n_requeue {
                let Some(w) = q.pop_front() else { break };
                batch.push(w);
                moved += 1;
            }
            if q.is_empty() {
                t.queues.remove(&from);
            }
        }
        let dest = t.queues.entry(to).or_default();
        for w in batch {
            dest.push_back(w);
        }
    }
    drop(t);
    // A requeued waiter keeps its future's key pointing at `from`; its drop
    // searches every queue, see `FutexWait::drop`.
    Ok(wake_all(woken) + moved)
}

/// Runs `f` with the table locked (WAKE_OP's read-modify-write).
pub fn with_table_locked<R>(f: impl FnOnce() -> R) -> R {
    let _t = TABLE.lock();
    f()
}

/// A waiting futex: completes when woken.
pub struct FutexWait {
    key: Key,
    waiter: Arc<Waiter>,
    done: bool,
}

impl Future for FutexWait {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.waiter.woken.load(Ordering::Acquire) {
            self.done = true;
            return Poll::Ready(());
        }
        *self.waiter.waker.lock() = Some(cx.waker().clone());
        if self.waiter.woken.load(Ordering::Acquire) {
            self.done = true;
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl FutexWait {
    /// Ends the wait after its future returned or was abandoned (time-out,
    /// signal): whether a wake had picked this waiter. Linux's futex_wait
    /// reports such a wake as success even when the time-out or the signal
    /// came as well, so the wake is neither lost nor handed to another.
    pub fn finish(&mut self) -> bool {
        if self.done {
            return true;
        }
        let mut t = TABLE.lock();
        self.done = true;
        if self.waiter.woken.load(Ordering::Acquire) {
            return true;
        }
        dequeue(&mut t, &self.waiter);
        false
    }
}

/// Takes `waiter` out of whichever queue holds it (its own key's, or a
/// requeue target's); whether it was there.
fn dequeue(t: &mut Table, waiter: &Arc<Waiter>) -> bool {
    let mut found = None;
    for (k, q) in t.queues.iter_mut() {
        if let Some(i) = q.iter().position(|w| Arc::ptr_eq(w, waiter)) {
            q.remove(i);
            found = Some(*k);
            break;
        }
    }
    if let Some(k) = found {
        if t.queues.get(&k).is_some_and(|q| q.is_empty()) {
            t.queues.remove(&k);
        }
    }
    found.is_some()
}

impl Drop for FutexWait {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut t = TABLE.lock();
        // Still queued (under its key or a requeue target): just leave.
        if dequeue(&mut t, &self.waiter) {
            return;
        }
        // Woken but cancelled before seeing it: pass the wake on.
        if self.waiter.woken.load(Ordering::Acquire) {
            let next = take(&mut t, self.key, 1, self.waiter.bitset);
            drop(t);
            wake_all(next);
        }
    }
}

const FUTEX_WAITERS: u32 = 0x8000_0000;
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// Linux's ROBUST_LIST_LIMIT: a bound against circular lists.
const ROBUST_LIST_LIMIT: usize = 2048;

/// A thread exits (or execs) holding robust futexes: each one whose owner
/// TID is the thread gets FUTEX_OWNER_DIED, and one waiter is woken
/// (Linux's exit_robust_list / handle_futex_death). Bit 0 of an entry
/// marks a PI futex, whose waiters are not woken here.
pub fn release_robust_list(mm: &Arc<Mm>, head: u64, tid: u32) {
    if head == 0 {
        return;
    }
    let Ok(mut entry) = uaccess::read_u64(mm, head) else { return };
    let Ok(offset) = uaccess::read_u64(mm, head + 8) else { return };
    let pending_raw = uaccess::read_u64(mm, head + 16).unwrap_or(0);
    let pending = pending_raw & !1;
    let mut n = 0;
    while entry & !1 != head && entry != 0 && n < ROBUST_LIST_LIMIT {
        let e = entry & !1;
        let Ok(next) = uaccess::read_u64(mm, e) else { break };
        if e != pending {
            futex_death(mm, e.wrapping_add(offset), tid, entry & 1 != 0, false);
        }
        entry = next;
        n += 1;
    }
    if pending != 0 {
        futex_death(mm, pending.wrapping_add(offset), tid, pending_raw & 1 != 0, true);
    }
}

/// Wakes one waiter of a robust futex through the shared key, as Linux's
/// handle_futex_death does (a FUTEX_WAIT_PRIVATE waiter is not woken).
fn wake_robust(mm: &Arc<Mm>, addr: u64) {
    if let Ok(k) = key(mm, addr, false) {
        let _ = wake(k, 1, u32::MAX);
    }
}

fn futex_death(mm: &Arc<Mm>, addr: u64, tid: u32, pi: bool, pending_op: bool) {
    if !addr.is_multiple_of(4) {
        return;
    }
    for _ in 0..16 {
        let Ok(val) = uaccess::read_u32(mm, addr) else { return };
        // The thread died between taking the pending lock's slot and
        // owning it, or after releasing it: a waiter may have missed the
        // unlock's wake, so wake one.
        if pending_op && !pi && val == 0 {
            wake_robust(mm, addr);
            return;
        }
        if val & FUTEX_TID_MASK != tid {
            return;
        }
        let new = (val & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        match platform::user::copy::cmpxchg_user_u32(addr, val, new) {
            Ok(found) if found == val => {
                if !pi && val & FUTEX_WAITERS != 0 {
                    wake_robust(mm, addr);
                }
                return;
            }
            Ok(_) => continue,
            Err(f) => {
                if mm.handle_fault(f.addr, true, false).is_err() {
                    return;
                }
            }
        }
    }
}
