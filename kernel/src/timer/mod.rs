//! Timers that belong to processes: CPU-time clocks and the timers that
//! run on them, POSIX interval timers (timer_create) and the real-time
//! itimer.
//!
//! - [`cpu_clock`]: decoding Linux's CPU-clock ids (CLOCK_PROCESS_CPUTIME_ID,
//!   CLOCK_THREAD_CPUTIME_ID, clock_getcpuclockid's negative ids) and
//!   reading them from the real accounting in `proc::thread`.
//! - [`cpu_timers`]: timers that expire when a process or thread has used
//!   an amount of CPU time (ITIMER_VIRTUAL, ITIMER_PROF, POSIX timers on
//!   CPU clocks, clock_nanosleep on a process clock). There is no tick to
//!   check them on: a thread entering user mode arms its CPU's LAPIC for no
//!   later than the nearest CPU-time expiry, and the check runs when it
//!   comes back — CPU time only advances while a thread runs.
//! - [`posix`]: POSIX timers and their signals, overrun counts included.
//! - [`real`]: ITIMER_REAL (setitimer, alarm), SIGALRM to the process.
//! - [`forward`]: how a periodic timer moves past the present (Linux's
//!   hrtimer_forward): by division, and only when its last expiry was
//!   consumed.

pub mod cpu_clock;
pub mod cpu_timers;
pub mod forward;
pub mod posix;
pub mod real;
