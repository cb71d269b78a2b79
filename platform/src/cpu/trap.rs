//! Trap dispatch: exceptions and interrupts after the assembly entry.
//!
//! An exception in kernel mode is a kernel bug: it is reported (vector,
//! error code, RIP, CR2, all registers, a backtrace) and the machine halts
//! with the panic status. Interrupts go to their handler, then EOI. The
//! kernel plugs in its timer and reschedule handlers with [`set_handlers`].

use core::arch::global_asm;
use core::fmt;

use crate::apic::{self, vectors};
use crate::{ipi, panic, serial};

global_asm!(include_str!("trap.S"), options(att_syntax));
global_asm!(include_str!(concat!(env!("OUT_DIR"), "/trap_stubs.S")), options(att_syntax));

/// Registers saved on entry, in stack order (lowest address first).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

/// Handlers the kernel provides; called in interrupt context with
/// interrupts disabled. They must not block or take locks the interrupted
/// code could hold without disabling interrupts.
#[derive(Clone, Copy)]
pub struct Handlers {
    /// The local APIC timer fired (a one-shot deadline passed).
    pub timer: fn(),
    /// Another CPU asked this one to look at its run queue.
    pub reschedule: fn(),
}

static HANDLERS: spin::Once<Handlers> = spin::Once::new();

/// Installs the kernel's interrupt handlers (once).
pub fn set_handlers(h: Handlers) {
    HANDLERS.call_once(|| h);
}

const NAMES: [&str; 32] = [
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
    "#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor overrun",
    "#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved", "#MF x87 error", "#AC alignment check", "#MC machine check",
    "#XM SIMD error", "#VE virtualization", "#CP control protection", "reserved", "reserved",
    "reserved", "reserved", "reserved", "reserved", "#HV hypervisor injection",
    "#VC VMM communication", "#SX security", "reserved",
];

#[unsafe(no_mangle)]
extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    let from_user = frame.cs & 3 == 3;
    let vector = frame.vector as u8;
    match vector {
        2 => ipi::handle_nmi(frame),
        v @ 0..=31 => {
            let cr2 = x86_64::registers::control::Cr2::read_raw();
            if from_user {
                crate::user::return_to_kernel(frame, cr2);
            }
            if v == 14 && crate::user::copy::fixup(frame, cr2) {
                return;
            }
            exception(v, frame)
        }
        vectors::TIMER => {
            apic::lapic::timer_fired();
            apic::lapic::eoi();
            if let Some(h) = HANDLERS.get() {
                (h.timer)();
            }
        }
        vectors::RESCHEDULE => {
            apic::lapic::eoi();
            if let Some(h) = HANDLERS.get() {
                (h.reschedule)();
            }
        }
        vectors::SERIAL => {
            serial::handle_interrupt();
            apic::lapic::eoi();
        }
        vectors::KEYBOARD => {
            crate::keyboard::handle_interrupt();
            apic::lapic::eoi();
        }
        vectors::TLB_SHOOTDOWN => {
            ipi::handle_tlb_shootdown();
            apic::lapic::eoi();
        }
        vectors::CALL_FUNCTION => {
            ipi::handle_call();
            apic::lapic::eoi();
        }
        vectors::SPURIOUS => {}
        v => {
            log::warn!("unexpected interrupt vector {v:#x}");
            apic::lapic::eoi();
        }
    }
    // An interrupt from user mode ends the user run: the thread's task
    // decides whether to go back or let others run (preemption).
    if from_user && vector >= 32 && vector != vectors::SPURIOUS {
        crate::user::return_to_kernel(frame, 0);
    }
}

fn exception(vector: u8, frame: &TrapFrame) -> ! {
    let cr2 = x86_64::registers::control::Cr2::read_raw();
    panic::fatal(
        &ExceptionReport { vector, frame, cr2 },
        frame.rip,
        frame.rbp,
        frame.rsp,
    )
}

struct ExceptionReport<'a> {
    vector: u8,
    frame: &'a TrapFrame,
    cr2: u64,
}

impl fmt::Display for ExceptionReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.frame;
        writeln!(
            f,
            "exception {} (vector {}), error code {:#x}, in {} mode",
            NAMES[self.vector as usize & 31],
            self.vector,
            t.error_code,
            if t.cs & 3 == 3 { "user" } else { "kernel" }
        )?;
        writeln!(f, "  RIP {:#018x}  CS {:#x}  RFLAGS {:#x}  CR2 {:#018x}", t.rip, t.cs, t.rflags, self.cr2)?;
        writeln!(f, "  RSP {:#018x}  SS {:#x}", t.rsp, t.ss)?;
        writeln!(f, "  RAX {:#018x}  RBX {:#018x}  RCX {:#018x}  RDX {:#018x}", t.rax, t.rbx, t.rcx, t.rdx)?;
        writeln!(f, "  RSI {:#018x}  RDI {:#018x}  RBP {:#018x}  R8  {:#018x}", t.rsi, t.rdi, t.rbp, t.r8)?;
        writeln!(f, "  R9  {:#018x}  R10 {:#018x}  R11 {:#018x}  R12 {:#018x}", t.r9, t.r10, t.r11, t.r12)?;
        write!(f, "  R13 {:#018x}  R14 {:#018x}  R15 {:#018x}", t.r13, t.r14, t.r15)
    }
}

