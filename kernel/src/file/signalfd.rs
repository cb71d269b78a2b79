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
use zerocopy::IntoBytes;

use super::io::Io;
use super::readiness::{bits, IN};
use super::{File, FileOps};
use crate::abi::SignalfdSiginfo;
use crate::errno::Errno;
use crate::proc::Thread;
use crate::signal::{SigInfo, SigSet, UNBLOCKABLE};

/// Woken by every signal sent (see the module documentation).
pub static SIGNALS: WaitQueue = WaitQueue::new();

/// Size of a `struct signalfd_siginfo`.
pub const RECORD: usize = core::mem::size_of::<SignalfdSiginfo>();

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
pub fn record(i: &SigInfo) -> SignalfdSiginfo {
    let mut r = SignalfdSiginfo { ssi_signo: i.signo, ssi_errno: i.errno, ssi_code: i.code, ..Default::default() };
    let fault = matches!(i.signo, 4 | 5 | 7 | 8 | 11) && i.code > 0;
    if fault {
        r.ssi_addr = i.addr;
    } else if i.code == crate::signal::info::SI_TIMER {
        r.ssi_tid = i.pid; // the timer id
        r.ssi_overrun = i.uid;
        r.ssi_int = i.value as i32;
        r.ssi_ptr = i.value;
    } else {
        r.ssi_pid = i.pid;
        r.ssi_uid = i.uid;
        if i.signo == crate::signal::SIGCHLD {
            r.ssi_status = i.status;
        } else {
            r.ssi_int = i.value as i32;
            r.ssi_ptr = i.value;
        }
    }
    r
}

/// A read takes as many whole records as fit (EINVAL if not even one
/// does), waiting for the first; writing is EINVAL.
impl FileOps for SignalFd {
    fn proc_link(&self, _file: &crate::file::File) -> alloc::vec::Vec<u8> {
        alloc::vec::Vec::from(&b"anon_inode:[signalfd]"[..])
    }

    fn read(&self, _file: &File, io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < RECORD {
            return Err(Errno::EINVAL);
        }
        let mut n = 0;
        for slot in buf.chunks_exact_mut(RECORD) {
            let Some(info) = self.take(io.thread) else { break };
            slot.copy_from_slice(record(&info).as_bytes());
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
