//! Setting CLOCK_REALTIME, and what waits on it.
//!
//! Mirrors Linux's clock_was_set(): absolute CLOCK_REALTIME sleeps and
//! timers are re-evaluated against the new time (they are kept as
//! monotonic deadlines, so each recomputes its deadline from the new
//! offset), and timerfds armed with TFD_TIMER_CANCEL_ON_SET are cancelled
//! (readable; their next read fails with ECANCELED). A sleeper waits on
//! [`CHANGED`] beside its timer: a clock change wakes only those.

use core::sync::atomic::{AtomicU64, Ordering};

use executor::{Event, WaitQueue};

/// Counts clock changes.
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// Woken by every change.
pub static CHANGED: WaitQueue = WaitQueue::new();

pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// Sets CLOCK_REALTIME to `ns` since the epoch and tells the waiters.
pub fn set_realtime(ns: i64) {
    platform::time::set_realtime_ns(ns);
    GENERATION.fetch_add(1, Ordering::AcqRel);
    CHANGED.wake_all();
}

/// The monotonic deadline at which CLOCK_REALTIME reads `abs` (now).
pub fn mono_deadline(abs: i64) -> u64 {
    (abs - platform::time::realtime_offset()).max(0) as u64
}

/// Sleeps until CLOCK_REALTIME reaches `abs`, following changes of the
/// clock, unless `cancel` is notified first; true when the time came.
pub async fn sleep_until_realtime(abs: i64, cancel: Option<&Event>) -> bool {
    loop {
        let generation = generation();
        let deadline = mono_deadline(abs);
        let changed = CHANGED.wait_until(|| self::generation() != generation);
        let slept = async {
            match cancel {
                Some(c) => crate::sched::sleep_unless_cancelled(deadline, c).await,
                None => {
                    crate::sched::sleep_until(deadline).await;
                    true
                }
            }
        };
        match executor::select(slept, changed).await {
            executor::Either::Left(false) => return false,
            executor::Either::Left(true) if platform::time::realtime_ns() >= abs => return true,
            // The clock changed (or was set back just as the timer fired).
            _ => continue,
        }
    }
}
