//! Physical memory, the kernel page tables, kernel stacks and the heap.
//!
//! Virtual layout (upper half, shared by every address space):
//!
//! ```text
//! 0xffff_8000_0000_0000  direct map of all physical memory (PHYS_OFFSET)
//! 0xffff_fe00_0000_0000  kernel stacks, each with an unmapped guard page below
//! 0xffff_ffff_8000_0000  kernel image (text RX, rodata R, data/bss RW)
//! ```
//! The lower half belongs to user space.

pub mod frame;
pub mod heap;
pub mod paging;
pub mod stack;

/// Virtual address of physical address 0 in the direct map.
pub const PHYS_OFFSET: u64 = 0xffff_8000_0000_0000;
/// Virtual address the kernel image is linked at, minus its physical address.
pub const KERNEL_VMA: u64 = 0xffff_ffff_8000_0000;
pub const PAGE_SIZE: u64 = 4096;

/// A half-open range of physical addresses.
#[derive(Clone, Copy, Debug)]
pub struct PhysRange {
    pub start: u64,
    pub end: u64,
}

/// Direct-map virtual address of a physical address.
pub fn phys_to_virt(phys: u64) -> u64 {
    PHYS_OFFSET + phys
}

extern "C" {
    static __kernel_phys_start: u8;
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __kernel_end: u8;
    static boot_stack_top: u8;
}

/// Addresses of the linker script's section boundaries.
pub(crate) struct ImageLayout {
    pub phys_start: u64,
    pub text: (u64, u64),
    pub rodata: (u64, u64),
    pub data: (u64, u64),
    pub boot_stack_top: u64,
}

pub(crate) fn image_layout() -> ImageLayout {
    // Only the addresses of linker-defined symbols are taken, never read.
    let a = |p: *const u8| p as u64;
    ImageLayout {
        phys_start: a(&raw const __kernel_phys_start),
        text: (a(&raw const __text_start), a(&raw const __text_end)),
        rodata: (a(&raw const __rodata_start), a(&raw const __rodata_end)),
        data: (a(&raw const __data_start), a(&raw const __kernel_end)),
        boot_stack_top: a(&raw const boot_stack_top),
    }
}

/// Sets up the frame allocator, the kernel page tables and the heap.
/// Returns the number of usable bytes of RAM.
pub(crate) fn init(usable: &[PhysRange], initrd: Option<PhysRange>) -> u64 {
    let layout = image_layout();
    let image = PhysRange { start: layout.phys_start, end: layout.data.1 - KERNEL_VMA };
    let total = frame::init(usable, &[Some(image), initrd]);
    let max_phys = usable.iter().map(|r| r.end).max().unwrap_or(0);
    paging::init(max_phys, &layout);
    heap::init();
    log::info!(
        "memory: {} MiB usable, {} MiB free; kernel image {:#x}-{:#x}",
        total >> 20,
        frame::free_bytes() >> 20,
        image.start,
        image.end
    );
    total
}
