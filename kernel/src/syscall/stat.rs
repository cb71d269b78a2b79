//! fstat(2) and newfstatat(2) for the descriptors that exist so far.
//!
//! The console is reported as Linux reports /dev/ttyS0: a character device
//! (major 4, minor 64), mode 0620.

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::FileKind;
use crate::uaccess;

const AT_EMPTY_PATH: u64 = 0x1000;
const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
const AT_NO_AUTOMOUNT: u64 = 0x800;

/// `struct stat` on x86-64 (144 bytes).
fn console_stat() -> [u8; 144] {
    let mut st = [0u8; 144];
    let rdev: u64 = (4 << 8) | 64;
    st[0..8].copy_from_slice(&6u64.to_le_bytes()); // st_dev (devtmpfs)
    st[8..16].copy_from_slice(&64u64.to_le_bytes()); // st_ino
    st[16..24].copy_from_slice(&1u64.to_le_bytes()); // st_nlink
    st[24..28].copy_from_slice(&(0o020620u32).to_le_bytes()); // st_mode
    st[32..36].copy_from_slice(&5u32.to_le_bytes()); // st_gid (tty)
    st[40..48].copy_from_slice(&rdev.to_le_bytes()); // st_rdev
    st[56..64].copy_from_slice(&4096u64.to_le_bytes()); // st_blksize
    st
}

pub fn fstat(call: &Call<'_>, fd: u64, buf: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    let st = match &file.kind {
        FileKind::Console(_) => console_stat(),
    };
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    uaccess::write_bytes(&mm, buf, &st)?;
    Ok(0)
}

pub fn newfstatat(call: &Call<'_>, dirfd: i32, path: u64, buf: u64, flags: u64) -> SysResult {
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let name = uaccess::read_cstr(&mm, path, 4095, Errno::ENAMETOOLONG)?;
    if name.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        return fstat(call, dirfd as u64, buf);
    }
    // Path lookup arrives with the VFS (files issue).
    Err(Errno::ENOENT)
}
