//! Reaping finished tasks (`reaper`, `registry`): held handles park their
//! task instead of being looked at every turn, a dropped handle hands the
//! task back at once, a turn's reaping is bounded and comes after timer
//! programming and stops at a due timer, lingering tasks are looked at again
//! on a timer, and an idle CPU reaps without any other event.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use std::time::Instant;

use super::{setup, DropFlag, Gate};
use crate::sim::{block_on_thread, spawn_cpu_threads, SimPlatform};
use crate::{Config, Executor};

const TIMEOUT: Duration = Duration::from_secs(10);

fn reap_checks(ex: &Executor, cpu: usize) -> u64 {
    ex.shared.cpus[cpu]
        .stats
        .reap_checks
        .load(Ordering::Relaxed)
}

fn reaped(ex: &Executor, cpu: usize) -> u64 {
    ex.shared.cpus[cpu].stats.reaped.load(Ordering::Relaxed)
}

#[test]
fn held_handles_park_their_tasks_instead_of_being_rechecked() {
    let (_p, ex) = setup(1);
    let handles: Vec<_> = (0..1000u32).map(|i| ex.spawn(async move { i })).collect();
    ex.run_until_idle(0);
    assert!(handles.iter().all(|h| h.is_finished()));
    assert_eq!(ex.live_tasks(), 1000, "the handles still refer to them");
    assert_eq!(
        reap_checks(&ex, 0),
        1000,
        "each finished task looked at once"
    );
    // Turns go on (a busy CPU, timers firing...): the parked tasks cost
    // nothing, however many there are.
    for _ in 0..100 {
        ex.shared.turn(0);
    }
    assert_eq!(reap_checks(&ex, 0), 1000, "parked tasks are on no list");
    // Awaiting and dropping each handle hands its task back: looked at once
    // more, and reaped.
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(block_on_thread(h), Ok(i as u32));
    }
    ex.run_until_idle(0);
    assert_eq!(ex.live_tasks(), 0);
    assert_eq!(reap_checks(&ex, 0), 2000);
    assert_eq!(reaped(&ex, 0), 1000);
}

#[test]
fn a_turn_reaps_a_bounded_batch() {
    let (_p, ex) = setup(1);
    let handles: Vec<_> = (0..100).map(|_| ex.spawn(async {})).collect();
    ex.run_until_idle(0);
    drop(handles);
    let batch = Config::new(1).reap_batch;
    let checks = reap_checks(&ex, 0);
    // Nothing to run: one turn examines exactly `reap_batch` tasks...
    assert_eq!(ex.shared.turn(0), 0);
    assert_eq!(reap_checks(&ex, 0) - checks, batch as u64);
    assert_eq!(ex.live_tasks(), 100 - batch);
    // ...and the rest is reap work, which keeps the loop turning.
    assert!(ex.shared.reap_work(0));
    ex.run_until_idle(0);
    assert_eq!(ex.live_tasks(), 0);
    assert!(!ex.shared.reap_work(0));
}

#[test]
fn a_turn_reaps_as_many_as_it_finished_plus_the_batch() {
    let (_p, ex) = setup(1);
    let config = Config::new(1);
    // `batch` detached tasks finish in one turn; a backlog waits too.
    let backlog: Vec<_> = (0..100).map(|_| ex.spawn(async {})).collect();
    ex.run_until_idle(0);
    drop(backlog);
    for _ in 0..config.batch {
        drop(ex.spawn(async {}));
    }
    let checks = reap_checks(&ex, 0);
    assert_eq!(ex.shared.turn(0), config.batch);
    assert_eq!(
        reap_checks(&ex, 0) - checks,
        (config.batch + config.reap_batch) as u64,
        "keeps pace with its own completions, and eats into the backlog"
    );
}

/// An output whose destructor takes 1 ms of (manual) time: the stand-in for
/// an expensive task drop.
struct AdvancesClock(Arc<SimPlatform>);

impl Drop for AdvancesClock {
    fn drop(&mut self) {
        self.0.advance(1_000_000);
    }
}

#[test]
fn reaping_comes_after_timer_programming_and_stops_at_a_due_timer() {
    let (p, ex) = setup(1);
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let p = p.clone();
            ex.spawn(async move { AdvancesClock(p) })
        })
        .collect();
    ex.run_until_idle(0);
    let deadline = ex.now_ns() + 1_500_000;
    let ex2 = ex.clone();
    let sleeper = ex.spawn(async move {
        ex2.sleep_until(deadline).await;
        ex2.now_ns()
    });
    ex.run_until_idle(0);
    assert_eq!(p.timer_deadline(0), Some(deadline));
    drop(handles);
    // One turn: the first drop (1 ms) leaves the deadline ahead, the second
    // passes it, so the turn stops there.
    let live = ex.live_tasks();
    ex.shared.turn(0);
    assert_eq!(live - ex.live_tasks(), 2, "stopped once the timer was due");
    assert_eq!(p.timer_deadline(0), Some(deadline), "still programmed");
    let due_since = ex.now_ns();
    // The next turn expires the timer and runs the sleeper before it reaps
    // anything (a drop would have moved the clock on).
    ex.shared.turn(0);
    assert_eq!(block_on_thread(sleeper), Ok(due_since));
    ex.run_until_idle(0);
    assert_eq!(ex.live_tasks(), 0);
}

#[test]
fn a_handle_dropped_before_completion_is_reaped_at_completion() {
    let (_p, ex) = setup(1);
    let gate = Gate::new();
    let g = gate.clone();
    let (flag, dropped) = DropFlag::new();
    drop(ex.spawn(async move {
        g.wait().await;
        flag
    }));
    ex.run_until_idle(0);
    assert_eq!(ex.live_tasks(), 1);
    gate.set_open();
    let waker = gate.waker().expect("registered");
    drop(gate);
    waker.wake();
    ex.run_until_idle(0);
    assert_eq!(
        ex.live_tasks(),
        0,
        "examined once, at completion, and reaped"
    );
    assert!(
        dropped.load(Ordering::SeqCst),
        "output dropped by the reaper"
    );
    assert_eq!(reap_checks(&ex, 0), 1);
}

fn start(cpus: usize, platform: &Arc<SimPlatform>) -> (Executor, Vec<std::thread::JoinHandle<()>>) {
    let ex = Executor::new(platform.clone(), Config::new(cpus)).unwrap();
    let weak = ex.downgrade();
    platform.set_timer_handler(move || {
        if let Some(ex) = weak.upgrade() {
            ex.on_timer_interrupt();
        }
    });
    let runner = ex.clone();
    let threads = spawn_cpu_threads(cpus, move |cpu| runner.run_until_stopped(cpu));
    (ex, threads)
}

fn stop(ex: Executor, threads: Vec<std::thread::JoinHandle<()>>) {
    ex.request_stop();
    for t in threads {
        t.join().unwrap();
    }
    ex.shutdown();
}

fn wait_for(mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + TIMEOUT;
    while !cond() {
        assert!(Instant::now() < end, "timed out");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn dropping_a_parked_handle_wakes_the_idle_cpu_to_reap() {
    let platform = SimPlatform::new(2);
    let (ex, threads) = start(2, &platform);
    let handle = ex.spawn_pinned(1, async { 5 }).unwrap();
    wait_for(|| handle.is_finished());
    assert!(platform.wait_until_halted(1, TIMEOUT));
    let ipis = platform.ipis(1);
    let polls = ex.stats().polls;
    assert_eq!(ex.live_tasks(), 1);
    // From an unbound thread (no CPU of its own): CPU 1, which finished the
    // task, is interrupted and reaps it; nothing else happens.
    drop(handle);
    wait_for(|| ex.live_tasks() == 0);
    assert_eq!(platform.ipis(1), ipis + 1, "one IPI");
    assert_eq!(ex.stats().polls, polls, "no task ran");
    assert_eq!(reaped(&ex, 1), 1);
    stop(ex, threads);
}

#[test]
fn a_lingering_task_is_reaped_on_a_timer_when_its_last_waker_goes() {
    let platform = SimPlatform::new(1);
    let (ex, threads) = start(1, &platform);
    let gate = Gate::new();
    let g = gate.clone();
    let released = Arc::new(AtomicBool::new(false));
    let r = released.clone();
    // The task keeps a waker in `gate` and completes by another path.
    let handle = ex.spawn(async move {
        let mut wait = core::pin::pin!(g.wait());
        core::future::poll_fn(|cx| {
            let _ = wait.as_mut().poll(cx);
            if r.load(Ordering::SeqCst) {
                core::task::Poll::Ready(())
            } else {
                core::task::Poll::Pending
            }
        })
        .await;
    });
    released.store(true, Ordering::SeqCst);
    gate.wake();
    assert_eq!(block_on_thread(handle), Ok(()));
    wait_for(|| platform.is_halted(0) && ex.shared.cpus[0].reap_inbox.is_empty());
    assert_eq!(ex.live_tasks(), 1, "the gate still holds a waker");
    // Dropping that waker leaves no trace; the reaper's timed pass finds it.
    let polls = ex.stats().polls;
    drop(gate);
    wait_for(|| ex.live_tasks() == 0);
    assert_eq!(ex.stats().polls, polls, "no task ran");
    // Nothing lingers any more: no timer stays programmed for it.
    wait_for(|| platform.is_halted(0));
    assert_eq!(platform.timer_deadline(0), None);
    stop(ex, threads);
}

#[test]
fn shutdown_takes_the_references_dropped_handles_left_behind() {
    let (_p, ex) = setup(1);
    let weak = ex.downgrade();
    drop(ex.spawn(core::future::pending::<()>()));
    let finished = ex.spawn(async {});
    ex.run_until_idle(0);
    ex.shutdown();
    drop(finished);
    drop(ex);
    assert!(weak.upgrade().is_none(), "every task was freed");
}
