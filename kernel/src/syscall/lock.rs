//! File locks: fcntl(2) F_GETLK/F_SETLK/F_SETLKW (POSIX record locks, owned
//! by the process) and F_OFD_* (owned by the open file description), and
//! flock(2). The lock tables are the `fs` crate's; a blocked F_SETLKW or
//! flock waits, as a future, until some lock is released
//! ([`RELEASED`]; a signal ends the wait, restarted under SA_RESTART as on
//! Linux); a wait that would close a cycle of processes waiting for each
//! other's POSIX locks is EDEADLK instead. POSIX locks go when the process
//! closes any descriptor of the file or exits; OFD and flock locks when the
//! description closes ([`crate::file::locks`]).

use fs::lock::{lock_range, FlockKind, LockKind, LockOwner};
use fs::lock_waits::PosixWaits;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::locks::{description_id, RELEASED};
use crate::signal::interruptible;
use crate::abi::Flock;
use crate::uaccess::UserPtr;

/// Blocked F_SETLKW callers, for deadlock detection.
static WAITS: PosixWaits = PosixWaits::new();

/// A process's entry in [`WAITS`] while it sleeps; removed however the
/// wait ends (granted, EINTR, or the future dropped).
struct Waiting(u32, u32);

impl Drop for Waiting {
    fn drop(&mut self) {
        WAITS.done(self.0, self.1);
    }
}

const F_GETLK: u64 = 5;
const F_SETLK: u64 = 6;
const F_SETLKW: u64 = 7;
const F_OFD_GETLK: u64 = 36;
const F_OFD_SETLK: u64 = 37;
const F_OFD_SETLKW: u64 = 38;
const F_RDLCK: i16 = 0;
const F_WRLCK: i16 = 1;
const F_UNLCK: i16 = 2;

pub fn is_lock_cmd(cmd: u64) -> bool {
    matches!(cmd, F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW)
}

pub async fn fcntl_lock(call: &Call<'_>, fd: u64, cmd: u64, arg: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    let Some(f) = file.inode_file() else { return Err(Errno::EBADF) };
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let user = UserPtr::<Flock>::new(arg);
    let fl = user.read(&mm)?;
    let Flock { l_type, l_whence: whence, l_start: start, l_len: len, l_pid: pid, .. } = fl;
    let ofd = matches!(cmd, F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW);
    if ofd && pid != 0 {
        return Err(Errno::EINVAL);
    }
    let base = match whence {
        0 => 0i64,
        1 => *file.pos.lock() as i64,
        2 => f.loc.inode.metadata().size as i64,
        _ => return Err(Errno::EINVAL),
    };
    let (lo, hi) = lock_range(base.checked_add(start).ok_or(Errno::EOVERFLOW)?, len)?;
    let kind = match l_type {
        F_RDLCK => Some(LockKind::Read),
        F_WRLCK => Some(LockKind::Write),
        F_UNLCK => None,
        _ => return Err(Errno::EINVAL),
    };
    let owner = if ofd { LockOwner::Ofd(description_id(&file)) } else { LockOwner::Process(call.thread.process.pid) };
    let locks = f.loc.inode.file_locks();
    if matches!(cmd, F_GETLK | F_OFD_GETLK) {
        let Some(k) = kind else { return Err(Errno::EINVAL) };
        let out = match locks.test(owner, k, lo, hi) {
            None => Flock { l_type: F_UNLCK, ..fl },
            Some(c) => Flock {
                l_type: if c.kind == LockKind::Read { F_RDLCK } else { F_WRLCK },
                l_whence: 0,
                l_start: c.start as i64,
                l_len: c.len() as i64,
                l_pid: c.pid(),
                ..fl
            },
        };
        user.write(&mm, &out)?;
        return Ok(0);
    }
    match kind {
        Some(LockKind::Read) if !file.readable() => return Err(Errno::EBADF),
        Some(LockKind::Write) if !file.writable() => return Err(Errno::EBADF),
        _ => {}
    }
    let wait = matches!(cmd, F_SETLKW | F_OFD_SETLKW);
    loop {
        let gen = locks.generation();
        match locks.set(owner, kind, lo, hi) {
            Ok(()) => {
                if kind.is_none() {
                    RELEASED.wake_all();
                }
                return Ok(0);
            }
            Err(_) if !wait => return Err(Errno::EAGAIN),
            Err(c) => {
                // Only process-owned locks take part in deadlock detection.
                let _waiting = match (owner, c.owner) {
                    (LockOwner::Process(me), LockOwner::Process(holder)) => {
                        WAITS.start(me, holder)?;
                        Some(Waiting(me, holder))
                    }
                    _ => None,
                };
                interruptible(call.thread, RELEASED.wait_until(|| locks.generation() != gen)).await?;
            }
        }
    }
}

const LOCK_SH: u64 = 1;
const LOCK_EX: u64 = 2;
const LOCK_NB: u64 = 4;
const LOCK_UN: u64 = 8;

pub async fn flock(call: &Call<'_>, fd: u64, op: u64) -> SysResult {
    let file = call.thread.process.files().lock().get(fd)?;
    let Some(f) = file.inode_file() else { return Err(Errno::EINVAL) };
    // An O_PATH descriptor has no file operations: flock is EBADF.
    if file.status() & fs::flags::O_PATH != 0 {
        return Err(Errno::EBADF);
    }
    let kind = match op & !LOCK_NB {
        LOCK_SH => Some(FlockKind::Shared),
        LOCK_EX => Some(FlockKind::Exclusive),
        LOCK_UN => None,
        _ => return Err(Errno::EINVAL),
    };
    let locks = f.loc.inode.file_locks();
    loop {
        let gen = locks.generation();
        match locks.flock(description_id(&file), kind) {
            Ok(()) => {
                RELEASED.wake_all();
                return Ok(0);
            }
            Err(e) if e == fs::Errno::EWOULDBLOCK && op & LOCK_NB == 0 => {
                interruptible(call.thread, RELEASED.wait_until(|| locks.generation() != gen)).await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
}
