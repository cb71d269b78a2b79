//! An io_uring instance as an open file: the shared rings and SQE array,
//! the completion queue's posting side, readiness, and the mmap offsets.
//!
//! The rings live in one unnamed inode on the internal shm mount
//! ([`super::memfd::internal_inode`]): a program maps it shared at
//! IORING_OFF_SQ_RING / IORING_OFF_CQ_RING (the same pages: the instance
//! reports IORING_FEAT_SINGLE_MMAP) and IORING_OFF_SQES, and the kernel
//! reads and writes the very same pages through the inode, in safe code,
//! from whichever task completes a request. The layout is Linux's
//! `struct io_rings`: SQ and CQ head/tail each on its own cache line,
//! masks, sizes, flags, dropped and overflow counters, the CQE array, and
//! after it the SQ index array. The kernel keeps its own copy of the
//! indices it owns (SQ head, CQ tail) and only reads the user's (SQ tail,
//! CQ head). A completion that finds the CQ full waits in a kernel
//! backlog and is posted once the program makes room (IORING_FEAT_NODROP).
//! The file polls readable while completions are waiting in the CQ ring.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use executor::WaitQueue;
use fs::inode::Metadata;

use super::ops::{pseudo_metadata, FileOps, MapRequest};
use super::readiness::{bits, IN, OUT};
use super::File;
use crate::errno::Errno;
use crate::mm::filemap::MappedFile;
use crate::mm::vma::Kind;
use crate::proc::Thread;

pub const OFF_SQ_RING: u64 = 0;
pub const OFF_CQ_RING: u64 = 0x800_0000;
pub const OFF_SQES: u64 = 0x1000_0000;

/// Offsets in the rings region (Linux's struct io_rings).
pub const SQ_HEAD: u64 = 0;
pub const SQ_TAIL: u64 = 64;
pub const CQ_HEAD: u64 = 128;
pub const CQ_TAIL: u64 = 192;
pub const SQ_MASK: u64 = 256;
pub const CQ_MASK: u64 = 260;
pub const SQ_ENTRIES: u64 = 264;
pub const CQ_ENTRIES: u64 = 268;
pub const SQ_DROPPED: u64 = 272;
pub const SQ_FLAGS: u64 = 276;
pub const CQ_FLAGS: u64 = 280;
pub const CQ_OVERFLOW: u64 = 284;
pub const CQES: u64 = 320;
pub const SQE_SIZE: u64 = 64;
const CQE_SIZE: u64 = 16;
const PAGE: u64 = 4096;

fn page_up(n: u64) -> u64 {
    n.div_ceil(PAGE) * PAGE
}

/// One completion.
#[derive(Clone, Copy)]
pub struct Cqe {
    pub user_data: u64,
    pub res: i32,
    pub flags: u32,
}

/// A request still pending (a poll or a timeout): what ASYNC_CANCEL,
/// POLL_REMOVE and TIMEOUT_REMOVE find by user_data.
pub struct Pending {
    pub user_data: u64,
    pub timeout: bool,
    pub cancelled: AtomicBool,
    /// The request has posted its completion (a LINK_TIMEOUT watches it).
    pub done: AtomicBool,
    /// A TIMEOUT with a completion count: it ends (with 0) once the ring's
    /// count of other completions reaches this (`counted`).
    pub count_target: AtomicU32,
    pub counted: AtomicBool,
    /// The count was reached (the timeout completes with 0).
    pub hit: AtomicBool,
    /// Woken to make the request look at `cancelled`, and when it is done.
    pub wake: WaitQueue,
    /// The file a poll waits on (its queue is woken too).
    pub file: Option<Arc<File>>,
}

struct State {
    /// The next SQ entry the kernel takes (Linux's cached_sq_head).
    sq_head: u32,
    /// The next CQ slot the kernel fills.
    cq_tail: u32,
    backlog: VecDeque<Cqe>,
    pending: Vec<Arc<Pending>>,
    /// Completions posted by requests other than timeouts (what a
    /// TIMEOUT's count counts, Linux's cached_cq_tail - cq_timeouts).
    completions: u32,
}

pub struct IoUring {
    mem: fs::InodeRef,
    pub sq_entries: u32,
    pub cq_entries: u32,
    pub sq_array: u64,
    pub sqes: u64,
    state: spin::Mutex<State>,
    /// Woken when a completion is posted.
    pub events: WaitQueue,
}

impl IoUring {
    /// A new instance with `sq` and `cq` entries (powers of two).
    pub fn new(sq: u32, cq: u32) -> Result<IoUring, Errno> {
        let sq_array = (CQES + CQE_SIZE * cq as u64).div_ceil(64) * 64;
        let rings = page_up(sq_array + 4 * sq as u64);
        let sqes = rings;
        let mem = super::memfd::internal_inode(sqes + page_up(SQE_SIZE * sq as u64))?;
        let ring = IoUring {
            mem,
            sq_entries: sq,
            cq_entries: cq,
            sq_array,
            sqes,
            state: spin::Mutex::new(State { sq_head: 0, cq_tail: 0, backlog: VecDeque::new(), pending: Vec::new(), completions: 0 }),
            events: WaitQueue::new(),
        };
        ring.w32(SQ_MASK, sq - 1);
        ring.w32(CQ_MASK, cq - 1);
        ring.w32(SQ_ENTRIES, sq);
        ring.w32(CQ_ENTRIES, cq);
        Ok(ring)
    }

    pub fn r32(&self, off: u64) -> u32 {
        let mut b = [0u8; 4];
        let _ = self.mem.read_at(off, &mut b);
        u32::from_le_bytes(b)
    }

    pub fn w32(&self, off: u64, v: u32) {
        let _ = self.mem.write_at(off, &v.to_le_bytes());
    }

    /// The `idx`th SQE, raw.
    pub fn sqe(&self, idx: u32) -> [u8; 64] {
        let mut b = [0u8; 64];
        let _ = self.mem.read_at(self.sqes + SQE_SIZE * idx as u64, &mut b);
        b
    }

    /// Takes the next submitted SQE's index: None when the program has
    /// queued nothing more; Some(None) for an index out of range (counted
    /// in sq_dropped, as Linux).
    pub fn next_sqe(&self) -> Option<Option<u32>> {
        let mut s = self.state.lock();
        let tail = self.r32(SQ_TAIL);
        if tail == s.sq_head {
            return None;
        }
        let idx = self.r32(self.sq_array + 4 * (s.sq_head & (self.sq_entries - 1)) as u64);
        s.sq_head = s.sq_head.wrapping_add(1);
        self.w32(SQ_HEAD, s.sq_head);
        if idx >= self.sq_entries {
            self.w32(SQ_DROPPED, self.r32(SQ_DROPPED).wrapping_add(1));
            return Some(None);
        }
        Some(Some(idx))
    }

    /// Posts a completion (or keeps it until the CQ has room); one not
    /// from a timeout counts towards the timeouts waiting for a count.
    pub fn post(&self, c: Cqe, from_timeout: bool) {
        let mut s = self.state.lock();
        s.backlog.push_back(c);
        self.flush(&mut s);
        let mut hit = Vec::new();
        if !from_timeout {
            s.completions = s.completions.wrapping_add(1);
            let now = s.completions;
            s.pending.retain(|p| {
                let reached = p.counted.load(Ordering::Acquire) && now.wrapping_sub(p.count_target.load(Ordering::Acquire)) as i32 >= 0;
                if reached {
                    hit.push(p.clone());
                }
                !reached
            });
        }
        drop(s);
        self.events.wake_all();
        for p in hit {
            p.hit.store(true, Ordering::Release);
            Self::wake_cancelled(&p);
        }
    }

    /// Makes timeout `p` end after `count` more completions.
    pub fn count_timeout(&self, p: &Pending, count: u32) {
        let s = self.state.lock();
        p.count_target.store(s.completions.wrapping_add(count), Ordering::Release);
        p.counted.store(true, Ordering::Release);
    }

    fn flush(&self, s: &mut State) {
        let head = self.r32(CQ_HEAD);
        while let Some(c) = s.backlog.front().copied() {
            if s.cq_tail.wrapping_sub(head) >= self.cq_entries {
                break;
            }
            let at = CQES + CQE_SIZE * (s.cq_tail & (self.cq_entries - 1)) as u64;
            let mut b = [0u8; 16];
            b[0..8].copy_from_slice(&c.user_data.to_le_bytes());
            b[8..12].copy_from_slice(&c.res.to_le_bytes());
            b[12..16].copy_from_slice(&c.flags.to_le_bytes());
            let _ = self.mem.write_at(at, &b);
            s.cq_tail = s.cq_tail.wrapping_add(1);
            s.backlog.pop_front();
        }
        self.w32(CQ_TAIL, s.cq_tail);
        // IORING_SQ_CQ_OVERFLOW: completions wait in the backlog.
        self.w32(SQ_FLAGS, if s.backlog.is_empty() { 0 } else { 2 });
    }

    /// Completions the program has not consumed (after moving what the
    /// backlog can into the ring).
    pub fn ready(&self) -> u32 {
        let mut s = self.state.lock();
        if !s.backlog.is_empty() {
            self.flush(&mut s);
        }
        s.cq_tail.wrapping_sub(self.r32(CQ_HEAD)).min(self.cq_entries)
    }

    pub fn add_pending(&self, p: Arc<Pending>) {
        self.state.lock().pending.push(p);
    }

    pub fn remove_pending(&self, p: &Arc<Pending>) {
        self.state.lock().pending.retain(|q| !Arc::ptr_eq(q, p));
    }

    /// Cancels `p` if it is still pending: whether it was.
    pub fn cancel_this(&self, p: &Arc<Pending>) -> bool {
        {
            let mut s = self.state.lock();
            let Some(i) = s.pending.iter().position(|q| Arc::ptr_eq(q, p)) else { return false };
            s.pending.remove(i);
        }
        Self::wake_cancelled(p);
        true
    }

    fn wake_cancelled(p: &Arc<Pending>) {
        p.cancelled.store(true, Ordering::Release);
        p.wake.wake_all();
        if let Some(q) = p.file.as_ref().and_then(|f| f.ops().wait_queue()) {
            q.wake_all();
        }
    }

    /// Cancels the first pending request with `user_data` (a timeout when
    /// `timeout`, a poll when not, any when None): whether one was found.
    pub fn cancel(&self, user_data: u64, timeout: Option<bool>) -> bool {
        let p = {
            let mut s = self.state.lock();
            let Some(i) = s.pending.iter().position(|p| p.user_data == user_data && timeout.is_none_or(|t| t == p.timeout)) else { return false };
            s.pending.remove(i)
        };
        Self::wake_cancelled(&p);
        true
    }
}

impl FileOps for IoUring {
    fn proc_link(&self, _file: &File) -> Vec<u8> {
        Vec::from(&b"anon_inode:[io_uring]"[..])
    }

    fn mmap(&self, _file: &File, req: &MapRequest) -> Result<Kind, Errno> {
        let offset = match req.offset {
            OFF_SQ_RING | OFF_CQ_RING => 0,
            OFF_SQES => self.sqes,
            _ => return Err(Errno::EINVAL),
        };
        Ok(Kind::Pages { file: Arc::new(MappedFile::new(self.mem.clone())), offset, may_write: true })
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.events)
    }

    fn poll(&self, _t: &Thread) -> u16 {
        let sq_full = self.r32(SQ_TAIL).wrapping_sub(self.state.lock().sq_head) >= self.sq_entries;
        bits(self.ready() > 0, IN) | bits(!sq_full, OUT)
    }

    fn stat(&self) -> Metadata {
        pseudo_metadata(0o600, 0, 0)
    }
}
