//! remap_file_pages(2), deprecated since Linux 3.16 and emulated there
//! with mmap: the range (page-rounded down) of one shared file mapping
//! (or of contiguous ones with the same file and rights) is mapped again
//! with MAP_SHARED | MAP_FIXED | MAP_POPULATE from file page `pgoff`,
//! keeping its rights and its lock. `prot` must be 0, a wrapping range or
//! page offset, a private or missing mapping is EINVAL, as Linux.
//! Aramid's shared anonymous memory has no file object behind it, so it
//! is EINVAL too (Linux remaps the shmem file there).

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::mm::vma::{Kind, Vma};
use crate::mm::PAGE;

pub fn remap_file_pages(call: &Call<'_>, start: u64, size: u64, prot: u64, pgoff: u64, _flags: u64) -> SysResult {
    if prot != 0 {
        return Err(Errno::EINVAL);
    }
    let start = start & !(PAGE - 1);
    let size = size & !(PAGE - 1);
    let end = start.checked_add(size).filter(|e| *e > start).ok_or(Errno::EINVAL)?;
    pgoff.checked_add(size / PAGE).ok_or(Errno::EINVAL)?;
    let offset = pgoff.checked_mul(PAGE).ok_or(Errno::EINVAL)?;
    let mm = call.thread.process.mm().ok_or(Errno::EINVAL)?;
    mm.with(|m| -> Result<(), Errno> {
        let first = m.find(start).ok_or(Errno::EINVAL)?.clone();
        let Kind::Pages { file, may_write, .. } = &first.kind else { return Err(Errno::EINVAL) };
        if !first.shared {
            return Err(Errno::EINVAL);
        }
        // The range may span areas of the same file with the same rights.
        let mut cur = first.end;
        while cur < end {
            let next = m.find(cur).ok_or(Errno::EINVAL)?;
            let same = matches!(&next.kind, Kind::Pages { file: f, .. } if f.id == file.id);
            if !same || next.prot != first.prot || !next.shared || next.lock != first.lock {
                return Err(Errno::EINVAL);
            }
            cur = next.end;
        }
        m.may_split(start, end)?;
        let kind = Kind::Pages { file: file.clone(), offset, may_write: *may_write };
        let vma = Vma { start, end, kind, ..first.slice(start, end) };
        m.remove(start, end);
        m.insert(vma);
        Ok(())
    })?;
    mm.shootdown(start, end);
    // MAP_POPULATE: best effort, read faults (a shared area needs no copy).
    let mut va = start;
    while va < end {
        let _ = mm.handle_fault(va, false, false);
        va += PAGE;
    }
    Ok(0)
}
