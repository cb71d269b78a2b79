//! The local APIC in xAPIC (MMIO) mode: enable, EOI, IPIs and the timer.
//!
//! The timer is one-shot: [`set_deadline`] programs the earliest deadline and
//! nothing else, so an idle CPU takes no timer interrupts at all. With
//! TSC-deadline support (CPUID.1:ECX[24]) the deadline is written as a TSC
//! value to IA32_TSC_DEADLINE; otherwise the APIC counter (calibrated against
//! the TSC at boot) counts down the remaining time, re-armed if the
//! remaining time exceeds its 32-bit range.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use x86_64::registers::model_specific::Msr;

use super::vectors;
use crate::mem::phys_to_virt;
use crate::time::tsc;

const ID: u32 = 0x20;
const TPR: u32 = 0x80;
const EOI: u32 = 0xb0;
const SVR: u32 = 0xf0;
const ICR_LOW: u32 = 0x300;
const ICR_HIGH: u32 = 0x310;
const LVT_TIMER: u32 = 0x320;
const LVT_LINT0: u32 = 0x350;
const LVT_LINT1: u32 = 0x360;
const LVT_ERROR: u32 = 0x370;
const TIMER_INIT: u32 = 0x380;
const TIMER_CURRENT: u32 = 0x390;
const TIMER_DIVIDE: u32 = 0x3e0;

const IA32_APIC_BASE: u32 = 0x1b;
const IA32_TSC_DEADLINE: u32 = 0x6e0;

static BASE: AtomicU64 = AtomicU64::new(0);
static TSC_DEADLINE: AtomicBool = AtomicBool::new(false);
/// APIC timer ticks per ns, 32.32 fixed point (one-shot mode).
static TICKS_PER_NS: AtomicU64 = AtomicU64::new(0);

fn read(reg: u32) -> u32 {
    // SAFETY: BASE is the direct-map address of this CPU's APIC page (every
    // CPU sees its own APIC at the same address); `reg` is a valid register.
    unsafe { core::ptr::read_volatile((BASE.load(Ordering::Relaxed) + reg as u64) as *const u32) }
}

fn write(reg: u32, value: u32) {
    // SAFETY: as for `read`.
    unsafe { core::ptr::write_volatile((BASE.load(Ordering::Relaxed) + reg as u64) as *mut u32, value) }
}

/// The bootstrap CPU's APIC ID from CPUID (before the APIC is mapped).
pub fn bsp_apic_id_from_cpuid() -> u32 {
    core::arch::x86_64::__cpuid(1).ebx >> 24
}

pub(crate) fn init(phys: u64) {
    BASE.store(phys_to_virt(phys), Ordering::Relaxed);
    let tsc_deadline = core::arch::x86_64::__cpuid(1).ecx & (1 << 24) != 0;
    TSC_DEADLINE.store(tsc_deadline, Ordering::Relaxed);
    log::info!("lapic: at {phys:#x}, timer mode: {}", if tsc_deadline { "TSC-deadline" } else { "one-shot" });
}

/// Enables this CPU's APIC.
pub(crate) fn init_cpu() {
    let msr = Msr::new(IA32_APIC_BASE);
    // SAFETY: setting the global-enable bit of IA32_APIC_BASE keeps the
    // APIC at its address and turns it on.
    unsafe {
        let mut m = msr;
        let v = m.read();
        m.write(v | (1 << 11));
    }
    write(TPR, 0);
    write(LVT_LINT0, 1 << 16);
    write(LVT_LINT1, 1 << 16);
    write(LVT_ERROR, 1 << 16);
    write(SVR, 0x100 | vectors::SPURIOUS as u32);
    write(LVT_TIMER, 1 << 16);
    write(TIMER_DIVIDE, 0xb); // divide by 1
    eoi();
}

/// This CPU's APIC ID.
pub fn id() -> u32 {
    read(ID) >> 24
}

/// Signals end of interrupt.
pub fn eoi() {
    write(EOI, 0);
}

pub(crate) fn calibrate_timer() {
    if TSC_DEADLINE.load(Ordering::Relaxed) {
        return;
    }
    write(LVT_TIMER, (1 << 16) | vectors::TIMER as u32);
    write(TIMER_INIT, u32::MAX);
    let start = tsc::now_ns();
    while tsc::now_ns() - start < 10_000_000 {
        core::hint::spin_loop();
    }
    let elapsed = tsc::now_ns() - start;
    let ticks = u32::MAX - read(TIMER_CURRENT);
    write(TIMER_INIT, 0);
    let per_ns = ((ticks as u128) << 32) / elapsed.max(1) as u128;
    TICKS_PER_NS.store(per_ns as u64, Ordering::Relaxed);
    log::info!("lapic: timer runs at {} MHz", (ticks as u64 * 1000) / elapsed.max(1));
}

/// What each CPU's one-shot timer is programmed for (ns; 0: nothing).
static PROGRAMMED: [AtomicU64; crate::cpu::percpu::MAX_CPUS] = [const { AtomicU64::new(0) }; crate::cpu::percpu::MAX_CPUS];

/// How much earlier than asked a timer already programmed may fire and
/// still be kept: returning to user mode programs a new slice end on every
/// system call, and under emulation each LAPIC write costs about as much as
/// the call itself. An early interrupt only makes the CPU look again.
const KEEP_EARLIER_NS: u64 = 2_000_000;

/// The timer interrupt: nothing is armed any more. (It may come before the
/// deadline [`PROGRAMMED`] holds — calibration error, or a count clamped to
/// 32 bits — so the slot is cleared here, not judged by the clock.)
pub(crate) fn timer_fired() {
    PROGRAMMED[crate::cpu::percpu::cpu_id()].store(0, Ordering::Relaxed);
}

/// Programs this CPU's one-shot timer to fire at `deadline_ns` (monotonic),
/// or disarms it. A deadline in the past fires at once. A pending timer up
/// to [`KEEP_EARLIER_NS`] before the deadline is left as it is.
pub fn set_deadline(deadline_ns: Option<u64>) {
    // With interrupts off: a timer interrupt between reading the slot and
    // deciding to keep it would leave nothing armed.
    let was_enabled = crate::cpu::interrupts::disable();
    program(deadline_ns, None);
    crate::cpu::interrupts::restore(was_enabled);
}

/// [`set_deadline`] for a caller that has interrupts off already and has
/// just read the clock (`now_ns`): the way back to user mode, where every
/// clock read counts.
pub fn set_deadline_irqs_off(deadline_ns: u64, now_ns: u64) {
    debug_assert!(!crate::cpu::interrupts::are_enabled());
    program(Some(deadline_ns), Some(now_ns));
}

fn program(deadline_ns: Option<u64>, now: Option<u64>) {
    let slot = &PROGRAMMED[crate::cpu::percpu::cpu_id()];
    let programmed = slot.load(Ordering::Relaxed);
    if let Some(d) = deadline_ns {
        if programmed != 0 && programmed <= d && d - programmed <= KEEP_EARLIER_NS && programmed > now.unwrap_or_else(tsc::now_ns) {
            return;
        }
    }
    slot.store(deadline_ns.unwrap_or(0), Ordering::Relaxed);
    if TSC_DEADLINE.load(Ordering::Relaxed) {
        write(LVT_TIMER, (0b10 << 17) | vectors::TIMER as u32);
        let value = deadline_ns.map_or(0, |d| tsc::tsc_at(d).max(1));
        // SAFETY: IA32_TSC_DEADLINE exists (CPUID checked); 0 disarms.
        unsafe { Msr::new(IA32_TSC_DEADLINE).write(value) };
        return;
    }
    match deadline_ns {
        None => write(TIMER_INIT, 0),
        Some(d) => {
            let delta = d.saturating_sub(now.unwrap_or_else(tsc::now_ns));
            let ticks = ((delta as u128 * TICKS_PER_NS.load(Ordering::Relaxed) as u128) >> 32).clamp(1, u32::MAX as u128);
            write(LVT_TIMER, vectors::TIMER as u32);
            write(TIMER_INIT, ticks as u32);
        }
    }
}

fn wait_icr_idle() {
    let mut spins = 0u32;
    while read(ICR_LOW) & (1 << 12) != 0 && spins < 1_000_000 {
        spins += 1;
        core::hint::spin_loop();
    }
}

fn send(apic_id: u32, low: u32) {
    let were = crate::cpu::interrupts::disable();
    wait_icr_idle();
    write(ICR_HIGH, apic_id << 24);
    write(ICR_LOW, low);
    wait_icr_idle();
    crate::cpu::interrupts::restore(were);
}

/// Sends a fixed interrupt `vector` to the CPU with `apic_id`.
pub fn send_ipi(apic_id: u32, vector: u8) {
    send(apic_id, vector as u32 | (1 << 14));
}

/// Sends an NMI to the CPU with `apic_id`.
pub fn send_nmi(apic_id: u32) {
    send(apic_id, (0b100 << 8) | (1 << 14));
}

/// INIT (assert) to `apic_id`, as the first step of starting an AP.
pub(crate) fn send_init(apic_id: u32) {
    send(apic_id, (0b101 << 8) | (1 << 14));
}

/// STARTUP to `apic_id`: the AP begins in real mode at `page * 4096`.
pub(crate) fn send_sipi(apic_id: u32, page: u8) {
    send(apic_id, (0b110 << 8) | (1 << 14) | page as u32);
}
