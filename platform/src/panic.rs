//! The panic handler and the fatal-exception path.
//!
//! The first CPU to fail stops the others with an NMI, prints
//! `aramid: kernel panic ...`, the report and a frame-pointer backtrace
//! (`bt: 0x...` lines the runner symbolizes), then exits QEMU with
//! [`power::PANIC_STATUS`]. A CPU that fails while another is already
//! reporting just halts.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

use crate::{backtrace, cpu, ipi, power, serial};

static PANICKING: AtomicBool = AtomicBool::new(false);

/// Whether a panic is being reported (the NMI handler halts then).
pub fn in_progress() -> bool {
    PANICKING.load(Ordering::Relaxed)
}

/// Reports a fatal error and powers off; never returns.
pub fn fatal(what: &dyn fmt::Display, rip: u64, rbp: u64, rsp: u64) -> ! {
    cpu::interrupts::disable();
    if PANICKING.swap(true, Ordering::SeqCst) {
        power::halt_forever();
    }
    ipi::stop_other_cpus();
    let cpu = cpu::percpu::try_cpu_id().unwrap_or(0);
    let mut w = serial::emergency_writer();
    let _ = writeln!(w, "\naramid: kernel panic on cpu {cpu}: {what}");
    let _ = writeln!(w, "backtrace:");
    if rip != 0 {
        let _ = writeln!(w, "  bt: {rip:#018x}");
    }
    backtrace::walk(rbp, rsp, |addr| {
        let _ = writeln!(w, "  bt: {addr:#018x}");
    });
    let _ = writeln!(w, "aramid: end of panic report");
    power::exit(power::PANIC_STATUS)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let (rbp, rsp): (u64, u64);
    // SAFETY: reads the frame and stack pointers; no memory is touched.
    unsafe { core::arch::asm!("mov {}, rbp", "mov {}, rsp", out(reg) rbp, out(reg) rsp, options(nomem, nostack)) };
    fatal(info, 0, rbp, rsp)
}
