//! timer_create(2), timer_settime(2), timer_gettime(2),
//! timer_getoverrun(2), timer_delete(2). The timers are `timer::posix`.
//!
//! Linux's checks: the clock must support timers (EINVAL for an unknown
//! clock; MONOTONIC_RAW and the COARSE clocks have no timers: EOPNOTSUPP);
//! sigev_notify is SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD (which the
//! kernel treats as SIGEV_SIGNAL; libc runs the thread) or SIGEV_THREAD_ID
//! naming a thread of the caller's process; the signal must be valid.
//! A NULL sigevent means SIGEV_SIGNAL with SIGALRM and the timer id as
//! the value. Ids are per process, from 0 up.

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use super::time::{self, read_timespec, write_timespec};
use super::Call;
use crate::errno::{Errno, SysResult};
use crate::proc::pid;
use crate::timer::cpu_clock;
use crate::timer::posix::{Clock, Notify, PosixTimer};
use crate::abi::Sigevent;
use crate::uaccess::{self, UserPtr};

const SIGEV_SIGNAL: i32 = 0;
const SIGEV_NONE: i32 = 1;
const SIGEV_THREAD: i32 = 2;
const SIGEV_THREAD_ID: i32 = 4;
const TIMER_ABSTIME: u32 = 1;

fn mm(call: &Call<'_>) -> Result<Arc<crate::mm::Mm>, Errno> {
    call.thread.process.mm().ok_or(Errno::EFAULT)
}

fn lookup(call: &Call<'_>, id: i32) -> Result<Arc<PosixTimer>, Errno> {
    call.thread.process.posix_timers.lock().get(&id).cloned().ok_or(Errno::EINVAL)
}

pub fn timer_create(call: &Call<'_>, clock: u64, sevp: u64, out: u64) -> SysResult {
    let mm = mm(call)?;
    let clock = if cpu_clock::is_cpu_clock(clock) {
        Clock::Cpu(cpu_clock::decode(call.thread, clock)?)
    } else {
        match clock {
            time::CLOCK_REALTIME | time::CLOCK_REALTIME_ALARM | time::CLOCK_TAI => Clock::Wall { realtime: true },
            time::CLOCK_MONOTONIC | time::CLOCK_BOOTTIME | time::CLOCK_BOOTTIME_ALARM => Clock::Wall { realtime: false },
            time::CLOCK_MONOTONIC_RAW | time::CLOCK_REALTIME_COARSE | time::CLOCK_MONOTONIC_COARSE => return Err(Errno::EOPNOTSUPP),
            _ => return Err(Errno::EINVAL),
        }
    };
    let p = &call.thread.process;
    let id = p.next_timer_id.fetch_add(1, Ordering::Relaxed) as i32;
    let notify = if sevp == 0 {
        Notify::Signal { signo: crate::signal::SIGALRM, value: id as u64, thread: None }
    } else {
        let ev = UserPtr::<Sigevent>::new(sevp).read(&mm)?;
        let (value, signo, how, tid) = (ev.sigev_value, ev.sigev_signo, ev.sigev_notify, ev.sigev_notify_thread_id);
        let valid_sig = || super::signal::valid(signo as u32 as u64);
        match how {
            SIGEV_NONE => Notify::None,
            SIGEV_SIGNAL | SIGEV_THREAD => Notify::Signal { signo: valid_sig()?, value, thread: None },
            x if x == SIGEV_SIGNAL | SIGEV_THREAD_ID => {
                let t = pid::find_thread(tid as u32).filter(|t| Arc::ptr_eq(&t.process, p)).ok_or(Errno::EINVAL)?;
                Notify::Signal { signo: valid_sig()?, value, thread: Some(Arc::downgrade(&t)) }
            }
            _ => return Err(Errno::EINVAL),
        }
    };
    let timer = PosixTimer::new(id, p, clock, notify)?;
    uaccess::write_u32(&mm, out, id as u32)?;
    p.posix_timers.lock().insert(id, timer);
    Ok(0)
}

fn write_itimerspec(call: &Call<'_>, at: u64, (value, interval): (u64, u64)) -> Result<(), Errno> {
    let mm = mm(call)?;
    write_timespec(&mm, at, interval as i64)?;
    write_timespec(&mm, at + 16, value as i64)
}

pub fn timer_settime(call: &Call<'_>, id: i32, flags: u32, new: u64, old: u64) -> SysResult {
    // Linux refuses a NULL new value with EINVAL before copying anything.
    if new == 0 {
        return Err(Errno::EINVAL);
    }
    let mm = mm(call)?;
    let interval = read_timespec(&mm, new)?;
    let value = read_timespec(&mm, new + 16)?;
    let t = lookup(call, id)?;
    let expires = match value {
        0 => 0,
        v if flags & TIMER_ABSTIME != 0 => t.expiry_at(v),
        v => t.clock_now().saturating_add(v),
    };
    let prev = t.set(expires, interval);
    if old != 0 {
        write_itimerspec(call, old, prev)?;
    }
    Ok(0)
}

pub fn timer_gettime(call: &Call<'_>, id: i32, cur: u64) -> SysResult {
    let t = lookup(call, id)?;
    write_itimerspec(call, cur, t.get())?;
    Ok(0)
}

pub fn timer_getoverrun(call: &Call<'_>, id: i32) -> SysResult {
    Ok(lookup(call, id)?.last_overrun())
}

pub fn timer_delete(call: &Call<'_>, id: i32) -> SysResult {
    let t = call.thread.process.posix_timers.lock().remove(&id).ok_or(Errno::EINVAL)?;
    t.delete();
    Ok(0)
}

