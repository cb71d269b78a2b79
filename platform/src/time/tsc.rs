//! The time-stamp counter: calibration and conversion to nanoseconds.
//!
//! Calibration tries CPUID leaf 0x15 (TSC/crystal ratio), then leaf 0x16
//! (base frequency), then measures against the PIT (10 ms, twice, keeping
//! the shorter-latency run). Conversion uses 32.32 fixed point, so a reading
//! costs one `rdtsc` and one 128-bit multiply.

use core::sync::atomic::{AtomicU64, Ordering};

static BOOT_TSC: AtomicU64 = AtomicU64::new(0);
/// Nanoseconds per TSC tick, 32.32 fixed point (default assumes 1 GHz).
static NS_PER_TICK: AtomicU64 = AtomicU64::new(1 << 32);
/// TSC ticks per nanosecond, 32.32 fixed point.
static TICKS_PER_NS: AtomicU64 = AtomicU64::new(1 << 32);
static TSC_HZ: AtomicU64 = AtomicU64::new(1_000_000_000);

pub(crate) fn set_boot_tsc(tsc: u64) {
    BOOT_TSC.store(tsc, Ordering::Relaxed);
}

/// Reads the TSC.
pub fn rdtsc() -> u64 {
    // SAFETY: rdtsc has no memory effects; every x86-64 CPU has it.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// The TSC at the kernel's first instruction (the vDSO's data page).
pub(crate) fn boot_tsc() -> u64 {
    BOOT_TSC.load(Ordering::Relaxed)
}

/// Nanoseconds per tick, 32.32 fixed point (the vDSO's data page).
pub(crate) fn ns_per_tick() -> u64 {
    NS_PER_TICK.load(Ordering::Relaxed)
}

/// TSC frequency in Hz.
pub fn hz() -> u64 {
    TSC_HZ.load(Ordering::Relaxed)
}

/// Nanoseconds since the kernel's first instruction.
pub fn now_ns() -> u64 {
    ticks_to_ns(rdtsc().saturating_sub(BOOT_TSC.load(Ordering::Relaxed)))
}

pub fn ticks_to_ns(ticks: u64) -> u64 {
    ((ticks as u128 * NS_PER_TICK.load(Ordering::Relaxed) as u128) >> 32) as u64
}

pub fn ns_to_ticks(ns: u64) -> u64 {
    ((ns as u128 * TICKS_PER_NS.load(Ordering::Relaxed) as u128) >> 32) as u64
}

/// The TSC value at which `now_ns()` reaches `ns`.
pub fn tsc_at(ns: u64) -> u64 {
    BOOT_TSC.load(Ordering::Relaxed).saturating_add(ns_to_ticks(ns))
}

fn from_cpuid() -> Option<(u64, &'static str)> {
    let max = core::arch::x86_64::__cpuid(0).eax;
    if max >= 0x15 {
        let r = core::arch::x86_64::__cpuid(0x15);
        if r.eax != 0 && r.ebx != 0 && r.ecx != 0 {
            return Some((r.ecx as u64 * r.ebx as u64 / r.eax as u64, "CPUID 0x15"));
        }
    }
    if max >= 0x16 {
        let r = core::arch::x86_64::__cpuid(0x16);
        if r.eax & 0xffff != 0 {
            return Some(((r.eax & 0xffff) as u64 * 1_000_000, "CPUID 0x16"));
        }
    }
    None
}

pub(crate) fn calibrate() {
    let (hz, how) = from_cpuid().unwrap_or_else(|| (super::pit::measure_tsc_hz(), "PIT"));
    TSC_HZ.store(hz, Ordering::Relaxed);
    NS_PER_TICK.store(((1_000_000_000u128 << 32) / hz as u128) as u64, Ordering::Relaxed);
    TICKS_PER_NS.store(((hz as u128) << 32).div_ceil(1_000_000_000) as u64, Ordering::Relaxed);
    let invariant = core::arch::x86_64::__cpuid(0x8000_0007).edx & (1 << 8) != 0;
    log::info!(
        "tsc: {}.{:03} MHz (from {how}), invariant: {invariant}",
        hz / 1_000_000,
        (hz / 1000) % 1000
    );
}
