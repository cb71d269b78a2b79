//! The initial mount namespace: a tmpfs root unpacked from the initramfs
//! (like Linux's rootfs), with /dev populated with the character devices
//! the kernel provides, and the glue between processes and the `fs`
//! crate: clock, credentials, path contexts. A process reaches its mount
//! namespace through its [`FsContext`] (see [`crate::ns`]).

use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::inode::makedev;
use fs::tmpfs::{Tmpfs, TmpfsOptions};
use fs::vfs::{Ctx, PathLoc, Vfs};
use fs::{Clock, Timespec};

use crate::errno::Errno;
use crate::ns::mnt::MntNs;
use crate::proc::Thread;

/// CLOCK_REALTIME for timestamps.
pub struct Realtime;

impl Clock for Realtime {
    fn now(&self) -> Timespec {
        let ns = platform::time::realtime_ns();
        Timespec::new(ns.div_euclid(1_000_000_000), ns.rem_euclid(1_000_000_000) as u32)
    }
}

static INIT_NS: spin::Once<Arc<MntNs>> = spin::Once::new();

impl From<fs::Errno> for Errno {
    fn from(e: fs::Errno) -> Errno {
        Errno(e.0)
    }
}

/// Character devices the kernel implements: (path, major, minor, mode).
pub const DEVICES: &[(&[u8], u32, u32, u32)] = &[
    (b"null", 1, 3, 0o666),
    (b"zero", 1, 5, 0o666),
    (b"full", 1, 7, 0o666),
    (b"random", 1, 8, 0o666),
    (b"urandom", 1, 9, 0o666),
    (b"kmsg", 1, 11, 0o644),
    (b"tty", 5, 0, 0o666),
    (b"console", 5, 1, 0o600),
    (b"ttyS0", 4, 64, 0o660),
    (b"ptmx", 5, 2, 0o666),
];

/// Builds the root filesystem from the initramfs.
pub fn init(initrd: Option<&[u8]>) {
    INIT_NS.call_once(|| {
        // Linux's rootfs is a tmpfs with the default limits: half of RAM
        // in pages and as many inodes.
        let opts = TmpfsOptions::parse("mode=755", platform::mem::frame::total_bytes()).unwrap_or_default();
        let tmp = Tmpfs::with_memory(Arc::new(Realtime), crate::mm::filemap::memory(), opts);
        let vfs = Vfs::new(tmp.root(), "rootfs", "rootfs");
        if let Some(image) = initrd {
            // Plain, gzip or zstd, several archives concatenated; what
            // was unpacked before an error stays, as on Linux.
            match fs::initramfs::unpack(&vfs, image) {
                Ok(s) => log::info!(
                    "initramfs: {} entries unpacked into the root tmpfs ({} skipped, {} compressed archives)",
                    s.unpacked,
                    s.skipped,
                    s.compressed
                ),
                Err(e) => log::error!("initramfs: unpacking failed: {e}"),
            }
        }
        populate_dev(&vfs);
        MntNs::new(vfs, crate::ns::PROC_MNT_INIT_INO)
    });
}

fn populate_dev(vfs: &Vfs) {
    let creds = fs::Creds { uid: 0, gid: 0, ruid: 0, rgid: 0, groups: Vec::new() };
    let root = vfs.root();
    let ctx = Ctx { root: &root, creds: &creds, umask: 0, caller: Default::default() };
    let _ = fs::ops::mkdirat(vfs, &ctx, &root, b"/dev", 0o755);
    for (name, major, minor, mode) in DEVICES {
        let mut path = Vec::from(&b"/dev/"[..]);
        path.extend_from_slice(name);
        let _ = fs::ops::mknodat(vfs, &ctx, &root, &path, 0o020000 | mode, makedev(*major, *minor));
    }
    let _ = fs::ops::mkdirat(vfs, &ctx, &root, b"/dev/pts", 0o755);
    for dir in [&b"/proc"[..], b"/sys", b"/tmp", b"/run"] {
        let _ = fs::ops::mkdirat(vfs, &ctx, &root, dir, if dir == b"/tmp" { 0o1777 } else { 0o755 });
    }
}

/// The initial mount namespace (init's, and the kernel's own lookups).
pub fn init_ns() -> &'static Arc<MntNs> {
    INIT_NS.get().expect("file::vfs::init runs before the first process")
}

/// The initial namespace's mount table.
pub fn vfs() -> &'static Vfs {
    &init_ns().vfs
}

/// A process's root (chroot), working directory and the mount namespace
/// both belong to (Linux's `fs_struct` plus `nsproxy->mnt_ns`).
#[derive(Clone)]
pub struct FsContext {
    pub root: PathLoc,
    pub cwd: PathLoc,
    pub mnt: Arc<MntNs>,
}

impl FsContext {
    pub fn initial() -> FsContext {
        FsContext { root: vfs().root(), cwd: vfs().root(), mnt: init_ns().clone() }
    }
}

/// The `fs` crate's view of a thread's credentials (filesystem IDs).
pub fn creds_of(t: &Thread) -> fs::Creds {
    let c = t.creds.lock();
    fs::Creds { uid: c.fsuid, gid: c.fsgid, ruid: c.ruid, rgid: c.rgid, groups: c.groups.clone() }
}

/// Runs `f` with the VFS, `t`'s credentials and its process's path
/// context.
pub fn with_ctx<R>(t: &Thread, f: impl FnOnce(&Vfs, &Ctx<'_>, &FsContext) -> R) -> R {
    let p = &t.process;
    let fsc = p.fs().lock().clone();
    let creds = creds_of(t);
    let umask = p.umask.load(core::sync::atomic::Ordering::Relaxed);
    let caller = fs::vfs::Caller { pid: p.pid, tid: t.tid() };
    let ctx = Ctx { root: &fsc.root, creds: &creds, umask, caller };
    f(&fsc.mnt.vfs, &ctx, &fsc)
}

/// The mount namespace of `t`'s process.
pub fn mnt_ns(t: &Thread) -> Arc<MntNs> {
    t.process.fs().lock().mnt.clone()
}
