//! The interrupt descriptor table, shared by all CPUs.
//!
//! Every vector points at a generated stub (`build.rs`) that funnels into
//! `trap_common` and [`super::trap::trap_dispatch`]. #DF, NMI and #MC run on
//! their own IST stacks (see [`super::gdt`]).

use x86_64::structures::idt::InterruptDescriptorTable;
use x86_64::VirtAddr;

use super::gdt::{IST_DOUBLE_FAULT, IST_MACHINE_CHECK, IST_NMI};

static IDT: spin::Once<InterruptDescriptorTable> = spin::Once::new();

extern "C" {
    static trap_stub_table: [u64; 256];
}

fn stub(vector: usize) -> VirtAddr {
    // SAFETY: `trap_stub_table` is a read-only table of 256 code addresses
    // emitted by build.rs.
    VirtAddr::new(unsafe { trap_stub_table[vector] })
}

pub(crate) fn init() {
    IDT.call_once(|| {
        let mut idt = InterruptDescriptorTable::new();
        // SAFETY (every set_handler_addr/set_stack_index below): the stubs
        // are valid interrupt entry points that preserve all state and end
        // in iretq; IST indices name stacks every CPU's TSS provides.
        unsafe {
            for v in (0..=255u8).filter(|v| !matches!(v, 8 | 10..=15 | 17 | 18 | 21..=27 | 29..=31)) {
                idt[v].set_handler_addr(stub(v as usize));
            }
            idt[2].set_handler_addr(stub(2)).set_stack_index(IST_NMI - 1);
            // int3 may be executed by user code (Linux's DPL 3 gate): a
            // breakpoint is SIGTRAP, not #GP.
            idt[3].set_handler_addr(stub(3)).set_privilege_level(x86_64::PrivilegeLevel::Ring3);
            idt.double_fault.set_handler_addr(stub(8)).set_stack_index(IST_DOUBLE_FAULT - 1);
            idt.invalid_tss.set_handler_addr(stub(10));
            idt.segment_not_present.set_handler_addr(stub(11));
            idt.stack_segment_fault.set_handler_addr(stub(12));
            idt.general_protection_fault.set_handler_addr(stub(13));
            idt.page_fault.set_handler_addr(stub(14));
            idt.alignment_check.set_handler_addr(stub(17));
            idt.machine_check.set_handler_addr(stub(18)).set_stack_index(IST_MACHINE_CHECK - 1);
            idt.cp_protection_exception.set_handler_addr(stub(21));
            idt.vmm_communication_exception.set_handler_addr(stub(29));
            idt.security_exception.set_handler_addr(stub(30));
        }
        idt
    });
}

/// Loads the IDT on the calling CPU.
pub(crate) fn load() {
    if let Some(idt) = IDT.get() {
        idt.load();
    }
}
