//! The VFS object: one mount namespace (the mount table and its root
//! mount), the location type [`PathLoc`] every path operation starts from
//! and returns, and the per-call context [`Ctx`] (the caller's root
//! directory, credentials and umask).
//!
//! There is no dentry cache: a location is (mount, inode), each filesystem's
//! own directory structure is the cache (tmpfs lookups are map lookups), and
//! names are recovered on demand by [`Vfs::path_of`] (getcwd, mountinfo,
//! /proc/self/fd) the way old Unix getcwd did it: walk `..` up and find the
//! entry naming the child.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::cred::Creds;
use crate::errno::{Errno, Result};
use crate::inode::{is_dir, same_inode, InodeRef};
use crate::mount::{Mount, MountFlags, MountTable};

/// A place in the namespace: an inode as reached through a mount.
#[derive(Clone)]
pub struct PathLoc {
    pub mount: Arc<Mount>,
    pub inode: InodeRef,
}

impl PathLoc {
    pub fn new(mount: Arc<Mount>, inode: InodeRef) -> Self {
        Self { mount, inode }
    }

    /// Same mount and same inode.
    pub fn same(&self, other: &PathLoc) -> bool {
        Arc::ptr_eq(&self.mount, &other.mount) && same_inode(&self.inode, &other.inode)
    }

    pub fn is_dir(&self) -> bool {
        is_dir(&self.inode)
    }

    /// Whether this is the root of its mount.
    pub fn is_mount_root(&self) -> bool {
        same_inode(&self.inode, self.mount.root())
    }
}

impl core::fmt::Debug for PathLoc {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "PathLoc(mount {}, ino {})",
            self.mount.id(),
            self.inode.ino()
        )
    }
}

/// The caller of a path operation: where `/` is for it (its chroot), who it
/// is, and its umask.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub root: &'a PathLoc,
    pub creds: &'a Creds,
    /// Applied to the mode of files, directories and nodes it creates.
    pub umask: u32,
    /// The calling thread: what /proc/self and /proc/thread-self name,
    /// and whose files a magic link may reach.
    pub caller: Caller,
}

/// The thread making a call (process and thread ids; 0 for the kernel).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caller {
    pub pid: u32,
    pub tid: u32,
}

/// A mount namespace.
pub struct Vfs {
    pub(crate) table: alloc::sync::Arc<MountTable>,
}

impl Vfs {
    /// A namespace whose root is the filesystem rooted at `root` (the
    /// initial tmpfs). `fstype` and `source` show up in mountinfo.
    pub fn new(root: InodeRef, fstype: &str, source: &str) -> Self {
        Self {
            table: MountTable::new(root, fstype, source, MountFlags::empty()),
        }
    }

    /// The namespace root: the starting `Ctx::root` and cwd of init.
    pub fn root(&self) -> PathLoc {
        let m = self.table.root_mount();
        PathLoc::new(m.clone(), m.root().clone())
    }

    /// The mount covering `loc`, if any (the topmost of a stack).
    pub(crate) fn mounted_on(&self, loc: &PathLoc) -> Option<Arc<Mount>> {
        self.table.child_on(&loc.mount, &loc.inode)
    }

    /// Follows mounts down: if something is mounted on `loc`, the root of the
    /// topmost mount there.
    pub(crate) fn follow_mounts(&self, mut loc: PathLoc) -> PathLoc {
        while let Some(m) = self.mounted_on(&loc) {
            loc = PathLoc::new(m.clone(), m.root().clone());
        }
        loc
    }

    /// Whether any mount in the namespace sits on `inode` (EBUSY for
    /// unlink, rmdir and rename).
    pub fn is_mountpoint(&self, inode: &InodeRef) -> bool {
        self.table.is_mountpoint(inode)
    }

    /// The parent of `loc` for `..`: stays at `root`, crosses from a mount's
    /// root to where it is mounted, then takes the filesystem's parent and
    /// follows mounts on it (Linux's `follow_dotdot`).
    pub(crate) fn dotdot(&self, root: &PathLoc, loc: &PathLoc) -> Result<PathLoc> {
        let mut cur = loc.clone();
        loop {
            if cur.same(root) {
                return Ok(cur);
            }
            if !cur.is_mount_root() {
                break;
            }
            match cur.mount.parent() {
                Some((parent, point)) => cur = PathLoc::new(parent, point),
                None => return Ok(cur),
            }
        }
        let parent = cur.inode.parent()?;
        Ok(self.follow_mounts(PathLoc::new(cur.mount, parent)))
    }

    /// The absolute path of `loc` as seen from `root` (getcwd, mountinfo):
    /// `None` if `loc` is not below `root`. Works for directories (and any
    /// mount root); a removed directory is ENOENT. For other files, take the
    /// path of the directory they were opened in and append the name.
    pub fn path_of(&self, root: &PathLoc, loc: &PathLoc) -> Result<Option<Vec<u8>>> {
        match self.walk_up(root, loc)? {
            (true, path) => Ok(Some(path)),
            (false, _) => Ok(None),
        }
    }

    /// Climbs from `loc` towards `root` through mount points, collecting
    /// names: whether `root` was reached, and the path from where the climb
    /// stopped (`root`, or the top of a tree that does not contain it).
    fn walk_up(&self, root: &PathLoc, loc: &PathLoc) -> Result<(bool, Vec<u8>)> {
        let mut names: Vec<Vec<u8>> = Vec::new();
        let mut cur = loc.clone();
        let reached = loop {
            if cur.same(root) {
                break true;
            }
            if cur.is_mount_root() {
                match cur.mount.parent() {
                    Some((parent, point)) => {
                        let up = PathLoc::new(parent, point);
                        // A mount on a file: the file's remembered place.
                        if !up.is_dir() && !up.is_mount_root() {
                            if let Some((dir, name)) = crate::file_points::entry_of(&up.inode) {
                                names.push(name);
                                cur = PathLoc::new(up.mount, dir);
                                continue;
                            }
                        }
                        cur = up;
                        continue;
                    }
                    None => break false,
                }
            }
            if cur.inode.metadata().nlink == 0 {
                return Err(Errno::ENOENT);
            }
            let parent = cur.inode.parent()?;
            if same_inode(&parent, &cur.inode) {
                // A filesystem root that is not its mount's root: unreachable.
                break false;
            }
            names.push(name_in(&parent, &cur.inode)?);
            cur = PathLoc::new(cur.mount, parent);
        };
        Ok((reached, join(&names)))
    }

    /// What getcwd(2) reports for a working directory `cwd` under the
    /// process root `root` (Linux's d_path rules): the path from the root,
    /// or, when `cwd` lies outside it, "(unreachable)" followed by its path
    /// from the top of its tree: the namespace root (after chroot) or the
    /// root of a lazily unmounted tree. ENOENT once removed.
    pub fn cwd_path(&self, root: &PathLoc, cwd: &PathLoc) -> Result<Vec<u8>> {
        let (reached, path) = self.walk_up(root, cwd)?;
        if reached {
            return Ok(path);
        }
        let mut out = b"(unreachable)".to_vec();
        out.extend_from_slice(&path);
        Ok(out)
    }
}

/// `/` followed by `names` in reverse order, separated by `/`.
pub(crate) fn join(names: &[Vec<u8>]) -> Vec<u8> {
    let mut path = Vec::new();
    for n in names.iter().rev() {
        path.push(b'/');
        path.extend_from_slice(n);
    }
    if path.is_empty() {
        path.push(b'/');
    }
    path
}

/// The name under which `dir` holds `child` (ENOENT if it does not).
pub fn name_in(dir: &InodeRef, child: &InodeRef) -> Result<Vec<u8>> {
    let ino = child.ino();
    let mut offset = 0;
    while let Some(e) = dir.readdir(offset)? {
        offset = e.next;
        if e.ino != ino || e.name == b"." || e.name == b".." {
            continue;
        }
        if dir.lookup(&e.name).is_ok_and(|i| same_inode(&i, child)) {
            return Ok(e.name);
        }
    }
    Err(Errno::ENOENT)
}
