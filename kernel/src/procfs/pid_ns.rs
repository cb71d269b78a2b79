//! /proc/PID/ns/: the namespace links. `mnt` and `uts` name the
//! process's own namespaces (`mnt:[ino]`) and, followed, lead to a
//! namespace inode outside the tree ([`NsInode`], Linux's nsfs) whose
//! open gives the namespace file setns(2) takes (`crate::ns::file`), and
//! whose inode number is the namespace's, so stat tells whether two
//! processes share one. The kinds this kernel is built without show the
//! initial namespaces' numbers as text only.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::inode::{FileType, Inode, LinkTarget, Metadata, Owner, SetAttr, StatFs};
use fs::synthetic::{Node, Scope, TableEntry, TextLink};
use fs::vfs::Ctx;
use fs::FileLocks;

use super::task::Task;
use crate::file::ops::{pseudo_metadata, pseudo_statfs};
use crate::ns::file::Namespace;

/// NSFS_MAGIC.
const NSFS_MAGIC: u64 = 0x6e73_6673;

/// A namespace as an inode (what a /proc/PID/ns link leads to).
pub struct NsInode {
    pub ns: Namespace,
    locks: FileLocks,
}

impl Inode for NsInode {
    fn metadata(&self) -> Metadata {
        pseudo_metadata(0o100444, 0, self.ns.ino())
    }
    fn setattr(&self, _attr: &SetAttr) -> fs::Result<()> {
        Err(fs::Errno::EPERM)
    }
    fn statfs(&self) -> fs::Result<StatFs> {
        Ok(pseudo_statfs(NSFS_MAGIC))
    }
    fn file_locks(&self) -> &FileLocks {
        &self.locks
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Mnt,
    Uts,
    Ipc,
}

struct NsLink {
    task: Task,
    kind: Kind,
}

impl NsLink {
    fn ns(&self) -> fs::Result<Namespace> {
        let p = self.task.process()?;
        if p.is_zombie() {
            return Err(fs::Errno::ENOENT);
        }
        Ok(match self.kind {
            Kind::Mnt => Namespace::Mnt(p.fs().lock().mnt.clone()),
            Kind::Uts => Namespace::Uts(p.uts()),
            Kind::Ipc => Namespace::Ipc(p.ipc()),
        })
    }
}

impl Node for NsLink {
    fn file_type(&self) -> FileType {
        FileType::Symlink
    }
    fn perm(&self) -> u32 {
        0o777
    }
    fn owner(&self) -> Owner {
        self.task.owner()
    }
    fn alive(&self) -> bool {
        self.task.alive()
    }
    fn readlink(&self, ctx: &Ctx<'_>) -> fs::Result<Vec<u8>> {
        super::pid_fd::may_access(&self.task, ctx.caller, ctx.creds)?;
        let name = match self.kind {
            Kind::Mnt => "mnt",
            Kind::Uts => "uts",
            Kind::Ipc => "ipc",
        };
        Ok(format!("{name}:[{}]", self.ns()?.ino()).into_bytes())
    }
    fn follow(&self, ctx: &Ctx<'_>) -> fs::Result<LinkTarget> {
        super::pid_fd::may_access(&self.task, ctx.caller, ctx.creds)?;
        Ok(LinkTarget::Here(Arc::new(NsInode { ns: self.ns()?, locks: FileLocks::new() })))
    }
}

/// ns/: the initial namespaces' ids (Linux's PROC_*_INIT_INO) for the
/// kinds this kernel lacks; mnt, uts and ipc are the process's own.
pub static NS: &[TableEntry<Task>] = &[
    TableEntry::link("cgroup", |t| TextLink::node(t, |_, _| Ok(b"cgroup:[4026531835]".to_vec()))),
    TableEntry::link("ipc", |t| Arc::new(NsLink { task: t.clone(), kind: Kind::Ipc })),
    TableEntry::link("mnt", |t| Arc::new(NsLink { task: t.clone(), kind: Kind::Mnt })),
    TableEntry::link("net", |t| TextLink::node(t, |_, _| Ok(b"net:[4026531840]".to_vec()))),
    TableEntry::link("pid", |t| TextLink::node(t, |_, _| Ok(b"pid:[4026531836]".to_vec()))),
    TableEntry::link("pid_for_children", |t| TextLink::node(t, |_, _| Ok(b"pid:[4026531836]".to_vec()))),
    TableEntry::link("time", |t| TextLink::node(t, |_, _| Ok(b"time:[4026531834]".to_vec()))),
    TableEntry::link("time_for_children", |t| TextLink::node(t, |_, _| Ok(b"time:[4026531834]".to_vec()))),
    TableEntry::link("user", |t| TextLink::node(t, |_, _| Ok(b"user:[4026531837]".to_vec()))),
    TableEntry::link("uts", |t| Arc::new(NsLink { task: t.clone(), kind: Kind::Uts })),
];

/// The namespace an inode stands for, if it is one (open makes a
/// namespace file of it).
pub fn namespace_of(inode: &fs::InodeRef) -> Option<Namespace> {
    let any: &dyn core::any::Any = &**inode;
    any.downcast_ref::<NsInode>().map(|n| n.ns.clone())
}
