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

use super::readiness::{bits, IN, POLLHUP};
use super::FileOps;
use crate::errno::Errno;
use crate::proc::{pid, Process, Thread};

pub struct PidFd {
    pub process: Arc<Process>,
    /// PIDFD_THREAD: the pidfd refers to this thread (readable when it
    /// ends, signals go to it).
    pub thread: Option<Arc<Thread>>,
}

impl PidFd {
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

/// Reading and writing are EINVAL; fstatfs reports pidfs (Linux 6.9).
impl FileOps for PidFd {
    fn proc_link(&self, _file: &crate::file::File) -> alloc::vec::Vec<u8> {
        alloc::vec::Vec::from(&b"anon_inode:[pidfd]"[..])
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.process.thread_exits)
    }

    fn poll(&self, _t: &Thread) -> u16 {
        bits(self.exited(), IN) | bits(self.reaped(), POLLHUP)
    }

    fn statfs(&self) -> Result<fs::inode::StatFs, Errno> {
        const PID_FS_MAGIC: u64 = 0x5049_4446;
        Ok(super::ops::pseudo_statfs(PID_FS_MAGIC))
    }
}
