//! `openat`: resolving, creating and checking the file an open refers to
//! (Linux's `path_openat`, `open_last_lookups`, `do_open`, `may_open`).
//! The kernel attaches file operations to the returned inode by its type
//! (regular file, directory, device, fifo, socket); ENXIO, ETXTBSY and the
//! like are its business.
//!
//! - O_CREAT: `.`, `..`, `/` or a trailing slash is EISDIR; an existing
//!   name is opened (EEXIST with O_EXCL, which never follows a final
//!   symlink); a dangling final symlink creates its target; a new file gets
//!   `mode & !umask`, needs EROFS-free mount and write+search permission on
//!   the directory, and skips the access check and O_TRUNC.
//! - O_NOFOLLOW: a final symlink is ELOOP (O_PATH returns the link itself);
//!   a trailing slash still follows.
//! - O_DIRECTORY or a trailing slash: ENOTDIR for a non-directory.
//! - Access: a symlink is ELOOP, a directory opened for writing (or with
//!   O_TRUNC) EISDIR, a device on a MS_NODEV mount EACCES; then the
//!   permission check for the access mode (O_ACCMODE 3 needs read and
//!   write, O_TRUNC adds write); O_NOATIME by a non-owner is EPERM; writing
//!   through a read-only mount is EROFS (before the permission check when
//!   truncating, as in Linux).
//! - O_TRUNC truncates an existing regular file; fifos and devices ignore it.
//! - O_PATH only resolves (honouring O_DIRECTORY and O_NOFOLLOW).
//! - O_TMPFILE (with O_WRONLY or O_RDWR, without O_CREAT) makes an unnamed
//!   file in the directory; `linkat` can name it unless O_EXCL was given.
//!
//! Other flags (O_APPEND, O_NONBLOCK, O_CLOEXEC, O_SYNC, ...) are the
//! kernel's file-level state; unknown flags are ignored like Linux.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::cred::{check_access, check_owner, Access};
use crate::errno::{Errno, Result};
use crate::flags::*;
use crate::inode::*;
use crate::mount::{MountFlags, WriteAccess};
use crate::ops::{check_writable_mount, may_create, new_owner};
use crate::path::{Last, Walker};

use crate::vfs::{Ctx, PathLoc, Vfs};

/// How many times an O_CREAT open retries when the name appears between
/// its lookup and its create.
const CREATE_RETRIES: u32 = 8;

/// What an open found.
#[derive(Clone, Debug)]
pub struct OpenResult {
    pub loc: PathLoc,
    /// The file was created by this open.
    pub created: bool,
    /// The directory the final name was found in, and that name (empty for
    /// `.`, `..`, `/` and O_TMPFILE): with [`Vfs::path_of_entry`] this gives
    /// the path /proc/self/fd shows.
    pub parent: PathLoc,
    pub name: Vec<u8>,
    /// Held while the file is open for writing (regular files, O_WRONLY or
    /// O_RDWR): keeps the mount from becoming read-only under it.
    pub write: Option<WriteAccess>,
    /// The filesystem's per-open state ([`Inode::open_state`]), if any.
    pub state: Option<alloc::sync::Arc<dyn OpenState>>,
}

/// `openat(dir, path, flags, mode)` for the caller `ctx`.
pub fn open(
    vfs: &Vfs,
    ctx: &Ctx<'_>,
    dir: &PathLoc,
    path: &[u8],
    flags: u32,
    mode: u32,
) -> Result<OpenResult> {
    if flags & O_TMPFILE == O_TMPFILE {
        return open_tmpfile(vfs, ctx, dir, path, flags, mode);
    }
    if flags & (O_TMPFILE & !O_DIRECTORY) != 0 {
        // __O_TMPFILE without O_DIRECTORY.
        return Err(Errno::EINVAL);
    }
    let flags = if flags & O_PATH != 0 {
        flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    } else {
        flags
    };
    let creat = flags & O_CREAT != 0;
    let excl = creat && flags & O_EXCL != 0;
    let mut w = Walker::new(vfs, ctx);
    let mut path: Cow<'_, [u8]> = Cow::Borrowed(path);
    let mut start = dir.clone();
    let mut retries = 0;
    let (loc, created, parent, name, must_dir) = loop {
        let p = w.walk_parent(&start, &path)?;
        let name = match &p.last {
            Last::Name(n) => n.clone(),
            other => {
                if creat {
                    return Err(Errno::EISDIR);
                }
                let loc = match other {
                    Last::Dot | Last::Root => p.dir.clone(),
                    _ => vfs.dotdot(ctx.root, &p.dir)?,
                };
                break (loc.clone(), false, loc, Vec::new(), true);
            }
        };
        if creat && p.trailing_slash {
            return Err(Errno::EISDIR);
        }
        let found = match w.step(&p.dir, &name) {
            Ok(loc) => loc,
            Err(Errno::ENOENT) if creat => {
                check_writable_mount(&p.dir)?;
                may_create(ctx, &p.dir.inode)?;
                let (owner, perm) =
                    new_owner(ctx, &p.dir.inode, mode & MODE_PERM & !ctx.umask, false);
                match p.dir.inode.create(&name, perm, owner) {
                    Ok(inode) => {
                        break (
                            PathLoc::new(p.dir.mount.clone(), inode),
                            true,
                            p.dir,
                            name,
                            false,
                        )
                    }
                    Err(Errno::EEXIST) if !excl && retries < CREATE_RETRIES => {
                        retries += 1;
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        if excl {
            return Err(Errno::EEXIST);
        }
        let is_link = found.inode.mode() & S_IFMT == S_IFLNK;
        if is_link && (flags & O_NOFOLLOW == 0 || p.trailing_slash) {
            let mut target = match w.follow(&found)? {
                LinkTarget::Path(t) => t,
                // A magic link opens the file it names afresh.
                LinkTarget::Jump(j) => break (j.loc, false, j.parent, j.name, p.trailing_slash),
                LinkTarget::Here(inode) => {
                    let loc = PathLoc::new(found.mount.clone(), inode);
                    break (loc.clone(), false, loc, Vec::new(), p.trailing_slash);
                }
            };
            if p.trailing_slash && target.last() != Some(&b'/') {
                target.push(b'/');
            }
            start = p.dir;
            path = Cow::Owned(target);
            continue;
        }
        break (found, false, p.dir, name, p.trailing_slash);
    };
    let meta = loc.inode.metadata();
    if creat && meta.is_dir() {
        return Err(Errno::EISDIR);
    }
    if (must_dir || flags & O_DIRECTORY != 0) && !meta.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if flags & O_PATH == 0 && !created {
        may_open(ctx, &loc, &meta, flags)?;
    }
    let write = write_access(&loc, flags)?;
    let state = if flags & O_PATH == 0 {
        loc.inode.open_state(ctx, flags)?
    } else {
        None
    };
    Ok(OpenResult {
        loc,
        created,
        parent,
        name,
        write,
        state,
    })
}

/// Access checks on an existing file, and O_TRUNC.
fn may_open(ctx: &Ctx<'_>, loc: &PathLoc, meta: &Metadata, flags: u32) -> Result<()> {
    let mut want = match flags & O_ACCMODE {
        O_RDONLY => Access::READ,
        O_WRONLY => Access::WRITE,
        _ => Access::READ | Access::WRITE,
    };
    if flags & O_TRUNC != 0 {
        want |= Access::WRITE;
    }
    let mut truncate = flags & O_TRUNC != 0;
    match meta.mode & S_IFMT {
        S_IFLNK => return Err(Errno::ELOOP),
        S_IFDIR if want.contains(Access::WRITE) => return Err(Errno::EISDIR),
        S_IFCHR | S_IFBLK if loc.mount.flags().contains(MountFlags::NODEV) => {
            return Err(Errno::EACCES)
        }
        S_IFREG => {}
        _ => truncate = false,
    }
    if truncate {
        check_writable_mount(loc)?;
    }
    check_access(meta, ctx.creds, want)?;
    if flags & O_NOATIME != 0 {
        check_owner(meta, ctx.creds)?;
    }
    if want.contains(Access::WRITE) && matches!(meta.mode & S_IFMT, S_IFREG | S_IFDIR | S_IFLNK) {
        check_writable_mount(loc)?;
    }
    // A running executable cannot be opened for writing (Linux's
    // get_write_access in do_dentry_open, before the truncate).
    if want.contains(Access::WRITE) && meta.mode & S_IFMT == S_IFREG && crate::deny_write::is_executing(&loc.inode) {
        return Err(Errno::ETXTBSY);
    }
    if truncate {
        loc.inode.truncate(0)?;
        crate::attr::remove_privs(&loc.inode, ctx.creds.is_root())?;
    }
    Ok(())
}

/// Write access through the mount for a regular file opened for writing
/// (Linux counts writers of everything but special files).
fn write_access(loc: &PathLoc, flags: u32) -> Result<Option<WriteAccess>> {
    let writes = flags & O_PATH == 0 && matches!(flags & O_ACCMODE, O_WRONLY | O_RDWR | 3);
    if writes && loc.inode.mode() & S_IFMT == S_IFREG {
        return loc.mount.want_write()?.of_file(&loc.inode).map(Some);
    }
    Ok(None)
}

fn open_tmpfile(
    vfs: &Vfs,
    ctx: &Ctx<'_>,
    dir: &PathLoc,
    path: &[u8],
    flags: u32,
    mode: u32,
) -> Result<OpenResult> {
    if flags & O_CREAT != 0 || flags & O_ACCMODE == O_RDONLY {
        return Err(Errno::EINVAL);
    }
    let parent = vfs.resolve(ctx, dir, path, crate::path::Lookup::DIRECTORY)?;
    check_writable_mount(&parent)?;
    may_create(ctx, &parent.inode)?;
    let (owner, perm) = new_owner(ctx, &parent.inode, mode & MODE_PERM & !ctx.umask, false);
    let inode = parent.inode.tmpfile(perm, owner, flags & O_EXCL == 0)?;
    let loc = PathLoc::new(parent.mount.clone(), inode);
    let write = write_access(&loc, flags)?;
    Ok(OpenResult {
        loc,
        created: true,
        parent,
        name: Vec::new(),
        write,
        state: None,
    })
}

impl Vfs {
    /// The path /proc/self/fd shows for a file opened as `name` in `parent`:
    /// a directory's own path, or the parent's path plus the name, with
    /// " (deleted)" once the file has no links. `None` when not below `root`.
    pub fn path_of_entry(
        &self,
        root: &PathLoc,
        parent: &PathLoc,
        name: &[u8],
        loc: &PathLoc,
    ) -> Result<Option<Vec<u8>>> {
        if loc.is_dir() || name.is_empty() {
            return self.path_of(root, loc);
        }
        let Some(mut path) = self.path_of(root, parent)? else {
            return Ok(None);
        };
        if path != b"/" {
            path.push(b'/');
        }
        path.extend_from_slice(name);
        if loc.inode.metadata().nlink == 0 {
            path.extend_from_slice(b" (deleted)");
        }
        Ok(Some(path))
    }
}
