//! [`SynthInode`]: a [`Node`] as an inode of a generated filesystem
//! ([`SynthFs`]: its device number, statfs magic and clock).
//!
//! Inode numbers are handed out when a node first becomes an inode; a
//! directory keeps the inodes of its children while they are alive, so a
//! name keeps its inode number and `getdents` reports the number a lookup
//! finds. Attributes cannot be changed (EPERM, as procfs refuses chmod on
//! its entries); there are no xattrs.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;

use super::{Node, Opener, SeqState};
use crate::inode::{Owner, VictimCheck};
use crate::clock::{Clock, Timespec};
use crate::errno::{Errno, Result};
use crate::inode::{
    alloc_anon_dev, DirEntry, DirEntryRef, FileType, Inode, InodeRef, LinkTarget, Metadata,
    OpenState, SetAttr, StatFs, NAME_MAX,
};
use crate::lock::FileLocks;
use crate::vfs::Ctx;

/// Children kept before dead ones are swept out at the next insertion.
const SWEEP_AT: usize = 32;

/// One instance of a generated filesystem.
pub struct SynthFs {
    dev: u64,
    magic: u64,
    clock: Arc<dyn Clock>,
    next_ino: AtomicU64,
}

impl SynthFs {
    /// A filesystem with statfs magic `magic`; times come from `clock`.
    pub fn new(magic: u64, clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(Self { dev: alloc_anon_dev(), magic, clock, next_ino: AtomicU64::new(1) })
    }

    /// The root inode (inode number 1) for the directory node `node`.
    pub fn root(self: &Arc<Self>, node: Arc<dyn Node>) -> Arc<SynthInode> {
        SynthInode::new(self.clone(), node, None)
    }

    pub fn dev(&self) -> u64 {
        self.dev
    }
}

/// A generated node as an inode.
pub struct SynthInode {
    fs: Arc<SynthFs>,
    node: Arc<dyn Node>,
    ino: u64,
    me: Weak<SynthInode>,
    /// None for the root, whose parent is itself.
    parent: Option<Weak<SynthInode>>,
    children: Mutex<BTreeMap<Vec<u8>, Arc<SynthInode>>>,
    locks: FileLocks,
    born: Timespec,
}

impl SynthInode {
    fn new(fs: Arc<SynthFs>, node: Arc<dyn Node>, parent: Option<Weak<SynthInode>>) -> Arc<Self> {
        let ino = fs.next_ino.fetch_add(1, Ordering::Relaxed);
        let born = fs.clock.now();
        Arc::new_cyclic(|me| Self {
            fs,
            node,
            ino,
            me: me.clone(),
            parent,
            children: Mutex::new(BTreeMap::new()),
            locks: FileLocks::new(),
            born,
        })
    }

    /// The node this inode shows.
    pub fn node(&self) -> &Arc<dyn Node> {
        &self.node
    }

    fn is_dir(&self) -> bool {
        self.node.file_type() == FileType::Directory
    }

    /// The child inode called `name`: the one handed out before while its
    /// node lives, else a new one.
    pub fn child(&self, name: &[u8]) -> Result<Arc<SynthInode>> {
        if !self.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if !self.node.alive() {
            return Err(Errno::ENOENT);
        }
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        if let Some(c) = self.children.lock().get(name) {
            if c.node.alive() {
                return Ok(c.clone());
            }
        }
        let node = self.node.child(name)?;
        let mut kids = self.children.lock();
        // Another caller may have made it meanwhile.
        if let Some(c) = kids.get(name) {
            if c.node.alive() {
                return Ok(c.clone());
            }
        }
        if kids.len() >= SWEEP_AT {
            kids.retain(|_, c| c.node.alive());
        }
        let c = SynthInode::new(self.fs.clone(), node, Some(self.me.clone()));
        kids.insert(name.to_vec(), c.clone());
        Ok(c)
    }

    fn parent_inode(&self) -> Result<Arc<SynthInode>> {
        match &self.parent {
            None => self.me.upgrade().ok_or(Errno::ENOENT),
            Some(p) => p.upgrade().ok_or(Errno::ENOENT),
        }
    }
}

impl Inode for SynthInode {
    fn metadata(&self) -> Metadata {
        let ty = self.node.file_type();
        let owner = self.node.owner();
        Metadata {
            dev: self.fs.dev,
            ino: self.ino,
            mode: ty.mode_bits() | self.node.perm(),
            nlink: if ty == FileType::Directory { 2 } else { 1 },
            uid: owner.uid,
            gid: owner.gid,
            blksize: 1024,
            atime: self.born,
            mtime: self.born,
            ctime: self.born,
            ..Metadata::default()
        }
    }

    fn ino(&self) -> u64 {
        self.ino
    }

    fn mode(&self) -> u32 {
        self.node.file_type().mode_bits() | self.node.perm()
    }

    fn setattr(&self, _attr: &SetAttr) -> Result<()> {
        Err(Errno::EPERM)
    }

    fn statfs(&self) -> Result<StatFs> {
        Ok(StatFs {
            fs_type: self.fs.magic,
            bsize: 4096,
            namelen: 255,
            frsize: 4096,
            fsid: self.fs.dev,
            ..StatFs::default()
        })
    }

    fn file_locks(&self) -> &FileLocks {
        &self.locks
    }

    /// Without an open state (a kernel-internal read): a fresh snapshot.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        if self.is_dir() {
            return Err(Errno::EISDIR);
        }
        SeqState::new(self.node.clone(), Opener::default()).read_at(offset, buf)
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> Result<usize> {
        if self.is_dir() {
            return Err(Errno::EISDIR);
        }
        self.node.store(&Opener::default(), offset, data)
    }

    /// Truncation (O_TRUNC on a generated file) changes nothing.
    fn truncate(&self, _len: u64) -> Result<()> {
        Ok(())
    }

    // Nothing is made or removed in a generated directory, as Linux's
    // VFS answers for a directory without the operation: open(O_CREAT) is
    // EACCES (may_o_create), the others EPERM once the name is looked up.
    fn create(&self, _name: &[u8], _mode: u32, _owner: Owner) -> Result<InodeRef> {
        Err(if self.is_dir() { Errno::EACCES } else { Errno::ENOTDIR })
    }

    fn mkdir(&self, _name: &[u8], _mode: u32, _owner: Owner) -> Result<InodeRef> {
        Err(if self.is_dir() { Errno::EPERM } else { Errno::ENOTDIR })
    }

    fn mknod(&self, _name: &[u8], _mode: u32, _rdev: u64, _owner: Owner) -> Result<InodeRef> {
        Err(if self.is_dir() { Errno::EPERM } else { Errno::ENOTDIR })
    }

    fn symlink(&self, _name: &[u8], _target: &[u8], _owner: Owner) -> Result<InodeRef> {
        Err(if self.is_dir() { Errno::EPERM } else { Errno::ENOTDIR })
    }

    fn link(&self, _name: &[u8], _target: &InodeRef) -> Result<()> {
        Err(if self.is_dir() { Errno::EPERM } else { Errno::ENOTDIR })
    }

    fn unlink(&self, name: &[u8], _check: VictimCheck<'_>) -> Result<()> {
        self.child(name)?;
        Err(Errno::EPERM)
    }

    fn rmdir(&self, name: &[u8], _check: VictimCheck<'_>) -> Result<()> {
        self.child(name)?;
        Err(Errno::EPERM)
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef> {
        Ok(self.child(name)?)
    }

    fn parent(&self) -> Result<InodeRef> {
        Ok(self.parent_inode()?)
    }

    fn readdir(&self, offset: u64) -> Result<Option<DirEntry>> {
        let mut out = None;
        self.readdir_batch(offset, &mut |e| {
            out = Some(DirEntry { ino: e.ino, kind: e.kind, name: e.name.to_vec(), next: e.next });
            false
        })?;
        Ok(out)
    }

    fn readdir_batch(&self, offset: u64, emit: &mut dyn FnMut(&DirEntryRef<'_>) -> bool) -> Result<u64> {
        if !self.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if !self.node.alive() {
            return Err(Errno::ENOENT);
        }
        let mut pos = offset;
        if pos == 0 {
            let e = DirEntryRef { ino: self.ino, kind: FileType::Directory.dirent_type(), name: b".", next: 1 };
            if !emit(&e) {
                return Ok(0);
            }
            pos = 1;
        }
        if pos == 1 {
            let ino = self.parent_inode().map_or(self.ino, |p| p.ino);
            let e = DirEntryRef { ino, kind: FileType::Directory.dirent_type(), name: b"..", next: 2 };
            if !emit(&e) {
                return Ok(1);
            }
            pos = 2;
        }
        for entry in self.node.entries()? {
            if entry.key < pos {
                continue;
            }
            // An entry that went away since the listing is skipped.
            let Ok(child) = self.child(&entry.name) else { continue };
            let e = DirEntryRef {
                ino: child.ino,
                kind: entry.kind.dirent_type(),
                name: &entry.name,
                next: entry.key + 1,
            };
            if !emit(&e) {
                return Ok(entry.key);
            }
            pos = entry.key + 1;
        }
        Ok(pos)
    }

    fn readlink(&self) -> Result<Vec<u8>> {
        Err(Errno::EINVAL)
    }

    fn readlink_for(&self, ctx: &Ctx<'_>) -> Result<Vec<u8>> {
        if self.node.file_type() != FileType::Symlink {
            return Err(Errno::EINVAL);
        }
        self.node.readlink(ctx)
    }

    fn follow_link(&self, ctx: &Ctx<'_>) -> Result<LinkTarget> {
        self.node.follow(ctx)
    }

    fn open_state(&self, ctx: &Ctx<'_>, flags: u32) -> Result<Option<Arc<dyn OpenState>>> {
        let who = Opener::of(ctx);
        self.node.open(&who, flags)?;
        if self.node.file_type() != FileType::Regular {
            return Ok(None);
        }
        Ok(Some(Arc::new(SeqState::new(self.node.clone(), who))))
    }
}
