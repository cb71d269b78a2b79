//! devtmpfs: one tmpfs instance holding a node for every character device
//! the kernel has ([`super::vfs::DEVICES`]), and the `fd`, `stdin`,
//! `stdout` and `stderr` links into /proc/self/fd, as a booted system
//! shows them. Like Linux's, every mount of devtmpfs shows the same
//! instance: a node made or removed through one mount is seen through all.
//!
//! Mount options are accepted and not applied: Linux re-parses them
//! against the one existing instance, and the size limits systemd passes
//! (`size=4m,nr_inodes=1m`) do not make a mount fail.

use alloc::sync::Arc;

use fs::inode::{makedev, Owner};
use fs::tmpfs::{Tmpfs, TmpfsOptions};
use fs::InodeRef;

use super::vfs::{Realtime, DEVICES};

static INSTANCE: spin::Once<Arc<Tmpfs>> = spin::Once::new();

/// The links a booted system has in /dev (systemd makes them on Linux).
const LINKS: &[(&[u8], &[u8])] = &[
    (b"fd", b"/proc/self/fd"),
    (b"stdin", b"/proc/self/fd/0"),
    (b"stdout", b"/proc/self/fd/1"),
    (b"stderr", b"/proc/self/fd/2"),
];

/// The root of the devtmpfs instance, made and populated on first use.
pub fn root() -> InodeRef {
    INSTANCE
        .call_once(|| {
            let t = Tmpfs::with_memory(Arc::new(Realtime), crate::mm::filemap::memory(), TmpfsOptions { mode: 0o755, ..TmpfsOptions::default() });
            populate(&t.root());
            t
        })
        .root()
}

fn populate(root: &InodeRef) {
    let owner = Owner { uid: 0, gid: 0 };
    for (name, major, minor, mode) in DEVICES {
        if let Err(e) = root.mknod(name, 0o020000 | mode, makedev(*major, *minor), owner) {
            log::warn!("devtmpfs: /dev/{} not made: {e:?}", alloc::string::String::from_utf8_lossy(name));
        }
    }
    for (name, target) in LINKS {
        let _ = root.symlink(name, target, owner);
    }
}
