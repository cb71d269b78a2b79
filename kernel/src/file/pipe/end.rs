//! An open end of a pipe or FIFO as a file (Linux's `pipefifo_fops`).
//!
//! A read takes what the ring has (EAGAIN while it is empty and a writer
//! is left, 0 at the end of file); a write fills pages, merging only its
//! first sub-page remainder into the last page, and counts what it queued
//! in `io.done` while it waits for room. A write with no reader left is
//! EPIPE with SIGPIPE to the writer. An O_DIRECT write end writes packets.
//! Positions are ESPIPE; fsync is EINVAL and fallocate ESPIPE, as on
//! Linux; fstat (without a FIFO node) and fstatfs report pipefs. FIONREAD
//! is the bytes queued; O_ASYNC can be set.

use alloc::sync::Arc;

use executor::WaitQueue;
use fs::inode::{makedev, Metadata, StatFs};

use super::Pipe;
use crate::errno::{Errno, SysResult};
use crate::file::io::Io;
use crate::file::ops::{pseudo_metadata, pseudo_statfs, FileOps};
use crate::file::readiness::{bits, IN, OUT, POLLERR, POLLHUP};
use crate::file::File;
use crate::proc::Thread;

const PIPEFS_MAGIC: u64 = 0x5049_5045;

/// One end of a pipe (or both, for a FIFO opened O_RDWR); dropping it
/// closes what it holds.
pub struct PipeEnd {
    pub pipe: Arc<Pipe>,
    pub write: bool,
    /// Holds a read and a write end (FIFO opened O_RDWR).
    pub both: bool,
    /// The pipe's writer-open count when this end was opened (Linux's
    /// f_pipe): a FIFO reader reports POLLHUP only once a writer has come
    /// since (and gone).
    pub seen_writers: usize,
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        // Under the state lock, so that a FIFO open sees the count and the
        // open generation of its partner at one instant.
        let _g = self.pipe.state.lock();
        if self.write || self.both {
            self.pipe.writers.fetch_sub(1, core::sync::atomic::Ordering::AcqRel);
        }
        if !self.write || self.both {
            self.pipe.readers.fetch_sub(1, core::sync::atomic::Ordering::AcqRel);
        }
        drop(_g);
        self.pipe.events.wake_all();
    }
}

impl FileOps for PipeEnd {
    fn proc_link(&self, file: &crate::file::File) -> alloc::vec::Vec<u8> {
        alloc::format!("pipe:[{}]", file.metadata().ino).into_bytes()
    }

    fn read(&self, _file: &File, _io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.pipe.try_read(buf).ok_or(Errno::EAGAIN)?;
        self.pipe.events.wake_all();
        Ok(n)
    }

    fn write(&self, file: &File, io: &mut Io<'_>, data: &[u8]) -> Result<usize, Errno> {
        if data.is_empty() {
            return Ok(0);
        }
        // An O_DIRECT write end writes packets.
        let packet = file.status() & crate::file::O_DIRECT != 0;
        let before = io.done;
        let pipe = &self.pipe;
        let mut go = || {
            // Only the start of a write merges into the last page.
            if !io.retry {
                pipe.try_merge(data, &mut io.done)?;
            }
            match pipe.try_fill(data, packet, &mut io.done) {
                Some(r) => r.map(|()| io.done),
                None => Err(Errno::EAGAIN),
            }
        };
        let r = go();
        if io.done > before {
            pipe.events.wake_all();
        }
        if r == Err(Errno::EPIPE) {
            let t = io.thread;
            crate::signal::send_thread(t, crate::signal::SigInfo::user(crate::signal::SIGPIPE, 0, t.process.pid), true);
        }
        r
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.pipe.events)
    }

    fn poll(&self, _t: &Thread) -> u16 {
        let p = &self.pipe;
        let data = bits(p.available() > 0, IN);
        if self.both {
            data | OUT
        } else if self.write {
            if p.readers() == 0 {
                POLLERR | OUT
            } else {
                bits(p.has_room(), OUT)
            }
        } else {
            data | bits(p.writers() == 0 && p.opens(true) != self.seen_writers, POLLHUP)
        }
    }

    fn has_fasync(&self) -> bool {
        true
    }

    /// FIONREAD: the bytes queued.
    fn ioctl(&self, _file: &File, t: &Arc<Thread>, request: u64, arg: u64) -> SysResult {
        if request != crate::file::ops::FIONREAD {
            return Err(Errno::ENOTTY);
        }
        crate::file::ops::reply_int(t, arg, self.pipe.available() as i32)
    }

    fn stat(&self) -> Metadata {
        let mut m = pseudo_metadata(0o010600, 0, Arc::as_ptr(&self.pipe) as u64 & 0xffff_ffff);
        m.dev = makedev(0, 13);
        m
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        Ok(pseudo_statfs(PIPEFS_MAGIC))
    }

    fn fallocate(&self, _file: &File, _t: &Arc<Thread>, _mode: u32, _off: u64, _len: u64) -> Result<(), Errno> {
        Err(Errno::ESPIPE)
    }
}
