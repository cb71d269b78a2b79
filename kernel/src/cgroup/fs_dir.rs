//! cgroupfs directories: one per cgroup, holding its control files and
//! its child cgroups (Linux's kernfs directories of cgroup2).
//!
//! As Linux: mkdir makes a cgroup (with the caller as owner of it and of
//! its files, and the mode it asked for); rmdir removes one that holds no
//! process and no child (EBUSY otherwise); rename is EPERM (cgroup2 has
//! none); creating files is EACCES, nodes, symlinks, links and unlinking
//! EPERM, as for a kernfs directory without those operations. The root directory
//! is mode 0555. Directories and files keep `trusted.*`, `security.*`
//! and `user.*` extended attributes. Every mount of cgroup2 shows the
//! same directories (one superblock, like Linux's).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use executor::WaitQueue;
use fs::cgroup::{Id, ROOT};
use fs::errno::{Errno, Result};
use fs::inode::*;
use fs::xattr::XattrMap;
use fs::{Clock, FileLocks, Timespec};

use super::control_files::{CgFile, Kind};
use super::tree::HIER;

/// Directories of live cgroups, by cgroup id.
pub static DIRS: spin::Mutex<BTreeMap<Id, Arc<CgDir>>> = spin::Mutex::new(BTreeMap::new());

static NEXT_INO: AtomicU64 = AtomicU64::new(2);
static DEV: spin::Once<u64> = spin::Once::new();

/// The device number of cgroupfs.
pub fn dev() -> u64 {
    *DEV.call_once(alloc_anon_dev)
}

/// A fresh inode number (also a new cgroup's id).
pub fn next_ino() -> u64 {
    NEXT_INO.fetch_add(1, Ordering::Relaxed)
}

fn now() -> Timespec {
    crate::file::vfs::Realtime.now()
}

/// What every cgroupfs node keeps: its attributes, xattrs and locks.
pub struct Common {
    pub meta: spin::Mutex<Metadata>,
    pub xattrs: spin::Mutex<XattrMap>,
    pub locks: FileLocks,
}

impl Common {
    pub fn new(ino: u64, mode: u32, owner: Owner) -> Common {
        let t = now();
        Common {
            meta: spin::Mutex::new(Metadata {
                dev: dev(),
                ino,
                mode,
                nlink: 1,
                uid: owner.uid,
                gid: owner.gid,
                blksize: 4096,
                atime: t,
                mtime: t,
                ctime: t,
                btime: t,
                ..Metadata::default()
            }),
            xattrs: spin::Mutex::new(XattrMap::default()),
            locks: FileLocks::default(),
        }
    }

    pub fn setattr(&self, attr: &SetAttr) {
        let t = now();
        let resolve = |s: SetTime| match s {
            SetTime::Now => t,
            SetTime::At(v) => v,
        };
        let mut m = self.meta.lock();
        if let Some(mode) = attr.mode {
            m.mode = (m.mode & S_IFMT) | (mode & MODE_PERM);
        }
        if let Some(uid) = attr.uid {
            m.uid = uid;
        }
        if let Some(gid) = attr.gid {
            m.gid = gid;
        }
        if let Some(a) = attr.atime {
            m.atime = resolve(a);
        }
        if let Some(v) = attr.mtime {
            m.mtime = resolve(v);
        }
        m.ctime = t;
    }

    fn touch(&self) {
        let t = now();
        let mut m = self.meta.lock();
        m.mtime = t;
        m.ctime = t;
    }
}

/// Statistics a cgroup keeps beyond the pure tree.
#[derive(Default)]
pub struct Stats {
    /// CPU time (ns) of processes that left or ended here.
    pub user_ns: u64,
    pub system_ns: u64,
    /// pids.events "max": forks refused by this cgroup's pids.max.
    pub pids_max_events: u64,
    /// memory.events "max", "oom" and "oom_kill".
    pub memory_max_events: u64,
    pub memory_oom: u64,
    pub memory_oom_kill: u64,
    /// pids.max and memory.max (bytes): `None` is "max".
    pub pids_max: Option<u64>,
    pub memory_max: Option<u64>,
}

/// One cgroup's directory.
pub struct CgDir {
    pub id: Id,
    pub common: Common,
    /// Its control files, every kind (only those the cgroup has are seen).
    pub files: Vec<Arc<CgFile>>,
    /// Woken when `cgroup.events` (or another notifying file) changes.
    pub events: WaitQueue,
    /// Counts the changes (Linux's kernfs_open_node event).
    pub event_seq: AtomicU64,
    pub stats: spin::Mutex<Stats>,
    pub removed: AtomicBool,
}

impl CgDir {
    fn new(id: Id, mode: u32, owner: Owner) -> Arc<CgDir> {
        Arc::new(CgDir {
            id,
            common: Common::new(id, S_IFDIR | (mode & MODE_PERM), owner),
            files: Kind::ALL.iter().map(|&k| Arc::new(CgFile::new(id, k, owner))).collect(),
            events: WaitQueue::new(),
            event_seq: AtomicU64::new(0),
            stats: spin::Mutex::new(Stats::default()),
            removed: AtomicBool::new(false),
        })
    }

    /// The control file of kind `k`.
    pub fn file(&self, k: Kind) -> Option<&Arc<CgFile>> {
        self.files.iter().find(|f| f.kind == k)
    }

    fn present(&self, k: Kind) -> bool {
        k.present(&HIER.lock(), self.id)
    }
}

/// The root cgroup's directory (made on first use).
pub fn root() -> Arc<CgDir> {
    let mut dirs = DIRS.lock();
    dirs.entry(ROOT).or_insert_with(|| CgDir::new(ROOT, 0o555, Owner::default())).clone()
}

/// The directory of cgroup `id`, if it is alive.
pub fn dir(id: Id) -> Option<Arc<CgDir>> {
    if id == ROOT {
        return Some(root());
    }
    DIRS.lock().get(&id).cloned()
}

/// The cgroup whose directory `inode` is.
pub fn dir_id(inode: &InodeRef) -> Option<Id> {
    let any: &dyn core::any::Any = &**inode;
    any.downcast_ref::<CgDir>().map(|d| d.id)
}

/// First offset of the child directories in a directory stream: the
/// files' offsets (2 + their kind index) lie below it.
const CHILD_BASE: u64 = 1 << 32;

impl Inode for CgDir {
    fn metadata(&self) -> Metadata {
        let mut m = *self.common.meta.lock();
        let (subdirs, alive) = {
            let h = HIER.lock();
            (h.get(self.id).map_or(0, |n| n.children.len() as u32), h.contains(self.id))
        };
        m.nlink = if alive { 2 + subdirs } else { 0 };
        m
    }

    fn ino(&self) -> u64 {
        self.id
    }

    fn setattr(&self, attr: &SetAttr) -> Result<()> {
        self.common.setattr(attr);
        Ok(())
    }

    fn statfs(&self) -> Result<StatFs> {
        Ok(StatFs { fs_type: super::CGROUP2_SUPER_MAGIC, bsize: 4096, namelen: 255, frsize: 4096, fsid: dev(), ..StatFs::default() })
    }

    /// Remounting takes cgroup2's own options (mount(2) data).
    fn reconfigure(&self, data: &str, _ram_bytes: u64) -> Result<()> {
        super::options::apply(data)
    }

    fn mount_options(&self) -> alloc::string::String {
        super::options::shown()
    }

    fn file_locks(&self) -> &FileLocks {
        &self.common.locks
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef> {
        if let Some(child) = HIER.lock().child(self.id, name) {
            return dir(child).map(|d| d as InodeRef).ok_or(Errno::ENOENT);
        }
        if let Some(f) = self.files.iter().find(|f| f.kind.name().as_bytes() == name) {
            if self.present(f.kind) {
                return Ok(f.clone());
            }
        }
        Err(Errno::ENOENT)
    }

    fn parent(&self) -> Result<InodeRef> {
        match HIER.lock().parent(self.id) {
            None if self.id == ROOT => Ok(root()),
            None => Err(Errno::ENOENT),
            Some(p) => dir(p).map(|d| d as InodeRef).ok_or(Errno::ENOENT),
        }
    }

    fn create(&self, _name: &[u8], _mode: u32, _owner: Owner) -> Result<InodeRef> {
        Err(Errno::EACCES)
    }

    fn mknod(&self, _name: &[u8], _mode: u32, _rdev: u64, _owner: Owner) -> Result<InodeRef> {
        Err(Errno::EPERM)
    }

    fn symlink(&self, _name: &[u8], _target: &[u8], _owner: Owner) -> Result<InodeRef> {
        Err(Errno::EPERM)
    }

    fn link(&self, _name: &[u8], _target: &InodeRef) -> Result<()> {
        Err(Errno::EPERM)
    }

    fn unlink(&self, name: &[u8], _check: VictimCheck<'_>) -> Result<()> {
        self.lookup(name)?;
        Err(Errno::EPERM)
    }

    fn mkdir(&self, name: &[u8], mode: u32, owner: Owner) -> Result<InodeRef> {
        if self.files.iter().any(|f| f.kind.name().as_bytes() == name && self.present(f.kind)) {
            return Err(Errno::EEXIST);
        }
        let id = next_ino();
        let d = CgDir::new(id, mode, owner);
        // The new cgroup is in the table before it can be looked up.
        DIRS.lock().insert(id, d.clone());
        if let Err(e) = HIER.lock().mkdir(self.id, name, id) {
            DIRS.lock().remove(&id);
            return Err(e);
        }
        self.common.touch();
        Ok(d)
    }

    fn rmdir(&self, name: &[u8], check: VictimCheck<'_>) -> Result<()> {
        let victim = self.lookup(name)?;
        if !is_dir(&victim) {
            return Err(Errno::ENOTDIR);
        }
        check(&victim)?;
        let id = HIER.lock().rmdir(self.id, name)?;
        if let Some(d) = DIRS.lock().remove(&id) {
            d.removed.store(true, Ordering::Release);
            d.events.wake_all();
            // Its CPU time stays counted in the parent (Linux's rstat).
            let (u, s) = {
                let st = d.stats.lock();
                (st.user_ns, st.system_ns)
            };
            let mut mine = self.stats.lock();
            mine.user_ns += u;
            mine.system_ns += s;
        }
        self.common.touch();
        Ok(())
    }

    /// cgroup2 refuses renames (cgroup_rename on the default hierarchy).
    fn rename(&self, old: &[u8], _new_dir: &InodeRef, _new: &[u8], _flags: RenameFlags, _check: RenameCheck<'_>) -> Result<()> {
        self.lookup(old)?;
        Err(Errno::EPERM)
    }

    fn readdir(&self, offset: u64) -> Result<Option<DirEntry>> {
        let e = |ino, kind, name: &[u8], next| Ok(Some(DirEntry { ino, kind, name: name.to_vec(), next }));
        match offset {
            0 => return e(self.id, DT_DIR, b".", 1),
            1 => {
                let p = HIER.lock().parent(self.id).unwrap_or(self.id);
                return e(p, DT_DIR, b"..", 2);
            }
            _ => {}
        }
        if offset < CHILD_BASE {
            let h = HIER.lock();
            for (i, f) in self.files.iter().enumerate().skip((offset - 2) as usize) {
                if f.kind.present(&h, self.id) {
                    return e(f.ino, DT_REG, f.kind.name().as_bytes(), 3 + i as u64);
                }
            }
        }
        let from = offset.max(CHILD_BASE) - CHILD_BASE;
        let h = HIER.lock();
        let Some(n) = h.get(self.id) else { return Ok(None) };
        let next = n.children.iter().filter(|(_, &id)| id >= from).min_by_key(|(_, &id)| id);
        match next {
            Some((name, &id)) => e(id, DT_DIR, name, CHILD_BASE + id + 1),
            None => Ok(None),
        }
    }

    fn get_xattr(&self, name: &[u8]) -> Result<Vec<u8>> {
        self.common.xattrs.lock().get(name)
    }

    fn set_xattr(&self, name: &[u8], value: &[u8], flags: XattrFlags) -> Result<()> {
        self.common.xattrs.lock().set(name, value, flags)
    }

    fn list_xattr(&self) -> Result<Vec<Vec<u8>>> {
        Ok(self.common.xattrs.lock().names())
    }

    fn remove_xattr(&self, name: &[u8]) -> Result<()> {
        self.common.xattrs.lock().remove(name)
    }
}
