//! File handles on cgroupfs (Linux's kernfs export operations): a
//! handle is 8 bytes holding the node's id — for a directory the cgroup
//! id, which is also its inode number — with handle type FILEID_KERNFS.

use alloc::sync::Arc;

use fs::inode::InodeRef;

use super::control_files::CgFile;
use super::fs_dir::{self, CgDir, DIRS};

/// FILEID_KERNFS.
pub const FILEID_KERNFS: i32 = 0xfe;

/// The id a handle of `inode` carries, if it is on cgroupfs.
pub fn encode(inode: &InodeRef) -> Option<u64> {
    let any: &dyn core::any::Any = &**inode;
    if let Some(d) = any.downcast_ref::<CgDir>() {
        return Some(d.id);
    }
    any.downcast_ref::<CgFile>().map(|f| f.ino)
}

/// Whether `inode` is on cgroupfs.
pub fn is_cgroupfs(inode: &InodeRef) -> bool {
    encode(inode).is_some()
}

/// The live node with id `id`.
pub fn decode(id: u64) -> Option<InodeRef> {
    if let Some(d) = fs_dir::dir(id) {
        return Some(d);
    }
    let dirs: alloc::vec::Vec<Arc<CgDir>> = DIRS.lock().values().cloned().collect();
    dirs.iter().flat_map(|d| d.files.iter()).find(|f| f.ino == id).map(|f| f.clone() as InodeRef)
}
