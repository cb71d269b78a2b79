//! The vDSO: its image (built from `vdso/` by build.rs) copied into
//! frames once at boot, and its data page ("vvar"), which the kernel keeps
//! current and every process maps read-only just below the image.
//!
//! The data page holds what the vDSO needs to compute the clocks exactly
//! as [`crate::time`] does — the boot TSC, the TSC-to-ns factor, the
//! realtime offset — under a sequence count (odd while an update is in
//! progress). Only setting CLOCK_REALTIME changes it after boot. On CPUs
//! with RDTSCP each CPU's number goes to IA32_TSC_AUX, so getcpu needs no
//! system call either.

use core::sync::atomic::{fence, AtomicU32, Ordering};

use crate::mem::frame;

include!("../vdso/src/vvar.rs");

/// The vDSO image (an ELF shared object).
pub static IMAGE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/vdso.so"));

/// Frames: the data page, then the image's pages.
static FRAMES: spin::Once<alloc::vec::Vec<u64>> = spin::Once::new();
/// Serialises writers of the data page.
static WRITER: spin::Mutex<()> = spin::Mutex::new(());
static RDTSCP: AtomicU32 = AtomicU32::new(0);

fn has_rdtscp() -> bool {
    core::arch::x86_64::__cpuid(0x8000_0000).eax >= 0x8000_0001 && core::arch::x86_64::__cpuid(0x8000_0001).edx & (1 << 27) != 0
}

/// Per CPU: the CPU number in IA32_TSC_AUX (for RDTSCP in getcpu).
pub(crate) fn init_cpu(cpu: usize) {
    if has_rdtscp() {
        // SAFETY: IA32_TSC_AUX (0xc000_0103) exists when CPUID reports
        // RDTSCP; it only feeds RDTSCP/RDPID.
        unsafe { x86_64::registers::model_specific::Msr::new(0xc000_0103).write(cpu as u64) };
        RDTSCP.store(1, Ordering::Relaxed);
    }
}

/// The data page's fields, through the direct map.
fn vvar() -> *mut Vvar {
    crate::mem::phys_to_virt(frames()[0]) as *mut Vvar
}

/// Copies the image into frames and fills the data page (after the TSC
/// calibration and the realtime clock).
pub(crate) fn init() {
    FRAMES.call_once(|| {
        let pages = IMAGE.len().div_ceil(4096);
        let mut frames = alloc::vec::Vec::with_capacity(pages + 1);
        for _ in 0..=pages {
            frames.push(frame::alloc_zeroed().expect("memory for the vDSO"));
        }
        for (i, chunk) in IMAGE.chunks(4096).enumerate() {
            frame::write(frames[i + 1], 0, chunk);
        }
        frames
    });
    update();
}

/// Frames to map: the data page first, then the image.
pub fn frames() -> &'static [u64] {
    FRAMES.get().map_or(&[], |f| f.as_slice())
}

/// Publishes the current clock parameters to the data page.
pub(crate) fn update() {
    if FRAMES.get().is_none() {
        return;
    }
    let _w = WRITER.lock();
    let v = vvar();
    // SAFETY: the data page is a frame owned by this module for the
    // kernel's lifetime; writers are serialised by WRITER; readers (user
    // mode) only read, and retry while `seq` is odd or changed.
    unsafe {
        let seq = &*(core::ptr::addr_of_mut!((*v).seq) as *const AtomicU32);
        seq.fetch_add(1, Ordering::AcqRel);
        fence(Ordering::Release);
        core::ptr::write_volatile(core::ptr::addr_of_mut!((*v).getcpu_rdtscp), RDTSCP.load(Ordering::Relaxed));
        core::ptr::write_volatile(core::ptr::addr_of_mut!((*v).boot_tsc), crate::time::tsc::boot_tsc());
        core::ptr::write_volatile(core::ptr::addr_of_mut!((*v).ns_per_tick), crate::time::tsc::ns_per_tick());
        core::ptr::write_volatile(core::ptr::addr_of_mut!((*v).realtime_offset), crate::time::realtime_offset());
        fence(Ordering::Release);
        seq.fetch_add(1, Ordering::AcqRel);
    }
}
