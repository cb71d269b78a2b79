//! Simulated CPUs for host tests and benches (feature `std`, or the crate's
//! own unit tests): [`SimPlatform`] implements [`Platform`] with one OS
//! thread per CPU.
//!
//! Owns: a faithful model of what the executor relies on from hardware:
//! - **Interrupt latch.** Each CPU has a `pending` flag. A reschedule IPI sets
//!   it and signals the CPU's condition variable; `halt_until_interrupt`
//!   returns at once if it is already set (an interrupt that arrived while
//!   "interrupts were disabled" stays pending, as on x86), otherwise sleeps
//!   until it is set or the programmed deadline passes.
//! - **One-shot timer.** `set_timer` stores the CPU's deadline; a halted CPU
//!   whose deadline passes wakes, disarms it and runs the timer handler
//!   installed with [`SimPlatform::set_timer_handler`] (normally the
//!   executor's `on_timer_interrupt`), as the interrupt would.
//! - **Clock.** Real (`std::time::Instant`) or manual ([`SimPlatform::advance`]).
//! - **Observation.** Per-CPU IPI and halt counts, "wait until halted",
//!   "hold" (a held CPU stays halted even when interrupted, so tests can
//!   pile up wakes against a halted CPU), and an optional event trace.
//!
//! CPU identity: a thread becomes CPU `n` with [`SimPlatform::bind_thread`];
//! an unbound thread reports `usize::MAX` (the executor treats it as no CPU
//! of its own).

extern crate std;

use alloc::sync::Arc;
use alloc::task::Wake;
use alloc::vec::Vec;
use core::cell::Cell;
use core::future::Future;
use core::pin::pin;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::task::{Context, Poll, Waker};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::Thread;
use std::time::{Duration, Instant};

use crate::irq::InterruptControl;
use crate::platform::Platform;

std::thread_local! {
    static CURRENT_CPU: Cell<usize> = const { Cell::new(usize::MAX) };
    static IRQ_ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// Something the simulated hardware did, for trace assertions. `cpu` is the
/// CPU that did it; `to` the target of an IPI.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimEvent {
    /// `disable_interrupts` on `cpu`.
    DisableIrq { cpu: usize },
    /// `restore_interrupts(was_enabled)` on `cpu`.
    RestoreIrq { cpu: usize, enabled: bool },
    /// `cpu` entered `halt_until_interrupt`.
    Halt { cpu: usize },
    /// `cpu` left `halt_until_interrupt`.
    Resume { cpu: usize },
    /// A reschedule IPI was sent to `to`.
    Ipi { to: usize },
    /// `cpu` programmed its timer.
    SetTimer { cpu: usize, deadline: Option<u64> },
    /// `cpu`'s timer fired while it was halted.
    TimerFired { cpu: usize },
}

#[derive(Default)]
struct CpuState {
    pending: bool,
    deadline: Option<u64>,
    halted: bool,
    held: bool,
}

struct SimCpu {
    state: Mutex<CpuState>,
    changed: Condvar,
    ipis: AtomicU64,
    halts: AtomicU64,
}

enum Clock {
    Real(Instant),
    Manual(AtomicU64),
}

type TimerHandler = Arc<dyn Fn() + Send + Sync>;
type HaltHook = alloc::boxed::Box<dyn FnOnce() + Send>;

/// OS threads as CPUs. See the module documentation.
pub struct SimPlatform {
    cpus: Vec<SimCpu>,
    clock: Clock,
    tracing: AtomicBool,
    trace: Mutex<Vec<SimEvent>>,
    timer_handler: Mutex<Option<TimerHandler>>,
    halt_hook: Mutex<Option<HaltHook>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SimPlatform {
    fn with_clock(cpus: usize, clock: Clock) -> Arc<Self> {
        Arc::new(Self {
            cpus: (0..cpus)
                .map(|_| SimCpu {
                    state: Mutex::new(CpuState::default()),
                    changed: Condvar::new(),
                    ipis: AtomicU64::new(0),
                    halts: AtomicU64::new(0),
                })
                .collect(),
            clock,
            tracing: AtomicBool::new(false),
            trace: Mutex::new(Vec::new()),
            timer_handler: Mutex::new(None),
            halt_hook: Mutex::new(None),
        })
    }

    /// `cpus` CPUs with a real monotonic clock.
    pub fn new(cpus: usize) -> Arc<Self> {
        Self::with_clock(cpus, Clock::Real(Instant::now()))
    }

    /// `cpus` CPUs with a clock that only moves through [`advance`](Self::advance).
    pub fn with_manual_clock(cpus: usize) -> Arc<Self> {
        Self::with_clock(cpus, Clock::Manual(AtomicU64::new(0)))
    }

    /// Makes the calling thread CPU `cpu`.
    pub fn bind_thread(cpu: usize) {
        CURRENT_CPU.with(|c| c.set(cpu));
    }

    /// The CPU the calling thread is bound to, if any.
    pub fn bound_cpu() -> Option<usize> {
        let cpu = CURRENT_CPU.with(Cell::get);
        (cpu != usize::MAX).then_some(cpu)
    }

    /// Moves the manual clock forward and lets halted CPUs notice.
    pub fn advance(&self, ns: u64) {
        if let Clock::Manual(t) = &self.clock {
            t.fetch_add(ns, Ordering::SeqCst);
        }
        for cpu in &self.cpus {
            let _state = lock(&cpu.state);
            cpu.changed.notify_all();
        }
    }

    /// The handler a halted CPU runs when its timer fires (normally the
    /// executor's `on_timer_interrupt`, through a `WeakExecutor`).
    pub fn set_timer_handler(&self, handler: impl Fn() + Send + Sync + 'static) {
        *lock(&self.timer_handler) = Some(Arc::new(handler));
    }

    /// Runs `hook` inside the next `halt_until_interrupt` (on any CPU), after
    /// the executor's idle re-check and before the halt: the window the idle
    /// handshake must survive.
    pub fn on_next_halt(&self, hook: impl FnOnce() + Send + 'static) {
        *lock(&self.halt_hook) = Some(alloc::boxed::Box::new(hook));
    }

    /// Reschedule IPIs sent to `cpu` so far.
    pub fn ipis(&self, cpu: usize) -> u64 {
        self.cpus
            .get(cpu)
            .map_or(0, |c| c.ipis.load(Ordering::SeqCst))
    }

    /// Times `cpu` entered `halt_until_interrupt`.
    pub fn halts(&self, cpu: usize) -> u64 {
        self.cpus
            .get(cpu)
            .map_or(0, |c| c.halts.load(Ordering::SeqCst))
    }

    /// Whether `cpu` is inside `halt_until_interrupt`.
    pub fn is_halted(&self, cpu: usize) -> bool {
        self.cpus.get(cpu).is_some_and(|c| lock(&c.state).halted)
    }

    /// Waits (up to `timeout`) until `cpu` is halted.
    pub fn wait_until_halted(&self, cpu: usize, timeout: Duration) -> bool {
        let Some(c) = self.cpus.get(cpu) else {
            return false;
        };
        let end = Instant::now() + timeout;
        let mut state = lock(&c.state);
        while !state.halted {
            let now = Instant::now();
            if now >= end {
                return false;
            }
            state = c
                .changed
                .wait_timeout(state, end - now)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        true
    }

    /// While held, a halted `cpu` stays halted even if interrupted (the
    /// interrupt stays pending until released).
    pub fn hold(&self, cpu: usize, held: bool) {
        if let Some(c) = self.cpus.get(cpu) {
            lock(&c.state).held = held;
            c.changed.notify_all();
        }
    }

    /// Whether an interrupt is pending on `cpu`.
    pub fn interrupt_pending(&self, cpu: usize) -> bool {
        self.cpus.get(cpu).is_some_and(|c| lock(&c.state).pending)
    }

    /// The deadline `cpu` last programmed (None = off).
    pub fn timer_deadline(&self, cpu: usize) -> Option<u64> {
        self.cpus.get(cpu).and_then(|c| lock(&c.state).deadline)
    }

    /// Starts or stops recording [`SimEvent`]s.
    pub fn record(&self, on: bool) {
        self.tracing.store(on, Ordering::SeqCst);
    }

    /// Takes the recorded events.
    pub fn take_trace(&self) -> Vec<SimEvent> {
        core::mem::take(&mut *lock(&self.trace))
    }

    fn event(&self, event: SimEvent) {
        if self.tracing.load(Ordering::SeqCst) {
            lock(&self.trace).push(event);
        }
    }

    /// Interrupts `cpu` with no IPI accounting (a device interrupt).
    pub fn interrupt(&self, cpu: usize) {
        if let Some(c) = self.cpus.get(cpu) {
            lock(&c.state).pending = true;
            c.changed.notify_all();
        }
    }
}

impl InterruptControl for SimPlatform {
    fn disable_interrupts(&self) -> bool {
        let was = IRQ_ENABLED.with(|e| e.replace(false));
        if let Some(cpu) = Self::bound_cpu() {
            self.event(SimEvent::DisableIrq { cpu });
        }
        was
    }

    fn restore_interrupts(&self, was_enabled: bool) {
        IRQ_ENABLED.with(|e| e.set(was_enabled));
        if let Some(cpu) = Self::bound_cpu() {
            self.event(SimEvent::RestoreIrq {
                cpu,
                enabled: was_enabled,
            });
        }
    }
}

impl Platform for SimPlatform {
    fn cpu_id(&self) -> usize {
        CURRENT_CPU.with(Cell::get)
    }

    fn now_ns(&self) -> u64 {
        match &self.clock {
            Clock::Real(start) => u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX),
            Clock::Manual(t) => t.load(Ordering::SeqCst),
        }
    }

    fn send_reschedule_ipi(&self, cpu: usize) {
        let Some(c) = self.cpus.get(cpu) else { return };
        c.ipis.fetch_add(1, Ordering::SeqCst);
        self.event(SimEvent::Ipi { to: cpu });
        lock(&c.state).pending = true;
        c.changed.notify_all();
    }

    fn set_timer(&self, deadline_ns: Option<u64>) {
        let Some(cpu) = Self::bound_cpu() else { return };
        let Some(c) = self.cpus.get(cpu) else { return };
        self.event(SimEvent::SetTimer {
            cpu,
            deadline: deadline_ns,
        });
        lock(&c.state).deadline = deadline_ns;
        c.changed.notify_all();
    }

    fn halt_until_interrupt(&self) {
        let Some(cpu) = Self::bound_cpu() else { return };
        let Some(c) = self.cpus.get(cpu) else { return };
        debug_assert!(
            !IRQ_ENABLED.with(Cell::get),
            "halt_until_interrupt with interrupts enabled"
        );
        let hook = lock(&self.halt_hook).take();
        if let Some(hook) = hook {
            hook();
        }
        self.event(SimEvent::Halt { cpu });
        c.halts.fetch_add(1, Ordering::SeqCst);
        let mut fired = false;
        {
            let mut state = lock(&c.state);
            state.halted = true;
            c.changed.notify_all();
            loop {
                if !state.held {
                    if state.pending {
                        state.pending = false;
                        break;
                    }
                    if let Some(deadline) = state.deadline {
                        if self.now_ns() >= deadline {
                            state.deadline = None;
                            fired = true;
                            break;
                        }
                    }
                }
                let wait = match (&self.clock, state.deadline) {
                    (Clock::Real(_), Some(deadline)) if !state.held => {
                        Duration::from_nanos(deadline.saturating_sub(self.now_ns()).max(1_000))
                    }
                    _ => Duration::from_millis(50),
                };
                state = c
                    .changed
                    .wait_timeout(state, wait)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0);
            }
            state.halted = false;
            c.changed.notify_all();
        }
        // `sti; hlt` leaves interrupts enabled; the handler runs now.
        IRQ_ENABLED.with(|e| e.set(true));
        if fired {
            self.event(SimEvent::TimerFired { cpu });
            let handler = lock(&self.timer_handler).clone();
            if let Some(handler) = handler {
                handler();
            }
        }
        self.event(SimEvent::Resume { cpu });
    }
}

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Drives `future` on the calling OS thread (not a simulated CPU), parking
/// between polls. For test threads that await join handles or wait queues.
pub fn block_on_thread<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::park_timeout(Duration::from_millis(100));
    }
}

/// Starts `cpus` OS threads, binds each to its CPU and runs `body(cpu)` on
/// it; returns the join handles.
pub fn spawn_cpu_threads(
    cpus: usize,
    body: impl Fn(usize) + Send + Sync + 'static,
) -> Vec<std::thread::JoinHandle<()>> {
    let body: Arc<dyn Fn(usize) + Send + Sync> = Arc::new(body);
    (0..cpus)
        .map(|cpu| {
            let body = body.clone();
            std::thread::Builder::new()
                .name(alloc::format!("sim-cpu{cpu}"))
                .spawn(move || {
                    SimPlatform::bind_thread(cpu);
                    body(cpu);
                })
                .unwrap_or_else(|e| panic!("cannot start simulated CPU thread: {e}"))
        })
        .collect()
}
