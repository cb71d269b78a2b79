//! readlink(2) and readlinkat(2) on the initramfs, until the VFS (files
//! issue) takes over path lookup. There is no /proc yet, so
//! /proc/self/exe is ENOENT, as on a Linux without procfs mounted.

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::uaccess;

const AT_FDCWD: i32 = -100;

pub fn readlinkat(call: &Call<'_>, dirfd: i32, path: u64, buf: u64, size: u64) -> SysResult {
    if size as i64 <= 0 {
        return Err(Errno::EINVAL);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let p = uaccess::read_cstr(&mm, path, 4095, Errno::ENAMETOOLONG)?;
    if p.is_empty() {
        return Err(Errno::ENOENT);
    }
    if !p.starts_with('/') && dirfd != AT_FDCWD {
        call.thread.process.files().lock().get(dirfd as u64)?;
        return Err(Errno::ENOTDIR);
    }
    let target = crate::initramfs::readlink(&p)?;
    let n = target.len().min(size as usize);
    uaccess::write_bytes(&mm, buf, &target[..n])?;
    Ok(n as u64)
}
