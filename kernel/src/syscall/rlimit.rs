//! getrlimit(2), setrlimit(2), prlimit64(2). Limits live in the process
//! ([`crate::proc::limits`]); raising a hard limit needs CAP_SYS_RESOURCE.
//! RLIMIT_NOFILE bounds the descriptor table.

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::proc::creds::CAP_SYS_RESOURCE;
use crate::proc::limits::RLIM_NLIMITS;
use crate::proc::pid;
use crate::abi::Rlimit;
use crate::uaccess::UserPtr;

/// The most descriptors a process may have (fs.nr_open).
pub const NR_OPEN: u64 = 1 << 20;

pub fn prlimit64(call: &Call<'_>, target: i32, resource: u32, new: UserPtr<Rlimit>, old: UserPtr<Rlimit>) -> SysResult {
    if resource as usize >= RLIM_NLIMITS {
        return Err(Errno::EINVAL);
    }
    let p = if target == 0 || target as u32 == call.thread.process.pid {
        call.thread.process.clone()
    } else {
        pid::find(target as u32).filter(|p| target > 0 && !p.is_zombie()).ok_or(Errno::ESRCH)?
    };
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let wanted = if !new.is_null() {
        let Rlimit { rlim_cur: soft, rlim_max: hard } = new.read(&mm)?;
        if soft > hard {
            return Err(Errno::EINVAL);
        }
        if resource as usize == crate::proc::limits::RLIMIT_NOFILE && hard > NR_OPEN {
            return Err(Errno::EPERM);
        }
        Some((soft, hard))
    } else {
        None
    };
    let mut limits = p.limits.lock();
    let cur = limits.0[resource as usize];
    if !old.is_null() {
        old.write(&mm, &Rlimit { rlim_cur: cur.0, rlim_max: cur.1 })?;
    }
    if let Some((soft, hard)) = wanted {
        if hard > cur.1 && !call.thread.creds.lock().capable(CAP_SYS_RESOURCE) {
            return Err(Errno::EPERM);
        }
        limits.0[resource as usize] = (soft, hard);
    }
    Ok(0)
}

pub fn getrlimit(call: &Call<'_>, resource: u32, old: UserPtr<Rlimit>) -> SysResult {
    if old.is_null() {
        return Err(Errno::EFAULT);
    }
    prlimit64(call, 0, resource, UserPtr::new(0), old)
}

pub fn setrlimit(call: &Call<'_>, resource: u32, new: UserPtr<Rlimit>) -> SysResult {
    if new.is_null() {
        return Err(Errno::EFAULT);
    }
    prlimit64(call, 0, resource, new, UserPtr::new(0))
}
