//! getrlimit(2), prlimit64(2): Linux's default limits. Setting limits
//! arrives with the processes issue; until then a new limit is EPERM, as for
//! a caller without CAP_SYS_RESOURCE raising a hard limit.

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::uaccess;

const RLIM_INFINITY: u64 = u64::MAX;
const RLIMIT_NLIMITS: u32 = 16;

/// (soft, hard) defaults, as a Debian system gives PID 1.
fn default(resource: u32) -> (u64, u64) {
    match resource {
        3 => (8 << 20, RLIM_INFINITY),     // RLIMIT_STACK
        4 => (0, RLIM_INFINITY),           // RLIMIT_CORE
        6 => (3871, 3871),                 // RLIMIT_NPROC
        7 => (1024, 4096),                 // RLIMIT_NOFILE
        8 => (8 << 20, 8 << 20),           // RLIMIT_MEMLOCK
        11 => (3871, 3871),                // RLIMIT_SIGPENDING
        12 => (819_200, 819_200),          // RLIMIT_MSGQUEUE
        13 | 14 => (0, 0),                 // RLIMIT_NICE, RLIMIT_RTPRIO
        _ => (RLIM_INFINITY, RLIM_INFINITY),
    }
}

pub fn prlimit64(call: &Call<'_>, pid: i32, resource: u32, new: u64, old: u64) -> SysResult {
    if resource >= RLIMIT_NLIMITS {
        return Err(Errno::EINVAL);
    }
    if pid != 0 && pid as u32 != call.thread.process.pid {
        return Err(Errno::ESRCH);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    if new != 0 {
        return Err(Errno::EPERM);
    }
    if old != 0 {
        let (soft, hard) = default(resource);
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&soft.to_le_bytes());
        b[8..].copy_from_slice(&hard.to_le_bytes());
        uaccess::write_bytes(&mm, old, &b)?;
    }
    Ok(0)
}

pub fn getrlimit(call: &Call<'_>, resource: u32, old: u64) -> SysResult {
    prlimit64(call, 0, resource, 0, old)
}
