//! The key/id table of one SysV IPC kind in one IPC namespace, and the
//! `ipc_perm` every object carries (Linux's ipc/util.c).
//!
//! - An id is `seq * 32768 + index` (IPCMNI): the index is the slot,
//!   allocated cyclically from the last one used; the sequence number goes
//!   up each time allocation wraps, so a stale id is EINVAL.
//! - `get` follows ipcget: IPC_PRIVATE always creates; a missing key is
//!   ENOENT without IPC_CREAT; IPC_CREAT|IPC_EXCL on an existing key is
//!   EEXIST; the kind's size check (EINVAL) comes before the permission
//!   check (EACCES).
//! - [`may`] is Linux's ipcperms: owner bits for the owner or creator,
//!   group bits for a member of either group, CAP_IPC_OWNER overrides.
//! - [`may_change`] is ipcctl_obtain_check's rule for IPC_SET/IPC_RMID:
//!   the owner, the creator, or CAP_SYS_ADMIN (EPERM).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use crate::abi::ipc::IpcPerm64;
use crate::errno::Errno;
use crate::proc::creds::Creds;

pub const IPC_PRIVATE: i32 = 0;
pub const IPC_CREAT: u32 = 0o1000;
pub const IPC_EXCL: u32 = 0o2000;
pub const IPC_NOWAIT: u32 = 0o4000;

pub const IPC_RMID: i32 = 0;
pub const IPC_SET: i32 = 1;
pub const IPC_STAT: i32 = 2;
pub const IPC_INFO: i32 = 3;

/// IPCMNI: slots per kind, and the id's sequence multiplier.
pub const IPCMNI: u32 = 32768;
const SEQ_MAX: u32 = (i32::MAX as u32) / IPCMNI;

pub const CAP_IPC_OWNER: u32 = 15;
pub const CAP_IPC_LOCK: u32 = 14;
pub const CAP_SYS_ADMIN: u32 = 21;
pub const CAP_SYS_RESOURCE: u32 = 24;

pub const S_IRUGO: u32 = 0o444;
pub const S_IWUGO: u32 = 0o222;

/// `kern_ipc_perm`'s user-visible part.
#[derive(Clone, Copy, Debug)]
pub struct Perm {
    pub key: i32,
    pub uid: u32,
    pub gid: u32,
    pub cuid: u32,
    pub cgid: u32,
    /// The permission bits, and the kind's status bits (SHM_DEST...).
    pub mode: u32,
    pub seq: u32,
    pub id: i32,
}

impl Perm {
    pub fn to_abi(self) -> IpcPerm64 {
        IpcPerm64 { key: self.key, uid: self.uid, gid: self.gid, cuid: self.cuid, cgid: self.cgid, mode: self.mode, seq: self.seq as u16, ..Default::default() }
    }

    /// IPC_SET's ipc_update_perm: owner, group and the nine permission
    /// bits (EINVAL for an invalid id, -1).
    pub fn update(&mut self, from: &IpcPerm64) -> Result<(), Errno> {
        if from.uid == u32::MAX || from.gid == u32::MAX {
            return Err(Errno::EINVAL);
        }
        self.uid = from.uid;
        self.gid = from.gid;
        self.mode = (self.mode & !0o777) | (from.mode & 0o777);
        Ok(())
    }
}

fn in_group(c: &Creds, gid: u32) -> bool {
    c.fsgid == gid || c.groups.contains(&gid)
}

/// ipcperms: whether `c` may access an object with `p` for the bits of
/// `flag` (S_IRUGO, S_IWUGO, or a get's mode argument).
pub fn may(c: &Creds, p: &Perm, flag: u32) -> bool {
    let requested = (flag >> 6) | (flag >> 3) | flag;
    let mut granted = p.mode;
    if c.euid == p.cuid || c.euid == p.uid {
        granted >>= 6;
    } else if in_group(c, p.cgid) || in_group(c, p.gid) {
        granted >>= 3;
    }
    requested & !granted & 0o7 == 0 || c.capable(CAP_IPC_OWNER)
}

/// EACCES unless [`may`].
pub fn check(c: &Creds, p: &Perm, flag: u32) -> Result<(), Errno> {
    if may(c, p, flag) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// IPC_SET and IPC_RMID: the owner, the creator or CAP_SYS_ADMIN.
pub fn may_change(c: &Creds, p: &Perm) -> Result<(), Errno> {
    if c.euid == p.cuid || c.euid == p.uid || c.capable(CAP_SYS_ADMIN) {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// An object's common part: its permissions.
pub trait Object {
    fn perm(&self) -> Perm;
    fn set_key(&self, key: i32);
}

/// The objects of one kind in one namespace.
pub struct Table<T> {
    slots: BTreeMap<u32, Arc<T>>,
    seq: u32,
    last: Option<u32>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table { slots: BTreeMap::new(), seq: 0, last: None }
    }
}

impl<T: Object> Table<T> {
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// The highest index in use, or 0 (the *_INFO commands' answer).
    pub fn max_index(&self) -> u64 {
        self.slots.keys().next_back().copied().unwrap_or(0) as u64
    }

    /// The object with id `id` (EINVAL for none or a stale sequence).
    pub fn by_id(&self, id: i32) -> Result<Arc<T>, Errno> {
        if id < 0 {
            return Err(Errno::EINVAL);
        }
        let o = self.slots.get(&(id as u32 % IPCMNI)).ok_or(Errno::EINVAL)?;
        if o.perm().id != id {
            return Err(Errno::EINVAL);
        }
        Ok(o.clone())
    }

    /// The object in slot `index` (the *_STAT commands).
    pub fn by_index(&self, index: i32) -> Result<Arc<T>, Errno> {
        if index < 0 {
            return Err(Errno::EINVAL);
        }
        self.slots.get(&(index as u32)).cloned().ok_or(Errno::EINVAL)
    }

    /// The object with key `key` (not IPC_PRIVATE).
    pub fn by_key(&self, key: i32) -> Option<Arc<T>> {
        self.slots.values().find(|o| o.perm().key == key).cloned()
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<T>> {
        self.slots.values()
    }

    /// A free slot and the id it would have (ENOSPC past `max` objects).
    pub fn next_id(&mut self, max: u32) -> Result<(u32, i32, u32), Errno> {
        if self.slots.len() as u32 >= max.min(IPCMNI) {
            return Err(Errno::ENOSPC);
        }
        let start = self.last.map_or(0, |l| l + 1);
        let idx = (start..IPCMNI).chain(0..start).find(|i| !self.slots.contains_key(i)).ok_or(Errno::ENOSPC)?;
        if self.last.is_some_and(|l| idx <= l) {
            self.seq = if self.seq >= SEQ_MAX { 0 } else { self.seq + 1 };
        }
        self.last = Some(idx);
        Ok((idx, (self.seq * IPCMNI + idx) as i32, self.seq))
    }

    pub fn insert(&mut self, idx: u32, o: Arc<T>) {
        self.slots.insert(idx, o);
    }

    /// Removes the object with id `id`.
    pub fn remove(&mut self, id: i32) {
        let idx = id as u32 % IPCMNI;
        if self.slots.get(&idx).is_some_and(|o| o.perm().id == id) {
            self.slots.remove(&idx);
        }
    }

    /// Removes the objects `drop` picks.
    pub fn retain(&mut self, mut keep: impl FnMut(&Arc<T>) -> bool) {
        self.slots.retain(|_, o| keep(o));
    }
}

/// ipcget's lookup half for `key`: the existing object's id after the
/// kind's `fits` check and the permission check, Ok(None) when one must be
/// created, or the error.
pub fn lookup<T: Object>(table: &Table<T>, c: &Creds, key: i32, flg: u32, fits: impl Fn(&T) -> Result<(), Errno>) -> Result<Option<i32>, Errno> {
    if key == IPC_PRIVATE {
        return Ok(None);
    }
    match table.by_key(key) {
        None if flg & IPC_CREAT == 0 => Err(Errno::ENOENT),
        None => Ok(None),
        Some(_) if flg & IPC_CREAT != 0 && flg & IPC_EXCL != 0 => Err(Errno::EEXIST),
        Some(o) => {
            fits(&o)?;
            let p = o.perm();
            check(c, &p, flg)?;
            Ok(Some(p.id))
        }
    }
}

/// A new object's permissions: owner and creator are the caller's
/// effective uid and gid.
pub fn new_perm(c: &Creds, key: i32, flg: u32, id: i32, seq: u32) -> Perm {
    Perm { key, uid: c.euid, gid: c.egid, cuid: c.euid, cgid: c.egid, mode: flg & 0o777, seq, id }
}

/// The time of day in seconds (the *_time fields).
pub fn now_secs() -> i64 {
    platform::time::realtime_ns().div_euclid(1_000_000_000)
}
