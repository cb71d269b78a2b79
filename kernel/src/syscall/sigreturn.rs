//! rt_sigreturn(2): back from a signal handler.
//!
//! The frame the handler ran on ([`crate::signal::frame`]) gives back every
//! register and the signal mask; its RAX is the interrupted code's, so the
//! call writes no result. A frame that cannot be read is SIGSEGV, as on
//! Linux. The thread's restart block is dropped: a stray restart_syscall
//! after a handler answers EINTR (Linux sets do_no_restart_syscall here).

use super::table::Outcome;
use super::{trace_exit, Call};

pub fn rt_sigreturn(call: &mut Call<'_>) -> Outcome {
    crate::signal::restart::forget(call.thread);
    if crate::signal::frame::restore(call.thread, call.ctx).is_err() {
        crate::signal::force_fault(call.thread, crate::signal::SigInfo::kernel(crate::signal::SIGSEGV));
    }
    trace_exit(call.thread, 15, 0);
    Outcome::Registers
}
