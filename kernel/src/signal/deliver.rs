//! Delivering signals on the way back to user mode.
//!
//! [`deliver`] runs before every return to user mode. It takes the
//! lowest-numbered deliverable signal (the thread's own first, then the
//! process's) and acts: ignore, stop (the thread waits, as a future, until
//! SIGCONT or death), terminate (with the core bit for "core" signals), or
//! run the handler through a frame on the user stack. It also finishes
//! interrupted system calls: restart them (SA_RESTART, or when no handler
//! runs) or make them return EINTR.

use alloc::sync::Arc;

use platform::user::UserContext;

use super::*;
use crate::errno::Errno;

use super::restart::{self, Restart};

/// The number of restart_syscall(2).
const NR_RESTART_SYSCALL: u64 = 219;

/// Backs the thread up over its 2-byte `syscall` instruction so that call
/// `nr` runs again (or restart_syscall, for a [`Restart::Block`]).
fn restart_syscall(ctx: &mut UserContext, nr: u64, kind: Restart) {
    ctx.rax = if kind == Restart::Block { NR_RESTART_SYSCALL } else { nr };
    ctx.rip -= 2;
}

/// Acts on pending signals; returns false when the thread must end.
pub async fn deliver(t: &Arc<Thread>, ctx: &mut UserContext) -> bool {
    let mut restart = restart::take(t);
    loop {
        if t.process.is_exiting() || t.process.exec_leader().is_some_and(|l| l != t.tid()) {
            return false;
        }
        if t.process.is_stopped() {
            let p = t.process.clone();
            p.stop_wait.wait_until(|| !p.is_stopped() || p.is_exiting()).await;
            continue;
        }
        // A frozen cgroup (cgroup.freeze): park until thawed or killed.
        if t.process.is_frozen() {
            let p = t.process.clone();
            p.stop_wait.wait_until(|| !p.is_frozen() || p.is_exiting()).await;
            continue;
        }
        let blocked = t.sigmask();
        // A PTRACE_EVENT_STOP asked for (PTRACE_INTERRUPT, seized child).
        let traced = t.process.traced.load(core::sync::atomic::Ordering::Acquire) > 0;
        if traced && t.trace.lock().as_ref().is_some_and(|tr| tr.trap_stop.is_some()) {
            crate::ptrace::trap_stop(t, ctx).await;
            continue;
        }
        let Some(info) = t.dequeue_signal(blocked) else {
            if let Some((nr, kind)) = restart {
                restart_syscall(ctx, nr, kind);
            }
            if let Some(m) = t.signals.saved_mask.take() {
                t.set_sigmask(m);
            }
            return true;
        };
        // Signal-delivery-stop: the tracer may suppress or replace it; a
        // replacement the thread blocks is queued for later.
        let info = if traced && info.signo != SIGKILL && crate::ptrace::is_traced(t) {
            let Some(new) = crate::ptrace::signal_stop(t, ctx, info).await else { continue };
            if new.signo != info.signo && blocked & bit(new.signo) != 0 {
                t.signals.pending.lock().push(new);
                continue;
            }
            new
        } else {
            info
        };
        let sig = info.signo;
        let action = t.process.action(sig);
        if action.handler == SIG_IGN {
            continue;
        }
        if action.handler == SIG_DFL {
            match default_action(sig) {
                Default::Ignore | Default::Continue => continue,
                Default::Stop => {
                    // Linux discards SIGTSTP/SIGTTIN/SIGTTOU in an orphaned
                    // process group: nobody could continue it.
                    if (sig == SIGSTOP || !t.process.pgrp_is_orphaned()) && t.process.begin_stop() {
                        // Report once every thread has left user mode.
                        let p = t.process.clone();
                        p.stop_wait.wait_until(|| !p.is_stopped() || p.is_exiting() || p.stop_complete()).await;
                        if p.is_stopped() && !p.is_exiting() {
                            p.report_stop(sig);
                        }
                    }
                    continue;
                }
                Default::Terminate => {
                    t.process.begin_exit(sig as i32);
                    return false;
                }
                Default::Core => {
                    t.process.begin_exit(sig as i32 | 0x80);
                    return false;
                }
            }
        }
        if let Some((nr, kind)) = restart.take() {
            if kind.after_handler(action.flags & SA_RESTART != 0) {
                restart_syscall(ctx, nr, kind);
            } else {
                ctx.rax = (-(Errno::EINTR.0 as i64)) as u64;
            }
        }
        let old_mask = t.signals.saved_mask.take().unwrap_or(blocked);
        let trap = *t.last_trap.lock();
        if frame::setup(t, ctx, &info, &action, old_mask, trap).is_err() {
            // No room for the frame: Linux forces SIGSEGV.
            t.process.begin_exit(SIGSEGV as i32 | 0x80);
            return false;
        }
        let mut mask = blocked | action.mask;
        if action.flags & SA_NODEFER == 0 {
            mask |= bit(sig);
        }
        t.set_sigmask(mask);
        if action.flags & SA_RESETHAND != 0 {
            t.process.set_action(sig, SigAction::default());
        }
        return true;
    }
}
