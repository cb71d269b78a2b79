//! pkey_alloc(2), pkey_free(2), pkey_mprotect(2) as x86-64 Linux answers
//! them on a CPU without protection keys (QEMU's TCG CPU models have no
//! PKU/OSPKE): only key 0, the default every page has, exists and is
//! allocated from the start. pkey_alloc validates its arguments (EINVAL)
//! and then finds no free key (ENOSPC) — unless key 0 was freed, when
//! Linux takes it and fails to program it (EINVAL). pkey_free frees key
//! 0 (allowed, as in Linux) and refuses every other key (EINVAL).
//! pkey_mprotect with key -1 or an allocated key is mprotect.

use core::sync::atomic::Ordering;

use super::Call;
use crate::errno::{Errno, SysResult};

const PKEY_ACCESS_MASK: u32 = 0x3;

/// Whether key 0 is still allocated (bit 0 of Linux's
/// mm->context.pkey_allocation_map): per address space.
fn key0_allocated(call: &Call<'_>) -> bool {
    call.thread.process.mm().is_some_and(|mm| !mm.pkey0_freed.load(Ordering::Relaxed))
}

pub fn pkey_alloc(call: &Call<'_>, flags: u64, init_val: u64) -> SysResult {
    if flags != 0 || init_val & !(PKEY_ACCESS_MASK as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    if key0_allocated(call) {
        return Err(Errno::ENOSPC);
    }
    Err(Errno::EINVAL)
}

pub fn pkey_free(call: &Call<'_>, pkey: i32) -> SysResult {
    if pkey != 0 || !key0_allocated(call) {
        return Err(Errno::EINVAL);
    }
    if let Some(mm) = call.thread.process.mm() {
        mm.pkey0_freed.store(true, Ordering::Relaxed);
    }
    Ok(0)
}

pub fn pkey_mprotect(call: &Call<'_>, addr: u64, len: u64, prot: u64, pkey: i32) -> SysResult {
    let valid = pkey == -1 || (pkey == 0 && key0_allocated(call));
    if !valid {
        // mprotect's own answers that come before the key check.
        if !addr.is_multiple_of(crate::mm::PAGE) {
            return Err(Errno::EINVAL);
        }
        if len == 0 {
            return Ok(0);
        }
        let end = crate::mm::page_up(len).and_then(|l| addr.checked_add(l));
        if end.is_none() {
            return Err(Errno::ENOMEM);
        }
        return Err(Errno::EINVAL);
    }
    super::mmap::mprotect(call, addr, len, prot)
}
