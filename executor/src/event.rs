//! [`Event`]: a notification that remembers a wake that came before the
//! wait (a *permit*), like tokio's `Notify` or a binary semaphore.
//!
//! Owns: hand-off notifications between a notifier and waiters, for cases
//! with no separate condition to re-check (an IRQ saying "data arrived", a
//! child saying "I exited" to a single reaper, a shutdown signal).
//!
//! ```text
//!   notify_one():  a waiter is waiting?  yes -> hand it the notification
//!                                        no  -> permit := true (at most one
//!                                               permit is stored)
//!   notified():    first poll: permit set? yes -> take it, ready
//!                                          no  -> register, pending
//!                  later polls: handed a notification? -> ready
//!   drop while handed a notify_one notification -> pass it to the next
//!                  waiter, or store it back as the permit if none waits
//!   notify_all():  hand a notification to every current waiter; stores no
//!                  permit (like tokio's `notify_waiters`)
//! ```
//!
//! Rules: the permit and the waiter list live under one interrupt-safe lock,
//! so "is anybody waiting, else store a permit" is atomic and `notify_one`
//! wakes exactly one waiter or stores exactly one permit; wakers are called
//! after the lock is released. `notify_*` may be called from interrupt
//! handlers. A `Notified` future counts from its first poll: a `notify_all`
//! before that does not reach it (a `notify_one` does, through the permit).

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::irq::IrqSpinLock;
use crate::waiter_list::{Notify, Polled, WaiterKey, WaiterList};

struct Inner {
    list: WaiterList,
    permit: bool,
}

/// A notification with a stored permit. See the module documentation.
pub struct Event {
    inner: IrqSpinLock<Inner>,
}

impl Default for Event {
    fn default() -> Self {
        Self::new()
    }
}

impl Event {
    /// No waiters, no permit (usable in a `static`).
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Self {
            inner: IrqSpinLock::new(Inner {
                list: WaiterList::new(),
                permit: false,
            }),
        }
    }

    /// No waiters, no permit.
    #[cfg(loom)]
    pub fn new() -> Self {
        Self {
            inner: IrqSpinLock::new(Inner {
                list: WaiterList::new(),
                permit: false,
            }),
        }
    }

    /// Wakes the longest-waiting waiter, or stores the permit if none waits.
    pub fn notify_one(&self) {
        let waker = {
            let mut inner = self.inner.lock();
            let waker = inner.list.notify_first(Notify::One, u64::MAX);
            if waker.is_none() {
                inner.permit = true;
            }
            waker
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes every current waiter; stores no permit. Returns how many.
    pub fn notify_all(&self) -> usize {
        let mut woken = 0;
        let mut limit = None;
        loop {
            let mut batch: [Option<Waker>; 16] = [const { None }; 16];
            let mut taken = 0;
            {
                let mut inner = self.inner.lock();
                let limit = *limit.get_or_insert(inner.list.next_seq());
                while taken < batch.len() {
                    match inner.list.notify_first(Notify::All, limit) {
                        Some(waker) => {
                            batch[taken] = Some(waker);
                            taken += 1;
                        }
                        None => break,
                    }
                }
            }
            for waker in batch.iter_mut().take(taken).filter_map(Option::take) {
                waker.wake();
            }
            woken += taken;
            if taken < batch.len() {
                return woken;
            }
        }
    }

    /// Takes the permit without waiting. Returns whether there was one.
    pub fn try_take(&self) -> bool {
        core::mem::replace(&mut self.inner.lock().permit, false)
    }

    /// Whether a permit is stored.
    pub fn has_permit(&self) -> bool {
        self.inner.lock().permit
    }

    /// Number of registered waiters not yet notified.
    pub fn waiters(&self) -> usize {
        self.inner.lock().list.waiting()
    }

    /// Waits for a notification (or takes the stored permit).
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            event: self,
            key: None,
            done: false,
        }
    }
}

/// Future returned by [`Event::notified`].
#[must_use = "futures do nothing unless awaited"]
pub struct Notified<'a> {
    event: &'a Event,
    key: Option<WaiterKey>,
    done: bool,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(());
        }
        match this.key {
            None => {
                let waker = cx.waker().clone();
                let mut inner = this.event.inner.lock();
                if core::mem::replace(&mut inner.permit, false) {
                    drop(inner);
                    drop(waker);
                    this.done = true;
                    return Poll::Ready(());
                }
                this.key = Some(inner.list.register(waker));
                Poll::Pending
            }
            Some(key) => {
                let polled = this.event.inner.lock().list.poll(key, cx.waker());
                match polled {
                    Polled::Waiting(old) => {
                        drop(old);
                        Poll::Pending
                    }
                    Polled::Notified => {
                        this.key = None;
                        this.done = true;
                        Poll::Ready(())
                    }
                }
            }
        }
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let (waker, old) = {
            let mut inner = self.event.inner.lock();
            let (held, old) = inner.list.cancel(key);
            let waker = if held == Some(Notify::One) {
                let next = inner.list.notify_first(Notify::One, u64::MAX);
                if next.is_none() {
                    inner.permit = true;
                }
                next
            } else {
                None
            };
            (waker, old)
        };
        drop(old);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}
