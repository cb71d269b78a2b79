//! CPU state: interrupt control, per-CPU data, GDT/TSS, IDT and traps.

pub mod gdt;
pub mod idt;
pub mod interrupts;
pub mod percpu;
pub mod trap;

/// Per-CPU setup on the bootstrap CPU (after the heap exists).
pub(crate) fn init_bsp() {
    idt::init();
    gdt::init_cpu(0);
    idt::load();
    crate::user::init_cpu();
}

/// Halts until the next interrupt. Interrupts must be enabled by the caller
/// in the same step when the wake-up check was done with them disabled: see
/// [`interrupts::enable_and_halt`].
pub fn halt() {
    x86_64::instructions::hlt();
}
