//! The smaller per-process entries: comm (writable by the process's own
//! threads, EINVAL for others, as Linux's comm_write), limits,
//! oom_score and oom_score_adj (lowering needs root: EACCES), wchan,
//! loginuid and sessionid (audit: written once by root for its own
//! process), uid_map/gid_map/setgroups of the initial user namespace
//! (identity maps; writes EPERM) and attr/ (a kernel without an LSM: reads are EINVAL).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicU32, Ordering};

use fs::synthetic::{Opener, TableEntry, TextFile};

use super::bytes;
use super::task::Task;
use crate::proc::limits::RLIM_INFINITY;

pub fn comm(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    task.process()?;
    let name = task.thread().map_or([0; 16], |t| *t.name.lock());
    let mut out: Vec<u8> = name.iter().take_while(|&&b| b != 0).copied().collect();
    out.push(b'\n');
    Ok(out)
}

pub fn set_comm(task: &Task, who: &Opener, data: &[u8]) -> fs::Result<usize> {
    let p = task.process()?;
    if who.caller.pid != p.pid {
        return Err(fs::Errno::EINVAL);
    }
    let t = task.thread().ok_or(fs::Errno::ESRCH)?;
    let n = data.len().min(15);
    let name: Vec<u8> = data[..n].iter().take_while(|&&b| b != 0).copied().collect();
    t.set_name(&name);
    Ok(data.len())
}

const LIMITS: [(&str, Option<&str>); 16] = [
    ("Max cpu time", Some("seconds")),
    ("Max file size", Some("bytes")),
    ("Max data size", Some("bytes")),
    ("Max stack size", Some("bytes")),
    ("Max core file size", Some("bytes")),
    ("Max resident set", Some("bytes")),
    ("Max processes", Some("processes")),
    ("Max open files", Some("files")),
    ("Max locked memory", Some("bytes")),
    ("Max address space", Some("bytes")),
    ("Max file locks", Some("locks")),
    ("Max pending signals", Some("signals")),
    ("Max msgqueue size", Some("bytes")),
    ("Max nice priority", None),
    ("Max realtime priority", None),
    ("Max realtime timeout", Some("us")),
];

pub fn limits(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    let p = task.process()?;
    let l = p.limits.lock().0;
    let mut s = format!("{:<25} {:<20} {:<20} {:<10}\n", "Limit", "Soft Limit", "Hard Limit", "Units");
    let show = |v: u64| if v == RLIM_INFINITY { String::from("unlimited") } else { format!("{v}") };
    for (i, (name, unit)) in LIMITS.iter().enumerate() {
        let _ = write!(s, "{:<25} {:<20} {:<20} ", name, show(l[i].0), show(l[i].1));
        if let Some(u) = unit {
            let _ = write!(s, "{u:<10}");
        }
        s.push('\n');
    }
    bytes(s)
}

/// Linux's oom_score (0..2000 scaled by 2/3): the adjustment dominates
/// for a small process.
pub fn oom_score(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    let p = task.process()?;
    let adj = p.oom_score_adj.load(Ordering::Relaxed) as i64;
    bytes(format!("{}\n", (1000 + adj).clamp(0, 2000) * 2 / 3))
}

pub fn oom_score_adj(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    let p = task.process()?;
    bytes(format!("{}\n", p.oom_score_adj.load(Ordering::Relaxed)))
}

/// A decimal integer with optional sign and surrounding whitespace
/// (Linux's kstrtoint after strstrip).
pub fn parse_int(data: &[u8]) -> fs::Result<i64> {
    let s = core::str::from_utf8(data).map_err(|_| fs::Errno::EINVAL)?.trim();
    s.parse::<i64>().map_err(|_| fs::Errno::EINVAL)
}

pub fn set_oom_score_adj(task: &Task, who: &Opener, data: &[u8]) -> fs::Result<usize> {
    let p = task.process()?;
    if data.len() > 22 {
        return Err(fs::Errno::EINVAL);
    }
    let v = parse_int(data)?;
    if !(-1000..=1000).contains(&v) {
        return Err(fs::Errno::EINVAL);
    }
    let old = p.oom_score_adj.load(Ordering::Relaxed) as i64;
    if v < old && !who.creds.is_root() {
        return Err(fs::Errno::EACCES);
    }
    p.oom_score_adj.store(v as i32, Ordering::Relaxed);
    Ok(data.len())
}

pub fn wchan(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    task.process()?;
    Ok(b"0".to_vec())
}

pub fn loginuid(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    let p = task.process()?;
    bytes(format!("{}", p.loginuid.load(Ordering::Relaxed)))
}

static NEXT_SESSION: AtomicU32 = AtomicU32::new(1);

/// Root sets its own login uid (a new audit session begins).
pub fn set_loginuid(task: &Task, who: &Opener, data: &[u8]) -> fs::Result<usize> {
    let p = task.process()?;
    if who.caller.pid != p.pid || !who.creds.is_root() {
        return Err(fs::Errno::EPERM);
    }
    let v = parse_int(data)?;
    let uid = u32::try_from(v).map_err(|_| fs::Errno::EINVAL)?;
    p.loginuid.store(uid, Ordering::Relaxed);
    let sid = if uid == u32::MAX { u32::MAX } else { NEXT_SESSION.fetch_add(1, Ordering::Relaxed) };
    p.sessionid.store(sid, Ordering::Relaxed);
    Ok(data.len())
}

pub fn sessionid(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    let p = task.process()?;
    bytes(format!("{}", p.sessionid.load(Ordering::Relaxed)))
}

/// The initial user namespace maps every id to itself.
pub fn id_map(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    task.process()?;
    bytes(format!("{:>10} {:>10} {:>10}\n", 0, 0, u32::MAX))
}

pub fn setgroups(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    task.process()?;
    Ok(b"allow\n".to_vec())
}

/// The maps of the initial namespace are set already.
pub fn set_id_map(task: &Task, _who: &Opener, _data: &[u8]) -> fs::Result<usize> {
    task.process()?;
    Err(fs::Errno::EPERM)
}

fn no_lsm(task: &Task, _who: &Opener) -> fs::Result<Vec<u8>> {
    task.process()?;
    Err(fs::Errno::EINVAL)
}

fn no_lsm_write(task: &Task, _who: &Opener, _data: &[u8]) -> fs::Result<usize> {
    task.process()?;
    Err(fs::Errno::EINVAL)
}

/// attr/: what a kernel without an LSM answers.
pub static ATTR: &[TableEntry<Task>] = &[
    TableEntry::file("current", |t| TextFile::rw(t, 0o666, no_lsm, no_lsm_write)),
    TableEntry::file("prev", |t| TextFile::ro(t, 0o444, no_lsm)),
    TableEntry::file("exec", |t| TextFile::rw(t, 0o666, no_lsm, no_lsm_write)),
    TableEntry::file("fscreate", |t| TextFile::rw(t, 0o666, no_lsm, no_lsm_write)),
    TableEntry::file("keycreate", |t| TextFile::rw(t, 0o666, no_lsm, no_lsm_write)),
    TableEntry::file("sockcreate", |t| TextFile::rw(t, 0o666, no_lsm, no_lsm_write)),
];

