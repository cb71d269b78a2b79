//! [`Watched`]: the kernel's side of a generated file's event source
//! (`fs::inode::EventSource`): a counter read from kernel state and the
//! wait queue woken when it moves. An open file whose state reports events
//! (/proc/PID/mountinfo, Linux's seq poll) names this queue to poll and
//! epoll, so waiters wake on a change and on nothing else.

use core::any::Any;

use executor::WaitQueue;

/// A counter and the queue woken when it changes.
pub struct Watched {
    pub count: fn() -> u64,
    pub queue: &'static WaitQueue,
}

impl fs::inode::EventSource for Watched {
    fn count(&self) -> u64 {
        (self.count)()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
