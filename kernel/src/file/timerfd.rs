//! timerfd(2): a timer as a file. Arming starts a task that sleeps until
//! each expiry on the executor (no tick), counts it and wakes readers; a
//! read returns the expirations since the last read (8 bytes), waiting for
//! the first. Re-arming or closing cancels the task.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use executor::{Event, WaitQueue};

use crate::errno::Errno;

struct Armed {
    /// Next expiry on the monotonic clock, and the interval (0: one shot).
    deadline: u64,
    interval: u64,
    cancel: Arc<Event>,
}

pub struct TimerFd {
    /// CLOCK_REALTIME-based (absolute times are converted with the offset).
    pub realtime: bool,
    expirations: AtomicU64,
    armed: spin::Mutex<Option<Armed>>,
    pub events: WaitQueue,
}

impl TimerFd {
    pub fn new(realtime: bool) -> Arc<TimerFd> {
        Arc::new(TimerFd { realtime, expirations: AtomicU64::new(0), armed: spin::Mutex::new(None), events: WaitQueue::new() })
    }

    pub fn readable(&self) -> bool {
        self.expirations.load(Ordering::Acquire) > 0
    }

    /// (time left, interval) of the current setting.
    pub fn get(&self) -> (u64, u64) {
        self.armed.lock().as_ref().map_or((0, 0), |a| (a.deadline.saturating_sub(platform::time::now_ns()).max(1), a.interval))
    }

    /// Arms (deadline on the monotonic clock) or disarms (deadline None);
    /// returns the old setting.
    pub fn set(self: &Arc<TimerFd>, deadline: Option<u64>, interval: u64) -> (u64, u64) {
        let old = self.get();
        let mut slot = self.armed.lock();
        if let Some(a) = slot.take() {
            a.cancel.notify_one();
        }
        self.expirations.store(0, Ordering::Release);
        let Some(deadline) = deadline else { return old };
        let cancel = Arc::new(Event::new());
        *slot = Some(Armed { deadline, interval, cancel: cancel.clone() });
        drop(slot);
        let me = Arc::downgrade(self);
        drop(crate::sched::executor().spawn(async move {
            let mut deadline = deadline;
            loop {
                let fired = crate::sched::sleep_unless_cancelled(deadline, &cancel).await;
                let Some(t) = me.upgrade() else { return };
                if !fired {
                    return;
                }
                let now = platform::time::now_ns();
                // Overruns: every interval that passed counts.
                let n = if interval > 0 { 1 + (now - deadline) / interval } else { 1 };
                t.expirations.fetch_add(n, Ordering::AcqRel);
                t.events.wake_all();
                if interval == 0 {
                    let mut slot = t.armed.lock();
                    if slot.as_ref().is_some_and(|a| Arc::ptr_eq(&a.cancel, &cancel)) {
                        *slot = None;
                    }
                    return;
                }
                deadline += n * interval;
                let mut slot = t.armed.lock();
                match slot.as_mut() {
                    Some(a) if Arc::ptr_eq(&a.cancel, &cancel) => a.deadline = deadline,
                    _ => return,
                }
            }
        }));
        old
    }

    fn take(&self) -> Option<u64> {
        let n = self.expirations.swap(0, Ordering::AcqRel);
        (n > 0).then_some(n)
    }

    pub async fn read(&self, nonblock: bool) -> Result<u64, Errno> {
        if let Some(n) = self.take() {
            return Ok(n);
        }
        if nonblock {
            return Err(Errno::EAGAIN);
        }
        Ok(self.events.wait_for(|| self.take()).await)
    }
}

impl Drop for TimerFd {
    fn drop(&mut self) {
        if let Some(a) = self.armed.get_mut().take() {
            a.cancel.notify_one();
        }
    }
}
