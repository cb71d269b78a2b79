//! Writers of a regular file and programs executing it exclude each other,
//! as Linux's i_writecount: opening a running executable for writing, or
//! truncating it, is ETXTBSY, and so is executing a file open for writing.
//!
//! The count lives here, keyed by (device, inode number), rather than in
//! every filesystem's inodes: positive is the number of open writers,
//! negative the number of address spaces running the file. The guards give
//! their count back when dropped.

use alloc::collections::BTreeMap;

use spin::Mutex;

use crate::errno::{Errno, Result};
use crate::inode::InodeRef;

static COUNTS: Mutex<BTreeMap<(u64, u64), i64>> = Mutex::new(BTreeMap::new());

fn key(inode: &InodeRef) -> (u64, u64) {
    let m = inode.metadata();
    (m.dev, m.ino)
}

/// Adds `delta` (a writer: +1, a running image: -1) unless the count
/// has the other sign (ETXTBSY).
fn acquire(key: (u64, u64), delta: i64) -> Result<()> {
    let mut counts = COUNTS.lock();
    let c = counts.entry(key).or_insert(0);
    if *c * delta < 0 {
        return Err(Errno::ETXTBSY);
    }
    *c += delta;
    Ok(())
}

/// Gives back what [`acquire`] took.
fn release(key: (u64, u64), delta: i64) {
    let mut counts = COUNTS.lock();
    if let Some(c) = counts.get_mut(&key) {
        *c -= delta;
        if *c == 0 {
            counts.remove(&key);
        }
    }
}

/// Held by a description open for writing (Linux's get_write_access).
#[derive(Debug)]
pub struct Writer((u64, u64));

/// Held by an address space running the file (deny_write_access).
#[derive(Debug)]
pub struct Executing((u64, u64));

/// Counts a writer of `inode`; ETXTBSY while it is being executed.
pub fn get_write_access(inode: &InodeRef) -> Result<Writer> {
    let k = key(inode);
    acquire(k, 1)?;
    Ok(Writer(k))
}

/// Counts an address space running `inode`; ETXTBSY while it is open for
/// writing.
pub fn deny_write_access(inode: &InodeRef) -> Result<Executing> {
    let k = key(inode);
    acquire(k, -1)?;
    Ok(Executing(k))
}

/// Whether `inode` is being executed (a truncate is then ETXTBSY).
pub fn is_executing(inode: &InodeRef) -> bool {
    COUNTS.lock().get(&key(inode)).is_some_and(|&c| c < 0)
}

impl Clone for Writer {
    fn clone(&self) -> Self {
        // Same sign as the count already has: cannot fail.
        let _ = acquire(self.0, 1);
        Writer(self.0)
    }
}

impl Clone for Executing {
    /// fork: the child's address space runs the file too.
    fn clone(&self) -> Self {
        let _ = acquire(self.0, -1);
        Executing(self.0)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        release(self.0, 1);
    }
}

impl Drop for Executing {
    fn drop(&mut self) {
        release(self.0, -1);
    }
}
