//! User address spaces: a PML4 whose upper half is the kernel's (shared
//! page-directory-pointer tables, see `mem::paging`) and whose lower half
//! maps one process's pages.
//!
//! This type only edits page tables; which frames back which pages, and
//! when to free them, is the kernel's memory manager's business. Changes to
//! the active address space are flushed from this CPU's TLB at once; other
//! CPUs are the caller's to shoot down (`ipi::tlb_shootdown`), in one batch.

use x86_64::registers::control::{Cr3, Cr3Flags};
use x86_64::structures::paging::mapper::{MapToError, UnmapError};
use x86_64::structures::paging::{
    Mapper, OffsetPageTable, Page, PageTable, PageTableFlags as F, PhysFrame, Size4KiB,
};
use x86_64::{PhysAddr, VirtAddr};

use crate::mem::paging::{kernel_pml4, Frames};
use crate::mem::{frame, phys_to_virt, PHYS_OFFSET};

/// Access rights of a user page. A page with none of them (PROT_NONE)
/// keeps its frame in the page-table entry with the present bit clear, so
/// every access faults but the contents survive a later mprotect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prot {
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

impl Prot {
    fn is_none(self) -> bool {
        !self.read && !self.write && !self.exec
    }
}

/// Why a mapping could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// No memory for a page table.
    NoMemory,
    /// The page is mapped already.
    Exists,
    /// Not a canonical user-half page address.
    BadAddress,
}

/// One process's page tables.
pub struct AddressSpace {
    pml4: u64,
    /// Pages mapped now (the resident set), and the most there have been
    /// (Linux's hiwater_rss, for ru_maxrss).
    resident: u64,
    peak: u64,
}

fn flags(prot: Prot) -> F {
    if prot.is_none() {
        return F::USER_ACCESSIBLE | F::NO_EXECUTE;
    }
    let mut f = F::PRESENT | F::USER_ACCESSIBLE;
    if prot.write {
        f |= F::WRITABLE;
    }
    if !prot.exec {
        f |= F::NO_EXECUTE;
    }
    f
}

fn user_page(va: u64) -> Result<Page<Size4KiB>, MapError> {
    if va >= super::USER_END || !va.is_multiple_of(4096) {
        return Err(MapError::BadAddress);
    }
    Ok(Page::containing_address(VirtAddr::new(va)))
}

impl AddressSpace {
    /// An empty user half with the kernel half shared.
    pub fn new() -> Option<Self> {
        let pml4 = frame::alloc_zeroed()?;
        // SAFETY: both are page-table frames reachable through the direct
        // map; the new one is fresh and only the upper half is copied.
        unsafe {
            let dst = phys_to_virt(pml4) as *mut u64;
            let src = phys_to_virt(kernel_pml4()) as *const u64;
            core::ptr::copy_nonoverlapping(src.add(256), dst.add(256), 256);
        }
        Some(Self { pml4, resident: 0, peak: 0 })
    }

    fn with_mapper<R>(&self, f: impl FnOnce(&mut OffsetPageTable<'_>) -> R) -> R {
        // SAFETY: `pml4` is this address space's table, kept alive by self;
        // edits go through `&self`/`&mut self` methods of one owner (the
        // kernel serialises them per process).
        let table = unsafe { &mut *(phys_to_virt(self.pml4) as *mut PageTable) };
        // SAFETY: PHYS_OFFSET maps all physical memory.
        let mut mapper = unsafe { OffsetPageTable::new(table, VirtAddr::new(PHYS_OFFSET)) };
        f(&mut mapper)
    }

    fn is_active(&self) -> bool {
        Cr3::read().0.start_address().as_u64() == self.pml4
    }

    /// Physical address of the PML4 (what CR3 holds when it is active).
    pub fn root(&self) -> u64 {
        self.pml4
    }

    /// Makes this the current address space on this CPU.
    pub fn activate(&self) {
        if !self.is_active() {
            // Announced before the switch, fenced: a shootdown of this
            // space either sees this CPU or its page-table change is seen
            // by the walks after the switch (`ipi::tlb_shootdown_space`).
            crate::cpu::percpu::current().user_root.store(self.pml4, core::sync::atomic::Ordering::Relaxed);
            core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
            // SAFETY: the table maps the kernel half like every other, so
            // the kernel keeps running unchanged.
            unsafe { Cr3::write(PhysFrame::containing_address(PhysAddr::new(self.pml4)), Cr3Flags::empty()) };
        }
    }

    /// Maps user page `va` to frame `phys`.
    pub fn map(&mut self, va: u64, phys: u64, prot: Prot) -> Result<(), MapError> {
        self.map_entry(va, phys, prot)?;
        self.resident += 1;
        self.peak = self.peak.max(self.resident);
        Ok(())
    }

    /// Pages mapped now, and the most mapped at once so far.
    pub fn resident_pages(&self) -> (u64, u64) {
        (self.resident, self.peak)
    }

    fn map_entry(&mut self, va: u64, phys: u64, prot: Prot) -> Result<(), MapError> {
        let page = user_page(va)?;
        let frame = PhysFrame::containing_address(PhysAddr::new(phys));
        let parent = F::PRESENT | F::WRITABLE | F::USER_ACCESSIBLE;
        let active = self.is_active();
        self.with_mapper(|m| {
            // SAFETY: a user-half mapping to a frame the caller owns.
            match unsafe { m.map_to_with_table_flags(page, frame, flags(prot), parent, &mut Frames) } {
                Ok(flush) => {
                    if active {
                        flush.flush();
                    } else {
                        flush.ignore();
                    }
                    Ok(())
                }
                Err(MapToError::FrameAllocationFailed) => Err(MapError::NoMemory),
                Err(_) => Err(MapError::Exists),
            }
        })
    }

    /// The lowest page at or above `va` and below `end` with a leaf entry
    /// (present or PROT_NONE), skipping every table that does not exist:
    /// loops over a large, sparsely touched range (an 8 MiB thread stack
    /// given back with MADV_DONTNEED, a munmap) visit only what is mapped.
    pub fn next_mapped(&self, mut va: u64, end: u64) -> Option<u64> {
        'outer: while va < end && va < crate::user::USER_END {
            let mut table = self.pml4;
            for shift in [39u64, 30, 21] {
                // SAFETY: `table` is a page-table frame of this address
                // space, readable through the direct map.
                let e = unsafe { *((phys_to_virt(table) as *const u64).add(((va >> shift) & 511) as usize)) };
                if e & 1 == 0 || e & (1 << 7) != 0 {
                    // No table below this entry: on to the next entry.
                    va = (va | ((1u64 << shift) - 1)).checked_add(1)?;
                    continue 'outer;
                }
                table = e & 0x000f_ffff_ffff_f000;
            }
            // A leaf table: scan its entries from va's.
            let leaf = phys_to_virt(table) as *const u64;
            while va < end {
                // SAFETY: the index is below 512, inside the table's frame.
                if unsafe { *leaf.add(((va >> 12) & 511) as usize) } != 0 {
                    return Some(va);
                }
                va += 4096;
                if va & ((1 << 21) - 1) == 0 {
                    continue 'outer;
                }
            }
        }
        None
    }

    /// Pointer to the leaf entry for `va`, if the tables down to it exist.
    fn leaf(&self, va: u64) -> Option<*mut u64> {
        let mut table = self.pml4;
        for shift in [39u64, 30, 21] {
            // SAFETY: `table` is a page-table frame of this address space,
            // readable through the direct map.
            let e = unsafe { *((phys_to_virt(table) as *const u64).add(((va >> shift) & 511) as usize)) };
            if e & 1 == 0 || e & (1 << 7) != 0 {
                return None;
            }
            table = e & 0x000f_ffff_ffff_f000;
        }
        // SAFETY: `table` is this address space's last-level table; the
        // index is below 512, so the pointer stays inside the frame.
        Some(unsafe { (phys_to_virt(table) as *mut u64).add(((va >> 12) & 511) as usize) })
    }

    /// Unmaps user page `va`; returns the frame it mapped.
    pub fn unmap(&mut self, va: u64) -> Option<u64> {
        let frame = self.unmap_entry(va)?;
        self.resident = self.resident.saturating_sub(1);
        Some(frame)
    }

    fn unmap_entry(&mut self, va: u64) -> Option<u64> {
        let page = user_page(va).ok()?;
        let active = self.is_active();
        // A PROT_NONE entry is not present to the mapper: clear it here.
        if let Some(e) = self.leaf(va) {
            // SAFETY: `e` points at this address space's leaf entry.
            let raw = unsafe { *e };
            if raw != 0 && raw & 1 == 0 {
                // SAFETY: as above; a non-present entry is no cached
                // translation, so clearing it needs no shootdown.
                unsafe { *e = 0 };
                if active {
                    x86_64::instructions::tlb::flush(VirtAddr::new(va));
                }
                return Some(raw & 0x000f_ffff_ffff_f000);
            }
        }
        self.with_mapper(|m| match m.unmap(page) {
            Ok((frame, flush)) => {
                if active {
                    flush.flush();
                } else {
                    flush.ignore();
                }
                Some(frame.start_address().as_u64())
            }
            Err(UnmapError::PageNotMapped) | Err(_) => None,
        })
    }

    /// Changes the rights of mapped page `va` in place (the frame stays).
    pub fn protect(&mut self, va: u64, prot: Prot) -> bool {
        let Ok(page) = user_page(va) else { return false };
        let active = self.is_active();
        self.with_mapper(|m| {
            // SAFETY: only the rights of an existing user mapping change.
            match unsafe { m.update_flags(page, flags(prot)) } {
                Ok(flush) => {
                    if active {
                        flush.flush();
                    } else {
                        flush.ignore();
                    }
                    true
                }
                Err(_) => false,
            }
        })
    }

    /// The frame and rights of user page `va`, if mapped (PROT_NONE
    /// pages included).
    pub fn query(&self, va: u64) -> Option<(u64, Prot)> {
        user_page(va).ok()?;
        let e = self.leaf(va)?;
        // SAFETY: `e` points at this address space's leaf entry.
        let raw = unsafe { *e };
        if raw == 0 {
            return None;
        }
        let present = raw & 1 != 0;
        let prot = Prot { read: present, write: present && raw & 2 != 0, exec: present && raw & (1 << 63) == 0 };
        Some((raw & 0x000f_ffff_ffff_f000, prot))
    }
}

impl Drop for AddressSpace {
    /// Frees the lower half's page tables (not the pages they map: those
    /// belong to the memory manager, which unmaps them first).
    fn drop(&mut self) {
        // No CPU may keep walking tables that are about to be freed.
        crate::ipi::leave_address_space(self.pml4);
        fn free_level(table: u64, level: u8) {
            let entries = phys_to_virt(table) as *const u64;
            let n = if level == 4 { 256 } else { 512 };
            for i in 0..n {
                // SAFETY: `table` is a page-table frame owned by this
                // address space; its entries are plain u64s.
                let e = unsafe { *entries.add(i) };
                if e & 1 != 0 && e & (1 << 7) == 0 && level > 1 {
                    free_level(e & 0x000f_ffff_ffff_f000, level - 1);
                }
            }
            if level < 4 {
                frame::free(table);
            }
        }
        free_level(self.pml4, 4);
        frame::free(self.pml4);
    }
}
