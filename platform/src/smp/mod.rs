//! Starting the application processors.
//!
//! CPUs come from ACPI's MADT. Each AP is started with INIT, then STARTUP
//! (twice if it does not answer), into `trampoline.S` copied to physical
//! 0x8000; the trampoline climbs to long mode on a temporary PML4 (the
//! kernel half plus an identity map of low memory) and calls [`ap_entry`],
//! which switches to the kernel page tables and sets up the CPU's GDT/TSS,
//! IST stacks, IDT, GS base and local APIC before the kernel's `ap_main`.
//! APs are started one at a time, so the trampoline parameters are reused.

use alloc::vec::Vec;
use core::arch::global_asm;
use core::sync::atomic::{AtomicUsize, Ordering};

use x86_64::registers::control::{Cr3, Cr3Flags};
use x86_64::structures::paging::PhysFrame;
use x86_64::PhysAddr;

use crate::acpi::AcpiInfo;
use crate::apic::{self, lapic};
use crate::cpu::{gdt, idt, percpu};
use crate::mem::{frame, paging, phys_to_virt, stack};
use crate::time;

global_asm!(include_str!("trampoline.S"), options(att_syntax));

extern "C" {
    static ap_trampoline_start: u8;
    static ap_trampoline_end: u8;
    static boot_pml4: [u64; 512];
}

extern "Rust" {
    fn aramid_ap_main(cpu: usize) -> !;
}

const TRAMPOLINE: u64 = 0x8000;
const AP_STACK_PAGES: u64 = 16;

static APIC_IDS: spin::Once<Vec<u32>> = spin::Once::new();
static ONLINE: AtomicUsize = AtomicUsize::new(1);

pub(crate) fn set_topology(acpi: &AcpiInfo) {
    let mut ids = acpi.apic_ids.clone();
    ids.truncate(percpu::MAX_CPUS);
    percpu::get(0).apic_id.store(ids[0], Ordering::Relaxed);
    percpu::get(0).online.store(true, Ordering::Release);
    APIC_IDS.call_once(|| ids);
}

/// CPUs present (enabled in the MADT), whether started or not.
pub fn cpus_present() -> usize {
    APIC_IDS.get().map_or(1, |v| v.len())
}

/// CPUs running kernel code.
pub fn cpus_online() -> usize {
    ONLINE.load(Ordering::Acquire)
}

/// Local APIC ID of CPU `cpu`.
pub fn apic_id(cpu: usize) -> u32 {
    APIC_IDS.get().and_then(|v| v.get(cpu).copied()).unwrap_or(0)
}

fn wait_ns(ns: u64) {
    let end = time::now_ns() + ns;
    while time::now_ns() < end {
        core::hint::spin_loop();
    }
}

/// Starts every AP; returns the number of CPUs online afterwards.
pub fn start_aps() -> usize {
    let n = cpus_present();
    if n <= 1 {
        return 1;
    }
    // SAFETY: the trampoline's bytes are in the kernel image (read only
    // here); 0x8000 is below 1 MiB, which the frame allocator never hands
    // out, and mapped by the direct map.
    unsafe {
        let start = &raw const ap_trampoline_start;
        let len = (&raw const ap_trampoline_end as usize) - (start as usize);
        core::ptr::copy_nonoverlapping(start, phys_to_virt(TRAMPOLINE) as *mut u8, len);
    }
    // Temporary PML4: the kernel half plus boot.S's identity map of the
    // first GiB (slot 0), which covers the trampoline page.
    let Some(pml4) = frame::alloc_zeroed().filter(|&p| p < (1 << 32)) else {
        log::error!("smp: no low frame for the AP page table");
        return 1;
    };
    // SAFETY: `pml4` is a fresh frame; the kernel PML4 and boot_pml4 are
    // page tables readable through the direct map (boot_pml4's link
    // address is its physical address).
    unsafe {
        let dst = phys_to_virt(pml4) as *mut u64;
        let src = phys_to_virt(paging::kernel_pml4()) as *const u64;
        core::ptr::copy_nonoverlapping(src.add(256), dst.add(256), 256);
        let boot = phys_to_virt(&raw const boot_pml4 as u64) as *const u64;
        *dst = *boot;
    }
    for cpu in 1..n {
        let Some(top) = stack::alloc(AP_STACK_PAGES) else {
            log::error!("smp: no memory for CPU {cpu}'s stack");
            break;
        };
        let params = phys_to_virt(TRAMPOLINE) as *mut u64;
        // SAFETY: the parameter words at offsets 8..40 of the trampoline
        // copy; no AP is running the trampoline now (one at a time).
        unsafe {
            params.add(1).write_volatile(pml4);
            params.add(2).write_volatile(top);
            params.add(3).write_volatile(ap_entry as extern "C" fn(u64) -> ! as usize as u64);
            params.add(4).write_volatile(cpu as u64);
        }
        let id = apic_id(cpu);
        let before = ONLINE.load(Ordering::Acquire);
        lapic::send_init(id);
        wait_ns(10_000_000);
        lapic::send_sipi(id, (TRAMPOLINE >> 12) as u8);
        let started = |timeout: u64| {
            let end = time::now_ns() + timeout;
            while time::now_ns() < end {
                if ONLINE.load(Ordering::Acquire) > before {
                    return true;
                }
                core::hint::spin_loop();
            }
            false
        };
        if !started(100_000_000) {
            lapic::send_sipi(id, (TRAMPOLINE >> 12) as u8);
            if !started(2_000_000_000) {
                log::error!("smp: CPU {cpu} (APIC ID {id}) did not start");
                continue;
            }
        }
    }
    frame::free(pml4);
    cpus_online()
}

/// First Rust code on an AP, on its own stack.
extern "C" fn ap_entry(cpu: u64) -> ! {
    let cpu = cpu as usize;
    // SAFETY: the kernel PML4 maps everything the kernel uses; the
    // trampoline's identity map is no longer needed.
    unsafe {
        Cr3::write(PhysFrame::containing_address(PhysAddr::new(paging::kernel_pml4())), Cr3Flags::empty());
    }
    percpu::install(cpu);
    gdt::init_cpu(cpu);
    idt::load();
    crate::user::init_cpu();
    crate::vdso::init_cpu(cpu);
    apic::init_ap();
    let slot = percpu::get(cpu);
    slot.apic_id.store(lapic::id(), Ordering::Relaxed);
    slot.online.store(true, Ordering::Release);
    ONLINE.fetch_add(1, Ordering::AcqRel);
    // SAFETY: defined by the kernel through `platform::entry_points!`.
    unsafe { aramid_ap_main(cpu) }
}
