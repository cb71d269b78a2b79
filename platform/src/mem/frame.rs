//! The physical frame allocator: a bitmap over all RAM, one bit per 4 KiB
//! frame (set = in use), with next-fit search and contiguous allocation.
//!
//! Frames below 1 MiB (BIOS data, the AP trampoline page), the kernel image,
//! the initramfs and the bitmap itself are never handed out.

use core::sync::atomic::{AtomicU64, Ordering};

use super::{phys_to_virt, PhysRange, PAGE_SIZE};
use crate::sync::IrqMutex;

struct Bitmap {
    words: &'static mut [u64],
    frames: usize,
    next: usize,
}

static FRAMES: IrqMutex<Option<Bitmap>> = IrqMutex::new(None);
static FREE: AtomicU64 = AtomicU64::new(0);

const LOW_RESERVED: u64 = 0x10_0000;
/// The bitmap must sit where the boot page tables map it (first GiB).
const BOOT_MAPPED: u64 = 1 << 30;

fn overlaps(a: &PhysRange, b: &PhysRange) -> bool {
    a.start < b.end && b.start < a.end
}

impl Bitmap {
    fn set(&mut self, frame: usize, used: bool) {
        let (w, b) = (frame / 64, frame % 64);
        if used {
            self.words[w] |= 1 << b;
        } else {
            self.words[w] &= !(1 << b);
        }
    }

    fn used(&self, frame: usize) -> bool {
        self.words[frame / 64] & (1 << (frame % 64)) != 0
    }

    /// Finds `count` free frames starting at a multiple of `align` frames.
    fn find(&mut self, count: usize, align: usize) -> Option<usize> {
        let mut tries = 0;
        let mut start = self.next.next_multiple_of(align);
        while tries < 2 {
            if start + count > self.frames {
                start = 0;
                tries += 1;
                continue;
            }
            // Skip whole used words quickly for single frames.
            if count == 1 && align == 1 && self.words[start / 64] == u64::MAX {
                start = (start / 64 + 1) * 64;
                continue;
            }
            match (start..start + count).find(|&f| self.used(f)) {
                None => {
                    self.next = start + count;
                    return Some(start);
                }
                Some(busy) => start = (busy + 1).next_multiple_of(align),
            }
        }
        None
    }
}

/// Builds the bitmap from the usable ranges, minus `reserved`. Returns the
/// number of usable bytes.
pub(crate) fn init(usable: &[PhysRange], reserved: &[Option<PhysRange>]) -> u64 {
    let max_phys = usable.iter().map(|r| r.end).max().unwrap_or(0);
    let frames = (max_phys / PAGE_SIZE) as usize;
    let bitmap_bytes = frames.div_ceil(64) as u64 * 8;
    let mut reserved: heapless_ranges::Ranges = reserved.iter().flatten().copied().collect();
    reserved.push(PhysRange { start: 0, end: LOW_RESERVED });

    // Place the bitmap in the first usable hole that avoids everything reserved.
    let mut spot = None;
    'outer: for r in usable {
        let mut start = r.start.max(LOW_RESERVED).next_multiple_of(PAGE_SIZE);
        loop {
            let cand = PhysRange { start, end: start + bitmap_bytes.next_multiple_of(PAGE_SIZE) };
            if cand.end > r.end || cand.end > BOOT_MAPPED {
                break;
            }
            match reserved.iter().find(|x| overlaps(x, &cand)) {
                Some(x) => start = x.end.next_multiple_of(PAGE_SIZE),
                None => {
                    spot = Some(cand);
                    break 'outer;
                }
            }
        }
    }
    let Some(spot) = spot else {
        crate::serial::write_bytes(b"aramid: no room for the frame bitmap\n");
        crate::power::halt_forever();
    };
    reserved.push(spot);
    // SAFETY: `spot` is usable RAM inside the boot direct map that nothing
    // else uses (it avoids the image, the initrd and low memory).
    let words = unsafe {
        core::slice::from_raw_parts_mut(phys_to_virt(spot.start) as *mut u64, frames.div_ceil(64))
    };
    words.fill(u64::MAX);
    let mut bm = Bitmap { words, frames, next: 0 };
    let mut total = 0;
    for r in usable {
        let (s, e) = (r.start.next_multiple_of(PAGE_SIZE), r.end / PAGE_SIZE * PAGE_SIZE);
        for f in (s / PAGE_SIZE)..(e / PAGE_SIZE) {
            bm.set(f as usize, false);
        }
        total += e.saturating_sub(s);
    }
    for r in reserved.iter() {
        for f in (r.start / PAGE_SIZE)..r.end.div_ceil(PAGE_SIZE) {
            if (f as usize) < frames {
                bm.set(f as usize, true);
            }
        }
    }
    let free = (0..frames).filter(|&f| !bm.used(f)).count() as u64;
    FREE.store(free * PAGE_SIZE, Ordering::Relaxed);
    TOTAL.store(total, Ordering::Relaxed);
    RESERVE.store((total / 64).clamp(8 << 20, 64 << 20), Ordering::Relaxed);
    *FRAMES.lock() = Some(bm);
    total
}

/// Bytes [`alloc`] leaves free for the kernel heap (Linux's min_free_kbytes
/// watermark): user pages, page tables and thread stacks fail first, so
/// the OOM killer and ENOMEM answer a program that uses up memory while
/// the kernel's own allocations still succeed. Set at init: 1/64 of RAM,
/// between 8 and 64 MiB.
static RESERVE: AtomicU64 = AtomicU64::new(0);

/// Whether memory is short: half the reserve is gone. Kernel buffers a
/// program fills at will (pipe pages) are refused then (ENOMEM), keeping
/// the rest for the kernel's own allocations.
pub fn short() -> bool {
    FREE.load(Ordering::Relaxed) < RESERVE.load(Ordering::Relaxed) / 2
}

/// Allocates one frame (not zeroed), unless only the reserve is left.
pub fn alloc() -> Option<u64> {
    if FREE.load(Ordering::Relaxed) < RESERVE.load(Ordering::Relaxed) + PAGE_SIZE {
        return None;
    }
    alloc_contiguous(1, 1)
}

/// Allocates one zeroed frame.
pub fn alloc_zeroed() -> Option<u64> {
    let f = alloc()?;
    // SAFETY: the frame was just allocated, so nobody else uses it, and the
    // direct map covers all RAM.
    unsafe { core::ptr::write_bytes(phys_to_virt(f) as *mut u8, 0, PAGE_SIZE as usize) };
    Some(f)
}

/// Allocates `count` physically contiguous frames aligned to `align`
/// frames, from the reserve too (the kernel heap grows with this).
pub fn alloc_contiguous(count: usize, align: usize) -> Option<u64> {
    let mut guard = FRAMES.lock();
    let bm = guard.as_mut()?;
    let start = bm.find(count, align.max(1))?;
    for f in start..start + count {
        bm.set(f, true);
    }
    FREE.fetch_sub(count as u64 * PAGE_SIZE, Ordering::Relaxed);
    Some(start as u64 * PAGE_SIZE)
}

/// Returns `count` frames starting at `phys` to the allocator.
pub fn free_contiguous(phys: u64, count: usize) {
    let mut guard = FRAMES.lock();
    let Some(bm) = guard.as_mut() else { return };
    let first = (phys / PAGE_SIZE) as usize;
    for f in first..first + count {
        if f < bm.frames && bm.used(f) {
            bm.set(f, false);
            FREE.fetch_add(PAGE_SIZE, Ordering::Relaxed);
        }
    }
}

/// Returns one frame to the allocator.
pub fn free(phys: u64) {
    free_contiguous(phys, 1)
}

/// Bytes currently free.
pub fn free_bytes() -> u64 {
    FREE.load(Ordering::Relaxed)
}

/// A tiny fixed-capacity list of ranges (the heap does not exist yet).
mod heapless_ranges {
    use super::PhysRange;

    pub struct Ranges {
        items: [PhysRange; 8],
        len: usize,
    }

    impl Ranges {
        pub fn push(&mut self, r: PhysRange) {
            if self.len < self.items.len() {
                self.items[self.len] = r;
                self.len += 1;
            }
        }
        pub fn iter(&self) -> core::slice::Iter<'_, PhysRange> {
            self.items[..self.len].iter()
        }
    }

    impl FromIterator<PhysRange> for Ranges {
        fn from_iter<I: IntoIterator<Item = PhysRange>>(iter: I) -> Self {
            let mut r = Ranges { items: [PhysRange { start: 0, end: 0 }; 8], len: 0 };
            for x in iter {
                r.push(x);
            }
            r
        }
    }
}

/// Writes `data` into frame `phys` at `offset` (through the direct map).
/// Writes that would cross the frame's end are cut short.
pub fn write(phys: u64, offset: usize, data: &[u8]) {
    let len = data.len().min((PAGE_SIZE as usize).saturating_sub(offset));
    // SAFETY: the range lies inside one frame the caller owns, mapped by
    // the direct map; `data` cannot overlap it (kernel memory the caller
    // holds a shared borrow of is never a frame it is writing).
    unsafe { core::ptr::copy(data.as_ptr(), (phys_to_virt(phys) as *mut u8).add(offset), len) };
}

/// Reads from frame `phys` at `offset` into `buf` (cut short at the frame's
/// end).
pub fn read(phys: u64, offset: usize, buf: &mut [u8]) {
    let len = buf.len().min((PAGE_SIZE as usize).saturating_sub(offset));
    // SAFETY: as for `write`, reading.
    unsafe { core::ptr::copy((phys_to_virt(phys) as *const u8).add(offset), buf.as_mut_ptr(), len) };
}

/// Copies a whole frame (copy-on-write).
pub fn copy(dst: u64, src: u64) {
    // SAFETY: two frames mapped by the direct map; the caller owns `dst`.
    unsafe {
        core::ptr::copy(phys_to_virt(src) as *const u8, phys_to_virt(dst) as *mut u8, PAGE_SIZE as usize);
    }
}

static TOTAL: AtomicU64 = AtomicU64::new(0);

/// Usable RAM in bytes.
pub fn total_bytes() -> u64 {
    TOTAL.load(Ordering::Relaxed)
}
