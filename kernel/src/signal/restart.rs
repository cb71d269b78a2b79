//! Restarting interrupted system calls: Linux's -ERESTART* protocol
//! (signal(7), "Interruption of system calls and library functions by
//! signal handlers"), in one place.
//!
//! A wait that a signal ends returns `ERESTARTSYS` (or, having saved a
//! [`RestartBlock`] with [`save`], `ERESTART_RESTARTBLOCK`); the syscall table's
//! row of the call ([`crate::syscall::table`]) turns that into one of the
//! [`Restart`] kinds and records it for the way back to user mode
//! ([`super::deliver`]), which then either backs the thread up over its
//! `syscall` instruction (the call runs again) or makes it return EINTR:
//!
//! ```text
//!                 no handler runs        handler, SA_RESTART   handler, no SA_RESTART
//!   Sys           restart                restart               EINTR
//!   NoHand        restart                EINTR                 EINTR
//!   NoIntr        restart                restart               restart
//!   Block         restart_syscall(2)     EINTR                 EINTR
//! ```
//!
//! `Block` is Linux's -ERESTART_RESTARTBLOCK: the call saved a
//! [`RestartBlock`] saying how to go on (the absolute deadline of a sleep,
//! a futex wait or a poll), and after a stop signal and SIGCONT the thread
//! re-enters the kernel through restart_syscall(2), which resumes the wait
//! with the time that is left rather than the whole time again.
//! rt_sigreturn forgets the block, so a stray restart_syscall answers
//! EINTR, as Linux's do_no_restart_syscall.

use alloc::sync::Arc;

use crate::errno::Errno;
use crate::proc::Thread;

/// How an interrupted call is finished (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    Sys,
    NoHand,
    NoIntr,
    Block,
}

impl Restart {
    fn code(self) -> u64 {
        match self {
            Restart::Sys => 0,
            Restart::NoHand => 1,
            Restart::NoIntr => 2,
            Restart::Block => 3,
        }
    }

    fn from_code(c: u64) -> Restart {
        match c & 3 {
            0 => Restart::Sys,
            1 => Restart::NoHand,
            2 => Restart::NoIntr,
            _ => Restart::Block,
        }
    }

    /// Whether the call runs again when a handler with `sa_restart` runs.
    pub fn after_handler(self, sa_restart: bool) -> bool {
        match self {
            Restart::Sys => sa_restart,
            Restart::NoIntr => true,
            Restart::NoHand | Restart::Block => false,
        }
    }
}

/// How a call interrupted with [`Restart::Block`] goes on.
#[derive(Clone, Copy, Debug)]
pub enum RestartBlock {
    /// nanosleep / clock_nanosleep on a wall or monotonic clock: sleep
    /// until `deadline` (monotonic ns, or realtime ns when `realtime`),
    /// writing the time left to `rem` (0: none) if interrupted again.
    Sleep { deadline: u64, realtime: bool, rem: u64 },
    /// clock_nanosleep on a CPU-time clock: until the clock reads `expires`.
    CpuSleep { clock: u64, expires: u64, rem: u64 },
    /// A futex wait with a time-out (monotonic ns).
    Futex { uaddr: u64, val: u32, bitset: u32, private: bool, deadline: u64 },
    /// poll(2): the same descriptors, until the same deadline (monotonic
    /// ns) or for ever.
    Poll { fds: u64, nfds: u64, deadline: Option<u64> },
}

/// Records that the interrupted call `nr` is to be finished as `kind`.
pub fn set(t: &Thread, nr: u64, kind: Restart) {
    t.signals.restart.put(nr << 2 | kind.code());
}

/// Takes what [`set`] recorded (once).
pub fn take(t: &Thread) -> Option<(u64, Restart)> {
    let v = t.signals.restart.take()?;
    Some((v >> 2, Restart::from_code(v)))
}

/// Saves how the interrupted call goes on after a restart_syscall; the
/// call returns what this gives (ERESTART_RESTARTBLOCK, Linux's code for
/// "interrupted, and a restart block is saved").
#[must_use]
pub fn save(t: &Thread, block: RestartBlock) -> Errno {
    *t.signals.restart_block.lock() = Some(block);
    Errno::ERESTART_RESTARTBLOCK
}

/// Takes the saved restart block (restart_syscall).
pub fn take_block(t: &Thread) -> Option<RestartBlock> {
    t.signals.restart_block.lock().take()
}

/// Drops the saved restart block (rt_sigreturn, and a call that returns
/// without being restarted).
pub fn forget(t: &Arc<Thread>) {
    *t.signals.restart_block.lock() = None;
}
