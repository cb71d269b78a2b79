//! The reaper: when and how much a CPU's run loop examines finished tasks.
//!
//! Owns: each CPU's reaper inbox and lingering list, step 5 of a turn
//! ([`crate::run_loop`]), and what counts as reap work for the idle re-check.
//! *What* an examination decides is the registry's rule ([`crate::registry`]).
//!
//! ```text
//!   task finished on CPU c (c's run loop)
//!     handle alive? --yes--> PARKED at once (a flag and a decrement that is
//!        |no                 never the last: nothing dropped). On no list;
//!        |                   the handle's drop hands it back:
//!        v                                            |
//!     inbox[c] <--------------------------------------+ (any CPU, task
//!        |                                               context; c is
//!        | step 5 of a turn on c                          notified: the idle
//!        v                                               handshake covers
//!     examine (registry lock)                            the inbox)
//!        +-- no other holder ------> REAPED (dropped here, task context)
//!        +-- wakers held elsewhere -> lingering[c] (owner only): looked at
//!                                     again, one entry per turn, and a full
//!                                     pass when `recheck_at` passes
//! ```
//!
//! Rules:
//! - **Bounded per turn.** Step 5 examines at most `Config::reap_batch` plus
//!   the number of tasks this turn sent to the inbox, so reaping keeps pace
//!   with the CPU's own completions, and a turn's cost never grows with the
//!   number of finished-but-unreaped tasks: parked tasks are on no list, the
//!   inbox and the lingering list are only ever consumed from their heads,
//!   and a turn with nothing to reap costs two atomic loads.
//! - **Timers first.** Reaping is the last step of a turn, after the
//!   one-shot timer has been programmed, and it stops (after at least one
//!   examination, so a backlog always shrinks) as soon as a timer is due:
//!   dropping a task can be slow (its output's destructor, the allocator),
//!   and a due timer waits for at most one such drop, never for a batch.
//! - **Prompt without unrelated events.** Reap work (a non-empty inbox, or a
//!   lingering pass that is due) is work for the idle re-check, like a queued
//!   task: a CPU does not halt while it has some. A parked task's handle
//!   pushes the task onto the inbox and notifies the CPU (the waking half of
//!   the idle handshake), so it is reaped as soon as its handle is gone.
//! - **Lingering** tasks are finished tasks whose handle is gone but whose
//!   wakers are still held somewhere (a driver that kept one, or a waker
//!   whose drop raced with the completion). A waker's drop leaves no trace
//!   (without `unsafe` a waker is an `Arc` of the task, and its count changes
//!   silently), so they are looked at again: one entry per turn, and a full
//!   pass when `recheck_at` passes; the one-shot timer is programmed for
//!   `recheck_at` (the earlier of it and the earliest timer), which comes
//!   1 ms after a task first lingers and doubles after every pass that frees
//!   nothing, up to 1 s. An idle CPU with nothing lingering takes no timer
//!   interrupt for reaping.
//! - Only the owner examines; references are dropped in task context and
//!   outside every lock.

use alloc::collections::VecDeque;

use crate::cpu::NO_DEADLINE;
use crate::registry::Examined;
use crate::scheduler::Shared;
use crate::sync::{AtomicUsize, Ordering, SpinLock};
use crate::task::TaskRef;

/// First delay before a lingering pass.
const RECHECK_MIN_NS: u64 = 1_000_000;
/// Longest delay between lingering passes.
const RECHECK_MAX_NS: u64 = 1_000_000_000;

/// A CPU's reaper inbox: finished tasks to examine, in the order they came.
///
/// Pushed in task context only (the owner's own completions, and dropped
/// `JoinHandle`s on any CPU), popped by the owner. The length is published
/// with `SeqCst` after every change, like the run queue's, so that the idle
/// handshake can read it without the lock: a pusher stores the length, then
/// runs the waking half (`notify_cpu`: fence, look at the idle flag); the
/// owner marks itself idle, fences, then reads the length.
pub(crate) struct ReapInbox {
    list: SpinLock<VecDeque<TaskRef>>,
    len: AtomicUsize,
}

impl ReapInbox {
    pub(crate) fn new() -> Self {
        Self {
            list: SpinLock::new(VecDeque::new()),
            len: AtomicUsize::new(0),
        }
    }

    /// Appends at the tail (task context; may allocate).
    pub(crate) fn push(&self, task: TaskRef) {
        let mut list = self.list.lock();
        list.push_back(task);
        self.len.store(list.len(), Ordering::SeqCst);
    }

    /// Removes from the head (the owner).
    pub(crate) fn pop(&self) -> Option<TaskRef> {
        if self.is_empty() {
            return None;
        }
        let mut list = self.list.lock();
        let task = list.pop_front();
        self.len.store(list.len(), Ordering::SeqCst);
        task
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Ordering::SeqCst) == 0
    }

    /// Takes everything (shutdown).
    pub(crate) fn drain(&self, out: &mut alloc::vec::Vec<TaskRef>) {
        let mut list = self.list.lock();
        out.extend(list.drain(..));
        self.len.store(0, Ordering::SeqCst);
    }
}

/// A CPU's lingering list and pass state (owner only).
pub(crate) struct Reaper {
    /// Non-empty exactly while the CPU's `recheck_at` is not `NO_DEADLINE`.
    lingering: VecDeque<TaskRef>,
    /// Entries of `lingering` still to look at in the current pass.
    pass_left: usize,
    /// Whether a pass is under way.
    in_pass: bool,
    /// Whether the current pass released anything.
    pass_reaped: bool,
    /// The delay before the next pass.
    backoff_ns: u64,
}

impl Reaper {
    pub(crate) fn new() -> Self {
        Self {
            lingering: VecDeque::new(),
            pass_left: 0,
            in_pass: false,
            pass_reaped: false,
            backoff_ns: RECHECK_MIN_NS,
        }
    }

    /// Takes everything (shutdown).
    pub(crate) fn drain(&mut self, out: &mut alloc::vec::Vec<TaskRef>) {
        out.extend(self.lingering.drain(..));
        self.pass_left = 0;
        self.in_pass = false;
    }
}

/// Adds one to a counter only its CPU's reaper writes (no locked RMW).
fn bump(counter: &core::sync::atomic::AtomicU64) {
    let relaxed = core::sync::atomic::Ordering::Relaxed;
    counter.store(counter.load(relaxed).wrapping_add(1), relaxed);
}

/// Where the next examined task came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Inbox,
    Lingering,
}

impl Shared {
    /// Gives a finished task's reference to `cpu`'s reaper and wakes that
    /// CPU if it idles (the waking half of the idle handshake).
    pub(crate) fn hand_to_reaper(&self, cpu: usize, task: TaskRef) {
        let cpu = if cpu < self.cpus.len() { cpu } else { 0 };
        let Some(c) = self.cpu(cpu) else { return };
        c.reap_inbox.push(task);
        if self.is_shut_down() {
            // Shutdown may have emptied the inbox before this push; whatever
            // is there now is nobody's to reap (task context: drop it).
            let mut orphans = alloc::vec::Vec::new();
            c.reap_inbox.drain(&mut orphans);
            drop(orphans);
            return;
        }
        // A handle is dropped in task context, so if that runs on `cpu`
        // itself, `cpu` is in a turn, not idle: its reap step or its idle
        // re-check comes after this push.
        if self.platform.cpu_id() != cpu {
            self.notify_cpu(cpu);
        }
    }

    /// A task `cpu` has just finished. If its handle is alive it is parked
    /// at once (a flag and a decrement that is never the last: nothing is
    /// dropped, so this costs the same whatever the task) and `false` is
    /// returned; otherwise it goes to the inbox for step 5 of this turn
    /// (`true`).
    pub(crate) fn finished(&self, cpu: usize, task: TaskRef) -> bool {
        let Some(c) = self.cpu(cpu) else { return false };
        if task.header().state.park() {
            bump(&c.stats.reap_checks);
            drop(task);
            return false;
        }
        // The owner's own inbox: no notification needed.
        c.reap_inbox.push(task);
        true
    }

    /// Whether `cpu`'s reaper has work now: the idle re-check's reap part.
    pub(crate) fn reap_work(&self, cpu: usize) -> bool {
        let Some(c) = self.cpu(cpu) else { return false };
        if !c.reap_inbox.is_empty() {
            return true;
        }
        let at = c.recheck_at.load(Ordering::SeqCst);
        at != NO_DEADLINE && at <= self.platform.now_ns()
    }

    /// Step 5 of a turn on `cpu`, which finished `finished` tasks in this
    /// turn (see the module documentation).
    pub(crate) fn reap(&self, cpu: usize, finished: usize) {
        let Some(c) = self.cpu(cpu) else { return };
        // Nothing in the inbox and nothing lingering (`recheck_at` is set
        // exactly while the lingering list is non-empty): the common turn.
        if c.reap_inbox.is_empty() && c.recheck_at.load(Ordering::SeqCst) == NO_DEADLINE {
            return;
        }
        let budget = self.config.reap_batch.saturating_add(finished);
        let mut lingering_look = true;
        for examined in 0..budget {
            if examined > 0 && self.timer_due(cpu) {
                break;
            }
            let (task, source) = match c.reap_inbox.pop() {
                Some(task) => (task, Source::Inbox),
                None => {
                    let next = self.next_lingering(cpu, lingering_look);
                    lingering_look = false;
                    match next {
                        Some(task) => (task, Source::Lingering),
                        None => break,
                    }
                }
            };
            bump(&c.stats.reap_checks);
            if task.header().state.park() {
                // Its handle is alive and will hand it back: forget it. Not
                // the last reference (the registry holds one).
                drop(task);
                continue;
            }
            match self.registry.examine(task) {
                Examined::Reaped(registry_ref, ours, left_behind) => {
                    bump(&c.stats.reaped);
                    if source == Source::Lingering {
                        c.reaper.lock().pass_reaped = true;
                    }
                    // The task (its output, its memory) goes here.
                    drop(left_behind);
                    drop(ours);
                    drop(registry_ref);
                }
                Examined::Unregistered(ours) => drop(ours),
                Examined::Lingering(ours, left_behind) => {
                    drop(left_behind);
                    self.linger(cpu, ours);
                }
            }
        }
        self.end_pass_if_done(cpu);
    }

    /// The next lingering entry to look at: the rest of a pass that is due
    /// or under way, else (if `one_more`) the head of the list.
    fn next_lingering(&self, cpu: usize, one_more: bool) -> Option<TaskRef> {
        let c = self.cpu(cpu)?;
        let mut reaper = c.reaper.lock();
        if reaper.lingering.is_empty() {
            return None;
        }
        if !reaper.in_pass && c.recheck_at.load(Ordering::SeqCst) <= self.platform.now_ns() {
            reaper.in_pass = true;
            reaper.pass_reaped = false;
            reaper.pass_left = reaper.lingering.len();
        }
        if reaper.pass_left > 0 {
            reaper.pass_left -= 1;
        } else if !one_more {
            return None;
        }
        reaper.lingering.pop_front()
    }

    /// Puts a task that still has other holders on the lingering list, and
    /// makes sure a pass is scheduled.
    fn linger(&self, cpu: usize, task: TaskRef) {
        let Some(c) = self.cpu(cpu) else { return };
        let mut reaper = c.reaper.lock();
        reaper.lingering.push_back(task);
        if c.recheck_at.load(Ordering::SeqCst) == NO_DEADLINE {
            reaper.backoff_ns = RECHECK_MIN_NS;
            c.recheck_at.store(
                self.platform.now_ns().saturating_add(RECHECK_MIN_NS),
                Ordering::SeqCst,
            );
        }
    }

    /// Schedules the next pass once a pass has looked at all its entries,
    /// and clears the schedule once nothing lingers.
    fn end_pass_if_done(&self, cpu: usize) {
        let Some(c) = self.cpu(cpu) else { return };
        let mut reaper = c.reaper.lock();
        if reaper.lingering.is_empty() {
            reaper.in_pass = false;
            reaper.pass_left = 0;
            reaper.backoff_ns = RECHECK_MIN_NS;
            c.recheck_at.store(NO_DEADLINE, Ordering::SeqCst);
            return;
        }
        if reaper.in_pass && reaper.pass_left == 0 {
            reaper.in_pass = false;
            reaper.backoff_ns = if reaper.pass_reaped {
                RECHECK_MIN_NS
            } else {
                reaper.backoff_ns.saturating_mul(2).min(RECHECK_MAX_NS)
            };
            c.recheck_at.store(
                self.platform.now_ns().saturating_add(reaper.backoff_ns),
                Ordering::SeqCst,
            );
        }
    }
}
