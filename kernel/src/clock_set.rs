//! Setting CLOCK_REALTIME, and what waits on it.
//!
//! Mirrors Linux's do_settimeofday64() and clock_was_set():
//! - A new time is refused with EINVAL when it is not a valid time for
//!   settimeofday (`timespec64_valid_settod`: at or past
//!   [`SETTOD_MAX_NS`], which leaves 30 years of uptime before CLOCK_REALTIME
//!   would pass ktime_t's range) — checked before the caller's privilege —
//!   or when it lies before the monotonic clock (CLOCK_REALTIME never
//!   reads below the time since boot) — checked after it. So the offset
//!   from CLOCK_MONOTONIC to CLOCK_REALTIME is never negative once set, and
//!   CLOCK_REALTIME never reads past ktime_t's range.
//! - Absolute CLOCK_REALTIME sleeps and timers are re-evaluated against the
//!   new time (they are kept as monotonic deadlines, so each recomputes its
//!   deadline from the new offset), and timerfds armed with
//!   TFD_TIMER_CANCEL_ON_SET are cancelled (readable; their next read fails
//!   with ECANCELED). A sleeper waits on [`CHANGED`] beside its timer: a
//!   clock change wakes only those.
//!
//! Conversions between the two clocks saturate ([`mono_deadline`]): a
//! far-future realtime deadline is a far-future monotonic one, never a
//! wrapped one that has already passed.

use core::sync::atomic::{AtomicU64, Ordering};

use executor::{Event, WaitQueue};

use crate::errno::{Errno, SysResult};
use crate::syscall::time::KTIME_MAX;

/// Counts clock changes.
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// Woken by every change.
pub static CHANGED: WaitQueue = WaitQueue::new();

/// Linux's TIME_SETTOD_SEC_MAX (KTIME_SEC_MAX less 30 years of uptime,
/// TIME_UPTIME_SEC_MAX), in ns: settimeofday and clock_settime refuse a
/// time at or past it.
pub const SETTOD_MAX_NS: u64 = (KTIME_MAX / 1_000_000_000 - 30 * 365 * 86_400) * 1_000_000_000;

pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// The checks Linux's `timespec64_valid_settod` makes on a new time of
/// `ns` (already a valid timespec): EINVAL at or past [`SETTOD_MAX_NS`].
/// Callers make it before the privilege check, as Linux.
pub fn valid_settod(ns: u64) -> Result<(), Errno> {
    if ns >= SETTOD_MAX_NS {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Sets CLOCK_REALTIME to `ns` since the epoch (checked by
/// [`valid_settod`]; the caller holds CAP_SYS_TIME) and tells the waiters.
/// EINVAL for a time before the monotonic clock, as do_settimeofday64.
pub fn set_realtime(ns: u64) -> SysResult {
    valid_settod(ns)?;
    if ns < platform::time::now_ns() {
        return Err(Errno::EINVAL);
    }
    platform::time::set_realtime_ns(ns as i64);
    GENERATION.fetch_add(1, Ordering::AcqRel);
    CHANGED.wake_all();
    Ok(0)
}

/// The monotonic deadline at which CLOCK_REALTIME reads `abs` (now),
/// within 0..=KTIME_MAX (saturating: never a wrapped value).
pub fn mono_deadline(abs: i64) -> u64 {
    abs.saturating_sub(platform::time::realtime_offset()).clamp(0, KTIME_MAX as i64) as u64
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
            // The clock was set back just as the timer fired: a new
            // deadline. Never round again within one poll.
            executor::Either::Left(true) => executor::yield_now().await,
            // The clock changed: a new deadline.
            executor::Either::Right(()) => {}
        }
    }
}
