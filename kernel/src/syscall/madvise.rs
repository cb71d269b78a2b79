//! madvise(2), with Linux's rules for each advice:
//!
//! - MADV_DONTNEED / MADV_FREE drop the pages of a private mapping (the
//!   next touch sees zeros, or the file again) or of a shared file mapping
//!   (the data stays the file's); MADV_FREE only takes anonymous private
//!   memory (EINVAL on shared or file mappings).
//! - MADV_REMOVE frees the pages of shared anonymous memory, which then
//!   reads as zeros in every process mapping it, and punches a hole in the
//!   file under a shared file mapping (Linux's `vfs_fallocate(PUNCH_HOLE |
//!   KEEP_SIZE)`); EINVAL on private anonymous memory, EACCES on a private
//!   file mapping or a shared one of a file not open for writing.
//! - MADV_DONTFORK/DOFORK and MADV_WIPEONFORK/KEEPONFORK set what a child
//!   gets at fork (WIPEONFORK: private anonymous memory only, else EINVAL).
//! - MADV_POPULATE_READ/WRITE fault the pages in (EINVAL where the access
//!   is not allowed, ENOMEM at a hole, EFAULT past the end of a file).
//! - MADV_DONTNEED, MADV_FREE and MADV_REMOVE refuse locked areas (EINVAL),
//!   as Linux's can_madv_lru_vma.
//! - MADV_HWPOISON and MADV_SOFT_OFFLINE are EINVAL, as on a kernel built
//!   without CONFIG_MEMORY_FAILURE (Aramid cannot retire a frame; the
//!   host this is tested against answers the same).
//! - The other advice values are hints Aramid has no use for and accepts,
//!   as Linux accepts advice it cannot act on. Unknown advice is EINVAL.
//!
//! A range with unmapped parts is ENOMEM, after acting on the mapped parts.

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::mm::vma::{Kind, Vma};
use crate::mm::{page_up, FaultError, PAGE};
use fs::inode::{FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE};

const MADV_DONTNEED: u64 = 4;
const MADV_FREE: u64 = 8;
const MADV_REMOVE: u64 = 9;
const MADV_DONTFORK: u64 = 10;
const MADV_DOFORK: u64 = 11;
const MADV_WIPEONFORK: u64 = 18;
const MADV_KEEPONFORK: u64 = 19;
const MADV_POPULATE_READ: u64 = 22;
const MADV_POPULATE_WRITE: u64 = 23;

pub fn madvise(call: &Call<'_>, addr: u64, len: u64, advice: u64) -> SysResult {
    if !matches!(advice, 0..=4 | 8..=23 | 25) || !addr.is_multiple_of(PAGE) {
        return Err(Errno::EINVAL);
    }
    let len = page_up(len).ok_or(Errno::EINVAL)?;
    let end = addr.checked_add(len).ok_or(Errno::EINVAL)?;
    if len == 0 {
        return Ok(0);
    }
    let mm = call.thread.process.mm().ok_or(Errno::ENOMEM)?;
    if matches!(advice, MADV_POPULATE_READ | MADV_POPULATE_WRITE) {
        return populate(&mm, addr, end, advice == MADV_POPULATE_WRITE);
    }
    let anon_private = |v: &Vma| !v.shared && matches!(v.kind, Kind::Anon);
    let is_file = |v: &Vma| matches!(v.kind, Kind::File { .. } | Kind::Pages { .. });
    // MADV_REMOVE's holes in files, punched once the address space is let go.
    let mut holes = alloc::vec::Vec::new();
    let all_mapped = mm.with(|m| -> Result<bool, Errno> {
        // Check every area first: an invalid one fails the call unchanged.
        let mut all = true;
        let mut va = addr;
        while va < end {
            let Some(v) = m.find(va) else {
                all = false;
                va = m.vmas.range(va..).next().map_or(end, |(s, _)| *s);
                continue;
            };
            match advice {
                MADV_DONTNEED | MADV_FREE | MADV_REMOVE if v.lock.is_locked() => return Err(Errno::EINVAL),
                MADV_FREE | MADV_WIPEONFORK if !anon_private(v) => return Err(Errno::EINVAL),
                MADV_REMOVE if !v.shared && !is_file(v) => return Err(Errno::EINVAL),
                MADV_REMOVE if !v.shared || !v.may_write() => return Err(Errno::EACCES),
                MADV_REMOVE => {
                    if let Some((file, offset)) = v.file_offset(va) {
                        holes.push((file.inode.clone(), offset, v.end.min(end) - va));
                    }
                }
                _ => {}
            }
            va = v.end;
        }
        // Then act, splitting areas whose fork behaviour changes.
        if matches!(advice, MADV_DONTFORK | MADV_DOFORK | MADV_WIPEONFORK | MADV_KEEPONFORK) {
            m.update(addr, end, |v| match advice {
                MADV_DONTFORK => v.on_fork.dont_copy = true,
                MADV_DOFORK => v.on_fork.dont_copy = false,
                MADV_WIPEONFORK => v.on_fork.wipe = true,
                _ => v.on_fork.wipe = false,
            });
        }
        // Only pages with page-table entries need acting on.
        let mut va = addr;
        while let Some(at) = m.space.next_mapped(va, end) {
            va = at;
            if let Some(v) = m.find(va) {
                // A shared file page stays the file's: dropping it from the
                // page tables loses nothing (the next touch maps it again).
                let droppable = !v.shared || v.file_offset(va).is_some();
                let shared_anon = v.shared && v.file_offset(va).is_none();
                match advice {
                    MADV_DONTNEED | MADV_FREE if droppable => {
                        if let Some(phys) = m.space.unmap(va) {
                            crate::mm::frames::put(phys);
                        }
                    }
                    // Every process maps the same frame: zeroing it is
                    // freeing it for all of them.
                    MADV_REMOVE if shared_anon => {
                        if let Some((phys, _)) = m.space.query(va) {
                            platform::mem::frame::write(phys, 0, &[0u8; PAGE as usize]);
                        }
                    }
                    _ => {}
                }
            }
            va += PAGE;
        }
        Ok(all)
    })?;
    // Outside the address-space lock: the punch unmaps the pages from every
    // mapping of the file, this one included.
    for (inode, offset, len) in holes {
        inode.fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len)?;
    }
    if matches!(advice, MADV_DONTNEED | MADV_FREE) {
        mm.shootdown(addr, end);
    }
    if all_mapped {
        Ok(0)
    } else {
        Err(Errno::ENOMEM)
    }
}

/// MADV_POPULATE_READ/WRITE: faults every page of `addr..end` in.
fn populate(mm: &crate::mm::Mm, addr: u64, end: u64, write: bool) -> SysResult {
    let mut va = addr;
    while va < end {
        let prot = mm.with(|m| m.find(va).map(|v| v.prot)).ok_or(Errno::ENOMEM)?;
        // Not writable, and a write is asked or the page is not readable.
        if !prot.write && (write || !prot.read) {
            return Err(Errno::EINVAL);
        }
        match mm.handle_fault(va, write, false) {
            Ok(()) => {}
            Err(FaultError::PastEof) => return Err(Errno::EFAULT),
            Err(FaultError::NoMemory) => return Err(Errno::ENOMEM),
            Err(_) => return Err(Errno::EINVAL),
        }
        va += PAGE;
    }
    Ok(0)
}
