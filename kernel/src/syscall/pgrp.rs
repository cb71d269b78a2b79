//! Process groups and sessions: setpgid(2), getpgid(2), getpgrp(2),
//! setsid(2), getsid(2), with Linux's rules (a process may move itself or
//! a child, within its session; a session leader cannot move; setsid fails
//! for a group leader).

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::proc::pid;

pub fn setpgid(call: &Call<'_>, target: i32, pgid: i32) -> SysResult {
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    let me = &call.thread.process;
    let target = if target == 0 { me.pid } else { target as u32 };
    if target != me.pid && !me.has_child(target) {
        return Err(Errno::ESRCH);
    }
    let p = pid::find(target).ok_or(Errno::ESRCH)?;
    if p.sid() != me.sid() {
        return Err(Errno::EPERM);
    }
    // A child that has exec'd is out of the parent's hands (Linux checks
    // PF_FORKNOEXEC, after the session).
    if target != me.pid && p.execed.load(core::sync::atomic::Ordering::Relaxed) {
        return Err(Errno::EACCES);
    }
    if p.sid() == p.pid {
        return Err(Errno::EPERM); // a session leader
    }
    let pgid = if pgid == 0 { target } else { pgid as u32 };
    if pgid != target && !pid::all().iter().any(|x| x.pgid() == pgid && x.sid() == me.sid()) {
        return Err(Errno::EPERM);
    }
    p.set_pgid(pgid);
    Ok(0)
}

pub fn getpgid(call: &Call<'_>, target: i32) -> SysResult {
    if target == 0 {
        return Ok(call.thread.process.pgid() as u64);
    }
    let p = pid::find(target as u32).filter(|_| target > 0).ok_or(Errno::ESRCH)?;
    Ok(p.pgid() as u64)
}

pub fn setsid(call: &Call<'_>) -> SysResult {
    let me = &call.thread.process;
    if me.pgid() == me.pid || pid::all().iter().any(|x| x.pid != me.pid && x.pgid() == me.pid) {
        return Err(Errno::EPERM);
    }
    me.sid.store(me.pid, core::sync::atomic::Ordering::Relaxed);
    me.set_pgid(me.pid);
    Ok(me.pid as u64)
}

pub fn getsid(call: &Call<'_>, target: i32) -> SysResult {
    if target == 0 {
        return Ok(call.thread.process.sid() as u64);
    }
    let p = pid::find(target as u32).filter(|_| target > 0).ok_or(Errno::ESRCH)?;
    Ok(p.sid() as u64)
}
