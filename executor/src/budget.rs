//! Cooperative scheduling for long kernel loops: [`yield_now`] and
//! [`Budget`].
//!
//! Owns: how a task gives up its CPU voluntarily. Kernel futures are not
//! preempted, so a loop that may run long (copying a large file, walking a
//! big directory, tearing down an address space) must yield now and then.
//!
//! Rules:
//! - [`yield_now`] returns `Pending` once after waking its own task. The wake
//!   lands while the task is RUNNING, so the state machine turns it into
//!   NOTIFIED and the executor re-queues the task **once, at the tail** of
//!   its CPU's queue: every task queued before it runs first.
//! - [`Budget`] counts units of work; [`Budget::tick`] is ready at once until
//!   `quantum` units were spent, then yields and starts a new quantum. Size
//!   the quantum so one quantum is tens of microseconds of work.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Future returned by [`yield_now`].
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

/// Lets every task queued on this CPU run before the caller continues.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A work budget for a long loop. See the module documentation.
#[derive(Debug, Clone)]
pub struct Budget {
    quantum: u32,
    left: u32,
}

impl Budget {
    /// A budget that yields after every `quantum` units (at least 1).
    pub const fn new(quantum: u32) -> Self {
        let quantum = if quantum == 0 { 1 } else { quantum };
        Self {
            quantum,
            left: quantum,
        }
    }

    /// Units left before the next yield.
    pub fn remaining(&self) -> u32 {
        self.left
    }

    /// Spends one unit; yields if the quantum is used up.
    pub fn tick(&mut self) -> Tick<'_> {
        self.spend(1)
    }

    /// Spends `units`; yields if the quantum is used up.
    pub fn spend(&mut self, units: u32) -> Tick<'_> {
        let exhausted = units >= self.left;
        if exhausted {
            self.left = self.quantum;
        } else {
            self.left -= units;
        }
        Tick {
            _budget: self,
            yield_now: exhausted.then(yield_now),
        }
    }
}

/// Future returned by [`Budget::tick`] / [`Budget::spend`].
#[must_use = "futures do nothing unless awaited"]
pub struct Tick<'a> {
    _budget: &'a mut Budget,
    yield_now: Option<YieldNow>,
}

impl Future for Tick<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &mut self.yield_now {
            None => Poll::Ready(()),
            Some(y) => Pin::new(y).poll(cx),
        }
    }
}
