//! tmpfs: the in-memory filesystem that holds the root (unpacked from the
//! initramfs), /tmp, /run, /dev/shm. Mirrors Linux's mm/shmem.c as user
//! space sees it: inode 1 is the root, directories report 40 bytes plus 20
//! per entry, `statfs` reports TMPFS_MAGIC with the optional size and inode
//! limits (zeros when unlimited, like `size=0`), sparse files, user/trusted/
//! security xattrs, O_TMPFILE, and Linux's offset-stable `readdir`.
//!
//! Layout: this file holds the filesystem object, the node type and the
//! metadata every node has; `file` the page store of regular files and
//! `dir` directory entries, `readdir` and rename.
//!
//! File pages live in the instance's [`PageMemory`] (see [`crate::pages`]):
//! heap buffers on the host, physical frames in the kernel, which maps them
//! straight into `mmap`s of the file ([`Inode::map_page`]).
//!
//! # Locks (inner to outer is never taken)
//! 1. `Shared::rename_lock` — only around a rename between two directories
//!    (like Linux's `s_vfs_rename_mutex`): parent pointers only change under
//!    it, so ancestry checks made under it stay true.
//! 2. Directory entry locks (`Body::Dir`): a parent before its child; two
//!    directories neither of which contains the other only under 1, in
//!    address order; an ancestor before its descendant.
//! 3. A regular file's data lock (`Body::File`).
//! 4. Leaf locks: a node's `meta`, `xattrs`, its [`FileLocks`], and
//!    `Shared::usage`. Nothing is acquired while holding a leaf lock.
//!
//! VFS callbacks passed to unlink/rmdir/rename run under level-2 locks and
//! take only leaf locks (node metadata, the VFS mount table).

mod dir;
mod file;

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;

use crate::clock::{Clock, Timespec};
use crate::errno::{Errno, Result};
use crate::inode::*;
use crate::lock::FileLocks;
use crate::pages::{Eviction, FileId, HeapPages, PageMemory};
use crate::seals::{self, Seals};
use crate::xattr::XattrMap;

use dir::DirData;
use file::FileData;

/// Page size of the file data store.
pub const PAGE_SIZE: usize = crate::pages::PAGE_SIZE;
/// Size added to a directory per entry (Linux's BOGO_DIRENT_SIZE).
const DIRENT_SIZE: u64 = 20;
/// Symlink targets up to this long take no blocks (stored in the inode).
const SHORT_SYMLINK_LEN: usize = 128;

/// Mount options of a tmpfs instance.
#[derive(Clone, Copy, Debug)]
pub struct TmpfsOptions {
    /// Permission bits of the root directory (Linux's default is 01777).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// `size=`: bytes of file data; `None` is unlimited.
    pub max_bytes: Option<u64>,
    /// `nr_inodes=`: `None` is unlimited.
    pub max_inodes: Option<u64>,
}

impl Default for TmpfsOptions {
    fn default() -> Self {
        Self {
            mode: 0o1777,
            uid: 0,
            gid: 0,
            max_bytes: None,
            max_inodes: None,
        }
    }
}

impl TmpfsOptions {
    /// Parses the comma-separated option string of mount(2)'s `data` the
    /// way Linux's shmem_parse_one does: `size=` (bytes with an optional
    /// k/m/g/t/p/e suffix, or a percentage of `ram_bytes`), `nr_blocks=`
    /// (pages), `nr_inodes=` (with the same suffixes), `mode=` (octal),
    /// `uid=`, `gid=`; `0` means unlimited. Accepts and ignores the generic
    /// superblock words the VFS handles (`ro`, `rw`, `sync`, ...), Linux's
    /// memory-policy and huge-page words, and empty items. Anything else,
    /// or a malformed value, is EINVAL. Without `size=` or `nr_inodes=` an
    /// instance gets Linux's defaults: half of `ram_bytes` in pages, and as
    /// many inodes (0 RAM: unlimited).
    pub fn parse(data: &str, ram_bytes: u64) -> Result<Self> {
        let mut o = Self::default();
        let half_pages = ram_bytes / PAGE_SIZE as u64 / 2;
        if half_pages > 0 {
            o.max_bytes = Some(half_pages * PAGE_SIZE as u64);
            o.max_inodes = Some(half_pages);
        }
        o.apply(data, ram_bytes)?;
        Ok(o)
    }

    /// Changes these options by the ones `data` names, parsed as by
    /// [`TmpfsOptions::parse`]; what it does not name stays as it is (a
    /// remount's options are applied this way to the current limits).
    pub fn apply(&mut self, data: &str, ram_bytes: u64) -> Result<()> {
        let o = self;
        for item in data.split(',').filter(|s| !s.is_empty()) {
            let (key, val) = match item.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (item, None),
            };
            let need = || val.ok_or(Errno::EINVAL);
            match key {
                "size" => {
                    let v = need()?;
                    o.max_bytes = match v.strip_suffix('%') {
                        Some(pct) => Some(
                            u64::try_from(ram_bytes as u128 * parse_num(pct)? as u128 / 100)
                                .map_err(|_| Errno::EINVAL)?,
                        ),
                        None => Some(parse_memparse(v)?),
                    }
                    .filter(|&b| b != 0);
                }
                "nr_blocks" => {
                    let pages = parse_memparse(need()?)?;
                    o.max_bytes = Some(pages.checked_mul(PAGE_SIZE as u64).ok_or(Errno::EINVAL)?)
                        .filter(|&b| b != 0);
                }
                "nr_inodes" => o.max_inodes = Some(parse_memparse(need()?)?).filter(|&n| n != 0),
                "mode" => {
                    let m = u32::from_str_radix(need()?, 8).map_err(|_| Errno::EINVAL)?;
                    o.mode = m & 0o7777;
                }
                "uid" => o.uid = parse_num(need()?)?.try_into().map_err(|_| Errno::EINVAL)?,
                "gid" => o.gid = parse_num(need()?)?.try_into().map_err(|_| Errno::EINVAL)?,
                "ro" | "rw" | "sync" | "async" | "dirsync" | "lazytime" | "nolazytime" | "mand"
                | "nomand" | "silent" | "posixacl" | "noposixacl" | "source" | "huge" | "mpol"
                | "inode32" | "inode64" | "noswap" | "quota" | "usrquota" | "grpquota" => {}
                _ => return Err(Errno::EINVAL),
            }
        }
        Ok(())
    }
}

/// A number as Linux's memparse and base-0 kstrtou32 read it: decimal,
/// 0x-prefixed hexadecimal, or 0-prefixed octal.
fn parse_num(s: &str) -> Result<u64> {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (h, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    u64::from_str_radix(digits, radix).map_err(|_| Errno::EINVAL)
}

/// Linux's memparse: a number followed by an optional k/m/g/t/p/e suffix.
fn parse_memparse(s: &str) -> Result<u64> {
    let shift = match s.as_bytes().last() {
        Some(b'k' | b'K') => 10,
        Some(b'm' | b'M') => 20,
        Some(b'g' | b'G') => 30,
        Some(b't' | b'T') => 40,
        Some(b'p' | b'P') => 50,
        Some(b'e' | b'E') => 60,
        _ => 0,
    };
    let digits = if shift == 0 { s } else { &s[..s.len() - 1] };
    let n = parse_num(digits)?;
    n.checked_mul(1u64 << shift).ok_or(Errno::EINVAL)
}

/// What an instance uses and may use (the limits change on remount).
#[derive(Default)]
struct Usage {
    pages: u64,
    inodes: u64,
    max_pages: Option<u64>,
    max_inodes: Option<u64>,
}

/// State shared by every node of one tmpfs instance (its "superblock").
struct Shared {
    dev: u64,
    clock: Arc<dyn Clock>,
    mem: Arc<dyn PageMemory>,
    next_ino: AtomicU64,
    usage: Mutex<Usage>,
    rename_lock: Mutex<()>,
}

impl Shared {
    fn now(&self) -> Timespec {
        self.clock.now()
    }

    fn charge_inode(&self) -> Result<u64> {
        self.reserve_inode()?;
        Ok(self.next_ino.fetch_add(1, Ordering::Relaxed))
    }

    /// Counts one inode against `nr_inodes=` (a new node, or an extra hard
    /// link: Linux's shmem_link charges every link beyond the first).
    fn reserve_inode(&self) -> Result<()> {
        let mut u = self.usage.lock();
        if u.max_inodes.is_some_and(|m| u.inodes >= m) {
            return Err(Errno::ENOSPC);
        }
        u.inodes += 1;
        Ok(())
    }

    fn release_inode(&self) {
        let mut u = self.usage.lock();
        u.inodes = u.inodes.saturating_sub(1);
    }

    fn charge_pages(&self, n: u64) -> Result<()> {
        let mut u = self.usage.lock();
        if u.max_pages.is_some_and(|m| u.pages.saturating_add(n) > m)
        {
            return Err(Errno::ENOSPC);
        }
        u.pages += n;
        Ok(())
    }

    /// Remount with the limits of the options in `data` (as
    /// shmem_reconfigure): a limit below the current use, or one set on an
    /// instance mounted without it, is EINVAL; 0 lifts a limit. mode=, uid=
    /// and gid= only apply at mount time.
    fn reconfigure(&self, data: &str, ram_bytes: u64) -> Result<()> {
        let mut u = self.usage.lock();
        let mut o = TmpfsOptions {
            max_bytes: u.max_pages.map(|p| p * PAGE_SIZE as u64),
            max_inodes: u.max_inodes,
            ..TmpfsOptions::default()
        };
        o.apply(data, ram_bytes)?;
        let pages = o.max_bytes.map(|b| b.div_ceil(PAGE_SIZE as u64));
        let check = |new: Option<u64>, max: Option<u64>, used: u64| match new {
            Some(n) if new != max && (max.is_none() || n < used) => Err(Errno::EINVAL),
            _ => Ok(()),
        };
        check(pages, u.max_pages, u.pages)?;
        check(o.max_inodes, u.max_inodes, u.inodes)?;
        u.max_pages = pages;
        u.max_inodes = o.max_inodes;
        Ok(())
    }

    fn uncharge_pages(&self, n: u64) {
        let mut u = self.usage.lock();
        u.pages = u.pages.saturating_sub(n);
    }
}

/// One tmpfs instance.
pub struct Tmpfs {
    shared: Arc<Shared>,
    root: Arc<TmpNode>,
}

impl Tmpfs {
    /// A new, empty tmpfs taking timestamps from `clock`, its file data on
    /// the heap.
    pub fn new(clock: Arc<dyn Clock>, opts: TmpfsOptions) -> Arc<Tmpfs> {
        Self::with_memory(clock, Arc::new(HeapPages::new()), opts)
    }

    /// A new, empty tmpfs keeping file data in `mem`.
    pub fn with_memory(
        clock: Arc<dyn Clock>,
        mem: Arc<dyn PageMemory>,
        opts: TmpfsOptions,
    ) -> Arc<Tmpfs> {
        let shared = Arc::new(Shared {
            dev: alloc_anon_dev(),
            clock,
            mem,
            next_ino: AtomicU64::new(1),
            usage: Mutex::new(Usage {
                max_pages: opts.max_bytes.map(|b| b.div_ceil(PAGE_SIZE as u64)),
                max_inodes: opts.max_inodes,
                ..Usage::default()
            }),
            rename_lock: Mutex::new(()),
        });
        // The root is always allowed, whatever the inode limit.
        shared.usage.lock().inodes += 1;
        let ino = shared.next_ino.fetch_add(1, Ordering::Relaxed);
        let owner = Owner {
            uid: opts.uid,
            gid: opts.gid,
        };
        let root = TmpNode::new(
            &shared,
            ino,
            S_IFDIR | (opts.mode & MODE_PERM),
            owner,
            0,
            NodeKind::Dir(None),
        );
        Arc::new(Tmpfs { shared, root })
    }

    /// The root directory.
    pub fn root(&self) -> InodeRef {
        self.root.clone()
    }

    /// The device number `stat` reports for this instance.
    pub fn dev(&self) -> u64 {
        self.shared.dev
    }
}

/// Attributes every node has.
struct Meta {
    mode: u32,
    nlink: u32,
    uid: u32,
    gid: u32,
    rdev: u64,
    size: u64,
    blocks: u64,
    atime: Timespec,
    mtime: Timespec,
    ctime: Timespec,
    btime: Timespec,
    /// An O_TMPFILE file that may still be linked in.
    linkable: bool,
}

enum Body {
    File(Mutex<FileData>),
    Dir(Mutex<DirData>),
    Symlink(Vec<u8>),
    /// Device nodes, fifos, sockets: only metadata.
    Special,
}

/// What a new node is.
enum NodeKind<'a> {
    File,
    /// A directory and its parent (`None` for the root, its own parent).
    Dir(Option<Weak<TmpNode>>),
    Symlink(&'a [u8]),
    Special,
}

/// A tmpfs inode.
pub(crate) struct TmpNode {
    ino: u64,
    sb: Arc<Shared>,
    me: Weak<TmpNode>,
    meta: Mutex<Meta>,
    body: Body,
    xattrs: Mutex<XattrMap>,
    locks: FileLocks,
    /// F_ADD_SEALS seals (regular files; F_SEAL_SEAL unless memfd_create
    /// allowed sealing).
    seals: Seals,
}

impl TmpNode {
    fn new(
        sb: &Arc<Shared>,
        ino: u64,
        mode: u32,
        owner: Owner,
        rdev: u64,
        kind: NodeKind<'_>,
    ) -> Arc<TmpNode> {
        let now = sb.now();
        let (nlink, size, blocks) = match &kind {
            NodeKind::Dir(_) => (2, 2 * DIRENT_SIZE, 0),
            NodeKind::Symlink(t) => (
                1,
                t.len() as u64,
                if t.len() > SHORT_SYMLINK_LEN { 8 } else { 0 },
            ),
            _ => (1, 0, 0),
        };
        Arc::new_cyclic(|me: &Weak<TmpNode>| {
            let body = match kind {
                NodeKind::File => Body::File(Mutex::new(FileData::default())),
                NodeKind::Dir(parent) => Body::Dir(Mutex::new(DirData::new(
                    parent.unwrap_or_else(|| me.clone()),
                ))),
                NodeKind::Symlink(t) => Body::Symlink(t.to_vec()),
                NodeKind::Special => Body::Special,
            };
            TmpNode {
                ino,
                sb: sb.clone(),
                me: me.clone(),
                meta: Mutex::new(Meta {
                    mode,
                    nlink,
                    uid: owner.uid,
                    gid: owner.gid,
                    rdev,
                    size,
                    blocks,
                    atime: now,
                    mtime: now,
                    ctime: now,
                    btime: now,
                    linkable: false,
                }),
                body,
                xattrs: Mutex::new(XattrMap::default()),
                locks: FileLocks::new(),
                seals: Seals::default(),
            }
        })
    }

    fn is_dir(&self) -> bool {
        matches!(self.body, Body::Dir(_))
    }

    /// Tells the page memory that pages left this file (after the data
    /// lock is released: the owner of mappings takes its own locks), then
    /// releases them.
    fn report_dropped(&self, dropped: Option<file::Dropped>) {
        let Some(d) = dropped.filter(|d| d.first < d.end) else {
            return;
        };
        self.sb.mem.evicted(&Eviction {
            file: FileId { dev: self.sb.dev, ino: self.ino },
            first: d.first,
            end: d.end,
            pages: &d.pages,
            private_copies: d.private_copies,
        });
        for page in d.pages {
            self.sb.mem.release(page);
        }
    }

    /// The node as a trait object.
    fn as_inode(self: &Arc<Self>) -> InodeRef {
        self.clone()
    }

    /// Marks a change of the node's attributes (ctime).
    fn touch_changed(&self) {
        let now = self.sb.now();
        self.meta.lock().ctime = now;
    }

    /// Updates atime after a read, with `relatime` rules: only when it is
    /// not newer than mtime or ctime, or older than a day.
    fn touch_accessed(&self) {
        let now = self.sb.now();
        let mut m = self.meta.lock();
        if m.atime <= m.mtime
            || m.atime <= m.ctime
            || now.sec.saturating_sub(m.atime.sec) >= 24 * 3600
        {
            m.atime = now;
        }
    }

    /// `Arc<TmpNode>` behind an inode of this same instance (EXDEV otherwise).
    fn same_fs_node(&self, inode: &InodeRef) -> Result<Arc<TmpNode>> {
        let any: Arc<dyn core::any::Any + Send + Sync> = inode.clone();
        let node = any.downcast::<TmpNode>().map_err(|_| Errno::EXDEV)?;
        if !Arc::ptr_eq(&node.sb, &self.sb) {
            return Err(Errno::EXDEV);
        }
        Ok(node)
    }
}

impl Drop for TmpNode {
    fn drop(&mut self) {
        let pages = match &mut self.body {
            Body::File(d) => {
                let n = d.get_mut().release_all(&self.sb);
                self.sb.mem.file_gone(FileId { dev: self.sb.dev, ino: self.ino });
                n
            }
            Body::Dir(d) => {
                // Free a deep tree without recursing once per level.
                let mut stack = d.get_mut().take_children();
                while let Some(child) = stack.pop() {
                    if let Some(mut child) = Arc::into_inner(child) {
                        if let Body::Dir(cd) = &mut child.body {
                            stack.extend(cd.get_mut().take_children());
                        }
                    }
                }
                0
            }
            _ => 0,
        };
        let mut u = self.sb.usage.lock();
        u.pages = u.pages.saturating_sub(pages);
        u.inodes = u.inodes.saturating_sub(1);
    }
}

impl Inode for TmpNode {
    fn metadata(&self) -> Metadata {
        let m = self.meta.lock();
        Metadata {
            dev: self.sb.dev,
            ino: self.ino,
            mode: m.mode,
            nlink: m.nlink,
            uid: m.uid,
            gid: m.gid,
            rdev: m.rdev,
            size: m.size,
            blksize: PAGE_SIZE as u32,
            blocks: m.blocks,
            atime: m.atime,
            mtime: m.mtime,
            ctime: m.ctime,
            btime: m.btime,
        }
    }

    fn ino(&self) -> u64 {
        self.ino
    }

    fn mode(&self) -> u32 {
        self.meta.lock().mode
    }

    fn setattr(&self, attr: &SetAttr) -> Result<()> {
        let now = self.sb.now();
        let resolve = |t: SetTime| match t {
            SetTime::Now => now,
            SetTime::At(t) => t,
        };
        let mut m = self.meta.lock();
        if let Some(mode) = attr.mode {
            self.seals.check_mode(m.mode, mode)?;
            m.mode = (m.mode & S_IFMT) | (mode & MODE_PERM);
        }
        if let Some(uid) = attr.uid {
            m.uid = uid;
        }
        if let Some(gid) = attr.gid {
            m.gid = gid;
        }
        if let Some(t) = attr.atime {
            m.atime = resolve(t);
        }
        if let Some(t) = attr.mtime {
            m.mtime = resolve(t);
        }
        m.ctime = now;
        Ok(())
    }

    fn reconfigure(&self, data: &str, ram_bytes: u64) -> Result<()> {
        self.sb.reconfigure(data, ram_bytes)
    }

    fn statfs(&self) -> Result<StatFs> {
        let u = self.sb.usage.lock();
        let (blocks, bfree) = match u.max_pages {
            Some(max) => (max, max.saturating_sub(u.pages)),
            None => (0, 0),
        };
        let (files, ffree) = match u.max_inodes {
            Some(max) => (max, max.saturating_sub(u.inodes)),
            None => (0, 0),
        };
        Ok(StatFs {
            fs_type: TMPFS_MAGIC,
            bsize: PAGE_SIZE as u64,
            blocks,
            bfree,
            bavail: bfree,
            files,
            ffree,
            fsid: self.sb.dev,
            namelen: NAME_MAX as u64,
            frsize: PAGE_SIZE as u64,
            flags: 0,
        })
    }

    fn file_locks(&self) -> &FileLocks {
        &self.locks
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        match &self.body {
            Body::File(d) => {
                let n = d.lock().read(&self.sb, offset, buf);
                self.touch_accessed();
                Ok(n)
            }
            Body::Dir(_) => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> Result<usize> {
        let Body::File(d) = &self.body else {
            return Err(if self.is_dir() {
                Errno::EISDIR
            } else {
                Errno::EINVAL
            });
        };
        if data.is_empty() {
            return Ok(0);
        }
        let mut d = d.lock();
        let size = self.meta.lock().size;
        let data = &data[..self.seals.write_len(offset, data.len() as u64, size)? as usize];
        let n = d.write(&self.sb, offset, data)?;
        self.file_changed(&d);
        Ok(n)
    }

    fn truncate(&self, len: u64) -> Result<()> {
        let Body::File(d) = &self.body else {
            return Err(if self.is_dir() {
                Errno::EISDIR
            } else {
                Errno::EINVAL
            });
        };
        let mut d = d.lock();
        let size = self.meta.lock().size;
        self.seals.check_resize(size, len)?;
        let dropped = d.truncate(&self.sb, len)?;
        self.file_changed(&d);
        drop(d);
        self.report_dropped(dropped);
        Ok(())
    }

    fn fallocate(&self, mode: u32, offset: u64, len: u64) -> Result<()> {
        let Body::File(d) = &self.body else {
            return Err(if self.is_dir() {
                Errno::EISDIR
            } else {
                Errno::ENODEV
            });
        };
        let mut d = d.lock();
        let size = self.meta.lock().size;
        let seals = self.seals.get();
        if mode & FALLOC_FL_PUNCH_HOLE != 0 {
            if seals & (seals::F_SEAL_WRITE | seals::F_SEAL_FUTURE_WRITE) != 0 {
                return Err(Errno::EPERM);
            }
        } else if seals & seals::F_SEAL_GROW != 0 && offset.saturating_add(len) > size {
            return Err(Errno::EPERM);
        }
        let dropped = d.fallocate(&self.sb, mode, offset, len)?;
        self.file_changed(&d);
        drop(d);
        self.report_dropped(dropped);
        Ok(())
    }

    fn maps_pages(&self) -> bool {
        matches!(self.body, Body::File(_))
    }

    fn seals(&self) -> Option<&Seals> {
        matches!(self.body, Body::File(_)).then_some(&self.seals)
    }

    fn cached_page(&self, index: u64) -> Option<u64> {
        let Body::File(d) = &self.body else { return None };
        d.lock().cached_page(&self.sb, index)
    }

    fn map_page(&self, index: u64) -> Result<u64> {
        let Body::File(d) = &self.body else {
            return Err(Errno::ENODEV);
        };
        let mut d = d.lock();
        let before = d.page_count();
        let page = d.map_page(&self.sb, index)?;
        if d.page_count() != before {
            self.blocks_changed(&d);
        }
        Ok(page)
    }

    fn seek_data(&self, offset: u64) -> Result<u64> {
        match &self.body {
            Body::File(d) => d.lock().seek_data(offset),
            _ => Err(Errno::EINVAL),
        }
    }

    fn seek_hole(&self, offset: u64) -> Result<u64> {
        match &self.body {
            Body::File(d) => d.lock().seek_hole(offset),
            _ => Err(Errno::EINVAL),
        }
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef> {
        self.dir()?
            .lock()
            .get(name)
            .map(|n| n.as_inode())
            .ok_or(Errno::ENOENT)
    }

    fn parent(&self) -> Result<InodeRef> {
        let parent = self.dir()?.lock().parent.upgrade().ok_or(Errno::ENOENT)?;
        Ok(parent)
    }

    fn create(&self, name: &[u8], mode: u32, owner: Owner) -> Result<InodeRef> {
        self.add_child(name, S_IFREG | (mode & MODE_PERM), owner, 0, NodeKind::File)
    }

    fn mkdir(&self, name: &[u8], mode: u32, owner: Owner) -> Result<InodeRef> {
        self.add_child(
            name,
            S_IFDIR | (mode & MODE_PERM),
            owner,
            0,
            NodeKind::Dir(Some(self.me.clone())),
        )
    }

    fn mknod(&self, name: &[u8], mode: u32, rdev: u64, owner: Owner) -> Result<InodeRef> {
        let kind = match FileType::from_mode(mode) {
            Some(FileType::Regular) => NodeKind::File,
            Some(
                FileType::CharDevice | FileType::BlockDevice | FileType::Fifo | FileType::Socket,
            ) => NodeKind::Special,
            Some(FileType::Directory) => return Err(Errno::EPERM),
            _ => return Err(Errno::EINVAL),
        };
        let rdev = if matches!(mode & S_IFMT, S_IFCHR | S_IFBLK) {
            rdev
        } else {
            0
        };
        self.add_child(name, mode & (S_IFMT | MODE_PERM), owner, rdev, kind)
    }

    fn symlink(&self, name: &[u8], target: &[u8], owner: Owner) -> Result<InodeRef> {
        if target.is_empty() {
            return Err(Errno::ENOENT);
        }
        if target.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        self.add_child(name, S_IFLNK | 0o777, owner, 0, NodeKind::Symlink(target))
    }

    fn tmpfile(&self, mode: u32, owner: Owner, linkable: bool) -> Result<InodeRef> {
        self.dir()?;
        let ino = self.sb.charge_inode()?;
        let node = TmpNode::new(
            &self.sb,
            ino,
            S_IFREG | (mode & MODE_PERM),
            owner,
            0,
            NodeKind::File,
        );
        {
            let mut m = node.meta.lock();
            m.nlink = 0;
            m.linkable = linkable;
        }
        Ok(node)
    }

    fn link(&self, name: &[u8], target: &InodeRef) -> Result<()> {
        let target = self.same_fs_node(target)?;
        self.link_node(name, &target)
    }

    fn unlink(&self, name: &[u8], check: VictimCheck<'_>) -> Result<()> {
        self.remove_child(name, false, check)
    }

    fn rmdir(&self, name: &[u8], check: VictimCheck<'_>) -> Result<()> {
        self.remove_child(name, true, check)
    }

    fn rename(
        &self,
        old_name: &[u8],
        new_dir: &InodeRef,
        new_name: &[u8],
        flags: RenameFlags,
        check: RenameCheck<'_>,
    ) -> Result<()> {
        let new_dir = self.same_fs_node(new_dir)?;
        self.rename_entry(old_name, &new_dir, new_name, flags, check)
    }

    fn readdir(&self, offset: u64) -> Result<Option<DirEntry>> {
        self.read_dir_entry(offset)
    }

    fn readdir_batch(&self, offset: u64, emit: &mut dyn FnMut(&DirEntryRef<'_>) -> bool) -> Result<u64> {
        self.read_dir_batch(offset, emit)
    }

    fn accessed(&self) {
        self.touch_accessed();
    }

    fn readlink(&self) -> Result<Vec<u8>> {
        match &self.body {
            Body::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn get_xattr(&self, name: &[u8]) -> Result<Vec<u8>> {
        self.xattrs.lock().get(name)
    }

    fn set_xattr(&self, name: &[u8], value: &[u8], flags: XattrFlags) -> Result<()> {
        self.xattrs.lock().set(name, value, flags)?;
        self.touch_changed();
        Ok(())
    }

    fn list_xattr(&self) -> Result<Vec<Vec<u8>>> {
        Ok(self.xattrs.lock().names())
    }

    fn remove_xattr(&self, name: &[u8]) -> Result<()> {
        self.xattrs.lock().remove(name)?;
        self.touch_changed();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_sizes_and_modes() {
        let o = TmpfsOptions::parse("size=10k,nr_inodes=1k,mode=0750,uid=5,gid=6", 0).unwrap();
        assert_eq!(o.max_bytes, Some(10 << 10));
        assert_eq!(o.max_inodes, Some(1024));
        assert_eq!((o.mode, o.uid, o.gid), (0o750, 5, 6));
        assert_eq!(TmpfsOptions::parse("size=50%", 400 << 20).unwrap().max_bytes, Some(200 << 20));
        assert_eq!(TmpfsOptions::parse("nr_blocks=2,huge=never,quota,inode64", 0).unwrap().max_bytes, Some(8192));
        assert_eq!(TmpfsOptions::parse("", 0).unwrap().max_bytes, None);
        assert_eq!(TmpfsOptions::parse("nr_inodes=010,uid=0x10", 0).unwrap().max_inodes, Some(8));
    }

    #[test]
    fn bad_options() {
        for bad in ["size=abc", "bogus=1", "mode=999", "size", "uid=-1", "size=1q", "uid=4294967296"] {
            assert_eq!(TmpfsOptions::parse(bad, 0).err(), Some(Errno::EINVAL), "{bad}");
        }
    }

    #[test]
    fn remount_limits() {
        let opts = TmpfsOptions::parse("size=8k,nr_inodes=4", 0).unwrap();
        let fs = Tmpfs::new(Arc::new(crate::clock::FakeClock::new(0)), opts);
        let sb = &fs.shared;
        sb.charge_pages(2).unwrap();
        assert_eq!(sb.reconfigure("size=4k", 0), Err(Errno::EINVAL));
        assert_eq!(sb.reconfigure("size=16k,nr_inodes=8", 0), Ok(()));
        assert_eq!(sb.usage.lock().max_pages, Some(4));
        assert_eq!(sb.reconfigure("nr_inodes=0", 0), Ok(()));
        assert_eq!(sb.reconfigure("nr_inodes=8", 0), Err(Errno::EINVAL));
        assert_eq!(sb.reconfigure("", 0), Ok(()));
        assert_eq!(sb.usage.lock().max_pages, Some(4));
    }
}
