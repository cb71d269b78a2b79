//! The `mqueue` filesystem (Linux's mqueuefs, which systemd mounts on
//! /dev/mqueue): a directory of the POSIX message queues of the IPC
//! namespace of the process that mounted it, each a regular file with the
//! queue's owner and mode whose contents are the queue's
//! `QSIZE:... NOTIFY:... SIGNO:... NOTIFY_PID:...` line.
//!
//! Difference from Linux: the directory is a view. Queues are made with
//! mq_open and removed with mq_unlink; creating or unlinking a file in the
//! directory is refused.

use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::inode::{FileType, Owner};
use fs::synthetic::{Entry, Node, Opener, SynthFs};

use super::mqueue::Mqueue;
use super::IpcNs;

/// statfs's f_type of mqueue.
pub const MQUEUE_MAGIC: u64 = 0x1980_0202;

/// The root of a new mqueue instance showing `ns`'s queues.
pub fn root(ns: Arc<IpcNs>) -> fs::InodeRef {
    SynthFs::new(MQUEUE_MAGIC, Arc::new(crate::file::vfs::Realtime)).root(Arc::new(QueueDir(ns)))
}

struct QueueDir(Arc<IpcNs>);

impl Node for QueueDir {
    fn file_type(&self) -> FileType {
        FileType::Directory
    }
    fn perm(&self) -> u32 {
        0o1777
    }
    fn entries(&self) -> fs::Result<Vec<Entry>> {
        let queues = self.0.mq.queues.lock();
        Ok(queues.keys().enumerate().map(|(i, name)| Entry::new(i as u64 + 2, name, FileType::Regular)).collect())
    }
    fn child(&self, name: &[u8]) -> fs::Result<Arc<dyn Node>> {
        let q = self.0.mq.queues.lock().get(name).cloned().ok_or(fs::Errno::ENOENT)?;
        Ok(Arc::new(QueueFile { ns: self.0.clone(), name: name.to_vec(), q }))
    }
}

struct QueueFile {
    ns: Arc<IpcNs>,
    name: Vec<u8>,
    q: Arc<Mqueue>,
}

impl Node for QueueFile {
    fn file_type(&self) -> FileType {
        FileType::Regular
    }
    fn perm(&self) -> u32 {
        self.q.owner_mode().2 & 0o777
    }
    fn owner(&self) -> Owner {
        let (uid, gid, _) = self.q.owner_mode();
        Owner { uid, gid }
    }
    /// Gone once the name was unlinked (or names a newer queue).
    fn alive(&self) -> bool {
        self.ns.mq.queues.lock().get(&self.name).is_some_and(|q| Arc::ptr_eq(q, &self.q))
    }
    fn produce(&self, _who: &Opener) -> fs::Result<Vec<u8>> {
        Ok(self.q.status_line().into_bytes())
    }
}
