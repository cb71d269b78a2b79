//! msync(2) and mincore(2).
//!
//! msync has nothing to write back: a shared file mapping maps the tmpfs
//! file's own frames, and tmpfs has no backing store (as Linux's shmem). It
//! validates like Linux and succeeds (EBUSY for MS_INVALIDATE over a
//! locked area, as Linux). mincore reports which pages of a
//! mapped range are resident (present in the page tables).

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::mm::{page_up, PAGE};
use crate::uaccess;

const MS_ASYNC: u64 = 1;
const MS_INVALIDATE: u64 = 2;
const MS_SYNC: u64 = 4;

/// Checks that `addr..addr+len` is page-aligned at the start and fully
/// mapped; returns the page-rounded end.
fn mapped_range(call: &Call<'_>, addr: u64, len: u64) -> Result<u64, Errno> {
    if !addr.is_multiple_of(PAGE) {
        return Err(Errno::EINVAL);
    }
    let end = addr.checked_add(page_up(len).ok_or(Errno::ENOMEM)?).ok_or(Errno::ENOMEM)?;
    let mm = call.thread.process.mm().ok_or(Errno::ENOMEM)?;
    mm.with(|m| {
        let mut va = addr;
        while va < end {
            let v = m.find(va).ok_or(Errno::ENOMEM)?;
            va = v.end;
        }
        Ok(end)
    })
}

pub fn msync(call: &Call<'_>, addr: u64, len: u64, flags: u64) -> SysResult {
    if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0 || flags & (MS_ASYNC | MS_SYNC) == (MS_ASYNC | MS_SYNC) {
        return Err(Errno::EINVAL);
    }
    let end = mapped_range(call, addr, len)?;
    // Linux: MS_INVALIDATE cannot drop the pages of a locked area.
    if flags & MS_INVALIDATE != 0 {
        let mm = call.thread.process.mm().ok_or(Errno::ENOMEM)?;
        if mm.with(|m| m.locked_in(addr, end)) > 0 {
            return Err(Errno::EBUSY);
        }
    }
    Ok(0)
}

pub fn mincore(call: &Call<'_>, addr: u64, len: u64, vec: u64) -> SysResult {
    let end = mapped_range(call, addr, len)?;
    let mm = call.thread.process.mm().ok_or(Errno::ENOMEM)?;
    let pages: alloc::vec::Vec<u8> =
        mm.with(|m| (addr..end).step_by(PAGE as usize).map(|va| m.space.query(va).is_some() as u8).collect());
    uaccess::write_bytes(&mm, vec, &pages)?;
    Ok(0)
}
