//! devpts (DEVPTS_SUPER_MAGIC 0x1cd1): the directory of pseudo-terminal
//! slaves, `/dev/pts` (Linux's `fs/devpts/inode.c`).
//!
//! The root (inode 1) lists `ptmx` (inode 2, char 5:2, mode `ptmxmode=`,
//! 0 by default) and one node per live pty, `N` (inode N + 3, char 136:N),
//! owned by the uid and gid of whoever opened the master (or the `uid=`
//! and `gid=` mount options) with mode `mode=` (0600 by default). The
//! kernel adds a node when a master is opened ([`Devpts::add`]) and
//! removes it when the master closes ([`Devpts::remove`]); the pty logic
//! itself is the kernel's. Nodes may be chmod'ed and chown'ed (grantpt).
//!
//! Options: `mode=`, `ptmxmode=` (octal), `uid=`, `gid=`, `max=`,
//! `newinstance` (accepted); anything else is EINVAL. Differences: Aramid
//! has one devpts instance, which every devpts mount shows (Linux 4.7+
//! gives each mount its own); a remount's options apply to it.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use spin::Mutex;

use crate::clock::{Clock, Timespec};
use crate::errno::{Errno, Result};
use crate::inode::*;
use crate::lock::FileLocks;

pub const DEVPTS_SUPER_MAGIC: u64 = 0x1cd1;
/// The major number of the pty slaves (UNIX98_PTY_SLAVE_MAJOR).
pub const PTS_MAJOR: u32 = 136;
const DT_DIR: u8 = 4;
const DT_CHR: u8 = 2;

/// The mount options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DevptsOptions {
    pub mode: u32,
    pub ptmxmode: u32,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub max: u32,
}

impl Default for DevptsOptions {
    fn default() -> Self {
        DevptsOptions { mode: 0o600, ptmxmode: 0, uid: None, gid: None, max: 1 << 20 }
    }
}

impl DevptsOptions {
    /// Parses `data` (comma-separated options) over the defaults.
    pub fn parse(data: &str) -> Result<Self> {
        let mut o = DevptsOptions::default();
        o.apply(data)?;
        Ok(o)
    }

    /// Applies `data` on top of these options.
    pub fn apply(&mut self, data: &str) -> Result<()> {
        let num = |v: &str, radix: u32| u32::from_str_radix(v, radix).map_err(|_| Errno::EINVAL);
        for opt in data.split(',').filter(|o| !o.is_empty()) {
            match opt.split_once('=') {
                None if opt == "newinstance" => {}
                Some(("mode", v)) => self.mode = num(v, 8)? & 0o7777,
                Some(("ptmxmode", v)) => self.ptmxmode = num(v, 8)? & 0o7777,
                Some(("uid", v)) => self.uid = Some(num(v, 10)?),
                Some(("gid", v)) => self.gid = Some(num(v, 10)?),
                Some(("max", v)) => self.max = num(v, 10)?,
                _ => return Err(Errno::EINVAL),
            }
        }
        Ok(())
    }
}

struct Entry {
    uid: u32,
    gid: u32,
    mode: u32,
    ctime: Timespec,
    mtime: Timespec,
    atime: Timespec,
}

struct Shared {
    dev: u64,
    clock: Arc<dyn Clock>,
    opts: Mutex<DevptsOptions>,
    /// ptmx's mode, uid, gid and times.
    ptmx: Mutex<Entry>,
    entries: Mutex<BTreeMap<u32, Entry>>,
    root: Mutex<Weak<Root>>,
    created: Timespec,
}

/// One devpts instance.
pub struct Devpts {
    root: Arc<Root>,
}

impl Devpts {
    pub fn new(clock: Arc<dyn Clock>, opts: DevptsOptions) -> Devpts {
        let now = clock.now();
        let shared = Arc::new(Shared {
            dev: alloc_anon_dev(),
            clock,
            ptmx: Mutex::new(Entry { uid: 0, gid: 0, mode: opts.ptmxmode, ctime: now, mtime: now, atime: now }),
            opts: Mutex::new(opts),
            entries: Mutex::new(BTreeMap::new()),
            root: Mutex::new(Weak::new()),
            created: now,
        });
        let root = Arc::new(Root { sb: shared.clone(), locks: FileLocks::new() });
        *shared.root.lock() = Arc::downgrade(&root);
        Devpts { root }
    }

    /// The root directory (what a mount shows).
    pub fn root(&self) -> InodeRef {
        self.root.clone()
    }

    /// The options now.
    pub fn options(&self) -> DevptsOptions {
        *self.root.sb.opts.lock()
    }

    /// Adds node `index` for a master opened by (`uid`, `gid`); the mount
    /// options' uid=/gid= win.
    pub fn add(&self, index: u32, uid: u32, gid: u32) {
        let sb = &self.root.sb;
        let o = *sb.opts.lock();
        let now = sb.clock.now();
        let e = Entry { uid: o.uid.unwrap_or(uid), gid: o.gid.unwrap_or(gid), mode: o.mode, ctime: now, mtime: now, atime: now };
        sb.entries.lock().insert(index, e);
    }

    /// Removes node `index`.
    pub fn remove(&self, index: u32) {
        self.root.sb.entries.lock().remove(&index);
    }

    /// The most ptys `max=` allows.
    pub fn max(&self) -> u32 {
        self.root.sb.opts.lock().max
    }
}

fn statfs(sb: &Shared) -> StatFs {
    StatFs { fs_type: DEVPTS_SUPER_MAGIC, bsize: 4096, namelen: NAME_MAX as u64, frsize: 4096, fsid: sb.dev, ..StatFs::default() }
}

/// Applies a setattr to an entry's fields.
fn set(sb: &Shared, e: &mut Entry, attr: &SetAttr) {
    let now = sb.clock.now();
    if let Some(m) = attr.mode {
        e.mode = m & 0o7777;
    }
    if let Some(u) = attr.uid {
        e.uid = u;
    }
    if let Some(g) = attr.gid {
        e.gid = g;
    }
    let resolve = |t: SetTime| match t {
        SetTime::Now => now,
        SetTime::At(t) => t,
    };
    if let Some(t) = attr.atime {
        e.atime = resolve(t);
    }
    if let Some(t) = attr.mtime {
        e.mtime = resolve(t);
    }
    e.ctime = now;
}

/// The root directory.
struct Root {
    sb: Arc<Shared>,
    locks: FileLocks,
}

impl Root {
    fn me(&self) -> Result<InodeRef> {
        let r: InodeRef = self.sb.root.lock().upgrade().ok_or(Errno::ENOENT)?;
        Ok(r)
    }
}

/// Parses a pty node name: decimal without a leading zero.
fn parse_index(name: &[u8]) -> Option<u32> {
    if name.is_empty() || name.len() > 9 || (name[0] == b'0' && name.len() > 1) || !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    core::str::from_utf8(name).ok()?.parse().ok()
}

impl Inode for Root {
    fn metadata(&self) -> Metadata {
        let t = self.sb.created;
        Metadata {
            dev: self.sb.dev,
            ino: 1,
            mode: S_IFDIR | 0o755,
            nlink: 2,
            blksize: 4096,
            atime: t,
            mtime: t,
            ctime: t,
            btime: t,
            ..Metadata::default()
        }
    }

    fn setattr(&self, _attr: &SetAttr) -> Result<()> {
        Ok(())
    }

    fn statfs(&self) -> Result<StatFs> {
        Ok(statfs(&self.sb))
    }

    fn reconfigure(&self, data: &str, _ram_bytes: u64) -> Result<()> {
        let mut o = *self.sb.opts.lock();
        o.apply(data)?;
        *self.sb.opts.lock() = o;
        self.sb.ptmx.lock().mode = o.ptmxmode;
        Ok(())
    }

    fn file_locks(&self) -> &FileLocks {
        &self.locks
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef> {
        if name == b"ptmx" {
            return Ok(Arc::new(Node { sb: self.sb.clone(), index: None, locks: FileLocks::new() }));
        }
        let index = parse_index(name).ok_or(Errno::ENOENT)?;
        if !self.sb.entries.lock().contains_key(&index) {
            return Err(Errno::ENOENT);
        }
        Ok(Arc::new(Node { sb: self.sb.clone(), index: Some(index), locks: FileLocks::new() }))
    }

    fn parent(&self) -> Result<InodeRef> {
        self.me()
    }

    /// Offsets: 0 `.`, 1 `..`, 2 `ptmx`, then N + 3 for node N.
    fn readdir(&self, offset: u64) -> Result<Option<DirEntry>> {
        let e = |ino: u64, kind: u8, name: &[u8], next: u64| Some(DirEntry { ino, kind, name: name.to_vec(), next });
        Ok(match offset {
            0 => e(1, DT_DIR, b".", 1),
            1 => e(1, DT_DIR, b"..", 2),
            2 => e(2, DT_CHR, b"ptmx", 3),
            _ => {
                let entries = self.sb.entries.lock();
                let from = (offset - 3).min(u32::MAX as u64 + 1);
                let next = if from > u32::MAX as u64 { None } else { entries.range(from as u32..).next().map(|(i, _)| *i) };
                next.and_then(|i| e(i as u64 + 3, DT_CHR, alloc::format!("{i}").as_bytes(), i as u64 + 4))
            }
        })
    }
}

/// `ptmx` (index None) or pty node N.
struct Node {
    sb: Arc<Shared>,
    index: Option<u32>,
    locks: FileLocks,
}

impl Node {
    fn with_entry<R>(&self, f: impl FnOnce(Option<&mut Entry>) -> R) -> R {
        match self.index {
            None => f(Some(&mut self.sb.ptmx.lock())),
            Some(i) => f(self.sb.entries.lock().get_mut(&i)),
        }
    }
}

impl Inode for Node {
    fn metadata(&self) -> Metadata {
        let (ino, rdev) = match self.index {
            None => (2, makedev(5, 2)),
            Some(i) => (i as u64 + 3, makedev(PTS_MAJOR, i)),
        };
        let dev = self.sb.dev;
        self.with_entry(|e| {
            let mut m = Metadata { dev, ino, mode: S_IFCHR, nlink: 1, rdev, blksize: 1024, ..Metadata::default() };
            if let Some(e) = e {
                m.mode |= e.mode;
                m.uid = e.uid;
                m.gid = e.gid;
                m.atime = e.atime;
                m.mtime = e.mtime;
                m.ctime = e.ctime;
                m.btime = e.ctime;
            }
            m
        })
    }

    fn setattr(&self, attr: &SetAttr) -> Result<()> {
        let sb = self.sb.clone();
        self.with_entry(|e| match e {
            Some(e) => {
                set(&sb, e, attr);
                Ok(())
            }
            None => Err(Errno::ENOENT),
        })
    }

    fn statfs(&self) -> Result<StatFs> {
        Ok(statfs(&self.sb))
    }

    fn file_locks(&self) -> &FileLocks {
        &self.locks
    }
}

/// The names in the root, in order (for tests and listings).
pub fn names(d: &Devpts) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut off = 0;
    while let Ok(Some(e)) = d.root.readdir(off) {
        out.push(e.name);
        off = e.next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FakeClock;

    fn fs() -> Devpts {
        Devpts::new(Arc::new(FakeClock::default()), DevptsOptions::default())
    }

    #[test]
    fn options() {
        let o = DevptsOptions::parse("newinstance,ptmxmode=0666,mode=620,gid=5").unwrap();
        assert_eq!((o.mode, o.ptmxmode, o.gid, o.uid), (0o620, 0o666, Some(5), None));
        assert_eq!(DevptsOptions::parse("bogus"), Err(Errno::EINVAL));
        assert_eq!(DevptsOptions::parse("mode=9"), Err(Errno::EINVAL));
        assert_eq!(DevptsOptions::parse("").unwrap(), DevptsOptions::default());
    }

    #[test]
    fn nodes_come_and_go() {
        let d = fs();
        let root = d.root();
        assert_eq!(names(&d), [&b"."[..], b"..", b"ptmx"]);
        d.add(0, 1000, 100);
        d.add(3, 0, 0);
        assert_eq!(names(&d), [&b"."[..], b"..", b"ptmx", b"0", b"3"]);
        let n = root.lookup(b"3").unwrap().metadata();
        assert_eq!((n.mode, n.rdev, n.ino), (S_IFCHR | 0o600, makedev(136, 3), 6));
        let n0 = root.lookup(b"0").unwrap();
        assert_eq!((n0.metadata().uid, n0.metadata().gid), (1000, 100));
        n0.setattr(&SetAttr { mode: Some(0o620), gid: Some(5), ..SetAttr::default() }).unwrap();
        assert_eq!(n0.metadata().mode, S_IFCHR | 0o620);
        assert!(root.lookup(b"1").is_err());
        assert!(root.lookup(b"03").is_err());
        d.remove(3);
        assert!(root.lookup(b"3").is_err());
        assert_eq!(names(&d).len(), 4);
        let p = root.lookup(b"ptmx").unwrap().metadata();
        assert_eq!((p.mode, p.rdev, p.ino), (S_IFCHR, makedev(5, 2), 2));
        assert_eq!(root.statfs().unwrap().fs_type, DEVPTS_SUPER_MAGIC);
    }

    #[test]
    fn mount_options_apply() {
        let d = Devpts::new(Arc::new(FakeClock::default()), DevptsOptions::parse("mode=620,gid=5,ptmxmode=666").unwrap());
        d.add(1, 1000, 1000);
        let n = d.root().lookup(b"1").unwrap().metadata();
        assert_eq!((n.mode & 0o7777, n.uid, n.gid), (0o620, 1000, 5));
        assert_eq!(d.root().lookup(b"ptmx").unwrap().metadata().mode, S_IFCHR | 0o666);
        d.root().reconfigure("ptmxmode=0", 0).unwrap();
        assert_eq!(d.root().lookup(b"ptmx").unwrap().metadata().mode, S_IFCHR);
    }
}
