//! The synchronisation shim: every atomic, lock and bounded queue that takes
//! part in the executor's concurrency protocols comes from here.
//!
//! Normally these are `core`'s atomics, `spin`'s mutex and crossbeam's
//! `ArrayQueue`. Under `cfg(loom)` they are loom's atomics and loom's mutex
//! (and a mutex-protected `VecDeque` stands in for `ArrayQueue`, which loom
//! cannot see into), so the loom models in `tests/loom.rs` explore every
//! interleaving of the real code rather than of a copy.
//!
//! Rules:
//! - Code outside this module never names `core::sync::atomic` for state that
//!   other threads synchronise on. Plain statistics counters are the one
//!   exception (they order nothing, and modelling them would only slow loom).
//! - A [`SpinLock`] guard is never held across an `.await` (no code in this
//!   crate is `async fn` with a guard alive) and never while calling a waker:
//!   wakers are collected under the lock and called after it is released.
//! - `SpinLock` does not touch interrupts. Locks that an interrupt handler may
//!   take are wrapped in [`crate::irq::IrqSpinLock`] instead.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize};

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize};

pub(crate) use core::sync::atomic::Ordering;

/// The relax strategy for spinning: yield the OS thread on the host (where
/// simulated CPUs can outnumber real cores), pause the core in the kernel.
#[cfg(all(not(loom), feature = "std"))]
type Relax = spin::Yield;
#[cfg(all(not(loom), not(feature = "std")))]
type Relax = spin::Spin;

/// A mutual-exclusion lock for short critical sections.
pub(crate) struct SpinLock<T> {
    #[cfg(not(loom))]
    inner: spin::mutex::Mutex<T, Relax>,
    #[cfg(loom)]
    inner: loom::sync::Mutex<T>,
}

#[cfg(not(loom))]
pub(crate) type SpinGuard<'a, T> = spin::mutex::MutexGuard<'a, T>;
#[cfg(loom)]
pub(crate) type SpinGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

impl<T> SpinLock<T> {
    #[cfg(not(loom))]
    pub(crate) const fn new(value: T) -> Self {
        Self {
            inner: spin::mutex::Mutex::new(value),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new(value: T) -> Self {
        Self {
            inner: loom::sync::Mutex::new(value),
        }
    }

    #[cfg(not(loom))]
    pub(crate) fn lock(&self) -> SpinGuard<'_, T> {
        self.inner.lock()
    }

    #[cfg(loom)]
    pub(crate) fn lock(&self) -> SpinGuard<'_, T> {
        // Loom's mutex reports poisoning like std's; a panic inside a model
        // already fails the test, so take the guard either way.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A fixed-capacity multi-producer multi-consumer FIFO: the fast part of a
/// per-CPU run queue.
pub(crate) struct BoundedQueue<T> {
    #[cfg(not(loom))]
    inner: crossbeam_queue::ArrayQueue<T>,
    #[cfg(loom)]
    inner: loom::sync::Mutex<alloc::collections::VecDeque<T>>,
    /// Under loom, emptiness is read from this counter alone (release on
    /// push, acquire on read): *weaker* than `ArrayQueue`, whose operations
    /// are SeqCst, so the model proves the idle handshake's explicit fences
    /// are sufficient rather than leaning on the queue's ordering.
    #[cfg(loom)]
    len: loom::sync::atomic::AtomicUsize,
    #[cfg(loom)]
    capacity: usize,
}

impl<T> BoundedQueue<T> {
    /// `capacity` must be non-zero (the executor's `Config` checks this).
    pub(crate) fn new(capacity: usize) -> Self {
        #[cfg(not(loom))]
        {
            Self {
                inner: crossbeam_queue::ArrayQueue::new(capacity.max(1)),
            }
        }
        #[cfg(loom)]
        {
            Self {
                inner: loom::sync::Mutex::new(alloc::collections::VecDeque::new()),
                len: loom::sync::atomic::AtomicUsize::new(0),
                capacity: capacity.max(1),
            }
        }
    }

    /// Appends at the tail; gives the value back when the queue is full.
    pub(crate) fn push(&self, value: T) -> Result<(), T> {
        #[cfg(not(loom))]
        {
            self.inner.push(value)
        }
        #[cfg(loom)]
        {
            let mut q = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if q.len() >= self.capacity {
                return Err(value);
            }
            q.push_back(value);
            self.len.fetch_add(1, Ordering::Release);
            Ok(())
        }
    }

    /// Removes from the head.
    pub(crate) fn pop(&self) -> Option<T> {
        #[cfg(not(loom))]
        {
            self.inner.pop()
        }
        #[cfg(loom)]
        {
            let value = self
                .inner
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop_front();
            if value.is_some() {
                self.len.fetch_sub(1, Ordering::Release);
            }
            value
        }
    }

    pub(crate) fn len(&self) -> usize {
        #[cfg(not(loom))]
        {
            self.inner.len()
        }
        #[cfg(loom)]
        {
            self.len.load(Ordering::Acquire)
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        #[cfg(not(loom))]
        {
            self.inner.is_empty()
        }
        #[cfg(loom)]
        {
            self.len.load(Ordering::Acquire) == 0
        }
    }
}

/// Tells the CPU (or loom's scheduler) that the caller is waiting for
/// another CPU to make progress: `pause` on x86, a yield under loom (which
/// otherwise treats a retry loop as an infinite model).
pub(crate) fn spin_hint() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    core::hint::spin_loop();
}

/// Pads a per-CPU structure to its own cache lines so that one CPU's hot
/// counters and queue indices do not bounce another CPU's line.
#[repr(align(128))]
pub(crate) struct CachePadded<T>(pub(crate) T);

impl<T> core::ops::Deref for CachePadded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
