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

/// `struct sigcontext` (x86-64): the general registers in the order
/// r8-r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags; the
/// segment selectors; the trap's error code, number and fault address; the
/// mask; the address of the extended FPU state.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Sigcontext {
    pub gregs: [u64; 18],
    pub cs: u16,
    pub gs: u16,
    pub fs: u16,
    pub ss: u16,
    pub err: u64,
    pub trapno: u64,
    pub oldmask: u64,
    pub cr2: u64,
    pub fpstate: u64,
    pub _reserved: [u64; 8],
}

/// `struct ucontext` as the kernel lays it out in a signal frame.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Ucontext {
    pub uc_flags: u64,
    pub uc_link: u64,
    pub uc_stack: StackT,
    pub uc_mcontext: Sigcontext,
    pub uc_sigmask: u64,
}

/// `struct rt_sigframe`: the handler's return address (`sa_restorer`), the
/// context and the siginfo.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct RtSigframe {
    pub pretcode: u64,
    pub uc: Ucontext,
    pub info: Siginfo,
}

/// `struct _fpx_sw_bytes`: the software-reserved bytes at offset 464 of the
/// FXSAVE area that mark an XSAVE layout (FP_XSTATE_MAGIC1) and say its
/// size and features.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct FpxSwBytes {
    pub magic1: u32,
    pub extended_size: u32,
    pub xfeatures: u64,
    pub xstate_size: u32,
    pub _padding: [u32; 7],
}

const _: () = assert!(core::mem::size_of::<Sigcontext>() == 256);
const _: () = assert!(core::mem::size_of::<Ucontext>() == 304);
const _: () = assert!(core::mem::size_of::<RtSigframe>() == 440);
const _: () = assert!(core::mem::size_of::<FpxSwBytes>() == 48);

/// `struct signalfd_siginfo` (128 bytes): a signalfd read's record.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct SignalfdSiginfo {
    pub ssi_signo: u32,
    pub ssi_errno: i32,
    pub ssi_code: i32,
    pub ssi_pid: u32,
    pub ssi_uid: u32,
    pub ssi_fd: i32,
    pub ssi_tid: u32,
    pub ssi_band: u32,
    pub ssi_overrun: u32,
    pub ssi_trapno: u32,
    pub ssi_status: i32,
    pub ssi_int: i32,
    pub ssi_ptr: u64,
    pub ssi_utime: u64,
    pub ssi_stime: u64,
    pub ssi_addr: u64,
    pub ssi_addr_lsb: u16,
    pub _pad2: u16,
    pub ssi_syscall: i32,
    pub ssi_call_addr: u64,
    pub ssi_arch: u32,
    pub _pad: [u8; 28],
}

const _: () = assert!(core::mem::size_of::<SignalfdSiginfo>() == 128);
