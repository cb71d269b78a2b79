//! getdents64(2) and getdents(2): directory entries from the file position
//! on, as many whole records as fit in the caller's buffer (EINVAL if not
//! even one does), in the 64-bit or the original layout. The position
//! moves only if the records reach the caller.

use alloc::vec::Vec;

use zerocopy::IntoBytes;

use super::super::Call;
use super::mm;
use crate::abi::DirentHead;
use crate::errno::{Errno, SysResult};
use crate::uaccess;

/// getdents64(2): `struct linux_dirent64` records.
pub fn getdents64(call: &Call<'_>, fd: u64, dirp: u64, count: u64) -> SysResult {
    read_dir(call, fd, dirp, count, false)
}

/// getdents(2), the original call: `struct linux_dirent` records (ino,
/// offset, length, name, NUL, and the type in the record's last byte).
pub fn getdents(call: &Call<'_>, fd: u64, dirp: u64, count: u64) -> SysResult {
    read_dir(call, fd, dirp, count, true)
}

fn read_dir(call: &Call<'_>, fd: u64, dirp: u64, count: u64, old: bool) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    let count = count.min(1 << 20) as usize;
    let mut out = Vec::with_capacity(count.min(4096));
    let mut pos_guard = file.pos.lock();
    let mut too_small = false;
    let pos = file.ops().iterate_dir(*pos_guard, &mut |e| {
        // linux_dirent64: ino, off, reclen, type, name, NUL; linux_dirent:
        // ino, off, reclen, name, NUL, padding, type.
        let reclen = if old { 18 + e.name.len() + 2 } else { 19 + e.name.len() + 1 }.next_multiple_of(8);
        if out.len() + reclen > count {
            too_small = out.is_empty();
            return false;
        }
        let start = out.len();
        out.extend_from_slice(DirentHead { d_ino: e.ino, d_off: e.next as i64, d_reclen: reclen as u16 }.as_bytes());
        if !old {
            out.push(e.kind);
        }
        out.extend_from_slice(e.name);
        out.resize(start + reclen, 0);
        if old {
            out[start + reclen - 1] = e.kind;
        }
        true
    })?;
    if too_small {
        return Err(Errno::EINVAL);
    }
    uaccess::write_bytes(&*mm(call)?, dirp, &out)?;
    *pos_guard = pos;
    drop(pos_guard);
    crate::fsnotify::file_event(&file, crate::fsnotify::IN_ACCESS);
    Ok(out.len() as u64)
}
