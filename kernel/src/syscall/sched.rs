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
    if len < 8 || len % 8 != 0 {
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
    let uptime = (platform::time::now_ns() / 1_000_000_000) as i64;
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
