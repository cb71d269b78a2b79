//! wait4(2): wait for a child to exit and reap it.
//!
//! `pid` selects: > 0 that child, -1 any child, 0 any child in the caller's
//! process group, < -1 any child in group `-pid`. WNOHANG returns 0 when
//! no child has exited yet; no matching child at all is ECHILD. The wait is
//! a future on the caller's child-event wait queue. Stopped and continued
//! children (WUNTRACED, WCONTINUED) arrive with signals.

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::uaccess;

const WNOHANG: u64 = 1;
const WUNTRACED: u64 = 2;
const WCONTINUED: u64 = 8;
const WNOTHREAD: u64 = 0x2000_0000;
const WALL: u64 = 0x4000_0000;
const WCLONE: u64 = 0x8000_0000;

pub async fn wait4(call: &Call<'_>, pid: i32, status: u64, options: u64, rusage: u64) -> SysResult {
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE) != 0 {
        return Err(Errno::EINVAL);
    }
    if pid == i32::MIN {
        return Err(Errno::ESRCH);
    }
    let me = call.thread.process.clone();
    let found = loop {
        match me.reap(pid as i64, true) {
            Err(()) => return Err(Errno::ECHILD),
            Ok(Some(found)) => break found,
            Ok(None) if options & WNOHANG != 0 => return Ok(0),
            Ok(None) => {
                let wait = me.child_events.wait_until(|| !matches!(me.reap(pid as i64, false), Ok(None)));
                crate::signal::interruptible(call.thread, wait).await.map_err(|_| Errno::ERESTARTSYS)?;
            }
        }
    };
    let mm = me.mm().ok_or(Errno::EFAULT)?;
    if status != 0 {
        uaccess::write_u32(&mm, status, found.1 as u32)?;
    }
    if rusage != 0 {
        // struct rusage: 144 bytes; CPU time accounting arrives with the
        // clocks issue, so the times are zero.
        uaccess::write_bytes(&mm, rusage, &[0u8; 144])?;
    }
    Ok(found.0 as u64)
}
