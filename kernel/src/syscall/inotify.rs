//! inotify_init(2), inotify_init1(2), inotify_add_watch(2),
//! inotify_rm_watch(2). The instance is `file::inotify`, the events come
//! from `fsnotify`.
//!
//! Linux's checks, in order: a mask with an unknown bit or without any
//! known one, or with both IN_MASK_ADD and IN_MASK_CREATE, is EINVAL; then EBADF for the
//! descriptor and EINVAL if it is not an inotify instance; then the path
//! (followed unless IN_DONT_FOLLOW; ENOTDIR with IN_ONLYDIR for a
//! non-directory) and read permission on it.

use alloc::sync::Arc;

use fs::path::Lookup;

use super::open::{path_arg, start_dir};
use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::inotify::Inotify;
use crate::file::vfs::with_ctx;
use crate::file::{File, O_CLOEXEC, O_NONBLOCK};

const IN_ALL_EVENTS: u32 = 0xfff;
const IN_ONLYDIR: u32 = 0x0100_0000;
const IN_DONT_FOLLOW: u32 = 0x0200_0000;
const IN_EXCL_UNLINK: u32 = 0x0400_0000;
const IN_MASK_CREATE: u32 = 0x1000_0000;
const IN_MASK_ADD: u32 = 0x2000_0000;
const IN_ONESHOT: u32 = 0x8000_0000;
/// Linux's ALL_INOTIFY_BITS: the events, the IN_UNMOUNT / IN_Q_OVERFLOW /
/// IN_IGNORED / IN_ISDIR bits events carry, and the flags above.
const ALL_BITS: u32 = IN_ALL_EVENTS | 0x2000 | 0x4000 | 0x8000 | 0x4000_0000 | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ONESHOT;

pub fn inotify_init1(call: &Call<'_>, flags: u32) -> SysResult {
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let file = Arc::new(File::new(Inotify::new(), flags & O_NONBLOCK));
    call.install(file, flags & O_CLOEXEC != 0)
}

fn instance(call: &Call<'_>, fd: u64) -> Result<Arc<Inotify>, Errno> {
    let file = call.thread.process.files().lock().get(fd)?;
    file.downcast::<Arc<Inotify>>().cloned().ok_or(Errno::EINVAL)
}

pub fn inotify_add_watch(call: &Call<'_>, fd: u64, path: u64, mask: u32) -> SysResult {
    if mask & !ALL_BITS != 0 || mask & ALL_BITS == 0 || (mask & IN_MASK_ADD != 0 && mask & IN_MASK_CREATE != 0) {
        return Err(Errno::EINVAL);
    }
    let inotify = instance(call, fd)?;
    let p = path_arg(call, path)?;
    let dir = start_dir(call, super::open::AT_FDCWD, &p)?;
    let lookup = if mask & IN_DONT_FOLLOW != 0 { Lookup::NOFOLLOW } else { Lookup::empty() };
    let loc = with_ctx(call.thread, |vfs, ctx, _| {
        let loc = vfs.resolve(ctx, &dir, &p, lookup)?;
        fs::cred::check_access(&loc.inode.metadata(), ctx.creds, fs::Access::READ)?;
        Ok::<_, fs::Errno>(loc)
    })?;
    if mask & IN_ONLYDIR != 0 && !loc.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let kept = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
    let wd = inotify.add_watch(crate::fsnotify::key(&loc.inode), kept, mask & IN_MASK_ADD != 0, mask & IN_MASK_CREATE != 0)?;
    Ok(wd as u64)
}

pub fn inotify_rm_watch(call: &Call<'_>, fd: u64, wd: i32) -> SysResult {
    instance(call, fd)?.rm_watch(wd)?;
    Ok(0)
}
