//! A filesystem context: the file fsopen(2) and fspick(2) return
//! (`anon_inode:[fscontext]`). fsconfig(2) gives it options one at a time,
//! then creates the filesystem instance (FSCONFIG_CMD_CREATE) for
//! fsmount(2), or applies the options to the mounted instance fspick chose
//! (FSCONFIG_CMD_RECONFIGURE). Reading it returns the messages the last
//! calls left ("e tmpfs: Unknown parameter 'x'"), one per read, as Linux's
//! fscontext_read; ENODATA when there are none.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use fs::{InodeRef, PathLoc};
use spin::Mutex;

use super::io::Io;
use super::{File, FileOps};
use crate::errno::Errno;

/// Where a context is in its life (Linux's `fs_context_phase`).
#[derive(Clone)]
pub enum Phase {
    /// fsopen: taking options for a new instance.
    CreateParams,
    /// Created: waiting for fsmount.
    AwaitingMount(InodeRef),
    /// fspick, or after fsmount: taking options for this instance.
    ReconfParams(PathLoc),
    /// A create or reconfigure failed: the context is spent.
    Failed,
}

pub struct Ctx {
    pub fstype: String,
    pub source: Option<String>,
    /// Options for the filesystem, as mount's `data` would hold them.
    pub options: Vec<String>,
    /// "ro" was given (the instance is read-only for every mount).
    pub read_only: bool,
    pub phase: Phase,
}

pub struct FsContext {
    pub ctx: Mutex<Ctx>,
    log: Mutex<VecDeque<String>>,
}

/// Linux keeps the last eight messages.
const LOG_MAX: usize = 8;

impl FsContext {
    pub fn new(fstype: &str, phase: Phase) -> FsContext {
        FsContext {
            ctx: Mutex::new(Ctx { fstype: String::from(fstype), source: None, options: Vec::new(), read_only: false, phase }),
            log: Mutex::new(VecDeque::new()),
        }
    }

    /// Records an error message and returns `e` (Linux's invalf/errorf).
    pub fn fail(&self, e: Errno, msg: &str) -> Errno {
        let mut log = self.log.lock();
        if log.len() == LOG_MAX {
            log.pop_front();
        }
        log.push_back(format!("e {msg}"));
        e
    }
}

impl FileOps for FsContext {
    fn read(&self, _file: &File, _io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut log = self.log.lock();
        let Some(msg) = log.front() else {
            return Err(Errno::ENODATA);
        };
        if msg.len() > buf.len() {
            return Err(Errno::EMSGSIZE);
        }
        let n = msg.len();
        buf[..n].copy_from_slice(msg.as_bytes());
        log.pop_front();
        Ok(n)
    }
}
