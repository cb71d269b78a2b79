//! The pids controller: `pids.current` (tasks — threads — in the
//! subtree), `pids.max` ("max" or a count; EINVAL outside 0..=PID_MAX_LIMIT)
//! enforced when a process or thread is created: fork, clone and clone3
//! fail with EAGAIN when the new task would pass the limit of the
//! creator's cgroup or of an ancestor, and that cgroup's `pids.events`
//! counts "max" (Linux's pids_try_charge).

use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use fs::cgroup::Id;

use super::control_files::parse_int;
use super::fs_dir;
use super::tree::{self, HIER};
use crate::errno::Errno;

/// Linux's PID_MAX_LIMIT on 64-bit.
const PID_MAX_LIMIT: i64 = 4 * 1024 * 1024;

/// Whether any cgroup has a limit (the fork path's fast check).
static LIMITED: AtomicBool = AtomicBool::new(false);

/// Tasks in `id`'s subtree.
pub fn current(id: Id) -> u64 {
    tree::members(id, true).iter().map(|p| p.live_threads().max(1) as u64).sum()
}

pub fn max(id: Id) -> Option<u64> {
    fs_dir::dir(id).and_then(|d| d.stats.lock().pids_max)
}

pub fn set_max(id: Id, s: &[u8]) -> Result<(), Errno> {
    let v = if s == b"max" {
        None
    } else {
        let v = parse_int(s)?;
        if !(0..=PID_MAX_LIMIT).contains(&v) {
            return Err(Errno::EINVAL);
        }
        Some(v as u64)
    };
    fs_dir::dir(id).ok_or(Errno::ENODEV)?.stats.lock().pids_max = v;
    if v.is_some() {
        LIMITED.store(true, Ordering::Release);
    }
    Ok(())
}

pub fn events(id: Id) -> Vec<u8> {
    let n = fs_dir::dir(id).map_or(0, |d| d.stats.lock().pids_max_events);
    alloc::format!("max {n}\n").into_bytes()
}

/// May one more task start in cgroup `cg`? EAGAIN past a limit on the
/// way up.
pub fn may_fork(cg: Id) -> Result<(), Errno> {
    if !LIMITED.load(Ordering::Acquire) {
        return Ok(());
    }
    let chain = HIER.lock().ancestry(cg);
    for id in chain {
        let Some(d) = fs_dir::dir(id) else { continue };
        let Some(limit) = d.stats.lock().pids_max else { continue };
        if current(id) + 1 > limit {
            d.stats.lock().pids_max_events += 1;
            super::events::file_changed(id, super::control_files::Kind::PidsEvents);
            return Err(Errno::EAGAIN);
        }
    }
    Ok(())
}
