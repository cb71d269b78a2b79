//! Host micro-benchmarks for the executor, printing ns/op (best of 5 runs).
//!
//! `cargo bench -p executor` (or `cargo bench -p executor -- <filter>`).
//! Everything runs on one simulated CPU (the bench thread, bound as CPU 0,
//! with a manual clock), so the figures are the executor's own costs
//! without cross-core traffic.

use std::future::{poll_fn, Future};
use std::hint::black_box;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use executor::sim::SimPlatform;
use executor::{yield_now, Config, Event, Executor, WaitQueue};

const RUNS: usize = 5;

fn setup() -> (Arc<SimPlatform>, Executor) {
    let platform = SimPlatform::with_manual_clock(1);
    SimPlatform::bind_thread(0);
    let ex = Executor::new(platform.clone(), Config::new(1)).expect("config");
    (platform, ex)
}

/// Runs `body(iterations)` RUNS times and prints the best ns/op.
fn bench(name: &str, iterations: u64, mut body: impl FnMut(u64)) {
    let mut best = f64::MAX;
    for _ in 0..RUNS {
        let start = Instant::now();
        body(iterations);
        let ns = start.elapsed().as_nanos() as f64 / iterations as f64;
        best = best.min(ns);
    }
    println!("{name:<48} {best:>9.1} ns/op");
}

fn poll_now<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let enabled = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    println!("executor host benchmarks (best of {RUNS} runs)");

    if enabled("spawn") {
        let (_p, ex) = setup();
        bench("spawn + run + join (one at a time)", 200_000, |n| {
            for i in 0..n {
                let handle = ex.spawn(async move { black_box(i) });
                ex.run_until_idle(0);
                let mut handle = pin!(handle);
                let _ = black_box(poll_now(handle.as_mut()));
            }
        });
        bench("spawn + run + join (batches of 1000)", 200_000, |n| {
            let mut handles = Vec::with_capacity(1000);
            for _ in 0..n / 1000 {
                for i in 0..1000u64 {
                    handles.push(ex.spawn(async move { black_box(i) }));
                }
                ex.run_until_idle(0);
                for handle in handles.drain(..) {
                    let mut handle = pin!(handle);
                    let _ = black_box(poll_now(handle.as_mut()));
                }
            }
            ex.run_until_idle(0); // reap
        });
        ex.shutdown();
    }

    if enabled("wake") {
        let (_p, ex) = setup();
        bench("wake-to-poll, same CPU (yield_now loop)", 1_000_000, |n| {
            let h = ex.spawn(async move {
                for _ in 0..n {
                    yield_now().await;
                }
            });
            ex.run_until_idle(0);
            assert!(h.is_finished());
        });
        // An external wake of an idle task, then the turn that polls it.
        let flag = Arc::new(AtomicBool::new(false));
        let polls = Arc::new(AtomicU64::new(0));
        let slot = Arc::new(std::sync::Mutex::new(None::<Waker>));
        let (f, p, s) = (flag.clone(), polls.clone(), slot.clone());
        let _task = ex.spawn(poll_fn(move |cx| {
            p.fetch_add(1, Ordering::Relaxed);
            if s.lock().unwrap().is_none() {
                *s.lock().unwrap() = Some(cx.waker().clone());
            }
            if f.load(Ordering::Relaxed) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }));
        ex.run_until_idle(0);
        let waker = slot.lock().unwrap().clone().expect("registered");
        bench("wake (idle task) + run turn + poll", 1_000_000, |n| {
            for _ in 0..n {
                waker.wake_by_ref();
                ex.run_until_idle(0);
            }
        });
        bench("wake of an already-scheduled task", 10_000_000, |n| {
            waker.wake_by_ref();
            for _ in 0..n {
                waker.wake_by_ref();
            }
            ex.run_until_idle(0);
        });
        flag.store(true, Ordering::Relaxed);
        waker.wake_by_ref();
        ex.run_until_idle(0);
        ex.shutdown();
    }

    if enabled("wait_queue") {
        let q = WaitQueue::new();
        bench("wait queue: wake_one with no waiter", 10_000_000, |n| {
            for _ in 0..n {
                black_box(q.wake_one());
            }
        });
        bench(
            "wait queue: register + wake_one + complete",
            2_000_000,
            |n| {
                let ready = AtomicBool::new(false);
                for _ in 0..n {
                    ready.store(false, Ordering::Relaxed);
                    let mut w = pin!(q.wait_until(|| ready.load(Ordering::Relaxed)));
                    assert!(poll_now(w.as_mut()).is_pending());
                    ready.store(true, Ordering::Relaxed);
                    q.wake_one();
                    assert!(poll_now(w.as_mut()).is_ready());
                }
            },
        );
        bench(
            "wait queue: wake_all of 64 waiters (per waiter)",
            64 * 20_000,
            |n| {
                let mut waiters: Vec<_> = (0..64).map(|_| q.waiter()).collect();
                for _ in 0..n / 64 {
                    for w in &mut waiters {
                        let _ = w.poll_wait(&mut Context::from_waker(Waker::noop()));
                    }
                    q.wake_all();
                    for w in &mut waiters {
                        let _ = w.poll_wait(&mut Context::from_waker(Waker::noop()));
                    }
                }
            },
        );
        let e = Event::new();
        bench("event: notify_one + notified (permit)", 10_000_000, |n| {
            for _ in 0..n {
                e.notify_one();
                let mut f = pin!(e.notified());
                let _ = black_box(poll_now(f.as_mut()));
            }
        });
    }

    if enabled("timer") {
        let (p, ex) = setup();
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        // Keep 10 000 timers armed so insert/cancel run on a realistic heap.
        let background: Vec<_> = (0..10_000)
            .map(|i| {
                let mut s = Box::pin(ex.sleep_until(u64::MAX / 2 + i));
                assert!(poll_now(s.as_mut()).is_pending());
                s
            })
            .collect();
        bench("timer: insert + cancel (10k armed)", 2_000_000, |n| {
            for _ in 0..n {
                let mut s = pin!(ex.sleep_until(1_000_000 + next() % 1_000_000_000));
                assert!(poll_now(s.as_mut()).is_pending());
            }
        });
        bench("timer: insert + expire + wake (per timer)", 100_000, |n| {
            let now = p.now_ns_for_bench();
            let mut sleeps: Vec<_> = (0..n)
                .map(|_| {
                    let mut s = Box::pin(ex.sleep_until(now + 1 + next() % 1_000_000));
                    assert!(poll_now(s.as_mut()).is_pending());
                    s
                })
                .collect();
            p.advance(1_000_001);
            ex.run_until_idle(0);
            for s in &mut sleeps {
                assert!(poll_now(s.as_mut()).is_ready());
            }
        });
        drop(background);
        ex.shutdown();
    }
}

trait NowForBench {
    fn now_ns_for_bench(&self) -> u64;
}

impl NowForBench for SimPlatform {
    fn now_ns_for_bench(&self) -> u64 {
        executor::Platform::now_ns(self)
    }
}
