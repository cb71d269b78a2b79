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
use crate::uaccess;

const AT_EMPTY_PATH: u32 = 0x1000;

/// `struct stat` (x86-64, 144 bytes).
fn encode_stat(m: &Metadata) -> [u8; 144] {
    let mut b = [0u8; 144];
    let mut put = |o: usize, v: &[u8]| b[o..o + v.len()].copy_from_slice(v);
    put(0, &m.dev.to_le_bytes());
    put(8, &m.ino.to_le_bytes());
    put(16, &(m.nlink as u64).to_le_bytes());
    put(24, &m.mode.to_le_bytes());
    put(28, &m.uid.to_le_bytes());
    put(32, &m.gid.to_le_bytes());
    put(40, &m.rdev.to_le_bytes());
    put(48, &m.size.to_le_bytes());
    put(56, &(m.blksize as u64).to_le_bytes());
    put(64, &m.blocks.to_le_bytes());
    for (i, t) in [m.atime, m.mtime, m.ctime].iter().enumerate() {
        put(72 + i * 16, &t.sec.to_le_bytes());
        put(80 + i * 16, &(t.nsec as u64).to_le_bytes());
    }
    b
}

fn write_stat(call: &Call<'_>, buf: u64, m: &Metadata) -> SysResult {
    uaccess::write_bytes(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, buf, &encode_stat(m))?;
    Ok(0)
}

pub fn fstat(call: &Call<'_>, fd: u64, buf: u64) -> SysResult {
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

pub fn newfstatat(call: &Call<'_>, dirfd: i32, path: u64, buf: u64, flags: u64) -> SysResult {
    let p = stat_path(call, path, flags as u32)?;
    let m = lookup_metadata(call, dirfd, &p, flags as u32)?;
    write_stat(call, buf, &m)
}

pub fn stat(call: &Call<'_>, path: u64, buf: u64, nofollow: bool) -> SysResult {
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

pub fn statx(call: &Call<'_>, dirfd: i32, path: u64, flags: u32, mask: u32, buf: u64) -> SysResult {
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
    let mut b = [0u8; 256];
    let mut put = |o: usize, v: &[u8]| b[o..o + v.len()].copy_from_slice(v);
    put(0, &(STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID).to_le_bytes());
    put(4, &m.blksize.to_le_bytes());
    put(8, &attributes.to_le_bytes());
    put(16, &m.nlink.to_le_bytes());
    put(20, &m.uid.to_le_bytes());
    put(24, &m.gid.to_le_bytes());
    put(28, &(m.mode as u16).to_le_bytes());
    put(32, &m.ino.to_le_bytes());
    put(40, &m.size.to_le_bytes());
    put(48, &m.blocks.to_le_bytes());
    put(56, &attributes_mask.to_le_bytes());
    for (o, t) in [(64, m.atime), (80, m.btime), (96, m.ctime), (112, m.mtime)] {
        put(o, &t.sec.to_le_bytes());
        put(o + 8, &t.nsec.to_le_bytes());
    }
    put(128, &major(m.rdev).to_le_bytes());
    put(132, &minor(m.rdev).to_le_bytes());
    put(136, &major(m.dev).to_le_bytes());
    put(140, &minor(m.dev).to_le_bytes());
    put(144, &mnt_id.to_le_bytes());
    uaccess::write_bytes(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, buf, &b)?;
    Ok(0)
}

/// `struct statfs` (120 bytes).
fn encode_statfs(s: &StatFs) -> [u8; 120] {
    let mut b = [0u8; 120];
    let words = [s.fs_type, s.bsize, s.blocks, s.bfree, s.bavail, s.files, s.ffree];
    for (i, w) in words.iter().enumerate() {
        b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
    }
    // f_fsid (8 bytes) at 56, f_namelen at 64, f_frsize at 72, f_flags at 80.
    b[64..72].copy_from_slice(&s.namelen.to_le_bytes());
    b[72..80].copy_from_slice(&s.frsize.to_le_bytes());
    b[80..88].copy_from_slice(&s.flags.to_le_bytes());
    b
}

pub fn statfs(call: &Call<'_>, path: u64, buf: u64) -> SysResult {
    let p = path_arg(call, path)?;
    let dir = start_dir(call, AT_FDCWD, &p)?;
    let s = with_ctx(call.thread, |vfs, ctx, _| fs::attr::statfs_at(vfs, ctx, &dir, &p))?;
    uaccess::write_bytes(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, buf, &encode_statfs(&s))?;
    Ok(0)
}

pub fn fstatfs(call: &Call<'_>, fd: u64, buf: u64) -> SysResult {
    let file = call.thread.process.files().lock().get_raw(fd)?;
    let s = file.ops().statfs()?;
    uaccess::write_bytes(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, buf, &encode_statfs(&s))?;
    Ok(0)
}
