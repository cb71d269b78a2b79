//! The public handle: [`Executor`], its [`Config`], and how a CPU runs it.
//!
//! Owns: the API the kernel (and tests) use — creating the executor once for
//! N CPUs, spawning, running each CPU's loop, the timer interrupt entry
//! point, sleeping, statistics and shutdown. The machinery lives in
//! `scheduler` (placement), `run_loop` (turns, timers), `idle` (halting),
//! `task`/`state` (tasks) and `registry` (ownership).
//!
//! How the kernel uses it:
//!
//! ```text
//!   boot CPU:   irq::install(&PLATFORM)
//!               EXECUTOR = Executor::new(Arc::new(PLATFORM), Config::new(ncpus))
//!               EXECUTOR.spawn(init_thread())
//!   every CPU:  EXECUTOR.run_cpu(this_cpu)                      // never returns
//!   LAPIC timer interrupt handler:  EXECUTOR.on_timer_interrupt(); EOI
//!   reschedule IPI handler:         EOI (nothing else)
//!   kernel code:  EXECUTOR.sleep(ns).await, EXECUTOR.timeout(deadline, f).await,
//!                 EXECUTOR.spawn(f), wait_queue.wait_until(..).await, ...
//! ```

use alloc::sync::{Arc, Weak};
use alloc::task::Wake;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::platform::Platform;
use crate::scheduler::Shared;
use crate::sleep::{Sleep, Timeout};
use crate::task::{JoinError, JoinHandle};

/// Sizes and fairness knobs. `Config::new(cpus)` gives the defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// Number of CPUs (run loops), at least 1.
    pub cpus: usize,
    /// Capacity of each CPU's lock-free run queue (beyond it, the locked
    /// overflow list is used). At least 1.
    pub queue_capacity: usize,
    /// Most tasks one turn polls before it checks timers, steals and reaps.
    /// At least 1.
    pub batch: usize,
    /// Most tasks one steal takes. At least 1.
    pub steal_batch: usize,
    /// Queue length at which a wake also interrupts an idle CPU to steal.
    pub steal_kick_threshold: usize,
    /// Most finished tasks the reaper looks at per turn, on top of those
    /// the turn itself finished (see `reaper`: reaping comes last in a turn
    /// and stops early when a timer is due). At least 1.
    pub reap_batch: usize,
}

impl Config {
    /// Defaults for `cpus` CPUs.
    pub const fn new(cpus: usize) -> Self {
        Self {
            cpus,
            queue_capacity: 256,
            batch: 32,
            steal_batch: 32,
            steal_kick_threshold: 4,
            reap_batch: 8,
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.cpus == 0 {
            return Err(ConfigError::NoCpus);
        }
        if self.queue_capacity == 0 {
            return Err(ConfigError::ZeroQueueCapacity);
        }
        if self.batch == 0 || self.steal_batch == 0 || self.reap_batch == 0 {
            return Err(ConfigError::ZeroBatch);
        }
        Ok(())
    }
}

/// A rejected [`Config`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// `cpus` was 0.
    NoCpus,
    /// `queue_capacity` was 0.
    ZeroQueueCapacity,
    /// `batch`, `steal_batch` or `reap_batch` was 0.
    ZeroBatch,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConfigError::NoCpus => "executor needs at least one CPU",
            ConfigError::ZeroQueueCapacity => "run queue capacity must be non-zero",
            ConfigError::ZeroBatch => "batch sizes must be non-zero",
        })
    }
}

/// A rejected spawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpawnError {
    /// The CPU index is out of range (the future was dropped).
    NoSuchCpu {
        /// The index asked for.
        cpu: usize,
        /// How many CPUs the executor has.
        cpus: usize,
    },
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::NoSuchCpu { cpu, cpus } => write!(f, "no CPU {cpu} (executor has {cpus})"),
        }
    }
}

/// Why [`Executor::block_on`] returned no output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockOnError {
    /// The CPU index was out of range.
    Spawn(SpawnError),
    /// The task was cancelled (the executor was shut down).
    Join(JoinError),
}

/// Counters (relaxed snapshots; they order nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Tasks spawned (executor-wide; 0 in per-CPU stats).
    pub spawned: u64,
    /// Tasks registered and not yet reaped (executor-wide).
    pub live_tasks: usize,
    /// Times a task was run (polled or cancelled).
    pub polls: u64,
    /// Tasks that finished.
    pub completed: u64,
    /// Reschedule IPIs sent (per CPU: sent to it).
    pub ipis: u64,
    /// Tasks taken from other CPUs.
    pub steals: u64,
    /// Pushes that went to an overflow list.
    pub overflow_pushes: u64,
    /// Timers fired.
    pub timers_fired: u64,
    /// Timer interrupts reported through `on_timer_interrupt`.
    pub timer_interrupts: u64,
    /// Task-state invariant violations observed (always 0 unless there is a
    /// bug; executor-wide).
    pub invariant_violations: u64,
}

/// The per-CPU async executor. Cheap to clone (a reference-counted handle).
#[derive(Clone)]
pub struct Executor {
    pub(crate) shared: Arc<Shared>,
}

/// A non-owning handle (for callbacks that must not keep the executor
/// alive, e.g. a simulated timer interrupt).
#[derive(Clone)]
pub struct WeakExecutor {
    shared: Weak<Shared>,
}

impl WeakExecutor {
    /// The executor, if it still exists.
    pub fn upgrade(&self) -> Option<Executor> {
        self.shared.upgrade().map(|shared| Executor { shared })
    }
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("cpus", &self.cpus())
            .finish()
    }
}

impl Executor {
    /// Creates the executor for `config.cpus` CPUs.
    pub fn new(platform: Arc<dyn Platform>, config: Config) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            shared: Arc::new(Shared::new(platform, config)),
        })
    }

    /// Number of CPUs.
    pub fn cpus(&self) -> usize {
        self.shared.cpus.len()
    }

    /// The platform this executor runs on.
    pub fn platform(&self) -> &Arc<dyn Platform> {
        &self.shared.platform
    }

    /// The platform's monotonic time.
    pub fn now_ns(&self) -> u64 {
        self.shared.platform.now_ns()
    }

    /// A non-owning handle.
    pub fn downgrade(&self) -> WeakExecutor {
        WeakExecutor {
            shared: Arc::downgrade(&self.shared),
        }
    }

    /// Spawns on some CPU (round-robin; idle CPUs steal to balance). Task
    /// context only (it allocates and takes the registry lock). After
    /// [`shutdown`](Executor::shutdown) the future is dropped and the handle
    /// yields `Err(JoinError::Cancelled)`.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let cpu = self.shared.next_spawn_cpu();
        self.shared.spawn(cpu, false, future)
    }

    /// Spawns on `cpu`; the task may later be stolen by another CPU.
    pub fn spawn_on<F>(&self, cpu: usize, future: F) -> Result<JoinHandle<F::Output>, SpawnError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.check_cpu(cpu)?;
        Ok(self.shared.spawn(cpu, false, future))
    }

    /// Spawns on `cpu` for good: never stolen (per-CPU kernel work).
    pub fn spawn_pinned<F>(
        &self,
        cpu: usize,
        future: F,
    ) -> Result<JoinHandle<F::Output>, SpawnError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.check_cpu(cpu)?;
        Ok(self.shared.spawn(cpu, true, future))
    }

    fn check_cpu(&self, cpu: usize) -> Result<(), SpawnError> {
        if cpu < self.cpus() {
            Ok(())
        } else {
            Err(SpawnError::NoSuchCpu {
                cpu,
                cpus: self.cpus(),
            })
        }
    }

    /// CPU `cpu`'s run loop, forever: the kernel's per-CPU idle thread. Must
    /// be called on that CPU (`platform.cpu_id() == cpu`).
    pub fn run_cpu(&self, cpu: usize) -> ! {
        loop {
            self.shared.run_until(cpu, &mut || false);
        }
    }

    /// Runs CPU `cpu`'s loop (halting when idle) until `stop()` returns true.
    /// `stop` is checked between turns and in the idle re-check; if it can
    /// become true without a task being woken, also call
    /// [`kick`](Executor::kick) for this CPU.
    pub fn run_until(&self, cpu: usize, mut stop: impl FnMut() -> bool) {
        self.shared.run_until(cpu, &mut stop);
    }

    /// Runs CPU `cpu`'s loop (halting when idle) until
    /// [`request_stop`](Executor::request_stop).
    pub fn run_until_stopped(&self, cpu: usize) {
        let shared = self.shared.clone();
        self.shared.run_until(cpu, &mut || shared.stopping());
    }

    /// Runs turns on `cpu` until one finds nothing to run (stealing
    /// included) and no timer is due; never halts. Returns how many tasks
    /// it ran. For single-threaded tests.
    pub fn run_until_idle(&self, cpu: usize) -> usize {
        self.shared.run_until_idle(cpu)
    }

    /// Spawns `future` on `cpu` and runs that CPU's loop until it finishes
    /// (for tests and early boot).
    pub fn block_on<F>(&self, cpu: usize, future: F) -> Result<F::Output, BlockOnError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let mut handle = self.spawn_on(cpu, future).map_err(BlockOnError::Spawn)?;
        let waker = Waker::from(Arc::new(KickCpu {
            shared: self.shared.clone(),
            cpu,
        }));
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(result) = Pin::new(&mut handle).poll(&mut cx) {
                return result.map_err(BlockOnError::Join);
            }
            self.shared.run_until(cpu, &mut || handle.is_finished());
        }
    }

    /// Makes every `run_until_stopped` loop return.
    pub fn request_stop(&self) {
        self.shared.request_stop();
    }

    /// Interrupts `cpu` if it is idle (so its loop re-checks its stop
    /// condition).
    pub fn kick(&self, cpu: usize) {
        self.shared.notify_cpu(cpu);
    }

    /// [`kick`](Executor::kick) for every CPU.
    pub fn kick_all(&self) {
        for cpu in 0..self.cpus() {
            self.shared.notify_cpu(cpu);
        }
    }

    /// The timer interrupt handler's call, on the interrupted CPU. Only sets
    /// that CPU's timer flag (two atomic stores): no lock, no wake, no
    /// allocation, no drop. The CPU's next turn expires the due timers.
    pub fn on_timer_interrupt(&self) {
        self.shared.on_timer_interrupt();
    }

    /// Fires the current CPU's due timers now. A task about to yield at a
    /// timer interrupt calls this first, so the tasks the timers wake are
    /// queued ahead of it (wake-up preemption) rather than behind it.
    pub fn expire_timers(&self) {
        self.shared.expire_due(self.shared.current_cpu());
    }

    /// Whether the current CPU has other work waiting: a long-running task
    /// (a user thread back from a timer interrupt) yields when this is true.
    pub fn should_yield(&self) -> bool {
        self.shared.should_yield()
    }

    /// Completes at `deadline_ns` (never earlier).
    pub fn sleep_until(&self, deadline_ns: u64) -> Sleep {
        Sleep::new(self.shared.clone(), deadline_ns)
    }

    /// Completes `duration_ns` from now (never earlier).
    pub fn sleep(&self, duration_ns: u64) -> Sleep {
        self.sleep_until(self.now_ns().saturating_add(duration_ns))
    }

    /// Runs `future` until `deadline_ns`; see [`Timeout`].
    pub fn timeout<F: Future>(&self, deadline_ns: u64, future: F) -> Timeout<F> {
        Timeout::new(future, self.sleep_until(deadline_ns))
    }

    /// Runs `future` for at most `duration_ns`; see [`Timeout`].
    pub fn timeout_after<F: Future>(&self, duration_ns: u64, future: F) -> Timeout<F> {
        Timeout::new(future, self.sleep(duration_ns))
    }

    /// Executor-wide counters.
    pub fn stats(&self) -> Stats {
        let mut total = Stats {
            spawned: self
                .shared
                .spawned
                .load(core::sync::atomic::Ordering::Relaxed),
            live_tasks: self.shared.registry.live(),
            invariant_violations: self
                .shared
                .violations
                .load(core::sync::atomic::Ordering::Relaxed),
            ..Stats::default()
        };
        for cpu in 0..self.cpus() {
            if let Some(s) = self.cpu_stats(cpu) {
                total.polls += s.polls;
                total.completed += s.completed;
                total.ipis += s.ipis;
                total.steals += s.steals;
                total.overflow_pushes += s.overflow_pushes;
                total.timers_fired += s.timers_fired;
                total.timer_interrupts += s.timer_interrupts;
            }
        }
        total
    }

    /// One CPU's counters.
    pub fn cpu_stats(&self, cpu: usize) -> Option<Stats> {
        let c = self.shared.cpu(cpu)?;
        let r = |a: &core::sync::atomic::AtomicU64| a.load(core::sync::atomic::Ordering::Relaxed);
        Some(Stats {
            polls: r(&c.stats.polls),
            completed: r(&c.stats.completed),
            ipis: r(&c.stats.ipis),
            steals: r(&c.stats.steals),
            overflow_pushes: r(&c.stats.overflow_pushes),
            timers_fired: r(&c.stats.timers_fired),
            timer_interrupts: r(&c.stats.timer_interrupts),
            ..Stats::default()
        })
    }

    /// Tasks registered and not yet reaped. A finished task is reaped by
    /// the CPU that finished it as soon as its `JoinHandle` is gone and no
    /// waker of it is held elsewhere, with no further event needed (an idle
    /// CPU wakes up for it); a waker dropped later is noticed by a re-check
    /// on that CPU within about a millisecond at first, backing off to 1 s.
    pub fn live_tasks(&self) -> usize {
        self.shared.registry.live()
    }

    /// The earliest timer deadline armed on `cpu`. Its one-shot timer is
    /// programmed to this, or earlier while finished tasks linger (the
    /// reaper's re-check); a kernel that also needs a time-slice interrupt
    /// programs the earlier of the two in its `Platform::set_timer`.
    pub fn next_deadline(&self, cpu: usize) -> Option<u64> {
        let c = self.shared.cpu(cpu)?;
        let next = c.timers.lock().next_deadline();
        next
    }

    /// [`Executor::next_deadline`] without taking the timer lock: the
    /// cached earliest deadline, which is never later than the earliest
    /// armed one (it may be earlier for a moment while a cancel runs). For
    /// a caller that arms its own interrupt from it on every return to user
    /// mode.
    pub fn next_deadline_hint(&self, cpu: usize) -> Option<u64> {
        let c = self.shared.cpu(cpu)?;
        let next = c.next_deadline.load(crate::sync::Ordering::SeqCst);
        (next != crate::cpu::NO_DEADLINE).then_some(next)
    }

    /// Whether tasks wait in the calling CPU's run queue (the part of
    /// [`Executor::should_yield`] that needs no clock read).
    pub fn has_queued(&self) -> bool {
        self.shared.cpu(self.shared.current_cpu()).is_some_and(|c| !c.queue.is_empty())
    }

    /// Timers armed on `cpu`.
    pub fn armed_timers(&self, cpu: usize) -> usize {
        self.shared.cpu(cpu).map_or(0, |c| c.timers.lock().len())
    }

    /// Stops the loops, cancels every task (dropping its future here) and
    /// empties every queue and timer list; later spawns are cancelled at
    /// once. Call it after the run loops have returned, never from a task.
    /// This also breaks the reference cycle between the executor and its
    /// tasks, so the executor's memory is freed once the handles go.
    pub fn shutdown(&self) {
        self.shared.shutdown();
    }
}

/// `block_on`'s join waker: completion interrupts the blocked CPU if idle.
struct KickCpu {
    shared: Arc<Shared>,
    cpu: usize,
}

impl Wake for KickCpu {
    fn wake(self: Arc<Self>) {
        self.shared.notify_cpu(self.cpu);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.shared.notify_cpu(self.cpu);
    }
}
