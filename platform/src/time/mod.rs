//! Time: the TSC-based monotonic clock.
//!
//! [`now_ns`] counts nanoseconds from the kernel's first instruction (the
//! TSC value `boot.S` read before anything else), so CLOCK_MONOTONIC and
//! systemd's "(kernel)" figure are honest.

pub mod pit;
pub mod rtc;
pub mod tsc;

pub use tsc::now_ns;

use core::sync::atomic::{AtomicI64, Ordering};

/// CLOCK_REALTIME minus CLOCK_MONOTONIC, in ns (set from the RTC at boot,
/// changed by clock_settime / settimeofday).
static REALTIME_OFFSET: AtomicI64 = AtomicI64::new(0);

pub(crate) fn init_realtime() {
    let epoch = rtc::read_epoch_seconds() as i64 * 1_000_000_000;
    REALTIME_OFFSET.store(epoch - now_ns() as i64, Ordering::Relaxed);
    log::info!("rtc: {} s since the epoch", epoch / 1_000_000_000);
}

/// Nanoseconds since the epoch (CLOCK_REALTIME).
pub fn realtime_ns() -> i64 {
    now_ns() as i64 + REALTIME_OFFSET.load(Ordering::Relaxed)
}

/// The offset from CLOCK_MONOTONIC to CLOCK_REALTIME.
pub fn realtime_offset() -> i64 {
    REALTIME_OFFSET.load(Ordering::Relaxed)
}

/// Sets CLOCK_REALTIME to `ns` since the epoch.
pub fn set_realtime_ns(ns: i64) {
    REALTIME_OFFSET.store(ns - now_ns() as i64, Ordering::Relaxed);
    crate::vdso::update();
}
