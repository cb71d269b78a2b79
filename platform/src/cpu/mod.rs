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
    crate::vdso::init_cpu(0);
}

/// Halts until the next interrupt. Interrupts must be enabled by the caller
/// in the same step when the wake-up check was done with them disabled: see
/// [`interrupts::enable_and_halt`].
pub fn halt() {
    x86_64::instructions::hlt();
}

/// A hardware random number (RDRAND), if the CPU has the instruction and
/// it delivers within ten tries.
pub fn rdrand() -> Option<u64> {
    if core::arch::x86_64::__cpuid(1).ecx & (1 << 30) == 0 {
        return None;
    }
    for _ in 0..10 {
        let (v, ok): (u64, u8);
        // SAFETY: RDRAND exists (CPUID checked); it only writes registers.
        unsafe { core::arch::asm!("rdrand {}", "setc {}", out(reg) v, out(reg_byte) ok, options(nomem, nostack)) };
        if ok != 0 {
            return Some(v);
        }
    }
    None
}
