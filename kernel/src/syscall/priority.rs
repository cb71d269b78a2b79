//! getpriority(2), setpriority(2): the nice value of a thread
//! (PRIO_PROCESS, by TID), of every thread of a process group (PRIO_PGRP)
//! or of every thread whose real UID is the given user (PRIO_USER); who 0
//! means the caller's thread, group or real UID. The raw getpriority answer
//! is 20 - nice (1..40) and over several threads the highest one; the
//! permission rules are in [`crate::proc::sched_attr`].

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::proc::sched_attr::{can_nice, may_change};
use crate::proc::{pid, Thread};

const PRIO_PROCESS: u32 = 0;
const PRIO_PGRP: u32 = 1;
const PRIO_USER: u32 = 2;

/// The threads `which`/`who` selects (empty: ESRCH for the caller).
fn targets(call: &Call<'_>, which: u32, who: i32) -> Result<Vec<Arc<Thread>>, Errno> {
    Ok(match which {
        PRIO_PROCESS => {
            if who == 0 {
                alloc::vec![call.thread.clone()]
            } else if who < 0 {
                Vec::new()
            } else {
                pid::find_thread(who as u32).into_iter().collect()
            }
        }
        PRIO_PGRP => {
            let pgid = if who == 0 { call.thread.process.pgid() } else { who as u32 };
            if who < 0 {
                return Ok(Vec::new());
            }
            pid::all().into_iter().filter(|p| p.pgid() == pgid).flat_map(|p| p.threads()).collect()
        }
        PRIO_USER => {
            let uid = if who == 0 { call.thread.creds.lock().ruid } else { who as u32 };
            pid::all().into_iter().flat_map(|p| p.threads()).filter(|t| t.creds.lock().ruid == uid).collect()
        }
        _ => return Err(Errno::EINVAL),
    })
}

pub fn getpriority(call: &Call<'_>, which: u32, who: i32) -> SysResult {
    let best = targets(call, which, who)?.iter().map(|t| 20 - t.sched.lock().nice).max();
    best.map(|v| v as u64).ok_or(Errno::ESRCH)
}

pub fn setpriority(call: &Call<'_>, which: u32, who: i32, nice: i32) -> SysResult {
    let nice = nice.clamp(-20, 19);
    let caller = call.thread.creds.lock().clone();
    // As Linux, the answer is that of the last thread tried.
    let mut result = Err(Errno::ESRCH);
    for t in targets(call, which, who)? {
        result = set_one(&caller, &t, nice);
    }
    result
}

fn set_one(caller: &crate::proc::creds::Creds, t: &Thread, nice: i32) -> SysResult {
    let target = t.creds.lock().clone();
    may_change(caller, &target)?;
    let limits = *t.process.limits.lock();
    let mut s = t.sched.lock();
    if nice < s.nice && !can_nice(caller, &limits, nice) {
        return Err(Errno::EACCES);
    }
    s.nice = nice;
    Ok(0)
}
