//! Per-CPU GDT and TSS.
//!
//! Selector layout (Linux's, so SYSCALL/SYSRET work with one STAR value):
//! 0x08 kernel code, 0x10 kernel data, 0x18 user code (32-bit),
//! 0x20 user data, 0x28 user code (64-bit), 0x30 TSS (two slots).
//! The TSS's IST slots hold separate stacks for #DF (1), NMI (2) and #MC (3),
//! so those are handled even when the kernel stack is unusable.

use alloc::boxed::Box;

use x86_64::instructions::segmentation::{Segment, CS, DS, ES, FS, GS, SS};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, DescriptorFlags, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;
use x86_64::{PrivilegeLevel, VirtAddr};

use crate::mem::stack;

pub const IST_DOUBLE_FAULT: u16 = 1;
pub const IST_NMI: u16 = 2;
pub const IST_MACHINE_CHECK: u16 = 3;

pub const KERNEL_CS: u16 = 0x08;
pub const KERNEL_DS: u16 = 0x10;
pub const USER_CS32: u16 = 0x18 | 3;
pub const USER_DS: u16 = 0x20 | 3;
pub const USER_CS: u16 = 0x28 | 3;

const IST_PAGES: u64 = 4;
const TRAP_STACK_PAGES: u64 = 4;

/// Builds and loads CPU `cpu`'s GDT and TSS.
pub(crate) fn init_cpu(cpu: usize) {
    let mut tss = TaskStateSegment::new();
    // Traps from user mode land here; `enter_user` has already saved the
    // kernel context, so this stack is reset on every user trap.
    let trap_top = stack::alloc(TRAP_STACK_PAGES).expect("trap stack");
    tss.privilege_stack_table[0] = VirtAddr::new(trap_top);
    crate::cpu::percpu::get(cpu).trap_stack.store(trap_top, core::sync::atomic::Ordering::Relaxed);
    for slot in [IST_DOUBLE_FAULT, IST_NMI, IST_MACHINE_CHECK] {
        let top = stack::alloc(IST_PAGES).expect("IST stack");
        tss.interrupt_stack_table[slot as usize - 1] = VirtAddr::new(top);
    }
    let tss: &'static TaskStateSegment = Box::leak(Box::new(tss));
    let mut gdt = GlobalDescriptorTable::new();
    let kcode = gdt.append(Descriptor::kernel_code_segment());
    let kdata = gdt.append(Descriptor::kernel_data_segment());
    gdt.append(Descriptor::UserSegment(DescriptorFlags::USER_CODE32.bits()));
    gdt.append(Descriptor::user_data_segment());
    gdt.append(Descriptor::user_code_segment());
    let tss_sel = gdt.append(Descriptor::tss_segment(tss));
    debug_assert_eq!(kcode.0, KERNEL_CS);
    debug_assert_eq!(kdata.0, KERNEL_DS);
    let gdt: &'static GlobalDescriptorTable = Box::leak(Box::new(gdt));
    gdt.load();
    // SAFETY: the selectors index the GDT just loaded, with the right types;
    // FS/GS are zeroed (their bases are set through MSRs).
    unsafe {
        CS::set_reg(kcode);
        SS::set_reg(kdata);
        DS::set_reg(kdata);
        ES::set_reg(kdata);
        let null = SegmentSelector::new(0, PrivilegeLevel::Ring0);
        FS::set_reg(null);
        // Loading GS zeroes GS_BASE on some CPUs: preserve it.
        let base = x86_64::registers::model_specific::GsBase::read();
        GS::set_reg(null);
        x86_64::registers::model_specific::GsBase::write(base);
        load_tss(tss_sel);
    }
}
