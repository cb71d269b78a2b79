//! fallocate(2), in Linux's order: EINVAL for the range, EOPNOTSUPP for a
//! mode no filesystem knows (before looking at the fd), EBADF without
//! write access, then the file's own answer (ESPIPE on a pipe, ENODEV
//! where nothing can be allocated, EISDIR, EFBIG, RLIMIT_FSIZE, the
//! filesystem's mode check on tmpfs).

use super::super::Call;
use crate::errno::{Errno, SysResult};

const FALLOC_FL_KEEP_SIZE: u32 = 0x01;
const FALLOC_FL_PUNCH_HOLE: u32 = 0x02;
const FALLOC_FL_COLLAPSE_RANGE: u32 = 0x08;
const FALLOC_FL_ZERO_RANGE: u32 = 0x10;
const FALLOC_FL_INSERT_RANGE: u32 = 0x20;
const FALLOC_FL_UNSHARE_RANGE: u32 = 0x40;
const FALLOC_FL_WRITE_ZEROES: u32 = 0x80;
const FALLOC_FL_MODE_MASK: u32 = FALLOC_FL_PUNCH_HOLE
    | FALLOC_FL_COLLAPSE_RANGE
    | FALLOC_FL_ZERO_RANGE
    | FALLOC_FL_INSERT_RANGE
    | FALLOC_FL_UNSHARE_RANGE
    | FALLOC_FL_WRITE_ZEROES;

pub fn fallocate(call: &Call<'_>, fd: u64, mode: u32, off: i64, len: i64) -> SysResult {
    if off < 0 || len <= 0 {
        return Err(Errno::EINVAL);
    }
    if mode & !(FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE) != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let keep = mode & FALLOC_FL_KEEP_SIZE != 0;
    let known = match mode & FALLOC_FL_MODE_MASK {
        0 | FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_ZERO_RANGE => true,
        FALLOC_FL_PUNCH_HOLE => keep,
        FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE | FALLOC_FL_WRITE_ZEROES => !keep,
        _ => false,
    };
    if !known {
        return Err(Errno::EOPNOTSUPP);
    }
    let file = call.thread.process.files().lock().get(fd)?;
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    file.ops().fallocate(&file, call.thread, mode, off as u64, len as u64)?;
    Ok(0)
}
