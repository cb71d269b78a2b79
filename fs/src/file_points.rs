//! Where files that carry mounts sit. Linux names a mount point through
//! its dentry; here only a directory knows its parent. A file that gets a
//! mount on top of it (systemd binds an inaccessible node over /dev/kmsg,
//! /proc/sys/kernel/hostname over itself) is remembered with the directory
//! and name it was reached by, so that mountinfo and getcwd can name it.
//! Entries are checked on use (the name must still lead to the inode) and
//! dropped once their directory is gone.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use spin::Mutex;

use crate::inode::{Inode, InodeRef};

type Entry = (Weak<dyn Inode>, Vec<u8>);

static POINTS: Mutex<BTreeMap<usize, Entry>> = Mutex::new(BTreeMap::new());

fn key(inode: &InodeRef) -> usize {
    Arc::as_ptr(inode) as *const () as usize
}

/// Remembers that `point` (not a directory) is `name` in `dir`.
pub fn remember(point: &InodeRef, dir: &InodeRef, name: &[u8]) {
    let mut points = POINTS.lock();
    points.retain(|_, (d, _)| d.strong_count() > 0);
    points.insert(key(point), (Arc::downgrade(dir), name.to_vec()));
}

/// The directory and name `point` was remembered with, if that name still
/// leads to it.
pub fn entry_of(point: &InodeRef) -> Option<(InodeRef, Vec<u8>)> {
    let (dir, name) = POINTS.lock().get(&key(point)).cloned()?;
    let dir = dir.upgrade()?;
    let found = dir.lookup(&name).ok()?;
    Arc::ptr_eq(&found, point).then_some((dir, name))
}
