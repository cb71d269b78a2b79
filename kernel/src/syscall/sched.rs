//! sched_getaffinity(2), sched_setaffinity(2), getcpu(2), sysinfo(2), the
//! sched_{set,get}{scheduler,param}(2) family and sched_rr_get_interval(2).
//!
//! Affinity is honoured for the calling thread: a mask with one CPU moves
//! the thread's task there (it is re-spawned pinned by the executor only at
//! its next yield; the mask is kept and reported). sysinfo reports real
//! uptime, memory and process counts.

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::proc::sched_attr::*;
use crate::proc::Thread;
use crate::uaccess;

fn online_mask() -> u64 {
    let n = platform::smp::cpus_online().min(64);
    if n == 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

pub fn sched_getaffinity(call: &Call<'_>, pid: i32, len: u64, mask: u64) -> SysResult {
    if len < 8 || !len.is_multiple_of(8) {
        return Err(Errno::EINVAL);
    }
    let t = if pid == 0 { call.thread.clone() } else { crate::proc::pid::find_thread(pid as u32).ok_or(Errno::ESRCH)? };
    let m = t.affinity.load(Ordering::Relaxed) & online_mask();
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    uaccess::write_u64(&mm, mask, m)?;
    Ok(8)
}

pub fn sched_setaffinity(call: &Call<'_>, pid: i32, len: u64, mask: u64) -> SysResult {
    let t = if pid == 0 { call.thread.clone() } else { crate::proc::pid::find_thread(pid as u32).ok_or(Errno::ESRCH)? };
    // Another user's thread needs CAP_SYS_NICE (check_same_owner).
    let caller = call.thread.creds.lock().clone();
    let owner = t.creds.lock().clone();
    may_change(&caller, &owner)?;
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let mut b = [0u8; 8];
    let n = (len as usize).min(8);
    uaccess::read_bytes(&mm, mask, &mut b[..n])?;
    let m = u64::from_le_bytes(b) & online_mask();
    if m == 0 {
        return Err(Errno::EINVAL);
    }
    t.affinity.store(m, Ordering::Relaxed);
    Ok(0)
}

pub fn getcpu(call: &Call<'_>, cpu: u64, node: u64) -> SysResult {
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let c = platform::cpu::percpu::cpu_id() as u32;
    if cpu != 0 {
        uaccess::write_u32(&mm, cpu, c)?;
    }
    if node != 0 {
        uaccess::write_u32(&mm, node, 0)?;
    }
    Ok(0)
}

pub fn sysinfo(call: &Call<'_>, info: uaccess::UserPtr<crate::abi::Sysinfo>) -> SysResult {
    let s = crate::abi::Sysinfo {
        // Linux rounds the uptime up to whole seconds.
        uptime: platform::time::now_ns().div_ceil(1_000_000_000) as i64,
        totalram: platform::mem::frame::total_bytes() as u64,
        freeram: platform::mem::frame::free_bytes() as u64,
        procs: crate::proc::pid::all().len() as u16,
        mem_unit: 1,
        ..Default::default()
    };
    info.write(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, &s)?;
    Ok(0)
}

/// The thread `pid` names (0: the caller); EINVAL for a negative pid.
fn target(call: &Call<'_>, pid: i64) -> Result<Arc<Thread>, Errno> {
    match pid {
        0 => Ok(call.thread.clone()),
        p if p < 0 => Err(Errno::EINVAL),
        p => crate::proc::pid::find_thread(p as u32).ok_or(Errno::ESRCH),
    }
}

/// sched_getscheduler(2): the policy, with SCHED_RESET_ON_FORK or'ed in.
pub fn sched_getscheduler(call: &Call<'_>, pid: i64) -> SysResult {
    let s = *target(call, pid)?.sched.lock();
    Ok((s.policy | if s.reset_on_fork { SCHED_RESET_ON_FORK } else { 0 }) as u64)
}

/// sched_getparam(2): the real-time priority (0 for the other policies).
pub fn sched_getparam(call: &Call<'_>, pid: i64, param: u64) -> SysResult {
    if pid < 0 || param == 0 {
        return Err(Errno::EINVAL);
    }
    let prio = target(call, pid)?.sched.lock().rt_priority;
    uaccess::write_u32(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, param, prio)?;
    Ok(0)
}

/// sched_setscheduler(2) / sched_setparam(2) (`policy` None), in the order
/// of Linux's __sched_setscheduler: the policy and priority range (EINVAL),
/// then for a caller without CAP_SYS_NICE the real-time limit
/// (RLIMIT_RTPRIO), leaving SCHED_IDLE (needs the right to nice), the
/// owner and clearing SCHED_RESET_ON_FORK (EPERM). Real-time policies that
/// pass are still refused with EINVAL: the executor has no real-time
/// classes, and a caller that would get them must not believe it did.
pub fn sched_setscheduler(call: &Call<'_>, pid: i64, policy: Option<u64>, param: u64) -> SysResult {
    if pid < 0 || param == 0 {
        return Err(Errno::EINVAL);
    }
    let prio = uaccess::read_u32(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, param)?;
    let t = target(call, pid)?;
    let old = *t.sched.lock();
    let (policy, reset_on_fork) = match policy {
        None => (old.policy, old.reset_on_fork),
        Some(p) => {
            let p = p as u32;
            (p & !SCHED_RESET_ON_FORK, p & SCHED_RESET_ON_FORK != 0)
        }
    };
    let rt = policy == SCHED_FIFO || policy == SCHED_RR;
    if !matches!(policy, SCHED_OTHER | SCHED_FIFO | SCHED_RR | SCHED_BATCH | SCHED_IDLE | SCHED_DEADLINE) {
        return Err(Errno::EINVAL);
    }
    // SCHED_DEADLINE needs sched_setattr's runtime/deadline/period.
    if prio > 99 || rt != (prio != 0) || policy == SCHED_DEADLINE {
        return Err(Errno::EINVAL);
    }
    let caller = call.thread.creds.lock().clone();
    if !caller.capable(CAP_SYS_NICE) {
        let target_creds = t.creds.lock().clone();
        let limits = *t.process.limits.lock();
        let rtprio = limits.0[RLIMIT_RTPRIO].0;
        if rt && ((policy != old.policy && rtprio == 0) || prio as u64 > rtprio.max(old.rt_priority as u64)) {
            return Err(Errno::EPERM);
        }
        if old.policy == SCHED_IDLE && policy != SCHED_IDLE && !can_nice(&caller, &limits, old.nice) {
            return Err(Errno::EPERM);
        }
        may_change(&caller, &target_creds)?;
        if old.reset_on_fork && !reset_on_fork {
            return Err(Errno::EPERM);
        }
    }
    if rt {
        return Err(Errno::EINVAL);
    }
    let mut s = t.sched.lock();
    s.policy = policy;
    s.rt_priority = 0;
    s.reset_on_fork = reset_on_fork;
    Ok(0)
}

/// sched_rr_get_interval(2): 0 for SCHED_FIFO, else the user-mode time
/// slice.
pub fn sched_rr_get_interval(call: &Call<'_>, pid: i64, ts: u64) -> SysResult {
    let policy = target(call, pid)?.sched.lock().policy;
    let ns = if policy == SCHED_FIFO { 0 } else { crate::proc::thread::SLICE_NS };
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    uaccess::write_u64(&mm, ts, ns / 1_000_000_000)?;
    uaccess::write_u64(&mm, ts + 8, ns % 1_000_000_000)?;
    Ok(0)
}

/// sched_get_priority_max/min(2).
pub fn priority_range(policy: u64, max: bool) -> SysResult {
    match policy {
        1 | 2 => Ok(if max { 99 } else { 1 }),
        0 | 3 | 5 | 6 => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}
