//! Aramid's vDSO: clock_gettime, gettimeofday, time, clock_getres and
//! getcpu without entering the kernel.
//!
//! Mirrors Linux's x86-64 vDSO (the same symbol names, aliases and the
//! LINUX_2.6 version glibc and musl look up). Time is computed exactly as
//! the kernel computes it — `(rdtsc - boot_tsc) * ns_per_tick >> 32`, plus
//! the realtime offset — from the data page below the image, read under
//! its sequence count. A clock it does not serve (CPU-time clocks and any
//! id it doesn't know) goes to the real system call, so callers see the
//! kernel's answer, never -ENOSYS.
//!
//! Everything here is position independent and needs no relocation: the
//! data page is found relative to `__ehdr_start`, the image's own first
//! byte.

#![no_std]
#![no_main]

use core::arch::asm;
use core::ptr::{addr_of, read_volatile};
use core::sync::atomic::{compiler_fence, Ordering};

include!("vvar.rs");

const CLOCK_REALTIME: i32 = 0;
const CLOCK_MONOTONIC: i32 = 1;
const CLOCK_MONOTONIC_RAW: i32 = 4;
const CLOCK_REALTIME_COARSE: i32 = 5;
const CLOCK_MONOTONIC_COARSE: i32 = 6;
const CLOCK_BOOTTIME: i32 = 7;
const CLOCK_TAI: i32 = 11;

const SYS_GETTIMEOFDAY: i64 = 96;
const SYS_TIME: i64 = 201;
const SYS_CLOCK_GETTIME: i64 = 228;
const SYS_CLOCK_GETRES: i64 = 229;
const SYS_GETCPU: i64 = 309;

#[repr(C)]
pub struct Timespec {
    sec: i64,
    nsec: i64,
}

#[repr(C)]
pub struct Timeval {
    sec: i64,
    usec: i64,
}

/// The data page: the page below the image.
fn vvar() -> *const Vvar {
    let base: usize;
    // SAFETY: computes an address (no memory access); __ehdr_start is the
    // linker's hidden symbol for the image's first byte.
    unsafe { asm!("lea {}, [rip + __ehdr_start]", out(reg) base, options(nostack, pure, nomem, preserves_flags)) };
    (base - 4096) as *const Vvar
}

fn rdtsc() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: lfence orders the read after earlier loads (Linux's
    // rdtsc_ordered); rdtsc has no memory effects.
    unsafe { asm!("lfence", "rdtsc", out("eax") lo, out("edx") hi, options(nostack, nomem, preserves_flags)) };
    (hi as u64) << 32 | lo as u64
}

/// (CLOCK_MONOTONIC ns, realtime offset), read consistently.
fn now() -> (u64, i64) {
    let v = vvar();
    loop {
        // SAFETY: the kernel maps the data page readable in every process
        // that has this image; fields are read volatile under the seqlock.
        unsafe {
            let s1 = read_volatile(addr_of!((*v).seq));
            if s1 & 1 != 0 {
                core::hint::spin_loop();
                continue;
            }
            compiler_fence(Ordering::Acquire);
            let boot = read_volatile(addr_of!((*v).boot_tsc));
            let mult = read_volatile(addr_of!((*v).ns_per_tick));
            let offset = read_volatile(addr_of!((*v).realtime_offset));
            let tsc = rdtsc();
            compiler_fence(Ordering::Acquire);
            if read_volatile(addr_of!((*v).seq)) == s1 {
                let ns = ((tsc.saturating_sub(boot) as u128 * mult as u128) >> 32) as u64;
                return (ns, offset);
            }
        }
    }
}

/// The value of a clock the vDSO serves, in ns.
fn clock_ns(clock: i32) -> Option<i64> {
    match clock {
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => Some(now().0 as i64),
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_TAI => {
            let (ns, off) = now();
            Some(ns as i64 + off)
        }
        _ => None,
    }
}

/// A two-argument system call.
///
/// # Safety
/// The arguments must be valid for system call `nr`.
unsafe fn syscall2(nr: i64, a: u64, b: u64) -> i64 {
    let ret: i64;
    // SAFETY: the caller passes valid arguments; syscall clobbers rcx, r11.
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, in("rdi") a, in("rsi") b, lateout("rcx") _, lateout("r11") _, options(nostack));
    }
    ret
}

/// # Safety
/// `ts` must be null or point to a writable timespec.
#[no_mangle]
pub unsafe extern "C" fn __vdso_clock_gettime(clock: i32, ts: *mut Timespec) -> i32 {
    match clock_ns(clock) {
        Some(ns) => {
            // SAFETY: the caller's pointer, as for the system call (a bad
            // one faults in the caller, as Linux's vDSO does).
            unsafe { *ts = Timespec { sec: ns.div_euclid(1_000_000_000), nsec: ns.rem_euclid(1_000_000_000) } };
            0
        }
        // SAFETY: the caller's arguments go to the kernel unchanged.
        None => unsafe { syscall2(SYS_CLOCK_GETTIME, clock as u32 as u64, ts as u64) as i32 },
    }
}

/// # Safety
/// As [`__vdso_clock_gettime`].
#[no_mangle]
pub unsafe extern "C" fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32 {
    // SAFETY: same contract.
    unsafe { __vdso_clock_gettime(clock, ts) }
}

/// # Safety
/// `tv` and `tz` must be null or writable.
#[no_mangle]
pub unsafe extern "C" fn __vdso_gettimeofday(tv: *mut Timeval, tz: *mut [i32; 2]) -> i32 {
    if !tz.is_null() {
        // Rare (the timezone is obsolete): let the kernel answer.
        // SAFETY: the caller's arguments go to the kernel unchanged.
        return unsafe { syscall2(SYS_GETTIMEOFDAY, tv as u64, tz as u64) as i32 };
    }
    if !tv.is_null() {
        let (ns, off) = now();
        let ns = ns as i64 + off;
        // SAFETY: the caller's pointer.
        unsafe { *tv = Timeval { sec: ns.div_euclid(1_000_000_000), usec: ns.rem_euclid(1_000_000_000) / 1000 } };
    }
    0
}

/// # Safety
/// As [`__vdso_gettimeofday`].
#[no_mangle]
pub unsafe extern "C" fn gettimeofday(tv: *mut Timeval, tz: *mut [i32; 2]) -> i32 {
    // SAFETY: same contract.
    unsafe { __vdso_gettimeofday(tv, tz) }
}

/// # Safety
/// `t` must be null or writable.
#[no_mangle]
pub unsafe extern "C" fn __vdso_time(t: *mut i64) -> i64 {
    let (ns, off) = now();
    let secs = (ns as i64 + off).div_euclid(1_000_000_000);
    if !t.is_null() {
        // SAFETY: the caller's pointer.
        unsafe { *t = secs };
    }
    let _ = SYS_TIME;
    secs
}

/// # Safety
/// As [`__vdso_time`].
#[no_mangle]
pub unsafe extern "C" fn time(t: *mut i64) -> i64 {
    // SAFETY: same contract.
    unsafe { __vdso_time(t) }
}

/// # Safety
/// `res` must be null or writable.
#[no_mangle]
pub unsafe extern "C" fn __vdso_clock_getres(clock: i32, res: *mut Timespec) -> i32 {
    let ns = match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_BOOTTIME | CLOCK_TAI => 1,
        CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE => 4_000_000,
        // SAFETY: the caller's arguments go to the kernel unchanged.
        _ => return unsafe { syscall2(SYS_CLOCK_GETRES, clock as u32 as u64, res as u64) as i32 },
    };
    if !res.is_null() {
        // SAFETY: the caller's pointer.
        unsafe { *res = Timespec { sec: 0, nsec: ns } };
    }
    0
}

/// # Safety
/// As [`__vdso_clock_getres`].
#[no_mangle]
pub unsafe extern "C" fn clock_getres(clock: i32, res: *mut Timespec) -> i32 {
    // SAFETY: same contract.
    unsafe { __vdso_clock_getres(clock, res) }
}

/// # Safety
/// `cpu` and `node` must be null or writable.
#[no_mangle]
pub unsafe extern "C" fn __vdso_getcpu(cpu: *mut u32, node: *mut u32, _cache: *mut u8) -> i32 {
    let v = vvar();
    // SAFETY: the data page is mapped (see `now`).
    if unsafe { read_volatile(addr_of!((*v).getcpu_rdtscp)) } == 0 {
        // SAFETY: the caller's arguments go to the kernel unchanged.
        return unsafe { syscall2(SYS_GETCPU, cpu as u64, node as u64) as i32 };
    }
    let aux: u32;
    // SAFETY: the kernel enables this path only on CPUs with RDTSCP, after
    // writing each CPU's number to IA32_TSC_AUX.
    unsafe { asm!("rdtscp", out("ecx") aux, out("eax") _, out("edx") _, options(nostack, nomem, preserves_flags)) };
    // SAFETY: the caller's pointers.
    unsafe {
        if !cpu.is_null() {
            *cpu = aux & 0xfff;
        }
        if !node.is_null() {
            *node = aux >> 12;
        }
    }
    0
}

/// # Safety
/// As [`__vdso_getcpu`].
#[no_mangle]
pub unsafe extern "C" fn getcpu(cpu: *mut u32, node: *mut u32, cache: *mut u8) -> i32 {
    // SAFETY: same contract.
    unsafe { __vdso_getcpu(cpu, node, cache) }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
