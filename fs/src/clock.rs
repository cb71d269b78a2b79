//! Where timestamps come from. The kernel hands each filesystem a [`Clock`]
//! reading CLOCK_REALTIME; host tests use [`FakeClock`], which only moves
//! when told to.

use core::sync::atomic::{AtomicI64, Ordering};

/// A point in time: seconds and nanoseconds since the epoch (`struct timespec`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timespec {
    pub sec: i64,
    /// Always below 1_000_000_000.
    pub nsec: u32,
}

impl Timespec {
    pub const fn new(sec: i64, nsec: u32) -> Self {
        Self { sec, nsec }
    }
}

/// The wall clock timestamps are taken from.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timespec;
}

/// A settable clock for tests (and for anything that wants frozen time).
#[derive(Debug, Default)]
pub struct FakeClock {
    nanos: AtomicI64,
}

impl FakeClock {
    pub const fn new(sec: i64) -> Self {
        Self {
            nanos: AtomicI64::new(sec.saturating_mul(1_000_000_000)),
        }
    }

    /// Moves the clock forward by `nanos` nanoseconds.
    pub fn advance(&self, nanos: i64) {
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Sets the clock to `t`.
    pub fn set(&self, t: Timespec) {
        self.nanos.store(
            t.sec
                .saturating_mul(1_000_000_000)
                .saturating_add(t.nsec as i64),
            Ordering::Relaxed,
        );
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timespec {
        let n = self.nanos.load(Ordering::Relaxed);
        Timespec {
            sec: n.div_euclid(1_000_000_000),
            nsec: n.rem_euclid(1_000_000_000) as u32,
        }
    }
}
