//! Kernel stacks in their own virtual region, each with an unmapped guard
//! page below it, so an overflow faults (and is reported through the #DF IST
//! stack) instead of silently corrupting memory.

use core::sync::atomic::{AtomicU64, Ordering};

use super::{frame, paging, PAGE_SIZE};

const STACKS_BASE: u64 = 0xffff_fe00_0000_0000;
static NEXT: AtomicU64 = AtomicU64::new(STACKS_BASE);

/// Allocates and maps a stack of `pages` pages; returns its top (the initial
/// stack pointer, 16-byte aligned). Stacks are never freed: there is one per
/// CPU and per IST slot.
pub fn alloc(pages: u64) -> Option<u64> {
    let span = (pages + 1) * PAGE_SIZE;
    let base = NEXT.fetch_add(span, Ordering::Relaxed);
    let bottom = base + PAGE_SIZE; // `base` is the guard page
    for i in 0..pages {
        let f = frame::alloc_zeroed()?;
        paging::map_kernel_page(bottom + i * PAGE_SIZE, f, true).ok()?;
    }
    Some(bottom + pages * PAGE_SIZE)
}
