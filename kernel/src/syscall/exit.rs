//! exit(2) and exit_group(2).
//!
//! `exit` ends the calling thread; when it is the last one, the process
//! exits with `status & 0xff`. `exit_group` ends every thread of the
//! process.

use super::table::Outcome;
use super::{trace_exit, Call};

pub fn exit(call: &mut Call<'_>, status: i32) -> Outcome {
    trace_exit(call.thread, 60, status);
    // The status counts only if this is the last thread.
    call.thread.process.set_exit_status((status & 0xff) << 8);
    Outcome::Exit
}

pub fn exit_group(call: &mut Call<'_>, status: i32) -> Outcome {
    trace_exit(call.thread, 231, status);
    call.thread.process.begin_exit((status & 0xff) << 8);
    Outcome::Exit
}
