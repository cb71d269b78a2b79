//! Open files and file descriptor tables.
//!
//! Until the VFS lands (the files issue), the only file is the serial
//! [`console`]: init gets it on fds 0, 1 and 2. The descriptor table already
//! has Linux's rules: lowest free number, close-on-exec, RLIMIT_NOFILE.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::errno::Errno;

pub mod console;

/// An open file.
pub enum File {
    Console(console::Console),
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

pub const NOFILE_DEFAULT: usize = 1024;

impl FdTable {
    /// Installs `file` at the lowest free descriptor.
    pub fn install(&mut self, file: Arc<File>, cloexec: bool) -> Result<usize, Errno> {
        let fd = self.slots.iter().position(Option::is_none).unwrap_or(self.slots.len());
        if fd >= NOFILE_DEFAULT {
            return Err(Errno::EMFILE);
        }
        if fd == self.slots.len() {
            self.slots.push(None);
        }
        self.slots[fd] = Some(Fd { file, cloexec });
        Ok(fd)
    }

    pub fn get(&self, fd: u64) -> Result<Arc<File>, Errno> {
        self.slots.get(fd as usize).and_then(|s| s.as_ref()).map(|f| f.file.clone()).ok_or(Errno::EBADF)
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
