//! Per-CPU executor state.
//!
//! Owns: the data one CPU's run loop works on — its run queue, idle flag,
//! timer queue and its cached deadlines, reaper inbox and lingering list,
//! and counters. Each `Cpu` sits on its own cache lines (`CachePadded` in
//! `Shared::cpus`).
//!
//! Who touches what:
//! - `queue`: wakers anywhere push; the owner pops; idle CPUs steal.
//! - `idle`: the owner (idle path) and wakers (see [`crate::idle`]).
//! - `timer_irq`: set by the timer interrupt handler, cleared by the owner.
//! - `timers`, `next_deadline`: `Sleep` futures polled on this CPU insert;
//!   any CPU may cancel (a dropped `Sleep` of a task that migrated); only
//!   the owner expires. The lock is never taken by an interrupt handler.
//! - `programmed`: the owner, and its timer interrupt handler.
//! - `reap_inbox`: the owner pushes the tasks it finishes whose handle is
//!   already gone; a dropped `JoinHandle` pushes its parked task (task
//!   context, any CPU); only the owner pops. See [`crate::reaper`].
//! - `reaper`, `recheck_at`: the owner only (`recheck_at` is also read by
//!   the owner's idle re-check and timer programming).

use core::sync::atomic::AtomicU64 as StatCounter;

use crate::idle::IdleFlag;
use crate::reaper::{ReapInbox, Reaper};
use crate::run_queue::RunQueue;
use crate::sync::{AtomicBool, AtomicU64, SpinLock};
use crate::timer::TimerQueue;

/// `next_deadline` / `programmed` value meaning "no timer".
pub(crate) const NO_DEADLINE: u64 = u64::MAX;

/// Statistics: relaxed counters that order nothing.
#[derive(Default)]
pub(crate) struct CpuStats {
    pub(crate) polls: StatCounter,
    pub(crate) completed: StatCounter,
    /// Reschedule IPIs sent *to* this CPU.
    pub(crate) ipis: StatCounter,
    /// Tasks this CPU stole from others.
    pub(crate) steals: StatCounter,
    /// Pushes onto this CPU's run queue that went to the overflow list.
    pub(crate) overflow_pushes: StatCounter,
    pub(crate) timers_fired: StatCounter,
    pub(crate) timer_interrupts: StatCounter,
    /// Finished tasks this CPU released.
    pub(crate) reaped: StatCounter,
    /// Examinations of finished tasks (a park, or a registry look-up); the
    /// tests use it to check that held tasks are not looked at again and
    /// again.
    pub(crate) reap_checks: StatCounter,
}

pub(crate) struct Cpu {
    pub(crate) queue: RunQueue,
    pub(crate) idle: IdleFlag,
    /// Set by `on_timer_interrupt`, consumed by the next turn.
    pub(crate) timer_irq: AtomicBool,
    pub(crate) timers: SpinLock<TimerQueue>,
    /// Never later than the earliest armed deadline in `timers`.
    pub(crate) next_deadline: AtomicU64,
    /// The deadline last given to `Platform::set_timer` (or `NO_DEADLINE`).
    pub(crate) programmed: AtomicU64,
    /// Finished tasks waiting to be examined by this CPU's reaper.
    pub(crate) reap_inbox: ReapInbox,
    pub(crate) reaper: SpinLock<Reaper>,
    /// When the reaper next looks at its lingering list (`NO_DEADLINE`:
    /// nothing lingers; at or before now: a pass is due or under way).
    pub(crate) recheck_at: AtomicU64,
    pub(crate) stats: CpuStats,
}

impl Cpu {
    pub(crate) fn new(queue_capacity: usize) -> Self {
        Self {
            queue: RunQueue::new(queue_capacity),
            idle: IdleFlag::new(),
            timer_irq: AtomicBool::new(false),
            timers: SpinLock::new(TimerQueue::new()),
            next_deadline: AtomicU64::new(NO_DEADLINE),
            programmed: AtomicU64::new(NO_DEADLINE),
            reap_inbox: ReapInbox::new(),
            reaper: SpinLock::new(Reaper::new()),
            recheck_at: AtomicU64::new(NO_DEADLINE),
            stats: CpuStats::default(),
        }
    }
}
