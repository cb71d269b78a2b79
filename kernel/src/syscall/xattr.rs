//! Extended attributes: {,l,f}getxattr, {,l,f}setxattr, {,l,f}listxattr,
//! {,l,f}removexattr (user.* and trusted.* on tmpfs; the rules and errno
//! values are the `fs` crate's). And fadvise64(2), which only validates.

use alloc::vec::Vec;

use super::open::{path_arg, start_dir, AT_FDCWD};
use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::vfs::with_ctx;
use crate::uaccess;

/// How the target is named: a path (following symlinks or not) or an fd.
#[derive(Clone, Copy)]
pub enum Target {
    Path { follow: bool },
    Fd,
}

fn locate(call: &Call<'_>, t: Target, arg: u64) -> Result<fs::vfs::PathLoc, Errno> {
    match t {
        Target::Fd => {
            let file = call.thread.process.files().lock().get(arg)?;
            if file.status() & fs::flags::O_PATH != 0 {
                return Err(Errno::EBADF);
            }
            file.inode_file().map(|f| f.loc.clone()).ok_or(Errno::EOPNOTSUPP)
        }
        Target::Path { follow } => {
            let p = path_arg(call, arg)?;
            let dir = start_dir(call, AT_FDCWD, &p)?;
            let flags = if follow { fs::Lookup::empty() } else { fs::Lookup::NOFOLLOW };
            Ok(with_ctx(call.thread, |vfs, ctx, _| vfs.resolve(ctx, &dir, &p, flags))?)
        }
    }
}

/// IN_ATTRIB for inotify (to the inode's own watches; Linux also tells
/// the watches of the directory the name was found in).
fn attrib(loc: &fs::vfs::PathLoc) {
    crate::fsnotify::event(&loc.inode, crate::fsnotify::IN_ATTRIB, None, 0);
}

fn name_arg(call: &Call<'_>, name: u64) -> Result<Vec<u8>, Errno> {
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let n = uaccess::read_path(&mm, name).map_err(|e| if e == Errno::ENAMETOOLONG { Errno::ERANGE } else { e })?;
    if n.is_empty() || n.len() > 255 {
        return Err(Errno::ERANGE);
    }
    Ok(n)
}

/// Copies `data` out as the calls do: size 0 asks for the length; a
/// smaller buffer is ERANGE.
fn reply(call: &Call<'_>, data: &[u8], buf: u64, size: u64) -> SysResult {
    if size == 0 {
        return Ok(data.len() as u64);
    }
    if (size as usize) < data.len() {
        return Err(Errno::ERANGE);
    }
    uaccess::write_bytes(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, buf, data)?;
    Ok(data.len() as u64)
}

pub fn getxattr(call: &Call<'_>, t: Target, arg: u64, name: u64, buf: u64, size: u64) -> SysResult {
    let loc = locate(call, t, arg)?;
    let n = name_arg(call, name)?;
    let v = with_ctx(call.thread, |_, ctx, _| fs::xattr::getxattr(ctx, &loc, &n))?;
    reply(call, &v, buf, size)
}

pub fn setxattr(call: &Call<'_>, t: Target, arg: u64, name: u64, value: u64, size: u64, flags: u32) -> SysResult {
    if size > 65536 {
        return Err(Errno::E2BIG);
    }
    let loc = locate(call, t, arg)?;
    let n = name_arg(call, name)?;
    let mut v = alloc::vec![0u8; size as usize];
    uaccess::read_bytes(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, value, &mut v)?;
    with_ctx(call.thread, |_, ctx, _| fs::xattr::setxattr(ctx, &loc, &n, &v, flags))?;
    attrib(&loc);
    Ok(0)
}

pub fn listxattr(call: &Call<'_>, t: Target, arg: u64, buf: u64, size: u64) -> SysResult {
    let loc = locate(call, t, arg)?;
    let v = with_ctx(call.thread, |_, ctx, _| fs::xattr::listxattr(ctx, &loc))?;
    reply(call, &v, buf, size)
}

pub fn removexattr(call: &Call<'_>, t: Target, arg: u64, name: u64) -> SysResult {
    let loc = locate(call, t, arg)?;
    let n = name_arg(call, name)?;
    with_ctx(call.thread, |_, ctx, _| fs::xattr::removexattr(ctx, &loc, &n))?;
    attrib(&loc);
    Ok(0)
}

/// fadvise64(2): advice is validated and otherwise ignored (there is no
/// readahead to tune on tmpfs); a pipe or FIFO is ESPIPE (Linux checks
/// the inode's type).
pub fn fadvise64(call: &Call<'_>, fd: u64, _off: i64, len: i64, advice: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    if file.metadata().mode & 0o170000 == 0o010000 {
        return Err(Errno::ESPIPE);
    }
    if advice > 5 || len < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}
