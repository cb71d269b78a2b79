//! Virtual memory areas: what a range of a process's address space is
//! (anonymous or backed by a file, private or shared, its rights), as
//! opposed to which pages are present (the page tables' business).

use alloc::sync::Arc;

use super::filemap::MappedFile;

/// Something whose bytes are copied into a private mapping page by page
/// (an executable's image, a file without shareable pages). Files that
/// keep their data in frames are mapped through [`Kind::Pages`] instead.
pub trait Backing: Send + Sync {
    /// Copies bytes from `offset` into `buf`; returns how many exist there
    /// (fewer at the end of the file).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize;

    /// The file's size, where touching a page wholly past it is SIGBUS
    /// (None: never, e.g. an ELF image with its bss).
    fn size(&self) -> Option<u64> {
        None
    }

    /// The file behind it, if any (/proc/PID/maps shows its device and
    /// inode).
    fn inode(&self) -> Option<&fs::InodeRef> {
        None
    }
}

impl Backing for alloc::vec::Vec<u8> {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        let Some(rest) = self.get(offset as usize..) else { return 0 };
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        n
    }
}

/// A file of the VFS without shareable pages, read page by page as faults
/// need it (private mappings only).
pub struct InodeBacking(pub fs::InodeRef);

impl Backing for InodeBacking {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        self.0.read_at(offset, buf).unwrap_or(0)
    }

    fn size(&self) -> Option<u64> {
        Some(self.0.metadata().size)
    }

    fn inode(&self) -> Option<&fs::InodeRef> {
        Some(&self.0)
    }
}

/// The range mremap adds to shared anonymous memory: Linux grows the
/// mapping but not the shmem object behind it, so every page there lies
/// past the object's end (SIGBUS).
pub struct PastObjectEnd;

impl Backing for PastObjectEnd {
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> usize {
        0
    }

    fn size(&self) -> Option<u64> {
        Some(0)
    }
}

impl Vma {
    /// The part mremap adds after a shared anonymous area (see
    /// [`PastObjectEnd`]); for other areas, None (they just grow).
    pub fn past_object(&self, start: u64, end: u64) -> Option<Vma> {
        if !(self.shared && matches!(self.kind, Kind::Anon)) {
            return None;
        }
        let kind = Kind::File { backing: Arc::new(PastObjectEnd), offset: 0, file_end: u64::MAX };
        Some(Vma { start, end, kind, ..self.clone() })
    }
}

impl Backing for &'static [u8] {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        let Some(rest) = self.get(offset as usize..) else { return 0 };
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        n
    }
}

/// Access rights (PROT_READ/WRITE/EXEC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Prot {
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

impl Prot {
    pub const fn from_bits(bits: u64) -> Prot {
        Prot { read: bits & 1 != 0, write: bits & 2 != 0, exec: bits & 4 != 0 }
    }
    pub fn to_page(self) -> platform::user::addrspace::Prot {
        platform::user::addrspace::Prot { read: self.read || self.write || self.exec, write: self.write, exec: self.exec }
    }
}

/// What backs an area.
#[derive(Clone)]
pub enum Kind {
    /// Zero-filled memory.
    Anon,
    /// File bytes from `offset` (at the area's start); bytes at or after
    /// virtual address `file_end` read as zero (an ELF segment's bss).
    File { backing: Arc<dyn Backing>, offset: u64, file_end: u64 },
    /// Frames the kernel owns for good, mapped as they are (the vDSO and
    /// its data page): page `i` of the area is `frames[first + i]`.
    Fixed { frames: &'static [u64], first: usize },
    /// A file's own frames from `offset` (at the area's start), mapped
    /// directly ([`super::filemap`]): shared, or copied on write when
    /// private. `may_write`: the file was open for writing (Linux's
    /// VM_MAYWRITE; a shared area without it never becomes writable).
    Pages { file: Arc<MappedFile>, offset: u64, may_write: bool },
}

/// One area: `start..end`, page-aligned.
#[derive(Clone)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    pub prot: Prot,
    pub shared: bool,
    pub kind: Kind,
    /// A stack that may grow down into the gap below it.
    pub grows_down: bool,
    /// What a child gets at fork (madvise's DONTFORK and WIPEONFORK).
    pub on_fork: OnFork,
    /// Whether the area is locked in memory (mlock(2)).
    pub lock: Lock,
}

/// Linux's VM_LOCKED and VM_LOCKONFAULT: a locked area's pages stay
/// resident once present; `Locked` faults them all in when the lock is
/// taken, `OnFault` only as they are touched (MLOCK_ONFAULT,
/// MCL_ONFAULT). Aramid never reclaims anonymous or tmpfs pages, so the
/// lock changes what is populated and what is accounted (VmLck,
/// RLIMIT_MEMLOCK), and the advice Linux refuses on locked areas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lock {
    #[default]
    None,
    Locked,
    OnFault,
}

impl Lock {
    pub fn is_locked(self) -> bool {
        self != Lock::None
    }
}

/// Linux's VM_DONTCOPY and VM_WIPEONFORK: fork leaves an area out of the
/// child, or gives the child the area with fresh zero pages. Leaving out
/// wins when both are set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct OnFork {
    pub dont_copy: bool,
    pub wipe: bool,
}

impl OnFork {
    pub const COPY: OnFork = OnFork { dont_copy: false, wipe: false };
}

impl Vma {
    pub fn anon(start: u64, end: u64, prot: Prot) -> Self {
        Vma { start, end, prot, shared: false, kind: Kind::Anon, grows_down: false, on_fork: OnFork::COPY, lock: Lock::None }
    }

    /// Whether the area counts against RLIMIT_DATA (Linux's
    /// is_data_mapping: private, writable, not a stack).
    pub fn is_data(&self) -> bool {
        self.prot.write && !self.shared && !self.grows_down
    }

    /// The part of `self` in `lo..hi` (clamped), with the file offset moved
    /// along so the bytes stay the same.
    pub fn slice(&self, lo: u64, hi: u64) -> Vma {
        let (start, end) = (lo.max(self.start), hi.min(self.end));
        let kind = match &self.kind {
            Kind::Anon => Kind::Anon,
            Kind::File { backing, offset, file_end } => {
                Kind::File { backing: backing.clone(), offset: offset + (start - self.start), file_end: *file_end }
            }
            Kind::Fixed { frames, first } => Kind::Fixed { frames, first: first + ((start - self.start) / 4096) as usize },
            Kind::Pages { file, offset, may_write } => {
                Kind::Pages { file: file.clone(), offset: offset + (start - self.start), may_write: *may_write }
            }
        };
        Vma { start, end, prot: self.prot, shared: self.shared, kind, grows_down: self.grows_down, on_fork: self.on_fork, lock: self.lock }
    }

    /// Whether `next` (starting where `self` ends) continues `self` with
    /// the same rights and backing, so the two can be one area (Linux
    /// merges such neighbours, e.g. after mprotect restores the rights).
    pub fn continued_by(&self, next: &Vma) -> bool {
        if self.end != next.start
            || self.prot != next.prot
            || self.shared != next.shared
            || self.grows_down != next.grows_down
            || self.lock != next.lock
            || self.on_fork != next.on_fork
        {
            return false;
        }
        let len = self.end - self.start;
        match (&self.kind, &next.kind) {
            (Kind::Anon, Kind::Anon) => true,
            (Kind::File { backing: a, offset: oa, file_end: ea }, Kind::File { backing: b, offset: ob, file_end: eb }) => {
                Arc::ptr_eq(a, b) && oa + len == *ob && ea == eb
            }
            (Kind::Pages { file: a, offset: oa, may_write: wa }, Kind::Pages { file: b, offset: ob, may_write: wb }) => {
                a.id == b.id && oa + len == *ob && wa == wb
            }
            _ => false,
        }
    }

    /// Whether virtual page `va` lies wholly past the end of the backing
    /// file (an access there is SIGBUS).
    pub fn past_eof(&self, va: u64) -> bool {
        match &self.kind {
            Kind::File { backing, offset, .. } => {
                backing.size().is_some_and(|size| offset + (va - self.start) >= size.next_multiple_of(4096))
            }
            Kind::Pages { file, offset, .. } => offset + (va - self.start) >= file.size().next_multiple_of(4096),
            Kind::Anon | Kind::Fixed { .. } => false,
        }
    }

    /// The mapped file and the file offset of virtual address `va`, for an
    /// area mapping a file's own pages.
    pub fn file_offset(&self, va: u64) -> Option<(&Arc<MappedFile>, u64)> {
        match &self.kind {
            Kind::Pages { file, offset, .. } => Some((file, offset + (va - self.start))),
            _ => None,
        }
    }

    /// Whether the area may be made writable (not a shared mapping of a
    /// file that was not open for writing).
    pub fn may_write(&self) -> bool {
        !matches!(self.kind, Kind::Pages { may_write: false, .. }) || !self.shared
    }

    /// The kernel's frame for virtual page `va` of a fixed area.
    pub fn fixed_frame(&self, va: u64) -> Option<u64> {
        match &self.kind {
            Kind::Fixed { frames, first } => frames.get(first + ((va - self.start) / 4096) as usize).copied(),
            _ => None,
        }
    }

    /// Fills `page` (a frame) with the contents of virtual page `va`.
    pub fn fill(&self, va: u64, page: u64) {
        match &self.kind {
            Kind::Anon | Kind::Fixed { .. } | Kind::Pages { .. } => {}
            Kind::File { backing, offset, file_end } => {
                if va >= *file_end {
                    return;
                }
                let len = (*file_end - va).min(4096) as usize;
                let mut buf = [0u8; 4096];
                let n = backing.read_at(offset + (va - self.start), &mut buf[..len]);
                platform::mem::frame::write(page, 0, &buf[..n]);
            }
        }
    }
}
