//! The memory controller: `memory.current` is the resident memory of the
//! subtree's processes (their address spaces' present pages, each space
//! counted once), `memory.max` and the other limits take "max" or a size
//! with an optional K/M/G/T suffix, rounded down to pages (Linux's
//! page_counter_memparse), and `memory.events` and `memory.stat` report
//! in Linux's format.
//!
//! memory.max is enforced as Linux does when nothing can be reclaimed
//! (anonymous memory, no swap): a page fault that takes the cgroup or an
//! ancestor past its limit invokes that cgroup's OOM killer, which ends
//! the faulting process with SIGKILL; memory.events counts "max", "oom"
//! and "oom_kill" and notifies its pollers and watchers.
//!
//! Differs from Linux: page cache and kernel memory are not charged; the
//! check comes after the page is in (Linux refuses the charge first), and
//! the victim is the faulting process rather than the cgroup's largest;
//! memory.high is recorded but does not throttle.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use fs::cgroup::Id;

use super::control_files::Kind;
use super::fs_dir;
use super::tree::{self, HIER};
use crate::errno::Errno;
use crate::proc::Process;

/// Whether any cgroup has a memory.max (the fault path's fast check).
static LIMITED: AtomicBool = AtomicBool::new(false);

const PAGE: u64 = 4096;

/// Resident bytes of the subtree's processes.
pub fn current(id: Id) -> u64 {
    let mut seen: Vec<usize> = Vec::new();
    let mut total = 0;
    for p in tree::members(id, true) {
        let Some(mm) = p.mm() else { continue };
        let key = Arc::as_ptr(&mm) as usize;
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        total += mm.resident_kib() * 1024;
    }
    total
}

/// Parses "max" (`None`) or a size with an optional suffix.
pub fn parse_limit(s: &[u8]) -> Result<Option<u64>, Errno> {
    if s == b"max" {
        return Ok(None);
    }
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return Err(Errno::EINVAL);
    }
    let mut v: u64 = 0;
    for &c in &s[..digits] {
        v = v.saturating_mul(10).saturating_add((c - b'0') as u64);
    }
    let shift = match &s[digits..] {
        b"" => 0,
        b"k" | b"K" => 10,
        b"m" | b"M" => 20,
        b"g" | b"G" => 30,
        b"t" | b"T" => 40,
        _ => return Err(Errno::EINVAL),
    };
    Ok(Some(v.checked_shl(shift).unwrap_or(u64::MAX) / PAGE * PAGE))
}

pub fn max(id: Id) -> Option<u64> {
    fs_dir::dir(id).and_then(|d| d.stats.lock().memory_max)
}

pub fn set_max(id: Id, s: &[u8]) -> Result<(), Errno> {
    let v = parse_limit(s)?;
    fs_dir::dir(id).ok_or(Errno::ENODEV)?.stats.lock().memory_max = v;
    if v.is_some() {
        LIMITED.store(true, Ordering::Release);
    }
    Ok(())
}

/// A page fault of `p` brought a page in: past the memory.max of its
/// cgroup or an ancestor, that cgroup's OOM killer ends `p`.
pub fn charge_fault(p: &Arc<Process>) {
    if !LIMITED.load(Ordering::Acquire) || p.is_exiting() {
        return;
    }
    let chain = HIER.lock().ancestry(tree::cgroup_of(p));
    for id in chain {
        let Some(d) = fs_dir::dir(id) else { continue };
        let Some(limit) = d.stats.lock().memory_max else { continue };
        if current(id) <= limit {
            continue;
        }
        {
            let mut st = d.stats.lock();
            st.memory_max_events += 1;
            st.memory_oom += 1;
            st.memory_oom_kill += 1;
        }
        log::info!("memory cgroup out of memory: killed process {} (memory.max {limit})", p.pid);
        crate::signal::send_process(p, crate::signal::SigInfo::kernel(crate::signal::SIGKILL), true);
        super::events::file_changed(id, Kind::MemoryEvents);
        return;
    }
}

pub fn events(id: Id) -> Vec<u8> {
    let (max, oom, kill) = fs_dir::dir(id).map_or((0, 0, 0), |d| {
        let st = d.stats.lock();
        (st.memory_max_events, st.memory_oom, st.memory_oom_kill)
    });
    alloc::format!("low 0\nhigh 0\nmax {max}\noom {oom}\noom_kill {kill}\noom_group_kill 0\n").into_bytes()
}

pub fn stat(id: Id) -> Vec<u8> {
    let anon = current(id);
    alloc::format!("anon {anon}\nfile 0\nkernel 0\nkernel_stack 0\npagetables 0\nsec_pagetables 0\npercpu 0\nsock 0\nvmalloc 0\nshmem 0\n").into_bytes()
}
