//! A process's memory: its areas ([`vma`]), its page tables, demand paging
//! and copy-on-write.
//!
//! Pages are mapped lazily: [`Mm::handle_fault`] maps a page the first time
//! it is touched (zeroed, filled from a copied image, or a file's own frame:
//! [`filemap`]), and breaks copy-on-write sharing on the first write after
//! fork or to a private file page. A protection fault
//! on a present page never re-reads the page: it only updates the PTE (or
//! copies, when the frame is shared). Frames are owned through
//! [`frames`]; everything is returned when the `Mm` is dropped. Fork copies
//! each area as its [`vma::OnFork`] says (madvise's DONTFORK, WIPEONFORK).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

use platform::mem::frame;
use platform::user::addrspace::AddressSpace;

use crate::errno::Errno;

pub mod filemap;
pub mod frames;
pub mod oom;
pub mod vma;

use vma::{Prot, Vma};

pub const PAGE: u64 = 4096;
/// Where the initial stack ends (like Linux's randomization-free layout).
pub const STACK_TOP: u64 = 0x7fff_ffff_f000;
pub const STACK_SIZE: u64 = 8 << 20;
/// mmap without a hint allocates downwards from here.
pub const MMAP_BASE: u64 = 0x7fff_f7ff_f000;
/// The gap a growing stack keeps above an accessible area below it
/// (Linux's stack_guard_gap, 256 pages).
pub const STACK_GUARD_GAP: u64 = 256 * PAGE;
/// Lowest address mmap hands out (Linux's vm.mmap_min_addr).
pub const MMAP_MIN: u64 = 0x1_0000;

/// Why a fault could not be resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultError {
    /// No area there (SIGSEGV, SEGV_MAPERR).
    Unmapped,
    /// The area forbids this access (SIGSEGV, SEGV_ACCERR).
    Protection,
    /// Out of memory (SIGBUS / the OOM path).
    NoMemory,
    /// A file page past the end of the file (SIGBUS, BUS_ADRERR).
    PastEof,
    /// The file has no room for the page (tmpfs `size=`; SIGBUS, as
    /// Linux's shmem fault answers ENOSPC).
    NoSpace,
}

/// The rlimits that bound an address space (RLIMIT_AS, RLIMIT_DATA).
#[derive(Clone, Copy, Debug)]
pub struct MapLimits {
    pub address_space: u64,
    pub data: u64,
}

impl MapLimits {
    pub fn of(p: &crate::proc::Process) -> MapLimits {
        let l = p.limits.lock().0;
        MapLimits { address_space: l[crate::proc::limits::RLIMIT_AS].0, data: l[crate::proc::limits::RLIMIT_DATA].0 }
    }
}

pub struct MmInner {
    pub space: AddressSpace,
    pub vmas: BTreeMap<u64, Vma>,
    pub brk_start: u64,
    pub brk: u64,
    /// The executable this address space runs (Linux's mm->exe_file): it
    /// cannot be opened for writing meanwhile (ETXTBSY).
    pub exe: Option<fs::deny_write::Executing>,
    /// Where the executable was found (/proc/PID/exe).
    pub exe_path: Option<fs::inode::Jump>,
    /// Linux's arg_start, arg_end, env_start, env_end: where the argument
    /// and environment strings lie on the initial stack
    /// (/proc/PID/cmdline and environ read them from there).
    pub args: [u64; 4],
}

/// A process's address space.
pub struct Mm {
    inner: spin::Mutex<MmInner>,
    /// The page tables' root (what CR3 holds while they are loaded): which
    /// CPUs a TLB shootdown of this space must reach.
    root: u64,
}

pub fn page_down(a: u64) -> u64 {
    a & !(PAGE - 1)
}

pub fn page_up(a: u64) -> Option<u64> {
    a.checked_add(PAGE - 1).map(|x| x & !(PAGE - 1))
}

impl MmInner {
    /// The area containing `addr`.
    pub fn find(&self, addr: u64) -> Option<&Vma> {
        self.vmas.range(..=addr).next_back().map(|(_, v)| v).filter(|v| addr < v.end)
    }

    /// Whether any area overlaps `start..end`.
    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        self.vmas.range(..end).next_back().is_some_and(|(_, v)| v.end > start)
    }

    /// Takes the parts of the areas inside `start..end` out of the map,
    /// leaving the parts outside (split off, with their file offsets kept)
    /// in place.
    fn split_out(&mut self, start: u64, end: u64) -> Vec<Vma> {
        let hit: Vec<u64> = self.vmas.range(..end).filter(|(_, v)| v.end > start).map(|(k, _)| *k).collect();
        let mut inside = Vec::with_capacity(hit.len());
        for k in hit {
            let Some(v) = self.vmas.remove(&k) else { continue };
            if v.start < start {
                let left = v.slice(v.start, start);
                self.vmas.insert(left.start, left);
            }
            if v.end > end {
                let right = v.slice(end, v.end);
                self.vmas.insert(right.start, right);
            }
            inside.push(v.slice(start, end));
        }
        inside
    }

    /// Removes `start..end` from the areas (splitting those that straddle
    /// it) and unmaps and releases its pages.
    pub fn remove(&mut self, start: u64, end: u64) {
        for v in self.split_out(start, end) {
            let mut va = v.start;
            while let Some(at) = self.space.next_mapped(va, v.end) {
                if let Some(phys) = self.space.unmap(at) {
                    frames::put(phys);
                }
                va = at + PAGE;
            }
        }
    }

    /// Applies `f` to the parts of the areas inside `start..end`, splitting
    /// those that straddle it (for attributes that are not in the page
    /// tables, such as what fork does with an area).
    pub fn update(&mut self, start: u64, end: u64, f: impl Fn(&mut Vma)) {
        for mut v in self.split_out(start, end) {
            f(&mut v);
            self.vmas.insert(v.start, v);
        }
    }

    /// Bytes mapped in `start..end`: all of them, and those that are data.
    pub fn mapped_in(&self, start: u64, end: u64) -> (u64, u64) {
        let (mut all, mut data) = (0, 0);
        for v in self.vmas.range(..end).map(|(_, v)| v).filter(|v| v.end > start) {
            let n = v.end.min(end) - v.start.max(start);
            all += n;
            if v.is_data() {
                data += n;
            }
        }
        (all, data)
    }

    /// Linux's may_expand_vm: whether `len` more bytes (of data, if
    /// `data`) fit in RLIMIT_AS and RLIMIT_DATA (`limits`, in bytes).
    pub fn may_expand(&self, limits: MapLimits, len: u64, data: bool) -> bool {
        let (all, data_now) = self.mapped_in(0, u64::MAX);
        if all.saturating_add(len) > limits.address_space {
            return false;
        }
        !data || data_now.saturating_add(len) <= limits.data
    }

    /// Inserts an area (the range must be free).
    pub fn insert(&mut self, vma: Vma) {
        self.vmas.insert(vma.start, vma);
    }

    /// Finds a free range of `len` bytes, top-down below `MMAP_BASE`.
    pub fn find_free(&self, len: u64) -> Option<u64> {
        let mut top = MMAP_BASE;
        for (_, v) in self.vmas.range(..MMAP_BASE).rev() {
            if v.end <= top && top - v.end >= len {
                return Some(top - len);
            }
            top = top.min(v.start);
        }
        (top >= MMAP_MIN + len).then(|| top - len)
    }

    /// Finds a free range of `len` bytes bottom-up in `lo..hi` (MAP_32BIT:
    /// Linux's legacy window 0x4000_0000..0x8000_0000).
    pub fn find_free_in(&self, lo: u64, hi: u64, len: u64) -> Option<u64> {
        let mut at = lo;
        for v in self.vmas.range(..hi).map(|(_, v)| v).filter(|v| v.end > lo) {
            if v.start >= at && v.start - at >= len {
                break;
            }
            at = at.max(v.end);
        }
        (at.checked_add(len)? <= hi).then_some(at)
    }

    /// Changes the rights of `start..end` (which must be fully mapped),
    /// splitting areas and updating present pages in place.
    pub fn protect(&mut self, start: u64, end: u64, prot: Prot) -> Result<(), Errno> {
        let mut cur = start;
        while cur < end {
            let v = self.find(cur).ok_or(Errno::ENOMEM)?;
            if prot.write && !v.may_write() {
                return Err(Errno::EACCES);
            }
            cur = v.end;
        }
        for mut mid in self.split_out(start, end) {
            mid.prot = prot;
            let mut va = mid.start;
            while let Some(at) = self.space.next_mapped(va, mid.end) {
                va = at;
                if let Some((phys, _)) = self.space.query(va) {
                    // Shared (COW) private pages stay read-only until a
                    // write fault copies them.
                    let cow = !mid.shared && frames::is_shared(phys);
                    let page_prot = Prot { write: prot.write && !cow, ..prot };
                    self.space.protect(va, page_prot.to_page());
                }
                va += PAGE;
            }
            self.vmas.insert(mid.start, mid);
        }
        self.merge(start, end);
        Ok(())
    }

    /// Joins areas touching `start..end` (and their neighbours) that
    /// continue each other.
    fn merge(&mut self, start: u64, end: u64) {
        let first = self.vmas.range(..start).next_back().map_or(start, |(k, _)| *k);
        let keys: Vec<u64> = self.vmas.range(first..=end).map(|(k, _)| *k).collect();
        let mut cur = None::<u64>;
        for k in keys {
            if let Some(c) = cur {
                let joins = match (self.vmas.get(&c), self.vmas.get(&k)) {
                    (Some(a), Some(b)) => a.continued_by(b),
                    _ => false,
                };
                if joins {
                    if let Some(b) = self.vmas.remove(&k) {
                        if let Some(a) = self.vmas.get_mut(&c) {
                            a.end = b.end;
                        }
                    }
                    continue;
                }
            }
            cur = Some(k);
        }
    }
}

impl Mm {
    pub fn new() -> Result<Arc<Mm>, Errno> {
        let space = AddressSpace::new().ok_or(Errno::ENOMEM)?;
        let root = space.root();
        Ok(Arc::new(Mm { inner: spin::Mutex::new(MmInner { space, vmas: BTreeMap::new(), brk_start: 0, brk: 0, exe: None, exe_path: None, args: [0; 4] }), root }))
    }

    /// Drops `start..end` from the TLBs that may hold this space's
    /// translations: this CPU's and those of the CPUs running it now.
    pub fn shootdown(&self, start: u64, end: u64) {
        if platform::smp::cpus_online() > 1 {
            platform::ipi::tlb_shootdown_space(self.root, start, end);
        }
    }

    /// Runs `f` with the areas and page tables locked. Never across `.await`.
    pub fn with<R>(&self, f: impl FnOnce(&mut MmInner) -> R) -> R {
        f(&mut self.inner.lock())
    }

    /// The most memory this address space has had resident at once, in
    /// KiB (ru_maxrss).
    pub fn peak_rss_kib(&self) -> u64 {
        self.inner.lock().space.resident_pages().1 * 4
    }

    /// The memory resident now, in KiB (memory.current).
    pub fn resident_kib(&self) -> u64 {
        self.inner.lock().space.resident_pages().0 * 4
    }

    /// Makes this address space current on this CPU.
    pub fn activate(&self) {
        self.inner.lock().space.activate();
    }

    /// Resolves a fault at `addr`: maps the page, or breaks copy-on-write.
    pub fn handle_fault(&self, addr: u64, write: bool, exec: bool) -> Result<(), FaultError> {
        let mut m = self.inner.lock();
        let va = page_down(addr);
        let vma = m.find(addr).ok_or(FaultError::Unmapped)?.clone();
        let allowed = if write {
            vma.prot.write
        } else if exec {
            vma.prot.exec
        } else {
            vma.prot.read || vma.prot.write
        };
        if !allowed {
            return Err(FaultError::Protection);
        }
        match m.space.query(va) {
            Some((phys, page)) => {
                if !write || page.write {
                    // Already fine (another thread resolved it first).
                    return Ok(());
                }
                // Write to a read-only page of a writable area: copy-on-write.
                if vma.shared || !frames::is_shared(phys) {
                    m.space.protect(va, vma.prot.to_page());
                    return Ok(());
                }
                let copy = frame::alloc().ok_or(FaultError::NoMemory)?;
                frame::copy(copy, phys);
                m.space.unmap(va);
                if m.space.map(va, copy, vma.prot.to_page()).is_err() {
                    frame::free(copy);
                    return Err(FaultError::NoMemory);
                }
                drop(m);
                // Another thread's CPU may still read the old frame through
                // its TLB and never see the store this fault is for.
                self.shootdown(va, va + PAGE);
                frames::put(phys);
                Ok(())
            }
            None => {
                if let Some(phys) = vma.fixed_frame(va) {
                    if m.space.map(va, phys, vma.prot.to_page()).is_err() {
                        return Err(FaultError::NoMemory);
                    }
                    frames::get(phys);
                    return Ok(());
                }
                if vma.past_eof(va) {
                    return Err(FaultError::PastEof);
                }
                if let Some((file, offset)) = vma.file_offset(va) {
                    let Some(stale) = self.map_file_page(&mut m, &vma, va, file.clone(), offset, write)? else {
                        if !write {
                            let stale = fault_around(&mut m, &vma, va, file);
                            if !stale.is_empty() {
                                drop(m);
                                self.shootdown(va & !(FAULT_AROUND - 1), (va & !(FAULT_AROUND - 1)) + FAULT_AROUND);
                                stale.into_iter().for_each(frames::put);
                            }
                        }
                        return Ok(());
                    };
                    // Lost a race with a truncate: another thread may have
                    // cached the page for a moment; flush before letting go.
                    drop(m);
                    self.shootdown(va, va + PAGE);
                    frames::put(stale);
                    return Err(FaultError::PastEof);
                }
                let page = frame::alloc_zeroed().ok_or(FaultError::NoMemory)?;
                vma.fill(va, page);
                if m.space.map(va, page, vma.prot.to_page()).is_err() {
                    frame::free(page);
                    return Err(FaultError::NoMemory);
                }
                Ok(())
            }
        }
    }

    /// Maps the file's frame for page `va` of a file area (a fault on a
    /// missing page): as it is in a shared area, read-only in a private
    /// one, or a private copy at once for a write there. `Some(frame)`:
    /// the file shrank meanwhile; the frame was unmapped again and is the
    /// caller's to release once no TLB can hold it.
    fn map_file_page(
        &self,
        m: &mut MmInner,
        vma: &Vma,
        va: u64,
        file: Arc<filemap::MappedFile>,
        offset: u64,
        write: bool,
    ) -> Result<Option<u64>, FaultError> {
        let phys = file.inode.map_page(offset / PAGE).map_err(|e| match e.0 {
            6 /* ENXIO */ => FaultError::PastEof,
            28 /* ENOSPC */ => FaultError::NoSpace,
            _ => FaultError::NoMemory,
        })?;
        let page = if vma.shared {
            phys
        } else if write {
            let Some(copy) = frame::alloc() else {
                frames::put(phys);
                return Err(FaultError::NoMemory);
            };
            frame::copy(copy, phys);
            frames::put(phys);
            copy
        } else {
            phys
        };
        let prot = Prot { write: vma.prot.write && (vma.shared || write), ..vma.prot };
        if m.space.map(va, page, prot.to_page()).is_err() {
            frames::put(page);
            return Err(FaultError::NoMemory);
        }
        // A truncate that ran since map_page (its eviction pass waits for
        // this lock) may have missed this page: take it back.
        if vma.past_eof(va) {
            return Ok(m.space.unmap(va));
        }
        Ok(None)
    }

    /// Grows the MAP_GROWSDOWN area just above `addr` down to its page, as
    /// Linux's expand_stack: not to within [`STACK_GUARD_GAP`] of an
    /// accessible area below, and not past `stack_limit` bytes in all.
    /// Whether it grew.
    pub fn grow_down(&self, addr: u64, stack_limit: u64) -> bool {
        let mut m = self.inner.lock();
        let va = page_down(addr);
        let Some((&start, above)) = m.vmas.range(addr..).next() else { return false };
        if !above.grows_down || !matches!(above.kind, vma::Kind::Anon) || above.end - va > stack_limit {
            return false;
        }
        if let Some((_, below)) = m.vmas.range(..addr).next_back() {
            let accessible = below.prot.read || below.prot.write || below.prot.exec;
            if below.end > va || (accessible && !below.grows_down && va - below.end < STACK_GUARD_GAP) {
                return false;
            }
        }
        let Some(mut v) = m.vmas.remove(&start) else { return false };
        v.start = va;
        m.vmas.insert(va, v);
        true
    }

    /// A copy-on-write copy of this address space (fork).
    pub fn fork(&self) -> Result<Arc<Mm>, Errno> {
        // Shared anonymous pages must be the same frames on both sides
        // even if nobody touched them yet: give them frames now. (Shared
        // file pages are the file's: each side finds them there.)
        let shared: Vec<(u64, u64)> = self
            .inner
            .lock()
            .vmas
            .values()
            .filter(|v| v.shared && matches!(v.kind, vma::Kind::Anon) && (v.prot.read || v.prot.write))
            .map(|v| (v.start, v.end))
            .collect();
        for (s, e) in shared {
            let mut va = s;
            while va < e {
                let _ = self.handle_fault(va, false, false);
                va += PAGE;
            }
        }
        let child = Mm::new()?;
        let mut parent = self.inner.lock();
        let mut c = child.inner.lock();
        c.brk_start = parent.brk_start;
        c.brk = parent.brk;
        c.exe = parent.exe.clone();
        c.exe_path = parent.exe_path.clone();
        c.args = parent.args;
        let vmas: Vec<Vma> = parent.vmas.values().cloned().collect();
        let mut files = Vec::new();
        for v in vmas {
            if v.on_fork.dont_copy {
                continue;
            }
            if v.on_fork.wipe {
                // Fresh zero pages on the child's first touch.
                c.vmas.insert(v.start, v);
                continue;
            }
            let mut va = v.start;
            while let Some(at) = parent.space.next_mapped(va, v.end) {
                va = at;
                if let Some((phys, prot)) = parent.space.query(va) {
                    let page_prot = if v.shared { prot } else { platform::user::addrspace::Prot { write: false, ..prot } };
                    if c.space.map(va, phys, page_prot).is_err() {
                        return Err(Errno::ENOMEM);
                    }
                    frames::get(phys);
                    if !v.shared && prot.write {
                        parent.space.protect(va, page_prot);
                    }
                }
                va += PAGE;
            }
            if let Some((file, _)) = v.file_offset(v.start) {
                files.push(file.id);
            }
            c.vmas.insert(v.start, v);
        }
        drop(c);
        drop(parent);
        for id in files {
            filemap::register(id, &child);
        }
        // This CPU and other threads of the parent may cache the now
        // read-only pages.
        platform::ipi::tlb_shootdown_space(self.root, 0, platform::user::USER_END);
        Ok(child)
    }

}

impl Drop for Mm {
    fn drop(&mut self) {
        let m = self.inner.get_mut();
        let ranges: Vec<(u64, u64)> = m.vmas.values().map(|v| (v.start, v.end)).collect();
        let files: Vec<fs::pages::FileId> = m.vmas.values().filter_map(|v| v.file_offset(v.start)).map(|(f, _)| f.id).collect();
        for (s, e) in ranges {
            m.remove(s, e);
        }
        for id in files {
            filemap::prune(id);
        }
    }
}

/// The window [`fault_around`] maps (Linux's fault_around_bytes).
const FAULT_AROUND: u64 = 16 * PAGE;

/// Linux's fault-around: a read fault on a file page also maps the
/// neighbouring pages the file already holds — in the aligned 64 KiB
/// around `va`, inside the area, not mapped yet — as a read fault would
/// (read-only in a private area), so a program's start-up takes one fault
/// per 16 pages of text and data instead of one per page. Returns frames
/// that a truncate made stale meanwhile (unmapped again; the caller
/// releases them once no TLB can hold them).
fn fault_around(m: &mut MmInner, vma: &Vma, va: u64, file: &Arc<filemap::MappedFile>) -> Vec<u64> {
    let window = va & !(FAULT_AROUND - 1);
    let (start, end) = (window.max(vma.start), (window + FAULT_AROUND).min(vma.end));
    let prot = Prot { write: vma.prot.write && vma.shared, ..vma.prot }.to_page();
    let mut stale = Vec::new();
    let mut p = start;
    while p < end {
        if p != va && m.space.query(p).is_none() && !vma.past_eof(p) {
            if let Some(phys) = vma.file_offset(p).and_then(|(_, off)| file.inode.cached_page(off / PAGE)) {
                if m.space.map(p, phys, prot).is_err() {
                    frames::put(phys);
                    break;
                }
                if vma.past_eof(p) {
                    stale.extend(m.space.unmap(p));
                }
            }
        }
        p += PAGE;
    }
    stale
}
