//! getrusage(2), times(2), and the `struct rusage` encoding wait4 shares.
//! CPU times are real: every poll of a thread's task is counted, the time
//! in user mode separately.

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::proc::process::Times;
use crate::abi::{Rusage, Timeval, Tms};
use crate::uaccess::UserPtr;

/// `struct rusage`: ru_utime, ru_stime, ru_maxrss (KiB), ru_minflt,
/// ru_nvcsw and ru_nivcsw are tracked, the others read zero (Linux keeps
/// ru_ixrss and its kin at zero too; ru_majflt and the block counts stay
/// zero without a disk).
pub fn rusage(t: Times) -> Rusage {
    Rusage {
        ru_utime: Timeval::from_ns(t.user),
        ru_stime: Timeval::from_ns(t.system),
        ru_maxrss: t.maxrss as i64,
        ru_minflt: t.minflt as i64,
        ru_nvcsw: t.nvcsw as i64,
        ru_nivcsw: t.nivcsw as i64,
        ..Rusage::default()
    }
}

const RUSAGE_SELF: i64 = 0;
const RUSAGE_CHILDREN: i64 = -1;
const RUSAGE_THREAD: i64 = 1;

pub fn getrusage(call: &Call<'_>, who: i64, usage: UserPtr<Rusage>) -> SysResult {
    let p = &call.thread.process;
    let t = match who {
        RUSAGE_SELF => p.own_times(),
        RUSAGE_CHILDREN => *p.child_times.lock(),
        // Threads share the address space: RUSAGE_THREAD reports its peak
        // too, as Linux.
        RUSAGE_THREAD => Times { maxrss: p.maxrss_kib(), ..call.thread.times() },
        _ => return Err(Errno::EINVAL),
    };
    usage.write(&*p.mm().ok_or(Errno::EFAULT)?, &rusage(t))?;
    Ok(0)
}

/// times(2): clock ticks (USER_HZ = 100) since boot, and the four times.
pub fn times(call: &Call<'_>, buf: UserPtr<Tms>) -> SysResult {
    let p = &call.thread.process;
    let ticks = |ns: u64| (ns / 10_000_000) as i64;
    if !buf.is_null() {
        let own = p.own_times();
        let ch = *p.child_times.lock();
        let tms = Tms { tms_utime: ticks(own.user), tms_stime: ticks(own.system), tms_cutime: ticks(ch.user), tms_cstime: ticks(ch.system) };
        buf.write(&*p.mm().ok_or(Errno::EFAULT)?, &tms)?;
    }
    Ok(ticks(platform::time::now_ns()) as u64)
}
