//! unshare(2): the caller stops sharing what it shared with others
//! (descriptor table, root and working directory) and moves into new
//! namespaces (mount and UTS; the kinds Aramid lacks are EINVAL as in a
//! kernel built without them).
//!
//! As Linux's ksys_unshare: CLONE_NEWNS implies CLONE_FS, CLONE_VM
//! implies CLONE_SIGHAND, which implies CLONE_THREAD; asking to unshare the
//! thread group, signal handlers or address space succeeds only when there
//! is nothing to unshare (EINVAL otherwise). Namespaces need CAP_SYS_ADMIN.
//!
//! Aramid keeps the root, working directory and namespaces per process,
//! not per thread: unsharing CLONE_FS or a namespace in a process with
//! other threads is EINVAL here (Linux gives the calling thread its own).

use super::clone::{CLONE_FILES, CLONE_FS, CLONE_SIGHAND, CLONE_SYSVSEM, CLONE_THREAD, CLONE_VM};
use super::Call;
use crate::errno::{Errno, SysResult};
use crate::ns::{self, CLONE_NEWNS, CLONE_NEWTIME, CLONE_NEWUSER};

const CAP_SYS_ADMIN: u32 = 21;

pub fn unshare(call: &Call<'_>, flags: u64) -> SysResult {
    let valid = CLONE_THREAD | CLONE_FS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES | CLONE_SYSVSEM | ns::ALL_NS | CLONE_NEWTIME;
    if flags & !valid != 0 {
        return Err(Errno::EINVAL);
    }
    let mut flags = flags;
    if flags & CLONE_NEWUSER != 0 {
        flags |= CLONE_THREAD | CLONE_FS;
    }
    if flags & CLONE_VM != 0 {
        flags |= CLONE_SIGHAND;
    }
    if flags & CLONE_SIGHAND != 0 {
        flags |= CLONE_THREAD;
    }
    if flags & CLONE_NEWNS != 0 {
        flags |= CLONE_FS;
    }
    let p = &call.thread.process;
    let alone = p.live_threads() <= 1;
    if flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) != 0 && !alone {
        return Err(Errno::EINVAL);
    }
    if flags & (CLONE_SIGHAND | CLONE_VM) != 0 && p.shares_actions() {
        return Err(Errno::EINVAL);
    }
    // The address space is held by the process, by this thread's run loop
    // and by the copy taken here: a fourth holder is a CLONE_VM sharer.
    if flags & CLONE_VM != 0 && p.mm().is_some_and(|mm| alloc::sync::Arc::strong_count(&mm) > 3) {
        return Err(Errno::EINVAL);
    }
    let kinds = flags & (ns::ALL_NS | CLONE_NEWTIME);
    ns::check_new(kinds, call.thread.creds.lock().capable(CAP_SYS_ADMIN))?;
    if (flags & CLONE_FS != 0 || kinds != 0) && !alone {
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_FS != 0 && kinds & CLONE_NEWNS == 0 {
        p.unshare_fs(|_| {});
    }
    if flags & CLONE_FILES != 0 {
        p.unshare_files();
    }
    ns::create_new(p, kinds);
    Ok(0)
}
