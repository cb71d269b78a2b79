//! Generated trees: directories whose entries come from kernel state and
//! files whose contents are produced on read and parsed on write (Linux's
//! procfs and sysfs machinery: `proc_dir_entry`, `pid_entry` tables,
//! seq_file, sysctl tables). The kernel describes each node with the
//! [`Node`] trait (or the table-driven helpers in [`table`]); this module
//! turns nodes into inodes ([`SynthInode`]) with stable inode numbers,
//! `getdents` offsets that survive entries coming and going, and per-open
//! snapshots ([`seq`]).
//!
//! - A directory lists [`Entry`]s in ascending `key` order; the key is the
//!   entry's directory offset (0 and 1 are `.` and `..`), so a reader whose
//!   entries vanish between calls never sees one twice (Linux's /proc uses
//!   the pid as the offset in the same way).
//! - A directory keeps the inodes it handed out while their nodes are
//!   alive, so lookups and `getdents` agree on inode numbers and
//!   `getcwd` can find names; a node that is no longer alive (a reaped
//!   process) is ENOENT for lookups and is replaced on the next one.
//! - A file's contents are produced once per open file at a read from
//!   offset 0 and later reads continue that snapshot (seq_file).
//! - Links answer per caller: [`Node::readlink`] gets the caller's
//!   context (/proc/self), and [`Node::follow`] may jump to a location
//!   (the magic links of /proc/PID/fd).

pub mod inode;
pub mod seq;
pub mod table;

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::cred::Creds;
use crate::errno::{Errno, Result};
use crate::inode::{EventSource, FileType, LinkTarget, Owner};
use crate::vfs::{Caller, Ctx};

pub use inode::{SynthFs, SynthInode};
pub use seq::SeqState;
pub use table::{Scope, TableDir, TableEntry, TextFile, TextLink};

/// One entry of a generated directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The directory offset of this entry (2 or more, ascending).
    pub key: u64,
    pub name: Vec<u8>,
    pub kind: FileType,
}

impl Entry {
    pub fn new(key: u64, name: &[u8], kind: FileType) -> Self {
        Self { key, name: name.to_vec(), kind }
    }
}

/// Who opened a generated file (captured at open: later reads and writes
/// act for the opener, as Linux's `file->f_cred`).
#[derive(Clone, Debug, Default)]
pub struct Opener {
    pub caller: Caller,
    pub creds: Creds,
}

impl Opener {
    pub fn of(ctx: &Ctx<'_>) -> Self {
        Self { caller: ctx.caller, creds: ctx.creds.clone() }
    }
}

/// One node of a generated tree. Every method has the answer for a node
/// without that operation.
pub trait Node: Send + Sync + 'static {
    fn file_type(&self) -> FileType;

    /// Permission bits.
    fn perm(&self) -> u32;

    fn owner(&self) -> Owner {
        Owner::default()
    }

    /// False once what the node shows is gone (a reaped process): lookups
    /// in it are ENOENT and its parent forgets it.
    fn alive(&self) -> bool {
        true
    }

    // ---- directories ----

    /// The entries now, in ascending key order.
    fn entries(&self) -> Result<Vec<Entry>> {
        Err(Errno::ENOTDIR)
    }

    /// The node called `name` (ENOENT if there is none).
    fn child(&self, _name: &[u8]) -> Result<Arc<dyn Node>> {
        Err(Errno::ENOTDIR)
    }

    // ---- files ----

    /// A check at open beyond the mode bits (Linux's ptrace access checks
    /// of /proc/PID/environ), with open(2)'s `flags`.
    fn open(&self, _who: &Opener, _flags: u32) -> Result<()> {
        Ok(())
    }

    /// The contents, as the snapshot an open file reads.
    fn produce(&self, _who: &Opener) -> Result<Vec<u8>> {
        Err(Errno::EINVAL)
    }

    /// Parses a write of `data` at `offset`; returns how much it took.
    fn store(&self, _who: &Opener, _offset: u64, _data: &[u8]) -> Result<usize> {
        Err(Errno::EINVAL)
    }

    /// The events poll reports on an open file of this node.
    fn events(&self) -> Option<Arc<dyn EventSource>> {
        None
    }

    // ---- links ----

    /// What readlink(2) shows the caller.
    fn readlink(&self, _ctx: &Ctx<'_>) -> Result<Vec<u8>> {
        Err(Errno::EINVAL)
    }

    /// Where following the link leads the caller.
    fn follow(&self, ctx: &Ctx<'_>) -> Result<LinkTarget> {
        Ok(LinkTarget::Path(self.readlink(ctx)?))
    }
}
