//! The open state of a generated file (Linux's seq_file as user space sees
//! it): a read at offset 0 produces the contents afresh and keeps them as
//! the open file's snapshot; reads further on continue that snapshot, so a
//! reader that reads in small pieces sees one consistent text. Writes go
//! to the node at once. Poll reports POLLPRI|POLLERR once per change of the
//! node's event counter since the last poll or the open (Linux's
//! `mounts_poll`).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;

use super::{Node, Opener};
use crate::errno::Result;
use crate::inode::{EventSource, OpenState};

/// POLLPRI | POLLERR.
const POLLPRI_ERR: u16 = 0x002 | 0x008;

/// One open file of a generated file.
pub struct SeqState {
    node: Arc<dyn Node>,
    who: Opener,
    snapshot: Mutex<Option<Arc<Vec<u8>>>>,
    events: Option<Arc<dyn EventSource>>,
    /// The event count last reported (or seen at open).
    seen: AtomicU64,
}

impl SeqState {
    pub fn new(node: Arc<dyn Node>, who: Opener) -> Self {
        let events = node.events();
        let seen = events.as_ref().map_or(0, |e| e.count());
        Self { node, who, snapshot: Mutex::new(None), events, seen: AtomicU64::new(seen) }
    }

    /// The snapshot to read at `offset`: a fresh one at offset 0 or when
    /// there is none yet. Produced without the lock held.
    fn snapshot(&self, offset: u64) -> Result<Arc<Vec<u8>>> {
        if offset != 0 {
            if let Some(s) = self.snapshot.lock().clone() {
                return Ok(s);
            }
        }
        let fresh = Arc::new(self.node.produce(&self.who)?);
        *self.snapshot.lock() = Some(fresh.clone());
        Ok(fresh)
    }
}

impl OpenState for SeqState {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let snap = self.snapshot(offset)?;
        let Ok(start) = usize::try_from(offset) else { return Ok(0) };
        if start >= snap.len() {
            return Ok(0);
        }
        let n = buf.len().min(snap.len() - start);
        buf[..n].copy_from_slice(&snap[start..start + n]);
        Ok(n)
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> Result<usize> {
        self.node.store(&self.who, offset, data)
    }

    fn poll(&self) -> u16 {
        let Some(e) = &self.events else { return 0 };
        let now = e.count();
        if self.seen.swap(now, Ordering::AcqRel) != now {
            POLLPRI_ERR
        } else {
            0
        }
    }

    fn events(&self) -> Option<&Arc<dyn EventSource>> {
        self.events.as_ref()
    }
}
