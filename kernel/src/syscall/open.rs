//! open(2), openat(2), openat2(2), creat(2) and the helpers every
//! path-taking call uses: the starting directory for a `dirfd` and the
//! path from user memory. What is opened follows the inode's type: a
//! character device's driver (`file::device`), a FIFO's pipe
//! (`file::pipe::fifo`, which may wait for a partner), else the VFS file
//! itself (`file::inode`); block devices and sockets are ENXIO.

use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::flags::*;
use fs::inode::{major, minor};
use fs::vfs::PathLoc;

use super::Call;
use crate::abi::OpenHow;
use crate::errno::{Errno, SysResult};
use crate::file::vfs::with_ctx;
use crate::file::{device, File, FileOps, InodeFile};
use crate::uaccess;

pub const AT_FDCWD: i32 = -100;

/// The path argument at `addr`.
pub fn path_arg(call: &Call<'_>, addr: u64) -> Result<Vec<u8>, Errno> {
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    uaccess::read_path(&mm, addr)
}

/// Where a relative `path` starts: the working directory for AT_FDCWD, else
/// the directory open on `dirfd` (an absolute path ignores it).
pub fn start_dir(call: &Call<'_>, dirfd: i32, path: &[u8]) -> Result<PathLoc, Errno> {
    let p = &call.thread.process;
    if path.first() == Some(&b'/') {
        return Ok(p.fs().lock().root.clone());
    }
    if dirfd == AT_FDCWD {
        return Ok(p.fs().lock().cwd.clone());
    }
    let file = p.files().lock().get_raw(dirfd as u32 as u64)?;
    match file.inode_file() {
        Some(f) => Ok(f.loc.clone()),
        // A relative path from a non-directory descriptor.
        None if path.is_empty() => Err(Errno::ENOENT),
        None => Err(Errno::ENOTDIR),
    }
}

/// Like [`start_dir`], but an empty path (AT_EMPTY_PATH) may name any
/// open file, not only a directory — O_PATH descriptors included, as Linux.
pub fn start_dir_or_file(call: &Call<'_>, dirfd: i32, path: &[u8]) -> Result<PathLoc, Errno> {
    if !path.is_empty() {
        return start_dir(call, dirfd, path);
    }
    let file = call.thread.process.files().lock().get_raw(dirfd as u32 as u64)?;
    file.inode_file().map(|f| f.loc.clone()).ok_or(Errno::EACCES)
}

fn nofile(call: &Call<'_>) -> usize {
    call.thread.process.limits.lock().0[crate::proc::limits::RLIMIT_NOFILE].0.min(1 << 20) as usize
}

/// Opens `path` relative to `dirfd` and installs a descriptor.
pub async fn openat(call: &Call<'_>, dirfd: i32, path_addr: u64, flags: u32, mode: u32) -> SysResult {
    // Linux 6.4+: O_CREAT|O_DIRECTORY (without O_TMPFILE) is EINVAL.
    if flags & O_CREAT != 0 && flags & O_TMPFILE == O_DIRECTORY {
        return Err(Errno::EINVAL);
    }
    let path = path_arg(call, path_addr)?;
    let dir = start_dir(call, dirfd, &path)?;
    let p = &call.thread.process;
    let r = with_ctx(call.thread, |vfs, ctx, _| fs::open::open(vfs, ctx, &dir, &path, flags, mode))?;
    let meta = r.loc.inode.metadata();
    if crate::fsnotify::active() && flags & O_PATH == 0 {
        use crate::fsnotify::{dir_event, event, IN_CREATE, IN_MODIFY, IN_OPEN};
        if r.created && !r.name.is_empty() {
            dir_event(&r.parent.inode, IN_CREATE, &r.name, false, 0);
        }
        event(&r.loc.inode, IN_OPEN, Some((&r.parent.inode, &r.name)), 0);
        // Truncating an existing file reports after the open, as Linux.
        if !r.created && flags & O_TRUNC != 0 && meta.is_regular() {
            event(&r.loc.inode, IN_MODIFY, Some((&r.parent.inode, &r.name)), 0);
        }
    }
    let node = fs::inode::Jump { loc: r.loc.clone(), parent: r.parent.clone(), name: r.name.clone() };
    let kind: alloc::boxed::Box<dyn FileOps> = if let Some(ns) = crate::procfs::pid_ns::namespace_of(&r.loc.inode).filter(|_| flags & O_PATH == 0) {
        // A namespace reached through /proc/PID/ns/*.
        alloc::boxed::Box::new(crate::ns::file::NsFile(ns))
    } else if flags & O_PATH == 0 && meta.mode & 0o170000 == 0o020000 {
        // ptmx, pty slaves, and /dev/tty when the controlling terminal is
        // a pty (ENXIO without one) are the pty driver's.
        match crate::file::pty::open(major(meta.rdev), minor(meta.rdev), call.thread, flags)? {
            Some(k) => k,
            None => device::open_char(major(meta.rdev), minor(meta.rdev))?,
        }
    } else if flags & O_PATH == 0 && meta.mode & 0o170000 == 0o010000 {
        alloc::boxed::Box::new(crate::file::pipe::fifo::open(call.thread, meta.dev, meta.ino, flags).await?)
    } else if flags & O_PATH == 0 && meta.mode & 0o170000 == 0o060000 {
        return Err(Errno::ENXIO); // no block devices
    } else if flags & O_PATH == 0 && meta.mode & 0o170000 == 0o140000 {
        return Err(Errno::ENXIO); // a socket node cannot be opened (Linux's bad_sock_fops)
    } else {
        let f = InodeFile {
            loc: r.loc,
            parent: r.parent,
            name: r.name,
            write: r.write,
            opener: crate::file::vfs::creds_of(call.thread),
            state: r.state,
        };
        if flags & O_PATH == 0 {
            // A cgroup control file is served by cgroupfs itself.
            crate::cgroup::open_file::open(f)?
        } else {
            alloc::boxed::Box::new(f)
        }
    };
    // The description keeps the access mode and status flags; creation
    // flags and unknown bits are not reported by F_GETFL.
    let kept = flags & VALID_OPEN_FLAGS & !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
    let mut file = File::from_ops(kind, kept | O_LARGEFILE);
    if file.inode_file().is_none() {
        file.node = Some(node);
    }
    let file = Arc::new(file);
    let limit = nofile(call);
    Ok(p.files().lock().install(file, flags & O_CLOEXEC != 0, limit)? as u64)
}

/// Linux's VALID_OPEN_FLAGS: the bits open(2) knows (others are ignored,
/// openat2(2) rejects them).
const VALID_OPEN_FLAGS: u32 = 0o3 | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | 0o20000 /* FASYNC */
    | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | O_TMPFILE | O_SYNC;

const RESOLVE_NO_MAGICLINKS: u64 = 0x02;

/// openat2(2): like openat, but unknown flags, a mode without O_CREAT or
/// O_TMPFILE, and unknown resolve flags are EINVAL. Of the RESOLVE_* flags
/// only RESOLVE_NO_MAGICLINKS is honoured (there are no magic links yet);
/// the others are EINVAL until the path walk learns them.
pub async fn openat2(call: &Call<'_>, dirfd: i32, path: u64, how: uaccess::UserPtr<OpenHow>, size: u64) -> SysResult {
    if size < 24 {
        return Err(Errno::EINVAL);
    }
    if size > 4096 {
        return Err(Errno::E2BIG);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let OpenHow { flags, mode, resolve } = how.read_sized(&mm, size as usize)?;
    if flags & !(VALID_OPEN_FLAGS as u64) != 0 || mode & !0o7777 != 0 {
        return Err(Errno::EINVAL);
    }
    if mode != 0 && flags as u32 & O_CREAT == 0 && flags as u32 & O_TMPFILE != O_TMPFILE {
        return Err(Errno::EINVAL);
    }
    if resolve & !RESOLVE_NO_MAGICLINKS != 0 {
        return Err(Errno::EINVAL);
    }
    openat(call, dirfd, path, flags as u32, mode as u32).await
}

pub async fn open(call: &Call<'_>, path: u64, flags: u32, mode: u32) -> SysResult {
    openat(call, AT_FDCWD, path, flags, mode).await
}

pub async fn creat(call: &Call<'_>, path: u64, mode: u32) -> SysResult {
    openat(call, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode).await
}
