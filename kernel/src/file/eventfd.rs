//! eventfd(2): a 64-bit counter as a file. A read takes the whole count (or
//! 1 in semaphore mode) and waits while it is zero; a write adds and waits
//! while the sum would pass 2^64 - 2. Both are futures on the eventfd's
//! wait queue, which poll also uses.

use core::sync::atomic::{AtomicU64, Ordering};

use executor::WaitQueue;

use crate::errno::Errno;

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

    pub async fn read(&self, nonblock: bool) -> Result<u64, Errno> {
        let v = match self.try_read() {
            Some(v) => v,
            None if nonblock => return Err(Errno::EAGAIN),
            None => self.events.wait_for(|| self.try_read()).await,
        };
        self.events.wake_all();
        Ok(v)
    }

    fn try_write(&self, v: u64) -> bool {
        self.count.fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| c.checked_add(v).filter(|s| *s <= MAX)).is_ok()
    }

    pub async fn write(&self, v: u64, nonblock: bool) -> Result<(), Errno> {
        if v == u64::MAX {
            return Err(Errno::EINVAL);
        }
        if !self.try_write(v) {
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            self.events.wait_until(|| self.try_write(v)).await;
        }
        self.events.wake_all();
        Ok(())
    }
}
