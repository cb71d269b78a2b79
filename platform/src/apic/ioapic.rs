//! The I/O APIC: routes device interrupts (GSIs) to CPUs. Every input starts
//! masked; [`route_isa`] unmasks one ISA IRQ, honouring the MADT's
//! interrupt source overrides (GSI, polarity, trigger mode).

use core::sync::atomic::{AtomicU64, Ordering};

use crate::acpi::AcpiInfo;
use crate::mem::phys_to_virt;

static BASE: AtomicU64 = AtomicU64::new(0);

fn write(reg: u32, value: u32) {
    let base = BASE.load(Ordering::Relaxed);
    // SAFETY: IOREGSEL/IOWIN of the I/O APIC found in the MADT, mapped
    // uncached by the direct map. Callers serialise through boot order.
    unsafe {
        core::ptr::write_volatile(base as *mut u32, reg);
        core::ptr::write_volatile((base + 0x10) as *mut u32, value);
    }
}

fn read(reg: u32) -> u32 {
    let base = BASE.load(Ordering::Relaxed);
    // SAFETY: as for `write`.
    unsafe {
        core::ptr::write_volatile(base as *mut u32, reg);
        core::ptr::read_volatile((base + 0x10) as *const u32)
    }
}

pub(crate) fn init(acpi: &AcpiInfo) {
    let Some(&(phys, _)) = acpi.io_apics.first() else { return };
    BASE.store(phys_to_virt(phys), Ordering::Relaxed);
    let entries = ((read(1) >> 16) & 0xff) + 1;
    for i in 0..entries {
        write(0x10 + 2 * i, 1 << 16);
        write(0x11 + 2 * i, 0);
    }
    log::info!("ioapic: at {phys:#x}, {entries} inputs");
}

/// Routes ISA `irq` to `vector` on the CPU with `apic_id`.
pub(crate) fn route_isa(acpi: &AcpiInfo, irq: u8, vector: u8, apic_id: u32) {
    let ov = acpi.overrides.iter().find(|o| o.irq == irq);
    let gsi = ov.map_or(irq as u32, |o| o.gsi);
    let base = acpi.io_apics.first().map_or(0, |&(_, b)| b);
    let pin = gsi - base;
    let mut low = vector as u32;
    if ov.is_some_and(|o| o.active_low) {
        low |= 1 << 13;
    }
    if ov.is_some_and(|o| o.level) {
        low |= 1 << 15;
    }
    write(0x11 + 2 * pin, apic_id << 24);
    write(0x10 + 2 * pin, low);
}
