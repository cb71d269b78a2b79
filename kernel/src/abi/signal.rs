//! Signal structures: `struct sigaction` as the kernel sees it
//! (rt_sigaction), `stack_t` (sigaltstack).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The kernel's `struct sigaction` on x86-64: handler, flags, restorer,
/// then the mask.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct KSigaction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

/// `stack_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct StackT {
    pub ss_sp: u64,
    pub ss_flags: i32,
    pub _pad: u32,
    pub ss_size: u64,
}

const _: () = assert!(core::mem::size_of::<KSigaction>() == 32);
const _: () = assert!(core::mem::size_of::<StackT>() == 24);

/// `siginfo_t` (128 bytes): the three leading ints, then a union whose
/// first two words Aramid uses — `si_pid`/`si_uid` (or `si_timerid`/
/// `si_overrun`) or `si_addr` in the first, `si_status` or `si_value` in
/// the second.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Siginfo {
    pub si_signo: i32,
    pub si_errno: i32,
    pub si_code: i32,
    pub _pad: i32,
    /// si_pid | si_uid << 32, or si_addr.
    pub word0: u64,
    /// si_status (low half), or si_value.
    pub word1: u64,
    pub _rest: [u64; 12],
}

const _: () = assert!(core::mem::size_of::<Siginfo>() == 128);
