//! Per-CPU data, reached through the GS base.
//!
//! Each CPU's `GS_BASE` points at its [`PerCpu`] slot in a static array;
//! `gs:[0]` is the slot's own address and `gs:[8]` the CPU index, so
//! [`cpu_id`] is one instruction. The syscall entry (processes issue) will use
//! the scratch fields at fixed offsets.

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use x86_64::registers::model_specific::GsBase;
use x86_64::VirtAddr;

pub const MAX_CPUS: usize = 64;

/// One CPU's data. Field offsets are part of the assembly ABI: do not reorder.
#[repr(C, align(64))]
pub struct PerCpu {
    self_ptr: AtomicU64,
    cpu_id: AtomicU64,
    /// Top of the stack traps from user mode arrive on (TSS.rsp0, gs:16).
    pub trap_stack: AtomicU64,
    /// User stack pointer saved at syscall entry (gs:24).
    pub user_rsp: AtomicU64,
    /// Kernel stack pointer inside `enter_user`, where a syscall or a user
    /// trap returns to (gs:32).
    pub enter_frame: AtomicU64,
    /// The `UserContext` being run (gs:40).
    pub user_ctx: AtomicU64,
    /// Address of the last fault taken by a user-copy routine (gs:48).
    pub copy_fault: AtomicU64,
    /// Root (PML4 physical address) of the user address space this CPU has
    /// loaded in CR3, or 0 for the kernel's.
    pub user_root: AtomicU64,
    /// The user FS base and GS base this CPU's MSRs hold (written by
    /// `enter_user` only when they differ: WRMSR is costly, and without
    /// CR4.FSGSBASE user mode cannot change either).
    pub user_fs_base: AtomicU64,
    pub user_gs_base: AtomicU64,
    pub apic_id: AtomicU32,
    pub online: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: PerCpu = PerCpu {
    self_ptr: AtomicU64::new(0),
    cpu_id: AtomicU64::new(0),
    trap_stack: AtomicU64::new(0),
    user_rsp: AtomicU64::new(0),
    enter_frame: AtomicU64::new(0),
    user_ctx: AtomicU64::new(0),
    copy_fault: AtomicU64::new(0),
    user_root: AtomicU64::new(0),
    user_fs_base: AtomicU64::new(0),
    user_gs_base: AtomicU64::new(0),
    apic_id: AtomicU32::new(0),
    online: AtomicBool::new(false),
};

static CPUS: [PerCpu; MAX_CPUS] = [EMPTY; MAX_CPUS];
static READY: AtomicBool = AtomicBool::new(false);

/// Points this CPU's GS base at slot `cpu`.
pub(crate) fn install(cpu: usize) {
    let slot = &CPUS[cpu];
    let addr = slot as *const PerCpu as u64;
    slot.self_ptr.store(addr, Ordering::Relaxed);
    slot.cpu_id.store(cpu as u64, Ordering::Relaxed);
    GsBase::write(VirtAddr::new(addr));
}

pub(crate) fn init_bsp_early() {
    install(0);
    READY.store(true, Ordering::Release);
}

/// The index of the CPU this runs on (0 = bootstrap CPU).
pub fn cpu_id() -> usize {
    let id: u64;
    // SAFETY: GS points at this CPU's `PerCpu` from `init_bsp_early` (BSP)
    // or the AP entry on; offset 8 is `cpu_id`. Reading it has no side
    // effects.
    unsafe { core::arch::asm!("mov {}, gs:[8]", out(reg) id, options(nostack, preserves_flags, readonly)) };
    id as usize
}

/// [`cpu_id`] or `None` before per-CPU data exists.
pub fn try_cpu_id() -> Option<usize> {
    READY.load(Ordering::Acquire).then(cpu_id)
}

/// The data of CPU `cpu`.
pub fn get(cpu: usize) -> &'static PerCpu {
    &CPUS[cpu]
}

/// This CPU's data.
pub fn current() -> &'static PerCpu {
    &CPUS[cpu_id()]
}
