//! Namespaces: mount and UTS namespaces, as Linux's nsproxy holds them.
//!
//! - A mount namespace ([`mnt::MntNs`]) is a mount table ([`fs::Vfs`]);
//!   a process reaches it through its root and working directory
//!   ([`crate::file::vfs::FsContext`]), which is where Linux keeps the
//!   link too in effect: CLONE_NEWNS always gives the caller its own
//!   `fs_struct`, and setns to a mount namespace needs one.
//! - A UTS namespace ([`uts::UtsNs`]) holds the host and domain names
//!   that uname(2), sethostname(2) and /proc/sys/kernel show.
//! - An IPC namespace ([`crate::ipc::IpcNs`]) holds the SysV IPC
//!   objects and their limits; a new one starts empty.
//! - The other kinds (user, PID, network, cgroup, time) answer
//!   EINVAL, as Linux built without them.
//!
//! Each namespace has an inode number in Linux's proc range, shown by
//! /proc/PID/ns/* links (`mnt:[4026531841]`).

pub mod file;
pub mod mnt;
pub mod uts;

use core::sync::atomic::{AtomicU64, Ordering};

pub const CLONE_NEWTIME: u64 = 0x80;
pub const CLONE_NEWNS: u64 = 0x2_0000;
pub const CLONE_NEWCGROUP: u64 = 0x200_0000;
pub const CLONE_NEWUTS: u64 = 0x400_0000;
pub const CLONE_NEWIPC: u64 = 0x800_0000;
pub const CLONE_NEWUSER: u64 = 0x1000_0000;
pub const CLONE_NEWPID: u64 = 0x2000_0000;
pub const CLONE_NEWNET: u64 = 0x4000_0000;

/// The namespace kinds this kernel has.
pub const SUPPORTED: u64 = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
/// Every namespace flag of clone(2)/unshare(2) (CLONE_NEWTIME only where
/// it does not mean the exit signal: unshare, clone3, setns).
pub const ALL_NS: u64 = CLONE_NEWNS
    | CLONE_NEWCGROUP
    | CLONE_NEWUTS
    | CLONE_NEWIPC
    | CLONE_NEWUSER
    | CLONE_NEWPID
    | CLONE_NEWNET;

/// The initial UTS namespace's fixed number (PROC_UTS_INIT_INO), and the
/// number the initial mount namespace gets on Linux (the first dynamic
/// one after the network namespace's 0xF0000000).
pub const PROC_UTS_INIT_INO: u64 = 0xEFFF_FFFE;
pub const PROC_MNT_INIT_INO: u64 = 0xF000_0001;

static NEXT_INO: AtomicU64 = AtomicU64::new(0xF000_00F0);

/// A fresh namespace inode number.
pub fn alloc_ino() -> u64 {
    NEXT_INO.fetch_add(1, Ordering::Relaxed)
}

use crate::errno::Errno;
use crate::proc::Process;

/// Linux's checks before namespaces are created: a kind this kernel was
/// built without is EINVAL (CLONE_NEWUSER first, as copy_creds runs before
/// the rest), then any new namespace needs CAP_SYS_ADMIN (EPERM).
/// `kinds` holds only namespace flags.
pub fn check_new(kinds: u64, cap_sys_admin: bool) -> Result<(), Errno> {
    if kinds == 0 {
        return Ok(());
    }
    if kinds & CLONE_NEWUSER != 0 {
        return Err(Errno::EINVAL);
    }
    if !cap_sys_admin {
        return Err(Errno::EPERM);
    }
    if kinds & !SUPPORTED != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Moves `p` into new namespaces of the kinds in `kinds` (CLONE_NEWNS,
/// CLONE_NEWUTS, CLONE_NEWIPC), each starting as a copy of its current one
/// (an IPC namespace starts empty). A new mount
/// namespace comes with the process's own root and working directory,
/// carried over to the copied mounts.
pub fn create_new(p: &Process, kinds: u64) {
    if kinds & CLONE_NEWNS != 0 {
        p.unshare_fs(|f| {
            let copy = f.mnt.vfs.copy_namespace();
            f.root = copy.translate(&f.root);
            f.cwd = copy.translate(&f.cwd);
            f.mnt = mnt::MntNs::new(copy.vfs, alloc_ino());
        });
    }
    if kinds & CLONE_NEWUTS != 0 {
        p.set_uts(p.uts().copy());
    }
    if kinds & CLONE_NEWIPC != 0 {
        p.set_ipc(crate::ipc::IpcNs::fresh());
    }
}
