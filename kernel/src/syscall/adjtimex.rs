//! adjtimex(2), clock_adjtime(2): the NTP kernel interface of a kernel
//! with no NTP discipline running, as Linux answers before ntpd or
//! chrony has touched it: status STA_UNSYNC (so the result is
//! TIME_ERROR), maxerror and esterror at NTP_PHASE_LIMIT (16 s), a
//! time constant of 2, tick 10000 µs (USER_HZ 100), precision 1 and
//! tolerance 500 ppm. Reading (modes 0, or ADJ_OFFSET_SS_READ) needs no
//! privilege; any change needs CAP_SYS_TIME (EPERM), with Linux's
//! validation first (a tick outside ±10%, a frequency that overflows, a
//! single-shot mode mixed with others, a bad ADJ_SETOFFSET time: EINVAL).
//!
//! The values set are kept and read back with Linux's rules (STA_RONLY
//! bits kept, ADJ_NANO/ADJ_MICRO units, the time constant +4 in microsecond
//! mode, the frequency clamped to ±500 ppm, maxerror growing by 500 µs a
//! second up to the limit, when STA_UNSYNC comes back). ADJ_SETOFFSET
//! steps CLOCK_REALTIME. Aramid does not slew the clock: an ADJ_OFFSET or
//! adjtime(3) correction is remembered and reported, not applied, and the
//! frequency does not change the clock's rate.
//!
//! clock_adjtime takes CLOCK_REALTIME; the other clocks cannot be
//! adjusted (EOPNOTSUPP) and an unknown clock is EINVAL.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::uaccess::UserPtr;

/// struct timex (x86-64, 208 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Timex {
    modes: u32,
    _pad0: u32,
    offset: i64,
    freq: i64,
    maxerror: i64,
    esterror: i64,
    status: i32,
    _pad1: u32,
    constant: i64,
    precision: i64,
    tolerance: i64,
    time_sec: i64,
    time_usec: i64,
    tick: i64,
    ppsfreq: i64,
    jitter: i64,
    shift: i32,
    _pad2: u32,
    stabil: i64,
    jitcnt: i64,
    calcnt: i64,
    errcnt: i64,
    stbcnt: i64,
    tai: i32,
    _reserved: [u32; 11],
}

const ADJ_OFFSET: u32 = 0x0001;
const ADJ_FREQUENCY: u32 = 0x0002;
const ADJ_MAXERROR: u32 = 0x0004;
const ADJ_ESTERROR: u32 = 0x0008;
const ADJ_STATUS: u32 = 0x0010;
const ADJ_TIMECONST: u32 = 0x0020;
const ADJ_TAI: u32 = 0x0080;
const ADJ_SETOFFSET: u32 = 0x0100;
const ADJ_MICRO: u32 = 0x1000;
const ADJ_NANO: u32 = 0x2000;
const ADJ_TICK: u32 = 0x4000;
const ADJ_ADJTIME: u32 = 0x8000;
const ADJ_OFFSET_SINGLESHOT: u32 = 0x8001;
const ADJ_OFFSET_READONLY: u32 = 0x2000;

const STA_PLL: i32 = 0x0001;
const STA_PPSFREQ: i32 = 0x0002;
const STA_PPSTIME: i32 = 0x0004;
const STA_UNSYNC: i32 = 0x0040;
const STA_PPSSIGNAL: i32 = 0x0100;
const STA_PPSJITTER: i32 = 0x0200;
const STA_PPSWANDER: i32 = 0x0400;
const STA_PPSERROR: i32 = 0x0800;
const STA_CLOCKERR: i32 = 0x1000;
const STA_NANO: i32 = 0x2000;
const STA_RONLY: i32 = 0xff00u32 as i32;

const TIME_OK: u64 = 0;
const TIME_ERROR: u64 = 5;
const NTP_PHASE_LIMIT: i64 = 16_000_000;
/// 500 ppm in the 2^-16 ppm unit of `freq` and `tolerance`.
const MAXFREQ_SCALED: i64 = 500 << 16;
const PPM_SCALE: i64 = 1 << 16;
const MAXTC: i64 = 10;
const MAX_TAI_OFFSET: i64 = 100_000;
/// ADJ_OFFSET's bound, in nanoseconds (Linux's MAXPHASE).
const MAXPHASE: i64 = 500_000_000;
const USER_HZ: i64 = 100;
const CAP_SYS_TIME: u32 = 25;
const CLOCK_REALTIME: i32 = 0;

/// The kept NTP state (Linux's time_status, time_maxerror, ...).
struct Ntp {
    status: i32,
    /// maxerror as last set, and when (monotonic seconds).
    maxerror: i64,
    maxerror_at: u64,
    esterror: i64,
    constant: i64,
    /// Frequency in 2^-16 ppm.
    freq: i64,
    /// ADJ_OFFSET's phase offset, in nanoseconds.
    offset: i64,
    /// adjtime(3)'s correction, in microseconds.
    adjust: i64,
    tick: i64,
    tai: i32,
}

static NTP: spin::Mutex<Ntp> = spin::Mutex::new(Ntp {
    status: STA_UNSYNC,
    maxerror: NTP_PHASE_LIMIT,
    maxerror_at: 0,
    esterror: NTP_PHASE_LIMIT,
    constant: 2,
    freq: 0,
    offset: 0,
    adjust: 0,
    tick: 1_000_000 / USER_HZ,
    tai: 0,
});

fn now_s() -> u64 {
    platform::time::now_ns() / 1_000_000_000
}

impl Ntp {
    /// Linux's second_overflow: maxerror grows by 500 µs a second; at the
    /// limit the clock is unsynchronized again.
    fn age(&mut self) {
        let now = now_s();
        let grown = self.maxerror.saturating_add(500 * now.saturating_sub(self.maxerror_at) as i64);
        self.maxerror_at = now;
        if grown > NTP_PHASE_LIMIT {
            self.maxerror = NTP_PHASE_LIMIT;
            self.status |= STA_UNSYNC;
        } else {
            self.maxerror = grown;
        }
    }
}

/// Linux's is_error_status.
fn is_error(s: i32) -> bool {
    s & (STA_UNSYNC | STA_CLOCKERR) != 0
        || (s & (STA_PPSFREQ | STA_PPSTIME) != 0 && s & STA_PPSSIGNAL == 0)
        || s & (STA_PPSTIME | STA_PPSJITTER) == (STA_PPSTIME | STA_PPSJITTER)
        || (s & STA_PPSFREQ != 0 && s & (STA_PPSWANDER | STA_PPSERROR) != 0)
}

/// Linux's timekeeping_validate_timex.
fn validate(call: &Call<'_>, t: &Timex) -> Result<(), Errno> {
    let cap = call.thread.creds.lock().capable(CAP_SYS_TIME);
    if t.modes & ADJ_ADJTIME != 0 {
        if t.modes & ADJ_OFFSET_SINGLESHOT != ADJ_OFFSET_SINGLESHOT {
            return Err(Errno::EINVAL);
        }
        if t.modes & ADJ_OFFSET_READONLY == 0 && !cap {
            return Err(Errno::EPERM);
        }
    } else {
        if t.modes != 0 && !cap {
            return Err(Errno::EPERM);
        }
        if t.modes & ADJ_TICK != 0 && !(900_000 / USER_HZ..=1_100_000 / USER_HZ).contains(&t.tick) {
            return Err(Errno::EINVAL);
        }
    }
    if t.modes & ADJ_SETOFFSET != 0 {
        if !cap {
            return Err(Errno::EPERM);
        }
        let limit = if t.modes & ADJ_NANO != 0 { 1_000_000_000 } else { 1_000_000 };
        if !(0..limit).contains(&t.time_usec) {
            return Err(Errno::EINVAL);
        }
    }
    if t.modes & ADJ_FREQUENCY != 0 && t.freq.checked_mul(PPM_SCALE).is_none() {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Linux's timekeeping_inject_offset: steps CLOCK_REALTIME by the time
/// in `t` (seconds and micro- or nanoseconds).
fn inject_offset(t: &Timex) -> Result<(), Errno> {
    let nsec = if t.modes & ADJ_NANO != 0 { t.time_usec } else { t.time_usec * 1000 };
    let delta = (t.time_sec as i128) * 1_000_000_000 + nsec as i128;
    let target = platform::time::realtime_ns() as i128 + delta;
    if !(0..=u64::MAX as i128).contains(&target) {
        return Err(Errno::EINVAL);
    }
    crate::clock_set::set_realtime(target as u64).map(|_| ())
}

/// Linux's do_adjtimex on `t`, filled in with the state; the clock state.
fn adjust(call: &Call<'_>, t: &mut Timex) -> SysResult {
    validate(call, t)?;
    if t.modes & ADJ_SETOFFSET != 0 {
        inject_offset(t)?;
    }
    let mut n = NTP.lock();
    n.age();
    if t.modes & ADJ_ADJTIME != 0 {
        let old = n.adjust;
        if t.modes & ADJ_OFFSET_READONLY == 0 {
            n.adjust = t.offset;
        }
        t.offset = old;
    } else {
        let m = t.modes;
        if m & ADJ_STATUS != 0 {
            n.status = (n.status & STA_RONLY) | (t.status & !STA_RONLY);
        }
        if m & ADJ_NANO != 0 {
            n.status |= STA_NANO;
        }
        if m & ADJ_MICRO != 0 {
            n.status &= !STA_NANO;
        }
        if m & ADJ_FREQUENCY != 0 {
            n.freq = t.freq.clamp(-MAXFREQ_SCALED, MAXFREQ_SCALED);
        }
        if m & ADJ_MAXERROR != 0 {
            n.maxerror = t.maxerror.clamp(0, NTP_PHASE_LIMIT);
            n.maxerror_at = now_s();
        }
        if m & ADJ_ESTERROR != 0 {
            n.esterror = t.esterror.clamp(0, NTP_PHASE_LIMIT);
        }
        if m & ADJ_TIMECONST != 0 {
            let c = if n.status & STA_NANO == 0 { t.constant.saturating_add(4) } else { t.constant };
            n.constant = c.clamp(0, MAXTC);
        }
        if m & ADJ_TAI != 0 && (0..=MAX_TAI_OFFSET).contains(&t.constant) {
            n.tai = t.constant as i32;
        }
        if m & ADJ_OFFSET != 0 && n.status & STA_PLL != 0 {
            let ns = if n.status & STA_NANO != 0 { t.offset } else { t.offset.saturating_mul(1000) };
            n.offset = ns.clamp(-MAXPHASE, MAXPHASE);
        }
        if m & ADJ_TICK != 0 {
            n.tick = t.tick;
        }
        t.offset = if n.status & STA_NANO != 0 { n.offset } else { n.offset / 1000 };
    }
    let result = if is_error(n.status) { TIME_ERROR } else { TIME_OK };
    t.freq = n.freq;
    t.maxerror = n.maxerror;
    t.esterror = n.esterror;
    t.status = n.status;
    t.constant = n.constant;
    t.precision = 1;
    t.tolerance = MAXFREQ_SCALED;
    t.tick = n.tick;
    t.tai = n.tai;
    t.ppsfreq = 0;
    t.jitter = 0;
    t.shift = 0;
    t.stabil = 0;
    t.jitcnt = 0;
    t.calcnt = 0;
    t.errcnt = 0;
    t.stbcnt = 0;
    let now = platform::time::realtime_ns();
    t.time_sec = now.div_euclid(1_000_000_000);
    let ns = now.rem_euclid(1_000_000_000);
    t.time_usec = if n.status & STA_NANO != 0 { ns } else { ns / 1000 };
    Ok(result)
}

pub fn adjtimex(call: &Call<'_>, buf: UserPtr<Timex>) -> SysResult {
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let mut t = buf.read(&mm)?;
    let r = adjust(call, &mut t)?;
    buf.write(&mm, &t)?;
    Ok(r)
}

pub fn clock_adjtime(call: &Call<'_>, clock: i32, buf: UserPtr<Timex>) -> SysResult {
    match clock {
        CLOCK_REALTIME => adjtimex(call, buf),
        1..=11 => Err(Errno::EOPNOTSUPP),
        _ => Err(Errno::EINVAL),
    }
}
