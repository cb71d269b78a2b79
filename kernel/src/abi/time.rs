//! Time structures: `struct timespec`, `struct timeval`, `struct
//! itimerspec`, `struct itimerval`, `struct tms` (time.h, sys/times.h).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

const NS: u64 = 1_000_000_000;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

impl Timespec {
    /// The time in nanoseconds, or None if malformed (a negative field or
    /// tv_nsec past a second, Linux's timespec64_valid); saturates.
    pub fn to_ns(self) -> Option<u64> {
        if self.tv_sec < 0 || !(0..NS as i64).contains(&self.tv_nsec) {
            return None;
        }
        Some((self.tv_sec as u64).saturating_mul(NS).saturating_add(self.tv_nsec as u64))
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Timeval {
    pub tv_sec: i64,
    pub tv_usec: i64,
}

impl Timeval {
    pub fn from_ns(ns: u64) -> Timeval {
        Timeval { tv_sec: (ns / NS) as i64, tv_usec: ((ns % NS) / 1000) as i64 }
    }

    /// Nanoseconds, or None if malformed (negative, or tv_usec past a
    /// second); saturates.
    pub fn to_ns(self) -> Option<u64> {
        if self.tv_sec < 0 || !(0..1_000_000).contains(&self.tv_usec) {
            return None;
        }
        Some((self.tv_sec as u64).saturating_mul(NS).saturating_add(self.tv_usec as u64 * 1000))
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Itimerspec {
    pub it_interval: Timespec,
    pub it_value: Timespec,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Itimerval {
    pub it_interval: Timeval,
    pub it_value: Timeval,
}

/// `struct tms`, in clock ticks.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Tms {
    pub tms_utime: i64,
    pub tms_stime: i64,
    pub tms_cutime: i64,
    pub tms_cstime: i64,
}

/// `struct sigevent` (timer_create): the value, the signal, how to notify
/// and, for SIGEV_THREAD_ID, the thread.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Sigevent {
    pub sigev_value: u64,
    pub sigev_signo: i32,
    pub sigev_notify: i32,
    pub sigev_notify_thread_id: i32,
    pub _pad: [i32; 11],
}

/// `struct timezone` (settimeofday, gettimeofday).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Timezone {
    pub tz_minuteswest: i32,
    pub tz_dsttime: i32,
}

const _: () = assert!(core::mem::size_of::<Timespec>() == 16);
const _: () = assert!(core::mem::size_of::<Sigevent>() == 64);
const _: () = assert!(core::mem::size_of::<Itimerspec>() == 32);
const _: () = assert!(core::mem::size_of::<Itimerval>() == 32);
const _: () = assert!(core::mem::size_of::<Tms>() == 32);
