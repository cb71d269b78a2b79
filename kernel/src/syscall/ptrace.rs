//! ptrace(2), the tracer's requests (the tracee's side is
//! [`crate::ptrace`]).
//!
//! Linux's order (kernel/ptrace.c, sys_ptrace): PTRACE_TRACEME needs no
//! target; otherwise the TID must exist (ESRCH); ATTACH and SEIZE check
//! their arguments (EIO), then refuse a thread of the caller's own group,
//! a process the caller may not access (ptrace_may_access,
//! PTRACE_MODE_ATTACH_REALCREDS), an exiting one and one already traced
//! (EPERM). Every other request needs the target traced by the caller and
//! stopped in a ptrace stop (ESRCH), except KILL and INTERRUPT which only
//! need it traced. Unknown requests and bad signal numbers are EIO; a word
//! that cannot be read or written with PEEK/POKE is EIO too.
//! The raw system call stores PEEK results through `data` (glibc's wrapper
//! returns them).

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::Call;
use crate::abi::fs::Iovec;
use crate::errno::{Errno, SysResult};
use crate::proc::access::{may_access, Mode};
use crate::proc::{pid, Thread};
use crate::ptrace::{self as pt, regs, Resume, StopKind};
use crate::signal::{self, SigInfo};
use crate::uaccess::{self, UserPtr};

const PTRACE_TRACEME: u64 = 0;
const PTRACE_PEEKTEXT: u64 = 1;
const PTRACE_PEEKDATA: u64 = 2;
const PTRACE_PEEKUSR: u64 = 3;
const PTRACE_POKETEXT: u64 = 4;
const PTRACE_POKEDATA: u64 = 5;
const PTRACE_POKEUSR: u64 = 6;
const PTRACE_CONT: u64 = 7;
const PTRACE_KILL: u64 = 8;
const PTRACE_SINGLESTEP: u64 = 9;
const PTRACE_GETREGS: u64 = 12;
const PTRACE_SETREGS: u64 = 13;
const PTRACE_GETFPREGS: u64 = 14;
const PTRACE_SETFPREGS: u64 = 15;
const PTRACE_ATTACH: u64 = 16;
const PTRACE_DETACH: u64 = 17;
const PTRACE_SYSCALL: u64 = 24;
const PTRACE_SETOPTIONS: u64 = 0x4200;
const PTRACE_GETEVENTMSG: u64 = 0x4201;
const PTRACE_GETSIGINFO: u64 = 0x4202;
const PTRACE_SETSIGINFO: u64 = 0x4203;
const PTRACE_GETREGSET: u64 = 0x4204;
const PTRACE_SETREGSET: u64 = 0x4205;
const PTRACE_SEIZE: u64 = 0x4206;
const PTRACE_INTERRUPT: u64 = 0x4207;
const PTRACE_GETSIGMASK: u64 = 0x420a;
const PTRACE_SETSIGMASK: u64 = 0x420b;
const PTRACE_GET_SYSCALL_INFO: u64 = 0x420e;

const NT_PRSTATUS: u64 = 1;
const NT_PRFPREG: u64 = 2;
const NT_X86_XSTATE: u64 = 0x202;

/// Size of `struct user` and where its debug registers start.
const USER_SIZE: u64 = 912;
const USER_DEBUGREG: u64 = 848;
/// The FXSAVE image (`struct user_fpregs_struct`).
const FPREGS_SIZE: usize = 512;
/// AUDIT_ARCH_X86_64.
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;

fn valid_signal(data: u64) -> Result<u32, Errno> {
    if data > 64 {
        return Err(Errno::EIO);
    }
    Ok(data as u32)
}

pub async fn ptrace(call: &Call<'_>, request: u64, id: i32, addr: u64, data: u64) -> SysResult {
    if request == PTRACE_TRACEME {
        return traceme(call);
    }
    let target = if id > 0 { pid::find_thread(id as u32) } else { None }.ok_or(Errno::ESRCH)?;
    if request == PTRACE_ATTACH || request == PTRACE_SEIZE {
        return attach(call, &target, request == PTRACE_SEIZE, addr, data);
    }
    let me = &call.thread.process;
    if request == PTRACE_KILL || request == PTRACE_INTERRUPT {
        if !me.tracees.lock().iter().any(|t| Arc::ptr_eq(t, &target)) || !pt::is_traced(&target) {
            return Err(Errno::ESRCH);
        }
        if request == PTRACE_KILL {
            signal::send_thread(&target, SigInfo::kernel(signal::SIGKILL), true);
            return Ok(0);
        }
        return interrupt(&target);
    }
    let t = pt::stopped_tracee(me, target.tid())?;
    let mm = me.mm().ok_or(Errno::EFAULT)?;
    match request {
        PTRACE_PEEKTEXT | PTRACE_PEEKDATA => {
            let theirs = t.process.mm().ok_or(Errno::EIO)?;
            let word = uaccess::read_u64(&theirs, addr).map_err(|_| Errno::EIO);
            mm.activate();
            uaccess::write_u64(&mm, data, word?)?;
            Ok(0)
        }
        PTRACE_POKETEXT | PTRACE_POKEDATA => {
            let theirs = t.process.mm().ok_or(Errno::EIO)?;
            let r = poke(&theirs, addr, data);
            mm.activate();
            r.map(|_| 0)
        }
        PTRACE_PEEKUSR => {
            let v = peek_user(&t, addr)?;
            uaccess::write_u64(&mm, data, v)?;
            Ok(0)
        }
        PTRACE_POKEUSR => poke_user(&t, addr, data),
        PTRACE_CONT | PTRACE_SYSCALL | PTRACE_SINGLESTEP => {
            let sig = valid_signal(data)?;
            let how = match request {
                PTRACE_CONT => Resume::Cont,
                PTRACE_SYSCALL => Resume::Syscall,
                _ => Resume::Step,
            };
            resume(&t, how, sig);
            Ok(0)
        }
        PTRACE_DETACH => {
            let sig = valid_signal(data)?;
            pt::unlink(&t, sig);
            Ok(0)
        }
        PTRACE_GETREGS => {
            let r = with_stop(&t, |tr, s| regs::from_ctx(&s.regs, tr.orig_rax))?;
            UserPtr::<regs::UserRegs>::new(data).write(&mm, &r)?;
            Ok(0)
        }
        PTRACE_SETREGS => {
            let r = UserPtr::<regs::UserRegs>::new(data).read(&mm)?;
            set_regs(&t, &r)
        }
        PTRACE_GETFPREGS => {
            let img = fp_image(&t);
            uaccess::write_bytes(&mm, data, &img[..FPREGS_SIZE])?;
            Ok(0)
        }
        PTRACE_SETFPREGS => {
            let mut img = alloc::vec![0u8; FPREGS_SIZE];
            uaccess::read_bytes(&mm, data, &mut img)?;
            t.fpu.lock().set_bytes(&img);
            Ok(0)
        }
        PTRACE_SETOPTIONS => {
            if data & !(pt::PTRACE_O_MASK as u64) != 0 {
                return Err(Errno::EINVAL);
            }
            with_trace(&t, |tr| tr.options = data as u32)?;
            Ok(0)
        }
        PTRACE_GETEVENTMSG => {
            let m = with_trace(&t, |tr| tr.eventmsg)?;
            uaccess::write_u64(&mm, data, m)?;
            Ok(0)
        }
        PTRACE_GETSIGINFO => {
            let info = with_stop(&t, |_, s| s.info)?;
            UserPtr::<crate::abi::Siginfo>::new(data).write(&mm, &info.to_abi())?;
            Ok(0)
        }
        PTRACE_SETSIGINFO => {
            let info = SigInfo::from_abi(&UserPtr::<crate::abi::Siginfo>::new(data).read(&mm)?);
            with_stop(&t, |_, s| s.info = info)?;
            Ok(0)
        }
        PTRACE_GETSIGMASK | PTRACE_SETSIGMASK => {
            if addr != 8 {
                return Err(Errno::EINVAL);
            }
            if request == PTRACE_GETSIGMASK {
                uaccess::write_u64(&mm, data, t.sigmask())?;
            } else {
                let m = uaccess::read_u64(&mm, data)?;
                t.set_sigmask(m & !(signal::bit(signal::SIGKILL) | signal::bit(signal::SIGSTOP)));
            }
            Ok(0)
        }
        PTRACE_GETREGSET | PTRACE_SETREGSET => regset(call, &t, request == PTRACE_SETREGSET, addr, data),
        PTRACE_GET_SYSCALL_INFO => syscall_info(call, &t, addr, data),
        _ => Err(Errno::EIO),
    }
}

/// A word written into the tracee: through its page tables, or past a
/// read-only protection as Linux's FOLL_FORCE (EIO when neither works).
fn poke(mm: &crate::mm::Mm, addr: u64, word: u64) -> Result<(), Errno> {
    if uaccess::write_u64(mm, addr, word).is_ok() {
        return Ok(());
    }
    let bytes = word.to_le_bytes();
    let split = (((addr | 0xfff) + 1 - addr) as usize).min(8);
    mm.force_write(addr, &bytes[..split]).map_err(|_| Errno::EIO)?;
    if split < 8 {
        mm.force_write(addr + split as u64, &bytes[split..]).map_err(|_| Errno::EIO)?;
    }
    Ok(())
}

fn traceme(call: &Call<'_>) -> SysResult {
    let t = call.thread;
    if pt::is_traced(t) {
        return Err(Errno::EPERM);
    }
    let parent = t.process.parent().ok_or(Errno::EPERM)?;
    pt::link(t, &parent, false, 0);
    Ok(0)
}

fn attach(call: &Call<'_>, target: &Arc<Thread>, seize: bool, addr: u64, data: u64) -> SysResult {
    let options = if seize {
        if addr != 0 || data & !(pt::PTRACE_O_MASK as u64) != 0 {
            return Err(Errno::EIO);
        }
        data as u32
    } else {
        0
    };
    let me = &call.thread.process;
    if Arc::ptr_eq(&target.process, me) || !may_access(call.thread, &target.process, Mode::RealCreds) {
        return Err(Errno::EPERM);
    }
    if target.process.is_exiting() || target.exited.load(core::sync::atomic::Ordering::Acquire) || pt::is_traced(target) {
        return Err(Errno::EPERM);
    }
    pt::link(target, me, seize, options);
    if !seize {
        signal::send_thread(target, SigInfo::kernel(signal::SIGSTOP), true);
    }
    Ok(0)
}

fn interrupt(t: &Arc<Thread>) -> SysResult {
    let seized = t.trace.lock().as_ref().is_some_and(|tr| tr.seized);
    if !seized {
        return Err(Errno::EIO);
    }
    if let Some(tr) = t.trace.lock().as_mut() {
        if tr.stop.is_none() {
            tr.trap_stop = Some(signal::SIGTRAP);
        }
    }
    t.signals.wake.wake_all();
    t.kick();
    Ok(0)
}

fn resume(t: &Thread, how: Resume, sig: u32) {
    if let Some(tr) = t.trace.lock().as_mut() {
        if let Some(s) = tr.stop.as_mut() {
            s.resume = Some((how, sig));
        }
    }
    t.process.stop_wait.wake_all();
}

fn with_trace<R>(t: &Thread, f: impl FnOnce(&mut pt::Trace) -> R) -> Result<R, Errno> {
    t.trace.lock().as_mut().map(f).ok_or(Errno::ESRCH)
}

fn with_stop<R>(t: &Thread, f: impl FnOnce(&mut pt::Trace, &mut pt::Stop) -> R) -> Result<R, Errno> {
    let mut g = t.trace.lock();
    let tr = g.as_mut().ok_or(Errno::ESRCH)?;
    let mut s = tr.stop.take().ok_or(Errno::ESRCH)?;
    let r = f(tr, &mut s);
    tr.stop = Some(s);
    Ok(r)
}

fn set_regs(t: &Thread, r: &regs::UserRegs) -> SysResult {
    if !regs::valid(r) {
        return Err(Errno::EIO);
    }
    with_stop(t, |tr, s| tr.orig_rax = regs::to_ctx(r, &mut s.regs))?;
    Ok(0)
}

fn fp_image(t: &Thread) -> Vec<u8> {
    let mut img = t.fpu.lock().bytes();
    img.resize(img.len().max(FPREGS_SIZE), 0);
    img
}

fn peek_user(t: &Thread, addr: u64) -> Result<u64, Errno> {
    if addr & 7 != 0 || addr >= USER_SIZE {
        return Err(Errno::EIO);
    }
    if addr < regs::SIZE as u64 {
        let r = with_stop(t, |tr, s| regs::from_ctx(&s.regs, tr.orig_rax))?;
        let bytes = zerocopy::IntoBytes::as_bytes(&r);
        let i = addr as usize;
        return Ok(u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8])));
    }
    // The debug registers (no hardware watchpoints: all zero) and the
    // rest of struct user.
    Ok(0)
}

fn poke_user(t: &Thread, addr: u64, data: u64) -> SysResult {
    if addr & 7 != 0 || addr >= USER_SIZE {
        return Err(Errno::EIO);
    }
    if addr < regs::SIZE as u64 {
        let mut r = with_stop(t, |tr, s| regs::from_ctx(&s.regs, tr.orig_rax))?;
        let i = addr as usize;
        zerocopy::IntoBytes::as_mut_bytes(&mut r)[i..i + 8].copy_from_slice(&data.to_le_bytes());
        return set_regs(t, &r);
    }
    // Debug registers: only "none set" can be written.
    if addr >= USER_DEBUGREG && data == 0 {
        return Ok(0);
    }
    Err(Errno::EIO)
}

fn regset(call: &Call<'_>, t: &Thread, set: bool, kind: u64, iov_addr: u64) -> SysResult {
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let iov = UserPtr::<Iovec>::new(iov_addr).read(&mm)?;
    let image: Vec<u8> = match kind {
        NT_PRSTATUS => {
            let r = with_stop(t, |tr, s| regs::from_ctx(&s.regs, tr.orig_rax))?;
            zerocopy::IntoBytes::as_bytes(&r).to_vec()
        }
        NT_PRFPREG => fp_image(t)[..FPREGS_SIZE].to_vec(),
        NT_X86_XSTATE if platform::user::fpu::FpuState::is_xsave() => fp_image(t),
        _ => return Err(Errno::EINVAL),
    };
    let n = (iov.iov_len as usize).min(image.len());
    if set {
        let mut new = image.clone();
        uaccess::read_bytes(&mm, iov.iov_base, &mut new[..n])?;
        match kind {
            NT_PRSTATUS => {
                let r = zerocopy::FromBytes::read_from_bytes(&new[..]).map_err(|_| Errno::EINVAL)?;
                set_regs(t, &r)?;
            }
            _ => t.fpu.lock().set_bytes(&new),
        }
    } else {
        uaccess::write_bytes(&mm, iov.iov_base, &image[..n])?;
    }
    UserPtr::<Iovec>::new(iov_addr).write(&mm, &Iovec { iov_base: iov.iov_base, iov_len: n as u64 })?;
    Ok(0)
}

/// PTRACE_GET_SYSCALL_INFO: `struct ptrace_syscall_info`, cut to `size`
/// bytes; returns the size of the whole answer for this stop.
fn syscall_info(call: &Call<'_>, t: &Thread, size: u64, data: u64) -> SysResult {
    let (kind, code, r, orig) = with_stop(t, |tr, s| (s.kind, s.info.code, s.regs, tr.orig_rax))?;
    let sysgood = code == (signal::SIGTRAP | 0x80) as i32;
    let mut out = Vec::with_capacity(88);
    let op: u8 = match kind {
        StopKind::SyscallEntry if sysgood => 1,
        StopKind::SyscallExit if sysgood => 2,
        _ => 0,
    };
    out.push(op);
    out.extend_from_slice(&[0; 3]);
    out.extend_from_slice(&AUDIT_ARCH_X86_64.to_le_bytes());
    out.extend_from_slice(&r.rip.to_le_bytes());
    out.extend_from_slice(&r.rsp.to_le_bytes());
    match op {
        1 => {
            for v in [orig, r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        2 => {
            out.extend_from_slice(&r.rax.to_le_bytes());
            out.push(((r.rax as i64) < 0 && (r.rax as i64) >= -4095) as u8);
        }
        _ => {}
    }
    let n = (size as usize).min(out.len());
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    uaccess::write_bytes(&mm, data, &out[..n])?;
    Ok(out.len() as u64)
}
