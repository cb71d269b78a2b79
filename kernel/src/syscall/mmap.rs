//! mmap(2), munmap(2), mprotect(2).
//!
//! Anonymous mappings, private or shared, and file mappings, private or
//! shared, with Linux's flag rules (MAP_FIXED replaces, MAP_FIXED_NOREPLACE
//! fails with EEXIST, a hint is used when free, MAP_POPULATE pre-faults,
//! MAP_32BIT allocates below 2 GiB, RLIMIT_AS and RLIMIT_DATA bound growth).
//! What backs a file mapping is the file's own answer
//! ([`crate::file::FileOps::mmap`]): a tmpfs file maps through its own
//! frames (`mm::filemap`), so shared mappings and read/write see the same
//! bytes and private ones copy on write; /dev/zero maps as anonymous
//! memory; a tty, pipe or directory is ENODEV as on Linux.
//! A shared mapping needs a readable fd, and a writable one for PROT_WRITE
//! (EACCES); a shared mapping of a read-only fd never becomes writable.
//! Private writable memory is committed under vm.overcommit_memory
//! ([`crate::mm::overcommit`]); vm.max_map_count bounds the number of
//! areas (ENOMEM, also for mprotect and munmap splits); MAP_LOCKED and
//! mlockall(MCL_FUTURE) lock the new area ([`super::mlock`]).

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::ops::MapRequest;
use crate::mm::vma::{Kind, Prot, Vma};
use crate::mm::{page_up, MapLimits, MMAP_MIN, PAGE};

const MAP_SHARED: u64 = 0x01;
const MAP_PRIVATE: u64 = 0x02;
const MAP_SHARED_VALIDATE: u64 = 0x03;
const MAP_TYPE: u64 = 0x0f;
const MAP_FIXED: u64 = 0x10;
const MAP_ANONYMOUS: u64 = 0x20;
const MAP_32BIT: u64 = 0x40;
const MAP_GROWSDOWN: u64 = 0x100;
const MAP_LOCKED: u64 = 0x2000;
const MAP_NORESERVE: u64 = 0x4000;
const MAP_POPULATE: u64 = 0x8000;
const MAP_FIXED_NOREPLACE: u64 = 0x10_0000;
/// Flags MAP_SHARED_VALIDATE accepts (Linux's LEGACY_MAP_MASK plus the
/// validated ones it knows).
const KNOWN: u64 = 0x0f | 0x10 | 0x20 | 0x40 | 0x100 | 0x800 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x1_0000 | 0x2_0000 | 0x4_0000 | 0x10_0000;

const PROT_MASK: u64 = 0x7;
const PROT_GROWSDOWN: u64 = 0x0100_0000;
const PROT_GROWSUP: u64 = 0x0200_0000;

pub fn mmap(call: &Call<'_>, addr: u64, len: u64, prot: u64, flags: u64, fd: i32, offset: u64) -> SysResult {
    if len == 0 || !offset.is_multiple_of(PAGE) {
        return Err(Errno::EINVAL);
    }
    match flags & MAP_TYPE {
        MAP_SHARED | MAP_PRIVATE => {}
        MAP_SHARED_VALIDATE if flags & !KNOWN == 0 => {}
        MAP_SHARED_VALIDATE => return Err(Errno::EOPNOTSUPP),
        _ => return Err(Errno::EINVAL),
    }
    // mmap, unlike mprotect, ignores unknown PROT bits.
    let prot = prot & PROT_MASK;
    let len = page_up(len).ok_or(Errno::ENOMEM)?;
    let shared = flags & MAP_TYPE != MAP_PRIVATE;
    // What backs the mapping: anonymous memory or a file.
    let mut kind = Kind::Anon;
    if flags & MAP_ANONYMOUS == 0 {
        let file = call.thread.process.files().lock().get(fd as u32 as u64)?;
        // As Linux's do_mmap, the access checks come before asking whether
        // the file can be mapped at all (ENODEV).
        if !file.readable() || (shared && prot & 2 != 0 && !file.writable()) {
            return Err(Errno::EACCES);
        }
        kind = file.ops().mmap(&file, &MapRequest { offset, shared, prot_write: prot & 2 != 0, prot_exec: prot & 4 != 0 })?;
    }
    let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
    if fixed && !addr.is_multiple_of(PAGE) {
        return Err(Errno::EINVAL);
    }
    // MAP_LOCKED needs what mlock needs (Linux's can_do_mlock).
    if flags & MAP_LOCKED != 0 && call.thread.process.limits.lock().0[crate::proc::limits::RLIMIT_MEMLOCK].0 == 0 && !call.thread.creds.lock().capable(super::mlock::CAP_IPC_LOCK) {
        return Err(Errno::EPERM);
    }
    // Private writable memory is committed (vm.overcommit_memory).
    if prot & 2 != 0 && !shared {
        crate::mm::overcommit::may_commit(len, flags & MAP_NORESERVE != 0)?;
    }
    let mm = call.thread.process.mm().ok_or(Errno::ENOMEM)?;
    let limits = MapLimits::of(&call.thread.process);
    let data = prot & 2 != 0 && !shared && flags & MAP_GROWSDOWN == 0;
    let start = mm.with(|m| -> Result<u64, Errno> {
        // Linux's do_mmap: ENOMEM once vm.max_map_count is passed.
        if m.map_count() > crate::procfs::sys::MAX_MAP_COUNT.get().max(0) as usize {
            return Err(Errno::ENOMEM);
        }
        // An area locked from the start must fit RLIMIT_MEMLOCK (EAGAIN).
        if flags & MAP_LOCKED != 0 || m.lock_future.is_locked() {
            super::mlock::may_lock_more(call, m.locked_bytes(), len)?;
        }
        let fits = |a: u64| a >= MMAP_MIN && a.checked_add(len).is_some_and(|e| e <= platform::user::USER_END);
        let start = if fixed {
            if !fits(addr) {
                return Err(if addr < MMAP_MIN { Errno::EPERM } else { Errno::ENOMEM });
            }
            // Pages a MAP_FIXED mapping replaces are not growth.
            let (replaced, _) = m.mapped_in(addr, addr + len);
            if !m.may_expand(limits, len - replaced, data) {
                return Err(Errno::ENOMEM);
            }
            if m.overlaps(addr, addr + len) {
                if flags & MAP_FIXED_NOREPLACE != 0 && flags & MAP_FIXED == 0 {
                    return Err(Errno::EEXIST);
                }
                m.remove(addr, addr + len);
            }
            addr
        } else {
            if !m.may_expand(limits, len, data) {
                return Err(Errno::ENOMEM);
            }
            let hint = addr & !(PAGE - 1);
            if flags & MAP_32BIT != 0 {
                // Below 2 GiB, bottom-up, hint ignored (x86-64 Linux).
                m.find_free_in(0x4000_0000, 0x8000_0000, len).ok_or(Errno::ENOMEM)?
            } else if hint != 0 && fits(hint) && !m.overlaps(hint, hint + len) {
                hint
            } else {
                m.find_free(len).ok_or(Errno::ENOMEM)?
            }
        };
        let mut vma = Vma::anon(start, start + len, Prot::from_bits(prot));
        vma.kind = kind.clone();
        // A shared mapping of a file without shareable pages (read-only)
        // behaves like a private one.
        vma.shared = shared && matches!(kind, Kind::Anon | Kind::Pages { .. });
        vma.grows_down = flags & MAP_GROWSDOWN != 0;
        if flags & MAP_LOCKED != 0 {
            vma.lock = crate::mm::vma::Lock::Locked;
        }
        m.insert(vma);
        Ok(start)
    })?;
    if let Kind::Pages { file, .. } = &kind {
        crate::mm::filemap::register(file.id, &mm);
    }
    if flags & MAP_POPULATE != 0 {
        let mut va = start;
        while va < start + len {
            // Populating is best effort, as on Linux.
            let _ = mm.handle_fault(va, prot & 2 != 0, false);
            va += PAGE;
        }
    }
    if fixed {
        mm.shootdown(start, start + len);
    }
    super::mlock::populate_new(&mm, start, start + len);
    Ok(start)
}

pub fn munmap(call: &Call<'_>, addr: u64, len: u64) -> SysResult {
    if !addr.is_multiple_of(PAGE) || len == 0 {
        return Err(Errno::EINVAL);
    }
    let len = page_up(len).ok_or(Errno::EINVAL)?;
    let end = addr.checked_add(len).filter(|e| *e <= platform::user::USER_END).ok_or(Errno::EINVAL)?;
    let mm = call.thread.process.mm().ok_or(Errno::EINVAL)?;
    mm.with(|m| {
        // Punching a hole in one area makes one more (vm.max_map_count).
        let max = crate::procfs::sys::MAX_MAP_COUNT.get().max(0) as usize;
        if m.splits_for(addr, end) == 2 && m.find(addr).is_some_and(|v| v.end > end) && m.map_count() >= max {
            return Err(Errno::ENOMEM);
        }
        m.remove(addr, end);
        Ok(())
    })?;
    mm.shootdown(addr, end);
    Ok(0)
}

pub fn mprotect(call: &Call<'_>, addr: u64, len: u64, prot: u64) -> SysResult {
    if !addr.is_multiple_of(PAGE) || prot & !(PROT_MASK | PROT_GROWSDOWN | PROT_GROWSUP) != 0 {
        return Err(Errno::EINVAL);
    }
    if prot & PROT_GROWSDOWN != 0 && prot & PROT_GROWSUP != 0 {
        return Err(Errno::EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    let len = page_up(len).ok_or(Errno::ENOMEM)?;
    let end = addr.checked_add(len).filter(|e| *e <= platform::user::USER_END).ok_or(Errno::ENOMEM)?;
    let mm = call.thread.process.mm().ok_or(Errno::ENOMEM)?;
    let limits = MapLimits::of(&call.thread.process);
    mm.with(|m| {
        let prot = Prot::from_bits(prot & PROT_MASK);
        if prot.write {
            // Memory turning into data must fit RLIMIT_DATA.
            let (all, data) = m.mapped_in(addr, end);
            let shared_or_stack: u64 = m
                .areas_in(addr, end)
                .filter(|v| v.shared || v.grows_down)
                .map(|v| v.end.min(end) - v.start.max(addr))
                .sum();
            let becoming = all - data - shared_or_stack;
            if becoming > 0 && !m.may_expand(MapLimits { address_space: u64::MAX, ..limits }, becoming, true) {
                return Err(Errno::ENOMEM);
            }
            // Memory turning into private writable memory is committed.
            crate::mm::overcommit::may_commit(becoming, false)?;
        }
        m.protect(addr, end, prot)
    })?;
    mm.shootdown(addr, end);
    Ok(0)
}
