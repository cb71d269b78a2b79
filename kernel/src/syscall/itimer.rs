//! alarm(2), setitimer(2), getitimer(2): the process's three interval
//! timers. ITIMER_REAL delivers SIGALRM; it lives in `timer::real`.
//! ITIMER_VIRTUAL (user CPU time, SIGVTALRM) and
//! ITIMER_PROF (user and system CPU time, SIGPROF) are CPU-time timers of
//! `timer::cpu_timers`, counted over all the process's threads.

use alloc::sync::Arc;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::proc::Process;
use crate::timer::cpu_clock::Which;
use crate::timer::cpu_timers::{self, Action, CpuTimer, Key};
use crate::timer::real;
use crate::abi::{Itimerval, Timeval};
use crate::uaccess::UserPtr;

pub fn alarm(call: &Call<'_>, seconds: u64) -> SysResult {
    let old = real::arm(&call.thread.process, (seconds as u32 as u64) * 1_000_000_000, 0);
    // Linux rounds the remainder to the nearest second, and never reports 0
    // for a pending alarm (a stopped periodic timer reads 0).
    Ok(old.map_or(0, |(left, _)| if left == 0 { 0 } else { ((left + 500_000_000) / 1_000_000_000).max(1) }))
}

fn write_itimerval(call: &Call<'_>, at: UserPtr<Itimerval>, cur: Option<(u64, u64)>) -> Result<(), Errno> {
    let (value, interval) = cur.unwrap_or((0, 0));
    let v = Itimerval { it_interval: Timeval::from_ns(interval), it_value: Timeval::from_ns(value) };
    at.write(&*call.thread.process.mm().ok_or(Errno::EFAULT)?, &v)
}

const ITIMER_REAL: u64 = 0;
const ITIMER_VIRTUAL: u64 = 1;
const ITIMER_PROF: u64 = 2;

/// The CPU timer behind ITIMER_VIRTUAL or ITIMER_PROF.
fn cpu_key(which: u64) -> (Key, Which, u32) {
    if which == ITIMER_VIRTUAL {
        (Key::ItimerVirtual, Which::Virt, crate::signal::SIGVTALRM)
    } else {
        (Key::ItimerProf, Which::Prof, crate::signal::SIGPROF)
    }
}

/// Arms (value > 0) or disarms a CPU-time itimer; returns the old setting.
fn arm_cpu(p: &Arc<Process>, which: u64, value: u64, interval: u64) -> Option<(u64, u64)> {
    let (key, clock, sig) = cpu_key(which);
    let old = cpu_timers::disarm(p, key);
    if value > 0 {
        let now = crate::timer::cpu_clock::pick(clock, p.own_times());
        cpu_timers::arm(p, CpuTimer { key, which: clock, thread: None, expires: now.saturating_add(value), interval, action: Action::Signal(sig) });
    }
    old
}

pub fn setitimer(call: &Call<'_>, which: u64, new: UserPtr<Itimerval>, old: UserPtr<Itimerval>) -> SysResult {
    if which > ITIMER_PROF {
        return Err(Errno::EINVAL);
    }
    let (value, interval) = if !new.is_null() {
        let v = new.read(&*call.thread.process.mm().ok_or(Errno::EFAULT)?)?;
        (v.it_value.to_ns().ok_or(Errno::EINVAL)?, v.it_interval.to_ns().ok_or(Errno::EINVAL)?)
    } else {
        (0, 0)
    };
    let prev = if which == ITIMER_REAL {
        real::arm(&call.thread.process, value, interval)
    } else {
        arm_cpu(&call.thread.process, which, value, interval)
    };
    if !old.is_null() {
        write_itimerval(call, old, prev)?;
    }
    Ok(0)
}

pub fn getitimer(call: &Call<'_>, which: u64, cur: UserPtr<Itimerval>) -> SysResult {
    if which > 2 {
        return Err(Errno::EINVAL);
    }
    let v = if which == ITIMER_REAL {
        real::get(&call.thread.process)
    } else {
        cpu_timers::get(&call.thread.process, cpu_key(which).0)
    };
    write_itimerval(call, cur, v)?;
    Ok(0)
}
