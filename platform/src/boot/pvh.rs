//! The `hvm_start_info` structure a PVH loader (QEMU's `-kernel`) hands us in
//! EBX: command line, modules (the `-initrd` image) and the E820 memory map.
//! Layout from Xen's public `arch-x86/hvm/start_info.h`, version 1.

pub const MAGIC: u32 = 0x336e_c578;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct StartInfo {
    pub magic: u32,
    pub version: u32,
    pub flags: u32,
    pub nr_modules: u32,
    pub modlist_paddr: u64,
    pub cmdline_paddr: u64,
    pub rsdp_paddr: u64,
    pub memmap_paddr: u64,
    pub memmap_entries: u32,
    pub reserved: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct ModListEntry {
    pub paddr: u64,
    pub size: u64,
    pub cmdline_paddr: u64,
    pub reserved: u64,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct MemMapEntry {
    pub addr: u64,
    pub size: u64,
    pub kind: u32,
    pub reserved: u32,
}

/// E820 type of usable RAM.
pub const E820_RAM: u32 = 1;
