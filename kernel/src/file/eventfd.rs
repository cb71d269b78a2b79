//! eventfd(2): a 64-bit counter as a file. A read takes the whole count (or
//! 1 in semaphore mode) and waits while it is zero; a write adds and waits
//! while the sum would pass 2^64 - 2 (adding 2^64 - 1 is EINVAL). Both
//! move 8 bytes (EINVAL for a smaller buffer) and wait, through the
//! generic layer, on the eventfd's wait queue, which poll also uses.

use core::sync::atomic::{AtomicU64, Ordering};

use executor::WaitQueue;

use super::io::Io;
use super::readiness::{bits, IN, OUT};
use super::{File, FileOps};
use crate::errno::Errno;
use crate::proc::Thread;

const MAX: u64 = u64::MAX - 1;

pub struct EventFd {
    count: AtomicU64,
    semaphore: bool,
    pub events: WaitQueue,
}

impl EventFd {
    pub fn new(init: u64, semaphore: bool) -> EventFd {
        EventFd { count: AtomicU64::new(init), semaphore, events: WaitQueue::new() }
    }

    pub fn readable(&self) -> bool {
        self.count.load(Ordering::Acquire) > 0
    }

    pub fn writable(&self) -> bool {
        self.count.load(Ordering::Acquire) < MAX
    }

    fn try_read(&self) -> Option<u64> {
        let r = self.count.fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
            if c == 0 {
                None
            } else if self.semaphore {
                Some(c - 1)
            } else {
                Some(0)
            }
        });
        r.ok().map(|old| if self.semaphore { 1 } else { old })
    }

    /// eventfd_signal: adds `n` (capped below the maximum, as Linux's
    /// kernel-side signal never fails) and wakes readers (AIO's
    /// IOCB_FLAG_RESFD, io_uring's registered eventfd).
    pub fn signal(&self, n: u64) {
        let _ = self.count.fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| Some(c.saturating_add(n).min(MAX)));
        self.events.wake_all();
    }

    fn try_write(&self, v: u64) -> bool {
        self.count.fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| c.checked_add(v).filter(|s| *s <= MAX)).is_ok()
    }
}

impl FileOps for EventFd {
    fn proc_link(&self, _file: &crate::file::File) -> alloc::vec::Vec<u8> {
        alloc::vec::Vec::from(&b"anon_inode:[eventfd]"[..])
    }

    fn read(&self, _file: &File, _io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let v = self.try_read().ok_or(Errno::EAGAIN)?;
        self.events.wake_all();
        buf[..8].copy_from_slice(&v.to_le_bytes());
        Ok(8)
    }

    fn write(&self, _file: &File, _io: &mut Io<'_>, data: &[u8]) -> Result<usize, Errno> {
        let Some(v) = data.first_chunk::<8>() else { return Err(Errno::EINVAL) };
        let v = u64::from_le_bytes(*v);
        if v == u64::MAX {
            return Err(Errno::EINVAL);
        }
        if !self.try_write(v) {
            return Err(Errno::EAGAIN);
        }
        self.events.wake_all();
        Ok(8)
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.events)
    }

    fn poll(&self, _t: &Thread) -> u16 {
        bits(self.readable(), IN) | bits(self.writable(), OUT)
    }
}
