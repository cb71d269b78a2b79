//! Powering off, halting and resetting. Off: QEMU's `isa-debug-exit` device when present (its exit
//! status is `(value << 1) | 1`), else ACPI S5 through the FADT's PM1
//! control registers, else halting every CPU.
//!
//! Status values: 0 success (init exited 0, self-tests passed), 1..=0x7d
//! init's exit status or the number of failed self-tests, 0x7f kernel panic.

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use x86_64::instructions::port::Port;

pub const PANIC_STATUS: u8 = 0x7f;
const DEBUG_EXIT_PORT: u16 = 0xf4;

/// PM1a/PM1b control ports and the S5 sleep type, found by `acpi`.
static PM1A_CNT: AtomicU32 = AtomicU32::new(0);
static PM1B_CNT: AtomicU32 = AtomicU32::new(0);
static SLP_TYP_S5: AtomicU32 = AtomicU32::new(u32::MAX);
/// FADT SMI_CMD port and the ACPI_ENABLE value written there to switch the
/// chipset into ACPI mode (needed on q35, where firmware leaves it off).
static SMI_CMD: AtomicU32 = AtomicU32::new(0);
static ACPI_ENABLE: AtomicU32 = AtomicU32::new(0);

pub(crate) fn set_acpi_s5(pm1a: u16, pm1b: u16, slp_typ: u16, smi_cmd: u16, acpi_enable: u8) {
    PM1A_CNT.store(pm1a as u32, Ordering::Relaxed);
    PM1B_CNT.store(pm1b as u32, Ordering::Relaxed);
    SLP_TYP_S5.store(slp_typ as u32, Ordering::Relaxed);
    SMI_CMD.store(smi_cmd as u32, Ordering::Relaxed);
    ACPI_ENABLE.store(acpi_enable as u32, Ordering::Relaxed);
}

/// Switches to ACPI mode if the chipset is not in it (PM1 control SCI_EN).
fn enable_acpi_mode(pm1a: u16) {
    // SAFETY: PM1a control and SMI_CMD are ports named by the FADT.
    unsafe {
        let mut cnt = Port::<u16>::new(pm1a);
        let (smi, enable) = (SMI_CMD.load(Ordering::Relaxed) as u16, ACPI_ENABLE.load(Ordering::Relaxed) as u8);
        if cnt.read() & 1 == 0 && smi != 0 && enable != 0 {
            Port::<u8>::new(smi).write(enable);
            let end = crate::time::now_ns() + 100_000_000;
            while cnt.read() & 1 == 0 && crate::time::now_ns() < end {
                core::hint::spin_loop();
            }
        }
    }
}

/// The FADT's reset register (an I/O port, 0 if none) and value.
static RESET_PORT: AtomicU32 = AtomicU32::new(0);
static RESET_VALUE: AtomicU32 = AtomicU32::new(0);

pub(crate) fn set_acpi_reset(port: u16, value: u8) {
    RESET_PORT.store(port as u32, Ordering::Relaxed);
    RESET_VALUE.store(value as u32, Ordering::Relaxed);
}

/// Set by [`halt`]: an NMI then stops the CPU it lands on.
static HALTING: AtomicBool = AtomicBool::new(false);

pub(crate) fn halting() -> bool {
    HALTING.load(Ordering::Relaxed)
}

/// Stops the machine without powering it off (reboot(2)'s HALT, Linux's
/// `machine_halt()`): every other CPU is stopped by an NMI, then this
/// one; the machine stays on (QEMU keeps running) until it is reset or
/// switched off from outside.
pub fn halt() -> ! {
    HALTING.store(true, Ordering::SeqCst);
    crate::ipi::stop_other_cpus();
    halt_forever()
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
    power_off()
}

/// Powers the machine off as Linux does (reboot(2)'s POWER_OFF and HALT):
/// ACPI S5, so QEMU ends as it does under Linux, with no exit status of
/// ours; halting every CPU when the machine has no ACPI S5.
pub fn power_off() -> ! {
    let typ = SLP_TYP_S5.load(Ordering::Relaxed);
    let pm1a = PM1A_CNT.load(Ordering::Relaxed) as u16;
    if typ != u32::MAX && pm1a != 0 {
        enable_acpi_mode(pm1a);
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

/// Resets the machine (reboot(2)'s RESTART), trying what Linux's x86
/// `native_machine_emergency_restart()` tries: the FADT's reset register,
/// the PCI reset control register (0xcf9, a full reset), then the
/// keyboard controller's reset line. QEMU started with `-no-reboot` exits
/// instead of rebooting.
pub fn reset() -> ! {
    let port = RESET_PORT.load(Ordering::Relaxed) as u16;
    if port != 0 {
        // SAFETY: an I/O port the FADT names as the reset register, with
        // the value it says to write; device effects only.
        unsafe { Port::<u8>::new(port).write(RESET_VALUE.load(Ordering::Relaxed) as u8) };
    }
    // SAFETY: 0xcf9 is the chipset's reset control register on the PC
    // machines QEMU emulates (i440fx PIIX, q35 ICH9); writing 0x02 then
    // 0x06 requests a hard reset. Elsewhere the port is unused.
    unsafe {
        Port::<u8>::new(0xcf9).write(0x02);
        Port::<u8>::new(0xcf9).write(0x06);
    }
    // SAFETY: port 0x64 is the 8042 keyboard controller's command port;
    // command 0xfe pulses the CPU reset line.
    unsafe { Port::<u8>::new(0x64).write(0xfe) };
    crate::serial::write_bytes(b"aramid: could not reset; halting\n");
    halt_forever()
}
