//! One CPU's run queue: a lock-free bounded FIFO with a locked overflow list.
//!
//! Owns: the order in which one CPU's SCHEDULED tasks are polled, and how
//! other CPUs steal from it.
//!
//! Structure:
//! - `fast`: a `crossbeam_queue::ArrayQueue` (lock-free, multi-producer,
//!   multi-consumer). Wakers on any CPU push here; the owner pops; idle CPUs
//!   steal by popping too.
//! - `overflow`: a `VecDeque` behind a spin lock, used only when `fast` is
//!   full. It is locked with the platform's interrupts disabled, because a
//!   waker may push from an interrupt handler; growing it allocates, so the
//!   kernel heap must tolerate allocation with interrupts disabled (it only
//!   happens after `fast` — `Config::queue_capacity` entries — is full).
//!
//! FIFO rule: while `overflow` is non-empty, new pushes go to `overflow` too,
//! and the owner refills `fast` from `overflow` only once `fast` is empty. So
//! every entry in `fast` is older than every entry in `overflow`, and a task
//! pushed at the tail (a `yield_now`) runs after everything queued before it.
//! (Concurrent pushers that race with a refill may interleave; the order of
//! two pushes with no happens-before relation is not defined anyway.)

use alloc::collections::VecDeque;

use crate::irq::{InterruptControl, IrqGuard};
use crate::sync::{AtomicUsize, BoundedQueue, Ordering, SpinLock};
use crate::task::TaskRef;

/// Where a push landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    Fast,
    Overflow,
}

pub(crate) struct RunQueue {
    fast: BoundedQueue<TaskRef>,
    overflow: SpinLock<VecDeque<TaskRef>>,
    /// `overflow.len()`, readable without the lock.
    overflow_len: AtomicUsize,
}

impl RunQueue {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            fast: BoundedQueue::new(capacity),
            overflow: SpinLock::new(VecDeque::new()),
            overflow_len: AtomicUsize::new(0),
        }
    }

    /// Appends at the tail.
    pub(crate) fn push(&self, task: TaskRef, irq: &dyn InterruptControl) -> Pushed {
        let task = if self.overflow_len.load(Ordering::SeqCst) == 0 {
            match self.fast.push(task) {
                Ok(()) => return Pushed::Fast,
                Err(task) => task,
            }
        } else {
            task
        };
        let _irq = IrqGuard::new(irq);
        let mut overflow = self.overflow.lock();
        overflow.push_back(task);
        self.overflow_len.store(overflow.len(), Ordering::SeqCst);
        Pushed::Overflow
    }

    /// Removes from the head (the owner's pop, and a thief's).
    pub(crate) fn pop(&self, irq: &dyn InterruptControl) -> Option<TaskRef> {
        if let Some(task) = self.fast.pop() {
            return Some(task);
        }
        if self.overflow_len.load(Ordering::SeqCst) == 0 {
            return None;
        }
        self.refill(irq)
    }

    /// Moves the oldest overflow entries into `fast` (which the caller found
    /// empty) and returns the oldest one.
    fn refill(&self, irq: &dyn InterruptControl) -> Option<TaskRef> {
        let _irq = IrqGuard::new(irq);
        let mut overflow = self.overflow.lock();
        let first = overflow.pop_front();
        while let Some(task) = overflow.pop_front() {
            if let Err(task) = self.fast.push(task) {
                overflow.push_front(task);
                break;
            }
        }
        self.overflow_len.store(overflow.len(), Ordering::SeqCst);
        first
    }

    /// Entries queued (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.fast.len() + self.overflow_len.load(Ordering::SeqCst)
    }

    /// Whether nothing is queued (a snapshot; the idle re-check relies on
    /// the `SeqCst` reads here).
    pub(crate) fn is_empty(&self) -> bool {
        self.fast.is_empty() && self.overflow_len.load(Ordering::SeqCst) == 0
    }

    /// Takes every entry (shutdown).
    pub(crate) fn drain(&self, irq: &dyn InterruptControl, out: &mut alloc::vec::Vec<TaskRef>) {
        while let Some(task) = self.fast.pop() {
            out.push(task);
        }
        let _irq = IrqGuard::new(irq);
        let mut overflow = self.overflow.lock();
        out.extend(overflow.drain(..));
        self.overflow_len.store(0, Ordering::SeqCst);
    }
}
