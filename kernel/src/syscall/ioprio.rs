//! ioprio_get(2), ioprio_set(2): a thread's I/O scheduling class and
//! level, selected as Linux 6.1 selects them: IOPRIO_WHO_PROCESS by thread
//! ID (0: the caller), IOPRIO_WHO_PGRP every thread of a process group,
//! IOPRIO_WHO_USER every thread whose real UID is `who` (0: the caller's).
//!
//! A thread that never set one answers IOPRIO_CLASS_NONE, level 0 (the
//! value 0); over several threads ioprio_get answers Linux's ioprio_best,
//! where a thread without a class counts as best-effort level 4. Setting
//! validates the value (an unknown class, a best-effort or real-time level
//! past 7, IOPRIO_CLASS_NONE with a level: EINVAL), asks CAP_SYS_NICE or
//! CAP_SYS_ADMIN for the real-time class (EPERM), and needs the target's
//! real UID to be the caller's real or effective UID, or CAP_SYS_NICE
//! (EPERM). The value is kept per thread and inherited by clone (CLONE_IO
//! copies it rather than sharing one I/O context); Aramid has no block I/O
//! for it to order.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::proc::{pid, Thread};

const IOPRIO_WHO_PROCESS: u32 = 1;
const IOPRIO_WHO_PGRP: u32 = 2;
const IOPRIO_WHO_USER: u32 = 3;
const IOPRIO_CLASS_SHIFT: u32 = 13;
const IOPRIO_CLASS_NONE: u32 = 0;
const IOPRIO_CLASS_RT: u32 = 1;
const IOPRIO_CLASS_BE: u32 = 2;
const IOPRIO_CLASS_IDLE: u32 = 3;
/// Best-effort, level 4: what a thread without a class counts as.
const IOPRIO_BE_NORM: u32 = (IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT) | 4;
const CAP_SYS_NICE: u32 = 23;
const CAP_SYS_ADMIN: u32 = 21;

/// The threads `which`/`who` selects (empty: ESRCH).
fn targets(call: &Call<'_>, which: u32, who: i32) -> Result<Vec<Arc<Thread>>, Errno> {
    Ok(match which {
        IOPRIO_WHO_PROCESS if who == 0 => alloc::vec![call.thread.clone()],
        IOPRIO_WHO_PROCESS if who < 0 => Vec::new(),
        IOPRIO_WHO_PROCESS => pid::find_thread(who as u32).into_iter().collect(),
        IOPRIO_WHO_PGRP => {
            let pgid = if who == 0 { call.thread.process.pgid() } else { who as u32 };
            pid::all().into_iter().filter(|p| p.pgid() == pgid).flat_map(|p| p.threads()).collect()
        }
        IOPRIO_WHO_USER => {
            let uid = if who == 0 { call.thread.creds.lock().ruid } else { who as u32 };
            pid::all().into_iter().flat_map(|p| p.threads()).filter(|t| t.creds.lock().ruid == uid).collect()
        }
        _ => return Err(Errno::EINVAL),
    })
}

/// Linux's ioprio_best: the higher priority (lower value) of two, a value
/// without a class counting as best-effort level 4.
fn best(a: u32, b: u32) -> u32 {
    let valid = |v: u32| if v >> IOPRIO_CLASS_SHIFT == IOPRIO_CLASS_NONE { IOPRIO_BE_NORM } else { v };
    valid(a).min(valid(b))
}

pub fn ioprio_get(call: &Call<'_>, which: u32, who: i32) -> SysResult {
    let threads = targets(call, which, who)?;
    let mut values = threads.iter().map(|t| t.ioprio.load(Ordering::Relaxed));
    let first = values.next().ok_or(Errno::ESRCH)?;
    Ok(values.fold(first, best) as u64)
}

pub fn ioprio_set(call: &Call<'_>, which: u32, who: i32, ioprio: i32) -> SysResult {
    let caller = call.thread.creds.lock().clone();
    let class = (ioprio as u32 >> IOPRIO_CLASS_SHIFT) & 7;
    let data = ioprio as u32 & ((1 << IOPRIO_CLASS_SHIFT) - 1);
    match class {
        IOPRIO_CLASS_RT if !caller.capable(CAP_SYS_NICE) && !caller.capable(CAP_SYS_ADMIN) => return Err(Errno::EPERM),
        IOPRIO_CLASS_RT | IOPRIO_CLASS_BE if data >= 8 => return Err(Errno::EINVAL),
        IOPRIO_CLASS_NONE if data != 0 => return Err(Errno::EINVAL),
        IOPRIO_CLASS_NONE | IOPRIO_CLASS_RT | IOPRIO_CLASS_BE | IOPRIO_CLASS_IDLE => {}
        _ => return Err(Errno::EINVAL),
    }
    let threads = targets(call, which, who)?;
    if threads.is_empty() {
        return Err(Errno::ESRCH);
    }
    for t in threads {
        let ruid = t.creds.lock().ruid;
        if ruid != caller.euid && ruid != caller.ruid && !caller.capable(CAP_SYS_NICE) {
            return Err(Errno::EPERM);
        }
        t.ioprio.store(ioprio as u32 & 0xffff, Ordering::Relaxed);
    }
    Ok(0)
}
