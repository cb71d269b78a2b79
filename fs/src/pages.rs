//! The memory file data lives in: page-sized buffers named by a `u64` id,
//! behind the [`PageMemory`] trait, so the same pages can be both a file's
//! contents and the pages a process maps (as Linux's shmem keeps a tmpfs
//! file in the page cache and maps those very pages).
//!
//! # Design
//! tmpfs keeps a regular file as a sparse map from page index to page id
//! (`tmpfs::file`). It never touches the bytes itself: it asks the
//! filesystem's `PageMemory` to allocate, read, write and zero pages. The
//! kernel backs `PageMemory` with physical frames (an id is the frame's
//! physical address), so a page fault in a `MAP_SHARED` mapping maps the
//! file's own frame: a store through the mapping is at once what `read`
//! returns, and `write` lands in every mapping. A `MAP_PRIVATE` mapping maps
//! the same frame read-only and copies it on the first write.
//!
//! Pages are reference-counted by the memory: the file holds one reference
//! per page; [`crate::Inode::map_page`] hands out another one to a mapper,
//! which releases it when it unmaps. When the file drops pages (truncate,
//! punching a hole), it takes them out of its map, calls
//! [`PageMemory::evicted`] outside its locks, so the owner of mappings can
//! unmap them everywhere (Linux's `unmap_mapping_range`), and then releases
//! its references; a page lives on until its last mapper lets go.
//!
//! [`HeapPages`] is the host implementation (tests, tools): pages on the
//! heap in a table, with the same reference counting.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec;

use spin::Mutex;

/// Bytes in a page.
pub const PAGE_SIZE: usize = 4096;

/// Which file a page belonged to: the filesystem's device and the inode
/// number (never reused within an instance).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

/// Page-sized buffers shared between files and their mappings.
pub trait PageMemory: Send + Sync {
    /// A new zero-filled page with one reference, or `None` when memory is
    /// exhausted.
    fn alloc_zeroed(&self) -> Option<u64>;

    /// Adds a reference to `page`.
    fn acquire(&self, page: u64);

    /// Drops a reference to `page`; frees it with the last.
    fn release(&self, page: u64);

    /// Copies bytes of `page` from `offset` into `buf`
    /// (`offset + buf.len() <= PAGE_SIZE`).
    fn read(&self, page: u64, offset: usize, buf: &mut [u8]);

    /// Copies `data` into `page` at `offset`.
    fn write(&self, page: u64, offset: usize, data: &[u8]);

    /// Zeros bytes `from..to` of `page`.
    fn zero(&self, page: u64, from: usize, to: usize) {
        const ZEROS: [u8; PAGE_SIZE] = [0; PAGE_SIZE];
        self.write(page, from, &ZEROS[..to - from]);
    }

    /// Pages left a file: whoever maps them must unmap them. Called with
    /// no filesystem lock held, before the file releases the pages.
    fn evicted(&self, _e: &Eviction<'_>) {}

    /// `file` is gone (its last reference dropped, its pages released):
    /// nothing can map it any more. May be called with filesystem locks
    /// held; takes only the memory's own (leaf) locks.
    fn file_gone(&self, _file: FileId) {}
}

/// Pages that left a file.
#[derive(Debug, PartialEq, Eq)]
pub struct Eviction<'a> {
    pub file: FileId,
    /// Page indices `first..end` are gone from the file.
    pub first: u64,
    pub end: u64,
    /// The pages the file held there (holes held none).
    pub pages: &'a [u64],
    /// Whether private copies made from those pages go too: truncation
    /// takes everything past the new end of file (Linux's `even_cows`);
    /// punching a hole leaves copy-on-write copies alone.
    pub private_copies: bool,
}

/// Heap-backed pages for the host: a table from id to buffer and count.
#[derive(Default)]
pub struct HeapPages {
    table: Mutex<HeapTable>,
}

#[derive(Default)]
struct HeapTable {
    next: u64,
    pages: BTreeMap<u64, (Box<[u8]>, u32)>,
}

impl HeapPages {
    pub fn new() -> Self {
        Self::default()
    }

    /// Pages currently allocated (for leak checks in tests).
    pub fn live(&self) -> usize {
        self.table.lock().pages.len()
    }
}

impl PageMemory for HeapPages {
    fn alloc_zeroed(&self) -> Option<u64> {
        let mut t = self.table.lock();
        t.next += 1;
        let id = t.next;
        t.pages.insert(id, (vec![0u8; PAGE_SIZE].into_boxed_slice(), 1));
        Some(id)
    }

    fn acquire(&self, page: u64) {
        if let Some(p) = self.table.lock().pages.get_mut(&page) {
            p.1 += 1;
        }
    }

    fn release(&self, page: u64) {
        let mut t = self.table.lock();
        if let Some(p) = t.pages.get_mut(&page) {
            p.1 -= 1;
            if p.1 == 0 {
                t.pages.remove(&page);
            }
        }
    }

    fn read(&self, page: u64, offset: usize, buf: &mut [u8]) {
        if let Some(p) = self.table.lock().pages.get(&page) {
            buf.copy_from_slice(&p.0[offset..offset + buf.len()]);
        }
    }

    fn write(&self, page: u64, offset: usize, data: &[u8]) {
        if let Some(p) = self.table.lock().pages.get_mut(&page) {
            p.0[offset..offset + data.len()].copy_from_slice(data);
        }
    }
}
