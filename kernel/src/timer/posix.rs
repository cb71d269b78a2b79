//! POSIX per-process timers (timer_create(2) and friends).
//!
//! A timer runs on a wall clock (REALTIME, MONOTONIC, BOOTTIME and their
//! variants: a task on the executor that sleeps to each expiry, cancelled
//! by re-arming) or on a CPU clock (a [`cpu_timers`](super::cpu_timers)
//! entry on the process whose CPU time it measures).
//!
//! Signals and overruns, as on Linux: an expiry queues the timer's signal
//! (to the process, or to one thread with SIGEV_THREAD_ID) unless that
//! signal is still queued, in which case the expiry only counts as an
//! overrun. When the signal is taken (handler, sigwaitinfo, signalfd),
//! [`dequeued`] moves the count into its siginfo and into what
//! timer_getoverrun reports. SIGEV_NONE timers count down silently.

use alloc::sync::{Arc, Weak};
use core::sync::atomic::Ordering;

use executor::Event;

use super::cpu_clock::CpuClock;
use super::cpu_timers::{self, Action, CpuTimer, Key};
use crate::proc::{Process, Thread};
use crate::signal::{self, SigInfo};

/// Linux's DELAYTIMER_MAX: overrun counts saturate here.
const DELAYTIMER_MAX: u64 = i32::MAX as u64;

pub enum Clock {
    /// A wall clock; `realtime` ones take absolute times on CLOCK_REALTIME.
    Wall { realtime: bool },
    Cpu(CpuClock),
}

pub enum Notify {
    None,
    Signal { signo: u32, value: u64, thread: Option<Weak<Thread>> },
}

#[derive(Default)]
struct State {
    /// The next expiry: monotonic ns for a wall clock, the clock's value
    /// for a CPU clock; 0 when disarmed.
    expires: u64,
    interval: u64,
    /// Cancels the wall-clock task of the current arming.
    cancel: Option<Arc<Event>>,
    /// The timer's signal is queued and not yet taken.
    queued: bool,
    /// Expiries since the signal was queued.
    overrun: u64,
    /// What timer_getoverrun reports: the count for the last signal taken.
    last_overrun: u64,
}

pub struct PosixTimer {
    pub id: i32,
    owner: Weak<Process>,
    clock: Clock,
    notify: Notify,
    state: spin::Mutex<State>,
}

impl PosixTimer {
    pub fn new(id: i32, owner: &Arc<Process>, clock: Clock, notify: Notify) -> Arc<PosixTimer> {
        Arc::new(PosixTimer { id, owner: Arc::downgrade(owner), clock, notify, state: spin::Mutex::new(State::default()) })
    }

    fn key(self: &Arc<Self>) -> Key {
        Key::Posix(Arc::as_ptr(self) as usize)
    }

    /// The current value of the timer's clock (monotonic ns for wall
    /// clocks).
    pub fn clock_now(&self) -> u64 {
        match &self.clock {
            Clock::Wall { .. } => platform::time::now_ns(),
            Clock::Cpu(c) => c.now(),
        }
    }

    /// Converts an absolute time on the timer's clock to its expiry scale.
    pub fn from_absolute(&self, t: u64) -> u64 {
        match &self.clock {
            Clock::Wall { realtime: true } => (t as i64 - platform::time::realtime_offset()).max(1) as u64,
            _ => t.max(1),
        }
    }

    /// (remaining, interval), for timer_gettime.
    pub fn get(&self) -> (u64, u64) {
        let s = self.state.lock();
        if s.expires == 0 {
            return (0, s.interval);
        }
        let now = self.clock_now();
        let left = if now < s.expires {
            s.expires - now
        } else if s.interval > 0 {
            // Expired, not yet re-armed by the task: the next period.
            let k = (now - s.expires) / s.interval + 1;
            (s.expires + k * s.interval).saturating_sub(now).max(1)
        } else {
            // Expiring right now.
            1
        };
        (left, s.interval)
    }

    pub fn overrun(&self) -> u64 {
        self.state.lock().last_overrun
    }

    /// Arms the timer to expire at `expires` (on its scale; 0 disarms),
    /// then every `interval`; returns the old (remaining, interval).
    pub fn set(self: &Arc<Self>, expires: u64, interval: u64) -> (u64, u64) {
        let old = self.get();
        let cancel = {
            let mut s = self.state.lock();
            if let Some(c) = s.cancel.take() {
                c.notify_one();
            }
            s.expires = expires;
            s.interval = if expires == 0 { 0 } else { interval };
            s.overrun = 0;
            if expires != 0 && matches!(self.clock, Clock::Wall { .. }) {
                let c = Arc::new(Event::new());
                s.cancel = Some(c.clone());
                Some(c)
            } else {
                None
            }
        };
        if let Clock::Cpu(c) = &self.clock {
            let (p, thread) = c.owner();
            if expires == 0 {
                cpu_timers::disarm(&p, self.key());
            } else {
                cpu_timers::arm(&p, CpuTimer { key: self.key(), which: c.which, thread, expires, interval, action: Action::Posix(Arc::downgrade(self)) });
            }
        }
        if let Some(cancel) = cancel {
            self.spawn_wall(expires, cancel);
        }
        old
    }

    /// The task that serves a wall-clock arming until cancelled.
    fn spawn_wall(self: &Arc<Self>, first: u64, cancel: Arc<Event>) {
        let weak = Arc::downgrade(self);
        drop(crate::sched::executor().spawn(async move {
            let mut deadline = first;
            loop {
                if !crate::sched::sleep_unless_cancelled(deadline, &cancel).await {
                    return;
                }
                let Some(t) = weak.upgrade() else { return };
                let now = platform::time::now_ns();
                let missed = {
                    let mut s = t.state.lock();
                    if !s.cancel.as_ref().is_some_and(|c| Arc::ptr_eq(c, &cancel)) {
                        return;
                    }
                    if s.interval == 0 {
                        s.expires = 0;
                        s.cancel = None;
                        0
                    } else {
                        let missed = now.saturating_sub(deadline) / s.interval;
                        s.expires = deadline.saturating_add(s.interval.saturating_mul(missed + 1));
                        deadline = s.expires;
                        missed
                    }
                };
                t.expire(missed);
                if t.state.lock().expires == 0 {
                    return;
                }
            }
        }));
    }

    /// An expiry (plus `missed` periods that passed unseen): queue the
    /// signal, or count overruns while it is still queued.
    pub fn expire(&self, missed: u64) {
        if let Clock::Cpu(_) = self.clock {
            // The CPU-timer list re-armed itself; mirror it for gettime.
            let mut s = self.state.lock();
            s.expires = if s.interval == 0 { 0 } else { s.expires.saturating_add(s.interval.saturating_mul(missed + 1)) };
        }
        let Notify::Signal { signo, value, thread } = &self.notify else { return };
        {
            let mut s = self.state.lock();
            if s.queued {
                s.overrun = (s.overrun + 1 + missed).min(DELAYTIMER_MAX);
                return;
            }
            s.queued = true;
            s.overrun = missed.min(DELAYTIMER_MAX);
        }
        let Some(owner) = self.owner.upgrade() else { return };
        let info = SigInfo::timer(*signo, self.id as u32, 0, *value);
        let sent = match thread.as_ref().and_then(Weak::upgrade) {
            Some(t) if !t.exited.load(Ordering::Acquire) => signal::send_thread(&t, info, false),
            _ => signal::send_process(&owner, info, false),
        };
        if !sent {
            // Ignored: nothing is queued, so the next expiry sends again.
            self.state.lock().queued = false;
        }
    }

    /// Stops the timer for good (timer_delete, exec, exit).
    pub fn delete(self: &Arc<Self>) {
        self.set(0, 0);
    }
}

/// A timer's signal was taken: its siginfo gets the overrun count, which
/// timer_getoverrun reports from now on.
pub fn dequeued(p: &Process, info: &mut SigInfo) {
    let timer = p.posix_timers.lock().get(&(info.pid as i32)).cloned();
    if let Some(t) = timer {
        let mut s = t.state.lock();
        s.queued = false;
        s.last_overrun = s.overrun;
        s.overrun = 0;
        info.uid = s.last_overrun as u32;
    }
}

/// Deletes every timer of `p` (exec and exit, as Linux's exit_itimers).
pub fn delete_all(p: &Process) {
    let timers = core::mem::take(&mut *p.posix_timers.lock());
    for t in timers.into_values() {
        t.delete();
    }
}
