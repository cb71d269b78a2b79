//! mount(2) and umount2(2): new tmpfs instances with shmem's options
//! (size=, nr_blocks=, nr_inodes=, mode=, uid=, gid=; also under the name
//! ramfs), the one devtmpfs instance, bind mounts (MS_BIND, MS_REC), remounts
//! (MS_REMOUNT with the per-mount flags, and without MS_BIND the
//! filesystem's options too, such as tmpfs's size= and nr_inodes=),
//! propagation changes
//! (MS_SHARED/PRIVATE/SLAVE/UNBINDABLE, with MS_REC) and moves (MS_MOVE).
//! Root only (CAP_SYS_ADMIN). The filesystem types and how each makes an
//! instance are in `crate::file::fs_types` (tmpfs, ramfs, devtmpfs, proc,
//! sysfs, cgroup2 — the one hierarchy —, devpts — the one instance —); an
//! unknown type is ENODEV, as on Linux.

use alloc::string::String;

use fs::{Lookup, MountFlags};

use super::open::{path_arg, start_dir, AT_FDCWD};
use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::fs_types;
use crate::file::vfs::{mnt_ns, with_ctx};
use crate::uaccess;

const MS_RDONLY: u64 = 1;
const MS_NOSUID: u64 = 2;
const MS_NODEV: u64 = 4;
const MS_NOEXEC: u64 = 8;
const MS_REMOUNT: u64 = 32;
const MS_NOATIME: u64 = 1024;
const MS_BIND: u64 = 4096;
const MS_MOVE: u64 = 8192;
const MS_REC: u64 = 16384;
const MS_NOSYMFOLLOW: u64 = 256;
const MS_RELATIME: u64 = 1 << 21;
const MS_PROPAGATION: u64 = (1 << 20) | (1 << 18) | (1 << 19) | (1 << 17);
const CAP_SYS_ADMIN: u32 = 21;

fn mount_flags(f: u64) -> MountFlags {
    let mut m = MountFlags::empty();
    for (ms, mf) in [
        (MS_RDONLY, MountFlags::RDONLY),
        (MS_NOSUID, MountFlags::NOSUID),
        (MS_NODEV, MountFlags::NODEV),
        (MS_NOEXEC, MountFlags::NOEXEC),
        (MS_NOSYMFOLLOW, MountFlags::NOSYMFOLLOW),
        (MS_NOATIME, MountFlags::NOATIME),
        (MS_RELATIME, MountFlags::RELATIME),
    ] {
        if f & ms != 0 {
            m |= mf;
        }
    }
    m
}

fn opt_string(call: &Call<'_>, addr: u64) -> Result<Option<String>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
    Ok(Some(uaccess::read_cstr(&mm, addr, 4095, Errno::EINVAL)?))
}

pub fn mount(call: &Call<'_>, source: u64, target: u64, fstype: u64, flags: u64, data: u64) -> SysResult {
    if !call.thread.creds.lock().capable(CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    let t = path_arg(call, target)?;
    let dir = start_dir(call, AT_FDCWD, &t)?;
    let (at, entry) = with_ctx(call.thread, |v, ctx, _| v.resolve_entry(ctx, &dir, &t, Lookup::empty()))?;
    if let (false, Some((parent, name))) = (at.is_dir(), &entry) {
        fs::file_points::remember(&at.inode, parent, name);
    }
    let flags = if flags >> 16 == 0xC0ED { flags & 0xffff } else { flags }; // MS_MGC_VAL
    let ns = mnt_ns(call.thread);
    do_mount(call, &ns.vfs, &at, source, fstype, flags, data)?;
    Ok(0)
}

fn do_mount(call: &Call<'_>, v: &fs::Vfs, at: &fs::PathLoc, source: u64, fstype: u64, flags: u64, data: u64) -> SysResult {
    let at = at.clone();
    if flags & MS_REMOUNT != 0 {
        // With MS_BIND only this mount changes; without, the filesystem
        // too, options included (ramfs ignores the options it does not know,
        // which are all but mode=, and mode= applies only at mount time).
        if flags & MS_BIND != 0 {
            v.remount(&at, mount_flags(flags))?;
        } else {
            if !at.is_mount_root() {
                return Err(Errno::EINVAL);
            }
            let opts = opt_string(call, data)?.unwrap_or_default();
            fs_types::reconfigure(at.mount.fstype(), &at.inode, &opts)?;
            v.remount_super(&at, mount_flags(flags))?;
        }
        return Ok(0);
    }
    if let Some(change) = fs::mount::PropagationChange::from_ms_flags((flags & MS_PROPAGATION) as u32)? {
        v.set_propagation(&at, change, flags & MS_REC != 0)?;
        return Ok(0);
    }
    let src = opt_string(call, source)?.unwrap_or_default();
    if flags & (MS_BIND | MS_MOVE) != 0 {
        let sp = src.as_bytes();
        let sdir = start_dir(call, AT_FDCWD, sp)?;
        let from = with_ctx(call.thread, |v, ctx, _| v.resolve(ctx, &sdir, sp, Lookup::empty()))?;
        if flags & MS_MOVE != 0 {
            v.move_mount(&from, &at)?;
        } else {
            v.bind(&from, &at, flags & MS_REC != 0)?;
        }
        return Ok(0);
    }
    let ty = opt_string(call, fstype)?.ok_or(Errno::EINVAL)?;
    // Linux copies at most a page of options.
    let opts = opt_string(call, data)?.unwrap_or_default();
    let root = fs_types::create(&ty, &opts, call.thread)?;
    v.mount(root, &at, &ty, if src.is_empty() { &ty } else { &src }, mount_flags(flags))?;
    Ok(0)
}

pub fn umount2(call: &Call<'_>, target: u64, flags: u32) -> SysResult {
    if !call.thread.creds.lock().capable(CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    const UMOUNT_NOFOLLOW: u32 = 8;
    let t = path_arg(call, target)?;
    let dir = start_dir(call, AT_FDCWD, &t)?;
    let lookup = if flags & UMOUNT_NOFOLLOW != 0 { Lookup::NOFOLLOW } else { Lookup::empty() };
    let at = with_ctx(call.thread, |v, ctx, _| v.resolve(ctx, &dir, &t, lookup))?;
    let ns = mnt_ns(call.thread);
    ns.vfs.umount(&at, flags)?;
    Ok(0)
}
