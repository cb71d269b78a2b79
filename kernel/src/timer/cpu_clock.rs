//! CPU-time clocks, as Linux encodes them in a clockid_t.
//!
//! CLOCK_PROCESS_CPUTIME_ID (2) and CLOCK_THREAD_CPUTIME_ID (3) are the
//! caller's own; clock_getcpuclockid and pthread_getcpuclockid make
//! negative ids: `(~pid << 3) | which`, with bit 2 set for a thread and
//! `which` one of PROF (user + system), VIRT (user) and SCHED (all run
//! time; here the same as PROF). A thread clock must name a thread of the
//! caller's process, a process clock a live or zombie process; anything
//! else is EINVAL. Values come from the per-thread accounting (every poll
//! of a thread's task, the user-mode part separately), not from samples.

use alloc::sync::{Arc, Weak};

use crate::errno::Errno;
use crate::proc::{pid, Process, Thread};

pub const CLOCK_PROCESS_CPUTIME_ID: u64 = 2;
pub const CLOCK_THREAD_CPUTIME_ID: u64 = 3;

/// What a CPU clock counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// User and system time (ITIMER_PROF).
    Prof,
    /// User time only (ITIMER_VIRTUAL).
    Virt,
    /// All run time (the *_CPUTIME_ID clocks).
    Sched,
}

/// Whose CPU time.
#[derive(Clone)]
pub enum Target {
    Process(Arc<Process>),
    Thread(Arc<Thread>),
}

#[derive(Clone)]
pub struct CpuClock {
    pub target: Target,
    pub which: Which,
}

/// Whether `clock` is a CPU-time clock id (valid or not).
pub fn is_cpu_clock(clock: u64) -> bool {
    let c = clock as i32;
    c < 0 || clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID
}

/// Decodes a CPU-clock id as seen by thread `me`.
pub fn decode(me: &Arc<Thread>, clock: u64) -> Result<CpuClock, Errno> {
    let c = clock as i32;
    let (pid, thread, which) = match clock {
        CLOCK_PROCESS_CPUTIME_ID => (0, false, 2),
        CLOCK_THREAD_CPUTIME_ID => (0, true, 2),
        _ if c < 0 => (!(c >> 3), c & 4 != 0, c & 3),
        _ => return Err(Errno::EINVAL),
    };
    let which = match which {
        0 => Which::Prof,
        1 => Which::Virt,
        2 => Which::Sched,
        // 3 is CLOCKFD: a dynamic clock from a file (PTP), not a CPU clock.
        _ => return Err(Errno::EINVAL),
    };
    let target = match (thread, pid) {
        (true, 0) => Target::Thread(me.clone()),
        (true, tid) => {
            let t = pid::find_thread(tid as u32).filter(|t| Arc::ptr_eq(&t.process, &me.process)).ok_or(Errno::EINVAL)?;
            Target::Thread(t)
        }
        (false, 0) => Target::Process(me.process.clone()),
        (false, p) if p > 0 => Target::Process(pid::find(p as u32).ok_or(Errno::EINVAL)?),
        _ => return Err(Errno::EINVAL),
    };
    Ok(CpuClock { target, which })
}

/// The value of a `which` clock given user and system times.
pub fn pick(which: Which, t: crate::proc::process::Times) -> u64 {
    match which {
        Which::Virt => t.user,
        Which::Prof | Which::Sched => t.user + t.system,
    }
}

impl CpuClock {
    pub fn now(&self) -> u64 {
        match &self.target {
            Target::Process(p) => pick(self.which, p.own_times()),
            Target::Thread(t) => pick(self.which, t.times()),
        }
    }

    /// The process whose CPU timers list holds timers on this clock, and
    /// the thread for a thread clock.
    pub fn owner(&self) -> (Arc<Process>, Option<Weak<Thread>>) {
        match &self.target {
            Target::Process(p) => (p.clone(), None),
            Target::Thread(t) => (t.process.clone(), Some(Arc::downgrade(t))),
        }
    }
}
