//! Loading an ELF executable into a fresh address space, with the `object`
//! crate's ELF parser. Static, static-PIE and dynamic executables (the last
//! name their interpreter, which [`super`] loads the same way).
//!
//! Each PT_LOAD segment becomes one area: file-backed (private) up to
//! `p_filesz`, zero from there to `p_memsz` — the bss tail of the last file
//! page is zero because the fault handler only copies file bytes below
//! `file_end`. Pages are loaded on demand.

use alloc::string::String;
use alloc::sync::Arc;

use object::elf::{FileHeader64, ET_DYN, ET_EXEC, PT_INTERP, PT_LOAD, PT_PHDR};
use object::read::elf::{FileHeader, ProgramHeader};
use object::LittleEndian;

use crate::errno::Errno;
use crate::mm::vma::{Backing, Kind, OnFork, Prot, Vma};
use crate::mm::{page_down, page_up, Mm, PAGE};

/// Where a loaded image ended up.
pub struct Loaded {
    pub entry: u64,
    /// Address of the program headers in memory (AT_PHDR).
    pub phdr: u64,
    pub phnum: u64,
    /// Load bias (0 for ET_EXEC; AT_BASE for an interpreter).
    pub bias: u64,
    pub interp: Option<String>,
    /// End of the highest segment: where the heap (brk) starts.
    pub end: u64,
}

/// Where position-independent executables go (Linux without ASLR).
pub const PIE_BASE: u64 = 0x5555_5555_4000;
/// Where an interpreter (ld.so) goes.
pub const INTERP_BASE: u64 = 0x7fff_f7fc_3000;

pub fn load(mm: &Mm, data: &[u8], backing: Arc<dyn Backing>, dyn_base: u64) -> Result<Loaded, Errno> {
    let e = LittleEndian;
    let hdr = FileHeader64::<LittleEndian>::parse(data).map_err(|_| Errno::ENOEXEC)?;
    if hdr.e_machine(e).0 != object::elf::EM_X86_64.0 {
        return Err(Errno::ENOEXEC);
    }
    let bias = match hdr.e_type(e) {
        ET_EXEC => 0,
        ET_DYN => dyn_base,
        _ => return Err(Errno::ENOEXEC),
    };
    let phdrs = hdr.program_headers(e, data).map_err(|_| Errno::ENOEXEC)?;
    let mut interp = None;
    let mut phdr_addr = None;
    let mut first_load = None;
    let mut end = 0u64;
    for ph in phdrs {
        let p_type = ph.p_type(e);
        if p_type == PT_INTERP {
            let raw = ph.interpreter(e, data).map_err(|_| Errno::ENOEXEC)?.ok_or(Errno::ENOEXEC)?;
            interp = Some(String::from_utf8(raw.to_vec()).map_err(|_| Errno::ENOEXEC)?);
        } else if p_type == PT_PHDR {
            phdr_addr = Some(ph.p_vaddr(e) + bias);
        } else if p_type == PT_LOAD {
            let (vaddr, memsz, filesz, offset) = (ph.p_vaddr(e), ph.p_memsz(e), ph.p_filesz(e), ph.p_offset(e));
            if filesz > memsz || vaddr % PAGE != offset % PAGE {
                return Err(Errno::ENOEXEC);
            }
            let start = vaddr.checked_add(bias).ok_or(Errno::ENOEXEC)?;
            let seg_end = start.checked_add(memsz).ok_or(Errno::ENOEXEC)?;
            if seg_end > platform::user::USER_END || offset.checked_add(filesz).is_none_or(|x| x > data.len() as u64) {
                return Err(Errno::ENOEXEC);
            }
            let flags = ph.p_flags(e).0;
            let prot = Prot { read: flags & 4 != 0, write: flags & 2 != 0, exec: flags & 1 != 0 };
            let (lo, hi) = (page_down(start), page_up(seg_end).ok_or(Errno::ENOEXEC)?);
            let kind = Kind::File { backing: backing.clone(), offset: offset - (start - lo), file_end: start + filesz };
            mm.with(|m| {
                if m.overlaps(lo, hi) {
                    // Segments sharing a page: the later one wins that page,
                    // as with Linux's MAP_FIXED.
                    m.remove(lo, hi);
                }
                m.insert(Vma { start: lo, end: hi, prot, shared: false, kind, grows_down: false, on_fork: OnFork::COPY });
            });
            if first_load.is_none() {
                first_load = Some((lo, offset - (start - lo)));
            }
            end = end.max(hi);
        }
    }
    let (first_lo, first_off) = first_load.ok_or(Errno::ENOEXEC)?;
    // Without PT_PHDR, the headers are in the first segment if its file
    // range covers them (it does for every linker's output).
    let phdr = phdr_addr.unwrap_or(first_lo + hdr.e_phoff(e) - first_off);
    Ok(Loaded { entry: hdr.e_entry(e) + bias, phdr, phnum: phdrs.len() as u64, bias, interp, end })
}
