//! getpid(2), getppid(2), gettid(2), set_tid_address(2),
//! set_robust_list(2), sched_yield(2).

use core::sync::atomic::Ordering;

use super::Call;
use crate::errno::{Errno, SysResult};

pub fn getpid(call: &Call<'_>) -> SysResult {
    Ok(call.thread.process.pid as u64)
}

pub fn getppid(call: &Call<'_>) -> SysResult {
    Ok(call.thread.process.ppid() as u64)
}

pub fn gettid(call: &Call<'_>) -> SysResult {
    Ok(call.thread.tid() as u64)
}

pub fn set_tid_address(call: &Call<'_>, addr: u64) -> SysResult {
    call.thread.clear_child_tid.store(addr, Ordering::Release);
    Ok(call.thread.tid() as u64)
}

/// `struct robust_list_head` is 24 bytes on x86-64.
pub fn set_robust_list(call: &Call<'_>, head: u64, len: u64) -> SysResult {
    if len != 24 {
        return Err(Errno::EINVAL);
    }
    call.thread.robust_list.store(head, Ordering::Release);
    Ok(0)
}

pub fn get_robust_list(call: &Call<'_>, pid: i32, head_ptr: u64, len_ptr: u64) -> SysResult {
    let t = if pid == 0 { call.thread.clone() } else { crate::proc::pid::find_thread(pid as u32).ok_or(Errno::ESRCH)? };
    // Another process's list needs ptrace read access (EPERM).
    if !crate::proc::access::may_access(call.thread, &t.process, crate::proc::access::Mode::RealCreds) {
        return Err(Errno::EPERM);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    crate::uaccess::write_u64(&mm, head_ptr, t.robust_list.load(Ordering::Acquire))?;
    crate::uaccess::write_u64(&mm, len_ptr, 24)?;
    Ok(0)
}

pub async fn sched_yield() -> SysResult {
    executor::yield_now().await;
    Ok(0)
}
