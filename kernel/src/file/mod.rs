//! Open files and file descriptor tables.
//!
//! An open file description ([`File`]) is the console, a file of the VFS
//! (regular file, directory, symlink opened with O_PATH), a character
//! device the kernel implements ([`device`]), a pipe end ([`pipe`]), or one
//! of the event files ([`eventfd`], [`timerfd`], [`signalfd`], [`epoll`],
//! [`pidfd`], [`inotify`]).
//! What each is ready for is in [`readiness`]. It
//! carries the status flags and the file position, shared by duplicated
//! descriptors and across fork. The descriptor table has Linux's rules:
//! lowest free number, close-on-exec, RLIMIT_NOFILE.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::errno::Errno;

pub mod console;
pub mod device;
pub mod epoll;
pub mod eventfd;
pub mod inotify;
pub mod pidfd;
pub mod pipe;
pub mod readiness;
pub mod signalfd;
pub mod timerfd;
pub mod tty;
pub mod vfs;
pub mod write_serial;

/// What an open file is.
pub enum FileKind {
    Console(console::Console),
    /// A file of the VFS.
    Inode(InodeFile),
    Device(device::Device),
    Pipe(pipe::PipeEnd),
    EventFd(eventfd::EventFd),
    TimerFd(alloc::sync::Arc<timerfd::TimerFd>),
    Epoll(Arc<epoll::Epoll>),
    SignalFd(signalfd::SignalFd),
    PidFd(pidfd::PidFd),
    Inotify(Arc<inotify::Inotify>),
}

/// A file opened through the VFS: where it is, and the directory and name
/// it was opened by (for /proc/self/fd later).
pub struct InodeFile {
    pub loc: fs::vfs::PathLoc,
    // Read by /proc/self/fd (procfs, a later issue).
    #[allow(dead_code)]
    pub parent: fs::vfs::PathLoc,
    #[allow(dead_code)]
    pub name: Vec<u8>,
    /// Write access through the mount while open for writing.
    #[allow(dead_code)]
    pub write: Option<fs::mount::WriteAccess>,
    /// The credentials it was opened with (Linux's f_cred), for linkat's
    /// AT_EMPTY_PATH rule.
    pub opener: fs::Creds,
}

/// An open file description: shared by duplicated descriptors and across
/// fork, with its status flags (O_APPEND, O_NONBLOCK, the access mode).
pub struct File {
    pub kind: FileKind,
    pub flags: core::sync::atomic::AtomicU32,
    /// The file position (lseek, read, write).
    pub pos: spin::Mutex<u64>,
    /// The epoll registrations of this description.
    pub epoll_items: spin::Mutex<Vec<alloc::sync::Weak<epoll::Item>>>,
    /// The device node or FIFO this was opened by, when it is not an
    /// [`InodeFile`]: fstat reports that inode, as on Linux.
    pub node: Option<fs::vfs::PathLoc>,
}

/// O_ACCMODE and the status flags F_SETFL may change.
pub const O_RDWR: u32 = 2;
pub const O_APPEND: u32 = 0o2000;
pub const O_NONBLOCK: u32 = 0o4000;
pub const O_CLOEXEC: u32 = 0o2000000;
pub const O_ASYNC: u32 = 0o20000;
pub const O_DIRECT: u32 = 0o40000;
pub const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | 0o1000000 /* O_NOATIME */;

impl Drop for File {
    /// The description's epoll registrations, OFD locks and flock locks go
    /// with it.
    fn drop(&mut self) {
        let items = core::mem::take(&mut *self.epoll_items.lock());
        if !items.is_empty() {
            epoll::release_file(self, items);
        }
        if let FileKind::Inode(f) = &self.kind {
            let close = if self.writable() { crate::fsnotify::IN_CLOSE_WRITE } else { crate::fsnotify::IN_CLOSE_NOWRITE };
            crate::fsnotify::file_event(self, close);
            // This description may have been the inode's last holder.
            crate::fsnotify::maybe_gone(&f.loc.inode, 1);
            let id = self as *const File as u64;
            let locks = f.loc.inode.file_locks();
            locks.release_owner(fs::lock::LockOwner::Ofd(id));
            let _ = locks.flock(id, None);
            crate::syscall::lock::RELEASED.wake_all();
        }
    }
}

impl File {
    pub fn new(kind: FileKind, flags: u32) -> File {
        File { kind, flags: core::sync::atomic::AtomicU32::new(flags), pos: spin::Mutex::new(0), epoll_items: spin::Mutex::new(Vec::new()), node: None }
    }

    pub fn status(&self) -> u32 {
        self.flags.load(core::sync::atomic::Ordering::Relaxed)
    }

    /// Opened for reading (O_RDONLY or O_RDWR, not O_PATH).
    pub fn readable(&self) -> bool {
        let f = self.status();
        f & fs::flags::O_PATH == 0 && f & 3 != fs::flags::O_WRONLY
    }

    /// Opened for writing (O_WRONLY or O_RDWR, not O_PATH).
    pub fn writable(&self) -> bool {
        let f = self.status();
        f & fs::flags::O_PATH == 0 && f & 3 != fs::flags::O_RDONLY
    }

    /// Whether Linux's file type has an fasync method (signal-driven I/O):
    /// pipes, ttys, inotify and the random devices. On the others
    /// O_ASYNC cannot be set (F_SETFL drops it, FIOASYNC is ENOTTY).
    pub fn has_fasync(&self) -> bool {
        matches!(self.kind, FileKind::Pipe(_) | FileKind::Console(_) | FileKind::Inotify(_) | FileKind::Device(device::Device::Random))
    }

    /// The VFS location, for files that have one.
    pub fn inode_file(&self) -> Option<&InodeFile> {
        match &self.kind {
            FileKind::Inode(i) => Some(i),
            _ => None,
        }
    }
}

/// One descriptor slot.
#[derive(Clone)]
pub struct Fd {
    pub file: Arc<File>,
    pub cloexec: bool,
}

/// A process's descriptor table.
#[derive(Clone, Default)]
pub struct FdTable {
    slots: Vec<Option<Fd>>,
}


impl FdTable {
    /// Installs `file` at the lowest free descriptor below `limit`
    /// (RLIMIT_NOFILE).
    pub fn install(&mut self, file: Arc<File>, cloexec: bool, limit: usize) -> Result<usize, Errno> {
        let fd = self.slots.iter().position(Option::is_none).unwrap_or(self.slots.len());
        if fd >= limit {
            return Err(Errno::EMFILE);
        }
        if fd == self.slots.len() {
            self.slots.push(None);
        }
        self.slots[fd] = Some(Fd { file, cloexec });
        Ok(fd)
    }

    /// The file open at `fd` for a call that uses the file itself (Linux's
    /// fdget): an O_PATH descriptor only names a file, so it is EBADF here.
    pub fn get(&self, fd: u64) -> Result<Arc<File>, Errno> {
        let file = self.get_raw(fd)?;
        if file.status() & fs::flags::O_PATH != 0 {
            return Err(Errno::EBADF);
        }
        Ok(file)
    }

    /// The file open at `fd`, O_PATH descriptors included (Linux's
    /// fdget_raw): for the calls that only need the name — fstat, fstatfs,
    /// fchdir, *at() directory fds, dup, close, F_GETFD/F_SETFD/F_GETFL.
    pub fn get_raw(&self, fd: u64) -> Result<Arc<File>, Errno> {
        self.slots.get(fd as usize).and_then(|s| s.as_ref()).map(|f| f.file.clone()).ok_or(Errno::EBADF)
    }

    /// Duplicates `fd` onto the lowest free descriptor >= `min` and below
    /// `limit` (RLIMIT_NOFILE).
    pub fn dup_min(&mut self, fd: u64, min: u64, cloexec: bool, limit: usize) -> Result<usize, Errno> {
        let file = self.get_raw(fd)?;
        if min >= limit as u64 {
            return Err(Errno::EINVAL);
        }
        let min = min as usize;
        let slot = (min..limit).find(|&i| self.slots.get(i).is_none_or(Option::is_none)).ok_or(Errno::EMFILE)?;
        if slot >= self.slots.len() {
            self.slots.resize(slot + 1, None);
        }
        self.slots[slot] = Some(Fd { file, cloexec });
        Ok(slot)
    }

    /// Makes `newfd` (below `limit`) refer to `fd`'s file (closing what
    /// it had).
    pub fn dup_to(&mut self, fd: u64, newfd: u64, cloexec: bool, limit: usize) -> Result<usize, Errno> {
        let file = self.get_raw(fd)?;
        if newfd >= limit as u64 {
            return Err(Errno::EBADF);
        }
        let n = newfd as usize;
        if n >= self.slots.len() {
            self.slots.resize(n + 1, None);
        }
        self.slots[n] = Some(Fd { file, cloexec });
        Ok(n)
    }

    /// Every open file (for releasing a process's locks at exit).
    pub fn all(&self) -> Vec<Arc<File>> {
        self.slots.iter().flatten().map(|f| f.file.clone()).collect()
    }

    /// The size Linux's table would have (its max_fds, which select cuts
    /// nfds down to): 64 slots, then 128 times a power of two, never
    /// shrinking.
    pub fn max_fds(&self) -> usize {
        let n = self.slots.len();
        if n <= 64 {
            64
        } else {
            128 * ((n - 1) / 128 + 1).next_power_of_two()
        }
    }

    /// One past the highest descriptor slot.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn cloexec(&self, fd: u64) -> Result<bool, Errno> {
        self.slots.get(fd as usize).and_then(|s| s.as_ref()).map(|f| f.cloexec).ok_or(Errno::EBADF)
    }

    pub fn set_cloexec(&mut self, fd: u64, on: bool) -> Result<(), Errno> {
        let slot = self.slots.get_mut(fd as usize).and_then(|s| s.as_mut()).ok_or(Errno::EBADF)?;
        slot.cloexec = on;
        Ok(())
    }

    pub fn close(&mut self, fd: u64) -> Result<(), Errno> {
        let slot = self.slots.get_mut(fd as usize).ok_or(Errno::EBADF)?;
        slot.take().map(|_| ()).ok_or(Errno::EBADF)
    }

    /// Closes the close-on-exec descriptors (execve).
    pub fn close_on_exec(&mut self) {
        for s in &mut self.slots {
            if s.as_ref().is_some_and(|f| f.cloexec) {
                *s = None;
            }
        }
    }
}
