//! iopl(2), ioperm(2): user access to x86 I/O ports, answered as x86-64
//! Linux 6.1 (CONFIG_X86_IOPL_IOPERM) running in lockdown
//! (LOCKDOWN_IOPORT): giving up access, or asking for none, succeeds;
//! asking for more is EPERM — without CAP_SYS_RAWIO as Linux says, and
//! with it too, since Aramid keeps no per-thread I/O bitmap (a platform
//! feature it does not have). Out-of-range arguments are EINVAL.

use super::Call;
use crate::errno::{Errno, SysResult};

const IO_BITMAP_BITS: u64 = 65536;

pub fn iopl(_call: &Call<'_>, level: u32) -> SysResult {
    if level > 3 {
        return Err(Errno::EINVAL);
    }
    // The level is always 0: lowering it or keeping it is a no-op.
    if level == 0 {
        Ok(0)
    } else {
        Err(Errno::EPERM)
    }
}

pub fn ioperm(_call: &Call<'_>, from: u64, num: u64, turn_on: i32) -> SysResult {
    match from.checked_add(num) {
        Some(end) if end > from && end <= IO_BITMAP_BITS => {}
        _ => return Err(Errno::EINVAL),
    }
    if turn_on != 0 {
        return Err(Errno::EPERM);
    }
    Ok(0)
}
