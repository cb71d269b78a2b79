//! getrusage(2), times(2), and the `struct rusage` encoding wait4 shares.
//! CPU times are real: every poll of a thread's task is counted, the time
//! in user mode separately.

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::proc::process::Times;
use crate::uaccess;

/// `struct rusage`: two timevals, then 14 longs; ru_maxrss (the 1st, KiB),
/// ru_minflt (the 5th), ru_nvcsw and ru_nivcsw (the last two) are tracked,
/// the others read zero (Linux keeps ru_ixrss and its kin at zero too;
/// ru_majflt and the block counts stay zero without a disk).
pub fn encode(t: Times) -> [u8; 144] {
    let mut b = [0u8; 144];
    let tv = |ns: u64| ((ns / 1_000_000_000) as i64, ((ns % 1_000_000_000) / 1000) as i64);
    let (us, uu) = tv(t.user);
    let (ss, su) = tv(t.system);
    b[0..8].copy_from_slice(&us.to_le_bytes());
    b[8..16].copy_from_slice(&uu.to_le_bytes());
    b[16..24].copy_from_slice(&ss.to_le_bytes());
    b[24..32].copy_from_slice(&su.to_le_bytes());
    b[32..40].copy_from_slice(&t.maxrss.to_le_bytes());
    b[64..72].copy_from_slice(&t.minflt.to_le_bytes());
    b[128..136].copy_from_slice(&t.nvcsw.to_le_bytes());
    b[136..144].copy_from_slice(&t.nivcsw.to_le_bytes());
    b
}

const RUSAGE_SELF: i64 = 0;
const RUSAGE_CHILDREN: i64 = -1;
const RUSAGE_THREAD: i64 = 1;

pub fn getrusage(call: &Call<'_>, who: i64, usage: u64) -> SysResult {
    let p = &call.thread.process;
    let t = match who {
        RUSAGE_SELF => p.own_times(),
        RUSAGE_CHILDREN => *p.child_times.lock(),
        // Threads share the address space: RUSAGE_THREAD reports its peak
        // too, as Linux.
        RUSAGE_THREAD => Times { maxrss: p.maxrss_kib(), ..call.thread.times() },
        _ => return Err(Errno::EINVAL),
    };
    uaccess::write_bytes(&*p.mm().ok_or(Errno::EFAULT)?, usage, &encode(t))?;
    Ok(0)
}

/// times(2): clock ticks (USER_HZ = 100) since boot, and the four times.
pub fn times(call: &Call<'_>, buf: u64) -> SysResult {
    let p = &call.thread.process;
    let ticks = |ns: u64| ns / 10_000_000;
    if buf != 0 {
        let own = p.own_times();
        let ch = *p.child_times.lock();
        let mut b = [0u8; 32];
        for (i, v) in [own.user, own.system, ch.user, ch.system].iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&ticks(*v).to_le_bytes());
        }
        uaccess::write_bytes(&*p.mm().ok_or(Errno::EFAULT)?, buf, &b)?;
    }
    Ok(ticks(platform::time::now_ns()))
}
