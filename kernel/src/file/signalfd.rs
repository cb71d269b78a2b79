//! signalfd(2): pending signals read as `struct signalfd_siginfo` records.
//!
//! Mirrors Linux: a signalfd has a signal mask and no signals of its own.
//! Reading takes the thread's pending signals in the mask (the thread's
//! private ones first, then the process's shared ones, lowest number
//! first), as many whole records as fit, and waits while there are none.
//! Readiness is judged for the thread that asks (Linux uses `current`), so
//! a signalfd inherited across fork reports the child's signals.
//!
//! Every signal sent wakes [`SIGNALS`]: one queue for all signalfds, as a
//! signalfd may be read by any process that holds it. A queue without
//! waiters or watchers costs a signal sender one atomic load.

use core::sync::atomic::{AtomicU64, Ordering};

use executor::WaitQueue;

use super::io::Io;
use super::readiness::{bits, IN};
use super::{File, FileOps};
use crate::errno::Errno;
use crate::proc::Thread;
use crate::signal::{SigInfo, SigSet, UNBLOCKABLE};

/// Woken by every signal sent (see the module documentation).
pub static SIGNALS: WaitQueue = WaitQueue::new();

/// Size of a `struct signalfd_siginfo`.
pub const RECORD: usize = 128;

pub struct SignalFd {
    mask: AtomicU64,
}

impl SignalFd {
    pub fn new(mask: SigSet) -> SignalFd {
        SignalFd { mask: AtomicU64::new(mask & !UNBLOCKABLE) }
    }

    /// signalfd(fd, ...) on an existing signalfd replaces its mask.
    pub fn set_mask(&self, mask: SigSet) {
        self.mask.store(mask & !UNBLOCKABLE, Ordering::Release);
        SIGNALS.wake_all();
    }

    fn mask(&self) -> SigSet {
        self.mask.load(Ordering::Acquire)
    }

    pub fn has_signal(&self, t: &Thread) -> bool {
        let m = self.mask();
        (t.signals.pending.set() | t.process.shared_pending.set()) & m != 0
    }

    fn take(&self, t: &Thread) -> Option<SigInfo> {
        t.dequeue_signal(!self.mask())
    }
}

/// The `struct signalfd_siginfo` record for `i`.
pub fn record(i: &SigInfo) -> [u8; RECORD] {
    let mut b = [0u8; RECORD];
    let put32 = |b: &mut [u8; RECORD], o: usize, v: u32| b[o..o + 4].copy_from_slice(&v.to_le_bytes());
    put32(&mut b, 0, i.signo);
    put32(&mut b, 4, i.errno as u32);
    put32(&mut b, 8, i.code as u32);
    let fault = matches!(i.signo, 4 | 5 | 7 | 8 | 11) && i.code > 0;
    if fault {
        b[72..80].copy_from_slice(&i.addr.to_le_bytes());
    } else if i.code == crate::signal::info::SI_TIMER {
        put32(&mut b, 24, i.pid); // ssi_tid: the timer id
        put32(&mut b, 32, i.uid); // ssi_overrun
        put32(&mut b, 44, i.value as u32);
        b[48..56].copy_from_slice(&i.value.to_le_bytes());
    } else {
        put32(&mut b, 12, i.pid);
        put32(&mut b, 16, i.uid);
        if i.signo == crate::signal::SIGCHLD {
            put32(&mut b, 40, i.status as u32);
        } else {
            put32(&mut b, 44, i.value as u32);
            b[48..56].copy_from_slice(&i.value.to_le_bytes());
        }
    }
    b
}

/// A read takes as many whole records as fit (EINVAL if not even one
/// does), waiting for the first; writing is EINVAL.
impl FileOps for SignalFd {
    fn read(&self, _file: &File, io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < RECORD {
            return Err(Errno::EINVAL);
        }
        let mut n = 0;
        for slot in buf.chunks_exact_mut(RECORD) {
            let Some(info) = self.take(io.thread) else { break };
            slot.copy_from_slice(&record(&info));
            n += RECORD;
        }
        if n == 0 {
            return Err(Errno::EAGAIN);
        }
        Ok(n)
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&SIGNALS)
    }

    fn poll(&self, t: &Thread) -> u16 {
        bits(self.has_signal(t), IN)
    }
}
