//! FIFOs (named pipes): the pipe behind each FIFO inode while it is open,
//! and Linux's fifo_open rules. A reader waits for a writer and a writer
//! for a reader (unless O_NONBLOCK: a reader goes ahead, a writer gets
//! ENXIO); O_RDWR opens both ends and never waits. As on Linux, an open
//! that found no partner ends once a partner has opened since, even if
//! that partner has closed again by the time the waiter runs (a writer
//! that opened, wrote and closed).

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};

use fs::flags::{O_ACCMODE, O_NONBLOCK, O_RDONLY, O_WRONLY};

use super::{Pipe, PipeEnd};
use crate::errno::Errno;
use crate::proc::Thread;

static FIFOS: spin::Mutex<BTreeMap<(u64, u64), Weak<Pipe>>> = spin::Mutex::new(BTreeMap::new());

/// The pipe of the FIFO inode (dev, ino), created on its first open.
fn pipe_of(dev: u64, ino: u64) -> Arc<Pipe> {
    let mut t = FIFOS.lock();
    t.retain(|_, w| w.strong_count() > 0);
    if let Some(p) = t.get(&(dev, ino)).and_then(Weak::upgrade) {
        return p;
    }
    let p = Pipe::with_ends(0, 0);
    t.insert((dev, ino), Arc::downgrade(&p));
    p
}

/// Opens the FIFO inode (dev, ino) with open flags `flags` for `t`,
/// waiting for a partner as above (a signal ends the wait: ERESTARTSYS).
pub async fn open(t: &Thread, dev: u64, ino: u64, flags: u32) -> Result<PipeEnd, Errno> {
    let p = pipe_of(dev, ino);
    let nonblock = flags & O_NONBLOCK != 0;
    let write = match flags & O_ACCMODE {
        O_RDONLY => false,
        O_WRONLY => true,
        // O_RDWR: both ends in one description (Linux allows it).
        _ => return Ok(p.open_both()),
    };
    if write && nonblock && p.readers() == 0 {
        return Err(Errno::ENXIO);
    }
    let (end, partners, partner_opens) = p.open_end(write);
    if partners == 0 && !nonblock {
        crate::file::io::wait(t, p.events.wait_until(|| p.opens(!write) != partner_opens)).await?;
    }
    Ok(end)
}
