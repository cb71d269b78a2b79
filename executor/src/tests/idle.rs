//! The idle handshake and reschedule IPIs, on simulated CPUs running in OS
//! threads.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::time::Duration;
use std::time::Instant;

use super::Gate;
use crate::sim::{spawn_cpu_threads, SimEvent, SimPlatform};
use crate::{Config, Executor};

const TIMEOUT: Duration = Duration::from_secs(10);

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
fn idle_path_trace_is_cli_halt_resume_restore() {
    let platform = SimPlatform::new(1);
    platform.record(true);
    let (ex, threads) = start(1, &platform);
    assert!(platform.wait_until_halted(0, TIMEOUT));
    stop(ex, threads);
    let trace: Vec<SimEvent> = platform.take_trace();
    // The first idle period, exactly: interrupts off, halt, the stop IPI,
    // resume, interrupts restored (to enabled).
    let first: Vec<SimEvent> = trace.iter().copied().take(5).collect();
    assert_eq!(
        first,
        [
            SimEvent::DisableIrq { cpu: 0 },
            SimEvent::Halt { cpu: 0 },
            SimEvent::Ipi { to: 0 },
            SimEvent::Resume { cpu: 0 },
            SimEvent::RestoreIrq {
                cpu: 0,
                enabled: true
            },
        ]
    );
}

#[test]
fn wakes_against_a_halted_cpu_send_exactly_one_ipi() {
    let platform = SimPlatform::new(1);
    let (ex, threads) = start(1, &platform);
    let gates: Vec<Gate> = (0..10).map(|_| Gate::new()).collect();
    let handles: Vec<_> = gates
        .iter()
        .map(|g| {
            let g = g.clone();
            ex.spawn(async move { g.wait().await })
        })
        .collect();
    wait_for(|| gates.iter().all(|g| g.polls() == 1));
    assert!(platform.wait_until_halted(0, TIMEOUT));
    // Keep the CPU halted while ten wakes arrive.
    platform.hold(0, true);
    let before = platform.ipis(0);
    for g in &gates {
        g.open();
    }
    assert_eq!(
        platform.ipis(0) - before,
        1,
        "exactly one IPI for ten wakes"
    );
    assert!(platform.interrupt_pending(0));
    platform.hold(0, false);
    wait_for(|| handles.iter().all(|h| h.is_finished()));
    stop(ex, threads);
}

#[test]
fn a_busy_cpu_gets_no_ipi() {
    let platform = SimPlatform::new(1);
    let (ex, threads) = start(1, &platform);
    let started = Arc::new(AtomicBool::new(false));
    let release = Arc::new(AtomicBool::new(false));
    let (s, r) = (started.clone(), release.clone());
    let busy = ex.spawn(async move {
        s.store(true, Ordering::SeqCst);
        while !r.load(Ordering::SeqCst) {
            core::hint::spin_loop();
        }
    });
    wait_for(|| started.load(Ordering::SeqCst));
    let before = platform.ipis(0);
    // A thousand wakes of other tasks while CPU 0 is busy polling.
    let gates: Vec<Gate> = (0..10).map(|_| Gate::new()).collect();
    let handles: Vec<_> = gates
        .iter()
        .map(|g| {
            let g = g.clone();
            ex.spawn(async move { g.wait().await })
        })
        .collect();
    for _ in 0..100 {
        for g in &gates {
            g.wake();
        }
    }
    assert_eq!(platform.ipis(0), before, "no IPI to a busy CPU");
    release.store(true, Ordering::SeqCst);
    wait_for(|| busy.is_finished() && gates.iter().all(|g| g.polls() >= 1));
    for g in &gates {
        g.open();
    }
    wait_for(|| handles.iter().all(|h| h.is_finished()));
    stop(ex, threads);
}

#[test]
fn a_wake_between_recheck_and_halt_is_not_lost() {
    // The wake arrives after the CPU re-checked its queue and decided to
    // halt: the IPI it sends is latched while interrupts are disabled, and
    // the halt returns at once.
    let platform = SimPlatform::new(1);
    let (ex, threads) = start(1, &platform);
    let gate = Gate::new();
    let g = gate.clone();
    let handle = ex.spawn(async move { g.wait().await });
    wait_for(|| gate.polls() == 1);
    assert!(platform.wait_until_halted(0, TIMEOUT));
    let opener = gate.clone();
    // The wake comes from another CPU (a plain thread), inside the window.
    platform.on_next_halt(move || {
        std::thread::spawn(move || opener.open()).join().unwrap();
    });
    let (ipis, halts) = (platform.ipis(0), platform.halts(0));
    // A device interrupt ends the current halt; the CPU finds nothing, goes
    // through the idle path again, and the hook wakes the task in the window.
    platform.interrupt(0);
    wait_for(|| handle.is_finished());
    assert_eq!(
        platform.ipis(0) - ipis,
        1,
        "the window wake sent exactly one IPI"
    );
    assert!(platform.halts(0) > halts);
    stop(ex, threads);
}

#[test]
fn an_interrupt_handler_on_the_halted_cpu_sends_no_self_ipi() {
    let platform = SimPlatform::new(1);
    let (ex, threads) = start(1, &platform);
    let gate = Gate::new();
    let g = gate.clone();
    let handle = ex.spawn(async move { g.wait().await });
    wait_for(|| gate.polls() == 1);
    assert!(platform.wait_until_halted(0, TIMEOUT));
    let (opener, p) = (gate.clone(), platform.clone());
    // On CPU 0's own thread: a device interrupt arrives and its handler
    // wakes a task that belongs to CPU 0.
    platform.on_next_halt(move || {
        p.interrupt(0);
        opener.open();
    });
    let ipis = platform.ipis(0);
    platform.interrupt(0); // end the current halt so the hook's halt comes
    wait_for(|| handle.is_finished());
    assert_eq!(platform.ipis(0), ipis, "no self-IPI");
    stop(ex, threads);
}

#[test]
fn timer_interrupt_wakes_a_halted_cpu() {
    let platform = SimPlatform::new(1);
    platform.record(true);
    let (ex, threads) = start(1, &platform);
    let deadline = ex.now_ns() + 20_000_000;
    let sleeper = {
        let ex2 = ex.clone();
        ex.spawn(async move {
            ex2.sleep_until(deadline).await;
            ex2.now_ns()
        })
    };
    let woke_at = crate::sim::block_on_thread(sleeper).unwrap();
    assert!(woke_at >= deadline, "never early");
    stop(ex.clone(), threads);
    let trace = platform.take_trace();
    assert!(
        trace.contains(&SimEvent::SetTimer {
            cpu: 0,
            deadline: Some(deadline)
        }),
        "{trace:?}"
    );
    assert!(trace.contains(&SimEvent::TimerFired { cpu: 0 }));
    assert!(ex.stats().timer_interrupts >= 1);
}

#[test]
fn long_queue_on_a_busy_cpu_kicks_an_idle_thief() {
    let platform = SimPlatform::new(2);
    let (ex, threads) = start(2, &platform);
    assert!(platform.wait_until_halted(1, TIMEOUT));
    let release = Arc::new(AtomicBool::new(false));
    let r = release.clone();
    let ran_on = Arc::new(AtomicU64::new(0));
    // Block CPU 0 with a busy (pinned) task, then queue work behind it.
    let started = Arc::new(AtomicBool::new(false));
    let s = started.clone();
    let busy = ex
        .spawn_pinned(0, async move {
            s.store(true, Ordering::SeqCst);
            while !r.load(Ordering::SeqCst) {
                core::hint::spin_loop();
            }
        })
        .unwrap();
    wait_for(|| started.load(Ordering::SeqCst));
    assert!(platform.wait_until_halted(1, TIMEOUT));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let ran_on = ran_on.clone();
            ex.spawn_on(0, async move {
                if SimPlatform::bound_cpu() == Some(1) {
                    ran_on.fetch_add(1, Ordering::SeqCst);
                }
            })
            .unwrap()
        })
        .collect();
    wait_for(|| handles.iter().all(|h| h.is_finished()));
    assert!(
        ran_on.load(Ordering::SeqCst) > 0,
        "CPU 1 stole work from busy CPU 0"
    );
    release.store(true, Ordering::SeqCst);
    wait_for(|| busy.is_finished());
    stop(ex, threads);
}
