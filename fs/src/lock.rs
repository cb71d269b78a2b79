//! Advisory file locks of one inode: POSIX record locks (`fcntl` F_SETLK,
//! F_GETLK, and the open-file-description F_OFD_* variants) and `flock`
//! locks, with Linux's semantics (fs/locks.c):
//!
//! - Record locks belong to an owner ([`LockOwner`]: a process, or an open
//!   file description for OFD locks). Locks of one owner never conflict
//!   with each other: a new lock replaces the owner's overlapping locks,
//!   splitting them where it covers only part, and merges with adjacent or
//!   overlapping locks of the same kind. Unlocking may split a lock in two.
//!   Read locks of different owners coexist; a write lock conflicts with
//!   any other owner's lock on an overlapping byte.
//! - `flock` locks are whole-file, per open file description, independent of
//!   record locks. Converting a lock drops the old one first (like Linux, a
//!   failed upgrade leaves no lock).
//!
//! Nothing here blocks. F_SETLKW and blocking `flock` are the kernel's: it
//! retries after [`FileLocks::generation`] changes (every change bumps it),
//! waiting on its own wait queue; `lock_waits` detects deadlocks (EDEADLK).
//!
//! Lock order: the table's mutex is a leaf; nothing is called while it is
//! held.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;

use crate::errno::{Errno, Result};

/// Largest lockable offset (Linux's OFFSET_MAX); a lock ending here extends
/// to infinity (`l_len == 0`).
pub const OFFSET_MAX: u64 = i64::MAX as u64;

/// Who holds a record lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockOwner {
    /// Classic POSIX lock of a process (thread group id).
    Process(u32),
    /// OFD lock of an open file description.
    Ofd(u64),
}

/// Shared (F_RDLCK) or exclusive (F_WRLCK).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockKind {
    Read,
    Write,
}

/// One record lock: bytes `start..=end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordLock {
    pub owner: LockOwner,
    pub kind: LockKind,
    pub start: u64,
    /// Inclusive; [`OFFSET_MAX`] means "to end of file and beyond".
    pub end: u64,
}

impl RecordLock {
    /// `l_pid` as F_GETLK reports it: the process, or -1 for an OFD lock.
    pub fn pid(&self) -> i32 {
        match self.owner {
            LockOwner::Process(p) => p as i32,
            LockOwner::Ofd(_) => -1,
        }
    }

    /// `l_len` as F_GETLK reports it (0 for "to infinity").
    pub fn len(&self) -> u64 {
        if self.end == OFFSET_MAX {
            0
        } else {
            self.end - self.start + 1
        }
    }

    /// Whether this lock covers no bytes (never true for a stored lock).
    pub fn is_empty(&self) -> bool {
        self.end < self.start
    }

    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.start <= end && start <= self.end
    }

    fn conflicts(&self, owner: LockOwner, kind: LockKind, start: u64, end: u64) -> bool {
        self.owner != owner
            && self.overlaps(start, end)
            && (self.kind == LockKind::Write || kind == LockKind::Write)
    }
}

/// Turns an `l_start` (already made absolute by the kernel from `l_whence`)
/// and `l_len` into an inclusive byte range, like Linux's
/// `flock64_to_posix_lock`: a negative length locks the bytes before
/// `start`; a negative start is EINVAL, a range past OFFSET_MAX EOVERFLOW.
pub fn lock_range(start: i64, len: i64) -> Result<(u64, u64)> {
    if start < 0 {
        return Err(Errno::EINVAL);
    }
    if len > 0 {
        let end = start.checked_add(len - 1).ok_or(Errno::EOVERFLOW)?;
        Ok((start as u64, end as u64))
    } else if len < 0 {
        let new_start = start
            .checked_add(len)
            .filter(|s| *s >= 0)
            .ok_or(Errno::EINVAL)?;
        Ok((new_start as u64, (start - 1) as u64))
    } else {
        Ok((start as u64, OFFSET_MAX))
    }
}

/// `flock` lock kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlockKind {
    Shared,
    Exclusive,
}

#[derive(Default)]
struct State {
    records: Vec<RecordLock>,
    /// (open file description id, kind)
    flocks: Vec<(u64, FlockKind)>,
}

/// The lock table of one inode.
pub struct FileLocks {
    state: Mutex<State>,
    generation: AtomicU64,
}

impl Default for FileLocks {
    fn default() -> Self {
        Self::new()
    }
}

impl FileLocks {
    pub const fn new() -> Self {
        Self {
            state: Mutex::new(State {
                records: Vec::new(),
                flocks: Vec::new(),
            }),
            generation: AtomicU64::new(0),
        }
    }

    /// Bumped on every change: a blocked locker retries when it moves.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// F_GETLK: the lock (lowest start first) that would stop `owner` from
    /// taking `kind` on `start..=end`, or `None` if it could.
    pub fn test(
        &self,
        owner: LockOwner,
        kind: LockKind,
        start: u64,
        end: u64,
    ) -> Option<RecordLock> {
        let st = self.state.lock();
        st.records
            .iter()
            .filter(|l| l.conflicts(owner, kind, start, end))
            .min_by_key(|l| l.start)
            .copied()
    }

    /// F_SETLK: takes (`Some(kind)`) or releases (`None`) `start..=end` for
    /// `owner`. On conflict nothing changes and the conflicting lock is
    /// returned (the kernel answers EAGAIN, or waits for F_SETLKW).
    pub fn set(
        &self,
        owner: LockOwner,
        kind: Option<LockKind>,
        start: u64,
        end: u64,
    ) -> core::result::Result<(), RecordLock> {
        if start > end {
            return Ok(());
        }
        let mut st = self.state.lock();
        if let Some(kind) = kind {
            if let Some(c) = st
                .records
                .iter()
                .filter(|l| l.conflicts(owner, kind, start, end))
                .min_by_key(|l| l.start)
            {
                return Err(*c);
            }
        }
        // Grow the new lock over the owner's same-kind locks it touches.
        let (mut new_start, mut new_end) = (start, end);
        if let Some(kind) = kind {
            for l in st
                .records
                .iter()
                .filter(|l| l.owner == owner && l.kind == kind)
            {
                let touches =
                    l.start <= new_end.saturating_add(1) && new_start <= l.end.saturating_add(1);
                if touches {
                    new_start = new_start.min(l.start);
                    new_end = new_end.max(l.end);
                }
            }
        }
        // Cut the owner's locks out of the new range, keeping what sticks out.
        let old = core::mem::take(&mut st.records);
        for l in old {
            // (Same-kind neighbours were merged above, so they overlap now.)
            if l.owner != owner || !l.overlaps(new_start, new_end) {
                st.records.push(l);
                continue;
            }
            if l.start < new_start {
                st.records.push(RecordLock {
                    end: new_start - 1,
                    ..l
                });
            }
            if l.end > new_end {
                st.records.push(RecordLock {
                    start: new_end + 1,
                    ..l
                });
            }
        }
        if let Some(kind) = kind {
            st.records.push(RecordLock {
                owner,
                kind,
                start: new_start,
                end: new_end,
            });
        }
        st.records.sort_by_key(|l| (l.start, l.owner));
        drop(st);
        self.changed();
        Ok(())
    }

    /// Drops every record lock of `owner` (a process closing any descriptor
    /// of the file, or the last close of an open file description).
    pub fn release_owner(&self, owner: LockOwner) {
        let mut st = self.state.lock();
        let before = st.records.len();
        st.records.retain(|l| l.owner != owner);
        let changed = st.records.len() != before;
        drop(st);
        if changed {
            self.changed();
        }
    }

    /// The record locks held, ordered by start (for /proc/locks and tests).
    pub fn records(&self) -> Vec<RecordLock> {
        self.state.lock().records.clone()
    }

    /// `flock(2)` for open file description `ofd`: `Some(kind)` locks,
    /// `None` unlocks. EWOULDBLOCK when another description's lock conflicts.
    pub fn flock(&self, ofd: u64, kind: Option<FlockKind>) -> Result<()> {
        let mut st = self.state.lock();
        let mine = st.flocks.iter().position(|(o, _)| *o == ofd);
        if let (Some(i), Some(k)) = (mine, kind) {
            if st.flocks[i].1 == k {
                return Ok(());
            }
        }
        let mut changed = false;
        if let Some(i) = mine {
            st.flocks.remove(i);
            changed = true;
        }
        let result = match kind {
            None => Ok(()),
            Some(k) => {
                let conflict = st
                    .flocks
                    .iter()
                    .any(|(_, other)| k == FlockKind::Exclusive || *other == FlockKind::Exclusive);
                if conflict {
                    Err(Errno::EWOULDBLOCK)
                } else {
                    st.flocks.push((ofd, k));
                    changed = true;
                    Ok(())
                }
            }
        };
        drop(st);
        if changed {
            self.changed();
        }
        result
    }

    /// The `flock` lock held by `ofd`, if any.
    pub fn flock_held(&self, ofd: u64) -> Option<FlockKind> {
        self.state
            .lock()
            .flocks
            .iter()
            .find(|(o, _)| *o == ofd)
            .map(|(_, k)| *k)
    }
}
