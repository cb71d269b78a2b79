//! Loading an ELF executable into a fresh address space, with the `object`
//! crate's ELF parser. Static, static-PIE and dynamic executables (the last
//! name their interpreter, which [`super`] loads the same way).
//!
//! Each PT_LOAD segment is mapped from the file, as Linux's elf_map: the
//! pages wholly inside `p_filesz` map the file's own pages (private: copied
//! on the first write), so every process running a program shares its text
//! with the page cache and with each other. When bss follows, the page
//! where the file part ends is a private copy whose bytes past `p_filesz`
//! are zero, and the rest up to `p_memsz` is anonymous zero memory (without
//! bss that last page is the file's too, as on Linux). A file that
//! does not keep its data in pages is copied page by page on demand
//! instead. Pages are loaded on demand either way.

use alloc::sync::Arc;

use object::elf::{FileHeader64, ET_DYN, ET_EXEC, PT_INTERP, PT_LOAD, PT_PHDR};
use object::read::elf::{FileHeader, ProgramHeader};
use object::LittleEndian;

use crate::errno::Errno;
use crate::mm::filemap::MappedFile;
use crate::mm::vma::{InodeBacking, Kind, OnFork, Prot, Vma};
use crate::mm::{page_down, page_up, Mm, PAGE};

/// Where a loaded image ended up.
pub struct Loaded {
    pub entry: u64,
    /// Address of the program headers in memory (AT_PHDR).
    pub phdr: u64,
    pub phnum: u64,
    /// Load bias (0 for ET_EXEC; AT_BASE for an interpreter).
    pub bias: u64,
    pub interp: Option<alloc::vec::Vec<u8>>,
    /// End of the highest segment: where the heap (brk) starts.
    pub end: u64,
}

/// Where position-independent executables go (Linux without ASLR).
pub const PIE_BASE: u64 = 0x5555_5555_4000;
/// Where an interpreter (ld.so) goes.
pub const INTERP_BASE: u64 = 0x7fff_f7fc_3000;

pub fn load(mm: &Arc<Mm>, file: &super::ExecFile, dyn_base: u64) -> Result<Loaded, Errno> {
    let e = LittleEndian;
    let hdr = FileHeader64::<LittleEndian>::parse(&*file.head).map_err(|_| Errno::ENOEXEC)?;
    if hdr.e_machine(e).0 != object::elf::EM_X86_64.0 {
        return Err(Errno::ENOEXEC);
    }
    let bias = match hdr.e_type(e) {
        ET_EXEC => 0,
        ET_DYN => dyn_base,
        _ => return Err(Errno::ENOEXEC),
    };
    // The program headers, from the first page or (rarely) read.
    let table_end = hdr.e_phoff(e).saturating_add(hdr.e_phnum(e) as u64 * hdr.e_phentsize(e) as u64);
    let more;
    let data: &[u8] = if table_end <= file.head.len() as u64 {
        &file.head
    } else if table_end <= 1 << 16 {
        more = file.read(0, table_end as usize)?;
        &more
    } else {
        return Err(Errno::ENOEXEC);
    };
    let phdrs = hdr.program_headers(e, data).map_err(|_| Errno::ENOEXEC)?;
    let mapped = file.inode.maps_pages().then(|| Arc::new(MappedFile::new(file.inode.clone())));
    let mut interp = None;
    let mut phdr_addr = None;
    let mut first_load = None;
    let mut end = 0u64;
    for ph in phdrs {
        let p_type = ph.p_type(e);
        if p_type == PT_INTERP {
            // As Linux: a path of 2 to PATH_MAX bytes, ending in a NUL.
            let len = ph.p_filesz(e);
            if !(2..=4096).contains(&len) {
                return Err(Errno::ENOEXEC);
            }
            let mut raw = file.read(ph.p_offset(e), len as usize)?;
            if raw.len() as u64 != len || raw.pop() != Some(0) {
                return Err(Errno::ENOEXEC);
            }
            if let Some(nul) = raw.iter().position(|&b| b == 0) {
                raw.truncate(nul);
            }
            interp = Some(raw);
        } else if p_type == PT_PHDR {
            phdr_addr = Some(ph.p_vaddr(e) + bias);
        } else if p_type == PT_LOAD {
            let (vaddr, memsz, filesz, offset) = (ph.p_vaddr(e), ph.p_memsz(e), ph.p_filesz(e), ph.p_offset(e));
            if filesz > memsz || vaddr % PAGE != offset % PAGE {
                return Err(Errno::ENOEXEC);
            }
            let start = vaddr.checked_add(bias).ok_or(Errno::ENOEXEC)?;
            let seg_end = start.checked_add(memsz).ok_or(Errno::ENOEXEC)?;
            if seg_end > platform::user::USER_END || offset.checked_add(filesz).is_none_or(|x| x > file.size) {
                return Err(Errno::ENOEXEC);
            }
            let flags = ph.p_flags(e).0;
            let prot = Prot { read: flags & 4 != 0, write: flags & 2 != 0, exec: flags & 1 != 0 };
            let (lo, hi) = (page_down(start), page_up(seg_end).ok_or(Errno::ENOEXEC)?);
            let file_off = offset - (start - lo);
            let file_end = start + filesz;
            // Segments sharing a page: the later one wins that page, as
            // with Linux's MAP_FIXED.
            let area = |m: &mut crate::mm::MmInner, a: u64, b: u64, kind: Kind| {
                if a < b {
                    if m.overlaps(a, b) {
                        m.remove(a, b);
                    }
                    m.insert(Vma { start: a, end: b, prot, shared: false, kind, grows_down: false, on_fork: OnFork::COPY, lock: Default::default() });
                }
            };
            mm.with(|m| match &mapped {
                Some(f) => {
                    // The file's pages, the page where the file part ends
                    // (a copy, zero past it, when bss follows), then
                    // anonymous memory.
                    let whole = if memsz > filesz { page_down(file_end).max(lo) } else { hi };
                    let tail = if filesz == 0 { whole } else { page_up(file_end).ok_or(Errno::ENOEXEC)?.min(hi) };
                    area(m, lo, whole, Kind::Pages { file: f.clone(), offset: file_off, may_write: false });
                    let backing = Arc::new(InodeBacking(file.inode.clone()));
                    area(m, whole, tail, Kind::File { backing, offset: file_off + (whole - lo), file_end });
                    area(m, tail, hi, Kind::Anon);
                    Ok::<(), Errno>(())
                }
                None => {
                    let backing = Arc::new(InodeBacking(file.inode.clone()));
                    area(m, lo, hi, Kind::File { backing, offset: file_off, file_end });
                    Ok(())
                }
            })?;
            if first_load.is_none() {
                first_load = Some((lo, offset - (start - lo)));
            }
            end = end.max(hi);
        }
    }
    let (first_lo, first_off) = first_load.ok_or(Errno::ENOEXEC)?;
    if let Some(f) = &mapped {
        crate::mm::filemap::register(f.id, mm);
    }
    // Without PT_PHDR, the headers are in the first segment if its file
    // range covers them (it does for every linker's output).
    let phdr = phdr_addr.unwrap_or(first_lo + hdr.e_phoff(e) - first_off);
    Ok(Loaded { entry: hdr.e_entry(e) + bias, phdr, phnum: phdrs.len() as u64, bias, interp, end })
}
