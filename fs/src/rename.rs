//! `renameat2`: moving a name, with RENAME_NOREPLACE and RENAME_EXCHANGE,
//! in Linux's order of checks (`do_renameat2`, `vfs_rename`):
//!
//! 1. Flags: unknown bits, or EXCHANGE with NOREPLACE/WHITEOUT, are EINVAL;
//!    WHITEOUT needs CAP_MKNOD (EPERM) and leaves a 0:0 character device
//!    (mode 0, the caller's) at the old name, as tmpfs's shmem_whiteout.
//! 2. Both parents resolve; different mounts are EXDEV; `.`, `..` or `/` as
//!    either last component is EBUSY (EEXIST for the target with
//!    NOREPLACE); a read-only mount is EROFS.
//! 3. In the filesystem, under its locks: a missing source is ENOENT, an
//!    existing target with NOREPLACE EEXIST, a missing one with EXCHANGE
//!    ENOENT; moving a directory into itself is EINVAL, over one of its own
//!    ancestors ENOTEMPTY (EINVAL when exchanging).
//! 4. The VFS check ([`RenameCheck`]): a trailing slash on a non-directory
//!    is ENOTDIR; source and target being the same inode makes the rename a
//!    successful no-op; then `may_delete` on the source, `may_delete` on an
//!    existing target (ENOTDIR/EISDIR for mismatched types) or `may_create`
//!    on the new directory; write permission on a directory that changes
//!    parent; EBUSY if either is a mount point.
//! 5. Replacing a non-empty directory is ENOTEMPTY.

use alloc::sync::Arc;

use crate::cred::{check_access, Access};
use crate::errno::{Errno, Result};
use crate::inode::*;
use crate::ops::{check_writable_mount, may_create, may_delete, new_owner};
use crate::path::{Last, Walker};
use crate::vfs::{Ctx, PathLoc, Vfs};

/// `renameat2` with `flags` as the syscall takes them (RENAME_* bits).
pub fn renameat2(
    vfs: &Vfs,
    ctx: &Ctx<'_>,
    old_dir: &PathLoc,
    old_path: &[u8],
    new_dir: &PathLoc,
    new_path: &[u8],
    flags: u32,
) -> Result<()> {
    let flags = RenameFlags::from_bits(flags).ok_or(Errno::EINVAL)?;
    if flags.contains(RenameFlags::EXCHANGE)
        && flags.intersects(RenameFlags::NOREPLACE | RenameFlags::WHITEOUT)
    {
        return Err(Errno::EINVAL);
    }
    let whiteout = flags.contains(RenameFlags::WHITEOUT);
    if whiteout && !ctx.creds.is_root() {
        return Err(Errno::EPERM);
    }
    let flags = flags - RenameFlags::WHITEOUT;
    let exchange = flags.contains(RenameFlags::EXCHANGE);
    let old = Walker::new(vfs, ctx).walk_parent(old_dir, old_path)?;
    let new = Walker::new(vfs, ctx).walk_parent(new_dir, new_path)?;
    if !Arc::ptr_eq(&old.dir.mount, &new.dir.mount) {
        return Err(Errno::EXDEV);
    }
    let Last::Name(old_name) = &old.last else {
        return Err(Errno::EBUSY);
    };
    let Last::Name(new_name) = &new.last else {
        return Err(if flags.contains(RenameFlags::NOREPLACE) {
            Errno::EEXIST
        } else {
            Errno::EBUSY
        });
    };
    check_writable_mount(&old.dir)?;
    let same_dir = same_inode(&old.dir.inode, &new.dir.inode);
    let check = |source: &InodeRef, target: Option<&InodeRef>| -> Result<RenameAction> {
        let source_dir = is_dir(source);
        if exchange && new.trailing_slash && !target.is_some_and(is_dir) {
            return Err(Errno::ENOTDIR);
        }
        if !source_dir && (old.trailing_slash || (!exchange && new.trailing_slash)) {
            return Err(Errno::ENOTDIR);
        }
        if target.is_some_and(|t| same_inode(source, t)) {
            return Ok(RenameAction::Nothing);
        }
        may_delete(ctx, &old.dir.inode, source, source_dir)?;
        match target {
            None => may_create(ctx, &new.dir.inode)?,
            Some(t) => may_delete(
                ctx,
                &new.dir.inode,
                t,
                if exchange { is_dir(t) } else { source_dir },
            )?,
        }
        if !same_dir {
            if source_dir {
                check_access(&source.metadata(), ctx.creds, Access::WRITE)?;
            }
            if let Some(t) = target.filter(|t| exchange && is_dir(t)) {
                check_access(&t.metadata(), ctx.creds, Access::WRITE)?;
            }
        }
        if vfs.is_mountpoint(source) || target.is_some_and(|t| vfs.is_mountpoint(t)) {
            return Err(Errno::EBUSY);
        }
        Ok(RenameAction::Proceed)
    };
    old.dir
        .inode
        .rename(old_name, &new.dir.inode, new_name, flags, &check)?;
    // A rename that did nothing (source and target one inode) leaves the
    // old name in place and no whiteout.
    if whiteout && old.dir.inode.lookup(old_name).err() == Some(Errno::ENOENT) {
        let (owner, _) = new_owner(ctx, &old.dir.inode, 0, false);
        old.dir.inode.mknod(old_name, S_IFCHR, 0, owner)?;
    }
    Ok(())
}
