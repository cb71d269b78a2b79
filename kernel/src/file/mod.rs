//! Open files and file descriptor tables.
//!
//! An open file description ([`File`]) is an object: what it does is the
//! [`FileOps`] trait ([`ops`], with Linux's answer wherever a kind has no
//! method), implemented once per kind of file, each in its own module:
//! files and directories of the VFS ([`inode`]), pipes and FIFOs
//! ([`pipe`]), the console ([`console`], its line discipline in [`tty`]),
//! the character devices the kernel implements ([`device`]), and the event
//! files ([`eventfd`], [`timerfd`], [`signalfd`], [`epoll`], [`inotify`],
//! [`pidfd`]); [`kmsg`] is /dev/kmsg and the kernel log; [`memfd`] makes unnamed sealable tmpfs files. Nothing outside this module looks at a file's kind: the
//! syscall layer calls the trait, and asks for a kind by type
//! ([`File::downcast`]) where a call needs one. Adding a kind adds a
//! module.
//!
//! Reads and writes never wait in a kind; [`io`] waits for them and is
//! the one place a signal ends a wait (ERESTARTSYS). What a file is ready
//! for is each kind's `poll`, with the constants in [`readiness`]. File
//! locks that go with a description are [`locks`].
//!
//! A description carries the status flags and the file position, shared
//! by duplicated descriptors and across fork. The descriptor table has
//! Linux's rules: lowest free number, close-on-exec, RLIMIT_NOFILE.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;

use executor::WaitQueue;

use crate::errno::Errno;
use crate::proc::Thread;

pub mod console;
pub mod device;
pub mod devtmpfs;
pub mod epoll;
pub mod fs_context;
pub mod fs_types;
pub mod eventfd;
pub mod events;
pub mod inode;
pub mod inotify;
pub mod io;
pub mod io_uring;
pub mod kmsg;
pub mod locks;
pub mod memfd;
pub mod ops;
pub mod pidfd;
pub mod pipe;
pub mod pty;
pub mod readiness;
pub mod signalfd;
pub mod socket;
pub mod timerfd;
pub mod tty;
pub mod tty_ioctl;
pub mod vfs;
pub mod write_serial;

pub use inode::InodeFile;
pub use ops::FileOps;

/// An open file description: shared by duplicated descriptors and across
/// fork, with its status flags (O_APPEND, O_NONBLOCK, the access mode).
pub struct File {
    /// What kind of file it is, and what it does.
    ops: Box<dyn FileOps>,
    pub flags: core::sync::atomic::AtomicU32,
    /// The file position (lseek, read, write).
    pub pos: spin::Mutex<u64>,
    /// The epoll registrations of this description.
    pub epoll_items: spin::Mutex<Vec<alloc::sync::Weak<epoll::Item>>>,
    /// The device node or FIFO this was opened by, when it is not an
    /// [`InodeFile`]: fstat reports that inode, as on Linux; with the
    /// directory and name it was opened by (/proc/PID/fd shows the path).
    pub node: Option<fs::inode::Jump>,
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
    /// The description's epoll registrations go with it, and whatever the
    /// kind releases (a VFS file's OFD and flock locks).
    fn drop(&mut self) {
        let items = core::mem::take(&mut *self.epoll_items.lock());
        if !items.is_empty() {
            epoll::release_file(self, items);
        }
        self.ops.release(self);
    }
}

impl File {
    /// A description of `kind` with status flags `flags`.
    pub fn new(kind: impl FileOps, flags: u32) -> File {
        File::from_ops(Box::new(kind), flags)
    }

    pub fn from_ops(ops: Box<dyn FileOps>, flags: u32) -> File {
        File { ops, flags: core::sync::atomic::AtomicU32::new(flags), pos: spin::Mutex::new(0), epoll_items: spin::Mutex::new(Vec::new()), node: None }
    }

    /// What this file does.
    pub fn ops(&self) -> &dyn FileOps {
        &*self.ops
    }

    /// The kind, if it is a `T` (for the calls that need one kind: Linux's
    /// `f_op == &timerfd_fops`).
    pub fn downcast<T: FileOps>(&self) -> Option<&T> {
        (&*self.ops as &dyn Any).downcast_ref::<T>()
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

    /// Whether O_ASYNC can be set ([`FileOps::has_fasync`]).
    pub fn has_fasync(&self) -> bool {
        self.ops.has_fasync()
    }

    /// The VFS file, for files that have one.
    pub fn inode_file(&self) -> Option<&InodeFile> {
        self.ops.inode_file()
    }

    /// The queue woken when this file's readiness may have changed, or
    /// None for a file without a poll method.
    pub fn wait_queue(&self) -> Option<&WaitQueue> {
        self.ops.wait_queue()
    }

    /// The poll events this file has now, as seen by thread `t`.
    pub fn poll_events(&self, t: &Thread) -> u16 {
        self.ops.poll(t)
    }

    /// What fstat reports: the node it was opened by, else the kind's
    /// inode.
    pub fn metadata(&self) -> fs::inode::Metadata {
        match &self.node {
            Some(node) => node.loc.inode.metadata(),
            None => self.ops.stat(),
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
    /// The open descriptor numbers, ascending (/proc/PID/fd).
    pub fn open_fds(&self) -> Vec<u32> {
        self.slots.iter().enumerate().filter(|(_, s)| s.is_some()).map(|(i, _)| i as u32).collect()
    }

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
