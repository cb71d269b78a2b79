//! Attribute operations: stat lookups, `chmod`, `chown`, `utimensat`,
//! `faccessat2`, `truncate`, `statfs`, `chdir` and `chroot`, each as an
//! `*at` function (resolve, then act) and, where an fd variant exists, as a
//! function on a resolved [`PathLoc`] (fchmod, fchown, futimens, ...).
//!
//! Linux's rules (fs/attr.c, fs/open.c, fs/utimes.c):
//! - A read-only mount is EROFS before any permission check.
//! - chmod: owner or root (EPERM); a non-root caller outside the file's
//!   group loses S_ISGID silently.
//! - chown: root may do anything; an owner may "change" the uid to itself
//!   and the gid to a group it belongs to (EPERM otherwise). On a
//!   non-directory, chown clears S_ISUID, and S_ISGID if group-executable.
//! - utimensat: both times "now" needs ownership or write permission
//!   (EACCES); any explicit time needs ownership (EPERM); both omitted does
//!   nothing.
//! - faccessat2: checks with the real ids unless AT_EACCESS; W_OK on a
//!   read-only mount is EROFS for files, directories and symlinks.
//! - truncate: EISDIR for a directory, EINVAL for other non-regular files
//!   or a negative length, EROFS, then write permission (EACCES).
//!
//! The kernel converts UTIME_NOW/UTIME_OMIT into [`SetTime`]/`None`, and
//! `-1` ids of chown into `None`.

use crate::cred::{check_access, check_owner, Access, Creds};
use crate::errno::{Errno, Result};
use crate::flags::*;
use crate::inode::*;
use crate::mount::MountFlags;
use crate::ops::{check_exec_mount, check_writable_mount};
use crate::path::Lookup;
use crate::vfs::{Ctx, PathLoc, Vfs};

/// The flags `fstatat`/`statx` accept.
pub const STAT_FLAGS: u32 =
    AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE;

/// `statfs` `f_flags` bits.
pub const ST_RDONLY: u64 = 1;
pub const ST_NOSUID: u64 = 2;
pub const ST_NODEV: u64 = 4;
pub const ST_NOEXEC: u64 = 8;
pub const ST_SYNCHRONOUS: u64 = 16;
pub const ST_VALID: u64 = 0x20;
pub const ST_MANDLOCK: u64 = 64;
pub const ST_NOATIME: u64 = 1024;
pub const ST_NODIRATIME: u64 = 2048;
pub const ST_RELATIME: u64 = 4096;
pub const ST_NOSYMFOLLOW: u64 = 0x2000;

/// Resolves the target of `fstatat`/`statx` (`flags` as the syscall takes
/// them); the caller reads `loc.inode.metadata()` and `loc.mount.id()`.
pub fn stat_at(
    vfs: &Vfs,
    ctx: &Ctx<'_>,
    dir: &PathLoc,
    path: &[u8],
    flags: u32,
) -> Result<PathLoc> {
    vfs.resolve(ctx, dir, path, at_lookup(flags, STAT_FLAGS)?)
}

/// `fchmodat2`: AT_SYMLINK_NOFOLLOW on a symlink is EOPNOTSUPP, as on Linux.
pub fn fchmodat(
    vfs: &Vfs,
    ctx: &Ctx<'_>,
    dir: &PathLoc,
    path: &[u8],
    mode: u32,
    flags: u32,
) -> Result<()> {
    let loc = vfs.resolve(
        ctx,
        dir,
        path,
        at_lookup(flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)?,
    )?;
    if loc.inode.mode() & S_IFMT == S_IFLNK {
        return Err(Errno::EOPNOTSUPP);
    }
    chmod(ctx, &loc, mode)
}

/// `fchmod` on a resolved location.
pub fn chmod(ctx: &Ctx<'_>, loc: &PathLoc, mode: u32) -> Result<()> {
    check_writable_mount(loc)?;
    let meta = loc.inode.metadata();
    check_owner(&meta, ctx.creds)?;
    let mut mode = mode & MODE_PERM;
    if !ctx.creds.is_root() && !ctx.creds.in_group(meta.gid) {
        mode &= !S_ISGID;
    }
    loc.inode.setattr(&SetAttr {
        mode: Some(mode),
        ..SetAttr::default()
    })
}

/// `fchownat`.
pub fn fchownat(
    vfs: &Vfs,
    ctx: &Ctx<'_>,
    dir: &PathLoc,
    path: &[u8],
    uid: Option<u32>,
    gid: Option<u32>,
    flags: u32,
) -> Result<()> {
    let loc = vfs.resolve(
        ctx,
        dir,
        path,
        at_lookup(flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)?,
    )?;
    chown(ctx, &loc, uid, gid)
}

/// `fchown` on a resolved location.
pub fn chown(ctx: &Ctx<'_>, loc: &PathLoc, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
    check_writable_mount(loc)?;
    let meta = loc.inode.metadata();
    let c = ctx.creds;
    let owner = c.uid == meta.uid;
    if let Some(u) = uid {
        if !(c.is_root() || owner && u == meta.uid) {
            return Err(Errno::EPERM);
        }
    }
    if let Some(g) = gid {
        if !(c.is_root() || owner && (g == meta.gid || c.in_group(g))) {
            return Err(Errno::EPERM);
        }
    }
    let mut mode = None;
    if !meta.is_dir() {
        let mut m = meta.mode & MODE_PERM;
        m &= !S_ISUID;
        if m & (S_ISGID | S_IXGRP) == S_ISGID | S_IXGRP {
            m &= !S_ISGID;
        }
        if m != meta.mode & MODE_PERM {
            mode = Some(m);
        }
    }
    loc.inode.setattr(&SetAttr {
        uid,
        gid,
        mode,
        ..SetAttr::default()
    })?;
    if !meta.is_dir() {
        kill_file_caps(&loc.inode)?;
    }
    Ok(())
}

/// `utimensat`: `atime`/`mtime` of `None` are UTIME_OMIT.
pub fn utimensat(
    vfs: &Vfs,
    ctx: &Ctx<'_>,
    dir: &PathLoc,
    path: &[u8],
    atime: Option<SetTime>,
    mtime: Option<SetTime>,
    flags: u32,
) -> Result<()> {
    let lookup = at_lookup(flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)?;
    if atime.is_none() && mtime.is_none() {
        return Ok(());
    }
    let loc = vfs.resolve(ctx, dir, path, lookup)?;
    utimens(ctx, &loc, atime, mtime)
}

/// `futimens` on a resolved location.
pub fn utimens(
    ctx: &Ctx<'_>,
    loc: &PathLoc,
    atime: Option<SetTime>,
    mtime: Option<SetTime>,
) -> Result<()> {
    if atime.is_none() && mtime.is_none() {
        return Ok(());
    }
    check_writable_mount(loc)?;
    let meta = loc.inode.metadata();
    let touch = atime == Some(SetTime::Now) && mtime == Some(SetTime::Now);
    if touch {
        if check_owner(&meta, ctx.creds).is_err() {
            check_access(&meta, ctx.creds, Access::WRITE)?;
        }
    } else {
        check_owner(&meta, ctx.creds)?;
    }
    loc.inode.setattr(&SetAttr {
        atime,
        mtime,
        ..SetAttr::default()
    })
}

/// `faccessat2`: `mode` is F_OK or a mix of R_OK, W_OK, X_OK.
pub fn faccessat2(
    vfs: &Vfs,
    ctx: &Ctx<'_>,
    dir: &PathLoc,
    path: &[u8],
    mode: u32,
    flags: u32,
) -> Result<()> {
    if mode & !(R_OK | W_OK | X_OK) != 0 {
        return Err(Errno::EINVAL);
    }
    let lookup = at_lookup(flags, AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)?;
    let real: Creds;
    let creds = if flags & AT_EACCESS != 0 {
        ctx.creds
    } else {
        real = ctx.creds.as_real();
        &real
    };
    let ctx = Ctx { creds, ..*ctx };
    let loc = vfs.resolve(&ctx, dir, path, lookup)?;
    if mode == F_OK {
        return Ok(());
    }
    if mode & X_OK != 0 {
        check_exec_mount(&loc)?;
    }
    let meta = loc.inode.metadata();
    check_access(&meta, creds, Access::from_bits_truncate(mode))?;
    if mode & W_OK != 0 && matches!(meta.mode & S_IFMT, S_IFREG | S_IFDIR | S_IFLNK) {
        check_writable_mount(&loc)?;
    }
    Ok(())
}

/// `truncate(path, len)`.
pub fn truncate_at(vfs: &Vfs, ctx: &Ctx<'_>, dir: &PathLoc, path: &[u8], len: i64) -> Result<()> {
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let loc = vfs.resolve(ctx, dir, path, Lookup::empty())?;
    let meta = loc.inode.metadata();
    if meta.is_dir() {
        return Err(Errno::EISDIR);
    }
    if !meta.is_regular() {
        return Err(Errno::EINVAL);
    }
    check_writable_mount(&loc)?;
    check_access(&meta, ctx.creds, Access::WRITE)?;
    if crate::deny_write::is_executing(&loc.inode) {
        return Err(Errno::ETXTBSY);
    }
    loc.inode.truncate(len as u64)?;
    remove_privs(&loc.inode, ctx.creds.is_root())
}

/// Linux's file_remove_privs, after a write or truncate of a regular file:
/// file capabilities (security.capability) go whoever writes; a caller
/// without CAP_FSETID (`privileged` false), owner or not, also clears
/// set-user-ID, and set-group-ID when the file is group-executable
/// (without group execute the bit marks mandatory locking and stays).
pub fn remove_privs(inode: &InodeRef, privileged: bool) -> Result<()> {
    let mode = inode.mode();
    if mode & S_IFMT != S_IFREG {
        return Ok(());
    }
    kill_file_caps(inode)?;
    if privileged || mode & (S_ISUID | S_ISGID) == 0 {
        return Ok(());
    }
    let mut clear = S_ISUID;
    if mode & (S_ISGID | S_IXGRP) == S_ISGID | S_IXGRP {
        clear |= S_ISGID;
    }
    if mode & clear == 0 {
        return Ok(());
    }
    let attr = SetAttr {
        mode: Some(mode & MODE_PERM & !clear),
        ..SetAttr::default()
    };
    inode.setattr(&attr)
}

/// Removes a file's capabilities (Linux's cap_inode_killpriv), if it has
/// any: on a write, a truncate and a chown.
pub(crate) fn kill_file_caps(inode: &InodeRef) -> Result<()> {
    match inode.remove_xattr(crate::xattr::XATTR_NAME_CAPS) {
        Ok(()) | Err(Errno::ENODATA) | Err(Errno::EOPNOTSUPP) => Ok(()),
        Err(e) => Err(e),
    }
}

/// `fstatfs` on a resolved location: the filesystem's numbers plus the
/// mount's flags (`ST_*`).
pub fn statfs(loc: &PathLoc) -> Result<StatFs> {
    let mut st = loc.inode.statfs()?;
    let f = loc.mount.flags();
    st.flags = ST_VALID;
    for (mf, sf) in [
        (MountFlags::RDONLY, ST_RDONLY),
        (MountFlags::NOSUID, ST_NOSUID),
        (MountFlags::NODEV, ST_NODEV),
        (MountFlags::NOEXEC, ST_NOEXEC),
        (MountFlags::SYNCHRONOUS, ST_SYNCHRONOUS),
        (MountFlags::MANDLOCK, ST_MANDLOCK),
        (MountFlags::NOATIME, ST_NOATIME),
        (MountFlags::NODIRATIME, ST_NODIRATIME),
        (MountFlags::NOSYMFOLLOW, ST_NOSYMFOLLOW),
    ] {
        if f.contains(mf) {
            st.flags |= sf;
        }
    }
    if loc.mount.is_readonly() {
        st.flags |= ST_RDONLY; // also when the filesystem is
    }
    if !f.intersects(MountFlags::NOATIME | MountFlags::STRICTATIME) {
        st.flags |= ST_RELATIME;
    }
    Ok(st)
}

/// `statfs(path)`.
pub fn statfs_at(vfs: &Vfs, ctx: &Ctx<'_>, dir: &PathLoc, path: &[u8]) -> Result<StatFs> {
    statfs(&vfs.resolve(ctx, dir, path, Lookup::empty())?)
}

/// `chdir`: the new working directory (search permission needed).
pub fn chdir(vfs: &Vfs, ctx: &Ctx<'_>, dir: &PathLoc, path: &[u8]) -> Result<PathLoc> {
    let loc = vfs.resolve(ctx, dir, path, Lookup::DIRECTORY)?;
    check_access(&loc.inode.metadata(), ctx.creds, Access::EXEC)?;
    Ok(loc)
}

/// `chroot`: the new root directory (search permission, then privilege).
pub fn chroot(vfs: &Vfs, ctx: &Ctx<'_>, dir: &PathLoc, path: &[u8]) -> Result<PathLoc> {
    let loc = chdir(vfs, ctx, dir, path)?;
    if !ctx.creds.is_root() {
        return Err(Errno::EPERM);
    }
    Ok(loc)
}
