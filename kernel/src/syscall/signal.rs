//! The signal system calls: rt_sigaction(2), rt_sigprocmask(2),
//! rt_sigpending(2), rt_sigreturn(2), kill(2), tkill(2), tgkill(2),
//! rt_sigqueueinfo(2), rt_tgsigqueueinfo(2), sigaltstack(2),
//! rt_sigsuspend(2), pause(2), rt_sigtimedwait(2).

use alloc::sync::Arc;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::proc::{pid, Process};
use crate::signal::info::*;
use crate::signal::*;
use crate::abi::{KSigaction, StackT};
use crate::uaccess::{self, UserPtr};

fn mm(call: &Call<'_>) -> Result<Arc<crate::mm::Mm>, Errno> {
    call.thread.process.mm().ok_or(Errno::EFAULT)
}

pub fn valid(sig: u64) -> Result<u32, Errno> {
    if (1..=NSIG as u64).contains(&sig) {
        Ok(sig as u32)
    } else {
        Err(Errno::EINVAL)
    }
}

pub fn rt_sigaction(call: &Call<'_>, sig: u64, act: UserPtr<KSigaction>, oact: UserPtr<KSigaction>, size: u64) -> SysResult {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let sig = valid(sig)?;
    let mm = mm(call)?;
    let new = if !act.is_null() {
        if sig == SIGKILL || sig == SIGSTOP {
            return Err(Errno::EINVAL);
        }
        let a = act.read(&mm)?;
        Some(SigAction { handler: a.handler, flags: a.flags, restorer: a.restorer, mask: a.mask & !UNBLOCKABLE })
    } else {
        None
    };
    let p = &call.thread.process;
    let old = p.action(sig);
    if !oact.is_null() {
        let a = KSigaction { handler: old.handler, flags: old.flags, restorer: old.restorer, mask: old.mask };
        oact.write(&mm, &a)?;
    }
    if let Some(a) = new {
        p.set_action(sig, a);
        // POSIX: setting SIG_IGN (or a default that ignores) discards
        // pending instances.
        if is_ignored(sig, &a) {
            p.shared_pending.lock().discard(sig);
            for t in p.threads() {
                t.signals.pending.lock().discard(sig);
            }
        }
    }
    Ok(0)
}

const SIG_BLOCK: u64 = 0;
const SIG_UNBLOCK: u64 = 1;
const SIG_SETMASK: u64 = 2;

pub fn rt_sigprocmask(call: &Call<'_>, how: u64, set: u64, oset: u64, size: u64) -> SysResult {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let t = call.thread;
    let mm = mm(call)?;
    let old = t.sigmask();
    let new = if set != 0 {
        let s = uaccess::read_u64(&mm, set)?;
        Some(match how {
            SIG_BLOCK => old | s,
            SIG_UNBLOCK => old & !s,
            SIG_SETMASK => s,
            _ => return Err(Errno::EINVAL),
        })
    } else {
        None
    };
    if oset != 0 {
        uaccess::write_u64(&mm, oset, old)?;
    }
    if let Some(n) = new {
        t.set_sigmask(n);
    }
    Ok(0)
}

pub fn rt_sigpending(call: &Call<'_>, set: u64, size: u64) -> SysResult {
    if size > 8 {
        return Err(Errno::EINVAL);
    }
    let t = call.thread;
    let pending = (t.signals.pending.set() | t.process.shared_pending.set()) & t.sigmask();
    uaccess::write_bytes(&*mm(call)?, set, &pending.to_le_bytes()[..size as usize])?;
    Ok(0)
}

/// Linux's check_kill_permission for a signal sent from user space
/// (signal 0 included): another process needs matching UIDs or CAP_KILL
/// ([`crate::proc::creds::Creds::may_signal`]); SIGCONT is also allowed
/// within the sender's session. EPERM otherwise.
pub(super) fn may_signal(call: &Call<'_>, p: &Arc<Process>, sig: u32) -> Result<(), Errno> {
    let me = &call.thread.process;
    if Arc::ptr_eq(me, p) {
        return Ok(());
    }
    let sender = call.thread.creds.lock().clone();
    let ok = p.with_creds(|c| sender.may_signal(c));
    if ok || (sig == crate::signal::SIGCONT && p.sid() == me.sid()) {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// Sends `sig` to `p` from the caller after the permission check.
fn send(call: &Call<'_>, p: &Arc<Process>, sig: u32) -> Result<(), Errno> {
    may_signal(call, p, sig)?;
    if sig != 0 && !p.is_zombie() {
        send_process(p, SigInfo::user(sig, SI_USER, call.thread.process.pid), false);
    }
    Ok(())
}

pub fn kill(call: &Call<'_>, pid: i64, sig: u64) -> SysResult {
    let sig = if sig == 0 { 0 } else { valid(sig)? };
    let me = &call.thread.process;
    let targets: alloc::vec::Vec<Arc<Process>> = match pid {
        p if p > 0 => {
            // A zombie still exists: the signal is accepted and dropped.
            let target = pid::find(p as u32).ok_or(Errno::ESRCH)?;
            send(call, &target, sig)?;
            return Ok(0);
        }
        0 => pid::all().into_iter().filter(|x| x.pgid() == me.pgid() && !x.is_zombie()).collect(),
        -1 => pid::all().into_iter().filter(|x| x.pid != 1 && x.pid != me.pid && !x.is_zombie()).collect(),
        p => pid::all().into_iter().filter(|x| x.pgid() as i64 == -p && !x.is_zombie()).collect(),
    };
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    let results: alloc::vec::Vec<Result<(), Errno>> = targets.iter().map(|p| send(call, p, sig)).collect();
    if pid == -1 {
        // Linux's kill(-1): EPERM from some targets is not reported.
        return results.into_iter().rev().find(|r| *r != Err(Errno::EPERM)).unwrap_or(Ok(())).map(|_| 0);
    }
    // A process group: success if any member was signalled, else the
    // last error.
    if results.iter().any(|r| r.is_ok()) {
        Ok(0)
    } else {
        results.into_iter().last().unwrap_or(Err(Errno::ESRCH)).map(|_| 0)
    }
}

/// tgkill(2), or tkill(2) when `tgid` is None.
pub fn tgkill(call: &Call<'_>, tgid: Option<i64>, tid: i64, sig: u64) -> SysResult {
    if tid <= 0 || tgid.is_some_and(|g| g <= 0) {
        return Err(Errno::EINVAL);
    }
    let sig = if sig == 0 { 0 } else { valid(sig)? };
    let t = pid::find_thread(tid as u32).ok_or(Errno::ESRCH)?;
    if tgid.is_some_and(|g| t.process.pid as i64 != g) {
        return Err(Errno::ESRCH);
    }
    may_signal(call, &t.process, sig)?;
    if sig != 0 {
        send_thread(&t, SigInfo::user(sig, SI_TKILL, call.thread.process.pid), false);
    }
    Ok(0)
}

/// rt_sigqueueinfo (`tid` None) and rt_tgsigqueueinfo, in Linux's order:
/// EINVAL for a non-positive id (tgsigqueueinfo), EFAULT, EPERM for a
/// kernel or kill/tgkill si_code sent to anyone but the caller, ESRCH, then
/// EINVAL for a bad signal; signal 0 only checks the target.
pub fn rt_sigqueueinfo(call: &Call<'_>, tgid: i64, tid: Option<i64>, sig: u64, uinfo: u64) -> SysResult {
    if tid.is_some_and(|t| t <= 0) || (tid.is_some() && tgid <= 0) {
        return Err(Errno::EINVAL);
    }
    let mut info = SigInfo::from_abi(&UserPtr::<crate::abi::Siginfo>::new(uinfo).read(&*mm(call)?)?);
    // The id compared is the one the signal goes to: the process for
    // rt_sigqueueinfo, the thread for rt_tgsigqueueinfo.
    let (target, own) = match tid {
        None => (tgid, call.thread.process.pid as i64),
        Some(t) => (t, call.thread.tid() as i64),
    };
    if (info.code >= 0 || info.code == SI_TKILL) && target != own {
        return Err(Errno::EPERM);
    }
    match tid {
        None => {
            let p = u32::try_from(tgid).ok().and_then(pid::find).ok_or(Errno::ESRCH)?;
            let sig = if sig == 0 { 0 } else { valid(sig)? };
            may_signal(call, &p, sig)?;
            info.signo = sig;
            // A zombie accepts and drops it, as for kill.
            if sig != 0 && !p.is_zombie() {
                crate::signal::try_send_process(&p, info, false)?;
            }
        }
        Some(tid) => {
            let t = u32::try_from(tid)
                .ok()
                .and_then(pid::find_thread)
                .filter(|t| t.process.pid as i64 == tgid)
                .ok_or(Errno::ESRCH)?;
            let sig = if sig == 0 { 0 } else { valid(sig)? };
            may_signal(call, &t.process, sig)?;
            info.signo = sig;
            if sig != 0 {
                crate::signal::try_send_thread(&t, info, false)?;
            }
        }
    }
    Ok(0)
}

pub fn sigaltstack(call: &Call<'_>, ss: UserPtr<StackT>, old: UserPtr<StackT>) -> SysResult {
    let t = call.thread;
    let mm = mm(call)?;
    let sp = call.ctx.rsp;
    let (cur_sp, _, cur_size) = *t.signals.altstack.lock();
    let cur_flags = t.altstack_flags(sp);
    if !ss.is_null() {
        let new = ss.read(&mm)?;
        t.set_altstack(sp, (new.ss_sp, new.ss_flags, new.ss_size))?;
    }
    if !old.is_null() {
        old.write(&mm, &StackT { ss_sp: cur_sp, ss_flags: cur_flags, _pad: 0, ss_size: cur_size })?;
    }
    Ok(0)
}

pub async fn rt_sigsuspend(call: &Call<'_>, mask: u64, size: u64) -> SysResult {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let t = call.thread;
    let m = uaccess::read_u64(&*mm(call)?, mask)?;
    let old = t.sigmask();
    t.signals.saved_mask.put(old);
    t.set_sigmask(m);
    match interruptible(t, core::future::pending::<core::convert::Infallible>()).await {
        Ok(never) => match never {},
        Err(e) => Err(e),
    }
}

pub async fn pause(call: &Call<'_>) -> SysResult {
    match interruptible(call.thread, core::future::pending::<core::convert::Infallible>()).await {
        Ok(never) => match never {},
        Err(e) => Err(e),
    }
}

pub async fn rt_sigtimedwait(call: &Call<'_>, set: u64, info: u64, timeout: u64, size: u64) -> SysResult {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let t = call.thread.clone();
    let mm = mm(call)?;
    let want = uaccess::read_u64(&mm, set)? & !UNBLOCKABLE;
    let deadline = if timeout != 0 {
        let ts = super::time::read_timespec(&mm, timeout)?;
        Some(platform::time::now_ns().saturating_add(ts))
    } else {
        None
    };
    let take = |t: &crate::proc::Thread| -> Option<SigInfo> {
        t.dequeue_signal(!want)
    };
    let got = match take(&t) {
        Some(i) => i,
        None if deadline == Some(platform::time::now_ns()) || (timeout != 0 && deadline.is_some_and(|d| d <= platform::time::now_ns())) => {
            return Err(Errno::EAGAIN);
        }
        None => {
            let tt = t.clone();
            let wait = t.signals.wake.wait_for(move || take(&tt));
            let waited = interruptible(&t, async {
                match deadline {
                    Some(d) => crate::sched::timeout(d, wait).await.ok(),
                    None => Some(wait.await),
                }
            })
            .await;
            match waited {
                Ok(Some(i)) => i,
                Ok(None) => return Err(Errno::EAGAIN),
                Err(e) => return Err(e),
            }
        }
    };
    if info != 0 {
        UserPtr::new(info).write(&mm, &got.to_abi())?;
    }
    Ok(got.signo as u64)
}
