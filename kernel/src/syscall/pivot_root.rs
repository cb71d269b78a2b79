//! pivot_root(2): the mount at `new_root` becomes the caller's root mount
//! and the old root moves to `put_old` (below `new_root`). Every process
//! of the namespace whose root or working directory was the old root
//! moves to the new one, as Linux's chroot_fs_refs. Root only
//! (CAP_SYS_ADMIN, EPERM); the mount rules are in [`fs::Vfs::pivot_root`].

use alloc::sync::Arc;

use fs::Lookup;

use super::open::{path_arg, start_dir, AT_FDCWD};
use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::vfs::{mnt_ns, with_ctx};

const CAP_SYS_ADMIN: u32 = 21;

pub fn pivot_root(call: &Call<'_>, new_root: u64, put_old: u64) -> SysResult {
    if !call.thread.creds.lock().capable(CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    let resolve = |addr: u64| -> Result<fs::PathLoc, Errno> {
        let p = path_arg(call, addr)?;
        let dir = start_dir(call, AT_FDCWD, &p)?;
        with_ctx(call.thread, |v, ctx, _| v.resolve(ctx, &dir, &p, Lookup::empty())).map_err(Errno::from)
    };
    let new = resolve(new_root)?;
    let old = resolve(put_old)?;
    let ns = mnt_ns(call.thread);
    let root = call.thread.process.fs().lock().root.clone();
    ns.vfs.pivot_root(&root, &new, &old)?;
    let new_root = fs::PathLoc::new(new.mount.clone(), new.mount.root().clone());
    for p in crate::proc::pid::all() {
        let fsc = p.fs();
        let mut f = fsc.lock();
        if !Arc::ptr_eq(&f.mnt, &ns) {
            continue;
        }
        if f.root.same(&root) {
            f.root = new_root.clone();
        }
        if f.cwd.same(&root) {
            f.cwd = new_root.clone();
        }
    }
    Ok(0)
}
