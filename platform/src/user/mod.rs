//! User mode: entering it, coming back, and touching user memory.
//!
//! A user thread is an executor task that calls [`enter_user`] with its
//! saved registers. The call runs the thread until it next enters the
//! kernel and returns why: a system call, or a trap (interrupt or
//! exception) with its vector, error code and CR2. No kernel stack is kept
//! per thread: the call nests on the CPU's executor stack, and a thread
//! blocked in a syscall is just its task's future.
//!
//! Leaving for user mode uses `sysretq` only when Linux would (the context
//! came from a syscall, RCX == RIP and R11 == RFLAGS, RIP canonical in the
//! lower half, no TF/RF); otherwise `iretq`. FS base and the user GS base
//! are per thread; the user FPU/SSE/AVX state stays in the registers and is
//! swapped with XSAVE only when a different thread runs ([`fpu`]).

use core::arch::global_asm;
use core::sync::atomic::{AtomicBool, Ordering};

use x86_64::registers::model_specific::{FsBase, KernelGsBase};
use x86_64::VirtAddr;

use crate::cpu::trap::TrapFrame;
use crate::cpu::{interrupts, percpu};

pub mod addrspace;
pub mod copy;
pub mod fpu;
pub mod syscall_msr;

global_asm!(include_str!("entry.S"), options(att_syntax));

/// Whether SMAP is on (the copy routines then bracket accesses with
/// stac/clac). Read by `entry.S`.
#[unsafe(no_mangle)]
static smap_enabled: AtomicBool = AtomicBool::new(false);

/// Lowest address above user space (the canonical lower half, minus the
/// guard page Linux keeps below it).
pub const USER_END: u64 = 0x0000_7fff_ffff_f000;

/// A thread's user-mode registers. Field offsets are used by `entry.S`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct UserContext {
    pub rax: u64,
    pub rbx: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub rbp: u64,
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rip: u64,
    pub rsp: u64,
    pub rflags: u64,
    pub fs_base: u64,
    pub gs_base: u64,
}

/// Why [`enter_user`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// A `syscall` instruction: the number is in `rax`, arguments in rdi,
    /// rsi, rdx, r10, r8, r9.
    Syscall,
    /// An interrupt (vector >= 32) or exception taken in user mode.
    Trap { vector: u8, error_code: u64, cr2: u64 },
}

extern "C" {
    fn enter_user_asm(ctx: *mut UserContext, use_sysret: u64) -> u64;
    fn user_trap_return(reason: u64) -> !;
}

/// RFLAGS bits user space may set: CF PF AF ZF SF TF DF OF AC ID (and the
/// always-one bit 1); IF is forced on.
const USER_FLAGS: u64 = 0x0025_4dd5;
const RFLAGS_IF: u64 = 1 << 9;
const RFLAGS_TF: u64 = 1 << 8;
const RFLAGS_RF: u64 = 1 << 16;

fn canonical_user(addr: u64) -> bool {
    addr < 0x0000_8000_0000_0000
}

/// Runs the thread whose registers are `ctx` (and FPU state `fpu`) until it
/// enters the kernel. The thread's address space must be active.
/// Interrupts are enabled again when this returns.
pub fn enter_user(ctx: &mut UserContext, fpu: &fpu::FpuState) -> Exit {
    ctx.rflags = (ctx.rflags & USER_FLAGS) | RFLAGS_IF | 0x2;
    if !canonical_user(ctx.rip) {
        // Like Linux: a return to a non-canonical address is a #GP in user
        // mode, reported without ever running the instruction.
        return Exit::Trap { vector: 13, error_code: 0, cr2: 0 };
    }
    let sysret = ctx.rcx == ctx.rip && ctx.r11 == ctx.rflags && ctx.rflags & (RFLAGS_TF | RFLAGS_RF) == 0 && ctx.rip < USER_END;
    interrupts::disable();
    let slot = percpu::current();
    // CR4.FSGSBASE stays off, so only the kernel (arch_prctl, exec, a new
    // thread) changes these: the MSRs are written when the thread's values
    // differ from what this CPU holds, and never read back.
    if slot.user_fs_base.load(Ordering::Relaxed) != ctx.fs_base {
        FsBase::write(VirtAddr::new_truncate(ctx.fs_base));
        slot.user_fs_base.store(ctx.fs_base, Ordering::Relaxed);
    }
    if slot.user_gs_base.load(Ordering::Relaxed) != ctx.gs_base {
        KernelGsBase::write(VirtAddr::new_truncate(ctx.gs_base));
        slot.user_gs_base.store(ctx.gs_base, Ordering::Relaxed);
    }
    fpu.load();
    slot.user_ctx.store(ctx as *mut UserContext as u64, Ordering::Relaxed);
    // SAFETY: `ctx` is a valid, exclusively borrowed context that outlives
    // the call; its RIP is canonical and its RFLAGS sanitized, so sysret or
    // iret cannot fault in kernel mode; the syscall MSRs and TSS.rsp0 of
    // this CPU are set up, so every way back lands in this frame.
    let reason = unsafe { enter_user_asm(ctx, sysret as u64) };
    let exit = if reason == 0 {
        Exit::Syscall
    } else {
        let r = TRAP_INFO[percpu::cpu_id()].lock().take();
        match r {
            Some((vector, error_code, cr2)) => Exit::Trap { vector, error_code, cr2 },
            None => Exit::Trap { vector: 0xff, error_code: 0, cr2: 0 },
        }
    };
    interrupts::enable();
    exit
}

static TRAP_INFO: [spin::Mutex<Option<(u8, u64, u64)>>; percpu::MAX_CPUS] =
    [const { spin::Mutex::new(None) }; percpu::MAX_CPUS];

/// Called by `trap_dispatch` for a trap from user mode once the interrupt
/// (if any) has been handled: saves the user registers into the running
/// context and returns from `enter_user`.
pub(crate) fn return_to_kernel(frame: &TrapFrame, cr2: u64) -> ! {
    let cpu = percpu::cpu_id();
    let ctx = percpu::get(cpu).user_ctx.load(Ordering::Relaxed) as *mut UserContext;
    // SAFETY: `enter_user` stored a pointer to the context it was given,
    // which stays exclusively borrowed until `enter_user` returns — which
    // is what happens next; nothing else touches it meanwhile.
    unsafe {
        let c = &mut *ctx;
        c.rax = frame.rax;
        c.rbx = frame.rbx;
        c.rcx = frame.rcx;
        c.rdx = frame.rdx;
        c.rsi = frame.rsi;
        c.rdi = frame.rdi;
        c.rbp = frame.rbp;
        c.r8 = frame.r8;
        c.r9 = frame.r9;
        c.r10 = frame.r10;
        c.r11 = frame.r11;
        c.r12 = frame.r12;
        c.r13 = frame.r13;
        c.r14 = frame.r14;
        c.r15 = frame.r15;
        c.rip = frame.rip;
        c.rsp = frame.rsp;
        c.rflags = frame.rflags;
    }
    *TRAP_INFO[cpu].lock() = Some((frame.vector as u8, frame.error_code, cr2));
    // SAFETY: gs:32 holds the kernel stack pointer saved by enter_user_asm
    // on this CPU; the trap stack frame is abandoned (TSS.rsp0 is fixed).
    unsafe { user_trap_return(1) }
}

/// Turns on the per-CPU features user mode needs: SYSCALL, SMEP/SMAP where
/// present, SSE/AVX state.
pub(crate) fn init_cpu() {
    syscall_msr::init();
    fpu::init_cpu();
    let features = core::arch::x86_64::__cpuid_count(7, 0).ebx;
    // SAFETY: sets CR4 bits only for features CPUID reports; the kernel
    // never executes user pages (SMEP) and touches user memory only in the
    // copy routines, which use stac/clac when SMAP is on.
    unsafe {
        use x86_64::registers::control::{Cr4, Cr4Flags};
        let mut cr4 = Cr4::read();
        if features & (1 << 7) != 0 {
            cr4 |= Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION;
        }
        if features & (1 << 20) != 0 {
            cr4 |= Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION;
            smap_enabled.store(true, Ordering::Relaxed);
        }
        Cr4::write(cr4);
    }
}
