//! Mappings of files whose data lives in frames: the kernel's
//! [`PageMemory`] for tmpfs, and the reverse map from a file to the
//! address spaces that map it.
//!
//! # Design (Linux's shmem, without a separate page cache)
//! A tmpfs file keeps its contents in physical frames ([`FramePages`]): the
//! file holds one reference per frame in [`frames`]' counts. A fault in a
//! mapping of the file ([`super::vma::Kind::Pages`]) asks the file for the
//! frame of that page (`Inode::map_page`, which fills a hole below the size
//! with a zeroed frame and takes a reference for the mapping) and maps that
//! very frame:
//! - `MAP_SHARED`: with the area's rights, so stores through any mapping,
//!   in any process, and `read`/`write` all meet in the same frame (tmpfs
//!   has no backing store: nothing is ever dirty, msync/fsync have nothing
//!   to do);
//! - `MAP_PRIVATE`: read-only, so it shows the file's current contents
//!   until the first write, which copies the frame (copy-on-write: the
//!   frame has two owners, the file and the mapping).
//!
//! Unmapping releases the mapping's reference; the data stays the file's.
//! When the file drops pages (truncate, punching a hole), tmpfs reports
//! them through [`PageMemory::evicted`] before releasing its references;
//! [`unmap_file_pages`] then unmaps them from every address space that maps
//! the file ([`register`]ed at mmap and fork): after a truncate the whole
//! range, private copies included, so a later touch past the new end of
//! file is SIGBUS and growing the file again maps fresh pages; after a hole
//! is punched, the file's pages only (private copies stay, as on Linux).
//! A fault racing with a truncate re-checks the size after mapping under
//! the address-space lock, and the eviction pass takes that lock after the
//! size changed, so one of them removes the page.
//!
//! Shared futexes in these mappings are keyed by (file, offset)
//! (`crate::futex`), so processes mapping the file anywhere meet.
//!
//! Lock order: an address space's lock, then a file's data lock (a fault);
//! tmpfs never calls out with its data lock held, so eviction takes the
//! registry lock and then each address space's lock on its own.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use fs::pages::{Eviction, FileId, PageMemory};
use platform::mem::frame;

use super::vma::Kind;
use super::{frames, Mm, PAGE};

/// A file mapped through its own pages.
pub struct MappedFile {
    pub inode: fs::InodeRef,
    pub id: FileId,
}

impl MappedFile {
    pub fn new(inode: fs::InodeRef) -> MappedFile {
        let m = inode.metadata();
        MappedFile { inode, id: FileId { dev: m.dev, ino: m.ino } }
    }

    /// The file's size now.
    pub fn size(&self) -> u64 {
        self.inode.metadata().size
    }
}

/// tmpfs pages as physical frames (an id is a frame's physical address).
pub struct FramePages;

impl PageMemory for FramePages {
    fn alloc_zeroed(&self) -> Option<u64> {
        frame::alloc_zeroed()
    }

    fn acquire(&self, page: u64) {
        frames::get(page);
    }

    fn release(&self, page: u64) {
        frames::put(page);
    }

    fn read(&self, page: u64, offset: usize, buf: &mut [u8]) {
        frame::read(page, offset, buf);
    }

    fn write(&self, page: u64, offset: usize, data: &[u8]) {
        frame::write(page, offset, data);
    }

    fn evicted(&self, e: &Eviction<'_>) {
        unmap_file_pages(e);
    }

    fn file_gone(&self, file: FileId) {
        MAPPERS.lock().remove(&file);
    }
}

/// The page memory every kernel tmpfs instance uses.
pub fn memory() -> Arc<dyn PageMemory> {
    Arc::new(FramePages)
}

/// Address spaces that have mapped each file (some may have unmapped it
/// since, or be gone: both are harmless and pruned as met). A file's entry
/// goes with the file. A leaf lock: taken under an address space's lock
/// when the last mapping of a file drops it, never the other way round.
static MAPPERS: spin::Mutex<BTreeMap<FileId, Vec<Weak<Mm>>>> = spin::Mutex::new(BTreeMap::new());

/// Records that `mm` maps `file`.
pub fn register(file: FileId, mm: &Arc<Mm>) {
    let mut t = MAPPERS.lock();
    let list = t.entry(file).or_default();
    list.retain(|w| w.strong_count() > 0);
    if !list.iter().any(|w| core::ptr::eq(w.as_ptr(), Arc::as_ptr(mm))) {
        list.push(Arc::downgrade(mm));
    }
}

/// The live address spaces that have mapped `file` (some may have
/// unmapped it since).
pub fn mappers(file: FileId) -> Vec<Arc<Mm>> {
    MAPPERS.lock().get(&file).map(|l| l.iter().filter_map(Weak::upgrade).collect()).unwrap_or_default()
}

/// Forgets address spaces of `file` that are gone (an `Mm` being dropped).
pub fn prune(file: FileId) {
    let mut t = MAPPERS.lock();
    if let Some(list) = t.get_mut(&file) {
        list.retain(|w| w.strong_count() > 0);
        if list.is_empty() {
            t.remove(&file);
        }
    }
}

/// Unmaps evicted pages of a file from every address space mapping it.
pub fn unmap_file_pages(e: &Eviction<'_>) {
    let file = e.file;
    let evicted: BTreeSet<u64> = e.pages.iter().copied().collect();
    let mms: Vec<Arc<Mm>> = MAPPERS.lock().get(&file).map(|l| l.iter().filter_map(Weak::upgrade).collect()).unwrap_or_default();
    for mm in mms {
        let (ranges, freed) = mm.with(|m| {
            let mut hit = Vec::new();
            for v in m.vmas.values() {
                let Kind::Pages { file: f, offset, .. } = &v.kind else { continue };
                if f.id != file {
                    continue;
                }
                // The area holds file pages offset/PAGE .. + its length.
                let first_page = offset / PAGE;
                let pages = (v.end - v.start) / PAGE;
                let lo = e.first.max(first_page);
                let hi = e.end.min(first_page + pages);
                if lo < hi {
                    let copies_go = v.shared || e.private_copies;
                    hit.push((v.start + (lo - first_page) * PAGE, v.start + (hi - first_page) * PAGE, copies_go));
                }
            }
            let mut freed = Vec::new();
            for &(lo, hi, copies_go) in &hit {
                for va in (lo..hi).step_by(PAGE as usize) {
                    let Some((phys, _)) = m.space.query(va) else { continue };
                    if copies_go || evicted.contains(&phys) {
                        m.space.unmap(va);
                        freed.push(phys);
                    }
                }
            }
            (hit, freed)
        });
        // Other CPUs may still cache the translations: flush before the
        // frames can be reused.
        for (lo, hi, _) in ranges {
            mm.shootdown(lo, hi);
        }
        for phys in freed {
            frames::put(phys);
        }
    }
}
