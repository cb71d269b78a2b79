//! mremap(2): grow, shrink or move a mapping, keeping its contents.
//!
//! Shrinking unmaps the tail. Growing extends the area in place when the
//! pages after it are free; otherwise, with MREMAP_MAYMOVE, the area and
//! its present pages (the same frames: nothing is copied) move to a free
//! range, or to `new_addr` with MREMAP_FIXED. MREMAP_DONTUNMAP leaves the
//! old range mapped but empty. The old range must lie in one area (EFAULT
//! otherwise, as Linux). An old length of 0 duplicates a shared file
//! mapping (a second area on the same file pages). Shared anonymous memory
//! grows its mapping but not its object: the added pages are SIGBUS, as on
//! Linux. A locked area stays locked: its growth must fit RLIMIT_MEMLOCK
//! (EAGAIN) and is faulted in; MREMAP_DONTUNMAP's old range is unlocked.

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::mm::vma::{Kind, Vma};
use crate::mm::{page_up, MMAP_MIN, PAGE};

const MREMAP_MAYMOVE: u64 = 1;
const MREMAP_FIXED: u64 = 2;
const MREMAP_DONTUNMAP: u64 = 4;

pub fn mremap(call: &Call<'_>, old: u64, old_len: u64, new_len: u64, flags: u64, new_addr: u64) -> SysResult {
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 || !old.is_multiple_of(PAGE) {
        return Err(Errno::EINVAL);
    }
    if flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0 {
        return Err(Errno::EINVAL);
    }
    if flags & MREMAP_DONTUNMAP != 0 && (flags & MREMAP_MAYMOVE == 0 || old_len != new_len) {
        return Err(Errno::EINVAL);
    }
    let old_len = page_up(old_len).ok_or(Errno::EINVAL)?;
    let new_len = page_up(new_len).ok_or(Errno::EINVAL)?;
    if new_len == 0 {
        return Err(Errno::EINVAL);
    }
    let user_end = platform::user::USER_END;
    let old_end = old.checked_add(old_len).filter(|e| *e <= user_end).ok_or(Errno::EINVAL)?;
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let limits = crate::mm::MapLimits::of(&call.thread.process);
    let r = mm.with(|m| -> SysResult {
        let vma = m.find(old).cloned().ok_or(Errno::EFAULT)?;
        if new_len > old_len && !m.may_expand(limits, new_len - old_len, vma.is_data()) {
            return Err(Errno::ENOMEM);
        }
        // A locked area that grows must fit RLIMIT_MEMLOCK (EAGAIN).
        if new_len > old_len && vma.lock.is_locked() {
            super::mlock::may_lock_more(call, m.locked_bytes(), new_len - old_len)?;
        }
        if old_len == 0 {
            // Duplicating a shared mapping is the only use of old_len 0:
            // a new area on the same file pages (shared anonymous memory
            // has no file to share through here: EINVAL, as private).
            let Some((file, offset)) = vma.file_offset(old).filter(|_| vma.shared) else {
                return Err(Errno::EINVAL);
            };
            if flags & MREMAP_MAYMOVE == 0 {
                return Err(Errno::ENOMEM);
            }
            let dest = if flags & MREMAP_FIXED != 0 {
                if !new_addr.is_multiple_of(PAGE) || new_addr < MMAP_MIN {
                    return Err(Errno::EINVAL);
                }
                let dest_end = new_addr.checked_add(new_len).filter(|e| *e <= user_end).ok_or(Errno::EINVAL)?;
                m.remove(new_addr, dest_end);
                new_addr
            } else {
                m.find_free(new_len).ok_or(Errno::ENOMEM)?
            };
            let may_write = !matches!(vma.kind, Kind::Pages { may_write: false, .. });
            let kind = Kind::Pages { file: file.clone(), offset, may_write };
            m.insert(Vma { start: dest, end: dest + new_len, kind, ..vma.clone() });
            return Ok(dest);
        }
        if old_end > vma.end {
            return Err(Errno::EFAULT);
        }
        let fixed = flags & MREMAP_FIXED != 0;
        if !fixed && flags & MREMAP_DONTUNMAP == 0 {
            if new_len <= old_len {
                m.remove(old + new_len, old_end);
                return Ok(old);
            }
            // Grow in place if the area ends with the range and the rest is free.
            let grown = old.checked_add(new_len).filter(|e| *e <= user_end);
            if let Some(new_end) = grown {
                if old_end == vma.end && !m.overlaps(old_end, new_end) {
                    match vma.past_object(old_end, new_end) {
                        Some(past) => m.insert(past),
                        None => {
                            if let Some(v) = m.vmas.get_mut(&vma.start) {
                                v.end = new_end;
                            }
                        }
                    }
                    return Ok(old);
                }
            }
            if flags & MREMAP_MAYMOVE == 0 {
                return Err(Errno::ENOMEM);
            }
        }
        // Move.
        let dest = if fixed {
            if !new_addr.is_multiple_of(PAGE) || new_addr < MMAP_MIN {
                return Err(Errno::EINVAL);
            }
            let dest_end = new_addr.checked_add(new_len).filter(|e| *e <= user_end).ok_or(Errno::EINVAL)?;
            if new_addr < old_end && old < dest_end {
                return Err(Errno::EINVAL);
            }
            m.remove(new_addr, dest_end);
            new_addr
        } else {
            m.find_free(new_len).ok_or(Errno::ENOMEM)?
        };
        let keep = old_len.min(new_len);
        let mut moved = vma.slice(old, old + keep);
        let shift = |a: u64| a - old + dest;
        moved.start = dest;
        moved.end = dest + new_len;
        let past = vma.past_object(dest + keep, dest + new_len).filter(|_| new_len > keep);
        if past.is_some() {
            moved.end = dest + keep;
        }
        if let Kind::File { file_end, .. } = &mut moved.kind {
            // A mapping that is file all the way keeps being the file as
            // it grows (Linux keeps vm_pgoff); one with a zero tail (an ELF
            // bss) keeps the tail where it was.
            *file_end = if *file_end >= vma.end { u64::MAX } else { shift((*file_end).clamp(old, old + keep)) };
        }
        for off in (0..keep).step_by(PAGE as usize) {
            if let Some((phys, prot)) = m.space.query(old + off) {
                m.space.unmap(old + off);
                if m.space.map(dest + off, phys, prot).is_err() {
                    crate::mm::frames::put(phys);
                    return Err(Errno::ENOMEM);
                }
            }
        }
        if flags & MREMAP_DONTUNMAP != 0 {
            // The old range stays, now empty (anonymous pages read as
            // zero) and unlocked: the lock moved with the pages.
            m.update(old, old_end, |v| v.lock = crate::mm::vma::Lock::None);
        } else {
            m.remove(old, old_end);
        }
        m.insert(moved);
        if let Some(past) = past {
            m.insert(past);
        }
        Ok(dest)
    });
    mm.shootdown(0, user_end);
    // The part a locked area gained is faulted in (best effort, as Linux).
    if let Ok(dest) = r {
        if new_len > old_len {
            let _ = mm.populate_locked(dest + old_len, dest + new_len);
        }
    }
    r
}
