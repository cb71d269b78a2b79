//! Per-CPU executor state.
//!
//! Owns: the data one CPU's run loop works on — its run queue, idle flag,
//! timer queue and its cached deadlines, reap list and counters. Each `Cpu`
//! sits on its own cache lines (`CachePadded` in `Shared::cpus`).
//!
//! Who touches what:
//! - `queue`: wakers anywhere push; the owner pops; idle CPUs steal.
//! - `idle`: the owner (idle path) and wakers (see [`crate::idle`]).
//! - `timer_irq`: set by the timer interrupt handler, cleared by the owner.
//! - `timers`, `next_deadline`: `Sleep` futures polled on this CPU insert;
//!   any CPU may cancel (a dropped `Sleep` of a task that migrated); only
//!   the owner expires. The lock is never taken by an interrupt handler.
//! - `programmed`: the owner, and its timer interrupt handler.
//! - `reap`: the owner only.

use alloc::collections::VecDeque;
use core::sync::atomic::AtomicU64 as StatCounter;

use crate::idle::IdleFlag;
use crate::run_queue::RunQueue;
use crate::sync::{AtomicBool, AtomicU64, SpinLock};
use crate::task::TaskRef;
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
    /// Pushes onto this CPU's queue that went to the overflow list.
    pub(crate) overflow_pushes: StatCounter,
    pub(crate) timers_fired: StatCounter,
    pub(crate) timer_interrupts: StatCounter,
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
    pub(crate) reap: SpinLock<VecDeque<TaskRef>>,
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
            reap: SpinLock::new(VecDeque::new()),
            stats: CpuStats::default(),
        }
    }
}
