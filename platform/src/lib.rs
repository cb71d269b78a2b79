//! Aramid's platform layer: everything that touches x86-64 hardware.
//!
//! This is the only crate of the kernel allowed to use `unsafe`; each unsafe
//! block carries a `// SAFETY:` comment naming the invariant that makes it
//! sound. Everything above it (kernel, executor, fs, net) forbids unsafe.
//!
//! What it owns:
//! - boot: the PVH entry (see [`boot`] for why PVH rather than Multiboot2),
//!   long mode, the boot memory map and the kernel command line;
//! - cpu: per-CPU GDT/TSS/IST stacks, the IDT and trap entry, GS-based
//!   per-CPU data, interrupt enable/disable;
//! - mem: the physical frame allocator, the kernel page tables (direct map of
//!   all physical memory at [`mem::PHYS_OFFSET`]), kernel stacks with guard
//!   pages, and the growing kernel heap that is the global allocator;
//! - time: TSC calibration and the monotonic clock counted from the kernel's
//!   first instruction;
//! - apic: local APIC (one-shot / TSC-deadline timer, IPIs) and I/O APIC;
//! - smp: finding CPUs through ACPI's MADT and starting them (INIT-SIPI-SIPI);
//! - serial, logger, power, backtrace and the panic handler.
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]

extern crate alloc;

pub mod acpi;
pub mod apic;
pub mod backtrace;
pub mod boot;
pub mod cmdline;
pub mod cpu;
pub mod ipi;
pub mod keyboard;
pub mod logger;
pub mod mem;
pub mod panic;
pub mod power;
pub mod selftest;
pub mod serial;
pub mod smp;
pub mod sync;
pub mod time;
pub mod user;
pub mod vdso;

pub use boot::BootInfo;

/// Declares the kernel's entry points. The platform calls `$bsp_main` on the
/// bootstrap CPU once the machine is set up (memory, heap, CPU tables, ACPI,
/// clocks, logging) and `$ap_main(cpu)` on every application processor that
/// `smp::start_aps` brings up.
#[macro_export]
macro_rules! entry_points {
    (bsp: $bsp:path, ap: $ap:path) => {
        #[unsafe(no_mangle)]
        extern "Rust" fn aramid_bsp_main(info: &'static $crate::BootInfo) -> ! {
            $bsp(info)
        }
        #[unsafe(no_mangle)]
        extern "Rust" fn aramid_ap_main(cpu: usize) -> ! {
            $ap(cpu)
        }
    };
}
