//! Building a process image: the executable (and its interpreter, for a
//! dynamic one) loaded into a fresh address space, the stack with argv,
//! envp and the auxiliary vector, and the registers to start at.

pub mod elf;
pub mod stack;

use alloc::sync::Arc;
use alloc::vec::Vec;

use platform::user::UserContext;

use crate::errno::Errno;
use crate::mm::vma::{Prot, Vma};
use crate::mm::{page_up, Mm, STACK_SIZE, STACK_TOP};
use stack::{AuxValue, *};

/// A ready image: its address space and the registers to start with.
pub struct Image {
    pub mm: Arc<Mm>,
    pub ctx: UserContext,
    /// `comm`: the executable's file name.
    pub name: alloc::string::String,
}

/// Loads the executable at `path` (from the initramfs until the VFS lands).
pub fn load(path: &str, argv: &[&[u8]], envp: &[&[u8]]) -> Result<Image, Errno> {
    let data = crate::initramfs::lookup(path)?;
    let data = if data.starts_with(b"#!") { return Err(Errno::ENOEXEC) } else { data };
    let mm = Mm::new()?;
    let main = elf::load(&mm, data, elf::PIE_BASE)?;
    let mut entry = main.entry;
    let mut base = 0;
    if let Some(interp) = &main.interp {
        let interp_data = crate::initramfs::lookup(interp)?;
        let ld = elf::load(&mm, interp_data, elf::INTERP_BASE)?;
        if ld.interp.is_some() {
            return Err(Errno::ELIBBAD);
        }
        entry = ld.entry;
        base = ld.bias;
    }
    let brk = page_up(main.end).ok_or(Errno::ENOEXEC)?;
    mm.with(|m| {
        m.brk_start = brk;
        m.brk = brk;
        let mut stack = Vma::anon(STACK_TOP - STACK_SIZE, STACK_TOP, Prot { read: true, write: true, exec: false });
        stack.grows_down = true;
        m.insert(stack);
    });
    mm.activate();
    let hwcap = core::arch::x86_64::__cpuid(1).edx as u64;
    let aux: Vec<(u64, AuxValue)> = alloc::vec![
        (AT_PHDR, AuxValue::Value(main.phdr)),
        (AT_PHENT, AuxValue::Value(56)),
        (AT_PHNUM, AuxValue::Value(main.phnum)),
        (AT_PAGESZ, AuxValue::Value(4096)),
        (AT_BASE, AuxValue::Value(base)),
        (AT_FLAGS, AuxValue::Value(0)),
        (AT_ENTRY, AuxValue::Value(main.entry)),
        (AT_UID, AuxValue::Value(0)),
        (AT_EUID, AuxValue::Value(0)),
        (AT_GID, AuxValue::Value(0)),
        (AT_EGID, AuxValue::Value(0)),
        (AT_SECURE, AuxValue::Value(0)),
        (AT_RANDOM, AuxValue::Random),
        (AT_HWCAP, AuxValue::Value(hwcap)),
        (AT_HWCAP2, AuxValue::Value(0)),
        (AT_CLKTCK, AuxValue::Value(100)),
        (AT_EXECFN, AuxValue::ExecFn),
        (AT_PLATFORM, AuxValue::Platform),
        (AT_MINSIGSTKSZ, AuxValue::Value(2048)),
    ];
    let rsp = stack::build(&mm, STACK_TOP, argv, envp, path.as_bytes(), &aux)?;
    let ctx = UserContext { rip: entry, rsp, ..Default::default() };
    let name = alloc::string::String::from(path.rsplit('/').next().unwrap_or(path));
    Ok(Image { mm, ctx, name })
}
