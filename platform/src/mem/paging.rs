//! The kernel's page tables, built with the `x86_64` crate.
//!
//! At boot `boot.S` maps only the first GiB. [`init`] builds the real kernel
//! PML4: the direct map of all physical memory (1 GiB pages where the CPU has
//! them, else 2 MiB; the 3-4 GiB MMIO hole uncached), the kernel image with
//! per-section permissions (text RX, rodata R+NX, data RW+NX) in 4 KiB pages
//! with the boot stack's guard page left unmapped, and one PDPT for every
//! upper-half PML4 slot, so that every future address space can share the
//! kernel half by copying 256 entries. The identity map of the boot tables is
//! dropped: user space owns the lower half.

use core::sync::atomic::{AtomicU64, Ordering};

use x86_64::registers::control::{Cr3, Cr3Flags, Cr4, Cr4Flags};
use x86_64::structures::paging::{
    FrameAllocator, Mapper, OffsetPageTable, Page, PageTable, PageTableFlags as F, PhysFrame, Size1GiB,
    Size2MiB, Size4KiB, Translate,
};
use x86_64::{PhysAddr, VirtAddr};

use super::{frame, phys_to_virt, ImageLayout, KERNEL_VMA, PAGE_SIZE, PHYS_OFFSET};
use crate::sync::IrqMutex;

static KERNEL_PT: IrqMutex<Option<OffsetPageTable<'static>>> = IrqMutex::new(None);
static KERNEL_PML4: AtomicU64 = AtomicU64::new(0);

/// Frame source for the mapper: the platform frame allocator.
pub(crate) struct Frames;

// SAFETY: `frame::alloc` hands out each frame once until it is freed.
unsafe impl FrameAllocator<Size4KiB> for Frames {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        frame::alloc().map(|a| PhysFrame::containing_address(PhysAddr::new(a)))
    }
}

/// Physical address of the kernel PML4.
pub fn kernel_pml4() -> u64 {
    KERNEL_PML4.load(Ordering::Relaxed)
}

fn has_1g_pages() -> bool {
    // CPUID 0x8000_0001 EDX bit 26: 1 GiB pages.
    let r = core::arch::x86_64::__cpuid(0x8000_0001);
    r.edx & (1 << 26) != 0
}

pub(crate) fn init(max_phys: u64, layout: &ImageLayout) {
    let pml4_phys = frame::alloc_zeroed().expect("frame for the kernel PML4");
    // SAFETY: the frame is fresh, zeroed, page-aligned and mapped by the
    // direct map; the page table lives for the kernel's lifetime.
    let pml4: &'static mut PageTable = unsafe { &mut *(phys_to_virt(pml4_phys) as *mut PageTable) };
    // One PDPT per upper-half slot, so the kernel half never needs a new
    // top-level entry after address spaces have copied it.
    for slot in 256..512 {
        let pdpt = frame::alloc_zeroed().expect("frame for a kernel PDPT");
        pml4[slot].set_addr(PhysAddr::new(pdpt), F::PRESENT | F::WRITABLE);
    }
    // SAFETY: `PHYS_OFFSET` maps all physical memory (the boot map covers the
    // first GiB, where every table frame so far comes from; the loop below
    // extends it before anything above is touched).
    let mut pt = unsafe { OffsetPageTable::new(pml4, VirtAddr::new(PHYS_OFFSET)) };
    let mut frames = Frames;

    // Direct map: all RAM and at least the 32-bit MMIO space (LAPIC, IOAPIC).
    let end = max_phys.max(1 << 32).next_multiple_of(1 << 30);
    let base = F::PRESENT | F::WRITABLE | F::NO_EXECUTE | F::GLOBAL;
    let mmio = |a: u64| if (0xC000_0000..0x1_0000_0000).contains(&a) { F::NO_CACHE | F::WRITE_THROUGH } else { F::empty() };
    if has_1g_pages() {
        for a in (0..end).step_by(1 << 30) {
            let page = Page::<Size1GiB>::containing_address(VirtAddr::new(PHYS_OFFSET + a));
            let f = PhysFrame::<Size1GiB>::containing_address(PhysAddr::new(a));
            // SAFETY: a fresh mapping of physical memory in the direct-map window.
            unsafe { pt.map_to(page, f, base | mmio(a), &mut frames) }.expect("direct map").ignore();
        }
    } else {
        for a in (0..end).step_by(1 << 21) {
            let page = Page::<Size2MiB>::containing_address(VirtAddr::new(PHYS_OFFSET + a));
            let f = PhysFrame::<Size2MiB>::containing_address(PhysAddr::new(a));
            // SAFETY: as above.
            unsafe { pt.map_to(page, f, base | mmio(a), &mut frames) }.expect("direct map").ignore();
        }
    }

    // The kernel image, section by section.
    let guard = layout.boot_stack_top - 65536 - PAGE_SIZE;
    let sections = [
        (layout.text, F::PRESENT | F::GLOBAL),
        (layout.rodata, F::PRESENT | F::GLOBAL | F::NO_EXECUTE),
        (layout.data, F::PRESENT | F::GLOBAL | F::NO_EXECUTE | F::WRITABLE),
    ];
    for ((start, end), flags) in sections {
        for va in (start..end).step_by(PAGE_SIZE as usize) {
            if va == guard {
                continue;
            }
            let page = Page::<Size4KiB>::containing_address(VirtAddr::new(va));
            let f = PhysFrame::containing_address(PhysAddr::new(va - KERNEL_VMA));
            // SAFETY: maps the image's own pages at their link addresses.
            unsafe { pt.map_to(page, f, flags, &mut frames) }.expect("kernel image map").ignore();
        }
    }

    // SAFETY: global pages need CR4.PGE; the new tables map everything the
    // kernel uses from here on (image, stacks in the image, direct map).
    unsafe {
        Cr4::update(|f| f.insert(Cr4Flags::PAGE_GLOBAL));
        Cr3::write(PhysFrame::containing_address(PhysAddr::new(pml4_phys)), Cr3Flags::empty());
    }
    KERNEL_PML4.store(pml4_phys, Ordering::Relaxed);
    *KERNEL_PT.lock() = Some(pt);
}

/// Maps one 4 KiB kernel page (upper half only).
pub fn map_kernel_page(va: u64, phys: u64, writable: bool) -> Result<(), &'static str> {
    if va < PHYS_OFFSET {
        return Err("not a kernel address");
    }
    let mut guard = KERNEL_PT.lock();
    let pt = guard.as_mut().ok_or("paging not ready")?;
    let mut flags = F::PRESENT | F::GLOBAL | F::NO_EXECUTE;
    if writable {
        flags |= F::WRITABLE;
    }
    let page = Page::<Size4KiB>::containing_address(VirtAddr::new(va));
    let f = PhysFrame::containing_address(PhysAddr::new(phys));
    // SAFETY: kernel-half mappings are only made through this module, for
    // frames the caller owns.
    unsafe { pt.map_to(page, f, flags, &mut Frames) }.map_err(|_| "already mapped")?.flush();
    Ok(())
}

/// Physical address `va` maps to in the current address space, if any.
/// Reads the tables through the direct map without taking locks, so the
/// panic path can use it to check a backtrace's frame pointers.
pub fn translate(va: u64) -> Option<u64> {
    let (frame, _) = Cr3::read();
    let mut table = frame.start_address().as_u64();
    let idx = [(va >> 39) & 511, (va >> 30) & 511, (va >> 21) & 511, (va >> 12) & 511];
    for (level, i) in idx.iter().enumerate() {
        // SAFETY: `table` is a page-table frame reached from CR3, readable
        // through the direct map; entries are plain u64s.
        let e = unsafe { core::ptr::read_volatile((phys_to_virt(table) as *const u64).add(*i as usize)) };
        if e & 1 == 0 {
            return None;
        }
        let addr = e & 0x000f_ffff_ffff_f000;
        let huge = e & (1 << 7) != 0;
        if level == 1 && huge {
            return Some((addr & !((1 << 30) - 1)) + (va & ((1 << 30) - 1)));
        }
        if level == 2 && huge {
            return Some((addr & !((1 << 21) - 1)) + (va & ((1 << 21) - 1)));
        }
        table = addr;
    }
    Some(table + (va & 0xfff))
}

/// Whether the whole range `va..va+len` is mapped.
pub fn is_mapped(va: u64, len: u64) -> bool {
    let mut p = va & !0xfff;
    while p < va + len {
        if translate(p).is_none() {
            return false;
        }
        p += PAGE_SIZE;
    }
    true
}

/// Translation through the locked kernel table (for tests and debugging).
pub fn kernel_translate(va: u64) -> Option<u64> {
    KERNEL_PT.lock().as_ref()?.translate_addr(VirtAddr::new(va)).map(|p| p.as_u64())
}

/// Unmaps one 4 KiB kernel page on this CPU and returns the frame it
/// mapped. Other CPUs may still cache the translation: follow with
/// `ipi::tlb_shootdown`.
pub fn unmap_kernel_page(va: u64) -> Option<u64> {
    let mut guard = KERNEL_PT.lock();
    let pt = guard.as_mut()?;
    let page = Page::<Size4KiB>::containing_address(VirtAddr::new(va));
    let (frame, flush) = pt.unmap(page).ok()?;
    flush.flush();
    Some(frame.start_address().as_u64())
}

/// Reads the u64 at kernel virtual address `va` if it is mapped (used by
/// the TLB shootdown self-test to observe what each CPU's TLB says).
pub fn read_kernel_u64(va: u64) -> Option<u64> {
    if va < PHYS_OFFSET || !va.is_multiple_of(8) || !is_mapped(va, 8) {
        return None;
    }
    // SAFETY: `va` is an aligned, mapped kernel address (checked above).
    Some(unsafe { core::ptr::read_volatile(va as *const u64) })
}

/// Writes `value` to physical address `phys` through the direct map.
pub fn write_phys_u64(phys: u64, value: u64) {
    // SAFETY: the direct map covers all RAM; callers pass a frame they own.
    unsafe { core::ptr::write_volatile(phys_to_virt(phys) as *mut u64, value) }
}
