//! The new mount API (Linux 5.2+): fsopen, fsconfig, fsmount, move_mount,
//! open_tree, fspick and mount_setattr, with Linux's argument checks in
//! Linux's order (fs/fsopen.c, fs/namespace.c).
//!
//! A filesystem is made in steps: fsopen names the type, fsconfig passes
//! options and creates the instance, fsmount makes a detached mount of it
//! and returns an O_PATH descriptor, move_mount attaches that mount (or
//! moves an attached one). open_tree returns an O_PATH descriptor of a
//! path, or of a detached copy of its tree (OPEN_TREE_CLONE, bind-mount
//! style); fspick opens an existing instance for reconfiguration;
//! mount_setattr changes per-mount flags and propagation of a mount or a
//! whole tree. Everything needs CAP_SYS_ADMIN (EPERM).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::mount::{AttrChange, PropagationChange};
use fs::{Lookup, MountFlags, PathLoc};

use super::open::{path_arg, start_dir_or_file, AT_FDCWD};
use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::fs_context::{FsContext, Phase};
use crate::file::vfs::{mnt_ns, with_ctx};
use crate::file::{fs_types, File, InodeFile};
use crate::uaccess;

const CAP_SYS_ADMIN: u32 = 21;
const O_CLOEXEC: u32 = 0o2000000;
const O_PATH: u32 = 0o10000000;

const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
const AT_NO_AUTOMOUNT: u32 = 0x800;
const AT_EMPTY_PATH: u32 = 0x1000;
const AT_RECURSIVE: u32 = 0x8000;

const FSCONFIG_SET_FLAG: u32 = 0;
const FSCONFIG_SET_STRING: u32 = 1;
const FSCONFIG_SET_BINARY: u32 = 2;
const FSCONFIG_SET_PATH: u32 = 3;
const FSCONFIG_SET_PATH_EMPTY: u32 = 4;
const FSCONFIG_SET_FD: u32 = 5;
const FSCONFIG_CMD_CREATE: u32 = 6;
const FSCONFIG_CMD_RECONFIGURE: u32 = 7;

const MOUNT_ATTR_RDONLY: u64 = 0x1;
const MOUNT_ATTR_NOSUID: u64 = 0x2;
const MOUNT_ATTR_NODEV: u64 = 0x4;
const MOUNT_ATTR_NOEXEC: u64 = 0x8;
const MOUNT_ATTR_ATIME: u64 = 0x70;
const MOUNT_ATTR_RELATIME: u64 = 0;
const MOUNT_ATTR_NOATIME: u64 = 0x10;
const MOUNT_ATTR_STRICTATIME: u64 = 0x20;
const MOUNT_ATTR_NODIRATIME: u64 = 0x80;
const MOUNT_ATTR_IDMAP: u64 = 0x10_0000;
const MOUNT_ATTR_NOSYMFOLLOW: u64 = 0x20_0000;

const MOVE_MOUNT_F_SYMLINKS: u32 = 0x1;
const MOVE_MOUNT_F_EMPTY_PATH: u32 = 0x4;
const MOVE_MOUNT_T_SYMLINKS: u32 = 0x10;
const MOVE_MOUNT_T_EMPTY_PATH: u32 = 0x40;
const MOVE_MOUNT_SET_GROUP: u32 = 0x100;
/// The flags of Linux 6.1 (MOVE_MOUNT_BENEATH came with 6.5).
const MOVE_MOUNT_MASK: u32 = 0x177;

fn capable(call: &Call<'_>) -> Result<(), Errno> {
    if call.thread.creds.lock().capable(CAP_SYS_ADMIN) {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// A string argument of at most `max` bytes (EINVAL past it).
fn string_arg(call: &Call<'_>, addr: u64, max: usize) -> Result<String, Errno> {
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    uaccess::read_cstr(&mm, addr, max, Errno::EINVAL)
}

/// The location `dfd` + `path` names, with AT_EMPTY_PATH meaning `dfd`
/// itself for an empty path.
fn lookup(call: &Call<'_>, dfd: i32, path: u64, follow: bool, empty: bool) -> Result<PathLoc, Errno> {
    let p = path_arg(call, path)?;
    if p.is_empty() && !empty {
        return Err(Errno::ENOENT);
    }
    let dir = if p.is_empty() && dfd == AT_FDCWD {
        call.thread.process.fs().lock().cwd.clone()
    } else {
        start_dir_or_file(call, dfd, &p)?
    };
    let mut how = if follow { Lookup::empty() } else { Lookup::NOFOLLOW };
    if empty {
        how |= Lookup::EMPTY_PATH;
    }
    let (loc, entry) = with_ctx(call.thread, |v, ctx, _| v.resolve_entry(ctx, &dir, &p, how))?;
    // A file may become a mount point: remember where it sits.
    if let (false, Some((parent, name))) = (loc.is_dir(), &entry) {
        fs::file_points::remember(&loc.inode, parent, name);
    }
    Ok(loc)
}

/// Installs an O_PATH descriptor of `loc`.
fn install_path(call: &Call<'_>, loc: PathLoc, cloexec: bool) -> SysResult {
    let file = InodeFile { parent: loc.clone(), loc, name: Vec::new(), write: None, opener: crate::file::vfs::creds_of(call.thread), state: None };
    let limit = call.thread.process.limits.lock().0[crate::proc::limits::RLIMIT_NOFILE].0.min(1 << 20) as usize;
    let f = Arc::new(File::new(file, O_PATH));
    Ok(call.thread.process.files().lock().install(f, cloexec, limit)? as u64)
}

fn install_context(call: &Call<'_>, ctx: FsContext, cloexec: bool) -> SysResult {
    let limit = call.thread.process.limits.lock().0[crate::proc::limits::RLIMIT_NOFILE].0.min(1 << 20) as usize;
    let f = Arc::new(File::new(ctx, crate::file::O_RDWR));
    Ok(call.thread.process.files().lock().install(f, cloexec, limit)? as u64)
}

pub fn fsopen(call: &Call<'_>, fsname: u64, flags: u32) -> SysResult {
    capable(call)?;
    const FSOPEN_CLOEXEC: u32 = 1;
    if flags & !FSOPEN_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    let name = string_arg(call, fsname, 4096)?;
    if !fs_types::known(&name) {
        return Err(Errno::ENODEV);
    }
    install_context(call, FsContext::new(&name, Phase::CreateParams), flags & FSOPEN_CLOEXEC != 0)
}

pub fn fspick(call: &Call<'_>, dfd: i32, path: u64, flags: u32) -> SysResult {
    capable(call)?;
    const FSPICK_CLOEXEC: u32 = 1;
    const FSPICK_SYMLINK_NOFOLLOW: u32 = 2;
    const FSPICK_NO_AUTOMOUNT: u32 = 4;
    const FSPICK_EMPTY_PATH: u32 = 8;
    if flags & !(FSPICK_CLOEXEC | FSPICK_SYMLINK_NOFOLLOW | FSPICK_NO_AUTOMOUNT | FSPICK_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let loc = lookup(call, dfd, path, flags & FSPICK_SYMLINK_NOFOLLOW == 0, flags & FSPICK_EMPTY_PATH != 0)?;
    if !loc.is_mount_root() {
        return Err(Errno::EINVAL);
    }
    let fstype = String::from(loc.mount.fstype());
    install_context(call, FsContext::new(&fstype, Phase::ReconfParams(loc)), flags & FSPICK_CLOEXEC != 0)
}

pub fn fsconfig(call: &Call<'_>, fd: i32, cmd: u32, key: u64, value: u64, aux: i32) -> SysResult {
    if fd < 0 {
        return Err(Errno::EINVAL);
    }
    match cmd {
        FSCONFIG_SET_FLAG if key == 0 || value != 0 || aux != 0 => return Err(Errno::EINVAL),
        FSCONFIG_SET_STRING if key == 0 || value == 0 || aux != 0 => return Err(Errno::EINVAL),
        FSCONFIG_SET_BINARY if key == 0 || value == 0 || aux <= 0 || aux > 1 << 20 => return Err(Errno::EINVAL),
        FSCONFIG_SET_PATH | FSCONFIG_SET_PATH_EMPTY if key == 0 || value == 0 || (aux != AT_FDCWD && aux < 0) => {
            return Err(Errno::EINVAL)
        }
        FSCONFIG_SET_FD if key == 0 || value != 0 || aux < 0 => return Err(Errno::EINVAL),
        FSCONFIG_CMD_CREATE | FSCONFIG_CMD_RECONFIGURE if key != 0 || value != 0 || aux != 0 => return Err(Errno::EINVAL),
        FSCONFIG_SET_FLAG..=FSCONFIG_CMD_RECONFIGURE => {}
        _ => return Err(Errno::EOPNOTSUPP),
    }
    let file = call.thread.process.files().lock().get_raw(fd as u32 as u64)?;
    let fc = file.downcast::<FsContext>().ok_or(Errno::EINVAL)?;
    let key = if key != 0 { Some(string_arg(call, key, 256)?) } else { None };
    let string = if cmd == FSCONFIG_SET_STRING { Some(string_arg(call, value, 256)?) } else { None };
    let mut c = fc.ctx.lock();
    match cmd {
        FSCONFIG_CMD_CREATE => {
            let Phase::CreateParams = c.phase else { return Err(Errno::EBUSY) };
            match fs_types::create(&c.fstype, &c.options.join(","), call.thread) {
                Ok(root) => {
                    c.phase = Phase::AwaitingMount(root);
                    Ok(0)
                }
                Err(e) => {
                    c.phase = Phase::Failed;
                    Err(e)
                }
            }
        }
        FSCONFIG_CMD_RECONFIGURE => {
            let Phase::ReconfParams(loc) = c.phase.clone() else { return Err(Errno::EBUSY) };
            let r = fs_types::reconfigure(&c.fstype, &loc.inode, &c.options.join(","));
            let r = r.and_then(|_| {
                let ns = mnt_ns(call.thread);
                let flags = if c.read_only { loc.mount.flags() | MountFlags::RDONLY } else { loc.mount.flags() - MountFlags::RDONLY };
                ns.vfs.remount_super(&loc, flags)?;
                Ok(())
            });
            match r {
                Ok(()) => {
                    c.options.clear();
                    Ok(0)
                }
                Err(e) => {
                    c.phase = Phase::Failed;
                    Err(e)
                }
            }
        }
        _ => {
            if !matches!(c.phase, Phase::CreateParams | Phase::ReconfParams(_)) {
                return Err(Errno::EBUSY);
            }
            let key = key.unwrap_or_default();
            // The superblock flags every filesystem takes (vfs_parse_sb_flag).
            match key.as_str() {
                "ro" => {
                    c.read_only = true;
                    return Ok(0);
                }
                "rw" => {
                    c.read_only = false;
                    return Ok(0);
                }
                "dirsync" | "lazytime" | "nolazytime" | "mand" | "nomand" | "sync" | "async" | "silent" => return Ok(0),
                "source" => {
                    let Some(s) = string else { return Err(fc.fail(Errno::EINVAL, "VFS: Non-string source")) };
                    if c.source.is_some() {
                        return Err(fc.fail(Errno::EINVAL, "VFS: Multiple sources"));
                    }
                    c.source = Some(s);
                    return Ok(0);
                }
                _ => {}
            }
            if cmd != FSCONFIG_SET_FLAG && cmd != FSCONFIG_SET_STRING {
                // Binary, path and fd values: no filesystem here takes one.
                return Err(fc.fail(Errno::EINVAL, &alloc::format!("{}: Unknown parameter '{key}'", c.fstype)));
            }
            if fs_types::check_option(&c.fstype, &key, string.as_deref()).is_err() {
                return Err(fc.fail(Errno::EINVAL, &alloc::format!("{}: Bad value for '{key}'", c.fstype)));
            }
            let item = match string {
                Some(v) => alloc::format!("{key}={v}"),
                None => key,
            };
            c.options.push(item);
            Ok(0)
        }
    }
}

/// The per-mount flags of MOUNT_ATTR_* bits (atime: one of the three).
fn attr_flags(attr: u64) -> Result<MountFlags, Errno> {
    let mut f = MountFlags::empty();
    for (a, m) in [
        (MOUNT_ATTR_RDONLY, MountFlags::RDONLY),
        (MOUNT_ATTR_NOSUID, MountFlags::NOSUID),
        (MOUNT_ATTR_NODEV, MountFlags::NODEV),
        (MOUNT_ATTR_NOEXEC, MountFlags::NOEXEC),
        (MOUNT_ATTR_NODIRATIME, MountFlags::NODIRATIME),
        (MOUNT_ATTR_NOSYMFOLLOW, MountFlags::NOSYMFOLLOW),
    ] {
        if attr & a != 0 {
            f |= m;
        }
    }
    f |= match attr & MOUNT_ATTR_ATIME {
        MOUNT_ATTR_RELATIME => MountFlags::RELATIME,
        MOUNT_ATTR_NOATIME => MountFlags::NOATIME,
        MOUNT_ATTR_STRICTATIME => MountFlags::STRICTATIME,
        _ => return Err(Errno::EINVAL),
    };
    Ok(f)
}

pub fn fsmount(call: &Call<'_>, fs_fd: i32, flags: u32, attr: u32) -> SysResult {
    const FSMOUNT_CLOEXEC: u32 = 1;
    if flags & !FSMOUNT_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    let attr = attr as u64;
    if attr & !(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_ATIME | MOUNT_ATTR_NODIRATIME) != 0 {
        return Err(Errno::EINVAL);
    }
    let mflags = attr_flags(attr)?;
    let file = call.thread.process.files().lock().get_raw(fs_fd as u32 as u64)?;
    let fc = file.downcast::<FsContext>().ok_or(Errno::EINVAL)?;
    capable(call)?;
    let mut c = fc.ctx.lock();
    let Phase::AwaitingMount(root) = c.phase.clone() else { return Err(Errno::EBUSY) };
    let source = c.source.clone().unwrap_or_else(|| String::from("none"));
    let m = fs::Vfs::new_detached(root.clone(), &c.fstype, &source, mflags, c.read_only);
    let loc = PathLoc::new(m, root);
    c.phase = Phase::ReconfParams(loc.clone());
    drop(c);
    install_path(call, loc, flags & FSMOUNT_CLOEXEC != 0)
}

pub fn move_mount(call: &Call<'_>, from_dfd: i32, from: u64, to_dfd: i32, to: u64, flags: u32) -> SysResult {
    capable(call)?;
    if flags & !MOVE_MOUNT_MASK != 0 {
        return Err(Errno::EINVAL);
    }
    let src = lookup(call, from_dfd, from, flags & MOVE_MOUNT_F_SYMLINKS != 0, flags & MOVE_MOUNT_F_EMPTY_PATH != 0)?;
    let dst = lookup(call, to_dfd, to, flags & MOVE_MOUNT_T_SYMLINKS != 0, flags & MOVE_MOUNT_T_EMPTY_PATH != 0)?;
    let ns = mnt_ns(call.thread);
    if flags & MOVE_MOUNT_SET_GROUP != 0 {
        // `to` joins `from`'s peer group: both mount roots, `from` shared.
        if !src.is_mount_root() || !dst.is_mount_root() {
            return Err(Errno::EINVAL);
        }
        if !matches!(src.mount.propagation(), fs::Propagation::Shared(_)) {
            return Err(Errno::EINVAL);
        }
        ns.vfs.join_peer_group(&src.mount, &dst.mount)?;
        return Ok(0);
    }
    if !src.is_mount_root() {
        return Err(Errno::EINVAL);
    }
    if src.is_dir() != dst.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if src.mount.is_detached() {
        ns.vfs.attach_detached(&src.mount, &dst)?;
    } else {
        if !ns.vfs.contains(&src.mount) {
            return Err(Errno::EINVAL);
        }
        ns.vfs.move_mount(&src, &dst)?;
    }
    Ok(0)
}

pub fn open_tree(call: &Call<'_>, dfd: i32, path: u64, flags: u32) -> SysResult {
    const OPEN_TREE_CLONE: u32 = 1;
    if flags & !(AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW | OPEN_TREE_CLONE | O_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & (AT_RECURSIVE | OPEN_TREE_CLONE) == AT_RECURSIVE {
        return Err(Errno::EINVAL);
    }
    let clone = flags & OPEN_TREE_CLONE != 0;
    if clone {
        capable(call)?;
    }
    let loc = lookup(call, dfd, path, flags & AT_SYMLINK_NOFOLLOW == 0, flags & AT_EMPTY_PATH != 0)?;
    let loc = if clone {
        let ns = mnt_ns(call.thread);
        if !ns.vfs.contains(&loc.mount) && !loc.mount.is_detached() {
            return Err(Errno::EINVAL);
        }
        let m = ns.vfs.clone_detached(&loc, flags & AT_RECURSIVE != 0)?;
        PathLoc::new(m.clone(), m.root().clone())
    } else {
        loc
    };
    install_path(call, loc, flags & O_CLOEXEC != 0)
}

pub fn mount_setattr(call: &Call<'_>, dfd: i32, path: u64, flags: u32, uattr: u64, size: u64) -> SysResult {
    if flags & !(AT_EMPTY_PATH | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL);
    }
    const VER0: u64 = 32;
    if size > 4096 {
        return Err(Errno::E2BIG);
    }
    if size < VER0 {
        return Err(Errno::EINVAL);
    }
    capable(call)?;
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    let mut raw = alloc::vec![0u8; size as usize];
    uaccess::read_bytes(&mm, uattr, &mut raw)?;
    if raw[VER0 as usize..].iter().any(|&b| b != 0) {
        return Err(Errno::E2BIG);
    }
    let word = |i: usize| u64::from_le_bytes(raw[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
    let (set, clr, propagation, userns_fd) = (word(0), word(1), word(2), word(3));
    if set == 0 && clr == 0 && propagation == 0 {
        return Ok(0);
    }
    let prop_flags = fs::mount::MS_SHARED | fs::mount::MS_PRIVATE | fs::mount::MS_SLAVE | fs::mount::MS_UNBINDABLE;
    if propagation & !(prop_flags as u64) != 0 || (propagation as u32).count_ones() > 1 {
        return Err(Errno::EINVAL);
    }
    let valid = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_ATIME | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSYMFOLLOW;
    if (set | clr) & !valid != 0 {
        return Err(Errno::EINVAL);
    }
    if set & MOUNT_ATTR_IDMAP != 0 {
        // An ID-mapped mount needs a user namespace, which Aramid lacks.
        if userns_fd > i32::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        call.thread.process.files().lock().get_raw(userns_fd)?;
        return Err(Errno::EINVAL);
    }
    let atime = MountFlags::RELATIME | MountFlags::NOATIME | MountFlags::STRICTATIME;
    let (mut set_f, mut clr_f) = (attr_flags(set & !MOUNT_ATTR_ATIME)? - atime, attr_flags(clr & !MOUNT_ATTR_ATIME)? - atime);
    if clr & MOUNT_ATTR_ATIME != 0 {
        if clr & MOUNT_ATTR_ATIME != MOUNT_ATTR_ATIME {
            return Err(Errno::EINVAL);
        }
        clr_f |= atime;
        set_f |= attr_flags(set & MOUNT_ATTR_ATIME)?;
    } else if set & MOUNT_ATTR_ATIME != 0 {
        return Err(Errno::EINVAL);
    }
    let loc = lookup(call, dfd, path, flags & AT_SYMLINK_NOFOLLOW == 0, flags & AT_EMPTY_PATH != 0)?;
    let ns = mnt_ns(call.thread);
    if !ns.vfs.contains(&loc.mount) && !loc.mount.is_detached() {
        return Err(Errno::EINVAL);
    }
    let propagation = PropagationChange::from_ms_flags(propagation as u32)?;
    ns.vfs.set_attr(&loc, AttrChange { set: set_f, clear: clr_f, propagation }, flags & AT_RECURSIVE != 0)?;
    Ok(0)
}
