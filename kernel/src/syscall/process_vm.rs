//! process_vm_readv(2) and process_vm_writev(2): copying between the
//! caller's memory and another process's, without going through a pipe or
//! ptrace.
//!
//! Linux's order (mm/process_vm_access.c): flags must be 0 (EINVAL); the
//! local iovec array is read (EINVAL past IOV_MAX or a negative length,
//! EFAULT); an empty local list returns 0; the remote array is read
//! (same errors); remote segments all of length 0 return 0 before the PID
//! is even looked up; then the process (ESRCH, also for one without
//! memory) and PTRACE_MODE_ATTACH_REALCREDS access (EPERM) — a process in
//! the same address space may always. The copy walks the remote segments
//! page by page into the local ones; a remote page that cannot be read
//! (or, for writev, written: no FOLL_FORCE) ends it, as does a local fault:
//! the bytes moved until then are the answer, EFAULT if there are none.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::Call;
use crate::abi::fs::Iovec;
use crate::errno::{Errno, SysResult};
use crate::mm::Mm;
use crate::proc::access::{may_access, Mode};
use crate::proc::pid;
use crate::uaccess::{read_bytes, write_bytes, UserPtr};

const UIO_MAXIOV: u64 = 1024;
const PAGE: u64 = 4096;

/// An iovec array as (base, length) pairs (import_iovec / iovec_from_user).
fn segments(mm: &Mm, addr: u64, cnt: u64) -> Result<Vec<(u64, u64)>, Errno> {
    if cnt > UIO_MAXIOV {
        return Err(Errno::EINVAL);
    }
    let raw = UserPtr::<Iovec>::new(addr).read_array(mm, cnt as usize)?;
    if raw.iter().any(|v| v.iov_len > isize::MAX as u64) {
        return Err(Errno::EINVAL);
    }
    Ok(raw.iter().map(|v| (v.iov_base, v.iov_len)).collect())
}

/// The local side: a cursor over the caller's segments.
struct Cursor {
    segs: Vec<(u64, u64)>,
    i: usize,
    off: u64,
}

impl Cursor {
    fn left(&self) -> bool {
        self.segs[self.i..].iter().enumerate().any(|(k, s)| s.1 > if k == 0 { self.off } else { 0 })
    }

    /// Moves `buf` to (write: from) the local segments through `f`;
    /// returns how many bytes moved before the end or a fault.
    fn transfer(&mut self, buf: &mut [u8], mut f: impl FnMut(u64, &mut [u8]) -> Result<(), Errno>) -> (usize, bool) {
        let mut done = 0;
        while done < buf.len() && self.i < self.segs.len() {
            let (base, len) = self.segs[self.i];
            let n = (len - self.off).min((buf.len() - done) as u64) as usize;
            if n > 0 {
                if f(base + self.off, &mut buf[done..done + n]).is_err() {
                    return (done, true);
                }
                done += n;
                self.off += n as u64;
            }
            if self.off == len {
                self.i += 1;
                self.off = 0;
            }
        }
        (done, false)
    }
}

/// `local` and `remote`: each iovec array's address and length.
fn rw(call: &Call<'_>, id: i32, local: (u64, u64), remote: (u64, u64), flags: u64, write: bool) -> SysResult {
    let ((lvec, lcnt), (rvec, rcnt)) = (local, remote);
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let mine = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let local = segments(&mine, lvec, lcnt)?;
    let total: u64 = local.iter().map(|s| s.1).fold(0, u64::saturating_add);
    if total == 0 {
        return Ok(0);
    }
    let remote = segments(&mine, rvec, rcnt)?;
    if remote.iter().all(|s| s.1 == 0) {
        return Ok(0);
    }
    let p = if id > 0 { pid::find(id as u32).or_else(|| pid::find_thread(id as u32).map(|t| t.process.clone())) } else { None };
    let p = p.ok_or(Errno::ESRCH)?;
    let theirs = p.mm().ok_or(Errno::ESRCH)?;
    if !Arc::ptr_eq(&theirs, &mine) && !may_access(call.thread, &p, Mode::RealCreds) {
        return Err(Errno::EPERM);
    }
    let mut cursor = Cursor { segs: local, i: 0, off: 0 };
    let mut moved: u64 = 0;
    let mut buf = alloc::vec![0u8; PAGE as usize];
    let mut failed = false;
    'outer: for &(base, len) in &remote {
        let mut at = base;
        let end = base.saturating_add(len);
        while at < end {
            if !cursor.left() {
                break 'outer;
            }
            let n = ((at | (PAGE - 1)) + 1 - at).min(end - at) as usize;
            let chunk = &mut buf[..n];
            let (done, fault) = if write {
                let (got, fault) = cursor.transfer(chunk, |a, b| read_bytes(&mine, a, b));
                if got > 0 && write_bytes(&theirs, at, &chunk[..got]).is_err() {
                    failed = true;
                    break 'outer;
                }
                (got, fault)
            } else {
                if read_bytes(&theirs, at, chunk).is_err() {
                    failed = true;
                    break 'outer;
                }
                cursor.transfer(chunk, |a, b| write_bytes(&mine, a, b))
            };
            moved += done as u64;
            at += done as u64;
            if fault {
                failed = true;
                break 'outer;
            }
            if done < n {
                break 'outer;
            }
        }
    }
    // Leave the caller's address space current, not the target's.
    mine.activate();
    match moved {
        0 if failed => Err(Errno::EFAULT),
        n => Ok(n),
    }
}

pub fn process_vm_readv(call: &Call<'_>, id: i32, lvec: u64, lcnt: u64, rvec: u64, rcnt: u64, flags: u64) -> SysResult {
    rw(call, id, (lvec, lcnt), (rvec, rcnt), flags, false)
}

pub fn process_vm_writev(call: &Call<'_>, id: i32, lvec: u64, lcnt: u64, rvec: u64, rcnt: u64, flags: u64) -> SysResult {
    rw(call, id, (lvec, lcnt), (rvec, rcnt), flags, true)
}
