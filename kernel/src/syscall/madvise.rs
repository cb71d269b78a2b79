//! madvise(2): MADV_DONTNEED / MADV_FREE drop the pages of a private
//! mapping (the next touch sees zeros, or the file again) or of a shared
//! file mapping (the data stays the file's); MADV_REMOVE punches a hole in
//! the file under a shared file mapping; the other
//! advice values are hints Aramid has no use for yet and accepts, as Linux
//! accepts advice it cannot act on. Unknown advice is EINVAL; a range with
//! unmapped parts is ENOMEM (after acting on the mapped parts, like Linux).

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::mm::{page_up, PAGE};
use fs::inode::{FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE};

const MADV_DONTNEED: u64 = 4;
const MADV_FREE: u64 = 8;
const MADV_REMOVE: u64 = 9;

pub fn madvise(call: &Call<'_>, addr: u64, len: u64, advice: u64) -> SysResult {
    if !addr.is_multiple_of(PAGE) {
        return Err(Errno::EINVAL);
    }
    if !matches!(advice, 0..=4 | 8..=23 | 25 | 100 | 101) {
        return Err(Errno::EINVAL);
    }
    let len = page_up(len).ok_or(Errno::EINVAL)?;
    if len == 0 {
        return Ok(0);
    }
    let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
    let mm = call.thread.process.mm().ok_or(Errno::ENOMEM)?;
    if advice == MADV_REMOVE {
        return remove(&mm, addr, end);
    }
    let (all_mapped, _) = mm.with(|m| {
        let mut va = addr;
        let mut all = true;
        let mut shared = false;
        while va < end {
            match m.find(va) {
                Some(v) => {
                    shared |= v.shared;
                    // A shared file page stays the file's: dropping it
                    // from the page tables loses nothing (the next touch
                    // maps it again). Shared anonymous pages have no other
                    // home, so they stay.
                    let droppable = !v.shared || v.file_offset(va).is_some();
                    if matches!(advice, MADV_DONTNEED | MADV_FREE) && droppable {
                        if let Some(phys) = m.space.unmap(va) {
                            crate::mm::frames::put(phys);
                        }
                    }
                }
                None => all = false,
            }
            va += PAGE;
        }
        (all, shared)
    });
    if matches!(advice, MADV_DONTNEED | MADV_FREE) && platform::smp::cpus_online() > 1 {
        platform::ipi::tlb_shootdown(addr, end);
    }
    if all_mapped {
        Ok(0)
    } else {
        Err(Errno::ENOMEM)
    }
}

/// MADV_REMOVE: punches a hole in the file under each shared file mapping
/// of the range (its pages read as zeros everywhere after), as Linux's
/// `vfs_fallocate(PUNCH_HOLE | KEEP_SIZE)`. A private file mapping or one
/// of a file not open for writing is EACCES; anonymous memory EINVAL
/// (shared anonymous memory, which Linux backs with a shmem file, keeps
/// its contents here).
fn remove(mm: &crate::mm::Mm, addr: u64, end: u64) -> SysResult {
    let mut holes = alloc::vec::Vec::new();
    let all_mapped = mm.with(|m| -> Result<bool, Errno> {
        let mut va = addr;
        let mut all = true;
        while va < end {
            let Some(v) = m.find(va) else {
                all = false;
                va += PAGE;
                continue;
            };
            let to = v.end.min(end);
            match v.file_offset(va) {
                Some((file, offset)) if v.shared && v.may_write() => holes.push((file.inode.clone(), offset, to - va)),
                Some(_) => return Err(Errno::EACCES),
                None if v.shared => {}
                None => return Err(Errno::EINVAL),
            }
            va = to;
        }
        Ok(all)
    })?;
    // Outside the address-space lock: the punch unmaps the pages from
    // every mapping of the file, this one included.
    for (inode, offset, len) in holes {
        inode.fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len)?;
    }
    if all_mapped {
        Ok(0)
    } else {
        Err(Errno::ENOMEM)
    }
}
