//! The out-of-memory killer (Linux's mm/oom_kill.c, without cgroups: the
//! memory controller has its own in cgroup/memory.rs). When a page fault
//! finds no free frame, the process with the highest badness — resident
//! pages, plus `oom_score_adj` thousandths of all memory — is killed with
//! SIGKILL and reported as Linux reports it ("Out of memory: Killed process
//! N (comm) ..."); the faulting thread waits for the memory to come back
//! and tries again. PID 1 and processes with `oom_score_adj` -1000 are never
//! chosen; a process already dying is waited for, not killed again.

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use crate::proc::{pid, Process};
use crate::signal::{self, SigInfo};

/// `oom_score_adj` that exempts a process.
const OOM_SCORE_ADJ_MIN: i32 = -1000;

/// How long a faulting thread waits for a victim's memory, in all.
const WAIT_NS: u64 = 2_000_000_000;

/// What `p` would free, in pages, as Linux's oom_badness; None if exempt.
fn badness(p: &Process, total_pages: i64) -> Option<i64> {
    let adj = p.oom_score_adj.load(Ordering::Relaxed);
    if p.pid == 1 || adj == OOM_SCORE_ADJ_MIN || p.is_zombie() {
        return None;
    }
    let rss = p.mm()?.resident_kib() as i64 / 4;
    Some((rss + i64::from(adj) * (total_pages / 1000)).max(1))
}

/// The process to kill: a dying one first (its memory is on the way
/// back), else the one with the highest badness.
fn choose() -> Option<(Arc<Process>, bool)> {
    let total_pages = (platform::mem::frame::total_bytes() / 4096) as i64;
    let mut best: Option<(Arc<Process>, i64)> = None;
    for p in pid::all() {
        let Some(score) = badness(&p, total_pages) else { continue };
        if p.is_exiting() {
            return Some((p, true));
        }
        if best.as_ref().is_none_or(|(_, s)| score > *s) {
            best = Some((p, score));
        }
    }
    best.map(|(p, _)| (p, false))
}

/// Kills a process to free memory for a fault of `faulting` that found
/// none. Returns false when nothing could be chosen (the fault fails).
pub async fn out_of_memory(faulting: &Arc<Process>) -> bool {
    let Some((victim, dying)) = choose() else { return false };
    if !dying {
        report(&victim);
        signal::send_process(&victim, SigInfo::kernel(signal::SIGKILL), true);
    }
    if Arc::ptr_eq(&victim, faulting) {
        // The fault's thread dies on its way out; nothing to wait for.
        return true;
    }
    // Wait for the victim to let go of its memory (it runs its exit on the
    // executor), a few milliseconds at a time, up to WAIT_NS.
    let until = platform::time::now_ns() + WAIT_NS;
    while victim.mm().is_some() && !victim.is_zombie() && platform::time::now_ns() < until {
        crate::sched::sleep_until(platform::time::now_ns() + 5_000_000).await;
    }
    true
}

/// The kernel log line Linux prints for a kill.
fn report(p: &Process) {
    let (vm, rss_kib) = p.mm().map_or((0, 0), |mm| (mm.with(|m| m.vmas.values().map(|v| v.end - v.start).sum::<u64>()), mm.resident_kib()));
    let name = p.threads().first().map_or([0; 16], |t| *t.name.lock());
    let comm = core::str::from_utf8(&name[..name.iter().position(|&b| b == 0).unwrap_or(16)]).unwrap_or("?");
    log::error!(
        "Out of memory: Killed process {} ({}) total-vm:{}kB, anon-rss:{}kB, file-rss:0kB, shmem-rss:0kB, UID:{} pgtables:0kB oom_score_adj:{}",
        p.pid,
        comm,
        vm / 1024,
        rss_kib,
        p.with_creds(|c| c.ruid),
        p.oom_score_adj.load(Ordering::Relaxed)
    );
}
