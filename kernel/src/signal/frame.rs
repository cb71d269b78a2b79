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

use super::{SigAction, SigInfo, SigSet, SS_AUTODISARM, SS_DISABLE, UNBLOCKABLE};
use crate::errno::Errno;
use crate::proc::Thread;
use crate::uaccess;

const UC_FP_XSTATE: u64 = 0x1;
const UC_SIGCONTEXT_SS: u64 = 0x2;
const UC_STRICT_RESTORE_SS: u64 = 0x4;
/// Offsets inside the frame.
const UC: usize = 8;
const MCONTEXT: usize = UC + 40;
const SIGMASK: usize = UC + 296;
const INFO: usize = UC + 304;
const FRAME_SIZE: usize = INFO + 128;
const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
const REDZONE: u64 = 128;

fn put(buf: &mut [u8], off: usize, v: u64) {
    buf[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

fn get(buf: &[u8], off: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&buf[off..off + 8]);
    u64::from_le_bytes(b)
}

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
        let ext = size + 4;
        fp[464..468].copy_from_slice(&FP_XSTATE_MAGIC1.to_le_bytes());
        fp[468..472].copy_from_slice(&ext.to_le_bytes());
        fp[472..480].copy_from_slice(&FpuState::xfeatures().to_le_bytes());
        fp[480..484].copy_from_slice(&size.to_le_bytes());
        fp.extend_from_slice(&FP_XSTATE_MAGIC2.to_le_bytes());
    }
    sp = sp.checked_sub(fp.len() as u64).ok_or(Errno::EFAULT)? & !63;
    let fp_addr = sp;
    sp = sp.checked_sub(FRAME_SIZE as u64).ok_or(Errno::EFAULT)?;
    sp = (sp & !15).wrapping_sub(8);

    let mut f = vec![0u8; FRAME_SIZE];
    put(&mut f, 0, action.restorer);
    put(&mut f, UC, if xsave { UC_FP_XSTATE } else { 0 } | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS);
    put(&mut f, UC + 16, ss_sp);
    // The stored flags, as Linux's __save_altstack (sigreturn hands them
    // back to sigaltstack's rules).
    f[UC + 24..UC + 28].copy_from_slice(&ss_flags.to_le_bytes());
    put(&mut f, UC + 32, ss_size);
    let mut c = *ctx;
    for (i, r) in gregs(&mut c).into_iter().enumerate() {
        put(&mut f, MCONTEXT + i * 8, *r);
    }
    // cs, gs, fs, ss as four u16s.
    let segs: u64 = 0x33 | (0x2b << 48);
    put(&mut f, MCONTEXT + 144, segs);
    put(&mut f, MCONTEXT + 152, trap.1); // err
    put(&mut f, MCONTEXT + 160, trap.0); // trapno
    put(&mut f, MCONTEXT + 168, old_mask); // oldmask
    put(&mut f, MCONTEXT + 176, trap.2); // cr2
    put(&mut f, MCONTEXT + 184, fp_addr);
    put(&mut f, SIGMASK, old_mask);
    f[INFO..INFO + 128].copy_from_slice(&info.to_bytes());

    uaccess::write_bytes(&mm, fp_addr, &fp)?;
    uaccess::write_bytes(&mm, sp, &f)?;
    if ss_flags & SS_AUTODISARM != 0 {
        *t.signals.altstack.lock() = (0, SS_DISABLE, 0);
    }

    // The handler starts with a clean FPU state, like Linux's.
    *t.fpu.lock() = FpuState::new();
    ctx.rsp = sp;
    ctx.rip = action.handler;
    ctx.rdi = info.signo as u64;
    ctx.rsi = sp + INFO as u64;
    ctx.rdx = sp + UC as u64;
    ctx.rax = 0;
    ctx.rflags &= !(0x400 | 0x100 | 0x4_0000); // DF, TF, AC
    Ok(())
}

/// rt_sigreturn: restores the registers, mask, FPU state and altstack
/// saved by [`setup`] from the frame below the stack pointer.
pub fn restore(t: &Thread, ctx: &mut UserContext) -> Result<(), Errno> {
    let mm = t.process.mm().ok_or(Errno::EFAULT)?;
    let frame = ctx.rsp.wrapping_sub(8);
    let mut f = vec![0u8; INFO];
    uaccess::read_bytes(&mm, frame, &mut f)?;
    let mut c = *ctx;
    for (i, r) in gregs(&mut c).into_iter().enumerate() {
        *r = get(&f, MCONTEXT + i * 8);
    }
    let fp_addr = get(&f, MCONTEXT + 184);
    if fp_addr != 0 {
        let mut fp: Vec<u8> = vec![0u8; FpuState::size()];
        uaccess::read_bytes(&mm, fp_addr, &mut fp)?;
        t.fpu.lock().set_bytes(&fp);
    } else {
        *t.fpu.lock() = FpuState::new();
    }
    t.set_sigmask(get(&f, SIGMASK) & !UNBLOCKABLE);
    let ss = (get(&f, UC + 16), i32::from_le_bytes([f[UC + 24], f[UC + 25], f[UC + 26], f[UC + 27]]), get(&f, UC + 32));
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
