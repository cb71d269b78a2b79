//! The kernel's one wait primitive: [`WaitQueue`].
//!
//! Owns: waiting for a condition that other code makes true and then
//! announces with `wake_one` / `wake_n` / `wake_all`. Futexes, pipes, sockets,
//! ttys, eventfd, signalfd, timerfd, inotify, child exit and epoll all wait
//! through it.
//!
//! How to wait: [`WaitQueue::wait_until`] (a `bool` condition) or
//! [`WaitQueue::wait_for`] (a condition that yields a value). Each poll runs:
//!
//! ```text
//!   +--> check cond --true--> done (a wake this waiter held is consumed,
//!   |        |                      not passed on)
//!   |      false
//!   |        v
//!   |   registered? --no--> register at the tail, then check cond AGAIN:
//!   |        |yes           either this re-check sees a condition that came
//!   |        v              true before the registration, or the waker that
//!   |    notified? --no-->  made it true finds the entry (it must make the
//!   |        |yes   Pending condition true *before* waking)
//!   +--------+  (the slot is freed; loop: re-check, re-register if false)
//! ```
//!
//! Rules:
//! - **Register, then re-check** (above). Wakers must make the condition true
//!   *before* calling `wake_*`.
//! - **Deregister on drop.** Dropping a waiting future removes its entry in
//!   O(1). If a `wake_one`/`wake_n` had already picked it, the wake is passed
//!   to the next waiter, so a cancelled waiter (a syscall interrupted by a
//!   signal, a lost `select` branch) never swallows a wake.
//! - **Wake outside the lock.** `wake_*` unlink waiters and take their wakers
//!   under the lock (at most 16 at a time), release it, then wake them.
//! - **Interrupt-safe.** The lock is an [`IrqSpinLock`](crate::irq): `wake_*`
//!   may be called from an interrupt handler. Registration may allocate and
//!   is task-context only.
//! - Waiters are woken in FIFO order. A waiter whose condition is false after
//!   a wake re-registers at the tail (Linux's exclusive waits do the same).
//! - Loom models: `wait_queue_register_recheck` and
//!   `wait_queue_cancel_passes_wake_on` in `tests/loom.rs`.
//! - Mirrors Linux's `wait_event` / `wake_up` family; unlike Linux there is no
//!   exclusive/non-exclusive flag per waiter: the waker chooses (`wake_one` vs
//!   `wake_all`).

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::irq::IrqSpinLock;
use crate::waiter_list::{Notify, Polled, WaiterKey, WaiterList};
use crate::watch::{WatchId, Watchers};

/// Wakers called per lock hold by `wake_all` / `wake_n`.
const WAKE_BATCH: usize = 16;

/// A queue of tasks waiting for a condition. See the module documentation.
pub struct WaitQueue {
    list: IrqSpinLock<WaiterList>,
    watchers: Watchers,
}

impl Default for WaitQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitQueue {
    /// An empty queue (usable in a `static`).
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Self {
            list: IrqSpinLock::new(WaiterList::new()),
            watchers: Watchers::new(),
        }
    }

    /// An empty queue.
    #[cfg(loom)]
    pub fn new() -> Self {
        Self {
            list: IrqSpinLock::new(WaiterList::new()),
            watchers: Watchers::new(),
        }
    }

    /// Waits until `cond()` returns true.
    pub fn wait_until<F: FnMut() -> bool>(
        &self,
        mut cond: F,
    ) -> WaitFor<'_, impl FnMut() -> Option<()>> {
        self.wait_for(move || cond().then_some(()))
    }

    /// Waits until `cond()` returns `Some(value)`, and yields the value.
    pub fn wait_for<T, F: FnMut() -> Option<T>>(&self, cond: F) -> WaitFor<'_, F> {
        WaitFor {
            waiter: self.waiter(),
            cond,
        }
    }

    /// A raw registration on this queue, for callers that must wait on
    /// several queues at once (poll/epoll) and do their own re-check.
    pub fn waiter(&self) -> Waiter<'_> {
        Waiter {
            queue: self,
            key: None,
        }
    }

    /// Wakes the longest-waiting waiter. Returns whether there was one.
    pub fn wake_one(&self) -> bool {
        self.wake_n(1) == 1
    }

    /// Wakes up to `n` waiters, oldest first. Returns how many.
    pub fn wake_n(&self, n: usize) -> usize {
        self.wake(n, Notify::One)
    }

    /// Wakes every waiter registered before this call. Returns how many.
    pub fn wake_all(&self) -> usize {
        self.wake(usize::MAX, Notify::All)
    }

    /// Registers `waker` to be woken by every later wake of this queue
    /// until [`unwatch`](Self::unwatch) (see [`crate::watch`]). An
    /// `exclusive` watcher shares each wake with the other exclusive ones:
    /// one of them is called per wake. The caller re-checks its condition
    /// after watching.
    pub fn watch(&self, waker: Waker, exclusive: bool) -> WatchId {
        self.watchers.add(waker, exclusive)
    }

    /// Removes a watcher. Returns whether it was registered.
    pub fn unwatch(&self, id: WatchId) -> bool {
        self.watchers.remove(id)
    }

    /// Number of persistent watchers.
    pub fn watchers(&self) -> usize {
        self.watchers.len()
    }

    /// Number of registered waiters not yet woken.
    pub fn waiters(&self) -> usize {
        self.list.lock().waiting()
    }

    fn wake(&self, max: usize, kind: Notify) -> usize {
        let mut woken = 0;
        let mut limit = None;
        while woken < max {
            let mut batch: [Option<Waker>; WAKE_BATCH] = [const { None }; WAKE_BATCH];
            let mut taken = 0;
            {
                let mut list = self.list.lock();
                let limit = *limit.get_or_insert(list.next_seq());
                while taken < WAKE_BATCH && woken + taken < max {
                    match list.notify_first(kind, limit) {
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
            if taken < WAKE_BATCH {
                break;
            }
        }
        self.watchers.wake();
        woken
    }

    /// A notified-then-cancelled waiter's `One` wake goes to the next waiter.
    fn pass_on(&self, held: Option<Notify>) {
        if held == Some(Notify::One) {
            let waker = self.list.lock().notify_first(Notify::One, u64::MAX);
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

/// One registration on a [`WaitQueue`]: the building block of
/// [`WaitFor`], public for multi-queue waits.
///
/// [`poll_wait`](Waiter::poll_wait) registers on its first call and is ready
/// once a wake picked this waiter (which then is no longer registered; the
/// next `poll_wait` registers again). The caller re-checks its condition after
/// every registration. Dropping it deregisters, passing on a `wake_one` that
/// had landed.
pub struct Waiter<'a> {
    queue: &'a WaitQueue,
    key: Option<WaiterKey>,
}

impl Waiter<'_> {
    /// Registers (first call) or reports a wake.
    pub fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self.key {
            None => {
                let waker = cx.waker().clone();
                self.key = Some(self.queue.list.lock().register(waker));
                Poll::Pending
            }
            Some(key) => {
                let polled = self.queue.list.lock().poll(key, cx.waker());
                match polled {
                    Polled::Waiting(old) => {
                        drop(old);
                        Poll::Pending
                    }
                    Polled::Notified => {
                        self.key = None;
                        Poll::Ready(())
                    }
                }
            }
        }
    }

    /// Whether this waiter is on the queue (registered and not yet seen
    /// notified).
    pub fn is_registered(&self) -> bool {
        self.key.is_some()
    }

    /// Deregisters. A `wake_one` that had already picked this waiter is
    /// passed to the next one.
    pub fn cancel(&mut self) {
        if let Some(key) = self.key.take() {
            let (held, old) = self.queue.list.lock().cancel(key);
            drop(old);
            self.queue.pass_on(held);
        }
    }

    /// Deregisters after the caller's condition came true: a wake that had
    /// picked this waiter is consumed, not passed on.
    pub fn finish(&mut self) {
        if let Some(key) = self.key.take() {
            let (_held, old) = self.queue.list.lock().cancel(key);
            drop(old);
        }
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        self.cancel();
    }
}

pin_project_lite::pin_project! {
    /// Future returned by [`WaitQueue::wait_for`] / [`WaitQueue::wait_until`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct WaitFor<'a, F> {
        waiter: Waiter<'a>,
        cond: F,
    }
}

impl<T, F: FnMut() -> Option<T>> Future for WaitFor<'_, F> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.project();
        poll_condition(this.waiter, this.cond, cx)
    }
}

/// The loop in the module diagram, shared with `interruptible`.
pub(crate) fn poll_condition<T>(
    waiter: &mut Waiter<'_>,
    cond: &mut dyn FnMut() -> Option<T>,
    cx: &mut Context<'_>,
) -> Poll<T> {
    loop {
        if let Some(value) = cond() {
            waiter.finish();
            return Poll::Ready(value);
        }
        let was_registered = waiter.is_registered();
        match waiter.poll_wait(cx) {
            // Notified: check again (and re-register if still false).
            Poll::Ready(()) => continue,
            // Just registered: the re-check.
            Poll::Pending if !was_registered => continue,
            Poll::Pending => return Poll::Pending,
        }
    }
}
