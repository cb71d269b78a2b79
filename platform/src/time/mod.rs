//! Time: the TSC-based monotonic clock.
//!
//! [`now_ns`] counts nanoseconds from the kernel's first instruction (the
//! TSC value `boot.S` read before anything else), so CLOCK_MONOTONIC and
//! systemd's "(kernel)" figure are honest.

pub mod pit;
pub mod tsc;

pub use tsc::now_ns;
