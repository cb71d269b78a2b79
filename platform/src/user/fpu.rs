//! User FPU/SSE/AVX state.
//!
//! The kernel itself never touches these registers (the target is
//! soft-float), so a thread's state stays in the CPU while the thread is
//! in a syscall. Each thread owns an [`FpuState`] save area. Within one
//! poll of its task, the first [`super::enter_user`] loads the area
//! (XRSTOR) unless this CPU's registers already hold it; the task calls
//! [`FpuState::release`] when the poll ends, which saves (XSAVE) if the
//! registers hold its state. A thread that makes a syscall and goes straight
//! back to user mode therefore pays neither.
//!
//! XCR0 enables x87, SSE and AVX where the CPU has them. Without XSAVE the
//! legacy FXSAVE/FXRSTOR area (512 bytes) is used.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crate::cpu::percpu::{self, MAX_CPUS};

static XSAVE: AtomicBool = AtomicBool::new(false);
static AREA_SIZE: AtomicUsize = AtomicUsize::new(512);
static XCR0: AtomicU64 = AtomicU64::new(0);
/// Per CPU: address of the `FpuState` whose contents the registers hold.
static OWNER: [AtomicUsize; MAX_CPUS] = [const { AtomicUsize::new(0) }; MAX_CPUS];

pub(crate) fn init_cpu() {
    let has_xsave = core::arch::x86_64::__cpuid(1).ecx & (1 << 26) != 0;
    // SAFETY: CR0.EM off / MP on and CR4.OSFXSR/OSXMMEXCPT enable SSE for
    // user mode; OSXSAVE and XCR0 are set only for features CPUID reports.
    unsafe {
        use x86_64::registers::control::{Cr0, Cr0Flags, Cr4, Cr4Flags};
        Cr0::update(|f| {
            f.remove(Cr0Flags::EMULATE_COPROCESSOR | Cr0Flags::TASK_SWITCHED);
            f.insert(Cr0Flags::MONITOR_COPROCESSOR);
        });
        Cr4::update(|f| {
            f.insert(Cr4Flags::OSFXSR | Cr4Flags::OSXMMEXCPT_ENABLE);
            if has_xsave {
                f.insert(Cr4Flags::OSXSAVE);
            }
        });
        if has_xsave {
            let supported = core::arch::x86_64::__cpuid_count(0xd, 0).eax as u64;
            let xcr0 = supported & 0b111; // x87 | SSE | AVX
            core::arch::asm!("xsetbv", in("ecx") 0, in("eax") xcr0 as u32, in("edx") (xcr0 >> 32) as u32, options(nostack));
            XCR0.store(xcr0, Ordering::Relaxed);
            // EBX: size of the area for the features now enabled in XCR0.
            let size = core::arch::x86_64::__cpuid_count(0xd, 0).ebx as usize;
            AREA_SIZE.store(size.max(576), Ordering::Relaxed);
            XSAVE.store(true, Ordering::Relaxed);
        }
    }
}

#[repr(C, align(64))]
#[derive(Clone, Copy)]
struct Chunk([u8; 64]);

/// A thread's saved FPU/SSE/AVX registers.
pub struct FpuState {
    area: Vec<Chunk>,
}

impl Default for FpuState {
    fn default() -> Self {
        Self::new()
    }
}

impl Clone for FpuState {
    /// A copy of the saved registers (fork). The caller releases first, so
    /// the area is up to date.
    fn clone(&self) -> Self {
        Self { area: self.area.clone() }
    }
}

impl FpuState {
    /// The initial state: FCW 0x37f, MXCSR 0x1f80, everything else zero.
    pub fn new() -> Self {
        let chunks = AREA_SIZE.load(Ordering::Relaxed).div_ceil(64);
        let mut area = alloc::vec![Chunk([0; 64]); chunks];
        area[0].0[0..2].copy_from_slice(&0x037fu16.to_le_bytes());
        area[0].0[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
        // MXCSR_MASK is left 0 (means the default mask); XSTATE_BV = x87|SSE
        // so XRSTOR loads the FCW and MXCSR above.
        if XSAVE.load(Ordering::Relaxed) {
            area[8].0[0] = 0b11;
        }
        Self { area }
    }

    /// The save area's address: stable for the state's lifetime, even when
    /// the `FpuState` itself moves.
    fn key(&self) -> usize {
        self.area.as_ptr() as usize
    }

    /// Loads this state into the registers unless they hold it already.
    pub(crate) fn load(&self) {
        let cpu = percpu::cpu_id();
        if OWNER[cpu].load(Ordering::Relaxed) == self.key() {
            return;
        }
        let ptr = self.area.as_ptr() as *const u8;
        // SAFETY: the area is 64-byte aligned and as large as CPUID says the
        // enabled features need; its header was written by XSAVE or `new`.
        unsafe {
            if XSAVE.load(Ordering::Relaxed) {
                core::arch::asm!("xrstor64 [{}]", in(reg) ptr, in("eax") u32::MAX, in("edx") u32::MAX, options(nostack));
            } else {
                core::arch::asm!("fxrstor64 [{}]", in(reg) ptr, options(nostack));
            }
        }
        OWNER[cpu].store(self.key(), Ordering::Relaxed);
    }

    /// Saves the registers into this state if they hold it, and forgets
    /// that they do (the thread may next run on another CPU). Call at the
    /// end of every poll of the thread's task, and before dropping or
    /// cloning the state.
    pub fn release(&mut self) {
        let cpu = percpu::cpu_id();
        if OWNER[cpu].load(Ordering::Relaxed) != self.key() {
            return;
        }
        let ptr = self.area.as_mut_ptr() as *mut u8;
        // SAFETY: as for `load`; the registers hold this thread's state.
        unsafe {
            if XSAVE.load(Ordering::Relaxed) {
                core::arch::asm!("xsave64 [{}]", in(reg) ptr, in("eax") u32::MAX, in("edx") u32::MAX, options(nostack));
            } else {
                core::arch::asm!("fxsave64 [{}]", in(reg) ptr, options(nostack));
            }
        }
        OWNER[cpu].store(0, Ordering::Relaxed);
    }
}

impl FpuState {
    /// Size of the save area (what a signal frame must reserve).
    pub fn size() -> usize {
        AREA_SIZE.load(Ordering::Relaxed)
    }

    /// Whether the area has the XSAVE layout (else FXSAVE's 512 bytes).
    pub fn is_xsave() -> bool {
        XSAVE.load(Ordering::Relaxed)
    }

    /// The features enabled in XCR0.
    pub fn xfeatures() -> u64 {
        XCR0.load(Ordering::Relaxed)
    }

    /// The saved registers as bytes (call [`release`](Self::release) first
    /// so they are current).
    pub fn bytes(&self) -> alloc::vec::Vec<u8> {
        let mut v = alloc::vec::Vec::with_capacity(self.area.len() * 64);
        for c in &self.area {
            v.extend_from_slice(&c.0);
        }
        v.truncate(Self::size());
        v
    }

    /// Replaces the saved registers with `image` (from a signal frame),
    /// sanitised so that restoring them cannot fault: MXCSR's reserved bits
    /// are cleared, XSTATE_BV is limited to the enabled features and the
    /// XSAVE header's reserved fields are zeroed. Forgets any copy the
    /// registers hold, so the next entry to user mode loads this one.
    pub fn set_bytes(&mut self, image: &[u8]) {
        let key = self.key();
        for o in OWNER.iter() {
            let _ = o.compare_exchange(key, 0, Ordering::Relaxed, Ordering::Relaxed);
        }
        let mut bytes = self.bytes();
        let n = image.len().min(bytes.len());
        bytes[..n].copy_from_slice(&image[..n]);
        let mxcsr = u32::from_le_bytes([bytes[24], bytes[25], bytes[26], bytes[27]]) & 0xffbf;
        bytes[24..28].copy_from_slice(&mxcsr.to_le_bytes());
        bytes[28..32].copy_from_slice(&0xffffu32.to_le_bytes()); // MXCSR_MASK
        if Self::is_xsave() && bytes.len() >= 576 {
            let bv = u64::from_le_bytes(bytes[512..520].try_into().unwrap_or([0; 8])) & Self::xfeatures();
            bytes[512..520].copy_from_slice(&bv.to_le_bytes());
            for b in &mut bytes[520..576] {
                *b = 0; // XCOMP_BV (standard format) and reserved
            }
        }
        for (i, c) in self.area.iter_mut().enumerate() {
            let start = i * 64;
            if start >= bytes.len() {
                break;
            }
            let end = (start + 64).min(bytes.len());
            c.0[..end - start].copy_from_slice(&bytes[start..end]);
        }
    }
}

impl Drop for FpuState {
    fn drop(&mut self) {
        // A dropped state must not be mistaken for a new one at the same
        // address.
        let key = self.key();
        for o in OWNER.iter() {
            let _ = o.compare_exchange(key, 0, Ordering::Relaxed, Ordering::Relaxed);
        }
    }
}
