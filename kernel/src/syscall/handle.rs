//! name_to_handle_at(2) and open_by_handle_at(2), for cgroupfs (Linux's
//! kernfs export operations): a handle is the node's 8-byte id with type
//! FILEID_KERNFS (0xfe); for a cgroup directory the id is the cgroup id.
//!
//! As Linux: unknown flags are EINVAL; a handle_bytes above MAX_HANDLE_SZ
//! (128) is EINVAL; one too small for the 8 bytes is EOVERFLOW, with the
//! needed size and FILEID_INVALID written back (and the mount id);
//! open_by_handle_at needs CAP_DAC_READ_SEARCH (EPERM), reads the id as
//! FILEID_KERNFS or FILEID_INO32_GEN(_PARENT), and a handle of another
//! type or of a node that is gone is ESTALE.
//!
//! Differs: other filesystems (tmpfs, which Linux can export) answer
//! EOPNOTSUPP, as a filesystem without export operations.

use alloc::sync::Arc;

use fs::flags::*;
use fs::vfs::PathLoc;
use fs::Lookup;

use super::open::{path_arg, start_dir_or_file, AT_FDCWD};
use super::Call;
use crate::cgroup::handle::{decode, encode, is_cgroupfs, FILEID_KERNFS};
use crate::errno::{Errno, SysResult};
use crate::file::vfs::{creds_of, with_ctx};
use crate::file::{File, InodeFile};
use crate::uaccess;

const AT_HANDLE_MNT_ID_UNIQUE: u32 = 0x001;
const AT_HANDLE_FID: u32 = 0x200;
const AT_SYMLINK_FOLLOW: u32 = 0x400;
const AT_EMPTY_PATH: u32 = 0x1000;
const MAX_HANDLE_SZ: u32 = 128;
const FILEID_INVALID: i32 = 255;
const CAP_DAC_READ_SEARCH: u32 = 2;

pub fn name_to_handle_at(call: &Call<'_>, dirfd: i32, path: u64, handle: u64, mount_id: u64, flags: u32) -> SysResult {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH | AT_HANDLE_FID | AT_HANDLE_MNT_ID_UNIQUE) != 0 {
        return Err(Errno::EINVAL);
    }
    let p = path_arg(call, path)?;
    if p.is_empty() && flags & AT_EMPTY_PATH == 0 {
        return Err(Errno::ENOENT);
    }
    let dir = start_dir_or_file(call, dirfd, &p)?;
    let mut lookup = if flags & AT_SYMLINK_FOLLOW != 0 { Lookup::empty() } else { Lookup::NOFOLLOW };
    if p.is_empty() {
        lookup |= Lookup::EMPTY_PATH;
    }
    let loc = with_ctx(call.thread, |v, ctx, _| v.resolve(ctx, &dir, &p, lookup))?;
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let bytes = uaccess::UserPtr::<u32>::new(handle).read(&mm)?;
    if bytes > MAX_HANDLE_SZ {
        return Err(Errno::EINVAL);
    }
    let id = encode(&loc.inode).ok_or(Errno::EOPNOTSUPP)?;
    let fits = bytes >= 8;
    let ty = if fits { FILEID_KERNFS } else { FILEID_INVALID };
    let mnt = loc.mount.id() as u64;
    if flags & AT_HANDLE_MNT_ID_UNIQUE != 0 {
        uaccess::UserPtr::<u64>::new(mount_id).write(&mm, &mnt)?;
    } else {
        uaccess::UserPtr::<u32>::new(mount_id).write(&mm, &(mnt as u32))?;
    }
    uaccess::UserPtr::<u32>::new(handle).write(&mm, &8)?;
    uaccess::UserPtr::<i32>::new(handle + 4).write(&mm, &ty)?;
    if !fits {
        return Err(Errno::EOVERFLOW);
    }
    uaccess::UserPtr::<u64>::new(handle + 8).write(&mm, &id)?;
    Ok(0)
}

pub fn open_by_handle_at(call: &Call<'_>, mount_fd: i32, handle: u64, flags: u32) -> SysResult {
    if !call.thread.creds.lock().capable(CAP_DAC_READ_SEARCH) {
        return Err(Errno::EPERM);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let bytes = uaccess::UserPtr::<u32>::new(handle).read(&mm)?;
    let ty = uaccess::UserPtr::<i32>::new(handle + 4).read(&mm)?;
    if bytes == 0 || bytes > MAX_HANDLE_SZ {
        return Err(Errno::EINVAL);
    }
    let mount = if mount_fd == AT_FDCWD {
        call.thread.process.fs().lock().cwd.mount.clone()
    } else {
        let f = call.thread.process.files().lock().get_raw(mount_fd as u32 as u64)?;
        f.inode_file().map(|i| i.loc.mount.clone()).or_else(|| f.node.as_ref().map(|n| n.loc.mount.clone())).ok_or(Errno::EBADF)?
    };
    // kernfs also takes its id as FILEID_INO32_GEN(_PARENT): the inode
    // number and the generation, the same 8 bytes.
    if !is_cgroupfs(mount.root()) || !matches!(ty, FILEID_KERNFS | 1 | 2) || bytes < 8 {
        return Err(Errno::ESTALE);
    }
    let id = uaccess::UserPtr::<u64>::new(handle + 8).read(&mm)?;
    let inode = decode(id).ok_or(Errno::ESTALE)?;
    let meta = inode.metadata();
    let acc = flags & O_ACCMODE;
    if flags & O_PATH == 0 && meta.is_dir() && (acc != O_RDONLY || flags & O_CREAT != 0) {
        return Err(Errno::EISDIR);
    }
    if flags & O_DIRECTORY != 0 && !meta.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let parent_inode = inode.parent()?;
    let name = if fs::inode::same_inode(&parent_inode, &inode) { alloc::vec::Vec::new() } else { fs::vfs::name_in(&parent_inode, &inode).unwrap_or_default() };
    let f = InodeFile {
        loc: PathLoc::new(mount.clone(), inode),
        parent: PathLoc::new(mount, parent_inode),
        name,
        write: None,
        opener: creds_of(call.thread),
        state: None,
    };
    let kind = if flags & O_PATH == 0 { crate::cgroup::open_file::open(f)? } else { alloc::boxed::Box::new(f) };
    let kept = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW | O_PATH | O_NOATIME);
    let file = Arc::new(File::from_ops(kind, kept | O_LARGEFILE));
    let limit = call.thread.process.limits.lock().0[crate::proc::limits::RLIMIT_NOFILE].0.min(1 << 20) as usize;
    Ok(call.thread.process.files().lock().install(file, flags & O_CLOEXEC != 0, limit)? as u64)
}
