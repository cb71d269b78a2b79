//! Building a process image: the executable (and its interpreter, for a
//! dynamic one) loaded into a fresh address space, the stack with argv,
//! envp and the auxiliary vector, and the registers to start at.

pub mod elf;
pub mod stack;
pub mod vdso;

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
    /// Mode, owner and group of the ELF file (a script's interpreter, as
    /// Linux ignores set-ID bits on scripts): for the set-ID transition.
    pub file: FileIds,
}

/// What execve's credential change needs to know of the executable.
#[derive(Clone, Copy, Debug)]
pub struct FileIds {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// Linux's BINPRM_BUF_SIZE: how much of a `#!` line is read.
const SHEBANG_MAX: usize = 256;
/// Nested interpreters allowed (Linux: 4, then ELOOP).
const MAX_INTERP_DEPTH: usize = 4;

/// Reads an executable: it must be a regular file with execute permission
/// for the caller (EACCES otherwise, as Linux's may_open/do_open_execat).
fn read_executable(owner: Option<&crate::proc::Process>, path: &str) -> Result<(Arc<Vec<u8>>, FileIds), Errno> {
    use crate::file::vfs::{vfs, with_ctx, FsContext};
    let lookup = |vfs: &fs::vfs::Vfs, ctx: &fs::vfs::Ctx<'_>, fsc: &FsContext| -> Result<fs::InodeRef, Errno> {
        let start = if path.starts_with('/') { &fsc.root } else { &fsc.cwd };
        let loc = vfs.resolve(ctx, start, path.as_bytes(), fs::Lookup::empty())?;
        let meta = loc.inode.metadata();
        if !meta.is_regular() {
            return Err(Errno::EACCES);
        }
        fs::cred::check_access(&meta, ctx.creds, fs::Access::EXEC)?;
        Ok(loc.inode)
    };
    let inode = match owner {
        Some(p) => with_ctx(p, lookup)?,
        None => {
            let fsc = FsContext::initial();
            let creds = fs::Creds { uid: 0, gid: 0, ruid: 0, rgid: 0, groups: Vec::new() };
            let ctx = fs::vfs::Ctx { root: &fsc.root, creds: &creds, umask: 0o022 };
            lookup(vfs(), &ctx, &fsc)?
        }
    };
    let meta = inode.metadata();
    let ids = FileIds { mode: meta.mode, uid: meta.uid, gid: meta.gid };
    let size = meta.size as usize;
    let mut data = alloc::vec![0u8; size];
    let mut done = 0;
    while done < size {
        let n = inode.read_at(done as u64, &mut data[done..])?;
        if n == 0 {
            break;
        }
        done += n;
    }
    data.truncate(done);
    Ok((Arc::new(data), ids))
}

/// Loads the executable at `path`, resolved from `owner`'s root and
/// working directory (the initial root for init).
/// A `#!` script runs its interpreter with the optional argument, the
/// script's path and the original arguments after argv[0], as Linux's
/// binfmt_script does.
pub fn load(owner: Option<&crate::proc::Process>, path: &str, argv: &[&[u8]], envp: &[&[u8]]) -> Result<Image, Errno> {
    load_at_depth(owner, path, path, argv, envp, 0)
}

fn load_at_depth(owner: Option<&crate::proc::Process>, path: &str, execfn: &str, argv: &[&[u8]], envp: &[&[u8]], depth: usize) -> Result<Image, Errno> {
    let (data, file) = read_executable(owner, path)?;
    if data.starts_with(b"#!") {
        if depth >= MAX_INTERP_DEPTH {
            return Err(Errno::ELOOP);
        }
        let line = &data[2..data.len().min(SHEBANG_MAX)];
        let line = &line[..line.iter().position(|&b| b == b'\n').unwrap_or(line.len())];
        let line = core::str::from_utf8(line).map_err(|_| Errno::ENOEXEC)?.trim_matches(|c| c == ' ' || c == '\t');
        let (interp, arg) = match line.split_once([' ', '\t']) {
            Some((i, a)) => (i, Some(a.trim_matches(|c| c == ' ' || c == '\t'))),
            None => (line, None),
        };
        if interp.is_empty() {
            return Err(Errno::ENOEXEC);
        }
        let mut new_argv: Vec<&[u8]> = alloc::vec![interp.as_bytes()];
        if let Some(a) = arg.filter(|a| !a.is_empty()) {
            new_argv.push(a.as_bytes());
        }
        new_argv.push(path.as_bytes());
        new_argv.extend(argv.iter().skip(1));
        let mut image = load_at_depth(owner, interp, execfn, &new_argv, envp, depth + 1)?;
        image.name = alloc::string::String::from(path.rsplit('/').next().unwrap_or(path));
        return Ok(image);
    }
    let mm = Mm::new()?;
    let main = elf::load(&mm, &data, data.clone(), elf::PIE_BASE)?;
    let mut entry = main.entry;
    let mut base = 0;
    if let Some(interp) = &main.interp {
        let (interp_data, _) = read_executable(owner, interp)?;
        let ld = elf::load(&mm, &interp_data, interp_data.clone(), elf::INTERP_BASE)?;
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
    let vdso = vdso::map(&mm)?;
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
    let mut aux = aux;
    if vdso != 0 {
        aux.push((stack::AT_SYSINFO_EHDR, AuxValue::Value(vdso)));
    }
    let rsp = stack::build(&mm, STACK_TOP, argv, envp, execfn.as_bytes(), &aux)?;
    let ctx = UserContext { rip: entry, rsp, ..Default::default() };
    let name = alloc::string::String::from(path.rsplit('/').next().unwrap_or(path));
    Ok(Image { mm, ctx, name, file })
}
