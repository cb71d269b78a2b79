//! The hierarchy and the processes in it.
//!
//! Every process is in exactly one cgroup ([`Process::cgroup`]): init
//! starts in the root, a child starts where the process that forked it
//! is, exit takes it out (so `populated` drops before the parent reaps
//! it, as Linux's cgroup_exit), and a write to `cgroup.procs` moves it
//! ([`migrate`]). A move or an exit that changes a cgroup's `populated`
//! state notifies its `cgroup.events`; a move into or out of a frozen
//! cgroup freezes or thaws the process.
//!
//! CPU time is charged where it was spent: a process's time up to a move
//! or its exit is added to the cgroup it leaves; `cpu.stat` adds its live
//! members' time since they came in.
//!
//! Freezing (`cgroup.freeze`) parks every thread of the cgroup's
//! processes the next time it would enter user mode (a thread blocked in
//! a system call parks when the call ends); SIGKILL still ends them. The
//! cgroup reports `frozen 1` as soon as the freeze is asked for, where
//! Linux waits until every task has stopped.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use fs::cgroup::{Hierarchy, Id, ROOT};

use super::events;
use crate::errno::Errno;
use crate::proc::{pid, Process};

/// The hierarchy (one for the whole system, like Linux's cgrp_dfl_root).
pub static HIER: spin::Lazy<spin::Mutex<Hierarchy>> = spin::Lazy::new(|| spin::Mutex::new(Hierarchy::new()));

/// The cgroup `p` is in.
pub fn cgroup_of(p: &Process) -> Id {
    p.cgroup.load(Ordering::Acquire)
}

/// A new process joins the cgroup it was created in (already set in
/// [`Process::cgroup`]).
pub fn enter_new(p: &Arc<Process>) {
    let (changed, frozen) = {
        let mut h = HIER.lock();
        let mut id = cgroup_of(p);
        // Its cgroup went away meanwhile: the nearest ancestor left is the
        // one Linux would have found (a removed cgroup cannot hold it).
        if !h.contains(id) {
            id = ROOT;
            p.cgroup.store(id, Ordering::Release);
        }
        (h.migrate(p.pid, None, Some(id)), h.frozen(id))
    };
    *p.cg_cpu_base.lock() = (0, 0);
    set_frozen(p, frozen);
    events::changed(&changed);
}

/// The process is exiting: its time goes to its cgroup, and it leaves.
/// Its `exiting` flag is already set, so no move can put it back
/// ([`migrate`] looks at the flag under the same lock).
pub fn exit(p: &Process) {
    let (id, changed) = {
        let mut h = HIER.lock();
        let id = cgroup_of(p);
        (id, h.migrate(p.pid, Some(id), None))
    };
    super::cpu::charge(p, id);
    events::changed(&changed);
}

/// Moves `p` into `to` after Linux's checks on the destination. A process
/// that is exiting has left its cgroup already and is skipped without an
/// error, as Linux skips PF_EXITING tasks.
pub fn migrate(p: &Arc<Process>, to: Id) -> Result<(), Errno> {
    let (from, changed, frozen) = {
        let mut h = HIER.lock();
        h.vet_migration_dst(to)?;
        let from = cgroup_of(p);
        if p.is_zombie() || p.is_exiting() || from == to {
            return Ok(());
        }
        let changed = h.migrate(p.pid, Some(from), Some(to));
        p.cgroup.store(to, Ordering::Release);
        (from, changed, h.frozen(to))
    };
    super::cpu::charge(p, from);
    set_frozen(p, frozen);
    events::changed(&changed);
    Ok(())
}

/// Freezes or thaws `p`: frozen threads park before user mode.
pub fn set_frozen(p: &Arc<Process>, frozen: bool) {
    if p.frozen.swap(frozen, Ordering::AcqRel) == frozen {
        return;
    }
    if frozen {
        for t in p.threads() {
            t.kick();
        }
    } else {
        p.stop_wait.wake_all();
    }
}

/// Writes `cgroup.freeze` of `id`.
pub fn freeze(id: Id, on: bool) -> Result<(), Errno> {
    let (changed, procs) = {
        let mut h = HIER.lock();
        let changed = h.set_freeze(id, on)?;
        let procs: Vec<(u32, bool)> = h.subtree(id).into_iter().flat_map(|c| {
            let f = h.frozen(c);
            h.get(c).map(|n| n.procs.iter().map(|&p| (p, f)).collect::<Vec<_>>()).unwrap_or_default()
        }).collect();
        (changed, procs)
    };
    for (pid, f) in procs {
        if let Some(p) = pid::find(pid) {
            set_frozen(&p, f);
        }
    }
    events::changed(&changed);
    Ok(())
}

/// `cgroup.kill`: SIGKILL to every process in `id`'s subtree.
pub fn kill(id: Id) -> Result<(), Errno> {
    let procs = {
        let h = HIER.lock();
        h.node(id)?;
        h.subtree_procs(id)
    };
    for pid in procs {
        if let Some(p) = pid::find(pid) {
            crate::signal::send_process(&p, crate::signal::SigInfo::kernel(crate::signal::SIGKILL), true);
        }
    }
    Ok(())
}

/// The live processes in `id` itself (`subtree`: and below it).
pub fn members(id: Id, subtree: bool) -> Vec<Arc<Process>> {
    let pids: Vec<u32> = {
        let h = HIER.lock();
        if subtree {
            h.subtree_procs(id)
        } else {
            h.get(id).map(|n| n.procs.iter().copied().collect()).unwrap_or_default()
        }
    };
    pids.into_iter().filter_map(pid::find).collect()
}
