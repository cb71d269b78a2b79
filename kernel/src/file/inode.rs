//! A file opened through the VFS: a regular file, a directory, or anything
//! opened with O_PATH (Linux's tmpfs `shmem_file_operations` and
//! `simple_offset_dir_operations`).
//!
//! Reads and writes go to the inode at the file position or at the pread
//! offset and never wait; a write holds [`super::write_serial`] so an
//! O_APPEND write finds the end and writes there in one step, is cut at
//! RLIMIT_FSIZE (EFBIG with SIGXFSZ past it) and drops set-id bits as
//! Linux's file_remove_privs. lseek knows SEEK_DATA/SEEK_HOLE; a tmpfs
//! directory seeks only with SEEK_SET or SEEK_CUR. Regular files map
//! through their own frames (`mm::filemap`). Closing the description
//! reports IN_CLOSE_* and releases its OFD and flock locks.

use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::inode::{DirEntryRef, Metadata, StatFs};

use super::io::Io;
use super::ops::{FileOps, MapRequest};
use super::File;
use crate::errno::{Errno, SysResult};
use crate::fsnotify;
use crate::mm::filemap::MappedFile;
use crate::mm::vma::{InodeBacking, Kind};
use crate::proc::Thread;

/// Writes by a caller with this capability keep set-id bits.
const CAP_FSETID: u32 = 4;

/// A file opened through the VFS: where it is, and the directory and name
/// it was opened by (for /proc/self/fd later).
pub struct InodeFile {
    pub loc: fs::vfs::PathLoc,
    pub parent: fs::vfs::PathLoc,
    pub name: Vec<u8>,
    /// Write access through the mount while open for writing.
    #[allow(dead_code)]
    pub write: Option<fs::mount::WriteAccess>,
    /// The credentials it was opened with (Linux's f_cred), for linkat's
    /// AT_EMPTY_PATH rule.
    pub opener: fs::Creds,
    /// The filesystem's state for this open file (a generated file's
    /// snapshot): reads and writes go through it.
    pub state: Option<Arc<dyn fs::inode::OpenState>>,
}

impl InodeFile {
    fn read_at(&self, off: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        Ok(match &self.state {
            Some(s) => s.read_at(off, buf)?,
            None => self.loc.inode.read_at(off, buf)?,
        })
    }

    /// The event source's queue, if the open state has events.
    fn events(&self) -> Option<&super::events::Watched> {
        self.state.as_ref()?.events()?.as_any().downcast_ref()
    }
}

/// Linux's inode_newsize_ok for RLIMIT_FSIZE: growing a file past the
/// limit is EFBIG with SIGXFSZ (truncate, ftruncate, fallocate).
pub fn newsize_ok(t: &Arc<Thread>, old: u64, new: u64) -> Result<(), Errno> {
    let limit = t.process.limits.lock().0[crate::proc::limits::RLIMIT_FSIZE].0;
    if new > old && new > limit {
        crate::signal::send_thread(t, crate::signal::SigInfo::kernel(crate::signal::SIGXFSZ), true);
        return Err(Errno::EFBIG);
    }
    Ok(())
}

const SEEK_SET: u64 = 0;
const SEEK_CUR: u64 = 1;
const SEEK_END: u64 = 2;
const SEEK_DATA: u64 = 3;
const SEEK_HOLE: u64 = 4;

const FALLOC_FL_PUNCH_HOLE: u32 = 0x02;

impl FileOps for InodeFile {
    fn read(&self, file: &File, io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        let inode = &self.loc.inode;
        if inode.metadata().is_dir() {
            return Err(Errno::EISDIR);
        }
        let n = match io.at {
            Some(off) => self.read_at(off, buf)?,
            None => {
                let mut pos = file.pos.lock();
                let n = self.read_at(*pos, buf)?;
                *pos += n as u64;
                n
            }
        };
        if n > 0 {
            fsnotify::file_event(file, fsnotify::IN_ACCESS);
        }
        Ok(n)
    }

    fn write(&self, file: &File, io: &mut Io<'_>, data: &[u8]) -> Result<usize, Errno> {
        let inode = &self.loc.inode;
        if inode.metadata().is_dir() {
            return Err(Errno::EISDIR);
        }
        // Nothing to write: no append, no RLIMIT_FSIZE check (Linux's
        // generic_write_checks).
        if data.is_empty() {
            return Ok(0);
        }
        if let Some(state) = &self.state {
            let mut pos = file.pos.lock();
            let n = state.write_at(io.at.unwrap_or(*pos), data)?;
            if io.at.is_none() {
                *pos += n as u64;
            }
            return Ok(n);
        }
        let t = io.thread;
        let mut pos = file.pos.lock();
        // Until the data is in: an append's end of file stays the end.
        let serial = super::write_serial::lock(inode);
        // pwrite on an O_APPEND file appends too (a Linux quirk).
        let off = if io.append { inode.metadata().size } else { io.at.unwrap_or(*pos) };
        // RLIMIT_FSIZE: a short write up to the limit, then EFBIG with
        // SIGXFSZ.
        let limit = t.process.limits.lock().0[crate::proc::limits::RLIMIT_FSIZE].0;
        let data = if off.saturating_add(data.len() as u64) > limit {
            if off >= limit {
                crate::signal::send_thread(t, crate::signal::SigInfo::kernel(crate::signal::SIGXFSZ), true);
                return Err(Errno::EFBIG);
            }
            &data[..(limit - off) as usize]
        } else {
            data
        };
        let n = inode.write_at(off, data)?;
        // A write drops file capabilities, and by someone without
        // CAP_FSETID set-user-ID (and set-group-ID on a group-executable
        // file).
        if n > 0 {
            let _ = fs::attr::remove_privs(inode, t.creds.lock().capable(CAP_FSETID));
        }
        drop(serial);
        if io.at.is_none() {
            *pos = off + n as u64;
        }
        drop(pos);
        if n > 0 {
            fsnotify::file_event(file, fsnotify::IN_MODIFY);
        }
        Ok(n)
    }

    fn is_stream(&self) -> bool {
        false
    }

    fn positional(&self) -> bool {
        true
    }

    /// SEEK_DATA/SEEK_HOLE ask the file; past the largest offset (or
    /// before 0) is EINVAL.
    fn seek(&self, file: &File, off: i64, whence: u64) -> Result<u64, Errno> {
        let mut pos = file.pos.lock();
        let meta = self.loc.inode.metadata();
        // tmpfs directories seek only to an offset or by one (Linux's
        // offset_dir_llseek): SEEK_END, SEEK_DATA and SEEK_HOLE are EINVAL.
        if meta.is_dir() && whence != SEEK_SET && whence != SEEK_CUR {
            return Err(Errno::EINVAL);
        }
        let size = meta.size as i64;
        let new = match whence {
            SEEK_SET => off,
            // Linux adds with wrap-around: past the largest offset is
            // negative, so EINVAL.
            SEEK_CUR => (*pos as i64).wrapping_add(off),
            SEEK_END => size.wrapping_add(off),
            SEEK_DATA | SEEK_HOLE => {
                if off < 0 {
                    return Err(Errno::ENXIO);
                }
                let r = if whence == SEEK_DATA { self.loc.inode.seek_data(off as u64)? } else { self.loc.inode.seek_hole(off as u64)? };
                r as i64
            }
            _ => return Err(Errno::EINVAL),
        };
        if new < 0 {
            return Err(Errno::EINVAL);
        }
        *pos = new as u64;
        Ok(new as u64)
    }

    /// Every call that returns entries counts as an access (Linux's
    /// iterate_dir); one that could not take even the first does not.
    fn iterate_dir(&self, pos: u64, emit: &mut dyn FnMut(&DirEntryRef<'_>) -> bool) -> Result<u64, Errno> {
        let inode = &self.loc.inode;
        if !inode.metadata().is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let mut first = true;
        let mut refused_first = false;
        let next = inode.readdir_batch(pos, &mut |e| {
            let took = emit(e);
            refused_first = first && !took;
            first = false;
            took
        })?;
        if !refused_first {
            inode.accessed();
        }
        Ok(next)
    }

    /// FIONREAD on a regular file: what is left after the position.
    fn ioctl(&self, file: &File, t: &Arc<Thread>, request: u64, arg: u64) -> SysResult {
        let meta = self.loc.inode.metadata();
        if request != super::ops::FIONREAD || !meta.is_regular() {
            return Err(Errno::ENOTTY);
        }
        // Linux stores i_size - f_pos as an int: negative past EOF.
        let left = (meta.size as i64).wrapping_sub(*file.pos.lock() as i64);
        super::ops::reply_int(t, arg, left as i32)
    }

    fn stat(&self) -> Metadata {
        self.loc.inode.metadata()
    }

    /// A file with events (mountinfo) has a poll method: readable, and
    /// POLLPRI|POLLERR once per change.
    fn wait_queue(&self) -> Option<&executor::WaitQueue> {
        self.events().map(|e| e.0.queue())
    }

    fn poll(&self, _t: &Thread) -> u16 {
        match &self.state {
            Some(s) if self.events().is_some() => super::readiness::IN | s.poll(),
            _ => super::readiness::DEFAULT_POLLMASK,
        }
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        Ok(fs::attr::statfs(&self.loc)?)
    }

    /// A regular file maps its own frames; one without shareable pages
    /// (none today) maps privately by copying, and a writable shared
    /// mapping of it is ENODEV. Anything else is ENODEV.
    fn mmap(&self, file: &File, req: &MapRequest) -> Result<Kind, Errno> {
        let inode = &self.loc.inode;
        // Generated files (an open state) have no mmap, as Linux's proc.
        if !inode.metadata().is_regular() || self.state.is_some() {
            return Err(Errno::ENODEV);
        }
        // Executable mappings of a file on a MS_NOEXEC mount.
        if req.prot_exec && self.loc.mount.flags().contains(fs::MountFlags::NOEXEC) {
            return Err(Errno::EPERM);
        }
        if inode.maps_pages() {
            // A write-sealed memfd (`super::memfd`): no new shared mapping
            // may write, now or after mprotect.
            let sealed = req.shared && inode.seals().is_some_and(|s| s.write_sealed());
            if sealed && req.prot_write {
                return Err(Errno::EPERM);
            }
            let mapped = Arc::new(MappedFile::new(inode.clone()));
            Ok(Kind::Pages { file: mapped, offset: req.offset, may_write: file.writable() && !sealed })
        } else if req.shared && req.prot_write {
            // Writes could not reach such a file's data.
            Err(Errno::ENODEV)
        } else {
            Ok(Kind::File { backing: Arc::new(InodeBacking(inode.clone())), offset: req.offset, file_end: u64::MAX })
        }
    }

    /// EISDIR, ENODEV for what is not a regular file, EFBIG past the
    /// largest offset, then RLIMIT_FSIZE (as tmpfs checks it) and the
    /// filesystem's own mode check.
    fn fallocate(&self, file: &File, t: &Arc<Thread>, mode: u32, off: u64, len: u64) -> Result<(), Errno> {
        let meta = self.loc.inode.metadata();
        if meta.is_dir() {
            return Err(Errno::EISDIR);
        }
        if !meta.is_regular() {
            return Err(Errno::ENODEV);
        }
        let end = (off as i64).checked_add(len as i64).ok_or(Errno::EFBIG)?;
        if mode & FALLOC_FL_PUNCH_HOLE == 0 {
            newsize_ok(t, meta.size, end as u64)?;
        }
        self.loc.inode.fallocate(mode, off, len)?;
        fsnotify::file_event(file, fsnotify::IN_MODIFY);
        Ok(())
    }

    fn truncate(&self, file: &File, t: &Arc<Thread>, len: u64) -> Result<(), Errno> {
        let meta = self.loc.inode.metadata();
        if !meta.is_regular() {
            return Err(Errno::EINVAL);
        }
        newsize_ok(t, meta.size, len)?;
        self.loc.inode.truncate(len)?;
        let _ = fs::attr::remove_privs(&self.loc.inode, t.creds.lock().capable(CAP_FSETID));
        fsnotify::file_event(file, fsnotify::IN_MODIFY);
        Ok(())
    }

    /// tmpfs has nothing to write back.
    fn fsync(&self) -> Result<(), Errno> {
        Ok(())
    }

    fn inode_file(&self) -> Option<&InodeFile> {
        Some(self)
    }

    /// IN_CLOSE_WRITE or IN_CLOSE_NOWRITE, IN_DELETE_SELF if this was the
    /// last holder of an unlinked inode, and the description's locks.
    fn release(&self, file: &File) {
        let close = if file.writable() { fsnotify::IN_CLOSE_WRITE } else { fsnotify::IN_CLOSE_NOWRITE };
        fsnotify::file_event(file, close);
        // This description may have been the inode's last holder.
        fsnotify::maybe_gone(&self.loc.inode, 1);
        super::locks::release_description(file, &self.loc.inode);
    }
}
