//! ACPI, through the `acpi` crate: the MADT (CPUs, I/O APICs, ISA interrupt
//! overrides) and the FADT + DSDT `\_S5` object for powering off.
//!
//! The RSDP comes from the PVH start info when the loader gives one, else
//! from the BIOS area search (QEMU's SeaBIOS puts it there).

use alloc::vec::Vec;
use core::ptr::NonNull;

use acpi::fadt::Fadt;
use acpi::madt::{Madt, MadtEntry};
use acpi::{AcpiHandler, AcpiTables, PhysicalMapping};

use crate::mem::phys_to_virt;

#[derive(Clone, Copy)]
struct DirectMap;

impl AcpiHandler for DirectMap {
    unsafe fn map_physical_region<T>(&self, physical_address: usize, size: usize) -> PhysicalMapping<Self, T> {
        let virt = phys_to_virt(physical_address as u64) as *mut T;
        // SAFETY: all physical memory is mapped at PHYS_OFFSET for the
        // kernel's lifetime, so the region stays valid; nothing is unmapped.
        unsafe { PhysicalMapping::new(physical_address, NonNull::new_unchecked(virt), size, size, *self) }
    }

    fn unmap_physical_region<T>(_region: &PhysicalMapping<Self, T>) {}
}

/// An ISA IRQ's routing to a global system interrupt.
#[derive(Clone, Copy, Debug)]
pub struct IsaOverride {
    pub irq: u8,
    pub gsi: u32,
    pub active_low: bool,
    pub level: bool,
}

/// What the kernel needs from ACPI.
#[derive(Default)]
pub struct AcpiInfo {
    /// Local APIC IDs of enabled CPUs, the bootstrap CPU's first.
    pub apic_ids: Vec<u32>,
    pub lapic_phys: u64,
    /// (physical address, first GSI) of each I/O APIC.
    pub io_apics: Vec<(u64, u32)>,
    pub overrides: Vec<IsaOverride>,
}

pub(crate) fn init(rsdp_phys: u64) -> AcpiInfo {
    // SAFETY: the RSDP address comes from the loader or from the BIOS area
    // search, and all of physical memory is mapped.
    let tables = unsafe {
        if rsdp_phys != 0 {
            AcpiTables::from_rsdp(DirectMap, rsdp_phys as usize)
        } else {
            AcpiTables::search_for_rsdp_bios(DirectMap)
        }
    };
    let mut info = AcpiInfo { lapic_phys: 0xfee0_0000, ..Default::default() };
    let tables = match tables {
        Ok(t) => t,
        Err(e) => {
            log::warn!("acpi: no usable tables ({e:?}); one CPU, default APIC addresses");
            info.apic_ids.push(crate::apic::lapic::bsp_apic_id_from_cpuid());
            info.io_apics.push((0xfec0_0000, 0));
            return info;
        }
    };
    let bsp = crate::apic::lapic::bsp_apic_id_from_cpuid();
    info.apic_ids.push(bsp);
    if let Ok(madt) = tables.find_table::<Madt>() {
        info.lapic_phys = madt.get().local_apic_address as u64;
        for entry in madt.get().entries() {
            match entry {
                MadtEntry::LocalApic(e) => {
                    let id = e.apic_id as u32;
                    let flags = e.flags;
                    // Bit 0: enabled; bit 1: online-capable.
                    if flags & 3 != 0 && id != bsp {
                        info.apic_ids.push(id);
                    }
                }
                MadtEntry::LocalX2Apic(e) => {
                    let id = e.x2apic_id;
                    let flags = e.flags;
                    if flags & 3 != 0 && id != bsp && !info.apic_ids.contains(&id) {
                        info.apic_ids.push(id);
                    }
                }
                MadtEntry::IoApic(e) => {
                    info.io_apics.push((e.io_apic_address as u64, e.global_system_interrupt_base));
                }
                MadtEntry::InterruptSourceOverride(e) => {
                    let flags = e.flags;
                    info.overrides.push(IsaOverride {
                        irq: e.irq,
                        gsi: e.global_system_interrupt,
                        active_low: flags & 3 == 3,
                        level: (flags >> 2) & 3 == 3,
                    });
                }
                _ => {}
            }
        }
    }
    if info.io_apics.is_empty() {
        info.io_apics.push((0xfec0_0000, 0));
    }
    find_s5(&tables);
    find_reset_register(&tables);
    log::info!(
        "acpi: {} CPUs (APIC IDs {:?}), {} I/O APIC(s), {} ISA override(s)",
        info.apic_ids.len(),
        info.apic_ids,
        info.io_apics.len(),
        info.overrides.len()
    );
    info
}

/// Finds the FADT's reset register, when the FADT says it works and it
/// is an I/O port (QEMU's PC machines: 0xcf9).
fn find_reset_register(tables: &AcpiTables<DirectMap>) {
    let Ok(fadt) = tables.find_table::<Fadt>() else { return };
    let flags = { fadt.get().flags };
    if !flags.supports_system_reset_via_fadt() {
        return;
    }
    let Ok(reg) = fadt.get().reset_register() else { return };
    let value = { fadt.get().reset_value };
    if reg.address_space == acpi::address::AddressSpace::SystemIo && reg.address != 0 && reg.address <= 0xffff {
        log::debug!("acpi: reset register: port {:#x} value {value:#x}", reg.address);
        crate::power::set_acpi_reset(reg.address as u16, value);
    }
}

/// Finds the PM1 control ports (FADT) and the `\_S5` sleep type (DSDT).
fn find_s5(tables: &AcpiTables<DirectMap>) {
    let Ok(fadt) = tables.find_table::<Fadt>() else { return };
    let Ok(pm1a) = fadt.get().pm1a_control_block() else { return };
    let pm1b = fadt.get().pm1b_control_block().ok().flatten().map(|g| g.address as u16).unwrap_or(0);
    let (smi_cmd, acpi_enable) = (fadt.get().smi_cmd_port, fadt.get().acpi_enable);
    let Ok(dsdt) = tables.dsdt() else { return };
    // SAFETY: the DSDT's AML stream lies in ACPI memory, mapped by the
    // direct map for the kernel's lifetime.
    let aml = unsafe { core::slice::from_raw_parts(phys_to_virt(dsdt.address as u64) as *const u8, dsdt.length as usize) };
    log::debug!("acpi: PM1a_CNT {:#x}, PM1b_CNT {pm1b:#x}, SMI_CMD {smi_cmd:#x}, _S5 {:?}", pm1a.address, s5_sleep_type(aml));
    if let Some(typ) = s5_sleep_type(aml) {
        crate::power::set_acpi_s5(pm1a.address as u16, pm1b, typ, smi_cmd as u16, acpi_enable);
    }
}

/// Reads SLP_TYPa from the `Name(_S5_, Package(){a, b, ...})` object: the
/// one AML construct power-off needs, so no AML interpreter is required.
fn s5_sleep_type(aml: &[u8]) -> Option<u16> {
    let pos = aml.windows(4).position(|w| w == b"_S5_")?;
    let mut i = pos + 4;
    if *aml.get(i)? != 0x12 {
        return None; // PackageOp
    }
    i += 1;
    let pkg_len_bytes = (aml.get(i)? >> 6) as usize + 1;
    i += pkg_len_bytes + 1; // PkgLength, NumElements
    match *aml.get(i)? {
        0x0a => Some(*aml.get(i + 1)? as u16), // BytePrefix
        0x00 => Some(0),                       // ZeroOp
        0x01 => Some(1),                       // OneOp
        b => Some(b as u16),
    }
}
