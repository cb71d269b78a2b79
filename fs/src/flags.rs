//! Linux ABI constants the `*at` operations take: `open` flags and `AT_*`
//! flags (x86-64 values), and conversion of AT_* flags to [`Lookup`].

use crate::errno::{Errno, Result};
use crate::path::Lookup;

pub const O_RDONLY: u32 = 0;
pub const O_WRONLY: u32 = 0o1;
pub const O_RDWR: u32 = 0o2;
pub const O_ACCMODE: u32 = 0o3;
pub const O_CREAT: u32 = 0o100;
pub const O_EXCL: u32 = 0o200;
pub const O_NOCTTY: u32 = 0o400;
pub const O_TRUNC: u32 = 0o1000;
pub const O_APPEND: u32 = 0o2000;
pub const O_NONBLOCK: u32 = 0o4000;
pub const O_DSYNC: u32 = 0o10000;
pub const O_DIRECT: u32 = 0o40000;
pub const O_LARGEFILE: u32 = 0o100000;
pub const O_DIRECTORY: u32 = 0o200000;
pub const O_NOFOLLOW: u32 = 0o400000;
pub const O_NOATIME: u32 = 0o1000000;
pub const O_CLOEXEC: u32 = 0o2000000;
pub const O_SYNC: u32 = 0o4010000;
pub const O_PATH: u32 = 0o10000000;
/// Includes O_DIRECTORY, as on Linux.
pub const O_TMPFILE: u32 = 0o20200000;

pub const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
pub const AT_REMOVEDIR: u32 = 0x200;
/// `faccessat2`: check with the effective ids (same value as AT_REMOVEDIR).
pub const AT_EACCESS: u32 = 0x200;
pub const AT_SYMLINK_FOLLOW: u32 = 0x400;
pub const AT_NO_AUTOMOUNT: u32 = 0x800;
pub const AT_EMPTY_PATH: u32 = 0x1000;
/// statx synchronisation hints (ignored: everything is in memory).
pub const AT_STATX_SYNC_TYPE: u32 = 0x6000;

/// `access` modes.
pub const F_OK: u32 = 0;
pub const R_OK: u32 = 4;
pub const W_OK: u32 = 2;
pub const X_OK: u32 = 1;

/// Turns the AT_* flags of a stat-like call into lookup flags: EINVAL for
/// any flag outside `allowed`. AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH map to
/// their [`Lookup`] counterparts; AT_NO_AUTOMOUNT and AT_STATX_* are
/// accepted (nothing automounts, nothing needs syncing) when allowed.
pub fn at_lookup(flags: u32, allowed: u32) -> Result<Lookup> {
    if flags & !allowed != 0 {
        return Err(Errno::EINVAL);
    }
    let mut l = Lookup::empty();
    if flags & AT_SYMLINK_NOFOLLOW != 0 {
        l |= Lookup::NOFOLLOW;
    }
    if flags & AT_EMPTY_PATH != 0 {
        l |= Lookup::EMPTY_PATH;
    }
    Ok(l)
}
