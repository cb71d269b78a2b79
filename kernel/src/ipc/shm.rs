//! SysV shared memory: shmget(2), shmat(2), shmdt(2), shmctl(2) (Linux's
//! ipc/shm.c).
//!
//! A segment is an unnamed tmpfs file on an internal mount (Linux's
//! shm_mnt), `segsz` bytes long; shmat maps the file's own frames shared
//! ([`crate::mm::vma::Kind::Pages`]), so every attachment, in any process,
//! sees the same memory, and fork shares it like any shared mapping.
//!
//! `shm_nattch` is counted as Linux counts it — one per area mapping the
//! segment, in every address space (an area split by mprotect counts
//! twice, fork adds the child's, exit and execve drop theirs) — by asking
//! the address spaces that map the file rather than by hooks on each
//! change. IPC_RMID of an attached segment marks it SHM_DEST and
//! IPC_PRIVATE; it stays visible (IPC_STAT, /proc/sysvipc/shm, even
//! shmat) until its last attachment goes, and is removed at the next look
//! at the table after that (shmget, shmat, shmdt, shmctl, procfs): the
//! memory lives as long as a mapping does either way. Where Linux also
//! updates `shm_atime`/`shm_dtime`/`shm_lpid` when fork copies or exit
//! drops an attachment, here only shmat and shmdt do.

use alloc::sync::Arc;

use fs::tmpfs::{Tmpfs, TmpfsOptions};
use fs::vfs::Vfs;
use fs::Owner;
use spin::Mutex;

use super::ids::{self, Object, Perm, IPC_INFO, IPC_RMID, IPC_SET, IPC_STAT, S_IRUGO, S_IWUGO};
use super::{IpcNs, Limits};
use crate::abi::ipc::{ShmInfo64, ShmUsage, ShmidDs};
use crate::errno::{Errno, SysResult};
use crate::mm::filemap::MappedFile;
use crate::mm::vma::{Kind, Prot, Vma};
use crate::mm::{page_up, MapLimits, Mm, MMAP_MIN, PAGE};
use crate::proc::Thread;
use crate::uaccess::UserPtr;

pub const SHMMAX: u64 = u64::MAX - (1 << 24);
pub const SHMALL: u64 = u64::MAX - (1 << 24);
pub const SHMMNI: u64 = 4096;
const SHMMIN: u64 = 1;

const SHM_DEST: u32 = 0o1000;
const SHM_LOCKED: u32 = 0o2000;
const SHM_HUGETLB: u32 = 0o4000;

const SHM_RDONLY: u32 = 0o10000;
const SHM_RND: u32 = 0o20000;
const SHM_REMAP: u32 = 0o40000;
const SHM_EXEC: u32 = 0o100000;

const SHM_LOCK: i32 = 11;
const SHM_UNLOCK: i32 = 12;
const SHM_STAT: i32 = 13;
const SHM_INFO: i32 = 14;
const SHM_STAT_ANY: i32 = 15;

const RLIMIT_MEMLOCK: usize = 8;

struct State {
    perm: Perm,
    atime: i64,
    dtime: i64,
    ctime: i64,
    cpid: u32,
    lpid: u32,
}

pub struct Segment {
    state: Mutex<State>,
    pub segsz: u64,
    file: Arc<MappedFile>,
}

impl Object for Segment {
    fn perm(&self) -> Perm {
        self.state.lock().perm
    }
    fn set_key(&self, key: i32) {
        self.state.lock().perm.key = key;
    }
}

/// The areas mapping `file` in every address space.
fn attachments(file: &MappedFile) -> u64 {
    let id = file.id;
    crate::mm::filemap::mappers(id)
        .iter()
        .map(|mm| mm.with(|m| m.vmas.values().filter(|v| matches!(&v.kind, Kind::Pages { file, .. } if file.id == id)).count() as u64))
        .sum()
}

impl Segment {
    pub fn nattch(&self) -> u64 {
        attachments(&self.file)
    }

    fn pages(&self) -> u64 {
        self.segsz.div_ceil(PAGE)
    }

    /// Pages the segment holds (its file's allocated blocks).
    fn resident_pages(&self) -> u64 {
        self.file.inode.metadata().blocks / (PAGE / 512)
    }

    fn stat(&self) -> ShmidDs {
        let nattch = self.nattch();
        let s = self.state.lock();
        ShmidDs {
            perm: s.perm.to_abi(),
            segsz: self.segsz,
            atime: s.atime,
            dtime: s.dtime,
            ctime: s.ctime,
            cpid: s.cpid as i32,
            lpid: s.lpid as i32,
            nattch,
            ..Default::default()
        }
    }

    /// What /proc/sysvipc/shm shows: permissions, size, cpid, lpid,
    /// nattch, atime, dtime, ctime, resident bytes.
    pub fn proc_line(&self) -> (Perm, u64, u32, u32, u64, i64, i64, i64, u64) {
        let nattch = self.nattch();
        let rss = self.resident_pages() * PAGE;
        let s = self.state.lock();
        (s.perm, self.segsz, s.cpid, s.lpid, nattch, s.atime, s.dtime, s.ctime, rss)
    }
}

/// The internal mount segments live on.
static SHM_MNT: spin::Once<Vfs> = spin::Once::new();

fn shm_mount() -> &'static Vfs {
    SHM_MNT.call_once(|| {
        let tmp = Tmpfs::with_memory(Arc::new(crate::file::vfs::Realtime), crate::mm::filemap::memory(), TmpfsOptions { mode: 0o1777, ..TmpfsOptions::default() });
        Vfs::new(tmp.root(), "tmpfs", "sysvshm")
    })
}

/// Forgets segments marked for removal whose last attachment has gone.
pub fn prune(ns: &IpcNs) {
    ns.shm.lock().retain(|s| s.perm().mode & SHM_DEST == 0 || s.nattch() > 0);
}

pub fn shmget(t: &Arc<Thread>, key: i32, size: u64, flg: u32) -> SysResult {
    let ns = t.process.ipc();
    prune(&ns);
    let creds = t.creds.lock().clone();
    let mut table = ns.shm.lock();
    let fits = |s: &Segment| if s.segsz < size { Err(Errno::EINVAL) } else { Ok(()) };
    if let Some(id) = ids::lookup(&table, &creds, key, flg, fits)? {
        return Ok(id as u64);
    }
    if flg & SHM_HUGETLB != 0 {
        // As a kernel without huge pages configured.
        return Err(Errno::ENOMEM);
    }
    if size < SHMMIN || size > Limits::get(&ns.limits.shm_ctlmax) {
        return Err(Errno::EINVAL);
    }
    let pages = size.div_ceil(PAGE);
    let total: u64 = table.all().map(|s| s.pages()).sum();
    if total.checked_add(pages).is_none_or(|n| n > Limits::get(&ns.limits.shm_ctlall)) {
        return Err(Errno::ENOSPC);
    }
    let (idx, id, seq) = table.next_id(Limits::get(&ns.limits.shm_ctlmni) as u32)?;
    let root = shm_mount().root();
    let inode = root.inode.tmpfile(0o600 | flg & 0o777, Owner { uid: creds.euid, gid: creds.egid }, false)?;
    inode.truncate(size).map_err(|_| Errno::ENOSPC)?;
    let seg = Segment {
        state: Mutex::new(State { perm: ids::new_perm(&creds, key, flg, id, seq), atime: 0, dtime: 0, ctime: ids::now_secs(), cpid: t.process.pid, lpid: 0 }),
        segsz: size,
        file: Arc::new(MappedFile::new(inode)),
    };
    table.insert(idx, Arc::new(seg));
    Ok(id as u64)
}

pub fn shmat(t: &Arc<Thread>, id: i32, addr: u64, flg: u32) -> SysResult {
    if id < 0 {
        return Err(Errno::EINVAL);
    }
    let mut addr = addr;
    if addr != 0 {
        if !addr.is_multiple_of(PAGE) {
            if flg & SHM_RND == 0 {
                return Err(Errno::EINVAL);
            }
            addr &= !(PAGE - 1);
            if addr == 0 && flg & SHM_REMAP != 0 {
                return Err(Errno::EINVAL);
            }
        }
    } else if flg & SHM_REMAP != 0 {
        return Err(Errno::EINVAL);
    }
    let fixed = addr != 0;
    let (mut prot, mut acc) = if flg & SHM_RDONLY != 0 { (1, S_IRUGO) } else { (3, S_IRUGO | S_IWUGO) };
    if flg & SHM_EXEC != 0 {
        prot |= 4;
        acc |= 0o111;
    }
    let ns = t.process.ipc();
    prune(&ns);
    let seg = ns.shm.lock().by_id(id)?;
    ids::check(&t.creds.lock(), &seg.perm(), acc)?;
    let len = page_up(seg.segsz).ok_or(Errno::ENOMEM)?;
    let mm = t.process.mm().ok_or(Errno::EINVAL)?;
    let limits = MapLimits::of(&t.process);
    let start = mm.with(|m| -> Result<u64, Errno> {
        let start = if fixed {
            let end = addr.checked_add(len).ok_or(Errno::EINVAL)?;
            if m.overlaps(addr, end) && flg & SHM_REMAP == 0 {
                return Err(Errno::EINVAL);
            }
            if end > platform::user::USER_END {
                return Err(Errno::ENOMEM);
            }
            if addr < MMAP_MIN {
                return Err(Errno::EPERM);
            }
            let (replaced, _) = m.mapped_in(addr, end);
            if !m.may_expand(limits, len - replaced, false) {
                return Err(Errno::ENOMEM);
            }
            m.remove(addr, end);
            addr
        } else {
            if !m.may_expand(limits, len, false) {
                return Err(Errno::ENOMEM);
            }
            m.find_free(len).ok_or(Errno::ENOMEM)?
        };
        let mut vma = Vma::anon(start, start + len, Prot::from_bits(prot));
        vma.kind = Kind::Pages { file: seg.file.clone(), offset: 0, may_write: flg & SHM_RDONLY == 0 };
        vma.shared = true;
        m.insert(vma);
        Ok(start)
    })?;
    crate::mm::filemap::register(seg.file.id, &mm);
    if fixed {
        mm.shootdown(start, start + len);
    }
    let mut s = seg.state.lock();
    s.atime = ids::now_secs();
    s.lpid = t.process.pid;
    Ok(start)
}

/// Whether `file` is a segment's (on the internal mount).
fn is_segment(file: &MappedFile) -> bool {
    SHM_MNT.get().is_some_and(|v| v.root().inode.metadata().dev == file.id.dev)
}

pub fn shmdt(t: &Arc<Thread>, addr: u64) -> SysResult {
    if !addr.is_multiple_of(PAGE) {
        return Err(Errno::EINVAL);
    }
    let mm: Arc<Mm> = t.process.mm().ok_or(Errno::EINVAL)?;
    // Linux's shmdt: the first segment area at or after `addr` whose
    // offset matches its distance from `addr`, then the later areas of the
    // same segment within its size.
    let (ranges, id) = mm.with(|m| {
        let mut ranges = alloc::vec::Vec::new();
        let mut found: Option<(Arc<MappedFile>, u64)> = None;
        for v in m.vmas.values().filter(|v| v.end > addr) {
            let Kind::Pages { file, offset, .. } = &v.kind else { continue };
            if !v.shared || !is_segment(file) || v.start.wrapping_sub(addr) != *offset {
                continue;
            }
            match &found {
                None => {
                    found = Some((file.clone(), page_up(file.size()).unwrap_or(u64::MAX)));
                    ranges.push((v.start, v.end));
                }
                Some((f, size)) => {
                    if v.end - addr > *size {
                        break;
                    }
                    if f.id == file.id {
                        ranges.push((v.start, v.end));
                    }
                }
            }
        }
        for &(s, e) in &ranges {
            m.remove(s, e);
        }
        (ranges, found.map(|f| f.0.id))
    });
    let id = id.ok_or(Errno::EINVAL)?;
    for (s, e) in ranges {
        mm.shootdown(s, e);
    }
    let ns = t.process.ipc();
    if let Some(seg) = ns.shm.lock().all().find(|s| s.file.id == id) {
        let mut s = seg.state.lock();
        s.dtime = ids::now_secs();
        s.lpid = t.process.pid;
    }
    prune(&ns);
    Ok(0)
}

pub fn shmctl(t: &Arc<Thread>, id: i32, cmd: i32, buf: u64) -> SysResult {
    if id < 0 || cmd < 0 {
        return Err(Errno::EINVAL);
    }
    let ns = t.process.ipc();
    prune(&ns);
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    let creds = t.creds.lock().clone();
    match cmd {
        IPC_INFO => {
            let info = ShmInfo64 {
                shmmax: Limits::get(&ns.limits.shm_ctlmax),
                shmmin: SHMMIN,
                shmmni: Limits::get(&ns.limits.shm_ctlmni),
                shmseg: SHMMNI,
                shmall: Limits::get(&ns.limits.shm_ctlall),
                unused: [0; 4],
            };
            let max = ns.shm.lock().max_index();
            UserPtr::<ShmInfo64>::new(buf).write(&mm, &info)?;
            Ok(max)
        }
        SHM_INFO => {
            let table = ns.shm.lock();
            let mut info = ShmUsage { used_ids: table.len() as i32, ..Default::default() };
            for s in table.all() {
                info.shm_tot += s.pages();
                info.shm_rss += s.resident_pages();
            }
            let max = table.max_index();
            drop(table);
            UserPtr::<ShmUsage>::new(buf).write(&mm, &info)?;
            Ok(max)
        }
        IPC_STAT | SHM_STAT | SHM_STAT_ANY => {
            let seg = if cmd == IPC_STAT { ns.shm.lock().by_id(id)? } else { ns.shm.lock().by_index(id)? };
            let perm = seg.perm();
            if cmd != SHM_STAT_ANY {
                ids::check(&creds, &perm, S_IRUGO)?;
            }
            UserPtr::<ShmidDs>::new(buf).write(&mm, &seg.stat())?;
            Ok(if cmd == IPC_STAT { 0 } else { perm.id as u64 })
        }
        SHM_LOCK | SHM_UNLOCK => {
            let seg = ns.shm.lock().by_id(id)?;
            let mut s = seg.state.lock();
            if !creds.capable(ids::CAP_IPC_LOCK) {
                if creds.euid != s.perm.uid && creds.euid != s.perm.cuid {
                    return Err(Errno::EPERM);
                }
                if cmd == SHM_LOCK && t.process.limits.lock().0[RLIMIT_MEMLOCK].0 == 0 {
                    return Err(Errno::EPERM);
                }
            }
            if cmd == SHM_LOCK {
                s.perm.mode |= SHM_LOCKED;
            } else {
                s.perm.mode &= !SHM_LOCKED;
            }
            Ok(0)
        }
        IPC_SET | IPC_RMID => {
            let new = if cmd == IPC_SET { Some(UserPtr::<ShmidDs>::new(buf).read(&mm)?) } else { None };
            let seg = ns.shm.lock().by_id(id)?;
            ids::may_change(&creds, &seg.perm())?;
            let mut s = seg.state.lock();
            match new {
                Some(d) => {
                    s.perm.update(&d.perm)?;
                    s.ctime = ids::now_secs();
                }
                None => {
                    s.perm.mode |= SHM_DEST;
                    s.perm.key = ids::IPC_PRIVATE;
                }
            }
            drop(s);
            prune(&ns);
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
