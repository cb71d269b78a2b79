//! WaitQueue: register-then-recheck, FIFO wakes, wake_n / wake_all
//! snapshots, cancellation passing wakes on, and use from tasks.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::Cell;
use core::pin::pin;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::task::{Context, Poll, Waker};

use super::{poll_once, setup, Log};
use crate::test_util::CountingWaker;
use crate::WaitQueue;

#[test]
fn ready_condition_completes_without_registering() {
    let q = WaitQueue::new();
    let (w, c) = CountingWaker::new();
    let mut f = pin!(q.wait_until(|| true));
    assert_eq!(poll_once(f.as_mut(), &w), Poll::Ready(()));
    assert_eq!(q.waiters(), 0);
    assert_eq!(c.count(), 0);
}

#[test]
fn register_then_recheck_catches_a_wake_that_came_too_early() {
    // The condition becomes true (and wake_one finds nobody) between the
    // first check and the registration; the re-check must see it.
    let q = WaitQueue::new();
    let flag = AtomicBool::new(false);
    let checks = Cell::new(0);
    let (w, _) = CountingWaker::new();
    let mut f = pin!(q.wait_until(|| {
        checks.set(checks.get() + 1);
        if checks.get() == 1 {
            // "Another CPU" sets the condition and wakes: nobody is
            // registered yet, so the wake goes nowhere.
            flag.store(true, Ordering::SeqCst);
            assert!(!q.wake_one());
            return false;
        }
        flag.load(Ordering::SeqCst)
    }));
    assert_eq!(poll_once(f.as_mut(), &w), Poll::Ready(()));
    assert_eq!(checks.get(), 2, "checked, registered, re-checked");
    assert_eq!(q.waiters(), 0, "deregistered on completion");
}

#[test]
fn wake_one_is_fifo_and_wakes_after_condition() {
    let q = WaitQueue::new();
    let ready = AtomicU64::new(0);
    let take = || {
        let n = ready.load(Ordering::SeqCst);
        (n > 0
            && ready
                .compare_exchange(n, n - 1, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok())
        .then_some(())
    };
    let (w1, c1) = CountingWaker::new();
    let (w2, c2) = CountingWaker::new();
    let mut f1 = pin!(q.wait_for(take));
    let mut f2 = pin!(q.wait_for(take));
    assert!(poll_once(f1.as_mut(), &w1).is_pending());
    assert!(poll_once(f2.as_mut(), &w2).is_pending());
    assert_eq!(q.waiters(), 2);
    ready.fetch_add(1, Ordering::SeqCst);
    assert!(q.wake_one());
    assert_eq!((c1.count(), c2.count()), (1, 0), "oldest first");
    assert_eq!(poll_once(f1.as_mut(), &w1), Poll::Ready(()));
    assert!(poll_once(f2.as_mut(), &w2).is_pending());
    ready.fetch_add(1, Ordering::SeqCst);
    assert!(q.wake_one());
    assert_eq!(c2.count(), 1);
    assert_eq!(poll_once(f2.as_mut(), &w2), Poll::Ready(()));
    assert!(!q.wake_one(), "nobody left");
}

#[test]
fn spurious_wake_reregisters_at_the_tail() {
    let q = WaitQueue::new();
    let (w1, c1) = CountingWaker::new();
    let (w2, c2) = CountingWaker::new();
    let mut f1 = pin!(q.wait_until(|| false));
    let mut f2 = pin!(q.wait_until(|| false));
    assert!(poll_once(f1.as_mut(), &w1).is_pending());
    assert!(poll_once(f2.as_mut(), &w2).is_pending());
    q.wake_one();
    // f1 was woken but its condition is false: it goes back, behind f2.
    assert!(poll_once(f1.as_mut(), &w1).is_pending());
    assert_eq!(q.waiters(), 2);
    q.wake_one();
    assert_eq!((c1.count(), c2.count()), (1, 1), "f2 is now first");
}

#[test]
fn wake_n_and_wake_all_count_and_snapshot() {
    let q = WaitQueue::new();
    let counters: Vec<_> = (0..40).map(|_| CountingWaker::new()).collect();
    let mut futures: Vec<_> = counters
        .iter()
        .map(|_| Box::pin(q.wait_until(|| false)))
        .collect();
    for (f, (w, _)) in futures.iter_mut().zip(&counters) {
        assert!(poll_once(f.as_mut(), w).is_pending());
    }
    assert_eq!(q.wake_n(3), 3);
    let woken: Vec<u64> = counters.iter().map(|(_, c)| c.count()).collect();
    assert_eq!(&woken[..4], &[1, 1, 1, 0]);
    // The three woken re-register (at the tail) when polled; wake_all then
    // wakes every one of the 40, in batches of 16, exactly once.
    for (f, (w, _)) in futures.iter_mut().zip(&counters).take(3) {
        assert!(poll_once(f.as_mut(), w).is_pending());
    }
    assert_eq!(q.wake_all(), 40);
    assert!(counters
        .iter()
        .enumerate()
        .all(|(i, (_, c))| c.count() == if i < 3 { 2 } else { 1 }));
    assert_eq!(q.wake_all(), 0);
}

#[test]
fn wake_all_skips_waiters_registered_during_it() {
    // Each waker re-registers a waiter from inside its wake (as a task on
    // another CPU might, instantly). wake_all works in batches of 16 and
    // unlocks between them; its snapshot keeps it from waking (and looping
    // on) the new registrations.
    let q: &'static WaitQueue = Box::leak(Box::new(WaitQueue::new()));
    struct Rejoin(&'static WaitQueue, Arc<AtomicU64>);
    impl alloc::task::Wake for Rejoin {
        fn wake(self: Arc<Self>) {
            self.1.fetch_add(1, Ordering::SeqCst);
            let mut waiter = self.0.waiter();
            let waker = Waker::from(Arc::new(Rejoin(self.0, self.1.clone())));
            let _ = waiter.poll_wait(&mut Context::from_waker(&waker));
            // Stay registered after this scope (the queue keeps the waker).
            core::mem::forget(waiter);
        }
    }
    let rejoins = Arc::new(AtomicU64::new(0));
    let waker = Waker::from(Arc::new(Rejoin(q, rejoins.clone())));
    let mut waiters: Vec<_> = (0..20).map(|_| q.waiter()).collect();
    for w in &mut waiters {
        assert!(w.poll_wait(&mut Context::from_waker(&waker)).is_pending());
    }
    assert_eq!(q.wake_all(), 20);
    assert_eq!(rejoins.load(Ordering::SeqCst), 20);
    assert_eq!(
        q.waiters(),
        20,
        "the re-registrations wait for the next wake"
    );
}

#[test]
fn dropping_a_waiting_future_deregisters() {
    let q = WaitQueue::new();
    let (w, c) = CountingWaker::new();
    {
        let mut f = pin!(q.wait_until(|| false));
        assert!(poll_once(f.as_mut(), &w).is_pending());
        assert_eq!(q.waiters(), 1);
    }
    assert_eq!(q.waiters(), 0);
    assert!(!q.wake_one());
    assert_eq!(c.count(), 0);
}

#[test]
fn a_wake_that_lands_on_a_cancelled_waiter_passes_to_the_next() {
    let q = WaitQueue::new();
    let (w1, c1) = CountingWaker::new();
    let (w2, c2) = CountingWaker::new();
    let mut f1 = Box::pin(q.wait_until(|| false));
    let mut f2 = pin!(q.wait_until(|| false));
    assert!(poll_once(f1.as_mut(), &w1).is_pending());
    assert!(poll_once(f2.as_mut(), &w2).is_pending());
    assert!(q.wake_one());
    assert_eq!((c1.count(), c2.count()), (1, 0));
    // f1 is cancelled (say, its syscall was interrupted) before it ran.
    drop(f1);
    assert_eq!(c2.count(), 1, "the wake moved on to f2");
    assert_eq!(q.waiters(), 0);
}

#[test]
fn a_wake_all_on_a_cancelled_waiter_is_not_passed_on() {
    let q = WaitQueue::new();
    let (w1, _c1) = CountingWaker::new();
    let (w2, c2) = CountingWaker::new();
    let mut f1 = Box::pin(q.wait_until(|| false));
    assert!(poll_once(f1.as_mut(), &w1).is_pending());
    q.wake_all();
    let mut f2 = pin!(q.wait_until(|| false));
    assert!(poll_once(f2.as_mut(), &w2).is_pending());
    drop(f1);
    assert_eq!(
        c2.count(),
        0,
        "a broadcast is not re-delivered to later waiters"
    );
}

#[test]
fn a_consumed_wake_is_not_passed_on() {
    let q = WaitQueue::new();
    let flag = AtomicBool::new(false);
    let (w1, _) = CountingWaker::new();
    let (w2, c2) = CountingWaker::new();
    let mut f1 = pin!(q.wait_until(|| flag.load(Ordering::SeqCst)));
    let mut f2 = pin!(q.wait_until(|| false));
    assert!(poll_once(f1.as_mut(), &w1).is_pending());
    assert!(poll_once(f2.as_mut(), &w2).is_pending());
    flag.store(true, Ordering::SeqCst);
    q.wake_one();
    assert_eq!(poll_once(f1.as_mut(), &w1), Poll::Ready(()));
    assert_eq!(c2.count(), 0);
}

#[test]
fn waker_is_updated_when_the_task_changes() {
    let q = WaitQueue::new();
    let (w1, c1) = CountingWaker::new();
    let (w2, c2) = CountingWaker::new();
    let mut f = pin!(q.wait_until(|| false));
    assert!(poll_once(f.as_mut(), &w1).is_pending());
    assert!(poll_once(f.as_mut(), &w2).is_pending());
    q.wake_one();
    assert_eq!((c1.count(), c2.count()), (0, 1));
}

#[test]
fn tasks_wait_and_are_woken_in_order() {
    let (_p, ex) = setup(1);
    static QUEUE: WaitQueue = WaitQueue::new();
    static TOKENS: AtomicU64 = AtomicU64::new(0);
    let log = Log::default();
    let handles: Vec<_> = (0..3)
        .map(|i| {
            let l = log.clone();
            ex.spawn(async move {
                QUEUE
                    .wait_for(|| {
                        let n = TOKENS.load(Ordering::SeqCst);
                        (n > 0
                            && TOKENS
                                .compare_exchange(n, n - 1, Ordering::SeqCst, Ordering::SeqCst)
                                .is_ok())
                        .then_some(())
                    })
                    .await;
                l.push(i);
            })
        })
        .collect();
    ex.run_until_idle(0);
    assert_eq!(QUEUE.waiters(), 3);
    TOKENS.fetch_add(2, Ordering::SeqCst);
    assert_eq!(QUEUE.wake_n(2), 2);
    ex.run_until_idle(0);
    assert_eq!(log.take(), ["0", "1"]);
    TOKENS.fetch_add(1, Ordering::SeqCst);
    QUEUE.wake_all();
    ex.run_until_idle(0);
    assert_eq!(log.take(), ["2"]);
    assert!(handles.iter().all(|h| h.is_finished()));
}

#[test]
fn aborting_a_woken_task_passes_the_wake_on() {
    let (_p, ex) = setup(1);
    static QUEUE: WaitQueue = WaitQueue::new();
    static READY: AtomicBool = AtomicBool::new(false);
    let first = ex.spawn(async { QUEUE.wait_until(|| READY.load(Ordering::SeqCst)).await });
    let second = ex.spawn(async { QUEUE.wait_until(|| READY.load(Ordering::SeqCst)).await });
    ex.run_until_idle(0);
    READY.store(true, Ordering::SeqCst);
    QUEUE.wake_one(); // picks `first`
    first.abort(); // cancelled before it ran: its future is dropped
    ex.run_until_idle(0);
    assert!(second.is_finished(), "the wake went to the second waiter");
    assert_eq!(
        crate::sim::block_on_thread(first),
        Err(crate::JoinError::Cancelled)
    );
}
