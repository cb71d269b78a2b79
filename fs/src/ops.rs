//! The namespace-changing `*at` operations: `mkdirat`, `mknodat`,
//! `symlinkat`, `linkat`, `unlinkat` (and `readlinkat`), with Linux's
//! checks in Linux's order (fs/namei.c):
//!
//! - Creating (`filename_create`): `.`, `..` or `/` as the last component,
//!   or an existing name, is EEXIST; a trailing slash on a new non-directory
//!   ENOENT; then EROFS for a read-only mount; then write+search permission
//!   on the directory (EACCES). New inodes belong to the caller's fsuid, and
//!   to the directory's group if it is set-group-ID (new directories inherit
//!   the bit), otherwise to the caller's fsgid; the umask applies.
//! - Removing (`may_delete`): EROFS first, then write+search permission on
//!   the directory, the sticky-bit rule (EPERM unless owning the file or the
//!   directory), the type (EISDIR/ENOTDIR), and EBUSY for a mount point.
//! - Hard links follow `fs.protected_hardlinks=1` (Debian's setting): a
//!   non-owner may only link a regular, non-set-ID file they can read and
//!   write (EPERM).
//! - [`check_exec_mount`]: EACCES for a regular file on a MS_NOEXEC mount,
//!   for execve and access(X_OK).
//!
//! Each function takes the caller ([`Ctx`]), the directory relative paths
//! start from, and the path as bytes.

use alloc::vec::Vec;

use crate::cred::{check_access, Access, Creds};
use crate::errno::{Errno, Result};
use crate::flags::*;
use crate::inode::*;
use crate::mount::MountFlags;
use crate::path::{Last, Lookup, Parent, Walker};
use crate::vfs::{Ctx, PathLoc, Vfs};

/// EROFS if `loc`'s mount is read-only.
pub(crate) fn check_writable_mount(loc: &PathLoc) -> Result<()> {
    if loc.mount.is_readonly() {
        Err(Errno::EROFS)
    } else {
        Ok(())
    }
}

/// EACCES if `loc` is a regular file on a MS_NOEXEC mount (Linux's
/// path_noexec, checked by execve, uselib and access X_OK).
pub fn check_exec_mount(loc: &PathLoc) -> Result<()> {
    if loc.mount.flags().contains(MountFlags::NOEXEC) && loc.inode.mode() & S_IFMT == S_IFREG {
        Err(Errno::EACCES)
    } else {
        Ok(())
    }
}

/// Write and search permission on a directory, to add an entry.
pub(crate) fn may_create(ctx: &Ctx<'_>, dir: &InodeRef) -> Result<()> {
    check_access(&dir.metadata(), ctx.creds, Access::WRITE | Access::EXEC)
}

/// Whether `victim` may be removed from `dir` (`may_delete`): permission,
/// sticky bit, type. `isdir` says whether a directory is expected.
pub(crate) fn may_delete(
    ctx: &Ctx<'_>,
    dir: &InodeRef,
    victim: &InodeRef,
    isdir: bool,
) -> Result<()> {
    let dmeta = dir.metadata();
    check_access(&dmeta, ctx.creds, Access::WRITE | Access::EXEC)?;
    let vmeta = victim.metadata();
    let c = ctx.creds;
    if dmeta.mode & S_ISVTX != 0 && !c.is_root() && c.uid != vmeta.uid && c.uid != dmeta.uid {
        return Err(Errno::EPERM);
    }
    match (isdir, vmeta.is_dir()) {
        (true, false) => Err(Errno::ENOTDIR),
        (false, true) => Err(Errno::EISDIR),
        _ => Ok(()),
    }
}

/// Owner and final mode of a new inode in `dir` (`inode_init_owner`).
pub(crate) fn new_owner(
    ctx: &Ctx<'_>,
    dir: &InodeRef,
    mut mode: u32,
    is_dir: bool,
) -> (Owner, u32) {
    let dmeta = dir.metadata();
    let c = ctx.creds;
    let gid = if dmeta.mode & S_ISGID != 0 {
        if is_dir {
            mode |= S_ISGID;
        } else if mode & (S_ISGID | S_IXGRP) == S_ISGID | S_IXGRP
            && !c.is_root()
            && !c.in_group(dmeta.gid)
        {
            mode &= !S_ISGID;
        }
        dmeta.gid
    } else {
        c.gid
    };
    (Owner { uid: c.uid, gid }, mode)
}

/// Resolves where a new entry goes (`filename_create`).
pub(crate) fn prepare_create(
    w: &mut Walker<'_>,
    dir: &PathLoc,
    path: &[u8],
    want_dir: bool,
) -> Result<(Parent, Vec<u8>)> {
    let p = w.walk_parent(dir, path)?;
    let name = p.name(Errno::EEXIST)?.to_vec();
    match p.dir.inode.lookup(&name) {
        Ok(_) => return Err(Errno::EEXIST),
        Err(Errno::ENOENT) => {}
        Err(e) => return Err(e),
    }
    if p.trailing_slash && !want_dir {
        return Err(Errno::ENOENT);
    }
    check_writable_mount(&p.dir)?;
    Ok((p, name))
}

/// `mkdirat`: creates a directory with `mode & 01777 & !umask`.
pub fn mkdirat(vfs: &Vfs, ctx: &Ctx<'_>, dir: &PathLoc, path: &[u8], mode: u32) -> Result<PathLoc> {
    let (p, name) = prepare_create(&mut Walker::new(vfs, ctx), dir, path, true)?;
    may_create(ctx, &p.dir.inode)?;
    let (owner, mode) = new_owner(
        ctx,
        &p.dir.inode,
        mode & (0o777 | S_ISVTX) & !ctx.umask,
        true,
    );
    let inode = p.dir.inode.mkdir(&name, mode, owner)?;
    Ok(PathLoc::new(p.dir.mount, inode))
}

/// `mknodat`: a regular file (type 0 or S_IFREG), device node, fifo or
/// socket. Device nodes need privilege (EPERM); S_IFDIR is EPERM, an
/// unknown type EINVAL.
pub fn mknodat(
    vfs: &Vfs,
    ctx: &Ctx<'_>,
    dir: &PathLoc,
    path: &[u8],
    mode: u32,
    rdev: u64,
) -> Result<PathLoc> {
    let kind = match mode & S_IFMT {
        0 => S_IFREG,
        t @ (S_IFREG | S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK) => t,
        S_IFDIR => return Err(Errno::EPERM),
        _ => return Err(Errno::EINVAL),
    };
    let (p, name) = prepare_create(&mut Walker::new(vfs, ctx), dir, path, false)?;
    may_create(ctx, &p.dir.inode)?;
    if matches!(kind, S_IFCHR | S_IFBLK) && !ctx.creds.is_root() {
        return Err(Errno::EPERM);
    }
    let (owner, perm) = new_owner(ctx, &p.dir.inode, mode & MODE_PERM & !ctx.umask, false);
    let inode = if kind == S_IFREG {
        p.dir.inode.create(&name, perm, owner)?
    } else {
        p.dir.inode.mknod(&name, kind | perm, rdev, owner)?
    };
    Ok(PathLoc::new(p.dir.mount, inode))
}

/// `symlinkat`: a link at `path` pointing to `target`.
pub fn symlinkat(
    vfs: &Vfs,
    ctx: &Ctx<'_>,
    target: &[u8],
    dir: &PathLoc,
    path: &[u8],
) -> Result<PathLoc> {
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    if target.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    let (p, name) = prepare_create(&mut Walker::new(vfs, ctx), dir, path, false)?;
    may_create(ctx, &p.dir.inode)?;
    let (owner, _) = new_owner(ctx, &p.dir.inode, 0o777, false);
    let inode = p.dir.inode.symlink(&name, target, owner)?;
    Ok(PathLoc::new(p.dir.mount, inode))
}

/// `linkat`: a new name `new_path` for the inode at `old_path`.
/// AT_SYMLINK_FOLLOW follows a final symlink of `old_path`; AT_EMPTY_PATH
/// (privileged only, ENOENT otherwise) links `old_dir` itself, e.g. an
/// O_TMPFILE file.
pub fn linkat(
    vfs: &Vfs,
    ctx: &Ctx<'_>,
    old_dir: &PathLoc,
    old_path: &[u8],
    new_dir: &PathLoc,
    new_path: &[u8],
    flags: u32,
) -> Result<()> {
    linkat_opened(vfs, ctx, old_dir, old_path, new_dir, new_path, flags, None)
}

/// `linkat` where `old_dir` is an open file that was opened with the
/// credentials `opener`: since Linux 6.10 AT_EMPTY_PATH (flink) needs
/// CAP_DAC_READ_SEARCH only when the caller's credentials differ from the
/// opener's (ENOENT otherwise).
#[allow(clippy::too_many_arguments)]
pub fn linkat_opened(
    vfs: &Vfs,
    ctx: &Ctx<'_>,
    old_dir: &PathLoc,
    old_path: &[u8],
    new_dir: &PathLoc,
    new_path: &[u8],
    flags: u32,
    opener: Option<&Creds>,
) -> Result<()> {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let mut lookup = Lookup::empty();
    if flags & AT_SYMLINK_FOLLOW == 0 {
        lookup |= Lookup::NOFOLLOW;
    }
    if flags & AT_EMPTY_PATH != 0 {
        let own_file = old_path.is_empty() && opener == Some(ctx.creds);
        if !ctx.creds.is_root() && !own_file {
            return Err(Errno::ENOENT);
        }
        lookup |= Lookup::EMPTY_PATH;
    }
    let old = Walker::new(vfs, ctx).walk(old_dir, old_path, lookup)?;
    let (p, name) = prepare_create(&mut Walker::new(vfs, ctx), new_dir, new_path, false)?;
    if !alloc::sync::Arc::ptr_eq(&old.mount, &p.dir.mount) {
        return Err(Errno::EXDEV);
    }
    may_link(ctx, &old.inode)?;
    may_create(ctx, &p.dir.inode)?;
    if old.is_dir() {
        return Err(Errno::EPERM);
    }
    p.dir.inode.link(&name, &old.inode)
}

/// `fs.protected_hardlinks=1`: owners and root may link anything; others
/// only regular, non-set-ID files they can read and write.
fn may_link(ctx: &Ctx<'_>, inode: &InodeRef) -> Result<()> {
    let meta = inode.metadata();
    if ctx.creds.is_root() || ctx.creds.uid == meta.uid {
        return Ok(());
    }
    let setid = meta.mode & S_ISUID != 0 || meta.mode & (S_ISGID | S_IXGRP) == S_ISGID | S_IXGRP;
    if meta.is_regular()
        && !setid
        && check_access(&meta, ctx.creds, Access::READ | Access::WRITE).is_ok()
    {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// `unlinkat`: removes a name, or with AT_REMOVEDIR an empty directory.
pub fn unlinkat(vfs: &Vfs, ctx: &Ctx<'_>, dir: &PathLoc, path: &[u8], flags: u32) -> Result<()> {
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let rmdir = flags & AT_REMOVEDIR != 0;
    let p = Walker::new(vfs, ctx).walk_parent(dir, path)?;
    let name = match (&p.last, rmdir) {
        (Last::Name(n), _) => n.as_slice(),
        (Last::Dot, true) => return Err(Errno::EINVAL),
        (Last::DotDot, true) => return Err(Errno::ENOTEMPTY),
        (Last::Root, true) => return Err(Errno::EBUSY),
        (_, false) => return Err(Errno::EISDIR),
    };
    check_writable_mount(&p.dir)?;
    let trailing = p.trailing_slash;
    let check = |victim: &InodeRef| {
        if trailing && !rmdir {
            return Err(if is_dir(victim) {
                Errno::EISDIR
            } else {
                Errno::ENOTDIR
            });
        }
        may_delete(ctx, &p.dir.inode, victim, rmdir)?;
        if vfs.is_mountpoint(victim) {
            return Err(Errno::EBUSY);
        }
        Ok(())
    };
    if rmdir {
        p.dir.inode.rmdir(name, &check)
    } else {
        p.dir.inode.unlink(name, &check)
    }
}

/// `readlinkat`: the target of the symlink at `path` (an empty path means
/// `dir` itself, as for an O_PATH descriptor of a link). The kernel
/// truncates it to the caller's buffer.
pub fn readlinkat(vfs: &Vfs, ctx: &Ctx<'_>, dir: &PathLoc, path: &[u8]) -> Result<Vec<u8>> {
    let loc = vfs.resolve(ctx, dir, path, Lookup::NOFOLLOW | Lookup::EMPTY_PATH)?;
    if loc.inode.mode() & S_IFMT != S_IFLNK {
        return Err(if path.is_empty() {
            Errno::ENOENT
        } else {
            Errno::EINVAL
        });
    }
    let target = loc.inode.readlink_for(ctx)?;
    loc.inode.accessed();
    Ok(target)
}
