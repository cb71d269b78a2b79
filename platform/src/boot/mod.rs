//! Boot: from QEMU's `-kernel` to the kernel's `bsp_main`.
//!
//! Aramid boots through the **PVH entry note**, not Multiboot2. QEMU (and
//! Firecracker, cloud-hypervisor, Xen) load an ELF kernel with a
//! `XEN_ELFNOTE_PHYS32_ENTRY` note directly, hand over a typed
//! `hvm_start_info` with the command line, the `-initrd` module and an E820
//! memory map, and Debian's Linux boots the same way from its uncompressed
//! vmlinux — so both kernels of a benchmark start identically. Multiboot2
//! would need GRUB or QEMU's multiboot1-only loader.
//!
//! `boot.S` runs first (32-bit, paging off): it reads the TSC, maps the first
//! GiB three ways (identity, direct map, -2 GiB kernel window), enables long
//! mode and calls [`platform_entry`] on the boot stack. That sets up the
//! machine in dependency order and calls the kernel's `bsp_main`.

use core::arch::global_asm;

use crate::mem::{self, PhysRange};
use crate::{acpi, apic, cmdline, cpu, logger, serial, time};

pub mod pvh;

global_asm!(include_str!("boot.S"), options(att_syntax));

/// What the platform found at boot, handed to the kernel.
pub struct BootInfo {
    /// The `-append` command line.
    pub cmdline: &'static str,
    /// Size of the `-initrd` image, if one was given; the image itself is
    /// [`take_initrd`]'s.
    pub initrd_size: Option<usize>,
    /// Usable RAM reported by the memory map, in bytes.
    pub usable_memory: u64,
    /// CPUs listed (and enabled) in ACPI's MADT, the bootstrap CPU included.
    pub cpus_present: usize,
}

/// The `-initrd` image: RAM the frame allocator keeps out of use, read
/// through the direct map (never copied), until [`Initrd::release`] gives
/// it back.
pub struct Initrd {
    range: PhysRange,
}

static INITRD: spin::Mutex<Option<Initrd>> = spin::Mutex::new(None);

/// The initrd, once (the kernel unpacks it, then releases it).
pub fn take_initrd() -> Option<Initrd> {
    INITRD.lock().take()
}

impl Initrd {
    pub fn data(&self) -> &[u8] {
        // SAFETY: the range is RAM the frame allocator left out at boot
        // and gets back only from `release`, which consumes `self`, so no
        // borrow of the data outlives it; the direct map covers it.
        unsafe {
            core::slice::from_raw_parts(
                mem::phys_to_virt(self.range.start) as *const u8,
                (self.range.end - self.range.start) as usize,
            )
        }
    }

    /// Gives the image's memory to the frame allocator (Linux's "Freeing
    /// initrd memory") and returns how many bytes that is: the whole pages
    /// inside it (a page it shares at either end stays reserved).
    pub fn release(self) -> u64 {
        let start = self.range.start.next_multiple_of(mem::PAGE_SIZE);
        let end = self.range.end / mem::PAGE_SIZE * mem::PAGE_SIZE;
        if end <= start {
            return 0;
        }
        mem::frame::free_contiguous(start, ((end - start) / mem::PAGE_SIZE) as usize);
        end - start
    }
}

const MAX_MEMMAP: usize = 128;

extern "Rust" {
    fn aramid_bsp_main(info: &'static BootInfo) -> !;
}

/// Reads a `T` from a physical address inside the boot direct map (the first
/// GiB, mapped at `PHYS_OFFSET` by `boot.S`).
///
/// # Safety
/// `phys..phys+size_of::<T>()` must be below 1 GiB and hold a valid `T`.
unsafe fn read_boot_phys<T: Copy>(phys: u64) -> T {
    // SAFETY: the caller guarantees the range is mapped and holds a T.
    unsafe { core::ptr::read_unaligned(mem::phys_to_virt(phys) as *const T) }
}

/// Called by `boot.S` on the boot stack with the physical address of
/// `hvm_start_info` and the TSC value read at the first instruction.
#[unsafe(no_mangle)]
extern "C" fn platform_entry(start_info_phys: u32, boot_tsc: u64) -> ! {
    time::tsc::set_boot_tsc(boot_tsc);
    serial::init();
    cpu::percpu::init_bsp_early();

    // SAFETY: the PVH loader put the start info below 1 GiB (in EBX).
    let si: pvh::StartInfo = unsafe { read_boot_phys(start_info_phys as u64) };
    if si.magic != pvh::MAGIC {
        serial::write_bytes(b"aramid: not started by a PVH loader (bad start-info magic)\n");
        crate::power::halt_forever();
    }
    let mut cmd = [0u8; cmdline::MAX];
    let mut len = 0;
    if si.cmdline_paddr != 0 {
        while len < cmd.len() {
            // SAFETY: the command line is a NUL-terminated string in low memory.
            let b: u8 = unsafe { read_boot_phys(si.cmdline_paddr + len as u64) };
            if b == 0 {
                break;
            }
            cmd[len] = b;
            len += 1;
        }
    }
    cmdline::set(&cmd[..len]);
    logger::init();
    log::info!("Aramid {} booting (PVH), command line: {}", env!("CARGO_PKG_VERSION"), cmdline::get().as_str());

    let mut map = [PhysRange { start: 0, end: 0 }; MAX_MEMMAP];
    let mut nmap = 0;
    for i in 0..si.memmap_entries.min(MAX_MEMMAP as u32) as u64 {
        let e: pvh::MemMapEntry = unsafe {
            // SAFETY: `memmap_entries` entries follow `memmap_paddr`.
            read_boot_phys(si.memmap_paddr + i * core::mem::size_of::<pvh::MemMapEntry>() as u64)
        };
        log::debug!("e820: {:#012x}-{:#012x} type {}", e.addr, e.addr + e.size, e.kind);
        if e.kind == pvh::E820_RAM {
            map[nmap] = PhysRange { start: e.addr, end: e.addr + e.size };
            nmap += 1;
        }
    }
    let initrd = if si.nr_modules > 0 {
        // SAFETY: the module list has `nr_modules` entries.
        let m: pvh::ModListEntry = unsafe { read_boot_phys(si.modlist_paddr) };
        Some(PhysRange { start: m.paddr, end: m.paddr + m.size })
    } else {
        None
    };

    let usable = mem::init(&map[..nmap], initrd);
    cpu::init_bsp();
    time::tsc::calibrate();
    time::init_realtime();
    crate::vdso::init();
    let acpi = acpi::init(si.rsdp_paddr);
    apic::init_bsp(&acpi);

    let initrd_size = initrd.map(|r| (r.end - r.start) as usize);
    *INITRD.lock() = initrd.map(|range| Initrd { range });
    let info = alloc::boxed::Box::leak(alloc::boxed::Box::new(BootInfo {
        cmdline: cmdline::get().as_str(),
        initrd_size,
        usable_memory: usable,
        cpus_present: acpi.apic_ids.len(),
    }));
    crate::smp::set_topology(&acpi);
    // SAFETY: the kernel defines this through `platform::entry_points!`.
    unsafe { aramid_bsp_main(info) }
}
