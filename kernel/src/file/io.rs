//! The generic half of read and write: one transfer on one open file,
//! waiting while the kind says it would block.
//!
//! A kind's [`read`](super::FileOps::read) and
//! [`write`](super::FileOps::write) never wait: they answer EAGAIN. Unless
//! the call is non-blocking (O_NONBLOCK, RWF_NOWAIT), [`File::read_once`]
//! and [`File::write_once`] then wait on the kind's wait queue, asking the
//! kind again after each wake (register, then re-check: no wake is lost),
//! until it answers something else. A read or write that completes at once
//! costs one call and allocates nothing.
//!
//! A kind may bound the wait ([`FileOps::io_timeout`](super::FileOps::io_timeout),
//! a socket's SO_RCVTIMEO/SO_SNDTIMEO): it then ends in EAGAIN, and a
//! signal in EINTR ([`wait_limited`]).
//!
//! A signal ends a wait with ERESTARTSYS, here and only here ([`wait`]);
//! whether the call restarts or fails with EINTR is the syscall layer's
//! decision. Bytes a transfer already moved (a pipe write that filled the
//! ring, then waited) win over a later error or signal, as on Linux.

use alloc::sync::Arc;
use core::future::Future;

use super::File;
use crate::errno::Errno;
use crate::proc::Thread;

/// One read or write as the kind sees it.
pub struct Io<'a> {
    /// The calling thread (its credentials, limits, signals, terminal).
    pub thread: &'a Arc<Thread>,
    /// pread/pwrite: this offset instead of the file position.
    pub at: Option<u64>,
    /// The caller does not wait (O_NONBLOCK, RWF_NOWAIT).
    pub nonblock: bool,
    /// Writes go to the end of the file (O_APPEND, RWF_APPEND).
    pub append: bool,
    /// Bytes this transfer has moved before it had to wait: kept across
    /// the kind's attempts, returned if the wait ends in an error.
    pub done: usize,
    /// The kind was already asked once in this transfer (its once-per-call
    /// checks are done).
    pub retry: bool,
}

impl<'a> Io<'a> {
    /// A transfer on `file` by `thread`, at `at` or the file position,
    /// with the file's O_NONBLOCK and O_APPEND (or RWF_NOWAIT and
    /// RWF_APPEND).
    pub fn new(thread: &'a Arc<Thread>, file: &File, at: Option<u64>, nowait: bool, append: bool) -> Io<'a> {
        let status = file.status();
        Io {
            thread,
            at,
            nonblock: status & super::O_NONBLOCK != 0 || nowait,
            append: status & super::O_APPEND != 0 || append,
            done: 0,
            retry: false,
        }
    }
}

/// Waits for `fut` on behalf of `t`: a signal that interrupts it is
/// ERESTARTSYS (`signal::interruptible`).
pub async fn wait<F: Future>(t: &Thread, fut: F) -> Result<F::Output, Errno> {
    crate::signal::interruptible(t, fut).await
}

/// Waits for `fut` on behalf of `t` for at most `ns` nanoseconds (a
/// socket's SO_RCVTIMEO/SO_SNDTIMEO): EAGAIN when the time runs out, and
/// EINTR, never a restart, when a signal interrupts (Linux's
/// sock_intr_errno with a time-out).
pub async fn wait_limited<F: Future>(t: &Thread, ns: u64, fut: F) -> Result<F::Output, Errno> {
    let deadline = platform::time::now_ns().saturating_add(ns);
    match wait(t, crate::sched::timeout(deadline, fut)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(_)) => Err(Errno::EAGAIN),
        Err(_) => Err(Errno::EINTR),
    }
}

impl File {
    /// One read into `buf` (see the module documentation).
    pub async fn read_once(&self, io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        self.transfer(io, false, |f, io| f.ops.read(f, io, buf)).await
    }

    /// One write of `data` (see the module documentation).
    pub async fn write_once(&self, io: &mut Io<'_>, data: &[u8]) -> Result<usize, Errno> {
        self.transfer(io, true, |f, io| f.ops.write(f, io, data)).await
    }

    /// One transfer by `op` (a socket's sendmsg or recvmsg), waiting as a
    /// read (`write` false) or write does.
    pub async fn transfer(&self, io: &mut Io<'_>, write: bool, mut op: impl FnMut(&File, &mut Io<'_>) -> Result<usize, Errno>) -> Result<usize, Errno> {
        if io.at.is_some() && !self.ops.positional() {
            return Err(Errno::ESPIPE);
        }
        io.done = 0;
        io.retry = false;
        let first = op(self, io);
        let queue = match first {
            Err(Errno::EAGAIN) if !io.nonblock => self.ops.wait_queue(),
            _ => None,
        };
        let r = match queue {
            None => first,
            Some(q) => {
                io.retry = true;
                let t = io.thread;
                let again = q.wait_for(|| match op(self, io) {
                    Err(Errno::EAGAIN) => None,
                    r => Some(r),
                });
                match self.ops.io_timeout(write) {
                    None => wait(t, again).await.and_then(|r| r),
                    Some(ns) => wait_limited(t, ns, again).await.and_then(|r| r),
                }
            }
        };
        match r {
            Err(_) if io.done > 0 => Ok(io.done),
            r => r,
        }
    }
}
