//! /proc/PID/fd/, /proc/PID/fdinfo/ and the cwd, root and exe links:
//! Linux's magic links. Following one leads to the open file's (or
//! directory's) location itself — opening /proc/self/fd/N opens that
//! inode afresh with a new open file description, and a path through one
//! works for mount, stat, chmod, utimensat... — while readlink shows its
//! path from the reader's root ("/path (deleted)" once unlinked), or
//! "pipe:[ino]", "anon_inode:[eventfd]", "socket:[ino]" for files without
//! one. Both need Linux's ptrace_may_access with PTRACE_MODE_READ_FSCREDS
//! ([`crate::proc::access`]): EACCES otherwise. fd/ and fdinfo/ are mode 0500.
//! An fd link's mode follows the description's access mode (r-x for
//! read, -wx for write, rwx for both); fdinfo shows `pos`, `flags` (with
//! O_CLOEXEC), `mnt_id` and `ino`.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::inode::{FileType, Jump, LinkTarget, Owner};
use fs::synthetic::{Entry, Node, Opener, Scope};
use fs::vfs::Ctx;

use super::task::{parse_id, Task};
use crate::file::File;

/// What a magic link points at.
#[derive(Clone, Copy)]
enum Which {
    Fd(u32),
    Cwd,
    Root,
    Exe,
}

/// Whether the caller may look at `task`'s files: Linux's
/// ptrace_may_access with PTRACE_MODE_READ_FSCREDS
/// ([`crate::proc::access`]), EACCES otherwise. Without a calling thread
/// (a kernel-internal walk), root only.
pub fn may_access(task: &Task, caller: fs::vfs::Caller, creds: &fs::Creds) -> fs::Result<()> {
    let p = task.process()?;
    let allowed = match crate::proc::pid::find_thread(caller.tid) {
        Some(me) => crate::proc::access::may_access(&me, &p, crate::proc::access::Mode::FsCreds),
        None => creds.is_root(),
    };
    if allowed {
        Ok(())
    } else {
        Err(fs::Errno::EACCES)
    }
}

fn file_of(task: &Task, fd: u32) -> fs::Result<Arc<File>> {
    let p = task.process()?;
    let files = p.files();
    let f = files.lock().get_raw(fd as u64).map_err(|_| fs::Errno::ENOENT)?;
    Ok(f)
}

/// The location, and the directory and name to show it by.
fn target(task: &Task, which: Which) -> fs::Result<Option<Jump>> {
    let p = task.process()?;
    Ok(match which {
        Which::Fd(fd) => {
            let f = file_of(task, fd)?;
            match f.inode_file() {
                Some(i) => Some(Jump { loc: i.loc.clone(), parent: i.parent.clone(), name: i.name.clone() }),
                None => f.node.clone(),
            }
        }
        Which::Cwd | Which::Root => {
            if p.is_zombie() {
                return Err(fs::Errno::ENOENT);
            }
            let fsc = p.fs().lock().clone();
            let loc = if matches!(which, Which::Cwd) { fsc.cwd } else { fsc.root };
            Some(Jump { loc: loc.clone(), parent: loc, name: Vec::new() })
        }
        Which::Exe => {
            let mm = p.mm().filter(|_| !p.is_zombie()).ok_or(fs::Errno::ENOENT)?;
            Some(mm.with(|m| m.exe_path.clone()).ok_or(fs::Errno::ENOENT)?)
        }
    })
}

struct Magic {
    task: Task,
    which: Which,
}

impl Node for Magic {
    fn file_type(&self) -> FileType {
        FileType::Symlink
    }

    fn perm(&self) -> u32 {
        let Which::Fd(fd) = self.which else { return 0o777 };
        let Ok(f) = file_of(&self.task, fd) else { return 0o700 };
        let mut mode = 0;
        if f.readable() {
            mode |= 0o500;
        }
        if f.writable() {
            mode |= 0o300;
        }
        mode
    }

    fn owner(&self) -> Owner {
        self.task.owner()
    }

    fn alive(&self) -> bool {
        match self.which {
            Which::Fd(fd) => self.task.alive() && file_of(&self.task, fd).is_ok(),
            _ => self.task.alive(),
        }
    }

    fn readlink(&self, ctx: &Ctx<'_>) -> fs::Result<Vec<u8>> {
        may_access(&self.task, ctx.caller, ctx.creds)?;
        // A memfd lives on the kernel's internal mount, outside every
        // namespace: "/memfd:NAME (deleted)", as Linux shows it.
        if let Which::Fd(fd) = self.which {
            if let Some(text) = file_of(&self.task, fd).ok().and_then(|f| f.inode_file().and_then(crate::file::memfd::proc_link)) {
                return Ok(text);
            }
        }
        match target(&self.task, self.which)? {
            Some(j) => {
                let ns = self.task.process()?.fs().lock().mnt.clone();
                let v = &ns.vfs;
                let shown = v.path_of_entry(ctx.root, &j.parent, &j.name, &j.loc)?;
                match shown {
                    Some(p) => Ok(p),
                    None => Ok(v.path_of_entry(&v.root(), &j.parent, &j.name, &j.loc)?.unwrap_or_else(|| b"/".to_vec())),
                }
            }
            None => {
                let Which::Fd(fd) = self.which else { return Err(fs::Errno::ENOENT) };
                let f = file_of(&self.task, fd)?;
                Ok(f.ops().proc_link(&f))
            }
        }
    }

    fn follow(&self, ctx: &Ctx<'_>) -> fs::Result<LinkTarget> {
        may_access(&self.task, ctx.caller, ctx.creds)?;
        // A file without a location (pipe, socket, event file) cannot be
        // reached through a path here.
        let j = target(&self.task, self.which)?.ok_or(fs::Errno::ENXIO)?;
        Ok(LinkTarget::Jump(j))
    }
}

pub fn cwd(task: &Task) -> Arc<dyn Node> {
    Arc::new(Magic { task: task.clone(), which: Which::Cwd })
}

pub fn root(task: &Task) -> Arc<dyn Node> {
    Arc::new(Magic { task: task.clone(), which: Which::Root })
}

pub fn exe(task: &Task) -> Arc<dyn Node> {
    Arc::new(Magic { task: task.clone(), which: Which::Exe })
}

/// fd/ (links) or fdinfo/ (files).
struct FdDir {
    task: Task,
    info: bool,
}

impl Node for FdDir {
    fn file_type(&self) -> FileType {
        FileType::Directory
    }
    fn perm(&self) -> u32 {
        0o500
    }
    fn owner(&self) -> Owner {
        self.task.owner()
    }
    fn alive(&self) -> bool {
        self.task.alive()
    }
    fn entries(&self) -> fs::Result<Vec<Entry>> {
        let p = self.task.process()?;
        let fds = p.files().lock().open_fds();
        let kind = if self.info { FileType::Regular } else { FileType::Symlink };
        Ok(fds.into_iter().map(|fd| Entry::new(2 + fd as u64, format!("{fd}").as_bytes(), kind)).collect())
    }
    fn child(&self, name: &[u8]) -> fs::Result<Arc<dyn Node>> {
        let fd = parse_id(name).ok_or(fs::Errno::ENOENT)?;
        file_of(&self.task, fd)?;
        Ok(if self.info {
            Arc::new(FdInfo { task: self.task.clone(), fd })
        } else {
            Arc::new(Magic { task: self.task.clone(), which: Which::Fd(fd) })
        })
    }
}

pub fn fd_dir(task: &Task) -> Arc<dyn Node> {
    Arc::new(FdDir { task: task.clone(), info: false })
}

pub fn fdinfo_dir(task: &Task) -> Arc<dyn Node> {
    Arc::new(FdDir { task: task.clone(), info: true })
}

struct FdInfo {
    task: Task,
    fd: u32,
}

impl Node for FdInfo {
    fn file_type(&self) -> FileType {
        FileType::Regular
    }
    fn perm(&self) -> u32 {
        0o444
    }
    fn owner(&self) -> Owner {
        self.task.owner()
    }
    fn alive(&self) -> bool {
        self.task.alive() && file_of(&self.task, self.fd).is_ok()
    }
    fn open(&self, who: &Opener, _flags: u32) -> fs::Result<()> {
        may_access(&self.task, who.caller, &who.creds)
    }
    fn produce(&self, _who: &Opener) -> fs::Result<Vec<u8>> {
        let p = self.task.process()?;
        let (f, cloexec) = {
            let files = p.files();
            let t = files.lock();
            let f = t.get_raw(self.fd as u64).map_err(|_| fs::Errno::ENOENT)?;
            (f, t.cloexec(self.fd as u64).unwrap_or(false))
        };
        let flags = f.status() | if cloexec { crate::file::O_CLOEXEC } else { 0 };
        let mnt = match (f.inode_file(), &f.node) {
            (Some(i), _) => i.loc.mount.id(),
            (None, Some(n)) => n.loc.mount.id(),
            _ => 15, // the internal pseudo-filesystems' mount
        };
        let pos = *f.pos.lock();
        Ok(format!("pos:\t{pos}\nflags:\t0{flags:o}\nmnt_id:\t{mnt}\nino:\t{}\n", f.metadata().ino).into_bytes())
    }
}
