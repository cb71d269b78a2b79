//! Frame-pointer backtraces (the kernel is built with
//! `-C force-frame-pointers=yes`).
//!
//! Each frame is `[saved rbp, return address]`. The walk stops at a null
//! frame pointer (the entry code zeroes rbp), a frame that is not above the
//! previous one on the same stack, an unmapped frame, or after 32 frames,
//! so a corrupt stack cannot fault the report.

use crate::mem::{paging, PHYS_OFFSET};

const MAX_FRAMES: usize = 32;
const MAX_STACK: u64 = 1 << 20;

/// Calls `f` with each return address found from frame pointer `rbp` on a
/// stack whose current pointer is `rsp`.
pub fn walk(mut rbp: u64, rsp: u64, mut f: impl FnMut(u64)) {
    let mut low = rsp;
    for _ in 0..MAX_FRAMES {
        if rbp < PHYS_OFFSET || !rbp.is_multiple_of(8) || rbp < low || rbp - low > MAX_STACK || !paging::is_mapped(rbp, 16) {
            return;
        }
        // SAFETY: the 16 bytes at rbp are mapped kernel memory (checked
        // above); a stale frame at worst yields a meaningless address.
        let (next, ret) = unsafe { (core::ptr::read_volatile(rbp as *const u64), core::ptr::read_volatile((rbp + 8) as *const u64)) };
        if ret == 0 {
            return;
        }
        f(ret);
        low = rbp + 16;
        rbp = next;
    }
}

/// Calls `f` with the return addresses of the current call stack.
pub fn current(f: impl FnMut(u64)) {
    let (rbp, rsp): (u64, u64);
    // SAFETY: reads two registers.
    unsafe { core::arch::asm!("mov {}, rbp", "mov {}, rsp", out(reg) rbp, out(reg) rsp, options(nomem, nostack)) };
    walk(rbp, rsp, f)
}
