//! Timers on CPU time: each process keeps the ones that run on its own
//! CPU time (or on one of its threads').
//!
//! [`check`] runs on a thread's way back to user mode (after every syscall,
//! fault and interrupt): it fires what has expired and returns how much
//! CPU time is left before the next expiry, which the caller uses to arm
//! the LAPIC so the thread comes back in time even if it never traps.
//! A process without CPU timers pays one atomic load.

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use executor::Event;

use super::cpu_clock::{pick, Which};
use super::posix::PosixTimer;
use crate::proc::{Process, Thread};
use crate::signal::{self, SigInfo};

/// Names a timer within its process's list (arming again replaces it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    ItimerVirtual,
    ItimerProf,
    /// A POSIX timer (by its owner's identity: timers on another process's
    /// clock share the list).
    Posix(usize),
    /// A clock_nanosleep on a process clock.
    Sleep(usize),
}

/// What an expiry does.
pub enum Action {
    /// Send this signal to the process (setitimer).
    Signal(u32),
    /// Expire a POSIX timer, with the periods missed.
    Posix(Weak<PosixTimer>),
    /// Wake a sleeper.
    Wake(Arc<Event>),
}

pub struct CpuTimer {
    pub key: Key,
    pub which: Which,
    /// A thread clock's thread; None for the process clock.
    pub thread: Option<Weak<Thread>>,
    /// Expiry on the clock (ns).
    pub expires: u64,
    pub interval: u64,
    pub action: Action,
}

#[derive(Default)]
pub struct CpuTimers {
    list: Vec<CpuTimer>,
}

/// The clock value a timer runs on.
fn value(p: &Process, t: &CpuTimer) -> Option<u64> {
    match &t.thread {
        None => Some(pick(t.which, p.own_times())),
        Some(w) => w.upgrade().map(|th| pick(t.which, th.times())),
    }
}

/// Arms (or replaces) a timer on `p`'s CPU time.
pub fn arm(p: &Process, timer: CpuTimer) {
    let mut timers = p.cpu_timers.lock();
    timers.list.retain(|t| t.key != timer.key);
    timers.list.push(timer);
    p.has_cpu_timers.store(true, Ordering::Release);
}

/// Disarms a timer; returns its (remaining, interval) if it was armed.
pub fn disarm(p: &Process, key: Key) -> Option<(u64, u64)> {
    let mut timers = p.cpu_timers.lock();
    let i = timers.list.iter().position(|t| t.key == key)?;
    let t = timers.list.remove(i);
    p.has_cpu_timers.store(!timers.list.is_empty(), Ordering::Release);
    drop(timers);
    let now = value(p, &t).unwrap_or(t.expires);
    Some((t.expires.saturating_sub(now).max(1), t.interval))
}

/// (remaining, interval) of an armed timer.
pub fn get(p: &Process, key: Key) -> Option<(u64, u64)> {
    let timers = p.cpu_timers.lock();
    let t = timers.list.iter().find(|t| t.key == key)?;
    let now = value(p, t).unwrap_or(t.expires);
    Some((t.expires.saturating_sub(now).max(1), t.interval))
}

/// Fires `p`'s expired CPU timers; returns the CPU time left until the
/// next expiry (None: no timers).
pub fn check(p: &Arc<Process>) -> Option<u64> {
    if !p.has_cpu_timers.load(Ordering::Acquire) {
        return None;
    }
    let times = p.own_times();
    let mut fired: Vec<(Action, u64)> = Vec::new();
    let mut next: Option<u64> = None;
    {
        let mut timers = p.cpu_timers.lock();
        timers.list.retain_mut(|t| {
            let now = match &t.thread {
                None => pick(t.which, times),
                Some(w) => match w.upgrade() {
                    Some(th) => pick(t.which, th.times()),
                    None => return false,
                },
            };
            if now < t.expires {
                let left = t.expires - now;
                next = Some(next.map_or(left, |n| n.min(left)));
                return true;
            }
            // One division, as every periodic timer (super::forward).
            let (expires, periods) = super::forward::forward(t.expires, now, t.interval);
            let missed = periods.saturating_sub(1);
            let action = match &t.action {
                Action::Signal(s) => Action::Signal(*s),
                Action::Posix(w) => Action::Posix(w.clone()),
                Action::Wake(e) => Action::Wake(e.clone()),
            };
            fired.push((action, missed));
            if t.interval == 0 {
                return false;
            }
            t.expires = expires;
            let left = t.expires - now;
            next = Some(next.map_or(left, |n| n.min(left)));
            true
        });
        p.has_cpu_timers.store(!timers.list.is_empty(), Ordering::Release);
    }
    for (action, missed) in fired {
        match action {
            Action::Signal(sig) => {
                signal::send_process(p, SigInfo::kernel(sig), true);
            }
            Action::Posix(w) => {
                if let Some(t) = w.upgrade() {
                    t.expire(missed);
                }
            }
            Action::Wake(e) => e.notify_one(),
        }
    }
    next
}
