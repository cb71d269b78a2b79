//! Deliberate faults for the kernel's self-tests (`aramid.test=pagefault`):
//! they prove that an exception in the kernel produces a full report and a
//! symbolized backtrace. Nothing else calls them.

/// Reads an unmapped lower-half address with no user process running: a
/// kernel-mode #PF with CR2 = 0x1000. Never returns.
#[inline(never)]
pub fn trigger_page_fault() -> ! {
    // SAFETY: deliberately invalid. Address 0x1000 is never mapped in the
    // kernel page tables (the lower half belongs to user space and no
    // process exists yet), so the read faults and the fatal-exception
    // handler powers off; the read never completes.
    let v = unsafe { core::ptr::read_volatile(0x1000 as *const u64) };
    panic!("read of an unmapped address returned {v:#x}")
}
