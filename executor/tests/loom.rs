//! Loom models of the executor's concurrency protocols. Each model runs the
//! crate's real code with loom's atomics and locks (see `src/sync.rs`) and
//! explores every interleaving up to the preemption bound.
//!
//! Run (takes well under two minutes on 2 cores):
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 \
//!     cargo test -p executor --release --test loom
//! ```
//!
//! A lost wake (or a lost hand-over of a finished task to the reaper) shows
//! up as a loom deadlock (a thread blocked forever), a double enqueue or
//! double poll as a failed assertion.
#![cfg(loom)]

use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Waker};

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;

use executor::irq::InterruptControl;
use executor::state::{EndPoll, StartPoll, State, TaskState};
use executor::{Config, Event, Executor, Platform, WaitQueue};

/// Runs `f` under loom with a preemption bound of 3 (or
/// `LOOM_MAX_PREEMPTIONS`) and reports how many interleavings it explored.
#[track_caller]
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    let iterations = StdArc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = iterations.clone();
    let started = std::time::Instant::now();
    builder.check(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        f();
    });
    eprintln!(
        "{}: {} interleavings in {:?}",
        std::panic::Location::caller(),
        iterations.load(std::sync::atomic::Ordering::Relaxed),
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------
// The task state machine alone.

/// A simulated run queue: entries pushed by whoever the state machine says.
struct Queue(Mutex<VecDeque<()>>);

impl Queue {
    fn push(&self) {
        self.0.lock().unwrap().push_back(());
    }
    fn pop(&self) -> bool {
        self.0.lock().unwrap().pop_front().is_some()
    }
}

/// One poll by the "executor": start, look at the flag, end. Returns whether
/// it saw the flag.
fn run_once(state: &TaskState, queue: &Queue, flag: &AtomicBool) -> bool {
    assert_eq!(
        state.start_poll(),
        StartPoll::Poll,
        "a queue entry without SCHEDULED"
    );
    let seen = flag.load(SeqCst);
    if seen {
        state.complete();
    } else if state.end_poll() == EndPoll::Requeue {
        queue.push();
    }
    seen
}

/// The wake-while-polling race: a waker sets a flag and wakes while the
/// executor may be polling. Whatever the interleaving, some poll sees the
/// flag (no lost wake), and every queue entry is consumed by exactly one
/// poll of a SCHEDULED task (no double enqueue).
#[test]
fn wake_while_polling_is_never_lost() {
    model(|| {
        let state = Arc::new(TaskState::new_scheduled());
        let queue = Arc::new(Queue(Mutex::new(VecDeque::new())));
        let flag = Arc::new(AtomicBool::new(false));
        queue.push(); // spawn's entry

        let waker = {
            let (state, queue, flag) = (state.clone(), queue.clone(), flag.clone());
            thread::spawn(move || {
                flag.store(true, SeqCst);
                if state.wake() {
                    queue.push();
                }
            })
        };
        let mut seen = false;
        if queue.pop() {
            seen = run_once(&state, &queue, &flag);
        }
        waker.join().unwrap();
        while !seen && queue.pop() {
            seen = run_once(&state, &queue, &flag);
        }
        assert!(seen, "the wake was lost");
        assert!(!queue.pop(), "an entry was left behind (double enqueue)");
        assert_eq!(state.load().0, State::Done);
    });
}

/// Two wakers and the executor: entries == polls, and the task ends IDLE
/// (never SCHEDULED without an entry, never NOTIFIED after the last poll).
#[test]
fn concurrent_wakes_enqueue_once() {
    model(|| {
        let state = Arc::new(TaskState::new_scheduled());
        let queue = Arc::new(Queue(Mutex::new(VecDeque::new())));
        let never = Arc::new(AtomicBool::new(false));
        queue.push();
        let wakers: Vec<_> = (0..2)
            .map(|_| {
                let (state, queue) = (state.clone(), queue.clone());
                thread::spawn(move || {
                    if state.wake() {
                        queue.push();
                    }
                })
            })
            .collect();
        if queue.pop() {
            run_once(&state, &queue, &never);
        }
        for w in wakers {
            w.join().unwrap();
        }
        while queue.pop() {
            run_once(&state, &queue, &never);
        }
        assert_eq!(state.load().0, State::Idle);
    });
}

/// Abort racing a poll: the task is either completed by its poll or
/// cancelled on a later run, exactly once, and nothing is left queued.
#[test]
fn abort_races_poll() {
    model(|| {
        let state = Arc::new(TaskState::new_scheduled());
        let queue = Arc::new(Queue(Mutex::new(VecDeque::new())));
        queue.push();
        let aborter = {
            let (state, queue) = (state.clone(), queue.clone());
            thread::spawn(move || {
                if state.cancel() {
                    queue.push();
                }
            })
        };
        let mut finished = 0;
        let mut run = |state: &TaskState, queue: &Queue| match state.start_poll() {
            StartPoll::Cancel => {
                state.complete();
                finished += 1;
            }
            StartPoll::Poll => {
                if state.end_poll() == EndPoll::Requeue {
                    queue.push();
                }
            }
            StartPoll::NotScheduled(s) => panic!("queue entry for a {s:?} task"),
        };
        if queue.pop() {
            run(&state, &queue);
        }
        aborter.join().unwrap();
        while queue.pop() {
            run(&state, &queue);
        }
        assert_eq!(finished, 1, "cancelled exactly once");
        assert_eq!(state.load(), (State::Done, true));
    });
}

// ---------------------------------------------------------------------------
// The real executor on one loom "CPU".

/// CPUs whose halt is a condition variable and whose IPI sets a latch. The
/// CPU running the caller is a loom thread-local.
struct LoomPlatform {
    cpus: Vec<(Mutex<bool>, Condvar)>,
    ipis: AtomicUsize,
}

loom::thread_local! {
    /// Threads that are not CPUs (the wakers) answer "no CPU".
    static CPU: std::cell::Cell<usize> = std::cell::Cell::new(usize::MAX);
}

impl LoomPlatform {
    fn new(cpus: usize) -> StdArc<Self> {
        StdArc::new(Self {
            cpus: (0..cpus)
                .map(|_| (Mutex::new(false), Condvar::new()))
                .collect(),
            ipis: AtomicUsize::new(0),
        })
    }
}

impl InterruptControl for LoomPlatform {
    fn disable_interrupts(&self) -> bool {
        true
    }
    fn restore_interrupts(&self, _was_enabled: bool) {}
}

impl Platform for LoomPlatform {
    fn cpu_id(&self) -> usize {
        CPU.with(|c| c.get())
    }
    fn now_ns(&self) -> u64 {
        0
    }
    fn send_reschedule_ipi(&self, cpu: usize) {
        self.ipis.fetch_add(1, SeqCst);
        let (pending, irq) = &self.cpus[cpu];
        *pending.lock().unwrap() = true;
        irq.notify_one();
    }
    fn set_timer(&self, _deadline_ns: Option<u64>) {}
    fn halt_until_interrupt(&self) {
        let (pending, irq) = &self.cpus[self.cpu_id()];
        let mut pending = pending.lock().unwrap();
        while !*pending {
            pending = irq.wait(pending).unwrap();
        }
        *pending = false;
    }
}

fn small_executor(platform: StdArc<LoomPlatform>, cpus: usize) -> Executor {
    let mut config = Config::new(cpus);
    config.queue_capacity = 4;
    config.batch = 2;
    config.reap_batch = 1;
    Executor::new(platform, config).unwrap()
}

/// The wake-while-polling race and the idle handshake through the real
/// executor: the task registers its waker and checks a flag; another thread
/// sets the flag and wakes it, at any point — during the poll, between the
/// CPU's idle re-check and its halt, or while it is halted. The CPU must run
/// the task to completion (a lost wake is a loom deadlock: the CPU halts
/// forever), and a single wake sends at most one IPI.
#[test]
fn executor_wake_and_idle_handshake() {
    model(|| {
        CPU.with(|c| c.set(0));
        let platform = LoomPlatform::new(1);
        let ex = small_executor(platform.clone(), 1);
        let slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        let flag = Arc::new(AtomicBool::new(false));
        let handle = {
            let (slot, flag) = (slot.clone(), flag.clone());
            ex.spawn_on(
                0,
                poll_fn(move |cx: &mut Context<'_>| {
                    *slot.lock().unwrap() = Some(cx.waker().clone());
                    if flag.load(SeqCst) {
                        Poll::Ready(())
                    } else {
                        Poll::Pending
                    }
                }),
            )
            .unwrap()
        };
        let waker = thread::spawn(move || {
            flag.store(true, SeqCst);
            let w = slot.lock().unwrap().take();
            if let Some(w) = w {
                w.wake();
            }
        });
        ex.run_until(0, || handle.is_finished());
        waker.join().unwrap();
        assert!(platform.ipis.load(SeqCst) <= 1, "one wake, at most one IPI");
        assert_eq!(ex.stats().invariant_violations, 0);
        ex.shutdown();
    });
}

/// Two CPUs and a waker: the task is spawned on CPU 0, CPU 1 may steal it
/// while CPU 0 runs it or halts, and the wake targets whichever CPU ran it
/// last. It is never polled by both at once (the poll asserts this) and
/// always completes; then each CPU kicks the other out of its halt.
#[test]
fn executor_two_cpus_steal_and_wake() {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    let iterations = StdArc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = iterations.clone();
    let started = std::time::Instant::now();
    builder.check(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        CPU.with(|c| c.set(0));
        let platform = LoomPlatform::new(2);
        let ex = small_executor(platform.clone(), 2);
        let slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        let flag = Arc::new(AtomicBool::new(false));
        let in_poll = Arc::new(AtomicBool::new(false));
        let handle = {
            let (slot, flag, in_poll) = (slot.clone(), flag.clone(), in_poll.clone());
            StdArc::new(
                ex.spawn_on(
                    0,
                    poll_fn(move |cx: &mut Context<'_>| {
                        assert!(!in_poll.swap(true, SeqCst), "polled on two CPUs at once");
                        *slot.lock().unwrap() = Some(cx.waker().clone());
                        let ready = flag.load(SeqCst);
                        in_poll.store(false, SeqCst);
                        if ready {
                            Poll::Ready(())
                        } else {
                            Poll::Pending
                        }
                    }),
                )
                .unwrap(),
            )
        };
        let cpu1 = {
            let (ex, handle) = (ex.clone(), handle.clone());
            thread::spawn(move || {
                CPU.with(|c| c.set(1));
                ex.run_until(1, || handle.is_finished());
                // Completion wakes nobody: whichever CPU saw it kicks the
                // other out of its halt (the run_until contract).
                ex.kick(0);
            })
        };
        let waker = thread::spawn(move || {
            flag.store(true, SeqCst);
            let w = slot.lock().unwrap().take();
            if let Some(w) = w {
                w.wake();
            }
        });
        ex.run_until(0, || handle.is_finished());
        ex.kick(1);
        waker.join().unwrap();
        cpu1.join().unwrap();
        assert_eq!(ex.stats().invariant_violations, 0);
        ex.shutdown();
    });
    eprintln!(
        "executor_two_cpus_steal_and_wake: {} interleavings in {:?}",
        iterations.load(std::sync::atomic::Ordering::Relaxed),
        started.elapsed()
    );
}

/// A finished task is reaped once its join handle is dropped, with no other
/// event: the drop (on another thread) races with the task's completion, its
/// examination (which parks it if the handle is still there, or takes the
/// reference the handle left behind), and the CPU's idle re-check and halt.
/// A lost hand-over is a loom deadlock: the CPU halts forever with a task it
/// could reap (its stop condition is "no live task").
#[test]
fn executor_handle_drop_and_reaping() {
    model(|| {
        CPU.with(|c| c.set(0));
        let platform = LoomPlatform::new(1);
        let ex = small_executor(platform.clone(), 1);
        let handle = ex.spawn_on(0, async { 7 }).unwrap();
        let dropper = thread::spawn(move || drop(handle));
        ex.run_until(0, || ex.live_tasks() == 0);
        dropper.join().unwrap();
        assert!(
            platform.ipis.load(SeqCst) <= 1,
            "one hand-over, at most one IPI"
        );
        assert_eq!(ex.stats().invariant_violations, 0);
        ex.shutdown();
    });
}

// ---------------------------------------------------------------------------
// Wait queue and event.

/// Register-then-recheck: a waiter and a notifier race; the waiter must not
/// sleep forever whatever the interleaving.
#[test]
fn wait_queue_register_recheck() {
    model(|| {
        let queue = Arc::new(WaitQueue::new());
        let flag = Arc::new(AtomicBool::new(false));
        let notifier = {
            let (queue, flag) = (queue.clone(), flag.clone());
            thread::spawn(move || {
                flag.store(true, SeqCst);
                queue.wake_one();
            })
        };
        loom::future::block_on(queue.wait_until(|| flag.load(SeqCst)));
        notifier.join().unwrap();
        assert_eq!(queue.waiters(), 0);
    });
}

/// Cancellation race: waiter 1 is registered first and then cancelled while
/// a wake_one is delivered; waiter 2 (registered second) must still be
/// woken — directly, or by the wake that waiter 1 passes on.
#[test]
fn wait_queue_cancel_passes_wake_on() {
    model(|| {
        let queue = Arc::new(WaitQueue::new());
        let flag = Arc::new(AtomicBool::new(false));
        // Waiter 1 registers (polled once with a waker that does nothing).
        let mut first = Box::pin(queue.wait_until(|| false));
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending());
        // Waiter 2 registers behind it (or finds the flag already set).
        let second = {
            let (queue, flag) = (queue.clone(), flag.clone());
            thread::spawn(move || loom::future::block_on(queue.wait_until(|| flag.load(SeqCst))))
        };
        let notifier = {
            let (queue, flag) = (queue.clone(), flag.clone());
            thread::spawn(move || {
                flag.store(true, SeqCst);
                queue.wake_one();
            })
        };
        drop(first);
        notifier.join().unwrap();
        second.join().unwrap();
        assert_eq!(queue.waiters(), 0);
    });
}

/// Event permit race: notify_one before, during or after the waiter's
/// registration is never lost.
#[test]
fn event_permit_is_never_lost() {
    model(|| {
        let event = Arc::new(Event::new());
        let notifier = {
            let event = event.clone();
            thread::spawn(move || event.notify_one())
        };
        loom::future::block_on(event.notified());
        notifier.join().unwrap();
        assert!(
            !event.has_permit(),
            "the one notification was consumed once"
        );
    });
}

/// Event cancellation race: a notified-then-dropped waiter either passes the
/// notification to the other waiter or stores it back as the permit.
#[test]
fn event_cancel_restores_or_passes() {
    model(|| {
        let event = Arc::new(Event::new());
        let mut first = Box::pin(event.notified());
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending());
        let notifier = {
            let event = event.clone();
            thread::spawn(move || event.notify_one())
        };
        drop(first);
        notifier.join().unwrap();
        // The notification went somewhere: to the dropped waiter, which put
        // it back as the permit, or straight into the permit.
        loom::future::block_on(event.notified());
        assert!(!event.has_permit());
    });
}
