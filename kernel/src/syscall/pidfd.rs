//! pidfd_open(2), pidfd_send_signal(2). The file is `file::pidfd`;
//! waitid(P_PIDFD) is in `wait`.
//!
//! Linux's rules: pidfd_open takes PIDFD_NONBLOCK and PIDFD_THREAD
//! (O_EXCL) only; a thread that is not a thread-group leader needs
//! PIDFD_THREAD (ENOENT otherwise); a zombie can be opened, a reaped PID
//! is ESRCH; the descriptor is always close-on-exec. pidfd_send_signal
//! takes at most one scope flag (thread, thread group, process group);
//! a signal to an exited but unreaped process succeeds and does nothing.

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::pidfd::PidFd;
use crate::file::{File, O_NONBLOCK, O_RDWR};
use crate::proc::{pid, Process};
use crate::signal::info::{SI_TKILL, SI_USER};
use crate::signal::{send_process, send_thread, SigInfo};
use crate::uaccess::UserPtr;

const PIDFD_THREAD: u32 = 0o200; // O_EXCL
const PIDFD_SIGNAL_THREAD: u32 = 1;
const PIDFD_SIGNAL_THREAD_GROUP: u32 = 2;
const PIDFD_SIGNAL_PROCESS_GROUP: u32 = 4;

fn pidfd_file(call: &Call<'_>, fd: u64) -> Result<Arc<File>, Errno> {
    let file = call.thread.process.files().lock().get(fd)?;
    match file.downcast::<PidFd>() {
        Some(_) => Ok(file),
        None => Err(Errno::EBADF),
    }
}

/// The process a pidfd refers to, and whether it is PIDFD_NONBLOCK
/// (waitid).
pub fn target_for_wait(call: &Call<'_>, fd: u64) -> Result<(Arc<Process>, bool), Errno> {
    let file = pidfd_file(call, fd)?;
    let Some(p) = file.downcast::<PidFd>() else { return Err(Errno::EBADF) };
    Ok((p.process.clone(), file.status() & O_NONBLOCK != 0))
}

pub fn pidfd_open(call: &Call<'_>, id: i32, flags: u32) -> SysResult {
    if flags & !(O_NONBLOCK | PIDFD_THREAD) != 0 || id <= 0 {
        return Err(Errno::EINVAL);
    }
    let pidfd = match pid::find(id as u32) {
        Some(process) if flags & PIDFD_THREAD != 0 => {
            let thread = process.threads().into_iter().find(|t| t.tid() == process.pid);
            PidFd { process, thread }
        }
        Some(process) => PidFd { process, thread: None },
        None => {
            let t = pid::find_thread(id as u32).ok_or(Errno::ESRCH)?;
            if flags & PIDFD_THREAD == 0 {
                return Err(Errno::ENOENT);
            }
            PidFd { process: t.process.clone(), thread: Some(t) }
        }
    };
    let file = Arc::new(File::new(pidfd, O_RDWR | (flags & O_NONBLOCK)));
    call.install(file, true)
}

pub fn pidfd_send_signal(call: &Call<'_>, fd: u64, sig: u64, uinfo: u64, flags: u32) -> SysResult {
    let scope = PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP;
    if flags & !scope != 0 || flags.count_ones() > 1 {
        return Err(Errno::EINVAL);
    }
    let file = pidfd_file(call, fd)?;
    let Some(target) = file.downcast::<PidFd>() else { return Err(Errno::EBADF) };
    let p = &target.process;
    let sig = if sig == 0 { 0 } else { super::signal::valid(sig)? };
    let me = &call.thread.process;
    let info = if uinfo != 0 {
        let info = SigInfo::from_abi(&UserPtr::<crate::abi::Siginfo>::new(uinfo).read(&*me.mm().ok_or(Errno::EFAULT)?)?);
        if info.signo != sig {
            return Err(Errno::EINVAL);
        }
        // Only the kernel may claim SI_USER/kernel codes for another process.
        if (info.code >= 0 || info.code == SI_TKILL) && !Arc::ptr_eq(p, me) {
            return Err(Errno::EPERM);
        }
        info
    } else {
        SigInfo::user(sig, SI_USER, me.pid)
    };
    if target.reaped() {
        return Err(Errno::ESRCH);
    }
    super::signal::may_signal(call, p, sig)?;
    if sig == 0 || p.is_zombie() {
        return Ok(0);
    }
    let to_thread = flags & PIDFD_SIGNAL_THREAD != 0 || (flags == 0 && target.thread.is_some());
    if to_thread {
        let t = target.thread.clone().or_else(|| p.threads().into_iter().find(|t| t.tid() == p.pid)).ok_or(Errno::ESRCH)?;
        if t.exited.load(Ordering::Acquire) {
            return Err(Errno::ESRCH);
        }
        send_thread(&t, info, false);
    } else if flags & PIDFD_SIGNAL_PROCESS_GROUP != 0 {
        for q in pid::all().into_iter().filter(|q| q.pgid() == p.pgid() && !q.is_zombie()) {
            send_process(&q, info, false);
        }
    } else {
        send_process(p, info, false);
    }
    Ok(0)
}

/// pidfd_getfd(2): a duplicate of descriptor `fd` of the process, always
/// close-on-exec. Linux's order: flags (EINVAL), the pidfd (EBADF, also
/// for another kind of file), ptrace attach access (EPERM), an exited
/// process, reaped or not (ESRCH: Linux 6.9 on; 6.1 said EBADF for an
/// unreaped one), the descriptor (EBADF).
pub fn pidfd_getfd(call: &Call<'_>, fd: u64, target_fd: i32, flags: u32) -> SysResult {
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let file = pidfd_file(call, fd)?;
    let Some(target) = file.downcast::<PidFd>() else { return Err(Errno::EBADF) };
    if target.reaped() {
        return Err(Errno::ESRCH);
    }
    let p = &target.process;
    if !crate::proc::access::may_access(call.thread, p, crate::proc::access::Mode::RealCreds) {
        return Err(Errno::EPERM);
    }
    if p.is_zombie() {
        return Err(Errno::ESRCH);
    }
    if target_fd < 0 {
        return Err(Errno::EBADF);
    }
    let theirs = p.files().lock().get_raw(target_fd as u64)?;
    call.install(theirs, true)
}
