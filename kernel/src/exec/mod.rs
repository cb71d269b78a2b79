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
    pub name: Vec<u8>,
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
/// Nested scripts allowed: Linux's exec_binprm runs at most six binary
/// handlers (depth 0-5), so five scripts and the final program; a sixth
/// script is ELOOP.
const MAX_INTERP_DEPTH: usize = 5;

/// Opens an executable and reads its first page: it must be a regular file with execute permission
/// for the caller (EACCES otherwise, as Linux's may_open/do_open_execat).
fn read_executable(owner: Option<&crate::proc::Thread>, path: &[u8], at: Option<&ExecAt>) -> Result<(ExecFile, FileIds), Errno> {
    use crate::file::vfs::{with_ctx, FsContext};
    let lookup = |vfs: &fs::vfs::Vfs, ctx: &fs::vfs::Ctx<'_>, fsc: &FsContext| -> Result<(fs::InodeRef, bool), Errno> {
        let default = if path.starts_with(b"/") { &fsc.root } else { &fsc.cwd };
        let start = at.and_then(|a| a.start.as_ref()).unwrap_or(default);
        let flags = at.map_or(fs::Lookup::empty(), |a| a.lookup);
        let loc = vfs.resolve(ctx, start, path, flags)?;
        let meta = loc.inode.metadata();
        // A final symlink left unfollowed (AT_SYMLINK_NOFOLLOW), as open
        // with O_NOFOLLOW.
        if meta.is_symlink() {
            return Err(Errno::ELOOP);
        }
        if !meta.is_regular() {
            return Err(Errno::EACCES);
        }
        fs::ops::check_exec_mount(&loc)?;
        fs::cred::check_access(&meta, ctx.creds, fs::Access::EXEC)?;
        Ok((loc.inode, loc.mount.flags().contains(fs::MountFlags::NOSUID)))
    };
    let (inode, nosuid) = match owner {
        Some(p) => with_ctx(p, lookup)?,
        None => {
            let fsc = FsContext::initial();
            let creds = fs::Creds { uid: 0, gid: 0, ruid: 0, rgid: 0, groups: Vec::new() };
            let ctx = fs::vfs::Ctx { root: &fsc.root, creds: &creds, umask: 0o022 };
            lookup(&fsc.mnt.vfs, &ctx, &fsc)?
        }
    };
    let meta = inode.metadata();
    // On a MS_NOSUID mount the set-ID bits give nothing (mnt_may_suid).
    let mode = if nosuid { meta.mode & !0o6000 } else { meta.mode };
    let ids = FileIds { mode, uid: meta.uid, gid: meta.gid };
    let head = read_range(&inode, 0, (meta.size as usize).min(HEAD))?;
    Ok((ExecFile { inode, size: meta.size, head }, ids))
}

/// What exec reads of a file before mapping it: the ELF header and
/// program headers (or a `#!` line) are in the first page of every
/// linker's output; anything further is read when needed.
const HEAD: usize = 4096;

/// An executable being loaded: its segments are mapped from the file, not
/// read (see [`elf`]).
pub struct ExecFile {
    pub inode: fs::InodeRef,
    pub size: u64,
    /// The first [`HEAD`] bytes (fewer for a shorter file).
    pub head: Vec<u8>,
}

impl ExecFile {
    /// `len` bytes at `offset` (fewer at the end of file).
    pub fn read(&self, offset: u64, len: usize) -> Result<Vec<u8>, Errno> {
        read_range(&self.inode, offset, len)
    }
}

fn read_range(inode: &fs::InodeRef, offset: u64, len: usize) -> Result<Vec<u8>, Errno> {
    let mut data = alloc::vec![0u8; len];
    let mut done = 0;
    while done < len {
        let n = inode.read_at(offset + done as u64, &mut data[done..])?;
        if n == 0 {
            break;
        }
        done += n;
    }
    data.truncate(done);
    Ok(data)
}

/// Loads the executable at `path` for thread `owner`: resolved from its root and
/// working directory (the initial root for init).
/// A `#!` script runs its interpreter with the optional argument, the
/// script's path and the original arguments after argv[0], as Linux's
/// binfmt_script does.
pub fn load(owner: Option<&crate::proc::Thread>, path: &[u8], argv: &[&[u8]], envp: &[&[u8]]) -> Result<Image, Errno> {
    load_at_depth(owner, path, path, None, argv, envp, 0)
}

/// execveat's view of the program: where its lookup starts and how, and
/// the name it is known by (Linux's bprm->filename).
pub struct ExecAt {
    /// The directory (or, with AT_EMPTY_PATH, the file) of the descriptor;
    /// None for AT_FDCWD or an absolute path.
    pub start: Option<fs::vfs::PathLoc>,
    /// NOFOLLOW and EMPTY_PATH from the execveat flags.
    pub lookup: fs::Lookup,
    /// AT_EXECFN and a script's path argument: the path as given, or
    /// "/dev/fd/N" and "/dev/fd/N/name" for descriptor-relative calls.
    pub filename: Vec<u8>,
    /// The descriptor is close-on-exec: a script's interpreter could not
    /// open "/dev/fd/N" any more, so scripts are ENOENT.
    pub inaccessible: bool,
}

/// Loads the program of an execveat call (see [`ExecAt`]).
pub fn load_at(owner: &crate::proc::Thread, path: &[u8], at: &ExecAt, argv: &[&[u8]], envp: &[&[u8]]) -> Result<Image, Errno> {
    load_at_depth(Some(owner), path, &at.filename, Some(at), argv, envp, 0)
}

/// Splits a `#!` line into the interpreter and its optional argument as
/// Linux's load_script does: only the first BINPRM_BUF_SIZE bytes count
/// (a file shorter than that ends in NULs); without a newline there, the
/// interpreter name must end in a blank or NUL inside the buffer (else it
/// may be truncated: ENOEXEC) and the line is cut at byte 255; blanks
/// around the argument are dropped, blanks inside it kept; a NUL ends it.
fn parse_shebang(data: &[u8]) -> Result<(&[u8], Option<&[u8]>), Errno> {
    let buf = &data[..data.len().min(SHEBANG_MAX)];
    let blank = |b: u8| b == b' ' || b == b'\t';
    let line_end = match buf.iter().position(|&b| b == b'\n') {
        Some(n) => n,
        None if buf.len() < SHEBANG_MAX => buf.len(),
        None => {
            let body = &buf[2..SHEBANG_MAX - 1];
            let start = body.iter().position(|&b| !blank(b)).ok_or(Errno::ENOEXEC)?;
            if !body[start..].iter().any(|&b| blank(b) || b == 0) {
                return Err(Errno::ENOEXEC);
            }
            SHEBANG_MAX - 1
        }
    };
    let mut line = &buf[2..line_end];
    // A NUL ends the line (Linux works on C strings).
    if let Some(n) = line.iter().position(|&b| b == 0) {
        line = &line[..n];
    }
    while let [b, rest @ ..] = line {
        if !blank(*b) {
            break;
        }
        line = rest;
    }
    while let [rest @ .., b] = line {
        if !blank(*b) {
            break;
        }
        line = rest;
    }
    if line.is_empty() {
        return Err(Errno::ENOEXEC);
    }
    let name_end = line.iter().position(|&b| blank(b)).unwrap_or(line.len());
    let (interp, mut rest) = line.split_at(name_end);
    while let [b, r @ ..] = rest {
        if !blank(*b) {
            break;
        }
        rest = r;
    }
    Ok((interp, if rest.is_empty() { None } else { Some(rest) }))
}

/// `path` is looked up (from `at` at depth 0); `execfn` is the name the
/// program is known by (AT_EXECFN, and the path a script's interpreter
/// gets).
fn load_at_depth(owner: Option<&crate::proc::Thread>, path: &[u8], execfn: &[u8], at: Option<&ExecAt>, argv: &[&[u8]], envp: &[&[u8]], depth: usize) -> Result<Image, Errno> {
    let (exe, file) = read_executable(owner, path, at)?;
    if exe.head.starts_with(b"#!") {
        if depth >= MAX_INTERP_DEPTH {
            return Err(Errno::ELOOP);
        }
        if at.is_some_and(|a| a.inaccessible) {
            return Err(Errno::ENOENT);
        }
        let (interp, arg) = parse_shebang(&exe.head)?;
        let mut new_argv: Vec<&[u8]> = alloc::vec![interp];
        if let Some(a) = arg {
            new_argv.push(a);
        }
        // The script as the interpreter will open it: the name it was
        // executed by ("/dev/fd/N" through a descriptor).
        let script = if at.is_some() { execfn } else { path };
        new_argv.push(script);
        new_argv.extend(argv.iter().skip(1));
        let mut image = load_at_depth(owner, interp, execfn, None, &new_argv, envp, depth + 1)?;
        image.name = base_name(path).to_vec();
        return Ok(image);
    }
    let mm = Mm::new()?;
    let main = elf::load(&mm, &exe, elf::PIE_BASE)?;
    // The program (not its interpreter) cannot be written while it runs.
    let running = fs::deny_write::deny_write_access(&exe.inode)?;
    mm.with(|m| m.exe = Some(running));
    let mut entry = main.entry;
    let mut base = 0;
    if let Some(interp) = &main.interp {
        let (ld_file, _) = read_executable(owner, interp, None)?;
        // Linux reads the interpreter's ELF header first (EIO when the
        // file is shorter), then rejects anything but an x86-64 ELF with
        // ELIBBAD.
        if ld_file.head.len() < 64 {
            return Err(Errno::EIO);
        }
        let ld = elf::load(&mm, &ld_file, elf::INTERP_BASE)
            .map_err(|e| if e == Errno::ENOEXEC { Errno::ELIBBAD } else { e })?;
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
    let (uid, euid, gid, egid) = match owner {
        Some(p) => {
            let c = p.creds.lock();
            (c.ruid, c.euid, c.rgid, c.egid)
        }
        None => (0, 0, 0, 0),
    };
    // Linux's bprm->secureexec without set-id files or file capabilities:
    // the effective ids differ from the real ones.
    let secure = (euid != uid || egid != gid) as u64;
    // In the order of Linux's create_elf_tables (x86's ARCH_DLINFO first).
    let mut aux: Vec<(u64, AuxValue)> = Vec::new();
    if vdso != 0 {
        aux.push((AT_SYSINFO_EHDR, AuxValue::Value(vdso)));
    }
    aux.extend([
        (AT_MINSIGSTKSZ, AuxValue::Value(crate::signal::frame::min_stack_size())),
        (AT_HWCAP, AuxValue::Value(hwcap)),
        (AT_PAGESZ, AuxValue::Value(4096)),
        (AT_CLKTCK, AuxValue::Value(100)),
        (AT_PHDR, AuxValue::Value(main.phdr)),
        (AT_PHENT, AuxValue::Value(56)),
        (AT_PHNUM, AuxValue::Value(main.phnum)),
        (AT_BASE, AuxValue::Value(base)),
        (AT_FLAGS, AuxValue::Value(0)),
        (AT_ENTRY, AuxValue::Value(main.entry)),
        (AT_UID, AuxValue::Value(uid as u64)),
        (AT_EUID, AuxValue::Value(euid as u64)),
        (AT_GID, AuxValue::Value(gid as u64)),
        (AT_EGID, AuxValue::Value(egid as u64)),
        (AT_SECURE, AuxValue::Value(secure)),
        (AT_RANDOM, AuxValue::Random),
        (AT_HWCAP2, AuxValue::Value(0)),
        (AT_EXECFN, AuxValue::ExecFn),
        (AT_PLATFORM, AuxValue::Platform),
    ]);
    let rsp = stack::build(&mm, STACK_TOP, argv, envp, execfn, &aux)?;
    let ctx = UserContext { rip: entry, rsp, ..Default::default() };
    let name = base_name(path).to_vec();
    Ok(Image { mm, ctx, name, file })
}

/// The last component of `path` (the whole of it without a '/'): `comm`.
fn base_name(path: &[u8]) -> &[u8] {
    path.rsplit(|&b| b == b'/').next().unwrap_or(path)
}
