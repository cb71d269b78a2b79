//! Tasks: spawning, the state transitions as seen through the executor,
//! join/abort, reaping, placement, stealing, overflow, shutdown.

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::future::poll_fn;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::Poll;

use super::{setup, setup_with, DropFlag, Gate, Log};
use crate::sim::block_on_thread;
use crate::{yield_now, BlockOnError, Config, ConfigError, JoinError, SpawnError};

#[test]
fn spawn_run_join_returns_output() {
    let (_p, ex) = setup(1);
    let handle = ex.spawn(async { 40 + 2 });
    assert!(!handle.is_finished());
    assert_eq!(ex.run_until_idle(0), 1);
    assert!(handle.is_finished());
    assert_eq!(block_on_thread(handle), Ok(42));
    assert_eq!(ex.block_on(0, async { "done" }), Ok("done"));
}

#[test]
fn join_handle_awaited_by_another_task() {
    let (_p, ex) = setup(1);
    let gate = Gate::new();
    let g = gate.clone();
    let inner = ex.spawn(async move {
        g.wait().await;
        7
    });
    let outer = ex.spawn(async move { inner.await.map(|v| v * 6) });
    ex.run_until_idle(0);
    assert!(!outer.is_finished());
    gate.open();
    ex.run_until_idle(0);
    assert_eq!(block_on_thread(outer), Ok(Ok(42)));
}

#[test]
fn wake_while_polling_requeues_exactly_once() {
    let (_p, ex) = setup(1);
    let polls = Arc::new(AtomicU64::new(0));
    let p = polls.clone();
    let handle = ex.spawn(poll_fn(move |cx| {
        let n = p.fetch_add(1, Ordering::SeqCst) + 1;
        if n == 1 {
            // Three wakes during the poll: RUNNING -> NOTIFIED, then absorbed.
            cx.waker().wake_by_ref();
            cx.waker().wake_by_ref();
            let owned = cx.waker().clone();
            owned.wake(); // the consuming form

            Poll::Pending
        } else {
            Poll::Ready(n)
        }
    }));
    assert_eq!(
        ex.run_until_idle(0),
        2,
        "one poll, then exactly one re-queued poll"
    );
    assert_eq!(block_on_thread(handle), Ok(2));
    assert_eq!(ex.stats().invariant_violations, 0);
}

#[test]
fn many_wakes_while_idle_cause_one_poll() {
    let (_p, ex) = setup(1);
    let gate = Gate::new();
    let g = gate.clone();
    let _h = ex.spawn(async move { g.wait().await });
    ex.run_until_idle(0);
    assert_eq!(gate.polls(), 1);
    for _ in 0..5 {
        gate.wake();
    }
    assert_eq!(
        ex.run_until_idle(0),
        1,
        "IDLE -> SCHEDULED once; later wakes absorbed"
    );
    assert_eq!(gate.polls(), 2);
}

#[test]
fn wake_after_done_does_nothing() {
    let (_p, ex) = setup(1);
    let gate = Gate::new();
    let g = gate.clone();
    let handle = ex.spawn(async move { g.wait().await });
    ex.run_until_idle(0);
    gate.open();
    ex.run_until_idle(0);
    assert!(handle.is_finished());
    let waker = gate.waker().expect("waker stored");
    let polls_before = ex.stats().polls;
    waker.wake_by_ref();
    waker.wake();
    assert_eq!(ex.run_until_idle(0), 0);
    assert_eq!(ex.stats().polls, polls_before);
    assert_eq!(ex.stats().invariant_violations, 0);
}

#[test]
fn abort_before_first_poll_drops_future_unpolled() {
    let (_p, ex) = setup(1);
    let (flag, dropped) = DropFlag::new();
    let polled = Arc::new(AtomicU64::new(0));
    let p = polled.clone();
    let handle = ex.spawn(async move {
        let _flag = flag;
        p.fetch_add(1, Ordering::SeqCst);
    });
    handle.abort();
    ex.run_until_idle(0);
    assert_eq!(polled.load(Ordering::SeqCst), 0);
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(block_on_thread(handle), Err(JoinError::Cancelled));
}

#[test]
fn abort_of_idle_task_drops_future_on_next_run() {
    let (_p, ex) = setup(1);
    let gate = Gate::new();
    let (flag, dropped) = DropFlag::new();
    let g = gate.clone();
    let handle = ex.spawn(async move {
        let _flag = flag;
        g.wait().await;
    });
    ex.run_until_idle(0);
    assert!(!dropped.load(Ordering::SeqCst));
    handle.abort();
    assert!(
        !dropped.load(Ordering::SeqCst),
        "abort never drops the future itself"
    );
    ex.run_until_idle(0);
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(gate.polls(), 1, "not polled again, dropped instead");
    assert_eq!(block_on_thread(handle), Err(JoinError::Cancelled));
}

#[test]
fn abort_while_running_takes_effect_after_the_poll() {
    let (_p, ex) = setup(1);
    let log = Log::default();
    let (flag, dropped) = DropFlag::new();
    let slot: Arc<std::sync::Mutex<Option<crate::JoinHandle<()>>>> = Arc::default();
    let (s, l) = (slot.clone(), log.clone());
    let handle = ex.spawn(async move {
        let _flag = flag;
        l.push("polled");
        // Abort ourselves through our own handle while RUNNING: the state
        // becomes NOTIFIED + CANCEL, the poll finishes normally.
        let own = s.lock().unwrap().take();
        if let Some(own) = own {
            own.abort();
            l.push("aborted self");
        }
        yield_now().await;
        l.push("never");
    });
    *slot.lock().unwrap() = Some(handle);
    assert_eq!(ex.run_until_idle(0), 2, "the poll, then the cancelling run");
    assert_eq!(log.take(), ["polled", "aborted self"]);
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(ex.live_tasks(), 0);
    assert_eq!(ex.stats().invariant_violations, 0);
}

#[test]
fn abort_after_completion_keeps_output() {
    let (_p, ex) = setup(1);
    let handle = ex.spawn(async { 5 });
    ex.run_until_idle(0);
    handle.abort();
    ex.run_until_idle(0);
    assert_eq!(block_on_thread(handle), Ok(5));
}

#[test]
fn future_is_dropped_at_completion_and_task_reaped_after_handle() {
    let (_p, ex) = setup(1);
    let (flag, dropped) = DropFlag::new();
    let handle = ex.spawn(async move {
        let _flag = flag;
        1
    });
    assert_eq!(ex.live_tasks(), 1);
    ex.run_until_idle(0);
    assert!(
        dropped.load(Ordering::SeqCst),
        "future dropped when it completed"
    );
    assert_eq!(
        ex.live_tasks(),
        1,
        "the JoinHandle still refers to the task"
    );
    assert_eq!(block_on_thread(handle), Ok(1));
    ex.run_until_idle(0);
    assert_eq!(ex.live_tasks(), 0, "reaped once nobody else refers to it");
}

#[test]
fn detached_task_runs_and_is_reaped() {
    let (_p, ex) = setup(1);
    let ran = Arc::new(AtomicU64::new(0));
    let r = ran.clone();
    drop(ex.spawn(async move {
        r.fetch_add(1, Ordering::SeqCst);
    }));
    ex.run_until_idle(0);
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    assert_eq!(ex.live_tasks(), 0);
}

#[test]
fn lingering_waker_delays_reaping_not_future_drop() {
    let (_p, ex) = setup(1);
    let gate = Gate::new();
    let (flag, dropped) = DropFlag::new();
    let g = gate.clone();
    drop(ex.spawn(async move {
        let _flag = flag;
        g.wait().await;
    }));
    ex.run_until_idle(0);
    gate.open();
    ex.run_until_idle(0);
    assert!(dropped.load(Ordering::SeqCst));
    // The gate still holds a waker (an extra reference).
    assert_eq!(ex.live_tasks(), 1);
    drop(gate);
    ex.run_until_idle(0);
    assert_eq!(ex.live_tasks(), 0);
}

#[test]
fn dropping_the_last_outside_reference_never_frees_the_task() {
    // What an interrupt handler does: wake a task through a waker it kept,
    // then drop that waker — possibly the last reference outside the
    // executor. The task (and its output's destructor) must survive until
    // the run loop reaps it.
    let (_p, ex) = setup(1);
    let gate = Gate::new();
    let (output, output_dropped) = DropFlag::new();
    let g = gate.clone();
    drop(ex.spawn(async move {
        g.wait().await;
        output
    }));
    ex.run_until_idle(0);
    let irq_waker = gate.waker().expect("registered");
    gate.set_open();
    drop(gate); // the task's own clone of the gate goes when it completes
    irq_waker.wake_by_ref();
    ex.run_until_idle(0);
    assert_eq!(ex.stats().completed, 1);
    assert!(
        !output_dropped.load(Ordering::SeqCst),
        "the output lives in the finished task"
    );
    assert_eq!(ex.live_tasks(), 1);
    // "Interrupt context": the last reference outside the executor goes.
    drop(irq_waker);
    assert!(
        !output_dropped.load(Ordering::SeqCst),
        "nothing was freed by that drop"
    );
    assert_eq!(ex.live_tasks(), 1);
    // The run loop reaps it (task context).
    ex.run_until_idle(0);
    assert!(output_dropped.load(Ordering::SeqCst));
    assert_eq!(ex.live_tasks(), 0);
}

#[test]
fn wake_targets_the_cpu_the_task_last_ran_on() {
    let (_p, ex) = setup(2);
    let gate = Gate::new();
    let g = gate.clone();
    let _h = ex.spawn_on(1, async move { g.wait().await }).unwrap();
    assert_eq!(ex.shared.cpus[1].queue.len(), 1, "spawned onto CPU 1");
    // CPU 1 runs it (the test thread plays CPU 1 for this turn).
    crate::sim::SimPlatform::bind_thread(1);
    ex.run_until_idle(1);
    crate::sim::SimPlatform::bind_thread(0);
    gate.wake();
    assert_eq!(ex.shared.cpus[1].queue.len(), 1, "woken onto CPU 1");
    assert_eq!(ex.shared.cpus[0].queue.len(), 0);
    // CPU 0 steals it; afterwards wakes follow it to CPU 0.
    ex.run_until_idle(0);
    assert_eq!(ex.stats().steals, 1);
    gate.wake();
    assert_eq!(
        ex.shared.cpus[0].queue.len(),
        1,
        "woken onto CPU 0, where it last ran"
    );
}

#[test]
fn idle_cpu_steals_half_and_runs_everything() {
    let (_p, ex) = setup(2);
    let ran = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..10)
        .map(|_| {
            let r = ran.clone();
            ex.spawn_on(1, async move {
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap()
        })
        .collect();
    // One turn of CPU 0: steals ceil(10/2) = 5, runs the first.
    assert_eq!(ex.shared.turn(0), 1);
    assert_eq!(ex.shared.cpus[0].queue.len(), 4);
    assert_eq!(ex.shared.cpus[1].queue.len(), 5);
    ex.run_until_idle(0);
    assert_eq!(ran.load(Ordering::SeqCst), 10);
    assert!(handles.iter().all(|h| h.is_finished()));
    assert_eq!(ex.stats().steals, 10);
}

#[test]
fn pinned_task_is_never_stolen() {
    let (_p, ex) = setup(2);
    let handle = ex.spawn_pinned(1, async { 1 }).unwrap();
    assert_eq!(ex.run_until_idle(0), 0);
    assert!(!handle.is_finished());
    assert_eq!(ex.shared.cpus[1].queue.len(), 1, "handed back to its CPU");
    crate::sim::SimPlatform::bind_thread(1);
    assert_eq!(ex.run_until_idle(1), 1);
    crate::sim::SimPlatform::bind_thread(0);
    assert!(handle.is_finished());
}

#[test]
fn full_queue_overflows_and_keeps_fifo_order() {
    let mut config = Config::new(1);
    config.queue_capacity = 2;
    config.batch = 3;
    let (_p, ex) = setup_with(config);
    let log = Log::default();
    for i in 0..10 {
        let l = log.clone();
        drop(ex.spawn(async move { l.push(i) }));
    }
    assert_eq!(ex.stats().overflow_pushes, 8);
    ex.run_until_idle(0);
    let expected: Vec<_> = (0..10).map(|i| alloc::format!("{i}")).collect();
    assert_eq!(log.take(), expected);
}

#[test]
fn yield_now_goes_to_the_tail() {
    let (_p, ex) = setup(1);
    let log = Log::default();
    let (a, b, c) = (log.clone(), log.clone(), log.clone());
    drop(ex.spawn(async move {
        a.push("A1");
        yield_now().await;
        a.push("A2");
    }));
    drop(ex.spawn(async move { b.push("B") }));
    drop(ex.spawn(async move { c.push("C") }));
    ex.run_until_idle(0);
    assert_eq!(log.take(), ["A1", "B", "C", "A2"]);
}

#[test]
fn a_task_that_keeps_yielding_cannot_starve_others() {
    let mut config = Config::new(1);
    config.batch = 4;
    let (_p, ex) = setup_with(config);
    let stop = Arc::new(core::sync::atomic::AtomicBool::new(false));
    let s = stop.clone();
    let spinner = ex.spawn(async move {
        let mut n = 0u64;
        while !s.load(Ordering::SeqCst) {
            yield_now().await;
            n += 1;
        }
        n
    });
    let s = stop.clone();
    let other = ex.spawn(async move { s.store(true, Ordering::SeqCst) });
    ex.run_until_idle(0);
    assert!(other.is_finished());
    assert_eq!(
        block_on_thread(spinner),
        Ok(1),
        "the other task ran right after the first yield"
    );
}

#[test]
fn spawn_on_missing_cpu_is_an_error() {
    let (_p, ex) = setup(2);
    let err = ex.spawn_on(2, async {}).unwrap_err();
    assert_eq!(err, SpawnError::NoSuchCpu { cpu: 2, cpus: 2 });
    assert!(ex.spawn_pinned(9, async {}).is_err());
    assert_eq!(
        ex.block_on(5, async {}),
        Err(BlockOnError::Spawn(SpawnError::NoSuchCpu {
            cpu: 5,
            cpus: 2
        }))
    );
}

#[test]
fn config_is_validated() {
    let platform = crate::sim::SimPlatform::with_manual_clock(1);
    let bad = |f: fn(&mut Config)| {
        let mut c = Config::new(1);
        f(&mut c);
        crate::Executor::new(platform.clone(), c).err()
    };
    assert_eq!(bad(|c| c.cpus = 0), Some(ConfigError::NoCpus));
    assert_eq!(
        bad(|c| c.queue_capacity = 0),
        Some(ConfigError::ZeroQueueCapacity)
    );
    assert_eq!(bad(|c| c.batch = 0), Some(ConfigError::ZeroBatch));
    assert_eq!(bad(|c| c.reap_batch = 0), Some(ConfigError::ZeroBatch));
    assert_eq!(bad(|_| {}), None);
}

#[test]
fn shutdown_cancels_everything_and_rejects_new_work() {
    let (_p, ex) = setup(2);
    let mut flags = vec![];
    let mut handles = vec![];
    for i in 0..6 {
        let (flag, dropped) = DropFlag::new();
        flags.push(dropped);
        let sleep = ex.sleep(1_000_000);
        let gate = Gate::new();
        handles.push(
            ex.spawn_on(i % 2, async move {
                let _flag = flag;
                if i % 2 == 0 {
                    sleep.await;
                } else {
                    gate.wait().await;
                }
            })
            .unwrap(),
        );
    }
    ex.run_until_idle(0);
    assert!(ex.armed_timers(0) > 0);
    ex.shutdown();
    assert!(
        flags.iter().all(|f| f.load(Ordering::SeqCst)),
        "every future dropped"
    );
    for h in handles {
        assert_eq!(block_on_thread(h), Err(JoinError::Cancelled));
    }
    assert_eq!(ex.live_tasks(), 0);
    assert_eq!(ex.armed_timers(0) + ex.armed_timers(1), 0);
    let (flag, dropped) = DropFlag::new();
    let late = ex.spawn(async move {
        let _flag = flag;
    });
    assert!(
        dropped.load(Ordering::SeqCst),
        "a spawn after shutdown drops the future at once"
    );
    assert_eq!(block_on_thread(late), Err(JoinError::Cancelled));
}

#[test]
fn shutdown_frees_the_executor() {
    let (_p, ex) = setup(1);
    let weak = ex.downgrade();
    let _h = ex.spawn(core::future::pending::<()>());
    ex.run_until_idle(0);
    ex.shutdown();
    drop(ex);
    drop(_h);
    assert!(
        weak.upgrade().is_none(),
        "no reference cycle survives shutdown"
    );
}
