//! `struct user_regs_struct` (x86-64, <sys/user.h>): what PTRACE_GETREGS,
//! PTRACE_SETREGS, PTRACE_GETREGSET(NT_PRSTATUS) and PTRACE_PEEKUSER /
//! POKEUSER (below offset 216) see of a stopped tracee's registers.
//!
//! Segment selectors are fixed (user code 0x33, data 0x2b, the others 0),
//! as Linux shows them for a 64-bit process; writes to them are accepted
//! when they keep those values (Linux checks them too: EIO otherwise).
//! RFLAGS keeps only the bits user space may set.

use platform::user::UserContext;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub const USER_CS: u64 = 0x33;
pub const USER_DS: u64 = 0x2b;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct UserRegs {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub orig_rax: u64,
    pub rip: u64,
    pub cs: u64,
    pub eflags: u64,
    pub rsp: u64,
    pub ss: u64,
    pub fs_base: u64,
    pub gs_base: u64,
    pub ds: u64,
    pub es: u64,
    pub fs: u64,
    pub gs: u64,
}

/// Size of the structure (27 registers).
pub const SIZE: usize = 27 * 8;

/// RFLAGS bits a tracer may change (Linux's FLAG_MASK: CF PF AF ZF SF TF
/// DF OF NT AC; RF and the rest stay).
const FLAG_MASK: u64 = 0x0004_4dd5 | 0x100 | 0x4000;

pub fn from_ctx(c: &UserContext, orig_rax: u64) -> UserRegs {
    UserRegs {
        r15: c.r15,
        r14: c.r14,
        r13: c.r13,
        r12: c.r12,
        rbp: c.rbp,
        rbx: c.rbx,
        r11: c.r11,
        r10: c.r10,
        r9: c.r9,
        r8: c.r8,
        rax: c.rax,
        rcx: c.rcx,
        rdx: c.rdx,
        rsi: c.rsi,
        rdi: c.rdi,
        orig_rax,
        rip: c.rip,
        cs: USER_CS,
        eflags: c.rflags,
        rsp: c.rsp,
        ss: USER_DS,
        fs_base: c.fs_base,
        gs_base: c.gs_base,
        ds: 0,
        es: 0,
        fs: 0,
        gs: 0,
    }
}

/// Whether `r` may be loaded (Linux's putreg: user segments only, bases
/// in user space).
pub fn valid(r: &UserRegs) -> bool {
    const TOP: u64 = 0x0000_7fff_ffff_f000;
    r.cs == USER_CS && r.ss == USER_DS && r.fs_base < TOP && r.gs_base < TOP && [r.ds, r.es, r.fs, r.gs].iter().all(|&s| s == 0 || s == USER_DS)
}

/// Loads `r` into `c`; returns the new orig_rax.
pub fn to_ctx(r: &UserRegs, c: &mut UserContext) -> u64 {
    c.r15 = r.r15;
    c.r14 = r.r14;
    c.r13 = r.r13;
    c.r12 = r.r12;
    c.rbp = r.rbp;
    c.rbx = r.rbx;
    c.r11 = r.r11;
    c.r10 = r.r10;
    c.r9 = r.r9;
    c.r8 = r.r8;
    c.rax = r.rax;
    c.rcx = r.rcx;
    c.rdx = r.rdx;
    c.rsi = r.rsi;
    c.rdi = r.rdi;
    c.rip = r.rip;
    c.rflags = (c.rflags & !FLAG_MASK) | (r.eflags & FLAG_MASK);
    c.rsp = r.rsp;
    c.fs_base = r.fs_base;
    c.gs_base = r.gs_base;
    r.orig_rax
}
