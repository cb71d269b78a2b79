//! Path operations: mkdir(at), mknod(at), unlink(at), rmdir, rename(at,2),
//! link(at), symlink(at), readlink(at), chmod family, chown family,
//! truncate/ftruncate, utimensat, access/faccessat/faccessat2, chdir,
//! fchdir, getcwd, chroot, sync family, umask-aware creation. The
//! semantics and errno values are the `fs` crate's (checked against Linux).

use fs::inode::SetTime;
use fs::Timespec;

use super::open::{path_arg, start_dir, AT_FDCWD};
use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::vfs::with_ctx;
use crate::fsnotify;
use crate::uaccess::{self, UserPtr};

/// For inotify: the directory holding `path`'s last component, that name,
/// and the inode it names now (None when nothing is watched anywhere).
struct Entry {
    dir: fs::InodeRef,
    name: alloc::vec::Vec<u8>,
    inode: Option<fs::InodeRef>,
}

fn entry(call: &Call<'_>, dir: &fs::vfs::PathLoc, path: &[u8], follow: bool) -> Option<Entry> {
    if !fsnotify::active() {
        return None;
    }
    with_ctx(call.thread, |vfs, ctx, _| {
        let parent = vfs.resolve_parent(ctx, dir, path).ok()?;
        let name = parent.name(fs::Errno::EINVAL).ok()?.to_vec();
        let lookup = if follow { fs::Lookup::empty() } else { fs::Lookup::NOFOLLOW };
        let inode = vfs.resolve(ctx, dir, path, lookup).ok().map(|l| l.inode);
        Some(Entry { dir: parent.dir.inode, name, inode })
    })
}

/// IN_CREATE for what `path` names now.
fn notify_created(call: &Call<'_>, dir: &fs::vfs::PathLoc, path: &[u8]) {
    if let Some(e) = entry(call, dir, path, false) {
        let isdir = e.inode.as_ref().is_some_and(|i| i.metadata().is_dir());
        fsnotify::dir_event(&e.dir, fsnotify::IN_CREATE, &e.name, isdir, 0);
    }
}

/// `mask` (IN_ATTRIB, IN_MODIFY) on what `path` names, and its directory.
fn notify_changed(call: &Call<'_>, dir: &fs::vfs::PathLoc, path: &[u8], follow: bool, mask: u32) {
    if let Some(Entry { dir, name, inode: Some(inode) }) = entry(call, dir, path, follow) {
        fsnotify::event(&inode, mask, Some((&dir, &name)), 0);
    }
}

/// `mask` on the file open at `fd`.
fn notify_fd(call: &Call<'_>, fd: u64, mask: u32) {
    if let Ok(file) = call.thread.process.files().lock().get(fd) {
        fsnotify::file_event(&file, mask);
    }
}

fn run<R>(call: &Call<'_>, f: impl FnOnce(&fs::vfs::Vfs, &fs::vfs::Ctx<'_>) -> fs::Result<R>) -> Result<R, Errno> {
    with_ctx(call.thread, |vfs, ctx, _| f(vfs, ctx)).map_err(Errno::from)
}

pub fn mkdirat(call: &Call<'_>, dirfd: i32, path: u64, mode: u32) -> SysResult {
    let p = path_arg(call, path)?;
    let dir = start_dir(call, dirfd, &p)?;
    run(call, |vfs, ctx| fs::ops::mkdirat(vfs, ctx, &dir, &p, mode))?;
    notify_created(call, &dir, &p);
    Ok(0)
}

pub fn mknodat(call: &Call<'_>, dirfd: i32, path: u64, mode: u32, dev: u64) -> SysResult {
    let p = path_arg(call, path)?;
    let dir = start_dir(call, dirfd, &p)?;
    // The user's dev_t (old 16-bit or new encoding) to the fs encoding.
    let dev = fs::inode::makedev(((dev >> 8) & 0xfff) as u32 | ((dev >> 32) as u32 & !0xfff), (dev & 0xff) as u32 | ((dev >> 12) as u32 & !0xff));
    run(call, |vfs, ctx| fs::ops::mknodat(vfs, ctx, &dir, &p, mode, dev))?;
    notify_created(call, &dir, &p);
    Ok(0)
}

pub fn unlinkat(call: &Call<'_>, dirfd: i32, path: u64, flags: u32) -> SysResult {
    let p = path_arg(call, path)?;
    let dir = start_dir(call, dirfd, &p)?;
    let victim = entry(call, &dir, &p, false);
    run(call, |vfs, ctx| fs::ops::unlinkat(vfs, ctx, &dir, &p, flags))?;
    if let Some(Entry { dir, name, inode: Some(inode) }) = victim {
        let isdir = inode.metadata().is_dir();
        if !isdir {
            // The link count changed.
            fsnotify::event(&inode, fsnotify::IN_ATTRIB, None, 0);
        }
        fsnotify::dir_event(&dir, fsnotify::IN_DELETE, &name, isdir, 0);
        fsnotify::maybe_gone(&inode, 1);
    }
    Ok(0)
}

pub fn renameat2(call: &Call<'_>, olddir: i32, old: u64, newdir: i32, new: u64, flags: u32) -> SysResult {
    let (o, n) = (path_arg(call, old)?, path_arg(call, new)?);
    let (od, nd) = (start_dir(call, olddir, &o)?, start_dir(call, newdir, &n)?);
    let (from, to) = (entry(call, &od, &o, false), entry(call, &nd, &n, false));
    run(call, |vfs, ctx| fs::rename::renameat2(vfs, ctx, &od, &o, &nd, &n, flags))?;
    if let (Some(Entry { dir: fd, name: fname, inode: Some(moved) }), Some(Entry { dir: td, name: tname, inode: target })) = (from, to) {
        const RENAME_EXCHANGE: u32 = 2;
        let cookie = fsnotify::cookie();
        let isdir = moved.metadata().is_dir();
        fsnotify::dir_event(&fd, fsnotify::IN_MOVED_FROM, &fname, isdir, cookie);
        fsnotify::dir_event(&td, fsnotify::IN_MOVED_TO, &tname, isdir, cookie);
        fsnotify::self_event(&moved, fsnotify::IN_MOVE_SELF);
        if let Some(other) = target {
            if flags & RENAME_EXCHANGE != 0 {
                let cookie = fsnotify::cookie();
                let isdir = other.metadata().is_dir();
                fsnotify::dir_event(&td, fsnotify::IN_MOVED_FROM, &tname, isdir, cookie);
                fsnotify::dir_event(&fd, fsnotify::IN_MOVED_TO, &fname, isdir, cookie);
                fsnotify::self_event(&other, fsnotify::IN_MOVE_SELF);
            } else {
                fsnotify::maybe_gone(&other, 1);
            }
        }
    }
    Ok(0)
}

pub fn linkat(call: &Call<'_>, olddir: i32, old: u64, newdir: i32, new: u64, flags: u32) -> SysResult {
    let (o, n) = (path_arg(call, old)?, path_arg(call, new)?);
    let (od, nd) = (start_dir(call, olddir, &o)?, start_dir(call, newdir, &n)?);
    // AT_EMPTY_PATH on an open file: who opened it matters (flink).
    let opener = if o.is_empty() && olddir != AT_FDCWD {
        call.thread.process.files().lock().get(olddir as u32 as u64)?.inode_file().map(|f| f.opener.clone())
    } else {
        None
    };
    run(call, |vfs, ctx| fs::ops::linkat_opened(vfs, ctx, &od, &o, &nd, &n, flags, opener.as_ref()))?;
    if let Some(Entry { dir, name, inode: Some(inode) }) = entry(call, &nd, &n, false) {
        fsnotify::event(&inode, fsnotify::IN_ATTRIB, None, 0);
        fsnotify::dir_event(&dir, fsnotify::IN_CREATE, &name, false, 0);
    }
    Ok(0)
}

pub fn symlinkat(call: &Call<'_>, target: u64, dirfd: i32, path: u64) -> SysResult {
    let (t, p) = (path_arg(call, target)?, path_arg(call, path)?);
    let dir = start_dir(call, dirfd, &p)?;
    run(call, |vfs, ctx| fs::ops::symlinkat(vfs, ctx, &t, &dir, &p))?;
    notify_created(call, &dir, &p);
    Ok(0)
}

pub fn readlinkat(call: &Call<'_>, dirfd: i32, path: u64, buf: u64, size: u64) -> SysResult {
    if size as i64 <= 0 {
        return Err(Errno::EINVAL);
    }
    let p = path_arg(call, path)?;
    let dir = start_dir(call, dirfd, &p)?;
    let target = run(call, |vfs, ctx| fs::ops::readlinkat(vfs, ctx, &dir, &p))?;
    let n = target.len().min(size as usize);
    uaccess::write_bytes(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, buf, &target[..n])?;
    Ok(n as u64)
}

pub fn fchmodat(call: &Call<'_>, dirfd: i32, path: u64, mode: u32, flags: u32) -> SysResult {
    let p = path_arg(call, path)?;
    let dir = start_dir(call, dirfd, &p)?;
    run(call, |vfs, ctx| fs::attr::fchmodat(vfs, ctx, &dir, &p, mode, flags))?;
    notify_changed(call, &dir, &p, flags & 0x100 == 0, fsnotify::IN_ATTRIB);
    Ok(0)
}

fn inode_loc(call: &Call<'_>, fd: u64) -> Result<fs::vfs::PathLoc, Errno> {
    let file = call.thread.process.files().lock().get(fd)?;
    // fchmod, fchown and futimens take ordinary descriptors only (Linux's
    // fdget): an O_PATH one is EBADF.
    if file.status() & fs::flags::O_PATH != 0 {
        return Err(Errno::EBADF);
    }
    // A device or FIFO opened by a node changes that node (login's
    // fchown and fchmod of its tty); anonymous pipes and kernel files
    // have no inode to change here.
    file.inode_file()
        .map(|f| f.loc.clone())
        .or_else(|| file.node.as_ref().map(|n| n.loc.clone()))
        .ok_or(Errno::EINVAL)
}

pub fn fchmod(call: &Call<'_>, fd: u64, mode: u32) -> SysResult {
    let loc = inode_loc(call, fd)?;
    run(call, |_, ctx| fs::attr::chmod(ctx, &loc, mode))?;
    notify_fd(call, fd, fsnotify::IN_ATTRIB);
    Ok(0)
}

fn id(v: u64) -> Option<u32> {
    (v as u32 != u32::MAX).then_some(v as u32)
}

pub fn fchownat(call: &Call<'_>, dirfd: i32, path: u64, uid: u64, gid: u64, flags: u32) -> SysResult {
    let p = path_arg(call, path)?;
    let dir = start_dir(call, dirfd, &p)?;
    run(call, |vfs, ctx| fs::attr::fchownat(vfs, ctx, &dir, &p, id(uid), id(gid), flags))?;
    notify_changed(call, &dir, &p, flags & 0x100 == 0, fsnotify::IN_ATTRIB);
    Ok(0)
}

pub fn fchown(call: &Call<'_>, fd: u64, uid: u64, gid: u64) -> SysResult {
    let loc = inode_loc(call, fd)?;
    run(call, |_, ctx| fs::attr::chown(ctx, &loc, id(uid), id(gid)))?;
    notify_fd(call, fd, fsnotify::IN_ATTRIB);
    Ok(0)
}

pub fn truncate(call: &Call<'_>, path: u64, len: i64) -> SysResult {
    let p = path_arg(call, path)?;
    let dir = start_dir(call, AT_FDCWD, &p)?;
    if len >= 0 {
        if let Ok(meta) = super::stat::lookup_metadata(call, AT_FDCWD, &p, 0) {
            if meta.is_regular() {
                crate::file::inode::newsize_ok(call.thread, meta.size, len as u64)?;
            }
        }
    }
    run(call, |vfs, ctx| fs::attr::truncate_at(vfs, ctx, &dir, &p, len))?;
    notify_changed(call, &dir, &p, true, fsnotify::IN_MODIFY);
    Ok(0)
}

pub fn ftruncate(call: &Call<'_>, fd: u64, len: i64) -> SysResult {
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let file = call.thread.process.files().lock().get(fd)?;
    if !file.writable() {
        return Err(Errno::EINVAL);
    }
    file.ops().truncate(&file, call.thread, len as u64)?;
    Ok(0)
}

const UTIME_NOW: i64 = (1 << 30) - 1;
const UTIME_OMIT: i64 = (1 << 30) - 2;

pub fn utimensat(call: &Call<'_>, dirfd: i32, path: u64, times: u64, flags: u32) -> SysResult {
    let (atime, mtime) = if times == 0 {
        (Some(SetTime::Now), Some(SetTime::Now))
    } else {
        let ts = UserPtr::<crate::abi::Timespec>::new(times).read_array(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, 2)?;
        let conv = |i: usize| -> Result<Option<SetTime>, Errno> {
            let (sec, nsec) = (ts[i].tv_sec, ts[i].tv_nsec);
            match nsec {
                UTIME_NOW => Ok(Some(SetTime::Now)),
                UTIME_OMIT => Ok(None),
                n if (0..1_000_000_000).contains(&n) => Ok(Some(SetTime::At(Timespec::new(sec, n as u32)))),
                _ => Err(Errno::EINVAL),
            }
        };
        (conv(0)?, conv(1)?)
    };
    set_times(call, dirfd, path, atime, mtime, flags)
}

/// Sets the times of `path` under `dirfd` (of `dirfd` itself when `path`
/// is NULL): utimensat's work after its arguments are read, shared with
/// utime, utimes and futimesat.
pub fn set_times(call: &Call<'_>, dirfd: i32, path: u64, atime: Option<SetTime>, mtime: Option<SetTime>, flags: u32) -> SysResult {
    if path == 0 && dirfd == AT_FDCWD {
        return Err(Errno::EFAULT);
    }
    if path == 0 {
        // utimensat(fd, NULL, ...) is futimens, which takes no flags.
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        let loc = inode_loc(call, dirfd as u32 as u64)?;
        run(call, |_, ctx| fs::attr::utimens(ctx, &loc, atime, mtime))?;
        notify_fd(call, dirfd as u32 as u64, fsnotify::IN_ATTRIB);
        return Ok(0);
    }
    let p = path_arg(call, path)?;
    let dir = start_dir(call, dirfd, &p)?;
    run(call, |vfs, ctx| fs::attr::utimensat(vfs, ctx, &dir, &p, atime, mtime, flags))?;
    notify_changed(call, &dir, &p, flags & 0x100 == 0, fsnotify::IN_ATTRIB);
    Ok(0)
}

pub fn faccessat2(call: &Call<'_>, dirfd: i32, path: u64, mode: u32, flags: u32) -> SysResult {
    let p = path_arg(call, path)?;
    let dir = start_dir(call, dirfd, &p)?;
    run(call, |vfs, ctx| fs::attr::faccessat2(vfs, ctx, &dir, &p, mode, flags))?;
    Ok(0)
}

pub fn chdir(call: &Call<'_>, path: u64) -> SysResult {
    let p = path_arg(call, path)?;
    let dir = start_dir(call, AT_FDCWD, &p)?;
    let loc = run(call, |vfs, ctx| fs::attr::chdir(vfs, ctx, &dir, &p))?;
    call.thread.process.fs().lock().cwd = loc;
    Ok(0)
}

pub fn fchdir(call: &Call<'_>, fd: u64) -> SysResult {
    let file = call.thread.process.files().lock().get_raw(fd)?;
    let Some(f) = file.inode_file() else { return Err(Errno::ENOTDIR) };
    if !f.loc.inode.metadata().is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let loc = f.loc.clone();
    run(call, |_, ctx| fs::cred::check_access(&loc.inode.metadata(), ctx.creds, fs::Access::EXEC))?;
    call.thread.process.fs().lock().cwd = loc;
    Ok(0)
}

pub fn chroot(call: &Call<'_>, path: u64) -> SysResult {
    let p = path_arg(call, path)?;
    let dir = start_dir(call, AT_FDCWD, &p)?;
    let loc = run(call, |vfs, ctx| fs::attr::chroot(vfs, ctx, &dir, &p))?;
    call.thread.process.fs().lock().root = loc;
    Ok(0)
}

pub fn getcwd(call: &Call<'_>, buf: u64, size: u64) -> SysResult {
    let fsc = call.thread.process.fs().lock().clone();
    let mut out = fsc.mnt.vfs.cwd_path(&fsc.root, &fsc.cwd)?;
    out.push(0);
    // Linux builds the path in one page: a longer one is ENAMETOOLONG,
    // whatever the caller's buffer size.
    if out.len() > 4096 {
        return Err(Errno::ENAMETOOLONG);
    }
    if out.len() as u64 > size {
        return Err(Errno::ERANGE);
    }
    uaccess::write_bytes(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, buf, &out)?;
    Ok(out.len() as u64)
}

/// fsync, fdatasync: the file's own (tmpfs has nothing to write back; a
/// file without an fsync method, a pipe, a device or an event file, is
/// EINVAL as on Linux).
pub fn fsync(call: &Call<'_>, fd: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    file.ops().fsync()?;
    Ok(0)
}
