//! Sleep and Timeout on the executor's per-CPU timers (manual clock).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use super::{setup, Gate, Log};
use crate::sim::block_on_thread;
use crate::{TimedOut, WaitQueue};

#[test]
fn sleep_fires_at_the_deadline_never_before() {
    let (p, ex) = setup(1);
    let woke_at = Arc::new(AtomicU64::new(0));
    let (w, ex2) = (woke_at.clone(), ex.clone());
    let handle = ex.spawn(async move {
        ex2.sleep(1_000).await;
        w.store(ex2.now_ns(), Ordering::SeqCst);
    });
    ex.run_until_idle(0);
    assert_eq!(ex.armed_timers(0), 1);
    p.advance(999);
    ex.run_until_idle(0);
    assert!(!handle.is_finished(), "1 ns early: not fired");
    p.advance(1);
    ex.run_until_idle(0);
    assert!(handle.is_finished());
    assert_eq!(woke_at.load(Ordering::SeqCst), 1_000);
    assert_eq!(ex.armed_timers(0), 0);
    assert_eq!(ex.stats().timers_fired, 1);
}

#[test]
fn past_deadline_completes_without_arming() {
    let (p, ex) = setup(1);
    p.advance(5_000);
    let ex2 = ex.clone();
    let handle = ex.spawn(async move { ex2.sleep_until(4_000).await });
    ex.run_until_idle(0);
    assert!(handle.is_finished());
    assert_eq!(ex.stats().timers_fired, 0);
}

#[test]
fn timers_fire_in_deadline_order() {
    let (p, ex) = setup(1);
    let log = Log::default();
    for (name, at) in [("c", 300u64), ("a", 100), ("b", 200), ("a2", 100)] {
        let (l, ex2) = (log.clone(), ex.clone());
        drop(ex.spawn(async move {
            ex2.sleep_until(at).await;
            l.push(name);
        }));
    }
    ex.run_until_idle(0);
    p.advance(150);
    ex.run_until_idle(0);
    let mut first = log.take();
    first.sort();
    assert_eq!(first, ["a", "a2"]);
    p.advance(1_000);
    ex.run_until_idle(0);
    assert_eq!(log.take(), ["b", "c"]);
}

#[test]
fn dropping_a_sleep_cancels_its_timer() {
    let (p, ex) = setup(1);
    let ex2 = ex.clone();
    let handle = ex.spawn(async move { ex2.sleep(1_000).await });
    ex.run_until_idle(0);
    assert_eq!(ex.armed_timers(0), 1);
    handle.abort();
    ex.run_until_idle(0);
    assert_eq!(ex.armed_timers(0), 0, "cancelled on drop");
    p.advance(10_000);
    ex.run_until_idle(0);
    assert_eq!(ex.stats().timers_fired, 0);
}

#[test]
fn timeout_returns_the_output_when_the_future_wins() {
    let (p, ex) = setup(1);
    let gate = Gate::new();
    let (g, ex2) = (gate.clone(), ex.clone());
    let handle = ex.spawn(async move {
        ex2.timeout_after(1_000, async move {
            g.wait().await;
            7
        })
        .await
    });
    ex.run_until_idle(0);
    p.advance(500);
    gate.open();
    ex.run_until_idle(0);
    assert_eq!(block_on_thread(handle), Ok(Ok(7)));
    assert_eq!(ex.armed_timers(0), 0, "the timer was disarmed");
}

#[test]
fn timeout_expires() {
    let (p, ex) = setup(1);
    let ex2 = ex.clone();
    let handle = ex.spawn(async move {
        let q = WaitQueue::new();
        ex2.timeout_after(1_000, q.wait_until(|| false)).await
    });
    ex.run_until_idle(0);
    p.advance(1_000);
    ex.run_until_idle(0);
    assert_eq!(block_on_thread(handle), Ok(Err(TimedOut)));
}

#[test]
fn timeout_tie_goes_to_the_future() {
    // Both the condition and the deadline are satisfied when the task is
    // next polled: the future is polled first and wins.
    let (p, ex) = setup(1);
    let gate = Gate::new();
    let (g, ex2) = (gate.clone(), ex.clone());
    let handle = ex.spawn(async move { ex2.timeout_after(1_000, g.wait()).await });
    ex.run_until_idle(0);
    p.advance(1_000);
    gate.open();
    ex.run_until_idle(0);
    assert_eq!(block_on_thread(handle), Ok(Ok(())));
}

#[test]
fn next_deadline_is_programmed_into_the_one_shot_timer() {
    let (p, ex) = setup(1);
    let ex2 = ex.clone();
    let h1 = ex.spawn(async move { ex2.sleep_until(5_000).await });
    let ex2 = ex.clone();
    let h2 = ex.spawn(async move { ex2.sleep_until(3_000).await });
    ex.run_until_idle(0);
    assert_eq!(ex.next_deadline(0), Some(3_000));
    assert_eq!(p.timer_deadline(0), Some(3_000));
    h2.abort();
    ex.run_until_idle(0);
    assert_eq!(
        p.timer_deadline(0),
        Some(5_000),
        "reprogrammed after cancel"
    );
    p.advance(5_000);
    ex.run_until_idle(0);
    assert!(h1.is_finished());
    assert_eq!(
        p.timer_deadline(0),
        None,
        "disarmed when nothing is pending"
    );
}

#[test]
fn timer_interrupt_flag_forces_an_expiry_pass() {
    let (p, ex) = setup(1);
    let ex2 = ex.clone();
    let handle = ex.spawn(async move { ex2.sleep_until(100).await });
    ex.run_until_idle(0);
    p.advance(100);
    ex.on_timer_interrupt();
    assert_eq!(ex.stats().timer_interrupts, 1);
    assert!(
        ex.should_yield(),
        "a pending timer interrupt asks the running task to yield"
    );
    assert_eq!(ex.run_until_idle(0), 1);
    assert!(handle.is_finished());
}

#[test]
fn many_timers_on_one_cpu_expire_in_batches() {
    let (p, ex) = setup(1);
    let fired = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..100u64)
        .map(|i| {
            let (f, ex2) = (fired.clone(), ex.clone());
            ex.spawn(async move {
                ex2.sleep_until(1 + i % 10).await;
                f.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    ex.run_until_idle(0);
    p.advance(10);
    ex.run_until_idle(0);
    assert_eq!(fired.load(Ordering::SeqCst), 100);
    assert!(handles.iter().all(|h| h.is_finished()));
}
