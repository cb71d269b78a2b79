//! cgroupfs control files: the kinds of file a cgroup has, which cgroups
//! have each (root only, non-root only, with a controller enabled by the
//! parent), their inodes, and what they read and accept (Linux's
//! cgroup_base_files and each controller's dfl_cftypes). The open file
//! that serves them is [`super::open_file`].
//!
//! As Linux: reading cgroup.kill or writing a read-only file is EINVAL;
//! numbers take kstrtoint's syntax; a value out of a file's range is
//! ERANGE (cgroup.freeze, cgroup.kill, cgroup.max.*, cpu.weight) or
//! EINVAL (pids.max, memory sizes, cpu.max).

use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::cgroup::{Controllers, Hierarchy, Id};
use fs::errno::Result as FsResult;
use fs::inode::*;
use fs::FileLocks;

use super::fs_dir::{self, Common};
use super::tree::HIER;
use crate::errno::Errno;
use crate::proc::Thread;

/// A kind of control file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Controllers,
    Events,
    Freeze,
    Kill,
    MaxDepth,
    MaxDescendants,
    Procs,
    Stat,
    SubtreeControl,
    Threads,
    Type,
    CpuStat,
    CpuWeight,
    CpuWeightNice,
    CpuMax,
    IoStat,
    IoWeight,
    IoMax,
    MemoryCurrent,
    MemoryMin,
    MemoryLow,
    MemoryHigh,
    MemoryMax,
    MemoryEvents,
    MemoryStat,
    MemorySwapCurrent,
    MemorySwapMax,
    MemoryOomGroup,
    PidsCurrent,
    PidsMax,
    PidsEvents,
}

/// Where a kind of file appears.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Everywhere,
    /// CFTYPE_NOT_ON_ROOT.
    NotOnRoot,
}

use Place::*;

/// (kind, name, permission bits, controller, where).
const TABLE: [(Kind, &str, u32, Option<Controllers>, Place); 31] = [
    (Kind::Controllers, "cgroup.controllers", 0o444, None, Everywhere),
    (Kind::Events, "cgroup.events", 0o444, None, NotOnRoot),
    (Kind::Freeze, "cgroup.freeze", 0o644, None, NotOnRoot),
    (Kind::Kill, "cgroup.kill", 0o200, None, NotOnRoot),
    (Kind::MaxDepth, "cgroup.max.depth", 0o644, None, Everywhere),
    (Kind::MaxDescendants, "cgroup.max.descendants", 0o644, None, Everywhere),
    (Kind::Procs, "cgroup.procs", 0o644, None, Everywhere),
    (Kind::Stat, "cgroup.stat", 0o444, None, Everywhere),
    (Kind::SubtreeControl, "cgroup.subtree_control", 0o644, None, Everywhere),
    (Kind::Threads, "cgroup.threads", 0o644, None, Everywhere),
    (Kind::Type, "cgroup.type", 0o644, None, NotOnRoot),
    (Kind::CpuStat, "cpu.stat", 0o444, None, Everywhere),
    (Kind::CpuWeight, "cpu.weight", 0o644, Some(Controllers::CPU), NotOnRoot),
    (Kind::CpuWeightNice, "cpu.weight.nice", 0o644, Some(Controllers::CPU), NotOnRoot),
    (Kind::CpuMax, "cpu.max", 0o644, Some(Controllers::CPU), NotOnRoot),
    (Kind::IoStat, "io.stat", 0o444, Some(Controllers::IO), Everywhere),
    (Kind::IoWeight, "io.weight", 0o644, Some(Controllers::IO), NotOnRoot),
    (Kind::IoMax, "io.max", 0o644, Some(Controllers::IO), NotOnRoot),
    (Kind::MemoryCurrent, "memory.current", 0o444, Some(Controllers::MEMORY), NotOnRoot),
    (Kind::MemoryMin, "memory.min", 0o644, Some(Controllers::MEMORY), NotOnRoot),
    (Kind::MemoryLow, "memory.low", 0o644, Some(Controllers::MEMORY), NotOnRoot),
    (Kind::MemoryHigh, "memory.high", 0o644, Some(Controllers::MEMORY), NotOnRoot),
    (Kind::MemoryMax, "memory.max", 0o644, Some(Controllers::MEMORY), NotOnRoot),
    (Kind::MemoryEvents, "memory.events", 0o444, Some(Controllers::MEMORY), NotOnRoot),
    (Kind::MemoryStat, "memory.stat", 0o444, Some(Controllers::MEMORY), Everywhere),
    (Kind::MemorySwapCurrent, "memory.swap.current", 0o444, Some(Controllers::MEMORY), NotOnRoot),
    (Kind::MemorySwapMax, "memory.swap.max", 0o644, Some(Controllers::MEMORY), NotOnRoot),
    (Kind::MemoryOomGroup, "memory.oom.group", 0o644, Some(Controllers::MEMORY), NotOnRoot),
    (Kind::PidsCurrent, "pids.current", 0o444, Some(Controllers::PIDS), NotOnRoot),
    (Kind::PidsMax, "pids.max", 0o644, Some(Controllers::PIDS), NotOnRoot),
    (Kind::PidsEvents, "pids.events", 0o444, Some(Controllers::PIDS), NotOnRoot),
];

impl Kind {
    pub const ALL: [Kind; 31] = {
        let mut all = [Kind::Controllers; 31];
        let mut i = 0;
        while i < 31 {
            all[i] = TABLE[i].0;
            i += 1;
        }
        all
    };

    fn row(self) -> &'static (Kind, &'static str, u32, Option<Controllers>, Place) {
        &TABLE[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.row().1
    }

    pub fn perm(self) -> u32 {
        self.row().2
    }

    /// Whether cgroup `id` has this file: the root has its own set, and a
    /// controller's files appear where the parent enables it.
    pub fn present(self, h: &Hierarchy, id: Id) -> bool {
        let (_, _, _, ctrl, place) = *self.row();
        let root = h.parent(id).is_none();
        match place {
            NotOnRoot if root => false,
            _ => root || ctrl.is_none_or(|c| h.controllers(id).contains(c)),
        }
    }

    /// The value a plain setting reads before anything is written.
    fn default_value(self) -> &'static [u8] {
        match self {
            Kind::CpuWeight => b"100\n",
            Kind::CpuWeightNice => b"0\n",
            Kind::CpuMax => b"max 100000\n",
            Kind::IoWeight => b"default 100\n",
            Kind::MemoryMin | Kind::MemoryLow | Kind::MemoryOomGroup => b"0\n",
            Kind::MemoryHigh | Kind::MemorySwapMax => b"max\n",
            _ => b"",
        }
    }
}

/// A control file's inode.
pub struct CgFile {
    pub cg: Id,
    pub kind: Kind,
    pub ino: u64,
    common: Common,
    /// The stored value of a plain setting (cpu.weight, io.max, ...).
    pub value: spin::Mutex<Vec<u8>>,
}

impl CgFile {
    pub fn new(cg: Id, kind: Kind, owner: Owner) -> CgFile {
        let ino = fs_dir::next_ino();
        CgFile { cg, kind, ino, common: Common::new(ino, S_IFREG | kind.perm(), owner), value: spin::Mutex::new(kind.default_value().to_vec()) }
    }
}

impl Inode for CgFile {
    fn metadata(&self) -> Metadata {
        let mut m = *self.common.meta.lock();
        m.nlink = if HIER.lock().contains(self.cg) { 1 } else { 0 };
        m
    }

    fn ino(&self) -> u64 {
        self.ino
    }

    fn setattr(&self, attr: &SetAttr) -> FsResult<()> {
        self.common.setattr(attr);
        Ok(())
    }

    fn statfs(&self) -> FsResult<StatFs> {
        fs_dir::root().statfs()
    }

    fn file_locks(&self) -> &FileLocks {
        &self.common.locks
    }

    fn parent(&self) -> FsResult<InodeRef> {
        fs_dir::dir(self.cg).map(|d| d as InodeRef).ok_or(fs::Errno::ENOENT)
    }

    /// Reads without an opener (the open file reads through
    /// [`CgroupFile`]).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> FsResult<usize> {
        let data = render(self, None).map_err(|e| fs::Errno(e.0))?;
        let start = (offset as usize).min(data.len());
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        Ok(n)
    }

    /// kernfs ignores a size change.
    fn truncate(&self, _len: u64) -> FsResult<()> {
        Ok(())
    }

    fn get_xattr(&self, name: &[u8]) -> FsResult<Vec<u8>> {
        self.common.xattrs.lock().get(name)
    }

    fn set_xattr(&self, name: &[u8], value: &[u8], flags: XattrFlags) -> FsResult<()> {
        self.common.xattrs.lock().set(name, value, flags)
    }

    fn list_xattr(&self) -> FsResult<Vec<Vec<u8>>> {
        Ok(self.common.xattrs.lock().names())
    }

    fn remove_xattr(&self, name: &[u8]) -> FsResult<()> {
        self.common.xattrs.lock().remove(name)
    }
}

/// The contents of a control file now (`t`: the reader, if any).
pub(super) fn render(f: &CgFile, t: Option<&Thread>) -> Result<Vec<u8>, Errno> {
    let _ = t;
    let id = f.cg;
    let line = |v: u64| alloc::format!("{v}\n").into_bytes();
    let max_or = |v: Option<u64>| v.map_or_else(|| b"max\n".to_vec(), line);
    let h = HIER.lock();
    let n = h.node(id)?;
    Ok(match f.kind {
        Kind::Controllers => h.controllers(id).render(),
        Kind::SubtreeControl => n.subtree_control.render(),
        Kind::Events => alloc::format!("populated {}\nfrozen {}\n", n.populated() as u8, h.frozen(id) as u8).into_bytes(),
        Kind::Freeze => line(n.freeze as u64),
        Kind::MaxDepth => max_or(n.max_depth.map(u64::from)),
        Kind::MaxDescendants => max_or(n.max_descendants.map(u64::from)),
        Kind::Type => alloc::format!("{}\n", h.type_name(id)).into_bytes(),
        Kind::Stat => stat(&h, id),
        Kind::Kill => return Err(Errno::EINVAL),
        Kind::Procs | Kind::Threads => {
            drop(h);
            super::procs::list(id, f.kind == Kind::Threads)?
        }
        Kind::CpuStat => {
            let cpu = h.controllers(id).contains(Controllers::CPU) && h.parent(id).is_some();
            drop(h);
            super::cpu::stat(id, cpu)
        }
        Kind::PidsCurrent => {
            drop(h);
            line(super::pids::current(id))
        }
        Kind::PidsMax => max_or(super::pids::max(id)),
        Kind::PidsEvents => {
            drop(h);
            super::pids::events(id)
        }
        Kind::MemoryCurrent => {
            drop(h);
            line(super::memory::current(id))
        }
        Kind::MemoryMax => max_or(super::memory::max(id)),
        Kind::MemoryEvents => {
            drop(h);
            super::memory::events(id)
        }
        Kind::MemoryStat => {
            drop(h);
            super::memory::stat(id)
        }
        Kind::MemorySwapCurrent | Kind::IoStat => {
            if f.kind == Kind::IoStat {
                Vec::new()
            } else {
                line(0)
            }
        }
        _ => f.value.lock().clone(),
    })
}

/// Parses an integer as the kernel's kstrtoint with base 0 does: decimal,
/// 0x hexadecimal or 0 octal, an optional sign, one trailing newline.
pub fn parse_int(s: &[u8]) -> Result<i64, Errno> {
    let s = s.strip_suffix(b"\n").unwrap_or(s);
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(h) = s.strip_prefix(b"0x").or_else(|| s.strip_prefix(b"0X")) {
        (16, h)
    } else if s.len() > 1 && s[0] == b'0' {
        (8, &s[1..])
    } else {
        (10, s)
    };
    if digits.is_empty() {
        return Err(Errno::EINVAL);
    }
    let mut v: i64 = 0;
    for &c in digits {
        let d = (c as char).to_digit(radix).ok_or(Errno::EINVAL)? as i64;
        v = v.checked_mul(radix as i64).and_then(|v| v.checked_add(d)).ok_or(Errno::ERANGE)?;
    }
    Ok(if neg { -v } else { v })
}

/// "max" or a number (cgroup.max.depth, cgroup.max.descendants).
fn parse_max_int(s: &[u8]) -> Result<Option<u32>, Errno> {
    if s == b"max" {
        return Ok(None);
    }
    let v = parse_int(s)?;
    if v < 0 {
        return Err(Errno::ERANGE);
    }
    Ok(Some(v.min(i32::MAX as i64) as u32))
}

/// Applies a write of `data` by `t`.
pub(super) fn apply(f: &CgFile, data: &[u8], t: &Arc<Thread>) -> Result<(), Errno> {
    let id = f.cg;
    let s = data.trim_ascii();
    match f.kind {
        Kind::SubtreeControl => HIER.lock().write_subtree_control(id, data)?,
        Kind::Type => HIER.lock().write_type(id, data)?,
        Kind::MaxDepth => HIER.lock().node_mut(id)?.max_depth = parse_max_int(s)?,
        Kind::MaxDescendants => HIER.lock().node_mut(id)?.max_descendants = parse_max_int(s)?,
        Kind::Freeze => {
            let v = parse_int(s)?;
            if !(0..=1).contains(&v) {
                return Err(Errno::ERANGE);
            }
            super::tree::freeze(id, v == 1)?;
        }
        Kind::Kill => {
            if parse_int(s)? != 1 {
                return Err(Errno::ERANGE);
            }
            super::tree::kill(id)?;
        }
        Kind::Procs | Kind::Threads => super::procs::write(id, s, f.kind == Kind::Threads, t)?,
        Kind::PidsMax => super::pids::set_max(id, s)?,
        Kind::MemoryMax => super::memory::set_max(id, s)?,
        Kind::MemoryMin | Kind::MemoryLow | Kind::MemoryHigh | Kind::MemorySwapMax => {
            let v = super::memory::parse_limit(s)?;
            *f.value.lock() = v.map_or_else(|| b"max\n".to_vec(), |b| alloc::format!("{b}\n").into_bytes());
        }
        Kind::CpuWeight => {
            let v = parse_int(s)?;
            if !(1..=10000).contains(&v) {
                return Err(Errno::ERANGE);
            }
            *f.value.lock() = alloc::format!("{v}\n").into_bytes();
        }
        Kind::CpuWeightNice => {
            let v = parse_int(s)?;
            if !(-20..=19).contains(&v) {
                return Err(Errno::ERANGE);
            }
            *f.value.lock() = alloc::format!("{v}\n").into_bytes();
        }
        Kind::CpuMax => {
            let old = f.value.lock().clone();
            let new = super::cpu::parse_max(s, &old)?;
            *f.value.lock() = new;
        }
        Kind::MemoryOomGroup => {
            let v = parse_int(s)?;
            if !(0..=1).contains(&v) {
                return Err(Errno::EINVAL);
            }
            *f.value.lock() = alloc::format!("{v}\n").into_bytes();
        }
        // io.weight and io.max: accepted (no block devices to apply them to).
        Kind::IoWeight | Kind::IoMax => {}
        _ => return Err(Errno::EINVAL),
    }
    Ok(())
}

/// cgroup.stat: descendants, and per controller the cgroups of the
/// subtree that have it (nothing is ever dying here).
fn stat(h: &Hierarchy, id: Id) -> Vec<u8> {
    let n = h.get(id).map_or(0, |n| n.nr_descendants);
    let mut out = alloc::format!("nr_descendants {n}\n").into_bytes();
    let names = [(Controllers::CPU, "cpu"), (Controllers::IO, "io"), (Controllers::MEMORY, "memory"), (Controllers::PIDS, "pids")];
    let sub = h.subtree(id);
    for (c, name) in names {
        let count = sub.iter().filter(|&&s| h.parent(s).is_none() || h.controllers(s).contains(c)).count();
        out.extend_from_slice(alloc::format!("nr_subsys_{name} {count}\n").as_bytes());
    }
    out.extend_from_slice(b"nr_dying_descendants 0\n");
    for (_, name) in names {
        out.extend_from_slice(alloc::format!("nr_dying_subsys_{name} 0\n").as_bytes());
    }
    out
}
