//! [`Watched`]: the kernel's side of a generated file's event source
//! (`fs::inode::EventSource`): a counter read from kernel state and the
//! wait queue woken when it moves ([`Watch`]). An open file whose state
//! reports events (/proc/PID/mountinfo, Linux's seq poll) names this
//! queue to poll and epoll, so waiters wake on a change and on nothing
//! else.

use alloc::sync::Arc;
use core::any::Any;

use executor::WaitQueue;

/// Kernel state with a change counter and a queue woken on each change.
pub trait Watch: Send + Sync {
    fn count(&self) -> u64;
    fn queue(&self) -> &WaitQueue;
}

/// An event source for `fs`: what it watches.
pub struct Watched(pub Arc<dyn Watch>);

impl fs::inode::EventSource for Watched {
    fn count(&self) -> u64 {
        self.0.count()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
