//! A pidfd: a file that refers to a process (pidfd_open(2), and the
//! target of pidfd_send_signal(2) and waitid(P_PIDFD)).
//!
//! Mirrors Linux: it holds the process, not its number, so a recycled PID
//! never redirects it. It polls readable (POLLIN) once the process has
//! exited — before the parent reaps it — and adds POLLHUP once it is
//! reaped. It is woken through the process's `thread_exits` queue. With
//! PIDFD_THREAD it refers to one thread, and is readable once that thread
//! has ended.

use alloc::sync::Arc;

use executor::WaitQueue;

use core::sync::atomic::Ordering;

use crate::proc::{pid, Process, Thread};

pub struct PidFd {
    pub process: Arc<Process>,
    /// PIDFD_THREAD: the pidfd refers to this thread (readable when it
    /// ends, signals go to it).
    pub thread: Option<Arc<Thread>>,
}

impl PidFd {
    pub fn queue(&self) -> &WaitQueue {
        &self.process.thread_exits
    }

    pub fn exited(&self) -> bool {
        match &self.thread {
            Some(t) => t.exited.load(Ordering::Acquire) || self.process.is_zombie(),
            None => self.process.is_zombie(),
        }
    }

    /// Exited and reaped: its PID no longer names it.
    pub fn reaped(&self) -> bool {
        self.exited() && pid::find(self.process.pid).is_none_or(|p| !Arc::ptr_eq(&p, &self.process))
    }
}
