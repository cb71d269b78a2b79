//! Signal-interruptible waits: [`interruptible`].
//!
//! Owns: the one rule by which signals end blocking syscalls (`EINTR` /
//! restart decisions are the syscall layer's; this only reports
//! [`Interrupted`]).
//!
//! Rule: each poll **first polls the awaited future; only if it is not ready
//! is the signal source checked.** So a condition that completed at the same
//! time as a signal arrived wins (`Ok`), exactly as Linux returns the data
//! rather than `EINTR` when both are available. A signal that is already
//! pending when the wait starts interrupts it on the first poll (unless the
//! condition is already true).
//!
//! The signal side is level-triggered: [`SignalSource::signal_pending`] says
//! whether an unblocked signal is pending *now*, and the source's
//! [`WaitQueue`] is woken (normally with `wake_all`) whenever that may have
//! become true. The check uses the wait queue's register-then-re-check
//! protocol, so a signal raised between the check and the registration is
//! not lost. SIGKILL is simply a signal that is always unblocked; which waits
//! are killable-only is the kernel's policy, expressed by which source it
//! passes.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::sync::{AtomicBool, Ordering};
use crate::wait_queue::{poll_condition, WaitQueue, Waiter};

/// The wait was ended by a signal before its condition completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

impl core::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("interrupted by a signal")
    }
}

/// Something that can interrupt a wait (a thread's pending-signal state).
pub trait SignalSource {
    /// Whether a signal that should interrupt the wait is pending now.
    fn signal_pending(&self) -> bool;
    /// Woken whenever `signal_pending` may have become true.
    fn signal_queue(&self) -> &WaitQueue;
}

/// A ready-made [`SignalSource`]: a pending flag plus its wait queue.
pub struct SignalFlag {
    pending: AtomicBool,
    queue: WaitQueue,
}

impl Default for SignalFlag {
    fn default() -> Self {
        Self::new()
    }
}

impl SignalFlag {
    /// Not raised (usable in a `static`).
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Self {
            pending: AtomicBool::new(false),
            queue: WaitQueue::new(),
        }
    }

    /// Not raised.
    #[cfg(loom)]
    pub fn new() -> Self {
        Self {
            pending: AtomicBool::new(false),
            queue: WaitQueue::new(),
        }
    }

    /// Marks a signal pending and wakes every interruptible wait on it.
    pub fn raise(&self) {
        self.pending.store(true, Ordering::SeqCst);
        self.queue.wake_all();
    }

    /// Clears the pending flag (the signal was delivered).
    pub fn clear(&self) {
        self.pending.store(false, Ordering::SeqCst);
    }
}

impl SignalSource for SignalFlag {
    fn signal_pending(&self) -> bool {
        self.pending.load(Ordering::SeqCst)
    }

    fn signal_queue(&self) -> &WaitQueue {
        &self.queue
    }
}

pin_project_lite::pin_project! {
    /// Future returned by [`interruptible`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct Interruptible<'a, F, S: ?Sized> {
        #[pin]
        future: F,
        source: &'a S,
        waiter: Waiter<'a>,
    }
}

/// Runs `future` until it completes (`Ok`) or `source` reports a signal
/// (`Err(Interrupted)`); the future wins a tie. The future is dropped with the
/// returned `Interruptible`.
pub fn interruptible<'a, F, S>(future: F, source: &'a S) -> Interruptible<'a, F, S>
where
    F: Future,
    S: SignalSource + ?Sized,
{
    Interruptible {
        future,
        source,
        waiter: source.signal_queue().waiter(),
    }
}

impl<F: Future, S: SignalSource + ?Sized> Future for Interruptible<'_, F, S> {
    type Output = Result<F::Output, Interrupted>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            this.waiter.cancel();
            return Poll::Ready(Ok(output));
        }
        let source = *this.source;
        match poll_condition(
            this.waiter,
            &mut || source.signal_pending().then_some(()),
            cx,
        ) {
            Poll::Ready(()) => Poll::Ready(Err(Interrupted)),
            Poll::Pending => Poll::Pending,
        }
    }
}
