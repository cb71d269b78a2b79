//! The registry of live tasks: the executor's owning reference to each task.
//!
//! Owns: one `TaskRef` per task from spawn until the task is reaped, and the
//! reaping rule.
//!
//! Why it exists: a task must never be freed inside an interrupt handler (its
//! output's destructor and the allocator's lock must not run there), yet an
//! interrupt handler may wake a task and drop the waker, and a waker is a
//! reference to the task. Holding one reference here, released only by the
//! run loop, makes every other reference an *extra* one: dropping it only
//! decrements a count.
//!
//! Reaping rule: when a task finishes, the CPU that finished it keeps a
//! reference in its reap list. The reaper (run loop, task context) looks at
//! a bounded number of entries per turn; an entry whose strong count is 2
//! (the registry's and the reap list's) has no other holder and none can
//! appear (a new reference can only be cloned from an existing one), so the
//! reaper removes it from the registry and drops both references, outside
//! every lock. Entries with other holders (a live `JoinHandle`, a waker kept
//! by a driver) stay until a later turn.
//!
//! Locking: the registry lock is taken only in task context (spawn, reap,
//! shutdown), never by a waker or an interrupt handler.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::sync::SpinLock;
use crate::task::TaskRef;

/// The executor is shut down: no new tasks are accepted.
#[derive(Debug)]
pub(crate) struct Closed;

struct Slab {
    slots: Vec<Option<TaskRef>>,
    free: Vec<usize>,
    live: usize,
    closed: bool,
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
        let index = match slab.free.pop() {
            Some(index) => {
                slab.slots[index] = Some(task.clone());
                index
            }
            None => {
                slab.slots.push(Some(task.clone()));
                slab.slots.len() - 1
            }
        };
        slab.live += 1;
        task.header()
            .slot
            .store(index, crate::sync::Ordering::Relaxed);
        Ok(())
    }

    /// Releases the registry's reference if `candidate` (a finished task in
    /// a reap list) has no other holder. Returns the registry's reference for
    /// the caller to drop outside the lock, or gives `candidate` back.
    pub(crate) fn try_reap(
        &self,
        candidate: TaskRef,
    ) -> Result<(TaskRef, Option<TaskRef>), TaskRef> {
        // Two references: the registry's and `candidate`.
        if Arc::strong_count(&candidate) != 2 {
            return Err(candidate);
        }
        let index = candidate.header().slot.load(crate::sync::Ordering::Relaxed);
        let mut slab = self.slab.lock();
        let owned = match slab.slots.get_mut(index) {
            Some(slot @ Some(_)) if slot.as_ref().is_some_and(|t| Arc::ptr_eq(t, &candidate)) => {
                slot.take()
            }
            _ => None,
        };
        match owned {
            Some(owned) => {
                slab.free.push(index);
                slab.live -= 1;
                drop(slab);
                Ok((candidate, Some(owned)))
            }
            // Not registered (shutdown already took it): only ours to drop.
            None => {
                drop(slab);
                Ok((candidate, None))
            }
        }
    }

    /// Closes the registry and takes every reference (shutdown).
    pub(crate) fn close_and_take_all(&self) -> Vec<TaskRef> {
        let mut slab = self.slab.lock();
        slab.closed = true;
        slab.live = 0;
        slab.free.clear();
        let slots = core::mem::take(&mut slab.slots);
        drop(slab);
        slots.into_iter().flatten().collect()
    }

    /// Number of registered (not yet reaped) tasks.
    pub(crate) fn live(&self) -> usize {
        self.slab.lock().live
    }
}
