//! The signal frame on the user stack, exactly Linux's x86-64
//! `struct rt_sigframe`: the return address (the handler's `sa_restorer`,
//! which calls rt_sigreturn), a `ucontext` (flags, link, the altstack, the
//! interrupted registers as a `sigcontext`, the mask to restore), the
//! `siginfo`, and the extended FPU state (XSAVE layout with the
//! FP_XSTATE_MAGIC markers) 64-byte aligned above it.

use alloc::vec;
use alloc::vec::Vec;

use platform::user::fpu::FpuState;
use platform::user::UserContext;
use zerocopy::IntoBytes;

use super::{SigAction, SigInfo, SigSet, SS_AUTODISARM, SS_DISABLE, UNBLOCKABLE};
use crate::abi::{FpxSwBytes, RtSigframe, Sigcontext, StackT, Ucontext};
use crate::errno::Errno;
use crate::proc::Thread;
use crate::uaccess::{self, UserPtr};

const UC_FP_XSTATE: u64 = 0x1;
const UC_SIGCONTEXT_SS: u64 = 0x2;
const UC_STRICT_RESTORE_SS: u64 = 0x4;
const FRAME_SIZE: usize = core::mem::size_of::<RtSigframe>();
/// Where the siginfo and the ucontext sit in the frame (the handler's
/// second and third arguments).
const INFO: u64 = core::mem::offset_of!(RtSigframe, info) as u64;
const UC: u64 = core::mem::offset_of!(RtSigframe, uc) as u64;
/// Where the software-reserved bytes sit in the FXSAVE area.
const SW_BYTES: usize = 464;
const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
const REDZONE: u64 = 128;

/// The registers in `struct sigcontext` order, with their context fields.
fn gregs(ctx: &mut UserContext) -> [&mut u64; 18] {
    [
        &mut ctx.r8, &mut ctx.r9, &mut ctx.r10, &mut ctx.r11, &mut ctx.r12, &mut ctx.r13, &mut ctx.r14, &mut ctx.r15,
        &mut ctx.rdi, &mut ctx.rsi, &mut ctx.rbp, &mut ctx.rbx, &mut ctx.rdx, &mut ctx.rax, &mut ctx.rcx, &mut ctx.rsp,
        &mut ctx.rip, &mut ctx.rflags,
    ]
}

/// Pushes a frame for `info` and points the thread at the handler.
pub fn setup(t: &Thread, ctx: &mut UserContext, info: &SigInfo, action: &SigAction, old_mask: SigSet, trap: (u64, u64, u64)) -> Result<(), Errno> {
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    let (ss_sp, ss_flags, ss_size) = *t.signals.altstack.lock();
    let on_alt = t.on_altstack(ctx.rsp);
    let mut sp = if action.flags & super::SA_ONSTACK != 0 && ss_flags & SS_DISABLE == 0 && !on_alt {
        ss_sp + ss_size
    } else {
        ctx.rsp.wrapping_sub(REDZONE)
    };

    // Extended state.
    let mut fp = {
        let mut f = t.fpu.lock();
        f.release();
        f.bytes()
    };
    let xsave = FpuState::is_xsave();
    if xsave {
        let size = fp.len() as u32;
        let sw = FpxSwBytes { magic1: FP_XSTATE_MAGIC1, extended_size: size + 4, xfeatures: FpuState::xfeatures(), xstate_size: size, ..Default::default() };
        fp[SW_BYTES..SW_BYTES + core::mem::size_of::<FpxSwBytes>()].copy_from_slice(sw.as_bytes());
        fp.extend_from_slice(FP_XSTATE_MAGIC2.as_bytes());
    }
    sp = sp.checked_sub(fp.len() as u64).ok_or(Errno::EFAULT)? & !63;
    let fp_addr = sp;
    sp = sp.checked_sub(FRAME_SIZE as u64).ok_or(Errno::EFAULT)?;
    sp = (sp & !15).wrapping_sub(8);

    let mut c = *ctx;
    let mut gr = [0u64; 18];
    for (g, r) in gr.iter_mut().zip(gregs(&mut c)) {
        *g = *r;
    }
    let frame = RtSigframe {
        pretcode: action.restorer,
        uc: Ucontext {
            uc_flags: if xsave { UC_FP_XSTATE } else { 0 } | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS,
            uc_link: 0,
            // The stored flags, as Linux's __save_altstack (sigreturn
            // hands them back to sigaltstack's rules).
            uc_stack: StackT { ss_sp, ss_flags, _pad: 0, ss_size },
            uc_mcontext: Sigcontext {
                gregs: gr,
                cs: 0x33,
                ss: 0x2b,
                err: trap.1,
                trapno: trap.0,
                oldmask: old_mask,
                cr2: trap.2,
                fpstate: fp_addr,
                ..Default::default()
            },
            uc_sigmask: old_mask,
        },
        info: info.to_abi(),
    };

    uaccess::write_bytes(&mm, fp_addr, &fp)?;
    UserPtr::<RtSigframe>::new(sp).write(&mm, &frame)?;
    if ss_flags & SS_AUTODISARM != 0 {
        *t.signals.altstack.lock() = (0, SS_DISABLE, 0);
    }

    // The handler starts with a clean FPU state, like Linux's.
    *t.fpu.lock() = FpuState::new();
    ctx.rsp = sp;
    ctx.rip = action.handler;
    ctx.rdi = info.signo as u64;
    ctx.rsi = sp + INFO;
    ctx.rdx = sp + UC;
    ctx.rax = 0;
    ctx.rflags &= !(0x400 | 0x100 | 0x4_0000); // DF, TF, AC
    Ok(())
}

/// rt_sigreturn: restores the registers, mask, FPU state and altstack
/// saved by [`setup`] from the frame below the stack pointer.
pub fn restore(t: &Thread, ctx: &mut UserContext) -> Result<(), Errno> {
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    // The frame's context (the siginfo above it is not read back).
    let frame_addr = ctx.rsp.wrapping_sub(8);
    let uc = UserPtr::<Ucontext>::new(frame_addr + UC).read(&mm)?;
    let mc = &uc.uc_mcontext;
    let mut c = *ctx;
    for (r, g) in gregs(&mut c).into_iter().zip(mc.gregs) {
        *r = g;
    }
    if mc.fpstate != 0 {
        let mut fp: Vec<u8> = vec![0u8; FpuState::size()];
        uaccess::read_bytes(&mm, mc.fpstate, &mut fp)?;
        t.fpu.lock().set_bytes(&fp);
    } else {
        *t.fpu.lock() = FpuState::new();
    }
    t.set_sigmask(uc.uc_sigmask & !UNBLOCKABLE);
    let ss = (uc.uc_stack.ss_sp, uc.uc_stack.ss_flags, uc.uc_stack.ss_size);
    // Linux's restore_altstack: sigaltstack's rules at the current stack
    // pointer (a handler still on the stack cannot change it), errors
    // other than EFAULT ignored.
    let _ = t.set_altstack(ctx.rsp, ss);
    // Keep the thread's TLS bases; the rest comes from the frame.
    c.fs_base = ctx.fs_base;
    c.gs_base = ctx.gs_base;
    *ctx = c;
    Ok(())
}

/// AT_MINSIGSTKSZ: the most stack [`setup`] can take below an aligned top
/// (Linux's get_sigframe_size): the extended state with its end marker,
/// 64-byte aligned, then the frame, 16-byte aligned minus 8.
pub fn min_stack_size() -> u64 {
    let fp = FpuState::size() as u64 + if FpuState::is_xsave() { 4 } else { 0 };
    (fp.next_multiple_of(64) + FRAME_SIZE as u64 + 16 + 8).next_multiple_of(16)
}
