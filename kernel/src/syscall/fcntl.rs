//! fcntl(2) (descriptor flags, status flags, duplication, pipe sizes,
//! memfd seals), dup(2), dup2(2), dup3(2). The record-lock commands are
//! [`super::lock`].

use core::sync::atomic::Ordering;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::{O_ASYNC, O_CLOEXEC, SETFL_MASK};

const F_DUPFD: u64 = 0;
const F_GETFD: u64 = 1;
const F_SETFD: u64 = 2;
const F_GETFL: u64 = 3;
const F_SETFL: u64 = 4;
const F_DUPFD_CLOEXEC: u64 = 1030;
const FD_CLOEXEC: u64 = 1;
const F_SETPIPE_SZ: u64 = 1031;
const F_GETPIPE_SZ: u64 = 1032;
const F_ADD_SEALS: u64 = 1033;
const F_GET_SEALS: u64 = 1034;

fn nofile(call: &Call<'_>) -> usize {
    call.thread.process.limits.lock().0[crate::proc::limits::RLIMIT_NOFILE].0.min(1 << 20) as usize
}

pub fn fcntl(call: &Call<'_>, fd: u64, cmd: u64, arg: u64) -> SysResult {
    let limit = nofile(call);
    let files = call.thread.process.files();
    let mut t = files.lock();
    // An O_PATH descriptor answers only these (Linux's check_fcntl_cmd).
    if !matches!(cmd, F_DUPFD | F_DUPFD_CLOEXEC | F_GETFD | F_SETFD | F_GETFL) {
        t.get(fd)?;
    }
    match cmd {
        // The minimum is an int: Linux uses the argument's low 32 bits
        // (a negative one is far above any limit, so EINVAL).
        F_DUPFD | F_DUPFD_CLOEXEC => Ok(t.dup_min(fd, arg as u32 as u64, cmd == F_DUPFD_CLOEXEC, limit)? as u64),
        F_GETFD => Ok(if t.cloexec(fd)? { FD_CLOEXEC } else { 0 }),
        F_SETFD => {
            t.set_cloexec(fd, arg & FD_CLOEXEC != 0)?;
            Ok(0)
        }
        F_GETFL => Ok(t.get_raw(fd)?.flags.load(Ordering::Relaxed) as u64),
        F_SETFL => {
            let f = t.get(fd)?;
            let old = f.flags.load(Ordering::Relaxed);
            let mut new = arg as u32 & SETFL_MASK;
            // Without an fasync method O_ASYNC does not stick (Linux).
            if !f.has_fasync() {
                new = (new & !O_ASYNC) | (old & O_ASYNC);
            }
            f.flags.store((old & !SETFL_MASK) | new, Ordering::Relaxed);
            Ok(0)
        }
        F_SETPIPE_SZ | F_GETPIPE_SZ => {
            let f = t.get(fd)?;
            let end = f.downcast::<crate::file::pipe::PipeEnd>().ok_or(Errno::EBADF)?;
            if cmd == F_GETPIPE_SZ {
                Ok(end.pipe.capacity() as u64)
            } else {
                Ok(end.pipe.set_capacity(arg as u32)? as u64)
            }
        }
        // Seals of a memfd (any tmpfs file has a set; others EINVAL).
        F_ADD_SEALS | F_GET_SEALS => {
            let f = t.get(fd)?;
            drop(t);
            let inode = f.inode_file().map(|i| i.loc.inode.clone()).ok_or(Errno::EINVAL)?;
            let seals = inode.seals().ok_or(Errno::EINVAL)?;
            if cmd == F_GET_SEALS {
                return Ok(seals.get() as u64);
            }
            if !f.writable() {
                return Err(Errno::EPERM);
            }
            let m = inode.metadata();
            let id = fs::pages::FileId { dev: m.dev, ino: m.ino };
            seals.add(arg as u32, &|| crate::file::memfd::writably_mapped(id))?;
            Ok(0)
        }
        _ => {
            t.get(fd)?;
            Err(Errno::EINVAL)
        }
    }
}

pub fn dup(call: &Call<'_>, fd: u64) -> SysResult {
    let limit = nofile(call);
    Ok(call.thread.process.files().lock().dup_min(fd, 0, false, limit).map_err(|e| if e == Errno::EINVAL { Errno::EMFILE } else { e })? as u64)
}

pub fn dup2(call: &Call<'_>, fd: u64, newfd: u64) -> SysResult {
    let limit = nofile(call);
    let files = call.thread.process.files();
    let mut t = files.lock();
    if fd == newfd {
        t.get_raw(fd)?;
        return Ok(newfd);
    }
    Ok(t.dup_to(fd, newfd, false, limit)? as u64)
}

pub fn dup3(call: &Call<'_>, fd: u64, newfd: u64, flags: u64) -> SysResult {
    if flags & !(O_CLOEXEC as u64) != 0 || fd == newfd {
        return Err(Errno::EINVAL);
    }
    let limit = nofile(call);
    Ok(call.thread.process.files().lock().dup_to(fd, newfd, flags != 0, limit)? as u64)
}

const CLOSE_RANGE_UNSHARE: u32 = 1 << 1;
const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;

/// close_range(2): closes (or marks close-on-exec) every descriptor in
/// `first..=last`; CLOSE_RANGE_UNSHARE first gives the process its own
/// table.
pub fn close_range(call: &Call<'_>, first: u32, last: u32, flags: u32) -> SysResult {
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(Errno::EINVAL);
    }
    if flags & CLOSE_RANGE_UNSHARE != 0 {
        call.thread.process.unshare_files();
    }
    let files = call.thread.process.files();
    let mut t = files.lock();
    let end = (last as u64).min(t.len() as u64 + 1);
    for fd in first as u64..=end {
        if flags & CLOSE_RANGE_CLOEXEC != 0 {
            let _ = t.set_cloexec(fd, true);
        } else {
            let _ = t.close(fd);
        }
    }
    Ok(0)
}
