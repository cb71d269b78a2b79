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
