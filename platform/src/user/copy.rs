//! Copying to and from user memory: user addresses are an allegation.
//!
//! Both directions check that the whole range lies in the user half, then
//! copy with one `rep movsb` (`entry.S`). If that faults, `trap_dispatch`
//! resumes at the routine's fix-up instead of reporting a kernel fault, and
//! the copy returns [`Fault`] with the faulting address. The kernel's memory
//! manager then decides: populate the page (demand paging, copy-on-write)
//! and retry, or answer EFAULT. A bad pointer never faults the kernel.

use core::sync::atomic::Ordering;

use super::USER_END;
use crate::cpu::percpu;
use crate::cpu::trap::TrapFrame;

/// A user access that failed at `addr` (not mapped, or not writable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub addr: u64,
}

extern "C" {
    fn user_copy(dst: *mut u8, src: *const u8, len: usize) -> usize;
    static user_copy_insn: u8;
    static user_copy_fixup: u8;
    fn user_cmpxchg32(addr: u64, expected: u32, new: u32) -> u64;
    static user_cmpxchg_insn: u8;
    static user_cmpxchg_fixup: u8;
}

/// Atomically compares the user word at `addr` (4-byte aligned) with
/// `expected` and, if equal, stores `new`. Returns the value found.
pub fn cmpxchg_user_u32(addr: u64, expected: u32, new: u32) -> Result<u32, Fault> {
    if !is_user_range(addr, 4) || !addr.is_multiple_of(4) {
        return Err(Fault { addr });
    }
    percpu::current().copy_fault.store(0, Ordering::Relaxed);
    // SAFETY: `addr` is an aligned user address; a fault is caught by the
    // fix-up and reported instead of crashing.
    let r = unsafe { user_cmpxchg32(addr, expected, new) };
    if r & 1 != 0 {
        Err(fault_addr(addr))
    } else {
        Ok((r >> 1) as u32)
    }
}

/// Whether `addr..addr+len` lies entirely in user space.
pub fn is_user_range(addr: u64, len: usize) -> bool {
    addr.checked_add(len as u64).is_some_and(|end| end <= USER_END)
}

fn fault_addr(fallback: u64) -> Fault {
    let a = percpu::current().copy_fault.load(Ordering::Relaxed);
    Fault { addr: if a != 0 { a } else { fallback } }
}

/// Copies `dst.len()` bytes from user address `src`.
pub fn copy_from_user(dst: &mut [u8], src: u64) -> Result<(), Fault> {
    if !is_user_range(src, dst.len()) {
        return Err(Fault { addr: src });
    }
    if dst.is_empty() {
        return Ok(());
    }
    percpu::current().copy_fault.store(0, Ordering::Relaxed);
    // SAFETY: `dst` is a valid kernel buffer; `src` is checked to be a user
    // address range, and a fault on it is caught by the fix-up.
    let left = unsafe { user_copy(dst.as_mut_ptr(), src as *const u8, dst.len()) };
    if left == 0 {
        Ok(())
    } else {
        Err(fault_addr(src + (dst.len() - left) as u64))
    }
}

/// Copies `src` to user address `dst`.
pub fn copy_to_user(dst: u64, src: &[u8]) -> Result<(), Fault> {
    if !is_user_range(dst, src.len()) {
        return Err(Fault { addr: dst });
    }
    if src.is_empty() {
        return Ok(());
    }
    percpu::current().copy_fault.store(0, Ordering::Relaxed);
    // SAFETY: as for `copy_from_user`, with the roles swapped.
    let left = unsafe { user_copy(dst as *mut u8, src.as_ptr(), src.len()) };
    if left == 0 {
        Ok(())
    } else {
        Err(fault_addr(dst + (src.len() - left) as u64))
    }
}

/// Called for a kernel-mode page fault: if it hit the user-copy
/// instruction, records the address and resumes at the fix-up.
pub(crate) fn fixup(frame: &mut TrapFrame, cr2: u64) -> bool {
    let table = [
        (&raw const user_copy_insn as u64, &raw const user_copy_fixup as u64),
        (&raw const user_cmpxchg_insn as u64, &raw const user_cmpxchg_fixup as u64),
    ];
    let Some(&(_, fixup)) = table.iter().find(|(insn, _)| *insn == frame.rip) else { return false };
    percpu::current().copy_fault.store(cr2, Ordering::Relaxed);
    frame.rip = fixup;
    true
}
