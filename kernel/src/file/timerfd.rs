//! timerfd(2): a timer as a file. Arming starts a task that sleeps until
//! the expiry on the executor (no tick), counts it and wakes readers; a
//! read returns the expirations since the last read (8 bytes), waiting for
//! the first. A periodic timer stays stopped after an expiry until a read
//! counts the periods that passed by division and re-arms it, as Linux's
//! (a u64 count, never saturated). Re-arming or closing cancels the task.
//!
//! An absolute CLOCK_REALTIME expiry follows clock_settime (the first
//! expiry; later periods are relative). With TFD_TIMER_CANCEL_ON_SET a
//! clock change while it waits makes the timerfd readable and its next
//! read fail with ECANCELED, as on Linux (systemd watches for clock
//! changes this way).

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use executor::{Event, WaitQueue};

use super::io::Io;
use super::readiness::{bits, IN};
use super::{File, FileOps};
use crate::errno::Errno;
use crate::proc::Thread;

struct Armed {
    /// Next expiry on the monotonic clock, and the interval (0: one shot).
    deadline: u64,
    interval: u64,
    cancel: Arc<Event>,
    /// Expired and stopped until a read moves it on (`catch_up`).
    parked: bool,
    resume: Arc<Event>,
}

/// When a timer first expires.
pub enum First {
    /// At this monotonic time.
    Monotonic(u64),
    /// When CLOCK_REALTIME reads this (ns since the epoch); `cancel_on_set`
    /// reports clock changes (TFD_TIMER_CANCEL_ON_SET).
    Realtime { at: i64, cancel_on_set: bool },
}

pub struct TimerFd {
    /// CLOCK_REALTIME-based (absolute times are converted with the offset).
    pub realtime: bool,
    expirations: AtomicU64,
    /// The clock was set under a TFD_TIMER_CANCEL_ON_SET timer.
    canceled: core::sync::atomic::AtomicBool,
    armed: spin::Mutex<Option<Armed>>,
    pub events: WaitQueue,
}

impl TimerFd {
    pub fn new(realtime: bool) -> Arc<TimerFd> {
        Arc::new(TimerFd {
            realtime,
            expirations: AtomicU64::new(0),
            canceled: core::sync::atomic::AtomicBool::new(false),
            armed: spin::Mutex::new(None),
            events: WaitQueue::new(),
        })
    }

    pub fn readable(&self) -> bool {
        self.expirations.load(Ordering::Acquire) > 0 || self.canceled.load(Ordering::Acquire)
    }

    /// A periodic timer that expired stays stopped until it is read (or
    /// timerfd_gettime looks), as Linux's timerfd_read: then the periods
    /// that passed are counted by division (`timer::forward`) and it is
    /// re-armed past now. So a 1 ns interval costs one division per read.
    fn catch_up(&self) {
        let mut slot = self.armed.lock();
        if let Some(a) = slot.as_mut().filter(|a| a.parked) {
            let (next, periods) = crate::timer::forward::forward(a.deadline, platform::time::now_ns(), a.interval);
            // The expiry that parked it was counted already.
            self.expirations.fetch_add(periods.saturating_sub(1), Ordering::AcqRel);
            a.deadline = next;
            a.parked = false;
            a.resume.notify_one();
        }
    }

    /// (time left, interval) of the current setting.
    pub fn get(&self) -> (u64, u64) {
        self.catch_up();
        self.armed.lock().as_ref().map_or((0, 0), |a| (a.deadline.saturating_sub(platform::time::now_ns()).max(1), a.interval))
    }

    /// Arms (first expiry given) or disarms (None); returns the old
    /// setting.
    pub fn set(self: &Arc<TimerFd>, first: Option<First>, interval: u64) -> (u64, u64) {
        let old = self.get();
        let mut slot = self.armed.lock();
        if let Some(a) = slot.take() {
            a.cancel.notify_one();
        }
        self.expirations.store(0, Ordering::Release);
        self.canceled.store(false, Ordering::Release);
        let Some(first) = first else { return old };
        let deadline = match first {
            First::Monotonic(d) => d,
            First::Realtime { at, .. } => crate::clock_set::mono_deadline(at),
        };
        let cancel = Arc::new(Event::new());
        let resume = Arc::new(Event::new());
        // Clock changes count from now, not from when the task first runs
        // (it may start later on another CPU).
        let armed_generation = crate::clock_set::generation();
        *slot = Some(Armed { deadline, interval, cancel: cancel.clone(), parked: false, resume: resume.clone() });
        drop(slot);
        let me = Arc::downgrade(self);
        drop(crate::sched::executor().spawn(async move {
            let mut deadline = deadline;
            // A realtime first expiry is waited for on its own (it follows
            // clock changes); it has fired when the loop starts.
            let mut fired_already = false;
            if let First::Realtime { at, cancel_on_set } = first {
                match wait_realtime(&me, at, cancel_on_set, armed_generation, &cancel).await {
                    Some(d) => deadline = d,
                    None => return,
                }
                fired_already = true;
            }
            loop {
                let fired = fired_already || crate::sched::sleep_unless_cancelled(deadline, &cancel).await;
                fired_already = false;
                let Some(t) = me.upgrade() else { return };
                if !fired {
                    return;
                }
                // One expiry (Linux's timerfd_tmrproc); a periodic timer
                // then waits, stopped, for a read to count the periods that
                // passed and move it on (`catch_up`).
                {
                    let mut slot = t.armed.lock();
                    let Some(a) = slot.as_mut().filter(|a| Arc::ptr_eq(&a.cancel, &cancel)) else { return };
                    // Under the lock: a re-arming zeroes the count.
                    t.expirations.fetch_add(1, Ordering::AcqRel);
                    a.parked = interval > 0;
                    if interval == 0 {
                        *slot = None;
                    }
                }
                t.events.wake_all();
                drop(t);
                if interval == 0 {
                    return;
                }
                if let executor::Either::Left(()) = executor::select(cancel.notified(), resume.notified()).await {
                    return;
                }
                let Some(t) = me.upgrade() else { return };
                let slot = t.armed.lock();
                match slot.as_ref() {
                    Some(a) if Arc::ptr_eq(&a.cancel, &cancel) => deadline = a.deadline,
                    _ => return,
                }
            }
        }));
        old
    }

    /// The expirations, or ECANCELED once after a clock change.
    fn take(&self) -> Option<Result<u64, Errno>> {
        self.catch_up();
        let n = self.expirations.swap(0, Ordering::AcqRel);
        if self.canceled.swap(false, Ordering::AcqRel) {
            return Some(Err(Errno::ECANCELED));
        }
        (n > 0).then_some(Ok(n))
    }
}

/// A read takes the expirations (8 bytes; EINVAL for a smaller buffer),
/// waiting for the first; writing is EINVAL.
impl FileOps for Arc<TimerFd> {
    fn proc_link(&self, _file: &crate::file::File) -> alloc::vec::Vec<u8> {
        alloc::vec::Vec::from(&b"anon_inode:[timerfd]"[..])
    }

    fn read(&self, _file: &File, _io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let v = self.take().ok_or(Errno::EAGAIN)??;
        buf[..8].copy_from_slice(&v.to_le_bytes());
        Ok(8)
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.events)
    }

    fn poll(&self, _t: &Thread) -> u16 {
        bits(self.readable(), IN)
    }
}

impl Drop for TimerFd {
    fn drop(&mut self) {
        if let Some(a) = self.armed.get_mut().take() {
            a.cancel.notify_one();
        }
    }
}

/// Waits for CLOCK_REALTIME to reach `at`, re-evaluating on every clock
/// change (and reporting it with `cancel_on_set`); returns the monotonic
/// time it fired at, or None if the timer was re-armed or dropped.
/// `gen` is the clock-change generation the timer was armed in.
async fn wait_realtime(me: &alloc::sync::Weak<TimerFd>, at: i64, cancel_on_set: bool, mut gen: u64, cancel: &Event) -> Option<u64> {
    use crate::clock_set::{generation, mono_deadline, CHANGED};
    loop {
        let deadline = mono_deadline(at);
        let armed_in = gen;
        let changed = CHANGED.wait_until(move || generation() != armed_in);
        match executor::select(crate::sched::sleep_unless_cancelled(deadline, cancel), changed).await {
            executor::Either::Left(false) => return None,
            executor::Either::Left(true) if platform::time::realtime_ns() >= at => return Some(deadline),
            executor::Either::Left(true) => {}
            executor::Either::Right(()) => {
                gen = generation();
                if cancel_on_set {
                    let t = me.upgrade()?;
                    t.canceled.store(true, Ordering::Release);
                    t.events.wake_all();
                }
            }
        }
    }
}
