//! /proc/PID/stat and /proc/PID/statm (Linux's do_task_stat and
//! proc_pid_statm): one line of numbers. Fields Aramid does not track
//! (major faults, guest time, block I/O delay) read 0, as on a kernel
//! without that accounting; the start time is in clock ticks since boot.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::synthetic::{Opener, Scope};

use super::task::Task;
use super::{bytes, ticks};
use crate::mm::vma::Kind;
use crate::proc::{process::ExitState, Process, Thread};

/// The state letter and its name (Linux's task_state_array).
pub fn state_of(task: &Task, who: &Opener) -> (char, &'static str) {
    let Ok(p) = task.process() else { return ('X', "dead") };
    if matches!(p.state(), ExitState::Zombie(_)) || p.is_zombie() {
        return ('Z', "zombie");
    }
    let Some(t) = task.thread() else { return ('Z', "zombie") };
    if t.trace.lock().as_ref().is_some_and(|tr| tr.stop.as_ref().is_some_and(|s| s.resume.is_none())) {
        return ('t', "tracing stop");
    }
    if p.is_stopped() {
        return ('T', "stopped");
    }
    if t.tid() == who.caller.tid || t.in_user_mode() {
        ('R', "running")
    } else {
        ('S', "sleeping")
    }
}

/// Virtual size in bytes and resident pages of `p`'s address space.
pub fn vm_sizes(p: &Process) -> (u64, u64) {
    p.mm().map_or((0, 0), |mm| {
        mm.with(|m| (m.vmas.values().map(|v| v.end - v.start).sum(), m.space.resident_pages().0))
    })
}

/// The text (code) range: the executable's lowest and highest mapped
/// executable addresses.
fn code_range(p: &Process) -> (u64, u64) {
    p.mm().map_or((0, 0), |mm| {
        mm.with(|m| {
            let code = m.vmas.values().filter(|v| v.prot.exec && matches!(v.kind, Kind::File { .. } | Kind::Pages { .. }));
            code.fold((0, 0), |(lo, hi), v| (if lo == 0 { v.start } else { lo.min(v.start) }, hi.max(v.end)))
        })
    })
}

fn comm(t: Option<&Arc<Thread>>, p: &Process) -> Vec<u8> {
    let name = match t {
        Some(t) => *t.name.lock(),
        None => p.threads().first().map_or([0; 16], |t| *t.name.lock()),
    };
    name.iter().take_while(|&&b| b != 0).copied().collect()
}

pub fn stat(task: &Task, who: &Opener) -> fs::Result<Vec<u8>> {
    let p = task.process()?;
    let t = task.thread();
    let (state, _) = state_of(task, who);
    let times = match (&t, task.tid) {
        (Some(t), Some(_)) => t.times(),
        _ => p.total_times(),
    };
    let child = *p.child_times.lock();
    let nthreads = p.live_threads().max(1);
    let (vsize, rss) = vm_sizes(&p);
    let (code_lo, code_hi) = code_range(&p);
    let (args, brk) = p.mm().map_or(([0; 4], (0, 0)), |mm| mm.with(|m| (m.args, (m.brk_start, m.brk))));
    // tty_nr is the controlling terminal's device number in Linux's
    // new_encode_dev form; tpgid its foreground group (-1 without one).
    let (tty, tpgid): (u64, i64) = if crate::file::tty::TTY.is_controlling(&p) {
        ((5 << 8) | 1, crate::file::tty::TTY.fg_pgrp.load(core::sync::atomic::Ordering::Relaxed) as i64)
    } else if let Some(pty) = crate::file::pty::controlling(&p) {
        let minor = pty.index as u64;
        ((minor & 0xff) | (136 << 8) | ((minor & !0xff) << 12), pty.tty.fg_pgrp.load(core::sync::atomic::Ordering::Relaxed) as i64)
    } else {
        (0, -1)
    };
    let (sigpend, blocked) = t.as_ref().map_or((0, 0), |t| (t.signals.pending.lock().set() | p.shared_pending.lock().set(), t.sigmask()));
    let (ignored, caught) = sig_dispositions(&p);
    let exit_code = match p.state() {
        ExitState::Zombie(s) => s,
        ExitState::Running => 0,
    };
    let rlim_rss = p.limits.lock().0[5].0; // RLIMIT_RSS
    let mut out = format!("{} (", task.id()).into_bytes();
    out.extend_from_slice(&comm(t.as_ref(), &p));
    out.extend_from_slice(
        format!(
            ") {state} {ppid} {pgrp} {sid} {tty} {tpgid} {flags} {minflt} 0 0 0 {utime} {stime} {cutime} {cstime} 20 0 {nthreads} 0 {start} {vsize} {rss} {rlim_rss} {code_lo} {code_hi} {stack} 0 0 {sigpend} {blocked} {ignored} {caught} 0 0 0 {exit_signal} {cpu} 0 0 0 0 0 0 {brk0} {brk1} {a0} {a1} {e0} {e1} {exit_code}\n",
            ppid = p.ppid(),
            pgrp = p.pgid(),
            sid = p.sid(),
            flags = 0x0040_0000u32, // PF_RANDOMIZE
            minflt = times.minflt,
            utime = ticks(times.user),
            stime = ticks(times.system),
            cutime = ticks(child.user),
            cstime = ticks(child.system),
            start = ticks(p.start_ns),
            stack = crate::mm::STACK_TOP,
            exit_signal = p.exit_signal,
            cpu = 0,
            brk0 = brk.0,
            brk1 = brk.1,
            a0 = args[0],
            a1 = args[1],
            e0 = args[2],
            e1 = args[3],
        )
        .as_bytes(),
    );
    Ok(out)
}

/// Ignored and caught signals as two masks.
pub fn sig_dispositions(p: &Process) -> (u64, u64) {
    let (mut ignored, mut caught) = (0u64, 0u64);
    for sig in 1..=64u32 {
        let a = p.action(sig);
        match a.handler {
            0 => {}
            1 => ignored |= 1 << (sig - 1),
            _ => caught |= 1 << (sig - 1),
        }
    }
    (ignored, caught)
}

/// size resident shared text lib data dt, in pages.
pub fn statm(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    let p = task.process()?;
    let (vsize, rss) = vm_sizes(&p);
    let (lo, hi) = code_range(&p);
    let data: u64 = p.mm().map_or(0, |mm| mm.with(|m| m.vmas.values().filter(|v| v.prot.write && !v.shared).map(|v| v.end - v.start).sum()));
    let _ = task.alive();
    bytes(format!("{} {} 0 {} 0 {} 0\n", vsize / 4096, rss, (hi - lo) / 4096, data / 4096))
}
