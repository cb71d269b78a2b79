//! wait4(2) and waitid(2): wait for a child to change state.
//!
//! wait4's `pid` selects: > 0 that child, -1 any child, 0 any child in the
//! caller's process group, < -1 any child in group `-pid`; waitid uses
//! P_PID / P_PGID / P_ALL. Exits are always reported (and reap the child
//! unless WNOWAIT); stops with WUNTRACED/WSTOPPED, continues with
//! WCONTINUED. WNOHANG returns at once; no matching child is ECHILD. The
//! wait is a future on the caller's child-event queue, ended by a signal
//! (restarted under SA_RESTART).

use super::Call;
use crate::abi::{Rusage, Siginfo};
use crate::errno::{Errno, SysResult};
use crate::proc::process::{ChildEvent, EventKind, Selector, Want};
use crate::signal::info::*;
use crate::signal::SigInfo;
use crate::uaccess;
use crate::uaccess::UserPtr;

const WNOHANG: u64 = 1;
const WUNTRACED: u64 = 2;
const WSTOPPED: u64 = 2;
const WEXITED: u64 = 4;
const WCONTINUED: u64 = 8;
const WNOWAIT: u64 = 0x0100_0000;
const WNOTHREAD: u64 = 0x2000_0000;
const WALL: u64 = 0x4000_0000;
const WCLONE: u64 = 0x8000_0000;

async fn wait_event(call: &Call<'_>, sel: Selector, want: Want, nohang: bool, peek: bool) -> Result<Option<ChildEvent>, Errno> {
    let me = call.thread.process.clone();
    loop {
        match me.child_event(sel, want, peek) {
            Err(()) => return Err(Errno::ECHILD),
            Ok(Some(ev)) => return Ok(Some(ev)),
            Ok(None) if nohang => return Ok(None),
            Ok(None) => {
                let wait = me.child_events.wait_until(|| !matches!(me.child_event(sel, want, true), Ok(None)));
                if crate::signal::interruptible(call.thread, wait).await.is_err() {
                    // Linux's do_wait looks once more before giving way to
                    // the signal: no child left is ECHILD (an auto-reaped
                    // child's SIGCHLD must not turn that into EINTR), and a
                    // ready event is returned.
                    return match me.child_event(sel, want, peek) {
                        Err(()) => Err(Errno::ECHILD),
                        Ok(Some(ev)) => Ok(Some(ev)),
                        Ok(None) => Err(Errno::ERESTARTSYS),
                    };
                }
            }
        }
    }
}

pub async fn wait4(call: &Call<'_>, pid: i32, status: u64, options: u64, rusage: UserPtr<Rusage>) -> SysResult {
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE) != 0 {
        return Err(Errno::EINVAL);
    }
    let sel = match pid {
        i32::MIN => return Err(Errno::ESRCH),
        -1 => Selector::Any,
        0 => Selector::Pgid(call.thread.process.pgid()),
        p if p < 0 => Selector::Pgid(-p as u32),
        p => Selector::Pid(p as u32),
    };
    let want = Want {
        exited: true,
        stopped: options & WUNTRACED != 0,
        continued: options & WCONTINUED != 0,
        clone: options & WCLONE != 0,
        all: options & WALL != 0,
    };
    let Some(ev) = wait_event(call, sel, want, options & WNOHANG != 0, false).await? else { return Ok(0) };
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    if status != 0 {
        let word = match ev.kind {
            EventKind::Exited(s) => s,
            EventKind::Stopped(sig) => ((sig as i32) << 8) | 0x7f,
            EventKind::Continued => 0xffff,
        };
        uaccess::write_u32(&mm, status, word as u32)?;
    }
    if !rusage.is_null() {
        rusage.write(&mm, &super::rusage::rusage(ev.times))?;
    }
    Ok(ev.pid as u64)
}

const P_ALL: u64 = 0;
const P_PID: u64 = 1;
const P_PGID: u64 = 2;
const P_PIDFD: u64 = 3;

pub async fn waitid(call: &Call<'_>, idtype: u64, id: u64, infop: UserPtr<Siginfo>, options: u64, rusage: UserPtr<Rusage>) -> SysResult {
    if options & !(WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | WNOTHREAD | WALL | WCLONE) != 0
        || options & (WEXITED | WSTOPPED | WCONTINUED) == 0
    {
        return Err(Errno::EINVAL);
    }
    // A PIDFD_NONBLOCK pidfd makes the wait fail with EAGAIN instead of
    // blocking, as WNOHANG would return 0.
    let mut pidfd_nonblock = false;
    let sel = match idtype {
        P_ALL => Selector::Any,
        P_PID if id as i32 > 0 => Selector::Pid(id as u32),
        P_PGID if id as i32 > 0 => Selector::Pgid(id as u32),
        P_PGID if id == 0 => Selector::Pgid(call.thread.process.pgid()),
        P_PIDFD => {
            let (p, nonblock) = super::pidfd::target_for_wait(call, id as u32 as u64)?;
            if nonblock {
                pidfd_nonblock = true;
            }
            Selector::Pid(p.pid)
        }
        P_PID | P_PGID => return Err(Errno::EINVAL),
        _ => return Err(Errno::EINVAL),
    };
    let want = Want {
        exited: options & WEXITED != 0,
        stopped: options & WSTOPPED != 0,
        continued: options & WCONTINUED != 0,
        clone: options & WCLONE != 0,
        all: options & WALL != 0,
    };
    let nohang = options & WNOHANG != 0;
    let ev = wait_event(call, sel, want, nohang || pidfd_nonblock, options & WNOWAIT != 0).await?;
    if ev.is_none() && pidfd_nonblock && !nohang {
        return Err(Errno::EAGAIN);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    if !infop.is_null() {
        let info = match ev {
            None => SigInfo::default(),
            Some(ev) => {
                let (code, status) = match ev.kind {
                    EventKind::Exited(s) if s & 0x7f == 0 => (CLD_EXITED, (s >> 8) & 0xff),
                    EventKind::Exited(s) if s & 0x80 != 0 => (CLD_DUMPED, s & 0x7f),
                    EventKind::Exited(s) => (CLD_KILLED, s & 0x7f),
                    EventKind::Stopped(sig) => (CLD_STOPPED, sig as i32),
                    EventKind::Continued => (CLD_CONTINUED, crate::signal::SIGCONT as i32),
                };
                SigInfo { signo: crate::signal::SIGCHLD, code, pid: ev.pid, status, ..Default::default() }
            }
        };
        let si = if info.signo == 0 { crate::abi::Siginfo::default() } else { info.to_abi() };
        infop.write(&mm, &si)?;
    }
    if !rusage.is_null() {
        let t = ev.map(|e| e.times).unwrap_or_default();
        rusage.write(&mm, &super::rusage::rusage(t))?;
    }
    Ok(0)
}
