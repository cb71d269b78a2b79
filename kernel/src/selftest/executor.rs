//! The executor on real CPUs: many tasks ping-ponging through wait queues
//! across CPUs, 1 ms sleeps that never wake early, and (as a benchmark,
//! `aramid.test=bench_wake`) the cross-CPU wake-to-run latency through a
//! reschedule IPI.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use executor::{Event, WaitQueue};

use crate::sched;

const TASKS: usize = 10_000;
const ROUNDS: u64 = 10;

struct Pair {
    /// Even: the ping side's turn; odd: the pong side's.
    turn: AtomicU64,
    queue: WaitQueue,
}

/// 10,000 tasks in 5,000 pairs, the two tasks of a pair pinned to different
/// CPUs, hand a token back and forth through one wait queue ROUNDS times.
pub async fn wait_queue_ping_pong() -> Result<String, String> {
    let n = platform::smp::cpus_online();
    let done = Arc::new(AtomicUsize::new(0));
    let start = platform::time::now_ns();
    let mut handles = Vec::with_capacity(TASKS);
    for i in 0..TASKS / 2 {
        let pair = Arc::new(Pair { turn: AtomicU64::new(0), queue: WaitQueue::new() });
        let (a, b) = (i % n, (i + 1) % n);
        for side in 0..2u64 {
            let pair = pair.clone();
            let done = done.clone();
            let cpu = if side == 0 { a } else { b };
            handles.push(sched::spawn_on(cpu, async move {
                for round in 0..ROUNDS {
                    let mine = round * 2 + side;
                    pair.queue.wait_until(|| pair.turn.load(Ordering::Acquire) == mine).await;
                    pair.turn.store(mine + 1, Ordering::Release);
                    pair.queue.wake_all();
                }
                done.fetch_add(1, Ordering::AcqRel);
            }));
        }
    }
    for h in handles {
        h.await.map_err(|e| format!("a ping-pong task failed: {e:?}"))?;
    }
    let finished = done.load(Ordering::Acquire);
    if finished != TASKS {
        return Err(format!("{finished} of {TASKS} tasks finished"));
    }
    let ms = (platform::time::now_ns() - start) / 1_000_000;
    Ok(format!("{TASKS} tasks on {n} CPUs, {} cross-CPU hand-offs, in {ms} ms", TASKS as u64 / 2 * ROUNDS * 2))
}

const SLEEPS: usize = 50;

/// On every CPU at once, 50 sleeps of 1 ms: none may end early; the
/// overshoot distribution is reported.
pub async fn one_ms_sleeps() -> Result<String, String> {
    let n = platform::smp::cpus_online();
    let handles: Vec<_> = (0..n)
        .map(|cpu| {
            sched::spawn_on(cpu, async move {
                let mut over = Vec::with_capacity(SLEEPS);
                for _ in 0..SLEEPS {
                    let deadline = platform::time::now_ns() + 1_000_000;
                    sched::sleep_until(deadline).await;
                    let now = platform::time::now_ns();
                    if now < deadline {
                        return Err(format!("CPU {cpu}: a 1 ms sleep ended {} ns early", deadline - now));
                    }
                    over.push(now - deadline);
                }
                Ok(over)
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.map_err(|e| format!("{e:?}"))??);
    }
    all.sort_unstable();
    let pct = |p: usize| all[(all.len() * p / 100).min(all.len() - 1)] / 1000;
    Ok(format!(
        "{} sleeps on {n} CPUs, none early; overshoot p50 {} us, p90 {} us, p99 {} us, max {} us",
        all.len(),
        pct(50),
        pct(90),
        pct(99),
        all[all.len() - 1] / 1000
    ))
}

const WAKES: usize = 2000;

/// Benchmark: CPU 0 notifies an event a task pinned to another CPU waits
/// on; the latency is from just before the notify to the task running.
pub async fn bench_cross_cpu_wake() -> Result<String, String> {
    let n = platform::smp::cpus_online();
    if n < 2 {
        return Ok(String::from("one CPU: no cross-CPU wakes"));
    }
    let event = Arc::new(Event::new());
    let sent = Arc::new(AtomicU64::new(0));
    let ready = Arc::new(AtomicU64::new(0));
    let (e, s, r) = (event.clone(), sent.clone(), ready.clone());
    let waiter = sched::spawn_on(1, async move {
        let mut lat = Vec::with_capacity(WAKES);
        for i in 0..WAKES as u64 {
            r.store(i + 1, Ordering::Release);
            e.notified().await;
            lat.push(platform::time::now_ns().saturating_sub(s.load(Ordering::Acquire)));
        }
        lat
    });
    for i in 0..WAKES as u64 {
        // Wait until the waiter is parked, then let its CPU go idle.
        while ready.load(Ordering::Acquire) != i + 1 {
            executor::yield_now().await;
        }
        sched::sleep_until(platform::time::now_ns() + 200_000).await;
        sent.store(platform::time::now_ns(), Ordering::Release);
        event.notify_one();
    }
    let mut lat = waiter.await.map_err(|e| format!("{e:?}"))?;
    lat.sort_unstable();
    let pct = |p: usize| lat[(lat.len() * p / 100).min(lat.len() - 1)] / 1000;
    let line = format!("bench: cross_cpu_wake p50 {} us p99 {} us max {} us ({} wakes of an idle CPU)", pct(50), pct(99), lat[lat.len() - 1] / 1000, WAKES);
    log::info!("{line}");
    Ok(line)
}
