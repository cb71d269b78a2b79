//! mlock(2), mlock2(2), munlock(2), mlockall(2), munlockall(2): locking
//! areas in memory ([`crate::mm::vma::Lock`]), with Linux's rules:
//!
//! - the range is page-rounded (the start down, the length up by the
//!   start's offset); a wrap is EINVAL, a hole ENOMEM;
//! - locking needs a non-zero RLIMIT_MEMLOCK or CAP_IPC_LOCK (EPERM), and
//!   the locked total must stay within RLIMIT_MEMLOCK unless CAP_IPC_LOCK
//!   (ENOMEM; mlockall(MCL_CURRENT) compares the whole address space);
//! - mlock faults the pages in at once, MLOCK_ONFAULT/MCL_ONFAULT as they
//!   are touched; a page that cannot be brought in makes the call fail as
//!   Linux's __mlock_posix_error_return (EFAULT becomes ENOMEM, ENOMEM
//!   becomes EAGAIN);
//! - MCL_FUTURE locks what is mapped later (mmap, brk); fork's child
//!   inherits neither the locks nor MCL_FUTURE; exec and munmap drop them.

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::mm::vma::Lock;
use crate::mm::{page_down, page_up, FaultError, Mm};
use crate::proc::limits::RLIMIT_MEMLOCK;

const MLOCK_ONFAULT: u32 = 1;
const MCL_CURRENT: u32 = 1;
const MCL_FUTURE: u32 = 2;
const MCL_ONFAULT: u32 = 4;
pub const CAP_IPC_LOCK: u32 = 14;

/// RLIMIT_MEMLOCK's soft value (bytes) and whether the caller has
/// CAP_IPC_LOCK.
fn lock_limit(call: &Call<'_>) -> (u64, bool) {
    let limit = call.thread.process.limits.lock().0[RLIMIT_MEMLOCK].0;
    (limit, call.thread.creds.lock().capable(CAP_IPC_LOCK))
}

/// Linux's can_do_mlock.
fn may_lock(call: &Call<'_>) -> Result<(u64, bool), Errno> {
    let (limit, cap) = lock_limit(call);
    if limit == 0 && !cap {
        return Err(Errno::EPERM);
    }
    Ok((limit, cap))
}

/// The page-rounded range of `addr, len`: None when empty.
fn range(addr: u64, len: u64) -> Result<Option<(u64, u64)>, Errno> {
    let start = page_down(addr);
    let len = len.checked_add(addr - start).and_then(page_up).ok_or(Errno::EINVAL)?;
    let end = start.checked_add(len).ok_or(Errno::EINVAL)?;
    Ok((len != 0).then_some((start, end)))
}

/// What a failed populate makes of the call.
fn populate_error(e: FaultError) -> Errno {
    match e {
        FaultError::NoMemory | FaultError::NoSpace => Errno::EAGAIN,
        _ => Errno::ENOMEM,
    }
}

fn populate(mm: &Mm, start: u64, end: u64) -> Result<(), Errno> {
    mm.populate_locked(start, end).map_err(populate_error)
}

pub fn mlock(call: &Call<'_>, addr: u64, len: u64) -> SysResult {
    mlock2(call, addr, len, 0)
}

pub fn mlock2(call: &Call<'_>, addr: u64, len: u64, flags: u32) -> SysResult {
    if flags & !MLOCK_ONFAULT != 0 {
        return Err(Errno::EINVAL);
    }
    let (limit, cap) = may_lock(call)?;
    let Some((start, end)) = range(addr, len)? else { return Ok(0) };
    let lock = if flags & MLOCK_ONFAULT != 0 { Lock::OnFault } else { Lock::Locked };
    let mm = call.thread.process.mm().ok_or(Errno::ENOMEM)?;
    mm.with(|m| {
        // What is locked already in the range does not count twice.
        let locked = (m.locked_bytes() - m.locked_in(start, end)).saturating_add(end - start);
        if locked > limit && !cap {
            return Err(Errno::ENOMEM);
        }
        m.set_lock(start, end, lock)
    })?;
    populate(&mm, start, end)?;
    Ok(0)
}

pub fn munlock(call: &Call<'_>, addr: u64, len: u64) -> SysResult {
    let Some((start, end)) = range(addr, len)? else { return Ok(0) };
    let mm = call.thread.process.mm().ok_or(Errno::ENOMEM)?;
    mm.with(|m| m.set_lock(start, end, Lock::None))?;
    Ok(0)
}

pub fn mlockall(call: &Call<'_>, flags: u32) -> SysResult {
    if flags == 0 || flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || flags == MCL_ONFAULT {
        return Err(Errno::EINVAL);
    }
    let (limit, cap) = may_lock(call)?;
    let lock = if flags & MCL_ONFAULT != 0 { Lock::OnFault } else { Lock::Locked };
    let mm = call.thread.process.mm().ok_or(Errno::ENOMEM)?;
    mm.with(|m| {
        if flags & MCL_CURRENT != 0 && m.total_bytes() > limit && !cap {
            return Err(Errno::ENOMEM);
        }
        // Linux's apply_mlockall_flags: MCL_FUTURE is replaced, not added to.
        m.lock_future = if flags & MCL_FUTURE != 0 { lock } else { Lock::None };
        if flags & MCL_CURRENT != 0 {
            let areas: alloc::vec::Vec<u64> = m.vmas.keys().copied().collect();
            for s in areas {
                if let Some(v) = m.vmas.get_mut(&s) {
                    v.lock = lock;
                }
            }
            m.merge(0, u64::MAX);
        }
        Ok(())
    })?;
    if flags & MCL_CURRENT != 0 {
        // As Linux's mm_populate after mlockall, failures are ignored.
        let _ = mm.populate_locked(0, platform::user::USER_END);
    }
    Ok(0)
}

pub fn munlockall(call: &Call<'_>) -> SysResult {
    let mm = call.thread.process.mm().ok_or(Errno::ENOMEM)?;
    mm.with(|m| {
        m.lock_future = Lock::None;
        for v in m.vmas.values_mut() {
            v.lock = Lock::None;
        }
        m.merge(0, u64::MAX);
    });
    Ok(0)
}

/// Whether an area locked from its creation (MAP_LOCKED, or MCL_FUTURE)
/// of `len` bytes fits RLIMIT_MEMLOCK (Linux's mlock_future_ok: EAGAIN).
pub fn may_lock_more(call: &Call<'_>, locked_now: u64, len: u64) -> Result<(), Errno> {
    let (limit, cap) = lock_limit(call);
    if locked_now.saturating_add(len) > limit && !cap {
        return Err(Errno::EAGAIN);
    }
    Ok(())
}

/// Populates the locked areas of a new mapping `start..end` (mmap, brk);
/// best effort, as Linux's mm_populate there.
pub fn populate_new(mm: &Mm, start: u64, end: u64) {
    let _ = mm.populate_locked(start, end);
}
