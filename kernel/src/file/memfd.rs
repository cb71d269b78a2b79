//! memfd_create(2) files: unnamed tmpfs files on the kernel's internal
//! shm mount (Linux's `shm_mnt`), opened O_RDWR|O_LARGEFILE, named
//! `memfd:NAME` (what /proc/PID/fd shows as `/memfd:NAME (deleted)`).
//!
//! A memfd is an ordinary [`InodeFile`]: reads, writes, mappings and
//! truncation are tmpfs's, and its seals live in the inode
//! ([`fs::seals`]), checked by tmpfs on every write and size change. What
//! this module adds is the mapping side of the seals: a shared mapping
//! that may write is refused (EPERM) once F_SEAL_WRITE or
//! F_SEAL_FUTURE_WRITE is set, a shared read-only mapping then cannot be
//! made writable by mprotect (EACCES: Linux clears VM_MAYWRITE), and
//! F_SEAL_WRITE is EBUSY while any shared mapping that may write exists
//! ([`writably_mapped`], Linux's i_mmap_writable).

use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::seals::{F_SEAL_EXEC, F_SEAL_SEAL};
use fs::tmpfs::{Tmpfs, TmpfsOptions};
use fs::vfs::{PathLoc, Vfs};
use fs::Owner;

use super::{File, InodeFile, O_RDWR};
use crate::errno::Errno;
use crate::mm::vma::Kind;
use crate::proc::Thread;

/// The internal mount memfds live on (never visible in a namespace).
static SHM: spin::Once<Vfs> = spin::Once::new();

fn shm_root() -> PathLoc {
    SHM.call_once(|| {
        let tmp = Tmpfs::with_memory(Arc::new(super::vfs::Realtime), crate::mm::filemap::memory(), TmpfsOptions { mode: 0o1777, ..TmpfsOptions::default() });
        Vfs::new(tmp.root(), "tmpfs", "shm")
    })
    .root()
}

const O_LARGEFILE: u32 = 0o100000;

/// How the new file starts.
pub struct MemfdOptions {
    /// MFD_ALLOW_SEALING: seals may be added (else F_SEAL_SEAL).
    pub allow_sealing: bool,
    /// MFD_NOEXEC_SEAL: mode 0666 and F_SEAL_EXEC (sealing allowed).
    pub noexec_seal: bool,
}

/// A new memfd named `memfd:NAME`, owned by `t`'s filesystem IDs.
pub fn create(t: &Thread, name: &[u8], opts: MemfdOptions) -> Result<File, Errno> {
    let root = shm_root();
    let creds = super::vfs::creds_of(t);
    let mode = if opts.noexec_seal { 0o666 } else { 0o777 };
    let inode = root.inode.tmpfile(mode, Owner { uid: creds.uid, gid: creds.gid }, false)?;
    if let Some(seals) = inode.seals() {
        seals.init(if opts.noexec_seal {
            F_SEAL_EXEC
        } else if opts.allow_sealing {
            0
        } else {
            F_SEAL_SEAL
        });
    }
    let mut full = Vec::from(&b"memfd:"[..]);
    full.extend_from_slice(name);
    let loc = PathLoc::new(root.mount.clone(), inode);
    let f = InodeFile { loc, parent: root, name: full, write: None, opener: creds, state: None };
    Ok(File::new(f, O_RDWR | O_LARGEFILE))
}

/// Whether a shared mapping that may write maps the file with id `id`, in
/// any address space.
pub fn writably_mapped(id: fs::pages::FileId) -> bool {
    crate::mm::filemap::mappers(id).iter().any(|mm| {
        mm.with(|m| m.vmas.values().any(|v| v.shared && matches!(&v.kind, Kind::Pages { file, may_write: true, .. } if file.id == id)))
    })
}

/// What /proc/PID/fd/N shows for a memfd (`/memfd:NAME (deleted)`, as
/// Linux's d_path of an unlinked shmem file), or None for another file.
/// For procfs's fd links: a memfd's location is on the internal mount,
/// outside every namespace, so a path walk cannot name it.
pub fn proc_link(f: &InodeFile) -> Option<Vec<u8>> {
    let shm = SHM.get()?;
    if !alloc::sync::Arc::ptr_eq(&f.loc.mount, &shm.root().mount) {
        return None;
    }
    let mut s = Vec::from(&b"/"[..]);
    s.extend_from_slice(&f.name);
    s.extend_from_slice(b" (deleted)");
    Some(s)
}

/// A fresh unnamed inode on the internal shm mount, `len` bytes of zeros,
/// for kernel memory that user space maps shared (io_uring's rings).
pub fn internal_inode(len: u64) -> Result<fs::InodeRef, Errno> {
    let inode = shm_root().inode.tmpfile(0o600, Owner { uid: 0, gid: 0 }, false)?;
    inode.truncate(len)?;
    Ok(inode)
}
