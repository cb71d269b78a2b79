//! sched_getaffinity(2), sched_setaffinity(2), getcpu(2), sysinfo(2).
//!
//! Affinity is honoured for the calling thread: a mask with one CPU moves
//! the thread's task there (it is re-spawned pinned by the executor only at
//! its next yield; the mask is kept and reported). sysinfo reports real
//! uptime, memory and process counts.

use core::sync::atomic::Ordering;

use super::Call;
use crate::errno::{Errno, SysResult};
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

pub fn sysinfo(call: &Call<'_>, info: u64) -> SysResult {
    let mut b = [0u8; 112];
    // Linux rounds the uptime up to whole seconds.
    let uptime = platform::time::now_ns().div_ceil(1_000_000_000) as i64;
    let total = platform::mem::frame::total_bytes();
    let free = platform::mem::frame::free_bytes();
    b[0..8].copy_from_slice(&uptime.to_le_bytes());
    b[32..40].copy_from_slice(&total.to_le_bytes()); // totalram
    b[40..48].copy_from_slice(&free.to_le_bytes()); // freeram
    let procs = crate::proc::pid::all().len() as u16;
    b[80..82].copy_from_slice(&procs.to_le_bytes());
    b[104..108].copy_from_slice(&1u32.to_le_bytes()); // mem_unit
    uaccess::write_bytes(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, info, &b)?;
    Ok(0)
}

const SCHED_OTHER: u64 = 0;
const SCHED_BATCH: u64 = 3;
const SCHED_IDLE: u64 = 5;

/// sched_getscheduler(2): every thread is SCHED_OTHER (the executor has no
/// real-time classes).
pub fn sched_getscheduler(pid: i64) -> SysResult {
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    if pid > 0 && crate::proc::pid::find_thread(pid as u32).is_none() {
        return Err(Errno::ESRCH);
    }
    Ok(SCHED_OTHER)
}

/// sched_getparam(2): priority 0 (SCHED_OTHER).
pub fn sched_getparam(call: &Call<'_>, pid: i64, param: u64) -> SysResult {
    if pid < 0 || param == 0 {
        return Err(Errno::EINVAL);
    }
    if pid > 0 && crate::proc::pid::find_thread(pid as u32).is_none() {
        return Err(Errno::ESRCH);
    }
    uaccess::write_u32(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, param, 0)?;
    Ok(0)
}

/// sched_setscheduler(2) / sched_setparam(2): SCHED_OTHER, BATCH and IDLE
/// with priority 0 are accepted; real-time policies need scheduler classes
/// Aramid does not have (EPERM, as for a caller without CAP_SYS_NICE would
/// be the wrong answer for root; EINVAL says "not supported").
pub fn sched_setscheduler(call: &Call<'_>, pid: i64, policy: Option<u64>, param: u64) -> SysResult {
    if pid < 0 || param == 0 {
        return Err(Errno::EINVAL);
    }
    if pid > 0 && crate::proc::pid::find_thread(pid as u32).is_none() {
        return Err(Errno::ESRCH);
    }
    let prio = uaccess::read_u32(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, param)?;
    match policy.map(|p| p & !0x4000_0000) {
        None | Some(SCHED_OTHER | SCHED_BATCH | SCHED_IDLE) if prio == 0 => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

/// sched_get_priority_max/min(2).
pub fn priority_range(policy: u64, max: bool) -> SysResult {
    match policy {
        1 | 2 => Ok(if max { 99 } else { 1 }),
        0 | 3 | 5 | 6 => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}
