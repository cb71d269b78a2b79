//! interruptible(): signals end waits; the condition wins ties.

use core::pin::pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::Poll;

use super::{poll_once, setup};
use crate::test_util::CountingWaker;
use crate::{interruptible, Interrupted, SignalFlag, SignalSource, WaitQueue};

#[test]
fn a_signal_interrupts_a_wait() {
    let q = WaitQueue::new();
    let sig = SignalFlag::new();
    let (w, c) = CountingWaker::new();
    let mut f = pin!(interruptible(q.wait_until(|| false), &sig));
    assert!(poll_once(f.as_mut(), &w).is_pending());
    assert_eq!(sig.signal_queue().waiters(), 1);
    sig.raise();
    assert_eq!(c.count(), 1, "raising the signal wakes the waiter");
    assert_eq!(poll_once(f.as_mut(), &w), Poll::Ready(Err(Interrupted)));
    assert_eq!(sig.signal_queue().waiters(), 0);
    assert_eq!(
        q.waiters(),
        1,
        "the inner wait is dropped with the future, not before"
    );
}

#[test]
fn the_condition_wins_a_tie() {
    let q = WaitQueue::new();
    let sig = SignalFlag::new();
    let ready = AtomicBool::new(false);
    let (w, _) = CountingWaker::new();
    let mut f = pin!(interruptible(
        q.wait_until(|| ready.load(Ordering::SeqCst)),
        &sig
    ));
    assert!(poll_once(f.as_mut(), &w).is_pending());
    // Both happen before the task runs again.
    ready.store(true, Ordering::SeqCst);
    q.wake_one();
    sig.raise();
    assert_eq!(poll_once(f.as_mut(), &w), Poll::Ready(Ok(())));
    assert_eq!(
        sig.signal_queue().waiters(),
        0,
        "deregistered from the signal queue"
    );
}

#[test]
fn an_already_pending_signal_interrupts_at_once_unless_ready() {
    let q = WaitQueue::new();
    let sig = SignalFlag::new();
    sig.raise();
    let (w, _) = CountingWaker::new();
    let mut f = pin!(interruptible(q.wait_until(|| false), &sig));
    assert_eq!(poll_once(f.as_mut(), &w), Poll::Ready(Err(Interrupted)));
    let mut g = pin!(interruptible(q.wait_until(|| true), &sig));
    assert_eq!(poll_once(g.as_mut(), &w), Poll::Ready(Ok(())));
}

#[test]
fn a_signal_raised_between_check_and_registration_is_seen() {
    // A source whose first check raises the signal "concurrently".
    struct Racy {
        checks: core::cell::Cell<u32>,
        flag: SignalFlag,
    }
    impl SignalSource for Racy {
        fn signal_pending(&self) -> bool {
            let n = self.checks.get() + 1;
            self.checks.set(n);
            if n == 1 {
                self.flag.raise(); // nobody registered yet: the wake is lost
                return false;
            }
            self.flag.signal_pending()
        }
        fn signal_queue(&self) -> &WaitQueue {
            self.flag.signal_queue()
        }
    }
    let racy = Racy {
        checks: core::cell::Cell::new(0),
        flag: SignalFlag::new(),
    };
    let q = WaitQueue::new();
    let (w, _) = CountingWaker::new();
    let mut f = pin!(interruptible(q.wait_until(|| false), &racy));
    assert_eq!(
        poll_once(f.as_mut(), &w),
        Poll::Ready(Err(Interrupted)),
        "the re-check saw it"
    );
}

#[test]
fn interrupting_a_sleeping_task() {
    let (_p, ex) = setup(1);
    static SIG: spin::Once<SignalFlag> = spin::Once::new();
    let sig = SIG.call_once(SignalFlag::new);
    let ex2 = ex.clone();
    let handle = ex.spawn(async move { interruptible(ex2.sleep(1_000_000), sig).await });
    ex.run_until_idle(0);
    assert_eq!(ex.armed_timers(0), 1);
    sig.raise();
    ex.run_until_idle(0);
    assert_eq!(crate::sim::block_on_thread(handle), Ok(Err(Interrupted)));
    assert_eq!(
        ex.armed_timers(0),
        0,
        "the interrupted sleep disarmed its timer"
    );
}
