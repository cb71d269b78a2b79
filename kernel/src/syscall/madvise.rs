//! madvise(2): MADV_DONTNEED / MADV_FREE drop the pages of a private
//! mapping (the next touch sees zeros, or the file again) or of a shared
//! file mapping (the data stays the file's); the other
//! advice values are hints Aramid has no use for yet and accepts, as Linux
//! accepts advice it cannot act on. Unknown advice is EINVAL; a range with
//! unmapped parts is ENOMEM (after acting on the mapped parts, like Linux).

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::mm::{page_up, PAGE};

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
    let (all_mapped, shared_hit) = mm.with(|m| {
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
    if advice == MADV_REMOVE && !shared_hit {
        return Err(Errno::EINVAL);
    }
    if matches!(advice, MADV_DONTNEED | MADV_FREE) && platform::smp::cpus_online() > 1 {
        platform::ipi::tlb_shootdown(addr, end);
    }
    if all_mapped {
        Ok(0)
    } else {
        Err(Errno::ENOMEM)
    }
}
