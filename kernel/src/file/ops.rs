//! [`FileOps`]: what an open file does, one implementation per kind of
//! file (Linux's `struct file_operations`).
//!
//! Every method has Linux's answer for a file type that does not implement
//! it, so a kind implements only what it has:
//!
//! | operation            | default (Linux without the `f_op` method)     |
//! |----------------------|-----------------------------------------------|
//! | read, write          | EINVAL                                        |
//! | pread/pwrite offset  | ESPIPE (no FMODE_PREAD/FMODE_PWRITE)          |
//! | lseek                | ESPIPE                                        |
//! | getdents             | ENOTDIR                                       |
//! | ioctl (own requests) | ENOTTY                                        |
//! | poll                 | no queue: DEFAULT_POLLMASK, epoll_ctl EPERM   |
//! | O_ASYNC (fasync)     | cannot be set                                 |
//! | fstat, fstatfs       | an anonymous inode (anon_inodefs)             |
//! | mmap                 | ENODEV                                        |
//! | fallocate            | ENODEV                                        |
//! | ftruncate            | EINVAL                                        |
//! | fsync, fdatasync     | EINVAL                                        |
//!
//! Reads and writes never wait here: a kind answers EAGAIN when the call
//! would have to wait, and the generic layer ([`super::io`]) waits on the
//! kind's [`wait_queue`](FileOps::wait_queue) and asks again. The generic
//! requests (FIONBIO, FIOCLEX, FIONCLEX, FIOASYNC) and the descriptor's
//! status flags are the syscall layer's; a kind sees only its own.
//!
//! A syscall that needs one kind (timerfd_settime, epoll_ctl,
//! inotify_add_watch, F_SETPIPE_SZ...) asks for it with
//! [`File::downcast`](super::File::downcast), as Linux compares `f_op`.

use alloc::sync::Arc;
use core::any::Any;

use executor::WaitQueue;
use fs::inode::{makedev, major, Metadata, StatFs};
use fs::Timespec;

use super::io::Io;
use super::readiness::DEFAULT_POLLMASK;
use super::{File, InodeFile};
use crate::errno::{Errno, SysResult};
use crate::proc::Thread;

/// What a mapping asks of a file (mmap(2) after its generic checks).
pub struct MapRequest {
    /// The offset in the file, page-aligned.
    pub offset: u64,
    /// MAP_SHARED (or MAP_SHARED_VALIDATE).
    pub shared: bool,
    pub prot_write: bool,
    pub prot_exec: bool,
}

/// One kind of open file. See the module documentation for the defaults.
pub trait FileOps: Any + Send + Sync {
    /// Reads into `buf` without waiting: EAGAIN when there is nothing yet
    /// (see [`super::io`]). A position-based kind reads at `io.at` or at
    /// the file position.
    fn read(&self, _file: &File, _io: &mut Io<'_>, _buf: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    /// Writes `data` without waiting: EAGAIN when it cannot go on now. A
    /// kind that moves part of the data before it would wait counts it in
    /// `io.done` and is asked again with the same `data`.
    fn write(&self, _file: &File, _io: &mut Io<'_>, _data: &[u8]) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }

    /// A stream (pipe, tty, event file) returns what it has from one read;
    /// a file with contents (regular file, memory device) is read on to
    /// the end of the request.
    fn is_stream(&self) -> bool {
        true
    }

    /// Whether pread/pwrite and an offset to sendfile may name a position
    /// (Linux's FMODE_PREAD/FMODE_PWRITE): ESPIPE otherwise.
    fn positional(&self) -> bool {
        false
    }

    /// lseek(2) with `whence` (SEEK_SET..SEEK_HOLE), moving `file.pos`.
    fn seek(&self, _file: &File, _off: i64, _whence: u64) -> Result<u64, Errno> {
        Err(Errno::ESPIPE)
    }

    /// Directory iteration from `pos`: `emit` takes entries until it
    /// returns false; the result is the position after the last one taken.
    fn iterate_dir(&self, _pos: u64, _emit: &mut dyn FnMut(&fs::inode::DirEntryRef<'_>) -> bool) -> Result<u64, Errno> {
        Err(Errno::ENOTDIR)
    }

    /// The queue woken when this file's readiness may have changed (also
    /// where a read or write that would wait waits), or None for a file
    /// without a poll method.
    fn wait_queue(&self) -> Option<&WaitQueue> {
        None
    }

    /// The poll events this file has now, as seen by thread `t` (a
    /// signalfd reports the signals of the thread that asks).
    fn poll(&self, _t: &Thread) -> u16 {
        DEFAULT_POLLMASK
    }

    /// Whether Linux's file type has an fasync method (signal-driven I/O):
    /// without one O_ASYNC cannot be set (F_SETFL drops it, FIOASYNC is
    /// ENOTTY).
    fn has_fasync(&self) -> bool {
        false
    }

    /// The file's own ioctl requests (after the generic ones).
    fn ioctl(&self, _file: &File, _t: &Arc<Thread>, _request: u64, _arg: u64) -> SysResult {
        Err(Errno::ENOTTY)
    }

    /// fstat of a file not opened through a node: what Linux reports for
    /// its inode.
    fn stat(&self) -> Metadata {
        pseudo_metadata(0o600, 0, 1)
    }

    /// fstatfs: the filesystem its inode is on.
    fn statfs(&self) -> Result<StatFs, Errno> {
        Ok(pseudo_statfs(ANON_INODE_FS_MAGIC))
    }

    /// What backs a mapping of this file.
    fn mmap(&self, _file: &File, _req: &MapRequest) -> Result<crate::mm::vma::Kind, Errno> {
        Err(Errno::ENODEV)
    }

    /// fallocate(2) after the generic checks (mode, range, write access).
    fn fallocate(&self, _file: &File, _t: &Arc<Thread>, _mode: u32, _off: u64, _len: u64) -> Result<(), Errno> {
        Err(Errno::ENODEV)
    }

    /// ftruncate(2) on a description open for writing.
    fn truncate(&self, _file: &File, _t: &Arc<Thread>, _len: u64) -> Result<(), Errno> {
        Err(Errno::EINVAL)
    }

    /// fsync(2), fdatasync(2).
    fn fsync(&self) -> Result<(), Errno> {
        Err(Errno::EINVAL)
    }

    /// The VFS file behind this description, for the calls that work on
    /// the inode (*at() directory fds, fchmod, locks, xattrs...).
    fn inode_file(&self) -> Option<&InodeFile> {
        None
    }

    /// The description is closing (its last reference goes).
    fn release(&self, _file: &File) {}

    /// What readlink of /proc/PID/fd/N shows for a file that was not
    /// opened through a path ("pipe:[ino]", "anon_inode:[eventfd]",
    /// "socket:[ino]"): Linux's d_dname of its pseudo-filesystem.
    fn proc_link(&self, _file: &File) -> alloc::vec::Vec<u8> {
        alloc::vec::Vec::from(&b"anon_inode:[unknown]"[..])
    }
}

/// FIONREAD: how many bytes a read would find now.
pub const FIONREAD: u64 = 0x541b;

/// Answers an ioctl that returns an `int` through `arg` (FIONREAD and its
/// kin): the value is written to the caller, the call returns 0.
pub fn reply_int(t: &Thread, arg: u64, v: i32) -> SysResult {
    crate::uaccess::UserPtr::<i32>::new(arg).write(&*t.process.mm().ok_or(Errno::EFAULT)?, &v)?;
    Ok(0)
}

const ANON_INODE_FS_MAGIC: u64 = 0x0904_1934;
/// devtmpfs, for the devices and the console.
pub const TMPFS_MAGIC: u64 = 0x0102_1994;

/// Metadata of an inode of an in-kernel filesystem (anon_inodefs, pipefs,
/// a device node): `mode`, `rdev` and `ino`; a tty (major 4) belongs to
/// the tty group.
pub fn pseudo_metadata(mode: u32, rdev: u64, ino: u64) -> Metadata {
    let now = Timespec::default();
    Metadata {
        dev: makedev(0, 6),
        ino,
        mode,
        nlink: 1,
        rdev,
        blksize: 4096,
        atime: now,
        mtime: now,
        ctime: now,
        btime: now,
        gid: if mode & 0o170000 == 0o020000 && major(rdev) == 4 { 5 } else { 0 },
        ..Metadata::default()
    }
}

/// What Linux's simple_statfs reports for an in-kernel filesystem.
pub fn pseudo_statfs(fs_type: u64) -> StatFs {
    StatFs { fs_type, bsize: 4096, namelen: 255, frsize: 4096, ..StatFs::default() }
}
