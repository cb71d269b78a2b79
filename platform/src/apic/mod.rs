//! Interrupt controllers: the local APIC of each CPU (timer, IPIs, EOI) and
//! the I/O APIC (device interrupts). The legacy 8259 PICs are remapped out
//! of the exception range and masked.

pub mod ioapic;
pub mod lapic;

use x86_64::instructions::port::Port;

use crate::acpi::AcpiInfo;

/// Interrupt vectors.
pub mod vectors {
    pub const TIMER: u8 = 0x20;
    pub const SERIAL: u8 = 0x21;
    pub const KEYBOARD: u8 = 0x22;
    /// Legacy PIC vectors (masked; only spurious ones can arrive).
    pub const PIC_BASE: u8 = 0xe0;
    pub const RESCHEDULE: u8 = 0xf0;
    pub const TLB_SHOOTDOWN: u8 = 0xf1;
    pub const CALL_FUNCTION: u8 = 0xf2;
    pub const SPURIOUS: u8 = 0xff;
}

fn disable_legacy_pic() {
    let out = |p: u16, v: u8| {
        // SAFETY: 8259 PIC command/data ports; device effects only.
        unsafe { Port::<u8>::new(p).write(v) }
    };
    out(0x20, 0x11);
    out(0xa0, 0x11);
    out(0x21, vectors::PIC_BASE);
    out(0xa1, vectors::PIC_BASE + 8);
    out(0x21, 4);
    out(0xa1, 2);
    out(0x21, 1);
    out(0xa1, 1);
    out(0x21, 0xff);
    out(0xa1, 0xff);
}

pub(crate) fn init_bsp(acpi: &AcpiInfo) {
    disable_legacy_pic();
    lapic::init(acpi.lapic_phys);
    lapic::init_cpu();
    lapic::calibrate_timer();
    ioapic::init(acpi);
    ioapic::route_isa(acpi, crate::serial::IRQ, vectors::SERIAL, lapic::id());
    crate::serial::enable_rx_interrupt();
    if crate::keyboard::init() {
        ioapic::route_isa(acpi, crate::keyboard::IRQ, vectors::KEYBOARD, lapic::id());
    }
}

/// Local APIC setup on an application processor.
pub(crate) fn init_ap() {
    lapic::init_cpu();
}

pub use lapic::eoi;
