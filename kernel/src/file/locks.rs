//! File locks as open files and processes hold them: the release of a
//! description's OFD and flock locks when it closes, of a process's POSIX
//! locks when it closes any descriptor of the file or exits, and the queue
//! their waiters sleep on. The lock tables are the `fs` crate's; fcntl(2)
//! and flock(2) are `syscall::lock`.

use executor::WaitQueue;
use fs::lock::LockOwner;

use super::File;

/// Woken whenever a lock is released anywhere (an unlock, a close, an
/// exit): a blocked F_SETLKW, F_OFD_SETLKW or flock waits here until the
/// lock table's generation moves, then tries again. One queue for every
/// inode: lock waits are rare and a release wakes only those waiting.
pub static RELEASED: WaitQueue = WaitQueue::new();

/// The owner id of `file`'s OFD and flock locks: the description itself.
pub fn description_id(file: &File) -> u64 {
    file as *const File as u64
}

/// `file`, a description of `inode`, is closing: its OFD and flock locks
/// go.
pub fn release_description(file: &File, inode: &fs::InodeRef) {
    let id = description_id(file);
    let locks = inode.file_locks();
    locks.release_owner(LockOwner::Ofd(id));
    let _ = locks.flock(id, None);
    RELEASED.wake_all();
}

/// A process closed a descriptor of this file (or exited): its POSIX
/// locks on the file go.
pub fn release_process_locks(file: &File, pid: u32) {
    if let Some(f) = file.inode_file() {
        f.loc.inode.file_locks().release_owner(LockOwner::Process(pid));
        RELEASED.wake_all();
    }
}
