//! The names sockets are bound to, and the list of every socket.
//!
//! Mirrors Linux's unix_socket_table: abstract names by their bytes,
//! filesystem names by the (device, inode) of the socket file bind created
//! (the kernel resolves a path through the VFS and asks here for the inode
//! it found; a socket file nobody is bound to any more finds nothing:
//! ECONNREFUSED). Autobind picks an unused abstract name of five hex
//! digits, as Linux's unix_autobind. The lock here is taken by bind,
//! connect-by-name, sendto-by-name, socket creation and release, never by
//! a send or receive on a connected socket.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use super::UnixSocket;
use crate::Errno;

/// A bound name, as looked up.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// An abstract name and the socket type (Linux hashes the type in:
    /// sockets of different types may share a name, and find only their
    /// own type).
    Abstract(Vec<u8>, u8),
    /// (device, inode) of the socket file.
    Inode(u64, u64),
}

static NAMES: spin::Mutex<BTreeMap<Key, Weak<UnixSocket>>> = spin::Mutex::new(BTreeMap::new());
static ALL: spin::Mutex<BTreeMap<u64, Weak<UnixSocket>>> = spin::Mutex::new(BTreeMap::new());
static NEXT_INO: AtomicU64 = AtomicU64::new(10000);
static NEXT_AUTO: AtomicU32 = AtomicU32::new(0);

/// Claims `key` for `s`: EADDRINUSE if a live socket holds it.
pub(super) fn claim(key: Key, s: &Arc<UnixSocket>) -> Result<(), Errno> {
    let mut names = NAMES.lock();
    if names.get(&key).is_some_and(|w| w.strong_count() > 0) {
        return Err(Errno::EADDRINUSE);
    }
    names.insert(key, Arc::downgrade(s));
    Ok(())
}

/// Claims a fresh autobind name for `s` and returns its bytes.
pub(super) fn claim_auto(s: &Arc<UnixSocket>) -> Result<Vec<u8>, Errno> {
    for _ in 0..0x100000 {
        let n = NEXT_AUTO.fetch_add(1, Ordering::Relaxed) & 0xfffff;
        let name = hex5(n);
        if claim(Key::Abstract(name.clone(), s.kind() as u8), s).is_ok() {
            return Ok(name);
        }
    }
    Err(Errno::ENOSPC)
}

fn hex5(n: u32) -> Vec<u8> {
    (0..5).rev().map(|i| b"0123456789abcdef"[(n >> (4 * i)) as usize & 15]).collect()
}

/// Drops `key` if `s` holds it.
pub(super) fn release(key: &Key, s: &UnixSocket) {
    let mut names = NAMES.lock();
    if names.get(key).is_some_and(|w| core::ptr::eq(w.as_ptr(), s)) {
        names.remove(key);
    }
}

/// The live socket bound to `key`.
pub fn lookup(key: &Key) -> Option<Arc<UnixSocket>> {
    // Upgrade outside the lock: dropping a socket must never happen under it.
    let w = NAMES.lock().get(key)?.clone();
    w.upgrade().filter(|s| !s.is_dead())
}

/// A new socket inode number, and the socket's place in the list.
pub(super) fn register(s: &Weak<UnixSocket>) -> u64 {
    let ino = NEXT_INO.fetch_add(1, Ordering::Relaxed);
    ALL.lock().insert(ino, s.clone());
    ino
}

pub(super) fn unregister(ino: u64) {
    ALL.lock().remove(&ino);
}

/// Every live socket, by inode number (for /proc/net/unix and the
/// collector of in-flight cycles).
pub fn all() -> Vec<Arc<UnixSocket>> {
    ALL.lock().values().filter_map(Weak::upgrade).collect()
}

impl Errno {
    pub const ENOSPC: Errno = Errno(28);
}
