//! A mount namespace: the mount table ([`fs::Vfs`]) and the queue that
//! wakes pollers of /proc/PID/mountinfo when the table changes (Linux's
//! `ns->poll` and `ns->event`).

use alloc::sync::Arc;

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
    pub fn new(vfs: Vfs, ino: u64) -> Arc<MntNs> {
        Arc::new(MntNs { vfs, ino, changes: WaitQueue::new() })
    }

    /// Tells pollers of mountinfo that the table changed (call after a
    /// successful mount operation; [`Vfs::generation`] moved already).
    pub fn changed(&self) {
        self.changes.wake_all();
    }
}
