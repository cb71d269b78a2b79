//! timerfd_create(2), timerfd_settime(2), timerfd_gettime(2) on
//! CLOCK_MONOTONIC, CLOCK_BOOTTIME and CLOCK_REALTIME (and their _ALARM
//! forms), relative or TFD_TIMER_ABSTIME, with intervals and overrun
//! counts. Absolute REALTIME timers follow clock_settime, and with
//! TFD_TIMER_CANCEL_ON_SET report it (ECANCELED; see `file::timerfd`).

use alloc::sync::Arc;

use super::time::{read_timespec, write_timespec};
use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::timerfd::{First, TimerFd};
use crate::file::{File, O_CLOEXEC, O_NONBLOCK, O_RDWR};

const TFD_TIMER_ABSTIME: u32 = 1;
const TFD_TIMER_CANCEL_ON_SET: u32 = 2;

pub fn timerfd_create(call: &Call<'_>, clock: u64, flags: u32) -> SysResult {
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let realtime = match clock {
        0 | 8 => true,      // REALTIME, REALTIME_ALARM
        1 | 7 | 9 => false, // MONOTONIC, BOOTTIME, BOOTTIME_ALARM
        _ => return Err(Errno::EINVAL),
    };
    let file = Arc::new(File::new(TimerFd::new(realtime), O_RDWR | (flags & O_NONBLOCK)));
    let limit = call.thread.process.limits.lock().0[crate::proc::limits::RLIMIT_NOFILE].0.min(1 << 20) as usize;
    Ok(call.thread.process.files().lock().install(file, flags & O_CLOEXEC != 0, limit)? as u64)
}

fn timer_of(call: &Call<'_>, fd: u64) -> Result<Arc<TimerFd>, Errno> {
    let file = call.thread.process.files().lock().get(fd)?;
    file.downcast::<Arc<TimerFd>>().cloned().ok_or(Errno::EINVAL)
}

fn write_itimerspec(call: &Call<'_>, at: u64, (value, interval): (u64, u64)) -> Result<(), Errno> {
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    write_timespec(&mm, at, interval as i64)?;
    write_timespec(&mm, at + 16, value as i64)
}

pub fn timerfd_settime(call: &Call<'_>, fd: u64, flags: u32, new: u64, old: u64) -> SysResult {
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0 {
        return Err(Errno::EINVAL);
    }
    let t = timer_of(call, fd)?;
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let interval = read_timespec(&mm, new)?;
    let value = read_timespec(&mm, new + 16)?;
    let first = if value == 0 {
        None
    } else if flags & TFD_TIMER_ABSTIME != 0 && t.realtime {
        Some(First::Realtime { at: value.min(i64::MAX as u64) as i64, cancel_on_set: flags & TFD_TIMER_CANCEL_ON_SET != 0 })
    } else if flags & TFD_TIMER_ABSTIME != 0 {
        Some(First::Monotonic(value))
    } else {
        // As Linux's ktime_add_safe: the deadline saturates at KTIME_MAX.
        Some(First::Monotonic(platform::time::now_ns().saturating_add(value).min(super::time::KTIME_MAX)))
    };
    let prev = t.set(first, interval);
    if old != 0 {
        write_itimerspec(call, old, prev)?;
    }
    Ok(0)
}

pub fn timerfd_gettime(call: &Call<'_>, fd: u64, cur: u64) -> SysResult {
    let t = timer_of(call, fd)?;
    write_itimerspec(call, cur, t.get())?;
    Ok(0)
}
