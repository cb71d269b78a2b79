//! File system events, for inotify: who watches which inode, and the hooks
//! the system calls call after an operation succeeds.
//!
//! Mirrors Linux's fsnotify: an event on an inode goes to the watches on
//! the inode itself (no name), then to the watches on the directory it was
//! reached through (with its name), the subject's IN_ISDIR bit added. The
//! directory is the one the path walk went through, or the one an open
//! file was opened in. An inode is "gone" (IN_DELETE_SELF, then IN_IGNORED
//! for every watch) when it has no links and nothing else holds it: the
//! last reference is the caller's own (Linux's inode eviction).
//!
//! Watches are keyed by (device, inode number). With no watch anywhere
//! every hook returns after one atomic load.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use fs::inode::InodeRef;

use crate::file::inotify::Inotify;
use crate::file::File;

pub const IN_ACCESS: u32 = 0x1;
pub const IN_MODIFY: u32 = 0x2;
pub const IN_ATTRIB: u32 = 0x4;
pub const IN_CLOSE_WRITE: u32 = 0x8;
pub const IN_CLOSE_NOWRITE: u32 = 0x10;
pub const IN_OPEN: u32 = 0x20;
pub const IN_MOVED_FROM: u32 = 0x40;
pub const IN_MOVED_TO: u32 = 0x80;
pub const IN_CREATE: u32 = 0x100;
pub const IN_DELETE: u32 = 0x200;
pub const IN_DELETE_SELF: u32 = 0x400;
pub const IN_MOVE_SELF: u32 = 0x800;
pub const IN_ISDIR: u32 = 0x4000_0000;

/// An inode's identity: (device, inode number).
pub type Key = (u64, u64);

/// The inotify instances watching one inode, with their watch descriptors.
type Watchers = Vec<(Weak<Inotify>, i32)>;

/// Watched inodes.
static WATCHES: spin::Mutex<BTreeMap<Key, Watchers>> = spin::Mutex::new(BTreeMap::new());
static WATCHED: AtomicUsize = AtomicUsize::new(0);
/// Rename cookies.
static COOKIE: AtomicU32 = AtomicU32::new(1);

pub fn key(inode: &InodeRef) -> Key {
    let m = inode.metadata();
    (m.dev, m.ino)
}

/// Whether any inode is watched (the hooks' fast path).
pub fn active() -> bool {
    WATCHED.load(Ordering::Acquire) > 0
}

pub fn add_watch(key: Key, owner: &Arc<Inotify>, wd: i32) {
    WATCHES.lock().entry(key).or_default().push((Arc::downgrade(owner), wd));
    WATCHED.fetch_add(1, Ordering::AcqRel);
}

pub fn remove_watch(key: Key, owner: &Inotify, wd: i32) {
    let mut w = WATCHES.lock();
    if let Some(list) = w.get_mut(&key) {
        let before = list.len();
        list.retain(|(o, d)| !(core::ptr::eq(o.as_ptr(), owner) && *d == wd));
        WATCHED.fetch_sub(before - list.len(), Ordering::AcqRel);
        if list.is_empty() {
            w.remove(&key);
        }
    }
}

fn watchers(key: Key) -> Vec<(Arc<Inotify>, i32)> {
    WATCHES.lock().get(&key).map_or_else(Vec::new, |l| l.iter().filter_map(|(o, wd)| o.upgrade().map(|o| (o, *wd))).collect())
}

/// Reports `mask` on `inode` (to its watches) and, if given, on the entry
/// `name` of directory `parent` (to the directory's watches).
pub fn event(inode: &InodeRef, mask: u32, parent: Option<(&InodeRef, &[u8])>, cookie: u32) {
    if !active() {
        return;
    }
    let mask = if inode.metadata().is_dir() { mask | IN_ISDIR } else { mask };
    for (o, wd) in watchers(key(inode)) {
        o.deliver(wd, mask, cookie, &[]);
    }
    if let Some((dir, name)) = parent {
        if !name.is_empty() {
            for (o, wd) in watchers(key(dir)) {
                o.deliver(wd, mask, cookie, name);
            }
        }
    }
}

/// Reports `mask` only to the watches of directory `dir` about its entry
/// `name` (creation and deletion, whose subject is described by `isdir`).
pub fn dir_event(dir: &InodeRef, mask: u32, name: &[u8], isdir: bool, cookie: u32) {
    if !active() {
        return;
    }
    let mask = if isdir { mask | IN_ISDIR } else { mask };
    for (o, wd) in watchers(key(dir)) {
        o.deliver(wd, mask, cookie, name);
    }
}

/// An event about the watched inode itself that Linux reports without
/// IN_ISDIR (IN_MOVE_SELF; IN_DELETE_SELF is [`maybe_gone`]).
pub fn self_event(inode: &InodeRef, mask: u32) {
    if !active() {
        return;
    }
    for (o, wd) in watchers(key(inode)) {
        o.deliver(wd, mask, 0, &[]);
    }
}

/// An event on an open file (read, write, close...): its directory is the
/// one it was opened in.
pub fn file_event(file: &File, mask: u32) {
    if !active() {
        return;
    }
    if let Some(f) = file.inode_file() {
        if file.status() & fs::flags::O_PATH != 0 {
            return;
        }
        event(&f.loc.inode, mask, Some((&f.parent.inode, &f.name)), 0);
    }
}

/// If `inode` has no links left and `holders` is all that holds it, it is
/// gone: IN_DELETE_SELF and IN_IGNORED to its watches, which end.
pub fn maybe_gone(inode: &InodeRef, holders: usize) {
    if !active() || Arc::strong_count(inode) > holders || inode.metadata().nlink > 0 {
        return;
    }
    let k = key(inode);
    let list = WATCHES.lock().remove(&k).unwrap_or_default();
    WATCHED.fetch_sub(list.len(), Ordering::AcqRel);
    for (o, wd) in list.iter().filter_map(|(o, wd)| o.upgrade().map(|o| (o, *wd))) {
        o.deliver(wd, IN_DELETE_SELF, 0, &[]);
        o.ignored(wd);
    }
}

/// A fresh cookie tying IN_MOVED_FROM to its IN_MOVED_TO.
pub fn cookie() -> u32 {
    COOKIE.fetch_add(1, Ordering::Relaxed).max(1)
}
