//! Mapping the vDSO into a new program: its data page, read-only, and the
//! image, readable and executable, right above it, at a free address below
//! the mmap base. AT_SYSINFO_EHDR tells the program (glibc, musl) where the
//! image is. The frames are the kernel's (`platform::vdso`), shared by
//! every process and never freed.

use crate::errno::Errno;
use crate::mm::vma::{Kind, OnFork, Prot, Vma};
use crate::mm::Mm;

/// Takes the kernel's permanent reference on the vDSO frames, so mapping
/// and unmapping them never frees them.
pub fn init() {
    for &f in platform::vdso::frames() {
        crate::mm::frames::get(f);
    }
}

/// Maps the vDSO into `mm`; returns the image's address (0: no vDSO).
pub fn map(mm: &Mm) -> Result<u64, Errno> {
    let frames = platform::vdso::frames();
    if frames.len() < 2 {
        return Ok(0);
    }
    mm.with(|m| {
        let len = frames.len() as u64 * 4096;
        let base = m.find_free(len).ok_or(Errno::ENOMEM)?;
        let fixed = |first: usize| Kind::Fixed { frames, first };
        let data = Vma { start: base, end: base + 4096, prot: Prot { read: true, write: false, exec: false }, shared: false, kind: fixed(0), grows_down: false, on_fork: OnFork::COPY, lock: Default::default() };
        let image = Vma { start: base + 4096, end: base + len, prot: Prot { read: true, write: false, exec: true }, shared: false, kind: fixed(1), grows_down: false, on_fork: OnFork::COPY, lock: Default::default() };
        m.insert(data);
        m.insert(image);
        Ok(base + 4096)
    })
}
