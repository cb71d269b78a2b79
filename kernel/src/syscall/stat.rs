//! stat(2), lstat(2), fstat(2), newfstatat(2), statx(2), statfs(2),
//! fstatfs(2): metadata from the VFS, or, for an open file without a node,
//! what its kind reports (the console as /dev/ttyS0, pipefs, anonymous
//! inodes).

use alloc::vec::Vec;

use fs::inode::{major, minor, Metadata, StatFs};
use fs::PathLoc;

use super::open::{path_arg, start_dir, AT_FDCWD};
use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::vfs::with_ctx;
use crate::abi::{Stat, Statfs, Statx, StatxTimestamp};
use crate::uaccess::UserPtr;

const AT_EMPTY_PATH: u32 = 0x1000;

/// `struct stat` of `m`.
fn stat_of(m: &Metadata) -> Stat {
    Stat {
        st_dev: m.dev,
        st_ino: m.ino,
        st_nlink: m.nlink as u64,
        st_mode: m.mode,
        st_uid: m.uid,
        st_gid: m.gid,
        st_rdev: m.rdev,
        st_size: m.size as i64,
        st_blksize: m.blksize as i64,
        st_blocks: m.blocks as i64,
        st_atime: m.atime.sec,
        st_atime_nsec: m.atime.nsec as u64,
        st_mtime: m.mtime.sec,
        st_mtime_nsec: m.mtime.nsec as u64,
        st_ctime: m.ctime.sec,
        st_ctime_nsec: m.ctime.nsec as u64,
        ..Stat::default()
    }
}

fn write_stat(call: &Call<'_>, buf: UserPtr<Stat>, m: &Metadata) -> SysResult {
    buf.write(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, &stat_of(m))?;
    Ok(0)
}

pub fn fstat(call: &Call<'_>, fd: u64, buf: UserPtr<Stat>) -> SysResult {
    let file = call.thread.process.files().lock().get_raw(fd)?;
    write_stat(call, buf, &file.metadata())
}

/// Metadata of `path` relative to `dirfd` (AT_EMPTY_PATH: the fd itself).
pub fn lookup_metadata(call: &Call<'_>, dirfd: i32, path: &[u8], flags: u32) -> Result<Metadata, Errno> {
    lookup(call, dirfd, path, flags).map(|(m, _)| m)
}

/// Like [`lookup_metadata`], with the location when there is one (pipes,
/// sockets and other descriptors without a path have none).
fn lookup(call: &Call<'_>, dirfd: i32, path: &[u8], flags: u32) -> Result<(Metadata, Option<PathLoc>), Errno> {
    if path.is_empty() && flags & AT_EMPTY_PATH != 0 && dirfd != AT_FDCWD {
        let file = call.thread.process.files().lock().get_raw(dirfd as u32 as u64)?;
        let loc = file.inode_file().map(|f| f.loc.clone());
        return Ok((file.metadata(), loc));
    }
    let dir = start_dir(call, dirfd, path)?;
    let loc = with_ctx(call.thread, |vfs, ctx, _| fs::attr::stat_at(vfs, ctx, &dir, path, flags))?;
    Ok((loc.inode.metadata(), Some(loc)))
}

/// The path argument of the stat family: since Linux 6.11 a NULL path
/// with AT_EMPTY_PATH means "".
fn stat_path(call: &Call<'_>, path: u64, flags: u32) -> Result<Vec<u8>, Errno> {
    if path == 0 && flags & AT_EMPTY_PATH != 0 {
        return Ok(Vec::new());
    }
    path_arg(call, path)
}

pub fn newfstatat(call: &Call<'_>, dirfd: i32, path: u64, buf: UserPtr<Stat>, flags: u64) -> SysResult {
    let p = stat_path(call, path, flags as u32)?;
    let m = lookup_metadata(call, dirfd, &p, flags as u32)?;
    write_stat(call, buf, &m)
}

pub fn stat(call: &Call<'_>, path: u64, buf: UserPtr<Stat>, nofollow: bool) -> SysResult {
    newfstatat(call, AT_FDCWD, path, buf, if nofollow { 0x100 } else { 0 })
}

const STATX_BASIC_STATS: u32 = 0x7ff;
const STATX_BTIME: u32 = 0x800;
const STATX_MNT_ID: u32 = 0x1000;
const STATX_ATTR_MOUNT_ROOT: u64 = 0x2000;
/// Attribute bits the VFS always knows (AUTOMOUNT, MOUNT_ROOT, DAX), plus
/// those tmpfs supports (IMMUTABLE, APPEND, NODUMP), as Linux reports them.
const STATX_ATTRS_VFS: u64 = 0x1000 | STATX_ATTR_MOUNT_ROOT | 0x20_0000;
const STATX_ATTRS_TMPFS: u64 = 0x10 | 0x20 | 0x40;

pub fn statx(call: &Call<'_>, dirfd: i32, path: u64, flags: u32, mask: u32, buf: UserPtr<Statx>) -> SysResult {
    const AT_STATX_SYNC_TYPE: u32 = 0x6000;
    if flags & !(0x100 | 0x800 | 0x1000 | AT_STATX_SYNC_TYPE) != 0 || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE {
        return Err(Errno::EINVAL);
    }
    if mask & 0x8000_0000 != 0 {
        return Err(Errno::EINVAL); // STATX__RESERVED
    }
    let p = stat_path(call, path, flags)?;
    let (m, loc) = lookup(call, dirfd, &p, flags)?;
    let mut attributes = 0u64;
    let mut attributes_mask = STATX_ATTRS_VFS;
    let mut mnt_id = 0u64;
    if let Some(loc) = &loc {
        mnt_id = loc.mount.id() as u64;
        if loc.is_mount_root() {
            attributes |= STATX_ATTR_MOUNT_ROOT;
        }
        if loc.mount.fstype() == "tmpfs" {
            attributes_mask |= STATX_ATTRS_TMPFS;
        }
    }
    let ts = |t: fs::clock::Timespec| StatxTimestamp { tv_sec: t.sec, tv_nsec: t.nsec, _reserved: 0 };
    let stx = Statx {
        stx_mask: STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID,
        stx_blksize: m.blksize,
        stx_attributes: attributes,
        stx_nlink: m.nlink,
        stx_uid: m.uid,
        stx_gid: m.gid,
        stx_mode: m.mode as u16,
        stx_ino: m.ino,
        stx_size: m.size,
        stx_blocks: m.blocks,
        stx_attributes_mask: attributes_mask,
        stx_atime: ts(m.atime),
        stx_btime: ts(m.btime),
        stx_ctime: ts(m.ctime),
        stx_mtime: ts(m.mtime),
        stx_rdev_major: major(m.rdev),
        stx_rdev_minor: minor(m.rdev),
        stx_dev_major: major(m.dev),
        stx_dev_minor: minor(m.dev),
        stx_mnt_id: mnt_id,
        ..Statx::default()
    };
    buf.write(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, &stx)?;
    Ok(0)
}

/// `struct statfs` of `s` (f_fsid reads zero).
fn statfs_of(s: &StatFs) -> Statfs {
    Statfs {
        f_type: s.fs_type,
        f_bsize: s.bsize,
        f_blocks: s.blocks,
        f_bfree: s.bfree,
        f_bavail: s.bavail,
        f_files: s.files,
        f_ffree: s.ffree,
        f_namelen: s.namelen,
        f_frsize: s.frsize,
        f_flags: s.flags,
        ..Statfs::default()
    }
}

pub fn statfs(call: &Call<'_>, path: u64, buf: UserPtr<Statfs>) -> SysResult {
    let p = path_arg(call, path)?;
    let dir = start_dir(call, AT_FDCWD, &p)?;
    let s = with_ctx(call.thread, |vfs, ctx, _| fs::attr::statfs_at(vfs, ctx, &dir, &p))?;
    buf.write(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, &statfs_of(&s))?;
    Ok(0)
}

pub fn fstatfs(call: &Call<'_>, fd: u64, buf: UserPtr<Statfs>) -> SysResult {
    let file = call.thread.process.files().lock().get_raw(fd)?;
    let s = file.ops().statfs()?;
    buf.write(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, &statfs_of(&s))?;
    Ok(0)
}
