//! ITIMER_REAL: the process's real-time interval timer (setitimer(2),
//! getitimer(2), alarm(2); the handlers are in `syscall::itimer`).
//!
//! Each arming starts a task that sleeps to the expiry on the executor (no
//! tick) and is cancelled by the next arming. As Linux's it_real_fn, an
//! expiry sends SIGALRM to the process and stops the timer; a periodic one
//! is moved past now by whole intervals (`forward`, Linux's hrtimer_forward)
//! and re-armed when a SIGALRM is taken from the process's queue
//! ([`sigalrm_taken`], Linux's posixtimer_rearm_itimer in dequeue_signal).
//! So SIGALRM is never queued faster than it is taken, a 1 µs interval
//! never loops, and an ignored SIGALRM (dropped when sent) leaves the timer
//! stopped, as on Linux. While stopped, getitimer reads a zero value.

use alloc::sync::Arc;

use executor::Event;

use super::forward::forward;
use crate::proc::Process;

/// An armed ITIMER_REAL.
pub struct RealTimer {
    /// The next (or, parked, the last) expiry on the monotonic clock.
    deadline: u64,
    interval: u64,
    cancel: Arc<Event>,
    /// Expired: waits for its SIGALRM to be taken.
    parked: bool,
}

/// (value, interval) as getitimer reports them: a stopped timer's value
/// is zero, an armed one's at least 1 ns.
fn reading(t: &RealTimer, now: u64) -> (u64, u64) {
    if t.parked {
        (0, t.interval)
    } else {
        (t.deadline.saturating_sub(now).max(1), t.interval)
    }
}

/// The current setting, None when disarmed.
pub fn get(p: &Process) -> Option<(u64, u64)> {
    let now = platform::time::now_ns();
    p.real_timer.lock().as_ref().map(|t| reading(t, now))
}

/// Arms the timer `value` ns from now (0 disarms), then every `interval`;
/// returns the old setting.
pub fn arm(p: &Arc<Process>, value: u64, interval: u64) -> Option<(u64, u64)> {
    let now = platform::time::now_ns();
    let mut slot = p.real_timer.lock();
    let old = slot.take().map(|t| {
        t.cancel.notify_one();
        reading(&t, now)
    });
    if value == 0 {
        return old;
    }
    let cancel = Arc::new(Event::new());
    let deadline = now.saturating_add(value).min(crate::syscall::time::KTIME_MAX);
    *slot = Some(RealTimer { deadline, interval, cancel: cancel.clone(), parked: false });
    drop(slot);
    spawn(p, deadline, cancel);
    old
}

/// The task that serves one arming until it expires or is cancelled.
fn spawn(p: &Arc<Process>, deadline: u64, cancel: Arc<Event>) {
    let weak = Arc::downgrade(p);
    drop(crate::sched::executor().spawn(async move {
        let fired = crate::sched::sleep_unless_cancelled(deadline, &cancel).await;
        let Some(p) = weak.upgrade() else { return };
        if !fired || p.is_exiting() {
            return;
        }
        {
            let mut slot = p.real_timer.lock();
            match slot.as_mut() {
                Some(t) if Arc::ptr_eq(&t.cancel, &cancel) && t.interval > 0 => t.parked = true,
                Some(t) if Arc::ptr_eq(&t.cancel, &cancel) => *slot = None,
                _ => return,
            }
        }
        // Parked before it is sent: the SIGALRM may be taken at once on
        // another CPU, and must find the timer ready to re-arm.
        crate::signal::send_process(&p, crate::signal::SigInfo::kernel(crate::signal::SIGALRM), true);
    }));
}

/// A SIGALRM was taken from `p`'s queue: a stopped periodic timer moves
/// past now and runs again.
pub fn sigalrm_taken(p: &Arc<Process>) {
    let mut slot = p.real_timer.lock();
    let Some(t) = slot.as_mut().filter(|t| t.parked) else { return };
    let (next, _) = forward(t.deadline, platform::time::now_ns(), t.interval);
    t.deadline = next;
    t.parked = false;
    let cancel = t.cancel.clone();
    drop(slot);
    spawn(p, next, cancel);
}
