//! A mount namespace: the mount table ([`fs::Vfs`]) and the queue that
//! wakes pollers of /proc/PID/mountinfo when the table changes (Linux's
//! `ns->poll` and `ns->event`).

use alloc::sync::{Arc, Weak};

use executor::WaitQueue;
use fs::Vfs;

pub struct MntNs {
    pub vfs: Vfs,
    /// The /proc/PID/ns/mnt inode number.
    pub ino: u64,
    /// Woken after every change of the table.
    pub changes: WaitQueue,
}

impl MntNs {
    /// The namespace of `vfs`: every change of its table, made here or
    /// propagated from a peer in another namespace, wakes `changes`.
    pub fn new(vfs: Vfs, ino: u64) -> Arc<MntNs> {
        Arc::new_cyclic(|me: &Weak<MntNs>| {
            let me = me.clone();
            vfs.on_change(Arc::new(move || {
                if let Some(ns) = me.upgrade() {
                    ns.changes.wake_all();
                }
            }));
            MntNs { vfs, ino, changes: WaitQueue::new() }
        })
    }
}
