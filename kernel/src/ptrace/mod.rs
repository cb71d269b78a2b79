//! ptrace(2), the tracee's side: the link to the tracer and the stops.
//!
//! A traced thread carries a [`Trace`]. At each point where Linux would
//! stop a tracee (ptrace(2), "Stopped states") the thread itself calls one
//! of the `*_stop` functions below from its own future: it snapshots its
//! registers into [`Stop`], wakes the tracer's wait (and sends it SIGCHLD
//! with CLD_TRAPPED), then awaits — a future like any other wait — until
//! the tracer resumes it (PTRACE_CONT, _SYSCALL, _SINGLESTEP, _DETACH), the
//! tracer goes away, or the process is killed. The registers the tracer
//! changed meanwhile are copied back before the thread returns to user
//! mode.
//!
//! ```text
//!   running --stop point--> stopped(unreported) --wait4 by tracer--> stopped(reported)
//!      ^                                                                  |
//!      +------------------ PTRACE_CONT/SYSCALL/DETACH, SIGKILL -----------+
//! ```
//!
//! The stops are: signal-delivery-stop (every signal but SIGKILL, before
//! its action; the tracer may suppress or replace it), syscall-enter- and
//! syscall-exit-stop (after PTRACE_SYSCALL; SIGTRAP, |0x80 with
//! PTRACE_O_TRACESYSGOOD; changing orig_rax at entry changes or, with -1,
//! skips the call), event stops (SIGTRAP | event << 8: exec, fork, vfork,
//! clone, exit) and PTRACE_EVENT_STOP (PTRACE_INTERRUPT, and a new child of
//! a seized tracee). Without PTRACE_O_TRACEEXEC a successful execve sends
//! the legacy SIGTRAP to a tracee not attached with PTRACE_SEIZE.
//!
//! Where Aramid differs: a stop signal the tracer lets through stops the
//! process as a group stop reported to the parent as without ptrace, not
//! as a ptrace group-stop (no PTRACE_LISTEN); attaching to a process that
//! is already stopped leaves its SIGSTOP pending until SIGCONT; no
//! VFORKDONE or SECCOMP stops. PTRACE_INTERRUPT ends a blocking call as a
//! signal would (it is restarted after the stop).

pub mod regs;

use alloc::sync::{Arc, Weak};
use core::sync::atomic::Ordering;

use platform::user::UserContext;

use crate::proc::{Process, Thread};
use crate::signal::{self, SigInfo, SIGTRAP};

pub const PTRACE_O_TRACESYSGOOD: u32 = 1;
pub const PTRACE_O_TRACEFORK: u32 = 2;
pub const PTRACE_O_TRACEVFORK: u32 = 4;
pub const PTRACE_O_TRACECLONE: u32 = 8;
pub const PTRACE_O_TRACEEXEC: u32 = 0x10;
pub const PTRACE_O_TRACEEXIT: u32 = 0x40;
pub const PTRACE_O_EXITKILL: u32 = 0x10_0000;
pub const PTRACE_O_SUSPEND_SECCOMP: u32 = 0x20_0000;
/// Every option bit Linux accepts (VFORKDONE and SECCOMP are accepted and
/// give no stops here).
pub const PTRACE_O_MASK: u32 = 0xff | PTRACE_O_EXITKILL | PTRACE_O_SUSPEND_SECCOMP;

pub const PTRACE_EVENT_FORK: u32 = 1;
pub const PTRACE_EVENT_VFORK: u32 = 2;
pub const PTRACE_EVENT_CLONE: u32 = 3;
pub const PTRACE_EVENT_EXEC: u32 = 4;
pub const PTRACE_EVENT_EXIT: u32 = 6;
pub const PTRACE_EVENT_STOP: u32 = 128;

/// PTRACE_GETEVENTMSG at a syscall stop (Linux's PTRACE_EVENTMSG_SYSCALL_*).
pub const EVENTMSG_SYSCALL_ENTRY: u64 = 1;
pub const EVENTMSG_SYSCALL_EXIT: u64 = 2;

/// How the tracer let the tracee go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// PTRACE_CONT (and DETACH): no more syscall stops.
    Cont,
    /// PTRACE_SYSCALL: stop at the next syscall entry or exit.
    Syscall,
    /// PTRACE_SINGLESTEP: one instruction, then SIGTRAP.
    Step,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopKind {
    Signal,
    SyscallEntry,
    SyscallExit,
    Event,
}

/// A ptrace stop in progress.
pub struct Stop {
    pub kind: StopKind,
    /// What wait reports: the signal, | event << 8.
    pub status: u32,
    /// Reported to the tracer's wait already.
    pub reported: bool,
    /// The tracee's registers (the tracer reads and writes these).
    pub regs: UserContext,
    /// The signal (signal-delivery-stop) or the SIGTRAP of the stop.
    pub info: SigInfo,
    /// Set by the tracer: how to go on, and the signal to deliver (0: none).
    pub resume: Option<(Resume, u32)>,
}

/// The link from a traced thread to its tracer.
pub struct Trace {
    pub tracer: Weak<Process>,
    pub seized: bool,
    pub options: u32,
    /// The last resume asked for syscall stops.
    pub syscall: bool,
    pub step: bool,
    pub stop: Option<Stop>,
    /// PTRACE_GETEVENTMSG.
    pub eventmsg: u64,
    /// The syscall number as the tracer sees it (orig_rax).
    pub orig_rax: u64,
    /// The tracer let go while the tracee was stopped: the tracee drops
    /// the link when it wakes.
    pub detached: bool,
    /// A PTRACE_EVENT_STOP to take (its WSTOPSIG).
    pub trap_stop: Option<u32>,
}

impl Trace {
    pub fn new(tracer: &Arc<Process>, seized: bool, options: u32) -> Trace {
        Trace { tracer: Arc::downgrade(tracer), seized, options, syscall: false, step: false, stop: None, eventmsg: 0, orig_rax: u64::MAX, detached: false, trap_stop: None }
    }
}

/// The process tracing `t`, if any.
pub fn tracer_of(t: &Thread) -> Option<Arc<Process>> {
    t.trace.lock().as_ref().filter(|tr| !tr.detached).and_then(|tr| tr.tracer.upgrade())
}

pub fn is_traced(t: &Thread) -> bool {
    t.trace.lock().as_ref().is_some_and(|tr| !tr.detached)
}

/// Makes `tracer` trace `t` (TRACEME, ATTACH, SEIZE, auto-attach).
pub fn link(t: &Arc<Thread>, tracer: &Arc<Process>, seized: bool, options: u32) {
    *t.trace.lock() = Some(Trace::new(tracer, seized, options));
    t.process.traced.fetch_add(1, Ordering::AcqRel);
    tracer.tracees.lock().push(t.clone());
}

/// Ends tracing of `t` (DETACH, tracer exit): a stopped tracee resumes
/// with `sig` (and drops the link itself when it wakes, keeping the
/// registers the tracer set).
pub fn unlink(t: &Arc<Thread>, sig: u32) {
    let old_tracer = {
        let mut guard = t.trace.lock();
        let Some(tr) = guard.as_mut() else { return };
        if tr.detached {
            return;
        }
        let tracer = tr.tracer.clone();
        match tr.stop.as_mut() {
            Some(s) => {
                s.resume = Some((Resume::Cont, sig));
                tr.detached = true;
            }
            None => *guard = None,
        }
        tracer
    };
    t.process.traced.fetch_sub(1, Ordering::AcqRel);
    if let Some(tracer) = old_tracer.upgrade() {
        tracer.tracees.lock().retain(|x| !Arc::ptr_eq(x, t));
    }
    t.process.stop_wait.wake_all();
}

/// The tracer `p` is ending: its tracees go free (killed with
/// PTRACE_O_EXITKILL).
pub fn tracer_exited(p: &Arc<Process>) {
    let tracees = core::mem::take(&mut *p.tracees.lock());
    for t in tracees {
        let exitkill = t.trace.lock().as_ref().is_some_and(|tr| tr.options & PTRACE_O_EXITKILL != 0);
        if exitkill {
            signal::send_process(&t.process, SigInfo::kernel(signal::SIGKILL), true);
        }
        unlink(&t, 0);
    }
}

/// Stops `t` in a ptrace stop and waits to be resumed. Returns how it was
/// resumed, or None when tracing ended meanwhile (detach, tracer exit) or
/// the process is exiting.
async fn stop(t: &Arc<Thread>, ctx: &mut UserContext, kind: StopKind, status: u32, info: SigInfo, eventmsg: Option<u64>) -> Option<(Resume, u32)> {
    stop_in(t, ctx, kind, status, info, eventmsg, false).await
}

/// [`stop`]; `at_exit` (PTRACE_EVENT_EXIT) waits through the process's
/// exit, ended by the tracer or SIGKILL only.
async fn stop_in(t: &Arc<Thread>, ctx: &mut UserContext, kind: StopKind, status: u32, info: SigInfo, eventmsg: Option<u64>, at_exit: bool) -> Option<(Resume, u32)> {
    let tracer = {
        let mut tr = t.trace.lock();
        let tr = tr.as_mut()?;
        if let Some(m) = eventmsg {
            tr.eventmsg = m;
        }
        let mut regs = *ctx;
        // The trap flag PTRACE_SINGLESTEP set is not the tracee's own.
        if tr.step {
            regs.rflags &= !TF;
        }
        tr.stop = Some(Stop { kind, status, reported: false, regs, info, resume: None });
        tr.tracer.upgrade()
    };
    if let Some(tracer) = &tracer {
        // Linux's do_notify_parent_cldstop: not with SA_NOCLDSTOP.
        if tracer.action(signal::SIGCHLD).flags & signal::SA_NOCLDSTOP == 0 {
            let chld = SigInfo { signo: signal::SIGCHLD, code: CLD_TRAPPED, pid: t.tid(), status: (status & 0x7f) as i32, ..Default::default() };
            signal::send_process(tracer, chld, true);
        }
        tracer.child_events.wake_all();
    }
    let p = t.process.clone();
    let done = || {
        (if at_exit { p.sigkilled.load(Ordering::Acquire) } else { p.is_exiting() }) || t.trace.lock().as_ref().is_none_or(|tr| tr.stop.as_ref().is_none_or(|s| s.resume.is_some()))
    };
    p.stop_wait.wait_until(done).await;
    let mut guard = t.trace.lock();
    let tr = guard.as_mut()?;
    let s = tr.stop.take()?;
    *ctx = s.regs;
    let resume = s.resume;
    // Woken by the exit (SIGKILL): no resume.
    let (how, sig) = resume?;
    if tr.detached {
        *guard = None;
        ctx.rflags &= !TF;
        // Detached: go on as PTRACE_CONT with the detach signal.
        return Some((Resume::Cont, sig));
    }
    tr.syscall = how == Resume::Syscall;
    tr.step = how == Resume::Step;
    if tr.step {
        ctx.rflags |= TF;
    } else {
        ctx.rflags &= !TF;
    }
    Some((how, sig))
}

/// The trap flag of RFLAGS (single-step).
const TF: u64 = 0x100;
/// CLD_TRAPPED, the si_code of a tracer's SIGCHLD for a ptrace stop.
const CLD_TRAPPED: i32 = 4;

/// Signal-delivery-stop: `info` is about to be acted on. Returns the
/// signal to act on instead (None: suppressed).
pub async fn signal_stop(t: &Arc<Thread>, ctx: &mut UserContext, info: SigInfo) -> Option<SigInfo> {
    if !is_traced(t) || info.signo == signal::SIGKILL {
        return Some(info);
    }
    let (_, sig) = stop(t, ctx, StopKind::Signal, info.signo, info, None).await?;
    if sig == 0 {
        return None;
    }
    if sig == info.signo {
        return Some(info);
    }
    // A different signal: as sent by the tracer.
    let tracer_pid = tracer_of(t).map_or(0, |p| p.pid);
    Some(SigInfo::user(sig, crate::signal::info::SI_USER, tracer_pid))
}

/// An event stop (SIGTRAP | event << 8) if the tracer asked for it with
/// `option`; returns whether the tracee stopped.
pub async fn event_stop(t: &Arc<Thread>, ctx: &mut UserContext, option: u32, event: u32, msg: u64) -> bool {
    let wanted = t.trace.lock().as_ref().is_some_and(|tr| tr.options & option != 0);
    if !wanted {
        return false;
    }
    let status = SIGTRAP | event << 8;
    let info = SigInfo { signo: SIGTRAP, code: status as i32, pid: t.tid(), ..Default::default() };
    if let Some((_, sig)) = stop(t, ctx, StopKind::Event, status, info, Some(msg)).await {
        if sig != 0 {
            signal::send_thread(t, SigInfo::user(sig, crate::signal::info::SI_USER, 0), true);
        }
    }
    true
}

/// After a successful execve: PTRACE_EVENT_EXEC, or the legacy SIGTRAP.
pub async fn exec_stop(t: &Arc<Thread>, ctx: &mut UserContext, old_tid: u32) {
    if !is_traced(t) {
        return;
    }
    if !event_stop(t, ctx, PTRACE_O_TRACEEXEC, PTRACE_EVENT_EXEC, old_tid as u64).await {
        let seized = t.trace.lock().as_ref().is_some_and(|tr| tr.seized);
        if !seized {
            signal::send_thread(t, SigInfo::kernel(SIGTRAP), true);
        }
    }
}

/// Whether the next syscall of `t` stops (PTRACE_SYSCALL was the last resume).
pub fn syscall_traced(t: &Thread) -> bool {
    t.trace.lock().as_ref().is_some_and(|tr| tr.syscall)
}

fn sysgood_status(t: &Thread) -> u32 {
    let good = t.trace.lock().as_ref().is_some_and(|tr| tr.options & PTRACE_O_TRACESYSGOOD != 0);
    SIGTRAP | if good { 0x80 } else { 0 }
}

/// syscall-enter-stop for call `nr`: the tracer sees rax = -ENOSYS and
/// orig_rax = nr. Returns the number to run (the tracer may have changed
/// orig_rax; u64::MAX or any unknown number then gives what rax holds).
pub async fn syscall_entry_stop(t: &Arc<Thread>, ctx: &mut UserContext, nr: u64) -> u64 {
    if let Some(tr) = t.trace.lock().as_mut() {
        tr.orig_rax = nr;
    }
    ctx.rax = (-(crate::errno::Errno::ENOSYS.0 as i64)) as u64;
    let status = sysgood_status(t);
    let info = SigInfo { signo: SIGTRAP, code: status as i32, ..Default::default() };
    let r = stop(t, ctx, StopKind::SyscallEntry, status, info, Some(EVENTMSG_SYSCALL_ENTRY)).await;
    if let Some((_, sig)) = r {
        if sig != 0 {
            signal::send_thread(t, SigInfo::user(sig, crate::signal::info::SI_USER, 0), true);
        }
    }
    t.trace.lock().as_ref().map_or(nr, |tr| tr.orig_rax)
}

/// syscall-exit-stop: rax holds the result (the tracer may change it).
pub async fn syscall_exit_stop(t: &Arc<Thread>, ctx: &mut UserContext) {
    let status = sysgood_status(t);
    let info = SigInfo { signo: SIGTRAP, code: status as i32, ..Default::default() };
    if let Some((_, sig)) = stop(t, ctx, StopKind::SyscallExit, status, info, Some(EVENTMSG_SYSCALL_EXIT)).await {
        if sig != 0 {
            signal::send_thread(t, SigInfo::user(sig, crate::signal::info::SI_USER, 0), true);
        }
    }
}

/// For wait: an unreported stop of a tracee of `tracer` that `sel`
/// matches — its TID and status — marked reported unless `peek`.
pub fn take_stop(tracee: &Thread, peek: bool) -> Option<u32> {
    let mut tr = tracee.trace.lock();
    let s = tr.as_mut().filter(|tr| !tr.detached)?.stop.as_mut()?;
    if s.reported || s.resume.is_some() {
        return None;
    }
    if !peek {
        s.reported = true;
    }
    Some(s.status)
}

/// The thread of `tracer` traced with TID `tid`, stopped (Linux's
/// ptrace_check_attach; an exiting tracee in its PTRACE_EVENT_EXIT stop
/// counts, a killed one does not): ESRCH otherwise.
pub fn stopped_tracee(tracer: &Arc<Process>, tid: u32) -> Result<Arc<Thread>, crate::errno::Errno> {
    let t = tracer.tracees.lock().iter().find(|t| t.tid() == tid).cloned().ok_or(crate::errno::Errno::ESRCH)?;
    let stopped = t.trace.lock().as_ref().is_some_and(|tr| tr.stop.as_ref().is_some_and(|s| s.resume.is_none()));
    if stopped && !t.process.sigkilled.load(Ordering::Acquire) {
        Ok(t)
    } else {
        Err(crate::errno::Errno::ESRCH)
    }
}

/// clone/fork/vfork by a tracee: the event the tracer asked to see, if
/// any (Linux's copy_process rule), as (option, event).
pub fn clone_event(t: &Thread, flags: u64) -> Option<(u32, u32)> {
    const CLONE_VFORK: u64 = 0x4000;
    const CLONE_UNTRACED: u64 = 0x0080_0000;
    let options = t.trace.lock().as_ref().filter(|tr| !tr.detached)?.options;
    if flags & CLONE_UNTRACED != 0 {
        return None;
    }
    let ev = if flags & CLONE_VFORK != 0 {
        (PTRACE_O_TRACEVFORK, PTRACE_EVENT_VFORK)
    } else if flags & 0xff != signal::SIGCHLD as u64 {
        (PTRACE_O_TRACECLONE, PTRACE_EVENT_CLONE)
    } else {
        (PTRACE_O_TRACEFORK, PTRACE_EVENT_FORK)
    };
    (options & ev.0 != 0).then_some(ev)
}

/// Auto-attach of a new child (before it first runs): same tracer and
/// options; it starts with a SIGSTOP, or when seized a PTRACE_EVENT_STOP
/// whose signal is SIGTRAP (Linux's do_jobctl_trap outside a group stop).
pub fn attach_child(parent: &Thread, child: &Arc<Thread>) {
    let (tracer, seized, options) = {
        let tr = parent.trace.lock();
        let Some(tr) = tr.as_ref() else { return };
        (tr.tracer.upgrade(), tr.seized, tr.options)
    };
    let Some(tracer) = tracer else { return };
    link(child, &tracer, seized, options);
    if seized {
        if let Some(tr) = child.trace.lock().as_mut() {
            tr.trap_stop = Some(SIGTRAP);
        }
        child.signals.wake.wake_all();
    } else {
        signal::send_thread(child, SigInfo::kernel(signal::SIGSTOP), true);
    }
}

/// A PTRACE_EVENT_STOP asked for (PTRACE_INTERRUPT, a seized new child):
/// taken on the way to user mode.
pub async fn trap_stop(t: &Arc<Thread>, ctx: &mut UserContext) {
    // Taken even when detached: a request left behind must not keep the
    // thread's waits ending (`has_deliverable_signal`).
    let sig = match t.trace.lock().as_mut() {
        Some(tr) => tr.trap_stop.take().filter(|_| !tr.detached),
        None => None,
    };
    let Some(sig) = sig else { return };
    let status = sig | PTRACE_EVENT_STOP << 8;
    let info = SigInfo { signo: sig, code: status as i32, pid: t.tid(), ..Default::default() };
    if let Some((_, s)) = stop(t, ctx, StopKind::Event, status, info, None).await {
        if s != 0 {
            signal::send_thread(t, SigInfo::user(s, crate::signal::info::SI_USER, 0), true);
        }
    }
}

/// PTRACE_O_TRACEEXIT: the stop of a thread on its way out, with the exit
/// status (a wait status) as the event message.
pub async fn exit_stop(t: &Arc<Thread>, ctx: &mut UserContext) {
    let wanted = t.trace.lock().as_ref().is_some_and(|tr| !tr.detached && tr.options & PTRACE_O_TRACEEXIT != 0);
    if !wanted || t.process.sigkilled.load(Ordering::Acquire) {
        return;
    }
    let status = SIGTRAP | PTRACE_EVENT_EXIT << 8;
    let info = SigInfo { signo: SIGTRAP, code: status as i32, pid: t.tid(), ..Default::default() };
    let code = t.process.exit_status_so_far() as u32 as u64;
    stop_in(t, ctx, StopKind::Event, status, info, Some(code), true).await;
}
