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
pub fn set_robust_list(_call: &Call<'_>, _head: u64, len: u64) -> SysResult {
    if len != 24 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

pub async fn sched_yield() -> SysResult {
    executor::yield_now().await;
    Ok(0)
}
