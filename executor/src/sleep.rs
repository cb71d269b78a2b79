//! Sleeping on the executor's timers: [`Sleep`] and [`Timeout`].
//!
//! Owns: how a future arms, re-arms and cancels a timer on a CPU's
//! [`TimerQueue`](crate::timer).
//!
//! Rules:
//! - A `Sleep` arms its timer on the CPU that first polls it (the one its
//!   task runs on), so the owner's run loop programs the one-shot timer with
//!   no cross-CPU traffic. If its task later migrates, the timer stays where
//!   it is; that CPU fires it and the wake follows the task.
//! - **Never early.** A `Sleep` is ready only once `now_ns() >= deadline`,
//!   either seen by its own poll or by the timer's expiry (which checks the
//!   same condition against the same monotonic clock).
//! - **Cancel on drop.** Dropping an armed `Sleep` disarms its timer (the
//!   replaced waker is dropped outside the timer lock).
//! - If a timer is armed from a thread that is not the owner CPU (host tests
//!   poll from plain threads; an out-of-range CPU id counts as CPU 0) and it
//!   becomes that queue's earliest deadline, the owner is notified so that
//!   its idle re-check reprograms the timer.
//! - [`Timeout`] polls its future first, so a future that is ready at the
//!   same time as the deadline wins: `Ok(output)`.

use alloc::sync::Arc;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::scheduler::Shared;
use crate::sync::Ordering;
use crate::timer::{TimerKey, TimerStatus};

/// A future that completes at (never before) a deadline in nanoseconds of
/// the platform's monotonic clock.
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    shared: Arc<Shared>,
    deadline: u64,
    armed: Option<(usize, TimerKey)>,
}

impl Sleep {
    pub(crate) fn new(shared: Arc<Shared>, deadline: u64) -> Self {
        Self {
            shared,
            deadline,
            armed: None,
        }
    }

    /// The deadline, in nanoseconds.
    pub fn deadline(&self) -> u64 {
        self.deadline
    }

    /// Whether a timer is currently armed for this sleep.
    pub fn is_armed(&self) -> bool {
        self.armed.is_some()
    }

    fn disarm(&mut self) {
        if let Some((cpu, key)) = self.armed.take() {
            if let Some(c) = self.shared.cpu(cpu) {
                let waker = {
                    let mut timers = c.timers.lock();
                    let waker = timers.cancel(key);
                    if waker.is_some() {
                        c.next_deadline.store(
                            timers.next_deadline().unwrap_or(crate::cpu::NO_DEADLINE),
                            Ordering::SeqCst,
                        );
                    }
                    waker
                };
                drop(waker);
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.shared.platform.now_ns() >= this.deadline {
            this.disarm();
            return Poll::Ready(());
        }
        match this.armed {
            None => {
                let cpu = this.shared.current_cpu();
                let Some(c) = this.shared.cpu(cpu) else {
                    return Poll::Pending;
                };
                let waker = cx.waker().clone();
                let became_earliest = {
                    let mut timers = c.timers.lock();
                    let key = timers.insert(this.deadline, waker);
                    this.armed = Some((cpu, key));
                    let earliest = c.next_deadline.load(Ordering::SeqCst) > this.deadline;
                    if earliest {
                        c.next_deadline.store(this.deadline, Ordering::SeqCst);
                    }
                    earliest
                };
                if became_earliest && this.shared.platform.cpu_id() != cpu {
                    this.shared.notify_cpu(cpu);
                }
                Poll::Pending
            }
            Some((cpu, key)) => {
                let Some(c) = this.shared.cpu(cpu) else {
                    return Poll::Pending;
                };
                let (status, old) = c.timers.lock().poll(key, cx.waker());
                drop(old);
                match status {
                    TimerStatus::Armed => Poll::Pending,
                    TimerStatus::Fired => {
                        this.armed = None;
                        Poll::Ready(())
                    }
                }
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.disarm();
    }
}

/// The deadline passed before the future completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut;

impl core::fmt::Display for TimedOut {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("deadline passed")
    }
}

pin_project_lite::pin_project! {
    /// A future with a deadline: `Ok(output)` if it completes first (or at
    /// the same poll as the deadline), `Err(TimedOut)` otherwise. The inner
    /// future is dropped with the `Timeout`.
    #[must_use = "futures do nothing unless awaited"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        sleep: Sleep,
    }
}

impl<F> Timeout<F> {
    pub(crate) fn new(future: F, sleep: Sleep) -> Self {
        Self { future, sleep }
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, TimedOut>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            this.sleep.disarm();
            return Poll::Ready(Ok(output));
        }
        match Pin::new(this.sleep).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(TimedOut)),
            Poll::Pending => Poll::Pending,
        }
    }
}
