//! One writer at a time per file, as Linux's i_rwsem in write(2): an
//! O_APPEND write finds the end of file and puts its data there in one
//! step, so concurrent appenders — through separate opens, from separate
//! processes — never overwrite each other, and a write at an offset cannot
//! slip in between.
//!
//! The locks are striped by inode (its address): two files may share a
//! stripe and wait for each other for the length of an in-memory copy.
//! Writes to regular files are synchronous, so no guard crosses an await.

use fs::InodeRef;

const STRIPES: usize = 64;

static LOCKS: [spin::Mutex<()>; STRIPES] = [const { spin::Mutex::new(()) }; STRIPES];

/// Holds writes to `inode` off until the guard goes.
pub fn lock(inode: &InodeRef) -> spin::MutexGuard<'static, ()> {
    let addr = alloc::sync::Arc::as_ptr(inode) as *const () as usize;
    // Inodes are heap objects of at least 64 bytes: skip the low bits.
    LOCKS[(addr >> 6) % STRIPES].lock()
}
