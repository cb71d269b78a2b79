//! Contents of a tmpfs regular file: a sparse array of 4 KiB pages.
//!
//! A page exists once something was written to it (or `fallocate`d); pages
//! never written are holes that read as zeros. `SEEK_DATA`/`SEEK_HOLE` work
//! at page granularity, like Linux's shmem: any existing page is data, any
//! missing page below the size a hole, and end of file is a hole. Truncating
//! frees whole pages past the new size and zeros the tail of the last one;
//! `FALLOC_FL_PUNCH_HOLE` frees whole pages and zeros partial ones. Pages
//! count against the instance's `size=` limit (ENOSPC); a write that runs
//! out of space part-way returns the bytes written, like Linux.
//!
//! The pages are ids of the instance's [`PageMemory`](crate::pages) (frames
//! in the kernel), so mappings can map them directly: [`FileData::map_page`]
//! hands out a page with a reference for the mapper (creating it, as a
//! shmem fault does, when it is a hole below the size). Dropping pages
//! returns the range of indices dropped, which the node reports through
//! `PageMemory::evicted` once the data lock is released.

use alloc::collections::btree_map::Entry;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::{Shared, TmpNode, PAGE_SIZE};
use crate::errno::{Errno, Result};
use crate::inode::{FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE};

/// Largest file size (Linux's MAX_LFS_FILESIZE).
const MAX_FILE_SIZE: u64 = i64::MAX as u64;
const PAGE: u64 = PAGE_SIZE as u64;

#[derive(Default)]
pub(super) struct FileData {
    size: u64,
    /// Page index to page id of the instance's memory.
    pages: BTreeMap<u64, u64>,
}

/// Pages taken out of a file, still to be reported and released (by the
/// node, once the data lock is dropped).
pub(super) struct Dropped {
    pub first: u64,
    pub end: u64,
    pub pages: Vec<u64>,
    pub private_copies: bool,
}

impl FileData {
    pub(super) fn page_count(&self) -> u64 {
        self.pages.len() as u64
    }

    /// Copies from `offset` into `buf`; returns the bytes read (0 at EOF).
    pub(super) fn read(&self, sb: &Shared, offset: u64, buf: &mut [u8]) -> usize {
        if offset >= self.size {
            return 0;
        }
        let n = (buf.len() as u64).min(self.size - offset) as usize;
        let mut done = 0;
        while done < n {
            let pos = offset + done as u64;
            let (index, in_page) = (pos / PAGE, (pos % PAGE) as usize);
            let chunk = (PAGE_SIZE - in_page).min(n - done);
            let dst = &mut buf[done..done + chunk];
            match self.pages.get(&index) {
                Some(&page) => sb.mem.read(page, in_page, dst),
                None => dst.fill(0),
            }
            done += chunk;
        }
        n
    }

    /// Writes `data` at `offset`, allocating pages as needed.
    pub(super) fn write(&mut self, sb: &Shared, offset: u64, data: &[u8]) -> Result<usize> {
        if offset >= MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        let n = (data.len() as u64).min(MAX_FILE_SIZE - offset) as usize;
        let mut done = 0;
        while done < n {
            let pos = offset + done as u64;
            let (index, in_page) = (pos / PAGE, (pos % PAGE) as usize);
            let chunk = (PAGE_SIZE - in_page).min(n - done);
            let page = match self.pages.entry(index) {
                Entry::Occupied(o) => o.into_mut(),
                Entry::Vacant(v) => {
                    if let Err(e) = sb.charge_pages(1) {
                        if done == 0 {
                            return Err(e);
                        }
                        break;
                    }
                    let Some(page) = sb.mem.alloc_zeroed() else {
                        sb.uncharge_pages(1);
                        if done == 0 {
                            return Err(Errno::ENOSPC);
                        }
                        break;
                    };
                    v.insert(page)
                }
            };
            sb.mem.write(*page, in_page, &data[done..done + chunk]);
            done += chunk;
        }
        self.size = self.size.max(offset + done as u64);
        Ok(done)
    }

    /// The page at `index` for a mapping, with a reference taken for the
    /// caller; a hole below the size gets a zeroed page first. ENXIO at or
    /// past the page holding the end of file.
    pub(super) fn map_page(&mut self, sb: &Shared, index: u64) -> Result<u64> {
        if index >= self.size.div_ceil(PAGE) {
            return Err(Errno::ENXIO);
        }
        let page = match self.pages.entry(index) {
            Entry::Occupied(o) => *o.get(),
            Entry::Vacant(v) => {
                sb.charge_pages(1)?;
                let Some(page) = sb.mem.alloc_zeroed() else {
                    sb.uncharge_pages(1);
                    return Err(Errno::ENOMEM);
                };
                *v.insert(page)
            }
        };
        sb.mem.acquire(page);
        Ok(page)
    }

    /// The page at `index` if it exists (below the end of file), with a
    /// reference taken.
    pub(super) fn cached_page(&self, sb: &Shared, index: u64) -> Option<u64> {
        if index >= self.size.div_ceil(PAGE) {
            return None;
        }
        let page = *self.pages.get(&index)?;
        sb.mem.acquire(page);
        Some(page)
    }

    /// Releases every page (the file is gone).
    pub(super) fn release_all(&mut self, sb: &Shared) -> u64 {
        let pages = core::mem::take(&mut self.pages);
        for &page in pages.values() {
            sb.mem.release(page);
        }
        pages.len() as u64
    }

    /// Takes `pages` out of the file's accounting, for [`Dropped`].
    fn take(sb: &Shared, pages: BTreeMap<u64, u64>) -> Vec<u64> {
        sb.uncharge_pages(pages.len() as u64);
        pages.into_values().collect()
    }

    /// Sets the size, freeing pages past it and zeroing the tail of the last.
    /// Returns the page indices dropped.
    pub(super) fn truncate(&mut self, sb: &Shared, len: u64) -> Result<Option<Dropped>> {
        if len > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        let mut dropped = None;
        if len < self.size {
            let keep = len.div_ceil(PAGE);
            let pages = Self::take(sb, self.pages.split_off(&keep));
            if !len.is_multiple_of(PAGE) {
                if let Some(&page) = self.pages.get(&(len / PAGE)) {
                    sb.mem.zero(page, (len % PAGE) as usize, PAGE_SIZE);
                }
            }
            dropped = Some(Dropped { first: keep, end: self.size.div_ceil(PAGE), pages, private_copies: true });
        }
        self.size = len;
        Ok(dropped)
    }

    /// `fallocate`: mode 0 or KEEP_SIZE allocates, PUNCH_HOLE|KEEP_SIZE
    /// deallocates; anything else is EOPNOTSUPP (as on Linux's tmpfs).
    pub(super) fn fallocate(
        &mut self,
        sb: &Shared,
        mode: u32,
        offset: u64,
        len: u64,
    ) -> Result<Option<Dropped>> {
        if mode & !(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE) != 0 {
            return Err(Errno::EOPNOTSUPP);
        }
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        let end = offset
            .checked_add(len)
            .filter(|e| *e <= MAX_FILE_SIZE)
            .ok_or(Errno::EFBIG)?;
        if mode & FALLOC_FL_PUNCH_HOLE != 0 {
            if mode & FALLOC_FL_KEEP_SIZE == 0 {
                return Err(Errno::EOPNOTSUPP);
            }
            return Ok(self.punch(sb, offset, end));
        }
        let (first, last) = (offset / PAGE, (end - 1) / PAGE);
        let missing = (first..=last)
            .filter(|i| !self.pages.contains_key(i))
            .count() as u64;
        sb.charge_pages(missing)?;
        let mut allocated = 0;
        for i in first..=last {
            if let Entry::Vacant(v) = self.pages.entry(i) {
                let Some(page) = sb.mem.alloc_zeroed() else {
                    // Give back the charge for the pages not allocated.
                    sb.uncharge_pages(missing - allocated);
                    return Err(Errno::ENOSPC);
                };
                v.insert(page);
                allocated += 1;
            }
        }
        if mode & FALLOC_FL_KEEP_SIZE == 0 {
            self.size = self.size.max(end);
        }
        Ok(None)
    }

    /// Zeros `start..end`, dropping the pages it covers entirely; returns
    /// the indices dropped.
    fn punch(&mut self, sb: &Shared, start: u64, end: u64) -> Option<Dropped> {
        let first_whole = start.div_ceil(PAGE);
        let end_whole = end / PAGE;
        let mut dropped = None;
        if first_whole < end_whole {
            let mut tail = self.pages.split_off(&first_whole);
            let mut rest = tail.split_off(&end_whole);
            self.pages.append(&mut rest);
            let pages = Self::take(sb, tail);
            dropped = Some(Dropped { first: first_whole, end: end_whole, pages, private_copies: false });
        }
        // Partial pages at either end.
        for index in [start / PAGE, (end - 1) / PAGE] {
            let page_start = index * PAGE;
            let from = start.max(page_start) - page_start;
            let to = end.min(page_start + PAGE) - page_start;
            if let Some(&page) = self.pages.get(&index) {
                sb.mem.zero(page, from as usize, to as usize);
            }
        }
        dropped
    }

    pub(super) fn seek_data(&self, offset: u64) -> Result<u64> {
        if offset >= self.size {
            return Err(Errno::ENXIO);
        }
        match self.pages.range(offset / PAGE..).next() {
            Some((&index, _)) if index * PAGE < self.size => Ok(offset.max(index * PAGE)),
            _ => Err(Errno::ENXIO),
        }
    }

    pub(super) fn seek_hole(&self, offset: u64) -> Result<u64> {
        if offset >= self.size {
            return Err(Errno::ENXIO);
        }
        let mut index = offset / PAGE;
        for (&i, _) in self.pages.range(index..) {
            if i != index {
                break;
            }
            index += 1;
        }
        Ok(offset.max(index * PAGE).min(self.size))
    }
}

impl TmpNode {
    /// Publishes a file's new size and block count, and marks it modified.
    pub(super) fn file_changed(&self, data: &FileData) {
        let now = self.sb.now();
        let mut m = self.meta.lock();
        m.size = data.size;
        m.blocks = data.page_count() * (PAGE / 512);
        m.mtime = now;
        m.ctime = now;
    }

    /// Publishes a new block count only (a fault filled a hole).
    pub(super) fn blocks_changed(&self, data: &FileData) {
        self.meta.lock().blocks = data.page_count() * (PAGE / 512);
    }
}
