//! The SYSCALL/SYSRET model-specific registers.
//!
//! STAR puts the kernel at selectors 0x08/0x10 and user mode at 0x2b/0x23
//! (see `cpu::gdt`); LSTAR points at `syscall_entry`; SFMASK clears IF, TF,
//! DF, AC, NT and IOPL on entry, like Linux.

use x86_64::registers::model_specific::{Efer, EferFlags, Msr};

const STAR: u32 = 0xc000_0081;
const LSTAR: u32 = 0xc000_0082;
const SFMASK: u32 = 0xc000_0084;

extern "C" {
    fn syscall_entry();
}

pub(crate) fn init() {
    let entry = syscall_entry as unsafe extern "C" fn() as usize as u64;
    // SAFETY: programs this CPU's syscall MSRs with selectors matching the
    // GDT and the entry stub in entry.S; EFER.SCE enables SYSCALL.
    unsafe {
        Msr::new(STAR).write((0x18u64 << 48) | (0x08u64 << 32));
        Msr::new(LSTAR).write(entry);
        Msr::new(SFMASK).write(0x0004_7700);
        Efer::update(|f| f.insert(EferFlags::SYSTEM_CALL_EXTENSIONS));
    }
}
