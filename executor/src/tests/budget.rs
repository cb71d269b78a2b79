//! Budget and yield_now.

use core::pin::pin;
use core::task::Poll;

use super::{poll_once, setup, Log};
use crate::test_util::CountingWaker;
use crate::{yield_now, Budget};

#[test]
fn yield_now_wakes_itself_once_then_completes() {
    let (w, c) = CountingWaker::new();
    let mut f = pin!(yield_now());
    assert!(poll_once(f.as_mut(), &w).is_pending());
    assert_eq!(c.count(), 1);
    assert_eq!(poll_once(f.as_mut(), &w), Poll::Ready(()));
}

#[test]
fn budget_yields_every_quantum() {
    let (w, c) = CountingWaker::new();
    let mut budget = Budget::new(3);
    let mut yields = 0;
    for _ in 0..10 {
        let mut t = pin!(budget.tick());
        if poll_once(t.as_mut(), &w).is_pending() {
            yields += 1;
            assert_eq!(poll_once(t.as_mut(), &w), Poll::Ready(()));
        }
    }
    assert_eq!(yields, 3, "after units 3, 6 and 9");
    assert_eq!(c.count(), 3);
    assert_eq!(budget.remaining(), 2);
    let mut big = pin!(budget.spend(100));
    assert!(
        poll_once(big.as_mut(), &w).is_pending(),
        "spending past the quantum yields"
    );
}

#[test]
fn zero_quantum_means_one() {
    let mut budget = Budget::new(0);
    let (w, _) = CountingWaker::new();
    let mut t = pin!(budget.tick());
    assert!(poll_once(t.as_mut(), &w).is_pending());
}

#[test]
fn a_budgeted_loop_lets_others_run() {
    let (_p, ex) = setup(1);
    let log = Log::default();
    let l = log.clone();
    drop(ex.spawn(async move {
        let mut budget = Budget::new(2);
        for i in 0..5 {
            l.push(alloc::format!("work{i}"));
            budget.tick().await;
        }
    }));
    let l = log.clone();
    drop(ex.spawn(async move { l.push("other") }));
    ex.run_until_idle(0);
    assert_eq!(
        log.take(),
        ["work0", "work1", "other", "work2", "work3", "work4"]
    );
}
