//! clock_gettime(2), clock_getres(2), gettimeofday(2), time(2),
//! nanosleep(2), clock_nanosleep(2).
//!
//! CLOCK_MONOTONIC counts from the kernel's first instruction (TSC);
//! CLOCK_REALTIME adds the offset read from the RTC at boot. Sleeps are
//! executor timers: the thread wakes at its own deadline, never from a
//! tick. A signal ends the sleep with the remaining time written back; it
//! resumes after a stop (restart_syscall) and is EINTR after a handler.
//! The CPU-time clocks (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
//! clock_getcpuclockid's ids) read the real accounting (`timer::cpu_clock`);
//! a sleep on a process's CPU clock is a CPU timer that wakes the sleeper,
//! a sleep on CLOCK_THREAD_CPUTIME_ID is EOPNOTSUPP and on the caller's
//! own thread clock by its id EINVAL, as on Linux.
//! clock_settime and settimeofday set CLOCK_REALTIME (the only settable
//! clock, as on Linux: EINVAL for the others),
//! within Linux's bounds (not before the monotonic clock, not past
//! TIME_SETTOD_SEC_MAX: EINVAL); absolute REALTIME sleeps follow the change
//! (`clock_set`). Deadlines saturate at KTIME_MAX.

use super::Call;
use crate::timer::cpu_clock;
use crate::errno::{Errno, SysResult};
use crate::mm::Mm;
use crate::signal::interruptible;
use crate::signal::restart::{self, RestartBlock};
use crate::abi::{Timespec, Timeval, Timezone};
use crate::uaccess::{self, UserPtr};

pub const CLOCK_REALTIME: u64 = 0;
pub const CLOCK_MONOTONIC: u64 = 1;
pub const CLOCK_MONOTONIC_RAW: u64 = 4;
pub const CLOCK_REALTIME_COARSE: u64 = 5;
pub const CLOCK_MONOTONIC_COARSE: u64 = 6;
pub const CLOCK_BOOTTIME: u64 = 7;
pub const CLOCK_REALTIME_ALARM: u64 = 8;
pub const CLOCK_BOOTTIME_ALARM: u64 = 9;
pub const CLOCK_TAI: u64 = 11;
const TIMER_ABSTIME: u64 = 1;

/// Reads a `struct timespec` as nanoseconds (EINVAL if malformed).
pub fn read_timespec(mm: &Mm, addr: u64) -> Result<u64, Errno> {
    // Linux's timespec64_to_ktime: anything past KTIME_MAX (about 292
    // years) is KTIME_MAX.
    let ts = UserPtr::<Timespec>::new(addr).read(mm)?;
    Ok(ts.to_ns().ok_or(Errno::EINVAL)?.min(KTIME_MAX))
}

/// The largest time Linux represents (ktime_t is a signed 64-bit count of
/// nanoseconds); values and deadlines saturate there.
pub const KTIME_MAX: u64 = i64::MAX as u64;

pub fn write_timespec(mm: &Mm, addr: u64, ns: i64) -> Result<(), Errno> {
    let ts = Timespec { tv_sec: ns.div_euclid(1_000_000_000), tv_nsec: ns.rem_euclid(1_000_000_000) };
    UserPtr::<Timespec>::new(addr).write(mm, &ts)
}

/// The current value of `clock` in ns, and whether it is realtime-based.
fn now(clock: u64) -> Result<(i64, bool), Errno> {
    Ok(match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_REALTIME_ALARM | CLOCK_TAI => (platform::time::realtime_ns(), true),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME | CLOCK_BOOTTIME_ALARM => {
            (platform::time::now_ns() as i64, false)
        }
        _ => return Err(Errno::EINVAL),
    })
}

fn mm(call: &Call<'_>) -> Result<alloc::sync::Arc<Mm>, Errno> {
    call.thread.process.mm().ok_or(Errno::EFAULT)
}

pub fn clock_gettime(call: &Call<'_>, clock: u64, tp: u64) -> SysResult {
    let ns = if cpu_clock::is_cpu_clock(clock) { cpu_clock::decode(call.thread, clock)?.now() as i64 } else { now(clock)?.0 };
    write_timespec(&*mm(call)?, tp, ns)?;
    Ok(0)
}

pub fn clock_getres(call: &Call<'_>, clock: u64, tp: u64) -> SysResult {
    if cpu_clock::is_cpu_clock(clock) {
        cpu_clock::decode(call.thread, clock)?;
    } else {
        now(clock)?;
    }
    if tp != 0 {
        let res = if matches!(clock, CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE) { 4_000_000 } else { 1 };
        write_timespec(&*mm(call)?, tp, res)?;
    }
    Ok(0)
}

pub fn gettimeofday(call: &Call<'_>, tv: UserPtr<Timeval>, tz: UserPtr<Timezone>) -> SysResult {
    let mm = mm(call)?;
    if !tv.is_null() {
        let ns = platform::time::realtime_ns();
        let t = Timeval { tv_sec: ns.div_euclid(1_000_000_000), tv_usec: ns.rem_euclid(1_000_000_000) / 1000 };
        tv.write(&mm, &t)?;
    }
    if !tz.is_null() {
        tz.write(&mm, &Timezone::default())?;
    }
    Ok(0)
}

pub fn time(call: &Call<'_>, t: u64) -> SysResult {
    let secs = platform::time::realtime_ns().div_euclid(1_000_000_000);
    if t != 0 {
        uaccess::write_u64(&*mm(call)?, t, secs as u64)?;
    }
    Ok(secs as u64)
}

/// Sleeps until monotonic `deadline`; on a signal, writes what was left
/// to `rem` (if given) and saves the deadline: after a stop and SIGCONT
/// the sleep goes on to the same deadline, after a handler it is EINTR
/// (Linux's hrtimer_nanosleep restart block).
async fn sleep_until(call: &Call<'_>, deadline: u64, rem: u64) -> SysResult {
    match interruptible(call.thread, crate::sched::sleep_until(deadline)).await {
        Ok(()) => Ok(0),
        Err(_) => {
            if rem != 0 {
                let left = deadline.saturating_sub(platform::time::now_ns());
                write_timespec(&*mm(call)?, rem, left as i64)?;
            }
            Err(restart::save(call.thread, RestartBlock::Sleep { deadline, realtime: false, rem }))
        }
    }
}

/// Sleeps until CLOCK_REALTIME reads `deadline`, following clock_settime.
async fn sleep_until_realtime(call: &Call<'_>, deadline: u64) -> SysResult {
    match interruptible(call.thread, crate::clock_set::sleep_until_realtime(deadline as i64, None)).await {
        Ok(_) => Ok(0),
        Err(_) => Err(restart::save(call.thread, RestartBlock::Sleep { deadline, realtime: true, rem: 0 })),
    }
}

/// restart_syscall of an interrupted sleep.
pub async fn resume_sleep(call: &Call<'_>, deadline: u64, realtime: bool, rem: u64) -> SysResult {
    if realtime {
        sleep_until_realtime(call, deadline).await
    } else {
        sleep_until(call, deadline, rem).await
    }
}

pub async fn nanosleep(call: &Call<'_>, req: u64, rem: u64) -> SysResult {
    let ns = read_timespec(&*mm(call)?, req)?;
    let deadline = platform::time::now_ns().saturating_add(ns);
    sleep_until(call, deadline, rem).await
}

pub async fn clock_nanosleep(call: &Call<'_>, clock: u64, flags: u64, req: u64, rem: u64) -> SysResult {
    if cpu_clock::is_cpu_clock(clock) {
        return cpu_sleep(call, clock, flags, req, rem).await;
    }
    let (now_ns, realtime) = now(clock).map_err(|_| Errno::EINVAL)?;
    // Linux's raw and coarse clocks have no nsleep: EOPNOTSUPP before the
    // request is even read.
    if matches!(clock, CLOCK_MONOTONIC_RAW | CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE) {
        return Err(Errno::EOPNOTSUPP);
    }
    let ns = read_timespec(&*mm(call)?, req)?;
    if flags & TIMER_ABSTIME != 0 {
        let _ = now_ns;
        if realtime {
            // Follows clock_settime: the deadline moves with the clock.
            return sleep_until_realtime(call, ns).await;
        }
        return sleep_until(call, ns, 0).await;
    }
    let deadline = platform::time::now_ns().saturating_add(ns);
    sleep_until(call, deadline, rem).await
}

/// clock_nanosleep on a CPU clock: a CPU timer on the measured process
/// wakes the sleeper.
async fn cpu_sleep(call: &Call<'_>, clock: u64, flags: u64, req: u64, rem: u64) -> SysResult {
    // CLOCK_THREAD_CPUTIME_ID has no sleep at all; the caller's own thread
    // clock by its id can't advance while it sleeps.
    if clock == cpu_clock::CLOCK_THREAD_CPUTIME_ID {
        return Err(Errno::EOPNOTSUPP);
    }
    let c = cpu_clock::decode(call.thread, clock)?;
    if let cpu_clock::Target::Thread(t) = &c.target {
        if alloc::sync::Arc::ptr_eq(t, call.thread) {
            return Err(Errno::EINVAL);
        }
    }
    let ns = read_timespec(&*mm(call)?, req)?;
    let relative = flags & TIMER_ABSTIME == 0;
    let expires = if relative { c.now().saturating_add(ns) } else { ns };
    cpu_sleep_until(call, clock, expires, if relative { rem } else { 0 }).await
}

/// restart_syscall of an interrupted CPU-clock sleep.
pub async fn resume_cpu_sleep(call: &Call<'_>, clock: u64, expires: u64, rem: u64) -> SysResult {
    cpu_sleep_until(call, clock, expires, rem).await
}

/// Sleeps until CPU clock `clock` reads `expires`; on a signal writes what
/// was left to `rem` (if given) and saves the deadline.
async fn cpu_sleep_until(call: &Call<'_>, clock: u64, expires: u64, rem: u64) -> SysResult {
    use crate::timer::cpu_timers::{self, Action, CpuTimer, Key};
    let c = cpu_clock::decode(call.thread, clock)?;
    if expires <= c.now() {
        return Ok(0);
    }
    let (p, thread) = c.owner();
    let woke = alloc::sync::Arc::new(executor::Event::new());
    let key = Key::Sleep(alloc::sync::Arc::as_ptr(&woke) as usize);
    cpu_timers::arm(&p, CpuTimer { key, which: c.which, thread, expires, interval: 0, action: Action::Wake(woke.clone()) });
    let r = interruptible(call.thread, woke.notified()).await;
    cpu_timers::disarm(&p, key);
    match r {
        Ok(()) => Ok(0),
        Err(_) => {
            if rem != 0 {
                write_timespec(&*mm(call)?, rem, expires.saturating_sub(c.now()) as i64)?;
            }
            Err(restart::save(call.thread, RestartBlock::CpuSleep { clock, expires, rem }))
        }
    }
}

pub fn clock_settime(call: &Call<'_>, clock: u64, tp: u64) -> SysResult {
    if clock != CLOCK_REALTIME {
        // The monotonic clocks, CPU-time clocks and unknown ids.
        return Err(Errno::EINVAL);
    }
    let ns = read_timespec(&*mm(call)?, tp)?;
    // As do_sys_settimeofday64: the time's range, then the privilege,
    // then the monotonic floor (`clock_set`).
    crate::clock_set::valid_settod(ns)?;
    if !call.thread.creds.lock().capable(CAP_SYS_TIME) {
        return Err(Errno::EPERM);
    }
    crate::clock_set::set_realtime(ns)
}

pub fn settimeofday(call: &Call<'_>, tv: UserPtr<Timeval>, tz: UserPtr<Timezone>) -> SysResult {
    let mm = mm(call)?;
    let ns = if !tv.is_null() {
        let ns = tv.read(&mm)?.to_ns().ok_or(Errno::EINVAL)?;
        crate::clock_set::valid_settod(ns)?;
        Some(ns)
    } else {
        None
    };
    let minuteswest = if !tz.is_null() {
        Some(tz.read(&mm)?.tz_minuteswest)
    } else {
        None
    };
    if !call.thread.creds.lock().capable(CAP_SYS_TIME) {
        return Err(Errno::EPERM);
    }
    // The timezone is obsolete; Linux validates (after the privilege
    // check) and keeps it.
    if minuteswest.is_some_and(|m| !(-15 * 60..=15 * 60).contains(&m)) {
        return Err(Errno::EINVAL);
    }
    match ns {
        Some(ns) => crate::clock_set::set_realtime(ns),
        None => Ok(0),
    }
}

/// CAP_SYS_TIME.
const CAP_SYS_TIME: u32 = 25;
