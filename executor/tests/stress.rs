//! Host stress tests: OS threads as simulated CPUs.
//!
//! - `cross_cpu_wakes`: one million cross-CPU wakes (50 000 in debug builds)
//!   with zero lost wakes, zero concurrent ("double") polls and every task
//!   completing.
//! - `timers_fire_once_never_early`: 100 000 sleeping tasks (10 000 in debug
//!   builds) at random deadlines; each fires exactly once and never early;
//!   a quarter race two timers and must cancel the loser.
//!
//! Run the full sizes with `cargo test -p executor --release --test stress`.
#![cfg(not(loom))]

use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use executor::sim::{spawn_cpu_threads, SimPlatform};
use executor::{select, Config, Either, Executor, JoinHandle};

const CPUS: usize = 4;

#[cfg(not(debug_assertions))]
const TOTAL_HOPS: u64 = 1_000_000;
#[cfg(debug_assertions)]
const TOTAL_HOPS: u64 = 50_000;

#[cfg(not(debug_assertions))]
const TIMERS: usize = 100_000;
#[cfg(debug_assertions)]
const TIMERS: usize = 10_000;

const WATCHDOG: Duration = Duration::from_secs(120);

fn start(cpus: usize) -> (Arc<SimPlatform>, Executor, Vec<std::thread::JoinHandle<()>>) {
    let platform = SimPlatform::new(cpus);
    let ex = Executor::new(platform.clone(), Config::new(cpus)).unwrap();
    let weak = ex.downgrade();
    platform.set_timer_handler(move || {
        if let Some(ex) = weak.upgrade() {
            ex.on_timer_interrupt();
        }
    });
    let runner = ex.clone();
    let threads = spawn_cpu_threads(cpus, move |cpu| runner.run_until_stopped(cpu));
    (platform, ex, threads)
}

fn stop(ex: &Executor, threads: Vec<std::thread::JoinHandle<()>>) {
    ex.request_stop();
    for t in threads {
        t.join().unwrap();
    }
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool, diagnose: impl Fn() -> String) {
    let end = Instant::now() + WATCHDOG;
    while !cond() {
        if Instant::now() > end {
            panic!("timed out waiting for {what}: {}", diagnose());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// One task's mailbox: tokens delivered to it and the waker to call.
#[derive(Default)]
struct Mailbox {
    tokens: AtomicU64,
    waker: Mutex<Option<Waker>>,
    in_poll: AtomicBool,
    polls: AtomicU64,
    /// The CPU that last polled this task.
    cpu: AtomicUsize,
}

/// Token wakes whose sender ran on another CPU than the receiver last did.
static CROSS_CPU: AtomicU64 = AtomicU64::new(0);

impl Mailbox {
    fn deliver(&self) {
        self.tokens.fetch_add(1, SeqCst);
        if SimPlatform::bound_cpu().is_some_and(|me| me != self.cpu.load(SeqCst)) {
            CROSS_CPU.fetch_add(1, SeqCst);
        }
        self.wake();
    }
    fn wake(&self) {
        let waker = self.waker.lock().unwrap().clone();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

struct Xorshift(u64);
impl Xorshift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// CHAINS independent groups of tasks, each carrying exactly one token. A
/// task that holds the token passes it to a random member of its chain
/// (sometimes itself: a wake while running) and, now and then, wakes a
/// random task of another chain without a token (a spurious wake). A single
/// lost wake stalls its chain for good, so "every chain reached its quota"
/// proves no wake was lost; `in_poll` proves no task was polled by two CPUs
/// at once.
#[test]
fn cross_cpu_wakes() {
    const CHAINS: usize = 64;
    const PER_CHAIN: usize = 8;
    let quota = TOTAL_HOPS / CHAINS as u64;
    let (_platform, ex, threads) = start(CPUS);

    let boxes: Arc<Vec<Mailbox>> = Arc::new(
        (0..CHAINS * PER_CHAIN)
            .map(|_| Mailbox::default())
            .collect(),
    );
    let chain_hops: Arc<Vec<AtomicU64>> =
        Arc::new((0..CHAINS).map(|_| AtomicU64::new(0)).collect());
    let double_polls = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();

    let handles: Vec<JoinHandle<u64>> = (0..CHAINS * PER_CHAIN)
        .map(|id| {
            let (boxes, chain_hops, double_polls, done) = (
                boxes.clone(),
                chain_hops.clone(),
                double_polls.clone(),
                done.clone(),
            );
            let chain = id / PER_CHAIN;
            let mut rng = Xorshift(0x9E37_79B9_7F4A_7C15 ^ (id as u64 + 1));
            let body = poll_fn(move |cx| {
                let me = &boxes[id];
                if me.in_poll.swap(true, SeqCst) {
                    double_polls.fetch_add(1, SeqCst);
                }
                me.polls.fetch_add(1, SeqCst);
                me.cpu
                    .store(SimPlatform::bound_cpu().unwrap_or(usize::MAX), SeqCst);
                // Register, then look.
                {
                    let mut slot = me.waker.lock().unwrap();
                    if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                        *slot = Some(cx.waker().clone());
                    }
                }
                let tokens = me.tokens.swap(0, SeqCst);
                for _ in 0..tokens {
                    let hops = chain_hops[chain].fetch_add(1, SeqCst) + 1;
                    if hops > quota {
                        // Quota reached: keep the token, stop passing it.
                        chain_hops[chain].fetch_sub(1, SeqCst);
                        me.tokens.fetch_add(1, SeqCst);
                        break;
                    }
                    let next = chain * PER_CHAIN + rng.below(PER_CHAIN as u64) as usize;
                    boxes[next].deliver();
                    if rng.below(16) == 0 {
                        boxes[rng.below(boxes.len() as u64) as usize].wake();
                    }
                }
                let finished = done.load(SeqCst);
                me.in_poll.store(false, SeqCst);
                if finished {
                    Poll::Ready(me.polls.load(SeqCst))
                } else {
                    Poll::Pending
                }
            });
            // Even tasks are pinned round-robin so that a chain spans CPUs
            // (left alone, wakes follow tasks and chains gather on one CPU);
            // odd tasks float and get stolen.
            if id % 2 == 0 {
                ex.spawn_pinned((id / 2) % CPUS, body).unwrap()
            } else {
                ex.spawn(body)
            }
        })
        .collect();

    // Inject one token per chain.
    for chain in 0..CHAINS {
        boxes[chain * PER_CHAIN].deliver();
    }
    wait_for(
        "every chain to reach its quota",
        || chain_hops.iter().all(|h| h.load(SeqCst) >= quota),
        || {
            let stalled: Vec<_> = chain_hops
                .iter()
                .enumerate()
                .filter(|(_, h)| h.load(SeqCst) < quota)
                .map(|(i, h)| (i, h.load(SeqCst)))
                .collect();
            format!(
                "stalled chains (lost wake?) {stalled:?}; stats {:?}",
                ex.stats()
            )
        },
    );
    let elapsed = started.elapsed();
    let hops: u64 = chain_hops.iter().map(|h| h.load(SeqCst)).sum();
    assert_eq!(hops, quota * CHAINS as u64);

    done.store(true, SeqCst);
    for b in boxes.iter() {
        b.wake();
    }
    wait_for(
        "every task to complete",
        || handles.iter().all(|h| h.is_finished()),
        || {
            format!(
                "{} unfinished",
                handles.iter().filter(|h| !h.is_finished()).count()
            )
        },
    );
    stop(&ex, threads);

    let stats = ex.stats();
    assert_eq!(
        double_polls.load(SeqCst),
        0,
        "a task was polled by two CPUs at once"
    );
    assert_eq!(stats.invariant_violations, 0);
    let mut polls = 0;
    for h in handles {
        polls += executor::sim::block_on_thread(h).expect("every task completes");
    }
    assert_eq!(stats.completed as usize, CHAINS * PER_CHAIN);
    let cross = CROSS_CPU.load(SeqCst);
    eprintln!(
        "cross_cpu_wakes: {hops} token wakes ({cross} across CPUs) in {elapsed:?} ({:.0} ns/wake), \
         {polls} polls, stats {stats:?}",
        elapsed.as_nanos() as f64 / hops as f64
    );
    assert!(
        cross >= hops / 4,
        "the wakes really cross CPUs ({cross} of {hops})"
    );
    ex.shutdown();
    assert_eq!(ex.live_tasks(), 0);
}

/// TIMERS tasks sleep until random deadlines within 300 ms; every fourth
/// races two sleeps with `select` (the loser must be cancelled). Each sleep
/// completes exactly once, never before its deadline, and no timer is left
/// armed.
#[test]
fn timers_fire_once_never_early() {
    let (platform, ex, threads) = start(CPUS);
    let base = ex.now_ns() + 20_000_000;
    let early = Arc::new(AtomicU64::new(0));
    let completions = Arc::new(AtomicUsize::new(0));
    let mut rng = Xorshift(0xDEAD_BEEF_CAFE_F00D);
    let started = Instant::now();

    let handles: Vec<JoinHandle<()>> = (0..TIMERS)
        .map(|i| {
            let d1 = base + rng.below(300_000_000);
            let d2 = base + rng.below(300_000_000);
            let (early, completions, ex2) = (early.clone(), completions.clone(), ex.clone());
            ex.spawn(async move {
                if i % 4 == 0 {
                    let winner = select(ex2.sleep_until(d1), ex2.sleep_until(d2)).await;
                    let won_at = match winner {
                        Either::Left(()) => d1,
                        Either::Right(()) => d2,
                    };
                    if ex2.now_ns() < won_at {
                        early.fetch_add(1, SeqCst);
                    }
                } else {
                    ex2.sleep_until(d1).await;
                    if ex2.now_ns() < d1 {
                        early.fetch_add(1, SeqCst);
                    }
                }
                completions.fetch_add(1, SeqCst);
            })
        })
        .collect();

    wait_for(
        "every sleeper to complete",
        || handles.iter().all(|h| h.is_finished()),
        || {
            format!(
                "{} of {TIMERS} done; stats {:?}",
                completions.load(SeqCst),
                ex.stats()
            )
        },
    );
    let elapsed = started.elapsed();
    stop(&ex, threads);
    assert_eq!(
        completions.load(SeqCst),
        TIMERS,
        "each sleeper completed exactly once"
    );
    assert_eq!(early.load(SeqCst), 0, "a timer fired early");
    let armed: usize = (0..CPUS).map(|cpu| ex.armed_timers(cpu)).sum();
    assert_eq!(armed, 0, "losing timers were cancelled");
    let stats = ex.stats();
    assert!(
        stats.timers_fired as usize <= TIMERS + TIMERS / 4,
        "at most one firing per armed timer"
    );
    assert_eq!(stats.invariant_violations, 0);
    for h in handles {
        assert_eq!(executor::sim::block_on_thread(h), Ok(()));
    }
    eprintln!(
        "timers_fire_once_never_early: {TIMERS} sleepers in {elapsed:?}; timer interrupts {} ({} IPIs); stats {stats:?}",
        stats.timer_interrupts,
        (0..CPUS).map(|c| platform.ipis(c)).sum::<u64>()
    );
    ex.shutdown();
}
