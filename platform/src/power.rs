//! Powering off: QEMU's `isa-debug-exit` device when present (its exit
//! status is `(value << 1) | 1`), else ACPI S5 through the FADT's PM1
//! control registers, else halting every CPU.
//!
//! Status values: 0 success (init exited 0, self-tests passed), 1..=0x7d
//! init's exit status or the number of failed self-tests, 0x7f kernel panic.

use core::sync::atomic::{AtomicU32, Ordering};

use x86_64::instructions::port::Port;

pub const PANIC_STATUS: u8 = 0x7f;
const DEBUG_EXIT_PORT: u16 = 0xf4;

/// PM1a/PM1b control ports and the S5 sleep type, found by `acpi`.
static PM1A_CNT: AtomicU32 = AtomicU32::new(0);
static PM1B_CNT: AtomicU32 = AtomicU32::new(0);
static SLP_TYP_S5: AtomicU32 = AtomicU32::new(u32::MAX);

pub(crate) fn set_acpi_s5(pm1a: u16, pm1b: u16, slp_typ: u16) {
    PM1A_CNT.store(pm1a as u32, Ordering::Relaxed);
    PM1B_CNT.store(pm1b as u32, Ordering::Relaxed);
    SLP_TYP_S5.store(slp_typ as u32, Ordering::Relaxed);
}

/// Halts this CPU forever with interrupts disabled.
pub fn halt_forever() -> ! {
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}

/// Powers the machine off with `status` (see the module doc).
pub fn exit(status: u8) -> ! {
    // SAFETY: port 0xf4 is QEMU's isa-debug-exit when configured; on other
    // machines it is an unused ISA port and the write is ignored.
    unsafe { Port::<u32>::new(DEBUG_EXIT_PORT).write(status as u32) };
    let typ = SLP_TYP_S5.load(Ordering::Relaxed);
    let pm1a = PM1A_CNT.load(Ordering::Relaxed) as u16;
    if typ != u32::MAX && pm1a != 0 {
        let value = ((typ as u16) << 10) | (1 << 13); // SLP_TYP | SLP_EN
        // SAFETY: the FADT names these ports as PM1 control registers.
        unsafe {
            Port::<u16>::new(pm1a).write(value);
            let pm1b = PM1B_CNT.load(Ordering::Relaxed) as u16;
            if pm1b != 0 {
                Port::<u16>::new(pm1b).write(value);
            }
        }
    }
    crate::serial::write_bytes(b"aramid: could not power off; halting\n");
    halt_forever()
}
