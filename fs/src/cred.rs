//! Who is asking, and whether they may: the credentials a file operation
//! runs with and Linux's discretionary access check
//! (`generic_permission`/`acl_permission_check` without ACLs).
//!
//! The owner class uses the owner bits only, then the group class (the
//! file's group is the caller's gid or one of its supplementary groups),
//! then "other". uid 0 stands in for CAP_DAC_OVERRIDE: it may read and write
//! anything and search any directory, but executing a non-directory still
//! needs at least one x bit. Capabilities other than "is root" are not
//! modelled.

use alloc::vec::Vec;

use crate::errno::{Errno, Result};
use crate::inode::{Metadata, S_IFDIR, S_IFMT};

/// Credentials of the calling thread.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Creds {
    /// Filesystem uid (normally the effective uid): owner of new files and
    /// the identity of permission checks.
    pub uid: u32,
    /// Filesystem gid.
    pub gid: u32,
    /// Real uid and gid (`access(2)` without AT_EACCESS checks with these).
    pub ruid: u32,
    pub rgid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
}

impl Creds {
    /// uid 0 / gid 0, no supplementary groups.
    pub fn root() -> Self {
        Self::default()
    }

    /// An unprivileged user with the same real and filesystem ids.
    pub fn user(uid: u32, gid: u32) -> Self {
        Self {
            uid,
            gid,
            ruid: uid,
            rgid: gid,
            groups: Vec::new(),
        }
    }

    /// Privileged (stands in for CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_CHOWN, ...).
    pub fn is_root(&self) -> bool {
        self.uid == 0
    }

    /// Whether `gid` is the caller's group or a supplementary group.
    pub fn in_group(&self, gid: u32) -> bool {
        self.gid == gid || self.groups.contains(&gid)
    }

    /// The same credentials with the real ids as filesystem ids (what
    /// `faccessat` without AT_EACCESS checks with).
    pub fn as_real(&self) -> Self {
        Self {
            uid: self.ruid,
            gid: self.rgid,
            ..self.clone()
        }
    }
}

bitflags::bitflags! {
    /// Access being asked for (the values of `R_OK`, `W_OK`, `X_OK`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Access: u32 {
        const READ = 4;
        const WRITE = 2;
        const EXEC = 1;
    }
}

/// Whether `creds` may access an inode with attributes `meta` as `want`
/// asks (EACCES if not).
pub fn check_access(meta: &Metadata, creds: &Creds, want: Access) -> Result<()> {
    if creds.is_root() {
        let is_dir = meta.mode & S_IFMT == S_IFDIR;
        if !want.contains(Access::EXEC) || is_dir || meta.mode & 0o111 != 0 {
            return Ok(());
        }
        return Err(Errno::EACCES);
    }
    let bits = if creds.uid == meta.uid {
        meta.mode >> 6
    } else if creds.in_group(meta.gid) {
        meta.mode >> 3
    } else {
        meta.mode
    } & 7;
    if bits & want.bits() == want.bits() {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// Owner or privileged (`inode_owner_or_capable`): who may chmod, set
/// times explicitly, and so on (EPERM otherwise).
pub fn check_owner(meta: &Metadata, creds: &Creds) -> Result<()> {
    if creds.is_root() || creds.uid == meta.uid {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}
