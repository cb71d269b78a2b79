//! `cgroup.procs` and `cgroup.threads`: the processes (thread-group IDs)
//! or threads of a cgroup, and moving one there (Linux's
//! cgroup_procs_write and cgroup_threads_write on the default hierarchy).
//!
//! A write names a PID (kstrtoint syntax; 0 is the writer itself):
//! EINVAL for anything else, ESRCH for no such task. Through
//! `cgroup.procs` the whole process moves, whichever of its threads is
//! named. The writer needs write access to `cgroup.procs` of the nearest
//! common ancestor of source and destination (EACCES), which root has.
//! Through `cgroup.threads` a thread may only move within its threaded
//! domain (EOPNOTSUPP); Aramid keeps processes whole, so a thread of a
//! multi-threaded process cannot leave its siblings (EOPNOTSUPP too).
//!
//! clone3's CLONE_INTO_CGROUP takes the same checks for the new child
//! ([`vet_clone_into`]): EBADF unless the descriptor is open on a cgroup
//! directory, then the destination's rules and the writer's access.

use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::cgroup::Id;

use super::control_files::{parse_int, Kind};
use super::tree::{self, HIER};
use crate::errno::Errno;
use crate::proc::{pid, Thread};

/// One PID (or TID) per line. A threaded cgroup's processes belong to
/// its thread root: reading its cgroup.procs is EOPNOTSUPP, and the
/// thread root's lists those of its whole threaded subtree.
pub fn list(id: Id, threads: bool) -> Result<Vec<u8>, Errno> {
    let mut cgroups = alloc::vec![id];
    if !threads {
        let h = HIER.lock();
        if h.is_threaded(id) {
            return Err(Errno::EOPNOTSUPP);
        }
        cgroups.extend(h.subtree(id).into_iter().filter(|&c| h.is_threaded(c)));
    }
    let mut ids: Vec<u32> = Vec::new();
    for p in cgroups.into_iter().flat_map(|c| tree::members(c, false)) {
        if threads {
            ids.extend(p.threads().iter().map(|t| t.tid()));
        } else {
            ids.push(p.pid);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::new();
    for i in ids {
        out.extend_from_slice(alloc::format!("{i}\n").as_bytes());
    }
    Ok(out)
}

/// cgroup_procs_write_permission: write access to the common ancestor's
/// cgroup.procs.
fn may_move(t: &Thread, from: Id, to: Id) -> Result<(), Errno> {
    let creds = crate::file::vfs::creds_of(t);
    if creds.is_root() {
        return Ok(());
    }
    let common = {
        let h = HIER.lock();
        let up = h.ancestry(to);
        h.ancestry(from).into_iter().find(|a| up.contains(a)).unwrap_or(fs::cgroup::ROOT)
    };
    let dir = super::fs_dir::dir(common).ok_or(Errno::ENODEV)?;
    let file = dir.file(Kind::Procs).ok_or(Errno::ENODEV)?;
    let meta = fs::inode::Inode::metadata(&**file);
    fs::cred::check_access(&meta, &creds, fs::Access::WRITE).map_err(|_| Errno::EACCES)
}

/// A write of `s` to `cgroup.procs` (or `cgroup.threads`) of `id` by `t`.
pub fn write(id: Id, s: &[u8], threads: bool, t: &Arc<Thread>) -> Result<(), Errno> {
    let n = parse_int(s)?;
    if n < 0 || n > i32::MAX as i64 {
        return Err(Errno::EINVAL);
    }
    let task = if n == 0 { t.clone() } else { pid::find_thread(n as u32).ok_or(Errno::ESRCH)? };
    let p = task.process.clone();
    let from = tree::cgroup_of(&p);
    HIER.lock().node(id)?;
    may_move(t, from, id)?;
    if threads && from != id {
        let same_domain = {
            let h = HIER.lock();
            h.domain(from) == h.domain(id)
        };
        if !same_domain || p.live_threads() > 1 {
            return Err(Errno::EOPNOTSUPP);
        }
    }
    tree::migrate(&p, id)
}

/// Checks clone3's CLONE_INTO_CGROUP for `t` creating a child in the
/// cgroup whose directory `fd` is open on; the cgroup's id. A new thread
/// (CLONE_THREAD) cannot leave its process's cgroup here (EOPNOTSUPP).
pub fn vet_clone_into(t: &Arc<Thread>, fd: u64, thread: bool) -> Result<Id, Errno> {
    let file = t.process.files().lock().get_raw(fd).map_err(|_| Errno::EBADF)?;
    let inode = file.inode_file().map(|f| f.loc.inode.clone()).or_else(|| file.node.as_ref().map(|n| n.loc.inode.clone())).ok_or(Errno::EBADF)?;
    let id = super::fs_dir::dir_id(&inode).ok_or(Errno::EBADF)?;
    let from = tree::cgroup_of(&t.process);
    {
        let h = HIER.lock();
        h.node(id)?;
        h.vet_migration_dst(id)?;
    }
    if thread && from != id {
        return Err(Errno::EOPNOTSUPP);
    }
    may_move(t, from, id)?;
    Ok(id)
}
