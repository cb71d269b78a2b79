//! kcmp(2): whether two processes share a kernel resource.
//!
//! Linux's rules (kernel/kcmp.c): both PIDs are looked up first (ESRCH),
//! then the caller needs PTRACE_MODE_READ_REALCREDS access to both
//! (EPERM), then the type is decoded (EINVAL past KCMP_EPOLL_TFD). The
//! answer is 0 for the same object and 1 or 2 for an order of the objects'
//! addresses; Linux scrambles the addresses with a per-boot cookie, so the
//! order means nothing and callers only compare with 0. A process without
//! descriptors (a zombie) gives EBADF for KCMP_FILE. Aramid has no I/O
//! contexts nor SEM_UNDO lists shared between processes, so KCMP_IO and
//! KCMP_SYSVSEM compare two empty pointers (0), as Linux does for
//! processes that never made one.

use alloc::sync::Arc;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::epoll::Epoll;
use crate::proc::access::{may_access, Mode};
use crate::proc::{pid, Process};

const KCMP_FILE: i32 = 0;
const KCMP_VM: i32 = 1;
const KCMP_FILES: i32 = 2;
const KCMP_FS: i32 = 3;
const KCMP_SIGHAND: i32 = 4;
const KCMP_IO: i32 = 5;
const KCMP_SYSVSEM: i32 = 6;
const KCMP_EPOLL_TFD: i32 = 7;

/// Linux's `struct kcmp_epoll_slot`.
#[derive(Clone, Copy, zerocopy::FromBytes, zerocopy::IntoBytes, zerocopy::Immutable)]
#[repr(C)]
pub struct EpollSlot {
    efd: u32,
    tfd: u32,
    toff: u64,
}

/// A process by any of its thread IDs (find_task_by_vpid).
fn lookup(id: i32) -> Result<Arc<Process>, Errno> {
    if id <= 0 {
        return Err(Errno::ESRCH);
    }
    pid::find(id as u32).or_else(|| pid::find_thread(id as u32).map(|t| t.process.clone())).ok_or(Errno::ESRCH)
}

/// 0 for the same object, else 1 or 2 by a scrambled order.
fn order(a: usize, b: usize) -> u64 {
    const COOKIE: usize = 0x9e37_79b9_7f4a_7c15;
    let (a, b) = (a ^ COOKIE, b ^ COOKIE);
    match a.cmp(&b) {
        core::cmp::Ordering::Equal => 0,
        core::cmp::Ordering::Less => 1,
        core::cmp::Ordering::Greater => 2,
    }
}

fn file_id(p: &Process, fd: u64) -> Result<usize, Errno> {
    let file = p.files().lock().get_raw(fd).map_err(|_| Errno::EBADF)?;
    Ok(Arc::as_ptr(&file) as usize)
}

fn mm_id(p: &Process) -> usize {
    p.mm().map_or(0, |m| Arc::as_ptr(&m) as usize)
}

pub fn kcmp(call: &Call<'_>, pid1: i32, pid2: i32, kind: i32, idx1: u64, idx2: u64) -> SysResult {
    let (p1, p2) = (lookup(pid1)?, lookup(pid2)?);
    if !may_access(call.thread, &p1, Mode::RealCreds) || !may_access(call.thread, &p2, Mode::RealCreds) {
        return Err(Errno::EPERM);
    }
    let (a, b) = match kind {
        KCMP_FILE => {
            let (a, b) = (file_id(&p1, idx1), file_id(&p2, idx2));
            (a?, b?)
        }
        KCMP_VM => (mm_id(&p1), mm_id(&p2)),
        KCMP_FILES => (Arc::as_ptr(&p1.files()) as usize, Arc::as_ptr(&p2.files()) as usize),
        KCMP_FS => (Arc::as_ptr(&p1.fs()) as usize, Arc::as_ptr(&p2.fs()) as usize),
        KCMP_SIGHAND => (p1.actions_id(), p2.actions_id()),
        KCMP_IO | KCMP_SYSVSEM => (0, 0),
        KCMP_EPOLL_TFD => {
            let a = file_id(&p1, idx1)?;
            let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
            let slot = crate::uaccess::UserPtr::<EpollSlot>::new(idx2).read(&mm)?;
            let ep = p2.files().lock().get_raw(slot.efd as u64)?;
            let target = ep.downcast::<Arc<Epoll>>().ok_or(Errno::EINVAL)?.target_file(slot.tfd as i32, slot.toff).ok_or(Errno::ENOENT)?;
            (a, Arc::as_ptr(&target) as usize)
        }
        _ => return Err(Errno::EINVAL),
    };
    Ok(order(a, b))
}
