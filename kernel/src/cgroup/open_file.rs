//! An open cgroup control file (kernfs's open file with seq_file).
//!
//! A read produces the whole contents when it starts at offset 0 and later
//! reads continue in that snapshot; a write is one command, at most a
//! page, whatever the offset (an empty write does nothing); O_TRUNC and
//! ftruncate are accepted and do nothing. Every file polls readable and
//! writable, plus POLLERR and POLLPRI once its cgroup's events changed
//! since the file was opened or last read (kernfs_generic_poll). Reads
//! and writes make IN_ACCESS and IN_MODIFY as for any file.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use executor::WaitQueue;
use fs::inode::{Metadata, StatFs};

use super::control_files::{apply, render, CgFile};
use super::fs_dir::{self, CgDir};
use crate::errno::Errno;
use crate::file::io::Io;
use crate::file::ops::FileOps;
use crate::file::readiness::{DEFAULT_POLLMASK, POLLERR, POLLPRI};
use crate::file::{File, InodeFile};
use crate::fsnotify;
use crate::proc::Thread;

/// An open control file.
pub struct CgroupFile {
    inner: InodeFile,
    node: Arc<CgFile>,
    dir: Arc<CgDir>,
    /// The event count when last opened or read.
    seen: AtomicU64,
    /// What the read that started at offset 0 produced.
    snapshot: spin::Mutex<Vec<u8>>,
}

/// The open file for `inner`: a control file gets [`CgroupFile`],
/// anything else stays as it is. Any access mode opens (the permission
/// bits were checked); reading cgroup.kill or writing a read-only file
/// is EINVAL then, as Linux.
pub fn open(inner: InodeFile) -> Result<Box<dyn FileOps>, Errno> {
    let any: Arc<dyn core::any::Any + Send + Sync> = inner.loc.inode.clone();
    let Ok(node) = any.downcast::<CgFile>() else { return Ok(Box::new(inner)) };
    let dir = fs_dir::dir(node.cg).ok_or(Errno::ENODEV)?;
    let seen = AtomicU64::new(dir.event_seq.load(Ordering::Acquire));
    Ok(Box::new(CgroupFile { inner, node, dir, seen, snapshot: spin::Mutex::new(Vec::new()) }))
}

impl FileOps for CgroupFile {
    fn read(&self, file: &File, io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut pos = file.pos.lock();
        let at = io.at.unwrap_or(*pos);
        let mut snap = self.snapshot.lock();
        if at == 0 || snap.is_empty() {
            self.seen.store(self.dir.event_seq.load(Ordering::Acquire), Ordering::Release);
            *snap = render(&self.node, Some(io.thread))?;
        }
        let start = (at as usize).min(snap.len());
        let n = buf.len().min(snap.len() - start);
        buf[..n].copy_from_slice(&snap[start..start + n]);
        if io.at.is_none() {
            *pos += n as u64;
        }
        drop(snap);
        drop(pos);
        if n > 0 {
            fsnotify::file_event(file, fsnotify::IN_ACCESS);
        }
        Ok(n)
    }

    fn write(&self, file: &File, io: &mut Io<'_>, data: &[u8]) -> Result<usize, Errno> {
        if data.is_empty() {
            return Ok(0);
        }
        let data = &data[..data.len().min(4096)];
        apply(&self.node, data, io.thread)?;
        fsnotify::file_event(file, fsnotify::IN_MODIFY);
        Ok(data.len())
    }

    fn is_stream(&self) -> bool {
        false
    }

    fn positional(&self) -> bool {
        true
    }

    fn seek(&self, file: &File, off: i64, whence: u64) -> Result<u64, Errno> {
        self.inner.seek(file, off, whence)
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.dir.events)
    }

    fn poll(&self, _t: &Thread) -> u16 {
        let changed = self.dir.event_seq.load(Ordering::Acquire) != self.seen.load(Ordering::Acquire);
        DEFAULT_POLLMASK | if changed { POLLERR | POLLPRI } else { 0 }
    }

    fn stat(&self) -> Metadata {
        self.inner.stat()
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        self.inner.statfs()
    }

    fn truncate(&self, _file: &File, _t: &Arc<Thread>, _len: u64) -> Result<(), Errno> {
        Ok(())
    }

    fn inode_file(&self) -> Option<&InodeFile> {
        Some(&self.inner)
    }

    fn release(&self, file: &File) {
        self.inner.release(file);
    }
}

