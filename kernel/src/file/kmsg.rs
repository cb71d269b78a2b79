//! /dev/kmsg (char 1:11) and the kernel log ring it reads (Linux's
//! `devkmsg_fops`), shared with syslog(2) (`crate::syscall::syslog`).
//!
//! The ring is [`fs::kmsg::Ring`] under one lock, with a wait queue woken
//! on every new record. Records come from writes to /dev/kmsg (a leading
//! `<N>` gives the level and facility, else LOG_USER at the default level
//! 4: priority 12) and from the kernel's own log lines (facility 0,
//! `target: message`), handed over by the platform logger's record hook.
//!
//! An open /dev/kmsg reads one record per read(2) in Linux's
//! `PRIO,SEQ,USEC,FLAGS;TEXT\n` form from the oldest record on: EINVAL if
//! the buffer is too small, waiting (or EAGAIN) at the end, EPIPE once
//! after records it had not read were overwritten. lseek takes offset 0
//! with SEEK_SET (oldest), SEEK_DATA (after the last syslog clear) or
//! SEEK_END (newest). poll: readable when a record waits, POLLERR|POLLPRI
//! after a loss; no POLLOUT (Linux's devkmsg_poll). Differences: writes
//! are not rate-limited (Linux's printk.devkmsg=ratelimit drops a writer's
//! lines past ten per five seconds).

use alloc::vec::Vec;
use core::fmt::Write;

use executor::WaitQueue;
use fs::inode::{makedev, Metadata, StatFs};
use fs::kmsg::{Reader, Ring, WRITE_MAX};

use super::io::Io;
use super::ops::{pseudo_metadata, pseudo_statfs, FileOps, TMPFS_MAGIC};
use super::readiness::{bits, IN, POLLERR, POLLPRI};
use super::File;
use crate::errno::Errno;
use crate::proc::Thread;

/// Linux's default log_buf_len (CONFIG_LOG_BUF_SHIFT=17).
pub const RING_BYTES: usize = 128 * 1024;

pub static RING: spin::Mutex<Ring> = spin::Mutex::new(Ring::new(RING_BYTES));
/// Woken when a record is added.
pub static NEW_RECORD: WaitQueue = WaitQueue::new();

fn usec_now() -> u64 {
    platform::time::now_ns() / 1000
}

/// Adds a record with priority `prio` and wakes readers.
pub fn log(prio: u32, text: &[u8]) {
    RING.lock().push(prio, usec_now(), text);
    NEW_RECORD.wake_all();
}

/// A kernel log line as the platform logger hands it over. It may come
/// from any context: a line that finds the ring busy (logged while this
/// CPU holds it) is dropped rather than deadlocking. The syscall trace
/// (`strace` on the command line) stays on the console: it stands for a
/// user-space strace, whose output Linux never logs, and a line per call
/// would overwrite the ring faster than a reader (journald) could follow.
fn kernel_line(level: u8, target: &str, args: &core::fmt::Arguments) {
    if target == "strace" {
        return;
    }
    let mut line = LineBuf { buf: [0; 256], len: 0 };
    let _ = write!(line, "{target}: {args}");
    if let Some(mut ring) = RING.try_lock() {
        ring.push(level as u32, usec_now(), &line.buf[..line.len]);
        drop(ring);
        NEW_RECORD.wake_all();
    }
}

/// A fixed buffer that keeps what fits (no allocation while formatting).
struct LineBuf {
    buf: [u8; 256],
    len: usize,
}

impl Write for LineBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Routes the kernel's log lines into the ring.
pub fn init() {
    platform::logger::set_record_hook(kernel_line);
}

/// One open /dev/kmsg.
pub struct Kmsg {
    reader: spin::Mutex<Reader>,
}

impl Kmsg {
    pub fn open() -> Kmsg {
        Kmsg { reader: spin::Mutex::new(Reader::new(&RING.lock())) }
    }
}

impl FileOps for Kmsg {
    fn read(&self, _file: &File, _io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        let ring = RING.lock();
        Ok(self.reader.lock().read(&ring, buf)?)
    }

    fn write(&self, _file: &File, _io: &mut Io<'_>, data: &[u8]) -> Result<usize, Errno> {
        if data.len() > WRITE_MAX {
            return Err(Errno::EINVAL);
        }
        let (prio, text) = fs::kmsg::parse_write(data);
        let text: Vec<u8> = text.to_vec();
        let shown = text.strip_suffix(b"\n").unwrap_or(&text);
        platform::logger::user_line((prio & 7) as u8, shown);
        log(prio, &text);
        Ok(data.len())
    }

    fn seek(&self, _file: &File, off: i64, whence: u64) -> Result<u64, Errno> {
        let ring = RING.lock();
        Ok(self.reader.lock().seek(&ring, off, whence)?)
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&NEW_RECORD)
    }

    fn poll(&self, _t: &Thread) -> u16 {
        let ring = RING.lock();
        let r = self.reader.lock();
        if r.lost(&ring) {
            IN | POLLERR | POLLPRI
        } else {
            bits(r.ready(&ring), IN)
        }
    }

    fn stat(&self) -> Metadata {
        pseudo_metadata(0o020644, makedev(1, 11), 267)
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        Ok(pseudo_statfs(TMPFS_MAGIC))
    }
}
