//! Event: permits, hand-off, broadcast, cancellation.

use alloc::boxed::Box;
use core::pin::pin;
use core::task::Poll;

use super::{poll_once, setup, Log};
use crate::test_util::CountingWaker;
use crate::Event;

#[test]
fn notify_before_wait_is_remembered_once() {
    let e = Event::new();
    e.notify_one();
    e.notify_one();
    assert!(e.has_permit());
    let (w, _) = CountingWaker::new();
    let mut f = pin!(e.notified());
    assert_eq!(
        poll_once(f.as_mut(), &w),
        Poll::Ready(()),
        "the permit is taken"
    );
    let mut g = pin!(e.notified());
    assert!(
        poll_once(g.as_mut(), &w).is_pending(),
        "at most one permit is stored"
    );
    assert!(!e.has_permit());
}

#[test]
fn notify_one_hands_off_to_a_waiter_without_storing_a_permit() {
    let e = Event::new();
    let (w1, c1) = CountingWaker::new();
    let (w2, c2) = CountingWaker::new();
    let mut f1 = pin!(e.notified());
    let mut f2 = pin!(e.notified());
    assert!(poll_once(f1.as_mut(), &w1).is_pending());
    assert!(poll_once(f2.as_mut(), &w2).is_pending());
    e.notify_one();
    assert!(!e.has_permit());
    assert_eq!((c1.count(), c2.count()), (1, 0));
    assert_eq!(poll_once(f1.as_mut(), &w1), Poll::Ready(()));
    assert!(poll_once(f2.as_mut(), &w2).is_pending());
    e.notify_one();
    e.notify_one();
    assert_eq!(poll_once(f2.as_mut(), &w2), Poll::Ready(()));
    assert!(e.has_permit(), "the second notify found nobody waiting");
}

#[test]
fn two_notifies_release_two_waiters() {
    let e = Event::new();
    let (w, c) = CountingWaker::new();
    let mut f1 = pin!(e.notified());
    let mut f2 = pin!(e.notified());
    assert!(poll_once(f1.as_mut(), &w).is_pending());
    assert!(poll_once(f2.as_mut(), &w).is_pending());
    e.notify_one();
    e.notify_one();
    assert_eq!(c.count(), 2);
    assert_eq!(poll_once(f1.as_mut(), &w), Poll::Ready(()));
    assert_eq!(poll_once(f2.as_mut(), &w), Poll::Ready(()));
}

#[test]
fn notify_all_wakes_current_waiters_and_stores_nothing() {
    let e = Event::new();
    let (w, c) = CountingWaker::new();
    let mut futures: alloc::vec::Vec<_> = (0..20).map(|_| Box::pin(e.notified())).collect();
    for f in &mut futures {
        assert!(poll_once(f.as_mut(), &w).is_pending());
    }
    assert_eq!(e.notify_all(), 20);
    assert_eq!(c.count(), 20);
    assert!(!e.has_permit());
    for f in &mut futures {
        assert_eq!(poll_once(f.as_mut(), &w), Poll::Ready(()));
    }
    assert_eq!(e.notify_all(), 0);
    assert!(!e.has_permit());
}

#[test]
fn cancelled_notified_waiter_passes_to_next() {
    let e = Event::new();
    let (w1, _) = CountingWaker::new();
    let (w2, c2) = CountingWaker::new();
    let mut f1 = Box::pin(e.notified());
    let mut f2 = pin!(e.notified());
    assert!(poll_once(f1.as_mut(), &w1).is_pending());
    assert!(poll_once(f2.as_mut(), &w2).is_pending());
    e.notify_one();
    drop(f1);
    assert_eq!(c2.count(), 1);
    assert_eq!(poll_once(f2.as_mut(), &w2), Poll::Ready(()));
    assert!(!e.has_permit());
}

#[test]
fn cancelled_notified_last_waiter_restores_the_permit() {
    let e = Event::new();
    let (w, _) = CountingWaker::new();
    let mut f = Box::pin(e.notified());
    assert!(poll_once(f.as_mut(), &w).is_pending());
    e.notify_one();
    assert!(!e.has_permit());
    drop(f);
    assert!(e.has_permit(), "the notification is not lost");
    assert!(e.try_take());
    assert!(!e.try_take());
}

#[test]
fn cancelled_unnotified_waiter_leaves_no_trace() {
    let e = Event::new();
    let (w, _) = CountingWaker::new();
    let mut f = Box::pin(e.notified());
    assert!(poll_once(f.as_mut(), &w).is_pending());
    assert_eq!(e.waiters(), 1);
    drop(f);
    assert_eq!(e.waiters(), 0);
    assert!(!e.has_permit());
}

#[test]
fn tasks_ping_pong_through_events() {
    let (_p, ex) = setup(2);
    static PING: Event = Event::new();
    static PONG: Event = Event::new();
    let log = Log::default();
    let l = log.clone();
    let a = ex
        .spawn_on(0, async move {
            for i in 0..3 {
                l.push(alloc::format!("ping{i}"));
                PING.notify_one();
                PONG.notified().await;
            }
        })
        .unwrap();
    let l = log.clone();
    let b = ex
        .spawn_on(1, async move {
            for i in 0..3 {
                PING.notified().await;
                l.push(alloc::format!("pong{i}"));
                PONG.notify_one();
            }
        })
        .unwrap();
    ex.run_until_idle(0); // CPU 0 runs both (it steals b)
    assert!(a.is_finished() && b.is_finished());
    assert_eq!(
        log.take(),
        ["ping0", "pong0", "ping1", "pong1", "ping2", "pong2"]
    );
}
