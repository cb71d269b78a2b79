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

use alloc::boxed::Box;
use alloc::collections::btree_map::Entry;
use alloc::collections::BTreeMap;
use alloc::vec;

use super::{Shared, TmpNode, PAGE_SIZE};
use crate::errno::{Errno, Result};
use crate::inode::{FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE};

/// Largest file size (Linux's MAX_LFS_FILESIZE).
const MAX_FILE_SIZE: u64 = i64::MAX as u64;
const PAGE: u64 = PAGE_SIZE as u64;

#[derive(Default)]
pub(super) struct FileData {
    size: u64,
    pages: BTreeMap<u64, Box<[u8]>>,
}

fn zero_page() -> Box<[u8]> {
    vec![0u8; PAGE_SIZE].into_boxed_slice()
}

impl FileData {
    pub(super) fn page_count(&self) -> u64 {
        self.pages.len() as u64
    }

    /// Copies from `offset` into `buf`; returns the bytes read (0 at EOF).
    pub(super) fn read(&self, offset: u64, buf: &mut [u8]) -> usize {
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
                Some(page) => dst.copy_from_slice(&page[in_page..in_page + chunk]),
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
                    v.insert(zero_page())
                }
            };
            page[in_page..in_page + chunk].copy_from_slice(&data[done..done + chunk]);
            done += chunk;
        }
        self.size = self.size.max(offset + done as u64);
        Ok(done)
    }

    /// Sets the size, freeing pages past it and zeroing the tail of the last.
    pub(super) fn truncate(&mut self, sb: &Shared, len: u64) -> Result<()> {
        if len > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        if len < self.size {
            let keep = len.div_ceil(PAGE);
            let freed = self.pages.split_off(&keep);
            sb.uncharge_pages(freed.len() as u64);
            if !len.is_multiple_of(PAGE) {
                if let Some(page) = self.pages.get_mut(&(len / PAGE)) {
                    page[(len % PAGE) as usize..].fill(0);
                }
            }
        }
        self.size = len;
        Ok(())
    }

    /// `fallocate`: mode 0 or KEEP_SIZE allocates, PUNCH_HOLE|KEEP_SIZE
    /// deallocates; anything else is EOPNOTSUPP (as on Linux's tmpfs).
    pub(super) fn fallocate(
        &mut self,
        sb: &Shared,
        mode: u32,
        offset: u64,
        len: u64,
    ) -> Result<()> {
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
            self.punch(sb, offset, end);
            return Ok(());
        }
        let (first, last) = (offset / PAGE, (end - 1) / PAGE);
        let missing = (first..=last)
            .filter(|i| !self.pages.contains_key(i))
            .count() as u64;
        sb.charge_pages(missing)?;
        for i in first..=last {
            self.pages.entry(i).or_insert_with(zero_page);
        }
        if mode & FALLOC_FL_KEEP_SIZE == 0 {
            self.size = self.size.max(end);
        }
        Ok(())
    }

    /// Zeros `start..end`, dropping the pages it covers entirely.
    fn punch(&mut self, sb: &Shared, start: u64, end: u64) {
        let first_whole = start.div_ceil(PAGE);
        let end_whole = end / PAGE;
        if first_whole < end_whole {
            let mut tail = self.pages.split_off(&first_whole);
            let mut rest = tail.split_off(&end_whole);
            sb.uncharge_pages(tail.len() as u64);
            self.pages.append(&mut rest);
        }
        // Partial pages at either end.
        for index in [start / PAGE, (end - 1) / PAGE] {
            let page_start = index * PAGE;
            let from = start.max(page_start) - page_start;
            let to = end.min(page_start + PAGE) - page_start;
            if let Some(page) = self.pages.get_mut(&index) {
                page[from as usize..to as usize].fill(0);
            }
        }
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
}
