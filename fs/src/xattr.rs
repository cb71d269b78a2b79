//! Extended attributes: the VFS side of get/set/list/removexattr (name and
//! size validation, namespaces, permissions, as Linux's fs/xattr.c does it)
//! and [`XattrMap`], the in-memory store a filesystem can keep per inode.
//!
//! - Names are 1..=255 bytes (ERANGE otherwise) and need a namespace:
//!   `user.`, `trusted.` and `security.` are supported; `system.` (POSIX
//!   ACLs) and anything else is EOPNOTSUPP; a bare prefix (`user.`) EINVAL.
//! - Values are at most 64 KiB (E2BIG).
//! - `trusted.*` is for root only: others get EPERM when writing and
//!   ENODATA when reading, and do not see the names in a list.
//! - `user.*` only exists on regular files and directories (EPERM to
//!   write, ENODATA to read elsewhere); writing needs write permission,
//!   reading read permission; on a sticky directory only the owner (or
//!   root) may write.
//! - Writes through a read-only mount are EROFS.
//!
//! The kernel copies values out: with a zero size it returns the length,
//! with a too-small buffer ERANGE ([`fit`] does the comparison).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::cred::{check_access, check_owner, Access};
use crate::errno::{Errno, Result};
use crate::inode::*;
use crate::ops::check_writable_mount;
use crate::vfs::{Ctx, PathLoc};

/// Longest attribute name (XATTR_NAME_MAX).
pub const XATTR_NAME_MAX: usize = 255;
/// Largest attribute value (XATTR_SIZE_MAX).
pub const XATTR_SIZE_MAX: usize = 65536;
/// Most bytes of names and values one inode may hold in an [`XattrMap`].
pub const XATTR_TOTAL_MAX: usize = 1 << 20;

/// Attributes of one inode, with CREATE/REPLACE semantics.
#[derive(Default, Debug)]
pub struct XattrMap {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
    bytes: usize,
}

impl XattrMap {
    pub fn get(&self, name: &[u8]) -> Result<Vec<u8>> {
        self.map.get(name).cloned().ok_or(Errno::ENODATA)
    }

    pub fn set(&mut self, name: &[u8], value: &[u8], flags: XattrFlags) -> Result<()> {
        let old = self.map.get(name).map(|v| v.len());
        match old {
            Some(_) if flags.contains(XattrFlags::CREATE) => return Err(Errno::EEXIST),
            None if flags.contains(XattrFlags::REPLACE) => return Err(Errno::ENODATA),
            _ => {}
        }
        let freed = old.map_or(0, |len| len + name.len());
        let bytes = self.bytes - freed + name.len() + value.len();
        if bytes > XATTR_TOTAL_MAX {
            return Err(Errno::ENOSPC);
        }
        self.bytes = bytes;
        self.map.insert(name.to_vec(), value.to_vec());
        Ok(())
    }

    pub fn names(&self) -> Vec<Vec<u8>> {
        self.map.keys().cloned().collect()
    }

    pub fn remove(&mut self, name: &[u8]) -> Result<()> {
        let v = self.map.remove(name).ok_or(Errno::ENODATA)?;
        self.bytes -= name.len() + v.len();
        Ok(())
    }
}

/// ERANGE unless a value of `len` bytes fits a buffer of `size` (a zero
/// size asks for the length and always fits).
pub fn fit(len: usize, size: usize) -> Result<()> {
    if size != 0 && len > size {
        Err(Errno::ERANGE)
    } else {
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Namespace {
    User,
    Trusted,
    Security,
}

/// Validates a name and finds its namespace.
fn namespace(name: &[u8]) -> Result<Namespace> {
    if name.is_empty() || name.len() > XATTR_NAME_MAX {
        return Err(Errno::ERANGE);
    }
    for (prefix, ns) in [
        (&b"user."[..], Namespace::User),
        (b"trusted.", Namespace::Trusted),
        (b"security.", Namespace::Security),
    ] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return if rest.is_empty() {
                Err(Errno::EINVAL)
            } else {
                Ok(ns)
            };
        }
    }
    Err(Errno::EOPNOTSUPP)
}

/// `xattr_permission`: may `ctx` read (or write) attribute `ns` of `loc`?
fn permission(ctx: &Ctx<'_>, loc: &PathLoc, ns: Namespace, write: bool) -> Result<()> {
    let meta = loc.inode.metadata();
    match ns {
        Namespace::Security => Ok(()),
        Namespace::Trusted if ctx.creds.is_root() => Ok(()),
        Namespace::Trusted => Err(if write { Errno::EPERM } else { Errno::ENODATA }),
        Namespace::User => {
            if !meta.is_regular() && !meta.is_dir() {
                return Err(if write { Errno::EPERM } else { Errno::ENODATA });
            }
            if write && meta.is_dir() && meta.mode & S_ISVTX != 0 {
                check_owner(&meta, ctx.creds)?;
            }
            check_access(
                &meta,
                ctx.creds,
                if write { Access::WRITE } else { Access::READ },
            )
        }
    }
}

/// `getxattr` on a resolved location: the whole value.
pub fn getxattr(ctx: &Ctx<'_>, loc: &PathLoc, name: &[u8]) -> Result<Vec<u8>> {
    let ns = namespace(name)?;
    permission(ctx, loc, ns, false)?;
    loc.inode.get_xattr(name)
}

/// File capabilities, removed by writes and chown.
pub const XATTR_NAME_CAPS: &[u8] = b"security.capability";

/// Linux's validheader for security.capability: a revision 2 value of 20
/// bytes or a revision 3 value (with a root uid) of 24.
fn valid_caps(value: &[u8]) -> bool {
    let Some(head) = value.get(..4) else {
        return false;
    };
    let revision = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) & 0xff00_0000;
    matches!(
        (revision, value.len()),
        (0x0200_0000, 20) | (0x0300_0000, 24)
    )
}

/// `setxattr`: `flags` as the syscall takes them (XATTR_CREATE/REPLACE).
/// security.capability must be well formed (EINVAL) and needs CAP_SETFCAP
/// (EPERM), checked first as Linux's cap_convert_nscap does.
pub fn setxattr(ctx: &Ctx<'_>, loc: &PathLoc, name: &[u8], value: &[u8], flags: u32) -> Result<()> {
    let flags = XattrFlags::from_bits(flags).ok_or(Errno::EINVAL)?;
    let ns = namespace(name)?;
    if value.len() > XATTR_SIZE_MAX {
        return Err(Errno::E2BIG);
    }
    if name == XATTR_NAME_CAPS {
        if !valid_caps(value) {
            return Err(Errno::EINVAL);
        }
        if !ctx.creds.is_root() {
            return Err(Errno::EPERM);
        }
    }
    check_writable_mount(loc)?;
    permission(ctx, loc, ns, true)?;
    loc.inode.set_xattr(name, value, flags)
}

/// `removexattr`.
pub fn removexattr(ctx: &Ctx<'_>, loc: &PathLoc, name: &[u8]) -> Result<()> {
    let ns = namespace(name)?;
    check_writable_mount(loc)?;
    permission(ctx, loc, ns, true)?;
    loc.inode.remove_xattr(name)
}

/// `listxattr`: the names the caller may see, each NUL-terminated.
pub fn listxattr(ctx: &Ctx<'_>, loc: &PathLoc) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for name in loc.inode.list_xattr()? {
        if name.starts_with(b"trusted.") && !ctx.creds.is_root() {
            continue;
        }
        out.extend_from_slice(&name);
        out.push(0);
    }
    Ok(out)
}
