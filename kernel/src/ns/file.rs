//! A namespace file: what opening /proc/PID/ns/{mnt,uts,ipc} gives (Linux's
//! nsfs). Its inode number is the namespace's, so two processes share a
//! namespace exactly when their files stat alike; setns(2) joins it.

use alloc::sync::Arc;

use fs::inode::Metadata;

use super::mnt::MntNs;
use super::uts::UtsNs;
use crate::errno::Errno;
use crate::file::ops::{pseudo_metadata, pseudo_statfs};
use crate::file::FileOps;

/// NSFS_MAGIC.
const NSFS_MAGIC: u64 = 0x6e73_6673;

#[derive(Clone)]
pub enum Namespace {
    Mnt(Arc<MntNs>),
    Uts(Arc<UtsNs>),
    Ipc(Arc<crate::ipc::IpcNs>),
}

impl Namespace {
    /// The CLONE_NEW* flag of its kind.
    pub fn kind(&self) -> u64 {
        match self {
            Namespace::Mnt(_) => super::CLONE_NEWNS,
            Namespace::Uts(_) => super::CLONE_NEWUTS,
            Namespace::Ipc(_) => super::CLONE_NEWIPC,
        }
    }

    pub fn ino(&self) -> u64 {
        match self {
            Namespace::Mnt(n) => n.ino,
            Namespace::Uts(n) => n.ino,
            Namespace::Ipc(n) => n.ino,
        }
    }
}

pub struct NsFile(pub Namespace);

impl FileOps for NsFile {
    fn stat(&self) -> Metadata {
        pseudo_metadata(0o100444, 0, self.0.ino())
    }

    fn statfs(&self) -> Result<fs::inode::StatFs, Errno> {
        Ok(pseudo_statfs(NSFS_MAGIC))
    }
}
