//! CPU accounting: `cpu.stat` (usage_usec, user_usec, system_usec from
//! the threads' CPU times, nice_usec not kept apart (0); with the cpu
//! controller enabled also the bandwidth counters, always 0 here), `cpu.weight`, `cpu.weight.nice`
//! and `cpu.max` (recorded and validated as Linux does; the scheduler
//! does not apply them).
//!
//! Time is charged where it was spent: when a process leaves a cgroup
//! (a move, or its exit) its time since it entered goes to that
//! cgroup's account; a removed cgroup's account goes to its parent.

use alloc::vec::Vec;

use fs::cgroup::Id;

use super::control_files::parse_int;
use super::fs_dir;
use super::tree::{self, HIER};
use crate::errno::Errno;
use crate::proc::Process;

/// Adds `p`'s CPU time since it entered `id` to `id`'s account.
pub fn charge(p: &Process, id: Id) {
    let t = p.own_times();
    let mut base = p.cg_cpu_base.lock();
    let (du, ds) = (t.user.saturating_sub(base.0), t.system.saturating_sub(base.1));
    *base = (t.user, t.system);
    drop(base);
    if let Some(d) = fs_dir::dir(id) {
        let mut st = d.stats.lock();
        st.user_ns += du;
        st.system_ns += ds;
    }
}

/// `cpu.stat` of `id`.
pub fn stat(id: Id, bandwidth: bool) -> Vec<u8> {
    let (mut user, mut system) = (0u64, 0u64);
    for c in HIER.lock().subtree(id) {
        if let Some(d) = fs_dir::dir(c) {
            let st = d.stats.lock();
            user += st.user_ns;
            system += st.system_ns;
        }
    }
    for p in tree::members(id, true) {
        let t = p.own_times();
        let base = *p.cg_cpu_base.lock();
        user += t.user.saturating_sub(base.0);
        system += t.system.saturating_sub(base.1);
    }
    let (u, s) = (user / 1000, system / 1000);
    let mut out = alloc::format!("usage_usec {}\nuser_usec {u}\nsystem_usec {s}\nnice_usec 0\n", u + s).into_bytes();
    if bandwidth {
        out.extend_from_slice(b"nr_periods 0\nnr_throttled 0\nthrottled_usec 0\nnr_bursts 0\nburst_usec 0\n");
    }
    out
}

/// `cpu.max`: "$MAX [$PERIOD]" with MAX "max" or a quota in µs (at
/// least 1000) and a period of 1000..=1000000 µs; a missing period keeps
/// the old one. Returns the new contents.
pub fn parse_max(s: &[u8], old: &[u8]) -> Result<Vec<u8>, Errno> {
    let mut toks = s.split(|c| c.is_ascii_whitespace()).filter(|t| !t.is_empty());
    let quota = toks.next().ok_or(Errno::EINVAL)?;
    let old_period = old.split(|&c| c == b' ').nth(1).map(|p| p.trim_ascii()).unwrap_or(b"100000");
    let period = match toks.next() {
        Some(p) => parse_int(p)?,
        None => parse_int(old_period)?,
    };
    if toks.next().is_some() || !(1000..=1_000_000).contains(&period) {
        return Err(Errno::EINVAL);
    }
    let quota = if quota == b"max" {
        alloc::string::String::from("max")
    } else {
        let q = parse_int(quota)?;
        if q < 1000 {
            return Err(Errno::EINVAL);
        }
        alloc::format!("{q}")
    };
    Ok(alloc::format!("{quota} {period}\n").into_bytes())
}
