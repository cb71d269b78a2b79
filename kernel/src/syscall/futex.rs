//! futex(2): WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE, CMP_REQUEUE,
//! WAKE_OP, with FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME. Waits are
//! futures (see [`crate::futex`]); a signal ends them: an untimed wait is
//! restarted under SA_RESTART, a timed one resumes after a stop and is
//! EINTR after a handler ([`wait`]); time-outs are executor timers.
//! Stub: the priority-inheritance operations answer ENOSYS, as a kernel
//! built without CONFIG_FUTEX_PI does; glibc only uses them for
//! PTHREAD_PRIO_INHERIT mutexes.

use super::time::read_timespec;
use super::Call;
use crate::errno::{Errno, SysResult};
use crate::futex;
use crate::signal::interruptible;
use crate::signal::restart::{self, RestartBlock};

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_REQUEUE: u64 = 3;
const FUTEX_CMP_REQUEUE: u64 = 4;
const FUTEX_WAKE_OP: u64 = 5;
const FUTEX_LOCK_PI: u64 = 6;
const FUTEX_UNLOCK_PI: u64 = 7;
const FUTEX_TRYLOCK_PI: u64 = 8;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;
const FUTEX_WAIT_REQUEUE_PI: u64 = 11;
const FUTEX_CMP_REQUEUE_PI: u64 = 12;
const FUTEX_LOCK_PI2: u64 = 13;
const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;

pub async fn futex(call: &Call<'_>, uaddr: u64, op: u64, val: u64, timeout: u64, uaddr2: u64, val3: u64) -> SysResult {
    let private = op & FUTEX_PRIVATE_FLAG != 0;
    let realtime = op & FUTEX_CLOCK_REALTIME != 0;
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    // Only the absolute waits take a clock (FUTEX_WAIT's time-out is
    // relative: ENOSYS, as Linux's futex_init_timeout path).
    if realtime && !matches!(cmd, FUTEX_WAIT_BITSET | FUTEX_WAIT_REQUEUE_PI | FUTEX_LOCK_PI2) {
        return Err(Errno::ENOSYS);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if cmd == FUTEX_WAIT { u32::MAX } else { val3 as u32 };
            let deadline = if timeout != 0 {
                let ns = read_timespec(&mm, timeout)?;
                Some(if cmd == FUTEX_WAIT {
                    platform::time::now_ns().saturating_add(ns)
                } else if realtime {
                    crate::clock_set::mono_deadline(ns as i64)
                } else {
                    ns
                })
            } else {
                None
            };
            wait(call, &mm, uaddr, val as u32, bitset, private, deadline).await
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE { u32::MAX } else { val3 as u32 };
            let key = futex::key(&mm, uaddr, private)?;
            Ok(futex::wake(key, wake_count(val), bitset)? as u64)
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            let from = futex::key(&mm, uaddr, private)?;
            let to = futex::key(&mm, uaddr2, private)?;
            let n_requeue = timeout as u32 as usize; // val2 travels in the timeout slot
            let check = (cmd == FUTEX_CMP_REQUEUE).then_some((uaddr, val3 as u32));
            if (val as i32) < 0 || (n_requeue as i32) < 0 {
                return Err(Errno::EINVAL);
            }
            Ok(futex::requeue(&mm, from, to, val as u32 as usize, n_requeue, check)? as u64)
        }
        FUTEX_WAKE_OP => wake_op(&mm, uaddr, val as u32, timeout as u32, uaddr2, val3 as u32, private),
        FUTEX_LOCK_PI | FUTEX_UNLOCK_PI | FUTEX_TRYLOCK_PI | FUTEX_WAIT_REQUEUE_PI | FUTEX_CMP_REQUEUE_PI | FUTEX_LOCK_PI2 => {
            Err(Errno::ENOSYS)
        }
        _ => Err(Errno::ENOSYS),
    }
}

/// A futex wait on `uaddr` while it holds `val`, until woken through
/// `bitset` or the monotonic `deadline`. A signal ends it: a wait with a
/// deadline saves it and resumes after a stop (restart_syscall; EINTR after
/// a handler), one without is restarted under SA_RESTART (Linux's
/// futex_wait and futex_wait_restart).
pub async fn wait(call: &Call<'_>, mm: &alloc::sync::Arc<crate::mm::Mm>, uaddr: u64, val: u32, bitset: u32, private: bool, deadline: Option<u64>) -> SysResult {
    let key = futex::key(mm, uaddr, private)?;
    let mut wait = futex::wait(mm, key, uaddr, val, bitset)?;
    let woken = interruptible(call.thread, async {
        match deadline {
            Some(d) => crate::sched::timeout(d, &mut wait).await.is_ok(),
            None => {
                (&mut wait).await;
                true
            }
        }
    })
    .await;
    // A wake that picked this waiter wins over a time-out or a signal
    // that came at the same moment (Linux's futex_wait).
    if wait.finish() {
        return Ok(0);
    }
    match (woken, deadline) {
        (Ok(true), _) => Ok(0),
        (Ok(false), _) => Err(Errno::ETIMEDOUT),
        (Err(_), Some(deadline)) => Err(restart::save(call.thread, RestartBlock::Futex { uaddr, val, bitset, private, deadline })),
        (Err(e), None) => Err(e),
    }
}

/// How many waiters a wake count lets FUTEX_WAKE and FUTEX_WAKE_OP wake:
/// Linux's loop wakes a waiter before it compares against the count (an
/// `int`), so 0 and negative counts wake one.
fn wake_count(val: u64) -> usize {
    (val as u32 as i32).max(1) as usize
}

/// FUTEX_WAKE_OP: atomically `*uaddr2 = *uaddr2 OP oparg`, wake `n1` on
/// uaddr, and if the old value passes CMP, wake `n2` on uaddr2.
fn wake_op(mm: &alloc::sync::Arc<crate::mm::Mm>, uaddr: u64, n1: u32, n2: u32, uaddr2: u64, encoded: u32, private: bool) -> SysResult {
    let op = (encoded >> 28) & 0x7;
    let shift = encoded & (8 << 28) != 0;
    let cmp = (encoded >> 24) & 0xf;
    // oparg and cmparg are sign-extended 12-bit numbers; a shift count
    // outside 0..=31 is masked (Linux warns and carries on).
    let sext = |v: u32| ((v << 20) as i32 >> 20) as u32;
    let mut oparg = sext((encoded >> 12) & 0xfff);
    let cmparg = sext(encoded & 0xfff);
    if shift {
        oparg = 1 << (oparg & 31);
    }
    let k1 = futex::key(mm, uaddr, private)?;
    let k2 = futex::key(mm, uaddr2, private)?;
    let old = futex::with_table_locked(|| -> Result<u32, Errno> {
        for _ in 0..1000 {
            let old = crate::uaccess::read_u32(mm, uaddr2)?;
            let new = match op {
                0 => oparg,
                1 => old.wrapping_add(oparg),
                2 => old | oparg,
                3 => old & !oparg,
                4 => old ^ oparg,
                _ => return Err(Errno::ENOSYS),
            };
            match platform::user::copy::cmpxchg_user_u32(uaddr2, old, new) {
                Ok(found) if found == old => return Ok(old),
                Ok(_) => continue,
                Err(f) => mm.handle_fault(f.addr, true, false).map_err(|_| Errno::EFAULT)?,
            }
        }
        Err(Errno::EAGAIN)
    })?;
    let pass = match cmp {
        0 => old == cmparg,
        1 => old != cmparg,
        2 => (old as i32) < cmparg as i32,
        3 => (old as i32) <= cmparg as i32,
        4 => (old as i32) > cmparg as i32,
        5 => (old as i32) >= cmparg as i32,
        _ => return Err(Errno::ENOSYS),
    };
    let mut woken = futex::wake(k1, wake_count(n1 as u64), u32::MAX)?;
    if pass {
        woken += futex::wake(k2, wake_count(n2 as u64), u32::MAX)?;
    }
    Ok(woken as u64)
}
