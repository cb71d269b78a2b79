//! /proc/PID/status (Linux's proc_pid_status): name, state, ids, memory
//! sizes, signal masks, capabilities, seccomp and no_new_privs, in
//! Linux's order and spelling.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering;

use fs::synthetic::Opener;

use super::pid_stat::{sig_dispositions, state_of, vm_sizes};
use super::task::Task;

pub fn status(task: &Task, who: &Opener) -> fs::Result<Vec<u8>> {
    let p = task.process()?;
    let t = task.thread();
    let (letter, state) = state_of(task, who);
    let name: Vec<u8> = match &t {
        Some(t) => t.name.lock().iter().take_while(|&&b| b != 0).copied().collect(),
        None => Vec::new(),
    };
    let creds = match &t {
        Some(t) => t.creds.lock().clone(),
        None => p.with_creds(|c| c.clone()),
    };
    let umask = p.umask.load(Ordering::Relaxed);
    let tracer = t.as_ref().and_then(|t| crate::ptrace::tracer_of(t)).map_or(0, |tp| tp.pid);
    let mut s = String::new();
    let _ = write!(s, "Umask:\t{umask:04o}\nState:\t{letter} ({state})\nTgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t{}\nTracerPid:\t{tracer}\n", p.pid, task.id(), p.ppid());
    let _ = write!(s, "Uid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}\n", creds.ruid, creds.euid, creds.suid, creds.fsuid, creds.rgid, creds.egid, creds.sgid, creds.fsgid);
    let fdsize = p.files().lock().max_fds();
    let _ = write!(s, "FDSize:\t{fdsize}\nGroups:\t");
    for g in &creds.groups {
        let _ = write!(s, "{g} ");
    }
    s.push('\n');
    let _ = write!(s, "NStgid:\t{}\nNSpid:\t{}\nNSpgid:\t{}\nNSsid:\t{}\n", p.pid, task.id(), p.pgid(), p.sid());
    if let Some(mm) = p.mm().filter(|_| t.is_some()) {
        let (vsize, rss) = vm_sizes(&p);
        let locked = mm.with(|m| m.locked_bytes());
        let (data, stk, exe) = mm.with(|m| {
            let mut d = 0;
            let mut st = 0;
            let mut ex = 0;
            for v in m.vmas.values() {
                let len = v.end - v.start;
                if v.grows_down {
                    st += len;
                } else if v.prot.exec {
                    ex += len;
                } else if v.prot.write && !v.shared {
                    d += len;
                }
            }
            (d, st, ex)
        });
        let peak = p.maxrss_kib();
        let _ = write!(
            s,
            "VmPeak:\t{:8} kB\nVmSize:\t{:8} kB\nVmLck:\t{:8} kB\nVmPin:\t{:8} kB\nVmHWM:\t{:8} kB\nVmRSS:\t{:8} kB\nRssAnon:\t{:8} kB\nRssFile:\t{:8} kB\nRssShmem:\t{:8} kB\nVmData:\t{:8} kB\nVmStk:\t{:8} kB\nVmExe:\t{:8} kB\nVmLib:\t{:8} kB\nVmPTE:\t{:8} kB\nVmSwap:\t{:8} kB\n",
            vsize / 1024, vsize / 1024, locked / 1024, 0, peak, rss * 4, rss * 4, 0, 0, data / 1024, stk / 1024, exe / 1024, 0, 0, 0
        );
    }
    let nthreads = p.live_threads();
    let (sigpnd, shdpnd, blocked) = match &t {
        Some(t) => (t.signals.pending.lock().set(), p.shared_pending.lock().set(), t.sigmask()),
        None => (0, p.shared_pending.lock().set(), 0),
    };
    let (ign, cgt) = sig_dispositions(&p);
    let _ = write!(s, "Threads:\t{nthreads}\nSigQ:\t0/{}\nSigPnd:\t{sigpnd:016x}\nShdPnd:\t{shdpnd:016x}\nSigBlk:\t{blocked:016x}\nSigIgn:\t{ign:016x}\nSigCgt:\t{cgt:016x}\n", p.limits.lock().0[crate::proc::limits::RLIMIT_SIGPENDING].0);
    let _ = write!(
        s,
        "CapInh:\t{:016x}\nCapPrm:\t{:016x}\nCapEff:\t{:016x}\nCapBnd:\t{:016x}\nCapAmb:\t{:016x}\n",
        creds.cap_inheritable, creds.cap_permitted, creds.cap_effective, creds.cap_bounding, 0
    );
    let nnp = p.no_new_privs.load(Ordering::Relaxed) as u32;
    let _ = write!(s, "NoNewPrivs:\t{nnp}\nSeccomp:\t0\nSeccomp_filters:\t0\nSpeculation_Store_Bypass:\tvulnerable\nCpus_allowed:\t");
    let aff = t.as_ref().map_or(1, |t| t.affinity.load(Ordering::Relaxed));
    let cpus = platform::smp::cpus_online();
    let online = 1u64.checked_shl(cpus as u32).map_or(u64::MAX, |v| v - 1);
    let mask = if aff == 0 { online } else { aff & online };
    let _ = write!(s, "{mask:x}\nCpus_allowed_list:\t{}\n", cpu_list(mask));
    let _ = write!(s, "Mems_allowed:\t1\nMems_allowed_list:\t0\nvoluntary_ctxt_switches:\t{}\nnonvoluntary_ctxt_switches:\t{}\n", t.as_ref().map_or(0, |t| t.times().nvcsw), t.as_ref().map_or(0, |t| t.times().nivcsw));
    let mut out = b"Name:\t".to_vec();
    out.extend_from_slice(&escape_name(&name));
    out.push(b'\n');
    out.extend_from_slice(s.as_bytes());
    Ok(out)
}

/// "0-3" style list of the bits in `mask`.
pub fn cpu_list(mask: u64) -> String {
    let mut s = String::new();
    let mut i = 0;
    while i < 64 {
        if mask & (1 << i) != 0 {
            let start = i;
            while i + 1 < 64 && mask & (1 << (i + 1)) != 0 {
                i += 1;
            }
            if !s.is_empty() {
                s.push(',');
            }
            if start == i {
                let _ = write!(s, "{i}");
            } else {
                let _ = write!(s, "{start}-{i}");
            }
        }
        i += 1;
    }
    s
}

/// The name as status shows it: `\n` as "\n", backslash as "\\".
fn escape_name(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for &b in name {
        match b {
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\\' => out.extend_from_slice(b"\\\\"),
            _ => out.push(b),
        }
    }
    out
}
