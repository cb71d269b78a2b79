//! The registry of live tasks: the executor's owning reference to each task,
//! and the hand-over between a task's `JoinHandle` and the reaper.
//!
//! Owns: one `TaskRef` per task from spawn until the task is reaped; the
//! reference a dropped `JoinHandle` leaves behind for the task's examination;
//! the reaping rule.
//!
//! Why it exists: a task must never be freed inside an interrupt handler (its
//! output's destructor and the allocator's lock must not run there), yet an
//! interrupt handler may wake a task and drop the waker, and a waker is a
//! reference to the task. Holding one reference here, released only by the
//! run loop, makes every other reference an *extra* one: dropping it only
//! decrements a count.
//!
//! Reaping rule: a finished task is *examined* by a reaper (a CPU's run loop,
//! task context, [`crate::reaper`]) that holds one reference to it. Two
//! flags in the task's state word ([`crate::state`]) and this registry
//! decide what happens:
//!
//! ```text
//!   reaper, task DONE                       JoinHandle dropped (task context)
//!   -----------------                       ---------------------------------
//!   park(): handle not gone?                PARKED already? (final until now)
//!     yes: PARKED. Drop our reference and     yes: set HANDLE_GONE; give our
//!          forget the task: it is on no list.      reference to the reaper of
//!          The handle hands it back.               the CPU that finished it.
//!     no:  under the registry lock, take      no:  under the registry lock:
//!          the reference the handle left           leave our reference in the
//!          in the slot; if the strong count        slot, then set HANDLE_GONE;
//!          is registry + ours + that one,          if that finds PARKED (the
//!          nobody else holds the task and          reaper parked it meanwhile),
//!          nobody can obtain it (a reference       take it back out and give it
//!          is only cloned from another):           to the reaper.
//!          remove it and drop all three
//!          outside the lock (REAPED).
//!          Otherwise wakers are still held
//!          elsewhere: the reaper keeps it on
//!          its lingering list.
//! ```
//!
//! `park` and setting `HANDLE_GONE` are read-modify-writes of the same word,
//! so exactly one of the two sides sees the other: the task is handed to the
//! reaper exactly once after both the task and its handle are done with it,
//! and a finished task is reaped as soon as its handle is gone, with no other
//! event. Held handles cost nothing: a parked task is on no list.
//!
//! Why the handle never drops its reference itself: a decrement is invisible
//! (no atomic state changes with it), so a reaper examining the task between
//! the handle's last look at the state and its decrement would count it and
//! keep the task, and nothing would tell it to look again. Moving the
//! reference — into the slot under the lock the examination takes, or to the
//! reaper — leaves no such window. (Loom cannot check this part: it does not
//! see `Arc`'s count. The model `executor_handle_drop_and_reaping` checks the
//! flags and the hand-over.)
//!
//! Locking: the registry lock is taken only in task context (spawn, dropping
//! a handle that is not parked, examining a task whose handle is gone,
//! shutdown), never by a waker or an interrupt handler; nothing is dropped
//! under it.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::sync::SpinLock;
use crate::task::TaskRef;

/// The executor is shut down: no new tasks are accepted.
#[derive(Debug)]
pub(crate) struct Closed;

struct Slot {
    task: TaskRef,
    /// A dropped handle's reference, left for the examination to drop.
    left_behind: Option<TaskRef>,
}

struct Slab {
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    live: usize,
    closed: bool,
}

impl Slab {
    /// The slot at `index` if it holds `task`.
    fn slot_of(&mut self, index: usize, task: &TaskRef) -> Option<&mut Slot> {
        self.slots
            .get_mut(index)
            .and_then(Option::as_mut)
            .filter(|slot| Arc::ptr_eq(&slot.task, task))
    }
}

/// What [`Registry::examine`] decided. Every reference it carries is dropped
/// by the caller, outside the lock.
pub(crate) enum Examined {
    /// Released: the registry's reference, the reaper's, and a dropped
    /// handle's if it had left one.
    Reaped(TaskRef, TaskRef, Option<TaskRef>),
    /// Other holders (wakers) remain: keep the reaper's reference (the
    /// first) and look again later; drop the second.
    Lingering(TaskRef, Option<TaskRef>),
    /// Not registered (shutdown took it): drop it.
    Unregistered(TaskRef),
}

/// What [`Registry::leave_behind`] did with a dropped handle's reference.
pub(crate) enum Released {
    /// Left in the slot for the task's examination: nothing to do.
    LeftBehind,
    /// The task was parked meanwhile: give this reference to the reaper.
    ToReaper(TaskRef),
    /// Not registered (spawned after shutdown, or shutdown took it): drop it
    /// (task context).
    Unregistered(TaskRef),
}

pub(crate) struct Registry {
    slab: SpinLock<Slab>,
}

impl Registry {
    pub(crate) fn new() -> Self {
        Self {
            slab: SpinLock::new(Slab {
                slots: Vec::new(),
                free: Vec::new(),
                live: 0,
                closed: false,
            }),
        }
    }

    /// Adds the owning reference and records the slot in the task header.
    pub(crate) fn insert(&self, task: &TaskRef) -> Result<(), Closed> {
        let mut slab = self.slab.lock();
        if slab.closed {
            return Err(Closed);
        }
        let slot = Slot {
            task: task.clone(),
            left_behind: None,
        };
        let index = match slab.free.pop() {
            Some(index) => {
                slab.slots[index] = Some(slot);
                index
            }
            None => {
                slab.slots.push(Some(slot));
                slab.slots.len() - 1
            }
        };
        slab.live += 1;
        task.header()
            .slot
            .store(index, crate::sync::Ordering::Relaxed);
        Ok(())
    }

    /// The reaper looks at `candidate`, a finished task it holds one
    /// reference to and could not park (its handle is gone; see the module
    /// documentation).
    pub(crate) fn examine(&self, candidate: TaskRef) -> Examined {
        let index = candidate.header().slot.load(crate::sync::Ordering::Relaxed);
        let mut slab = self.slab.lock();
        let Some(slot) = slab.slot_of(index, &candidate) else {
            drop(slab);
            return Examined::Unregistered(candidate);
        };
        let left_behind = slot.left_behind.take();
        // The registry's, ours, and the handle's if it left one.
        let ours = 2 + usize::from(left_behind.is_some());
        if Arc::strong_count(&candidate) != ours {
            drop(slab);
            return Examined::Lingering(candidate, left_behind);
        }
        let Some(Slot { task, .. }) = slab.slots.get_mut(index).and_then(Option::take) else {
            // Unreachable: `slot_of` found it above.
            drop(slab);
            return Examined::Lingering(candidate, left_behind);
        };
        slab.free.push(index);
        slab.live -= 1;
        drop(slab);
        Examined::Reaped(task, candidate, left_behind)
    }

    /// A `JoinHandle` of a task that was not parked is being dropped: leaves
    /// its reference in the task's slot, then marks the handle gone in the
    /// task's state; if the reaper parked the task meanwhile, takes the
    /// reference back for the reaper. Task context.
    pub(crate) fn leave_behind(&self, task: TaskRef) -> Released {
        let index = task.header().slot.load(crate::sync::Ordering::Relaxed);
        let mut slab = self.slab.lock();
        let Some(slot) = slab.slot_of(index, &task) else {
            drop(slab);
            return Released::Unregistered(task);
        };
        let left = slot.left_behind.insert(task);
        if !left.header().state.drop_handle() {
            return Released::LeftBehind;
        }
        let Some(task) = slot.left_behind.take() else {
            // Unreachable: inserted above.
            return Released::LeftBehind;
        };
        drop(slab);
        Released::ToReaper(task)
    }

    /// Closes the registry and takes every reference it holds: the owning
    /// ones (returned, one per task) and those dropped handles left behind
    /// (added to `left_behind`). Shutdown.
    pub(crate) fn close_and_take_all(&self, left_behind: &mut Vec<TaskRef>) -> Vec<TaskRef> {
        let mut slab = self.slab.lock();
        slab.closed = true;
        slab.live = 0;
        slab.free.clear();
        let slots = core::mem::take(&mut slab.slots);
        drop(slab);
        let mut tasks = Vec::with_capacity(slots.len());
        for slot in slots.into_iter().flatten() {
            tasks.push(slot.task);
            left_behind.extend(slot.left_behind);
        }
        tasks
    }

    /// Number of registered (not yet reaped) tasks.
    pub(crate) fn live(&self) -> usize {
        self.slab.lock().live
    }
}
