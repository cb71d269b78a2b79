//! POSIX per-process timers (timer_create(2) and friends).
//!
//! A timer runs on a wall clock (REALTIME, MONOTONIC, BOOTTIME and their
//! variants: a task on the executor that sleeps to each expiry, cancelled
//! by re-arming) or on a CPU clock (a [`cpu_timers`](super::cpu_timers)
//! entry on the process whose CPU time it measures).
//!
//! Signals and overruns, as on Linux: an expiry queues the timer's signal
//! (to the process, or to one thread with SIGEV_THREAD_ID). A periodic
//! wall-clock timer then stays stopped until the signal is taken (handler,
//! sigwaitinfo, signalfd): [`dequeued`] moves it past now by whole
//! intervals, counts the periods that passed as overruns by division
//! (`forward`, Linux's hrtimer_forward), puts the count, saturated at
//! DELAYTIMER_MAX, into the siginfo and into what timer_getoverrun
//! reports, and re-arms it. So a timer armed in the past with a 1 ns
//! interval costs one division, not a loop. A CPU-clock timer's expiry
//! while its signal is still queued counts as an overrun. SIGEV_NONE
//! timers (and ones whose signal is ignored) count down silently, moved at
//! least a tick ahead each time.

use alloc::sync::{Arc, Weak};
use core::sync::atomic::Ordering;

use executor::Event;

use super::cpu_clock::CpuClock;
use super::cpu_timers::{self, Action, CpuTimer, Key};
use super::forward::forward;
use crate::proc::{Process, Thread};
use crate::signal::{self, SigInfo};

/// Linux's DELAYTIMER_MAX: overrun counts saturate here.
const DELAYTIMER_MAX: u64 = i32::MAX as u64;

/// How far ahead a short-interval timer whose signal is ignored is moved
/// (Linux: one jiffy), so that it does not expire continuously.
const IGNORED_REARM_NS: u64 = 4_000_000;

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
    /// Periods that passed unseen since the last signal was taken (Linux's
    /// it_overrun + 1).
    overrun: u64,
    /// A wall-clock timer expired with its signal queued and is stopped
    /// until the signal is taken, when [`dequeued`] re-arms it.
    parked: bool,
    /// What timer_getoverrun reports: the count for the last signal taken.
    last_overrun: u64,
}

pub struct PosixTimer {
    pub id: i32,
    /// The real uid its signal's RLIMIT_SIGPENDING slot is charged to.
    charged_uid: u32,
    owner: Weak<Process>,
    clock: Clock,
    notify: Notify,
    state: spin::Mutex<State>,
}

impl PosixTimer {
    /// A timer of `owner`, taking one RLIMIT_SIGPENDING slot of its real
    /// uid for its signal (Linux's preallocated sigqueue): EAGAIN when none
    /// is left. The slot is given back when the timer is dropped.
    pub fn new(id: i32, owner: &Arc<Process>, clock: Clock, notify: Notify) -> Result<Arc<PosixTimer>, crate::errno::Errno> {
        let uid = owner.with_creds(|c| c.ruid);
        let limit = owner.limits.lock().0[crate::proc::limits::RLIMIT_SIGPENDING].0;
        if !crate::signal::sigpending::charge(uid, limit, false) {
            return Err(crate::errno::Errno::EAGAIN);
        }
        Ok(Arc::new(PosixTimer { id, charged_uid: uid, owner: Arc::downgrade(owner), clock, notify, state: spin::Mutex::new(State::default()) }))
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
    pub fn expiry_at(&self, t: u64) -> u64 {
        match &self.clock {
            Clock::Wall { realtime: true } => crate::clock_set::mono_deadline(t.min(i64::MAX as u64) as i64).max(1),
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
            // Expired, not yet re-armed (parked): the next period.
            forward(s.expires, now, s.interval).0.saturating_sub(now).max(1)
        } else {
            // Expiring right now.
            1
        };
        (left, s.interval)
    }

    pub fn last_overrun(&self) -> u64 {
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
            s.parked = false;
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

    /// The task that serves a wall-clock arming: sleeps to each expiry
    /// until cancelled, or until an expiry queues the signal (then the
    /// timer is parked and [`dequeued`] starts a new task when the signal
    /// is taken, as Linux's posixtimer_rearm).
    fn spawn_wall(self: &Arc<Self>, first: u64, cancel: Arc<Event>) {
        let weak = Arc::downgrade(self);
        drop(crate::sched::executor().spawn(async move {
            let mut deadline = first;
            loop {
                if !crate::sched::sleep_unless_cancelled(deadline, &cancel).await {
                    return;
                }
                let Some(t) = weak.upgrade() else { return };
                match t.fire_wall(&cancel) {
                    Some(next) => deadline = next,
                    None => return,
                }
            }
        }));
    }

    /// A wall-clock expiry of the arming `cancel`. Returns the next expiry
    /// when the task goes on sleeping: the signal was not queued (ignored,
    /// or SIGEV_NONE), and the timer is moved past now, at least a tick
    /// ahead for a short interval, as Linux's posix_timer_fn for an ignored
    /// signal. None when the timer is done, re-armed or parked.
    fn fire_wall(&self, cancel: &Arc<Event>) -> Option<u64> {
        let interval = self.send(0, Some(cancel))?;
        if interval == 0 {
            return None;
        }
        let now = platform::time::now_ns();
        let mut s = self.state.lock();
        if !s.cancel.as_ref().is_some_and(|c| Arc::ptr_eq(c, cancel)) {
            return None;
        }
        let from = if interval < IGNORED_REARM_NS { now.saturating_add(IGNORED_REARM_NS) } else { now };
        let (next, periods) = forward(s.expires, from, interval);
        s.overrun = s.overrun.saturating_add(periods);
        s.expires = next;
        Some(next)
    }

    /// An expiry of a CPU-clock timer (plus `missed` periods that passed
    /// unseen): the CPU-timer list re-armed itself; mirror it for gettime,
    /// then signal.
    pub fn expire(&self, missed: u64) {
        {
            let mut s = self.state.lock();
            s.expires = if s.interval == 0 { 0 } else { s.expires.saturating_add(s.interval.saturating_mul(missed + 1)) };
        }
        self.send(missed, None);
    }

    /// Queues the timer's signal, or counts an overrun while it is still
    /// queued. For a wall-clock expiry of the arming `wall` (checked under
    /// the same lock, so a re-arming in between is never signalled for), a
    /// one-shot timer is disarmed and a periodic one parked until the
    /// signal is taken. None when a signal of the timer is queued (or the
    /// arming is gone); else the interval, for the caller to re-arm.
    fn send(&self, missed: u64, wall: Option<&Arc<Event>>) -> Option<u64> {
        let interval = {
            let mut s = self.state.lock();
            if let Some(cancel) = wall {
                if !s.cancel.as_ref().is_some_and(|c| Arc::ptr_eq(c, cancel)) {
                    return None;
                }
                if s.interval == 0 {
                    s.expires = 0;
                    s.cancel = None;
                }
            }
            let Notify::Signal { .. } = &self.notify else { return Some(s.interval) };
            s.parked = wall.is_some() && s.interval > 0;
            if s.queued {
                s.overrun = s.overrun.saturating_add(1 + missed);
                return None;
            }
            s.queued = true;
            s.overrun = s.overrun.saturating_add(missed);
            s.interval
        };
        let Notify::Signal { signo, value, thread } = &self.notify else { return Some(interval) };
        let sent = match self.owner.upgrade() {
            None => false,
            Some(owner) => {
                let info = SigInfo::timer(*signo, self.id as u32, 0, *value);
                match thread.as_ref().and_then(Weak::upgrade) {
                    Some(t) if !t.exited.load(Ordering::Acquire) => signal::send_thread(&t, info, false),
                    _ => signal::send_process(&owner, info, false),
                }
            }
        };
        if sent {
            return None;
        }
        // Ignored: nothing is queued, so the next expiry sends again.
        let mut s = self.state.lock();
        s.queued = false;
        s.parked = false;
        Some(interval)
    }

    /// Stops the timer for good (timer_delete, exec, exit).
    pub fn delete(self: &Arc<Self>) {
        self.set(0, 0);
    }
}

/// A timer's signal was taken: a parked periodic timer is moved past now
/// and re-armed, counting the periods it missed (Linux's
/// posixtimer_rearm); the siginfo gets the overrun count, saturated at
/// DELAYTIMER_MAX, which timer_getoverrun reports from now on.
pub fn dequeued(p: &Process, info: &mut SigInfo) {
    let timer = p.posix_timers.lock().get(&(info.pid as i32)).cloned();
    if let Some(t) = timer {
        let rearm = {
            let mut s = t.state.lock();
            s.queued = false;
            let rearm = match s.cancel.clone() {
                Some(c) if s.parked && s.interval > 0 => {
                    let (next, periods) = forward(s.expires, platform::time::now_ns(), s.interval);
                    // The expiry that queued the signal is not an overrun.
                    s.overrun = s.overrun.saturating_add(periods.saturating_sub(1));
                    s.expires = next;
                    Some((next, c))
                }
                _ => None,
            };
            s.parked = false;
            s.last_overrun = s.overrun.min(DELAYTIMER_MAX);
            s.overrun = 0;
            info.uid = s.last_overrun as u32;
            rearm
        };
        if let Some((next, cancel)) = rearm {
            t.spawn_wall(next, cancel);
        }
    }
}

/// Deletes every timer of `p` (exec and exit, as Linux's exit_itimers).
pub fn delete_all(p: &Process) {
    let timers = core::mem::take(&mut *p.posix_timers.lock());
    for t in timers.into_values() {
        t.delete();
    }
}

impl Drop for PosixTimer {
    fn drop(&mut self) {
        crate::signal::sigpending::uncharge(self.charged_uid);
    }
}
