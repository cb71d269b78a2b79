//! Who may look at or control another process: Linux's
//! `__ptrace_may_access` (kernel/ptrace.c) with the commoncap check
//! (`cap_ptrace_access_check`), for ptrace, kcmp, pidfd_getfd,
//! process_vm_readv/writev, get_robust_list and the /proc/PID files
//! Linux guards with it (fd/, fdinfo/, the cwd/root/exe links, ns/).
//!
//! The rules, in Linux's order: a thread of the same thread group always
//! may; otherwise the caller's real (REALCREDS) or filesystem (FSCREDS)
//! UID and GID must equal all three of the target's (real, effective,
//! saved), or the caller has CAP_SYS_PTRACE; a target with memory must be
//! dumpable, or the caller has CAP_SYS_PTRACE; and the target's permitted
//! capabilities must be a subset of the caller's permitted (REALCREDS) or
//! effective (FSCREDS) ones, or the caller has CAP_SYS_PTRACE. There are
//! no user namespaces, and no Yama (as on a kernel without
//! CONFIG_SECURITY_YAMA: /proc/sys/kernel/yama does not exist). The READ
//! and ATTACH modes differ only for Yama, so they decide the same here.

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use super::creds::{Creds, CAP_SYS_PTRACE};
use super::{Process, Thread};

/// Which credentials of the caller are compared (Linux's
/// PTRACE_MODE_REALCREDS / PTRACE_MODE_FSCREDS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// PTRACE_MODE_READ_REALCREDS / PTRACE_MODE_ATTACH_REALCREDS.
    RealCreds,
    /// PTRACE_MODE_READ_FSCREDS / PTRACE_MODE_ATTACH_FSCREDS (procfs).
    FsCreds,
}

/// The credential part of the check: `dumpable` is None for a target
/// without memory (a zombie), which skips the dumpable test.
pub fn creds_allow(me: &Creds, target: &Creds, dumpable: Option<bool>, mode: Mode) -> bool {
    let (uid, gid, caps) = match mode {
        Mode::RealCreds => (me.ruid, me.rgid, me.cap_permitted),
        Mode::FsCreds => (me.fsuid, me.fsgid, me.cap_effective),
    };
    let cap = me.capable(CAP_SYS_PTRACE);
    let ids = [target.ruid, target.euid, target.suid].iter().all(|&u| u == uid)
        && [target.rgid, target.egid, target.sgid].iter().all(|&g| g == gid);
    cap || (ids && dumpable != Some(false) && target.cap_permitted & !caps == 0)
}

/// Whether thread `me` may access process `target` (Linux's
/// ptrace_may_access): true for its own thread group.
pub fn may_access(me: &Thread, target: &Arc<Process>, mode: Mode) -> bool {
    if Arc::ptr_eq(&me.process, target) {
        return true;
    }
    let mine = me.creds.lock().clone();
    let dumpable = target.mm().map(|_| target.dumpable.load(Ordering::Relaxed));
    target.with_creds(|t| creds_allow(&mine, t, dumpable, mode))
}
