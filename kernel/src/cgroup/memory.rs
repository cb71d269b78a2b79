//! The memory controller: `memory.current` is the resident memory of the
//! subtree's processes (their address spaces' present pages, each space
//! counted once), `memory.max` and the other limits take "max" or a size
//! with an optional K/M/G/T suffix, rounded down to pages (Linux's
//! page_counter_memparse), and `memory.events` and `memory.stat` report
//! in Linux's format.
//!
//! Differs from Linux: page cache and kernel memory are not charged, and
//! memory.max is recorded but not enforced (no reclaim, no OOM kill), so
//! the "max", "oom" and "oom_kill" events stay 0.

use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::cgroup::Id;

use super::fs_dir;
use super::tree;
use crate::errno::Errno;

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
    Ok(())
}

pub fn events(id: Id) -> Vec<u8> {
    let max = fs_dir::dir(id).map_or(0, |d| d.stats.lock().memory_max_events);
    alloc::format!("low 0\nhigh 0\nmax {max}\noom 0\noom_kill 0\noom_group_kill 0\n").into_bytes()
}

pub fn stat(id: Id) -> Vec<u8> {
    let anon = current(id);
    alloc::format!("anon {anon}\nfile 0\nkernel 0\nkernel_stack 0\npagetables 0\nsec_pagetables 0\npercpu 0\nsock 0\nvmalloc 0\nshmem 0\n").into_bytes()
}
