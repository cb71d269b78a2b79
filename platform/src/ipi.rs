//! Inter-processor interrupts: reschedule, TLB shootdown, call-function and
//! stop-on-panic (an NMI, so it lands even with interrupts disabled).

use core::sync::atomic::{AtomicU64, Ordering};

use crate::apic::{lapic, vectors};
use crate::cpu::percpu::{self, MAX_CPUS};
use crate::cpu::trap::TrapFrame;
use crate::sync::IrqMutex;
use crate::{panic, smp};

/// Asks `cpu` to look at its run queue (wakes it from `hlt`).
pub fn reschedule(cpu: usize) {
    lapic::send_ipi(smp::apic_id(cpu), vectors::RESCHEDULE);
}

fn others() -> impl Iterator<Item = usize> {
    let me = percpu::try_cpu_id().unwrap_or(0);
    (0..smp::cpus_present()).filter(move |&c| c != me && percpu::get(c).online.load(Ordering::Acquire))
}

/// Stops every other CPU (the panic and halt paths).
pub fn stop_other_cpus() {
    for c in others() {
        lapic::send_nmi(smp::apic_id(c));
    }
}

pub(crate) fn handle_nmi(frame: &TrapFrame) {
    if panic::in_progress() || crate::power::halting() {
        crate::power::halt_forever();
    }
    log::warn!("NMI at {:#x}", frame.rip);
}

// ---- TLB shootdown ----------------------------------------------------

static SHOOTDOWN: spin::Mutex<()> = spin::Mutex::new(());
static SD_START: AtomicU64 = AtomicU64::new(0);
static SD_END: AtomicU64 = AtomicU64::new(0);
/// Bit per CPU that still has to flush.
static SD_PENDING: AtomicU64 = AtomicU64::new(0);

fn flush_local(start: u64, end: u64) {
    if end - start > 64 * 4096 {
        x86_64::instructions::tlb::flush_all();
    } else {
        let mut a = start & !0xfff;
        while a < end {
            x86_64::instructions::tlb::flush(x86_64::VirtAddr::new_truncate(a));
            a += 4096;
        }
    }
}

/// Invalidates `start..end` in every online CPU's TLB and returns once all
/// have done so (the number of other CPUs asked). Callable with interrupts
/// disabled: while waiting for the lock or for acknowledgements, a CPU
/// serves requests aimed at itself.
pub fn tlb_shootdown(start: u64, end: u64) -> u32 {
    flush_local(start, end);
    shoot(others().fold(0, |m, c| m | 1 << c), start, end)
}

/// Invalidates `start..end` of the address space whose page-table root is
/// `root`: here, and on the other CPUs that have it loaded now (Linux's
/// mm_cpumask). A CPU that loaded another root since holds no entry of it
/// (no PCIDs: a CR3 write drops the user half's entries), and one that
/// loads `root` after this call's page-table change walks the new tables:
/// each side fences between its store (user_root, the page table) and its
/// load (the other's), so one of them sees the other.
pub fn tlb_shootdown_space(root: u64, start: u64, end: u64) -> u32 {
    flush_local(start, end);
    core::sync::atomic::fence(Ordering::SeqCst);
    let targets = others()
        .filter(|&c| percpu::get(c).user_root.load(Ordering::Acquire) == root)
        .fold(0, |m, c| m | 1 << c);
    shoot(targets, start, end)
}

fn shoot(targets: u64, start: u64, end: u64) -> u32 {
    if targets == 0 {
        return 0;
    }
    let guard = loop {
        if let Some(g) = SHOOTDOWN.try_lock() {
            break g;
        }
        handle_tlb_shootdown();
        core::hint::spin_loop();
    };
    SD_START.store(start, Ordering::Relaxed);
    SD_END.store(end, Ordering::Relaxed);
    SD_PENDING.store(targets, Ordering::Release);
    for c in 0..MAX_CPUS {
        if targets & (1 << c) != 0 {
            lapic::send_ipi(smp::apic_id(c), vectors::TLB_SHOOTDOWN);
        }
    }
    while SD_PENDING.load(Ordering::Acquire) != 0 {
        core::hint::spin_loop();
    }
    drop(guard);
    targets.count_ones()
}

pub(crate) fn handle_tlb_shootdown() {
    let me = 1u64 << percpu::cpu_id();
    if SD_PENDING.load(Ordering::Acquire) & me != 0 {
        flush_local(SD_START.load(Ordering::Relaxed), SD_END.load(Ordering::Relaxed));
        SD_PENDING.fetch_and(!me, Ordering::AcqRel);
    }
}

// ---- call-function ----------------------------------------------------

struct Call {
    func: fn(u64),
    arg: u64,
}

static CALLS: [IrqMutex<Option<Call>>; MAX_CPUS] = [const { IrqMutex::new(None) }; MAX_CPUS];
static CALLS_DONE: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];
static CALL_SENDER: [spin::Mutex<()>; MAX_CPUS] = [const { spin::Mutex::new(()) }; MAX_CPUS];

/// Runs `func(arg)` on `cpu` in interrupt context and waits for it to
/// finish. Must be called with interrupts enabled (so that two CPUs calling
/// each other both make progress).
pub fn call_on(cpu: usize, func: fn(u64), arg: u64) {
    if cpu == percpu::cpu_id() {
        func(arg);
        return;
    }
    let _sender = CALL_SENDER[cpu].lock();
    let before = CALLS_DONE[cpu].load(Ordering::Acquire);
    *CALLS[cpu].lock() = Some(Call { func, arg });
    lapic::send_ipi(smp::apic_id(cpu), vectors::CALL_FUNCTION);
    while CALLS_DONE[cpu].load(Ordering::Acquire) == before {
        core::hint::spin_loop();
    }
}

pub(crate) fn handle_call() {
    let me = percpu::cpu_id();
    let call = CALLS[me].lock().take();
    if let Some(c) = call {
        (c.func)(c.arg);
        CALLS_DONE[me].fetch_add(1, Ordering::AcqRel);
    }
}

// ---- address-space retirement -----------------------------------------

fn leave_if_active(root: u64) {
    use x86_64::registers::control::{Cr3, Cr3Flags};
    use x86_64::structures::paging::PhysFrame;
    if Cr3::read().0.start_address().as_u64() == root {
        let kernel = crate::mem::paging::kernel_pml4();
        // SAFETY: the kernel PML4 maps everything the kernel uses.
        unsafe { Cr3::write(PhysFrame::containing_address(x86_64::PhysAddr::new(kernel)), Cr3Flags::empty()) };
        percpu::current().user_root.store(0, Ordering::Relaxed);
    }
}

/// Makes every CPU whose CR3 is `root` switch to the kernel page tables,
/// so `root`'s tables can be freed. Call with interrupts enabled.
pub fn leave_address_space(root: u64) {
    leave_if_active(root);
    for c in others() {
        // A CPU can only load `root` to run a thread of its process, and
        // no thread is left when the address space is dropped.
        if percpu::get(c).user_root.load(Ordering::Acquire) == root {
            call_on(c, leave_if_active, root);
        }
    }
}
