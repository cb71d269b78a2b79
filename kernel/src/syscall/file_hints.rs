//! readahead(2) and sync_file_range(2): hints about a file's pages that
//! Aramid's filesystems (in memory, with nothing to read ahead or write
//! back) take without work, after Linux's checks.
//!
//! readahead needs a descriptor open for reading (EBADF) of a regular
//! file (EINVAL for pipes, sockets, directories, devices), and a count
//! that fits a signed offset. sync_file_range checks its flags and range
//! (EINVAL for unknown flags, a negative offset or a range that wraps),
//! then the kind (ESPIPE unless a regular file, directory or link).

use super::Call;
use crate::errno::{Errno, SysResult};

const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;
const S_IFDIR: u32 = 0o040000;
const S_IFLNK: u32 = 0o120000;
const SYNC_FILE_RANGE_ALL: u32 = 1 | 2 | 4;

pub fn readahead(call: &Call<'_>, fd: u64, _offset: i64, count: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    if file.metadata().mode & S_IFMT != S_IFREG || count > i64::MAX as u64 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

pub fn sync_file_range(call: &Call<'_>, fd: u64, offset: i64, nbytes: i64, flags: u32) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    if flags & !SYNC_FILE_RANGE_ALL != 0 || offset < 0 {
        return Err(Errno::EINVAL);
    }
    let end = (offset as u64).wrapping_add(nbytes as u64);
    if (end as i64) < 0 || end < offset as u64 {
        return Err(Errno::EINVAL);
    }
    if !matches!(file.metadata().mode & S_IFMT, S_IFREG | S_IFDIR | S_IFLNK) {
        return Err(Errno::ESPIPE);
    }
    Ok(0)
}
