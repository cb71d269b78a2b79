//! setns(2): the caller joins a namespace named by a namespace file
//! (/proc/PID/ns/*, `nstype` 0 or that file's kind), or the namespaces of
//! the kinds in `nstype` that the process behind a pidfd is in. As Linux:
//! EINVAL for another kind of file, a kind mismatch or a kind the kernel
//! lacks; EPERM without CAP_SYS_ADMIN (and CAP_SYS_CHROOT for a mount
//! namespace); joining a mount namespace needs an unshared root and cwd
//! (EINVAL for a process with other threads here: see syscall/unshare.rs)
//! and moves them to the namespace's root.

use alloc::vec::Vec;

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::pidfd::PidFd;
use crate::ns::file::{Namespace, NsFile};
use crate::ns::{self, CLONE_NEWNS, CLONE_NEWTIME};

const CAP_SYS_CHROOT: u32 = 18;
const CAP_SYS_ADMIN: u32 = 21;

pub fn setns(call: &Call<'_>, fd: u64, nstype: u64) -> SysResult {
    let file = call.thread.process.files().lock().get_raw(fd)?;
    let targets: Vec<Namespace> = if let Some(f) = file.downcast::<NsFile>() {
        if nstype != 0 && nstype != f.0.kind() {
            return Err(Errno::EINVAL);
        }
        alloc::vec![f.0.clone()]
    } else if let Some(p) = file.downcast::<PidFd>() {
        let all = ns::ALL_NS | CLONE_NEWTIME;
        if nstype == 0 || nstype & !all != 0 || nstype & !ns::SUPPORTED != 0 {
            return Err(Errno::EINVAL);
        }
        if p.process.is_zombie() {
            return Err(Errno::ESRCH);
        }
        let mut v = Vec::new();
        if nstype & CLONE_NEWNS != 0 {
            v.push(Namespace::Mnt(p.process.fs().lock().mnt.clone()));
        }
        if nstype & ns::CLONE_NEWUTS != 0 {
            v.push(Namespace::Uts(p.process.uts()));
        }
        if nstype & ns::CLONE_NEWIPC != 0 {
            v.push(Namespace::Ipc(p.process.ipc()));
        }
        v
    } else {
        return Err(Errno::EINVAL);
    };
    let creds = call.thread.creds.lock().clone();
    for t in &targets {
        let ok = creds.capable(CAP_SYS_ADMIN) && (!matches!(t, Namespace::Mnt(_)) || creds.capable(CAP_SYS_CHROOT));
        if !ok {
            return Err(Errno::EPERM);
        }
    }
    let p = &call.thread.process;
    if targets.iter().any(|t| matches!(t, Namespace::Mnt(_))) && p.live_threads() > 1 {
        return Err(Errno::EINVAL);
    }
    for t in targets {
        match t {
            Namespace::Mnt(m) => p.unshare_fs(|f| {
                f.root = m.vfs.root();
                f.cwd = m.vfs.root();
                f.mnt = m;
            }),
            Namespace::Uts(u) => p.set_uts(u),
            Namespace::Ipc(i) => p.set_ipc(i),
        }
    }
    Ok(0)
}
