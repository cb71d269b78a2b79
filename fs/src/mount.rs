//! The mount table of a namespace: which filesystem (or bound subtree) sits
//! on which directory, with Linux's rules (fs/namespace.c):
//!
//! - `mount` puts a filesystem's root on a directory; mounting again on the
//!   same place stacks on top (the walk sees the topmost).
//! - `bind` puts an existing subtree (or file, onto a file) elsewhere;
//!   recursive binds copy the mounts below it, except unbindable ones. A
//!   bind copies the per-mount flags; binding a shared mount joins its peer
//!   group.
//! - `remount` (MS_REMOUNT|MS_BIND) replaces the per-mount flags; MS_RDONLY
//!   makes every write through the mount EROFS (enforced by the `*at`
//!   operations), and is EBUSY while files are open for writing through it
//!   ([`WriteAccess`]). `remount_super` (MS_REMOUNT alone) also makes the
//!   filesystem read-only or writable for all its mounts, binds included.
//! - Propagation types (shared, private, slave, unbindable) are stored and
//!   shown in mountinfo; mount events are not propagated between peers.
//! - `umount` needs a mount root (EINVAL), fails with EBUSY while mounts sit
//!   below it or anything else holds a location in it (open files, cwds:
//!   counted through the `Arc<Mount>` references), and with MNT_DETACH takes
//!   the whole subtree out of the namespace while users keep it alive.
//! - `move_mount` (MS_MOVE) re-attaches a mount; ELOOP into its own subtree.
//!
//! Lock order: the table lock is taken after any inode lock and no inode
//! method is called while it is held (paths are computed from snapshots);
//! a mount's own `parent` lock nests inside the table lock and is a leaf.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use spin::{Mutex, RwLock};

use crate::errno::{Errno, Result};
use crate::inode::{inode_addr, is_dir, same_inode, InodeRef};
use crate::vfs::{join, name_in, PathLoc, Vfs};

bitflags::bitflags! {
    /// Per-mount flags, with the values of mount(2)'s `MS_*` flags.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
    pub struct MountFlags: u32 {
        const RDONLY = 1;
        const NOSUID = 2;
        const NODEV = 4;
        const NOEXEC = 8;
        const SYNCHRONOUS = 16;
        const MANDLOCK = 64;
        const DIRSYNC = 128;
        const NOSYMFOLLOW = 256;
        const NOATIME = 1024;
        const NODIRATIME = 2048;
        const RELATIME = 1 << 21;
        const STRICTATIME = 1 << 24;
        const LAZYTIME = 1 << 25;
    }
}

/// Write access through a mount, held by a file opened for writing
/// ([`Mount::want_write`]); dropping it gives the access back.
/// For a regular file it also counts as one of the file's writers
/// ([`crate::deny_write`]).
pub struct WriteAccess(Arc<Mount>, Option<crate::deny_write::Writer>);

impl WriteAccess {
    /// Also counts as a writer of `inode` (ETXTBSY while it runs).
    pub fn of_file(mut self, inode: &crate::inode::InodeRef) -> crate::errno::Result<WriteAccess> {
        self.1 = Some(crate::deny_write::get_write_access(inode)?);
        Ok(self)
    }
}

impl Clone for WriteAccess {
    fn clone(&self) -> Self {
        self.0.writers.fetch_add(1, Ordering::AcqRel);
        self.0.sb.writers.fetch_add(1, Ordering::AcqRel);
        WriteAccess(self.0.clone(), self.1.clone())
    }
}

impl Drop for WriteAccess {
    fn drop(&mut self) {
        self.0.writers.fetch_sub(1, Ordering::AcqRel);
        self.0.sb.writers.fetch_sub(1, Ordering::AcqRel);
    }
}

impl core::fmt::Debug for WriteAccess {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "WriteAccess(mount {})", self.0.id)
    }
}

/// mount(2) flags that are not per-mount flags.
pub const MS_REMOUNT: u32 = 32;
pub const MS_BIND: u32 = 4096;
pub const MS_MOVE: u32 = 8192;
pub const MS_REC: u32 = 16384;
pub const MS_SILENT: u32 = 32768;
pub const MS_UNBINDABLE: u32 = 1 << 17;
pub const MS_PRIVATE: u32 = 1 << 18;
pub const MS_SLAVE: u32 = 1 << 19;
pub const MS_SHARED: u32 = 1 << 20;

/// umount2(2) flags.
pub const MNT_FORCE: u32 = 1;
pub const MNT_DETACH: u32 = 2;
pub const MNT_EXPIRE: u32 = 4;
pub const UMOUNT_NOFOLLOW: u32 = 8;

/// Most mounts a namespace holds (Linux's default fs.mount-max is larger;
/// past it mount fails with ENOSPC like Linux).
pub const MAX_MOUNTS: usize = 4096;

/// A mount's propagation type, as mountinfo shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Propagation {
    Private,
    /// Member of peer group `n` ("shared:n").
    Shared(u32),
    /// Receives from peer group `n` ("master:n").
    Slave(u32),
    Unbindable,
}

/// A propagation change requested with MS_SHARED, MS_PRIVATE, MS_SLAVE or
/// MS_UNBINDABLE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropagationChange {
    Shared,
    Private,
    Slave,
    Unbindable,
}

impl PropagationChange {
    /// The change a mount(2) flag word asks for (exactly one bit; EINVAL
    /// otherwise), or `None` when it asks for none.
    pub fn from_ms_flags(flags: u32) -> Result<Option<Self>> {
        let bits = flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE);
        Ok(Some(match bits {
            0 => return Ok(None),
            MS_SHARED => Self::Shared,
            MS_PRIVATE => Self::Private,
            MS_SLAVE => Self::Slave,
            MS_UNBINDABLE => Self::Unbindable,
            _ => return Err(Errno::EINVAL),
        }))
    }
}

/// A mount that comes along when a detached tree is attached: (the
/// mount, its parent, its mount point).
type Carried = (Arc<Mount>, Arc<Mount>, InodeRef);

/// One mount.
pub struct Mount {
    id: u32,
    root: InodeRef,
    fstype: String,
    source: String,
    flags: AtomicU32,
    /// Open files writing through this mount ([`WriteAccess`] tokens):
    /// a read-only remount is EBUSY while there are any.
    writers: AtomicUsize,
    /// The mounted filesystem's own state, shared with every bind of it.
    sb: Arc<Super>,
    propagation: Mutex<Propagation>,
    /// Where it is attached: (parent mount, mount point inode).
    parent: Mutex<Option<(Arc<Mount>, InodeRef)>>,
    /// A mount made by fsmount or open_tree(OPEN_TREE_CLONE) and not yet
    /// attached anywhere (Linux's anonymous namespace), with the copies of
    /// the mounts below it that come along when it is attached:
    /// (mount, its parent, mount point).
    detached: Mutex<Option<Vec<Carried>>>,
    /// umount2 with MNT_EXPIRE marked it (a second such call unmounts).
    expiry_mark: AtomicBool,
}

/// What Linux keeps in the superblock and all mounts of one filesystem
/// instance share: read-only state (a remount without MS_BIND) and the
/// count of files open for writing through any of them.
#[derive(Debug, Default)]
struct Super {
    rdonly: AtomicBool,
    writers: AtomicUsize,
}

impl Mount {
    fn new(
        id: u32,
        root: InodeRef,
        fstype: &str,
        source: &str,
        flags: MountFlags,
        sb: Option<Arc<Super>>,
    ) -> Arc<Mount> {
        Arc::new(Mount {
            id,
            root,
            fstype: String::from(fstype),
            source: String::from(source),
            flags: AtomicU32::new(flags.bits()),
            writers: AtomicUsize::new(0),
            sb: sb.unwrap_or_default(),
            propagation: Mutex::new(Propagation::Private),
            parent: Mutex::new(None),
            detached: Mutex::new(None),
            expiry_mark: AtomicBool::new(false),
        })
    }

    /// Mount id (mountinfo's first field, statx's `stx_mnt_id`).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The root of the mounted tree.
    pub fn root(&self) -> &InodeRef {
        &self.root
    }

    pub fn fstype(&self) -> &str {
        &self.fstype
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn flags(&self) -> MountFlags {
        MountFlags::from_bits_truncate(self.flags.load(Ordering::Acquire))
    }

    /// Writes are EROFS: the mount is read-only, or its filesystem is.
    pub fn is_readonly(&self) -> bool {
        self.flags().contains(MountFlags::RDONLY) || self.sb.rdonly.load(Ordering::Acquire)
    }

    /// Linux's mnt_get_write_access: a token an open file keeps while it
    /// may write through this mount; EROFS on a read-only mount. The count
    /// goes up before the flag is checked and `remount` sets the flag before
    /// it checks the count, so one of the two always sees the other.
    pub fn want_write(self: &Arc<Mount>) -> Result<WriteAccess> {
        self.writers.fetch_add(1, Ordering::AcqRel);
        self.sb.writers.fetch_add(1, Ordering::AcqRel);
        let token = WriteAccess(self.clone(), None);
        if self.is_readonly() {
            return Err(Errno::EROFS); // the token's drop undoes the count
        }
        Ok(token)
    }

    pub fn propagation(&self) -> Propagation {
        *self.propagation.lock()
    }

    /// A new mount of the same tree and filesystem state, attached
    /// nowhere (a copy that propagation puts on a peer or slave).
    pub(crate) fn copy(&self) -> Arc<Mount> {
        Mount::new(
            NEXT_ID.fetch_add(1, Ordering::Relaxed),
            self.root.clone(),
            &self.fstype,
            &self.source,
            self.flags(),
            Some(self.sb.clone()),
        )
    }

    /// What a bind mount of the tree at `root` of this mount is: the same
    /// filesystem state and flags, and a peer of this mount if it is
    /// shared (MS_BIND, open_tree's OPEN_TREE_CLONE).
    fn bound_copy(&self, root: InodeRef) -> Arc<Mount> {
        let m = Mount::new(NEXT_ID.fetch_add(1, Ordering::Relaxed), root, &self.fstype, &self.source, self.flags(), Some(self.sb.clone()));
        if let Propagation::Shared(g) = self.propagation() {
            *m.propagation.lock() = Propagation::Shared(g);
        }
        m
    }

    pub(crate) fn set_propagation_to(&self, p: Propagation) {
        *self.propagation.lock() = p;
    }

    /// Whether this is a detached mount ([`Vfs::new_detached`],
    /// [`Vfs::clone_detached`]) waiting to be attached.
    pub fn is_detached(&self) -> bool {
        self.detached.lock().is_some()
    }

    /// The parent mount and the mount point in it; `None` for the namespace
    /// root and for detached mounts.
    pub fn parent(&self) -> Option<(Arc<Mount>, InodeRef)> {
        self.parent.lock().clone()
    }
}

/// One line of /proc/self/mountinfo, in data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountInfo {
    pub id: u32,
    /// The parent's id (the namespace root reports its own).
    pub parent_id: u32,
    /// Device of the mounted filesystem.
    pub dev: u64,
    /// The mount's root within its filesystem (`/` unless a bind mount).
    pub root: Vec<u8>,
    /// Where it is mounted, relative to the caller's root.
    pub mount_point: Vec<u8>,
    pub flags: MountFlags,
    pub propagation: Propagation,
    pub fstype: String,
    pub source: String,
    /// The filesystem's own options after "rw"/"ro" in the super options
    /// column ([`crate::inode::Inode::mount_options`]: ",nsdelegate").
    pub fs_options: String,
}

/// Per-mount options as mountinfo's fourth column shows them
/// (`rw,nosuid,nodev,relatime`).
pub fn mount_options(flags: MountFlags) -> String {
    let mut s = String::from(if flags.contains(MountFlags::RDONLY) {
        "ro"
    } else {
        "rw"
    });
    for (flag, name) in [
        (MountFlags::NOSUID, ",nosuid"),
        (MountFlags::NODEV, ",nodev"),
        (MountFlags::NOEXEC, ",noexec"),
        (MountFlags::NOATIME, ",noatime"),
        (MountFlags::NODIRATIME, ",nodiratime"),
        (MountFlags::NOSYMFOLLOW, ",nosymfollow"),
    ] {
        if flags.contains(flag) {
            s.push_str(name);
        }
    }
    if !flags.intersects(MountFlags::NOATIME | MountFlags::STRICTATIME) {
        s.push_str(",relatime");
    }
    s
}

pub(crate) struct Inner {
    root: Arc<Mount>,
    /// Every attached mount, in mount order.
    pub(crate) mounts: Vec<Arc<Mount>>,
    /// (parent mount id, mount point address) -> the mount on top there.
    on: BTreeMap<(u32, usize), Arc<Mount>>,
}

/// Mount ids and peer-group ids are global, as Linux's (one IDA for
/// all namespaces): mountinfo and statx's `stx_mnt_id` never show the
/// same id for two mounts alive at once.
pub(crate) static NEXT_ID: AtomicU32 = AtomicU32::new(1);
pub(crate) static NEXT_GROUP: AtomicU32 = AtomicU32::new(1);

/// Every namespace's table, for propagation between peers and slaves,
/// which may live in different namespaces.
pub(crate) static TABLES: Mutex<Vec<alloc::sync::Weak<MountTable>>> = Mutex::new(Vec::new());

/// The mounts of one namespace.
pub(crate) struct MountTable {
    pub(crate) inner: RwLock<Inner>,
    /// Bumped by every change to the table (Linux's `ns->event`, which
    /// makes an open mountinfo poll with POLLPRI).
    generation: AtomicU64,
    /// Called after each change, also one propagated from another
    /// namespace (the kernel wakes the namespace's mountinfo pollers).
    on_change: spin::Once<ChangeHook>,
}

/// What a namespace's owner runs when its mount table changes.
pub type ChangeHook = Arc<dyn Fn() + Send + Sync>;

impl MountTable {
    pub(crate) fn new(root: InodeRef, fstype: &str, source: &str, flags: MountFlags) -> Arc<Self> {
        let m = Mount::new(
            NEXT_ID.fetch_add(1, Ordering::Relaxed),
            root,
            fstype,
            source,
            flags,
            None,
        );
        Self::register(Inner {
            root: m.clone(),
            mounts: alloc::vec![m],
            on: BTreeMap::new(),
        })
    }

    /// A table holding `inner`, known to mount propagation.
    fn register(inner: Inner) -> Arc<Self> {
        let t = Arc::new(Self {
            inner: RwLock::new(inner),
            generation: AtomicU64::new(0),
            on_change: spin::Once::new(),
        });
        let mut all = TABLES.lock();
        all.retain(|w| w.strong_count() > 0);
        all.push(Arc::downgrade(&t));
        t
    }

    /// Records a change (mount, unmount, move, flags, propagation).
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(hook) = self.on_change.get() {
            hook();
        }
    }

    pub(crate) fn root_mount(&self) -> Arc<Mount> {
        self.inner.read().root.clone()
    }

    pub(crate) fn child_on(&self, mount: &Mount, inode: &InodeRef) -> Option<Arc<Mount>> {
        self.inner
            .read()
            .on
            .get(&(mount.id, inode_addr(inode)))
            .cloned()
    }

    pub(crate) fn is_mountpoint(&self, inode: &InodeRef) -> bool {
        let addr = inode_addr(inode);
        self.inner.read().on.keys().any(|(_, a)| *a == addr)
    }

    /// A new mount: of a new filesystem instance (`sb` None), or a bind
    /// sharing `sb` with the mount it copies.
    fn new_mount(
        &self,
        root: InodeRef,
        fstype: &str,
        source: &str,
        flags: MountFlags,
        sb: Option<Arc<Super>>,
    ) -> Arc<Mount> {
        Mount::new(
            NEXT_ID.fetch_add(1, Ordering::Relaxed),
            root,
            fstype,
            source,
            flags,
            sb,
        )
    }

    fn new_group(&self) -> u32 {
        NEXT_GROUP.fetch_add(1, Ordering::Relaxed)
    }
}

impl Inner {
    pub(crate) fn attach(&mut self, m: Arc<Mount>, parent: Arc<Mount>, point: InodeRef) {
        self.on.insert((parent.id, inode_addr(&point)), m.clone());
        *m.parent.lock() = Some((parent, point));
        self.mounts.push(m);
    }

    pub(crate) fn detach(&mut self, m: &Arc<Mount>) {
        if let Some((parent, point)) = m.parent.lock().take() {
            self.on.remove(&(parent.id, inode_addr(&point)));
        }
        self.mounts.retain(|x| !Arc::ptr_eq(x, m));
    }

    /// Takes `m` off its mount point, leaving it in the namespace's list.
    fn unhash(&mut self, m: &Arc<Mount>) {
        if let Some((parent, point)) = m.parent.lock().take() {
            self.on.remove(&(parent.id, inode_addr(&point)));
        }
    }

    /// Puts `m`, already in the namespace's list, on (parent, point).
    fn relink(&mut self, m: &Arc<Mount>, parent: Arc<Mount>, point: InodeRef) {
        self.unhash(m);
        self.on.insert((parent.id, inode_addr(&point)), m.clone());
        *m.parent.lock() = Some((parent, point));
    }

    pub(crate) fn children(&self, m: &Arc<Mount>) -> Vec<Arc<Mount>> {
        self.mounts
            .iter()
            .filter(|c| c.parent().is_some_and(|(p, _)| Arc::ptr_eq(&p, m)))
            .cloned()
            .collect()
    }

    /// `m` and every mount below it, parents before children.
    fn subtree(&self, m: &Arc<Mount>) -> Vec<Arc<Mount>> {
        let mut out = alloc::vec![m.clone()];
        let mut i = 0;
        while i < out.len() {
            let kids = self.children(&out[i]);
            out.extend(kids);
            i += 1;
        }
        out
    }

    /// The mount on top of any stack at (parent, point).
    pub(crate) fn top_at(&self, mut parent: Arc<Mount>, mut point: InodeRef) -> (Arc<Mount>, InodeRef) {
        while let Some(m) = self.on.get(&(parent.id, inode_addr(&point))) {
            parent = m.clone();
            point = m.root.clone();
        }
        (parent, point)
    }
}

impl Drop for Inner {
    /// Cuts every parent link first: otherwise a stack of mounts, each
    /// holding its parent, would be freed recursively, one level per mount.
    fn drop(&mut self) {
        let parents: Vec<_> = self
            .mounts
            .iter()
            .filter_map(|m| m.parent.lock().take())
            .collect();
        drop(parents);
    }
}

/// Whether `inode` is `top` or lies below it in the same filesystem
/// (walking `..` up to the filesystem root).
pub(crate) fn is_under(top: &InodeRef, inode: &InodeRef) -> bool {
    let mut cur = inode.clone();
    loop {
        if same_inode(&cur, top) {
            return true;
        }
        match cur.parent() {
            Ok(p) if !same_inode(&p, &cur) => cur = p,
            _ => return false,
        }
    }
}

/// Checks a mount point: it must still be linked, and of the same kind
/// (directory or not) as what goes on it.
fn check_point(at: &PathLoc, root_is_dir: bool) -> Result<()> {
    if at.is_dir() != root_is_dir {
        return Err(Errno::ENOTDIR);
    }
    if at.inode.metadata().nlink == 0 {
        return Err(Errno::ENOENT);
    }
    Ok(())
}

impl Vfs {
    /// Mounts the filesystem rooted at `root` on the directory `at`.
    pub fn mount(
        &self,
        root: InodeRef,
        at: &PathLoc,
        fstype: &str,
        source: &str,
        flags: MountFlags,
    ) -> Result<Arc<Mount>> {
        if !at.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        check_point(at, is_dir(&root))?;
        let m = self.table.new_mount(root, fstype, source, flags, None);
        let mut t = self.table.inner.write();
        // The same filesystem instance (a single-instance one: sysfs,
        // devtmpfs, cgroup2, devpts) mounted again on top of itself is
        // EBUSY (Linux's do_add_mount).
        let (top, top_point) = t.top_at(at.mount.clone(), at.inode.clone());
        if same_inode(&top_point, top.root()) && same_inode(top.root(), m.root()) {
            return Err(Errno::EBUSY);
        }
        if t.mounts.len() >= MAX_MOUNTS {
            return Err(Errno::ENOSPC);
        }
        let (parent, point) = t.top_at(at.mount.clone(), at.inode.clone());
        t.attach(m.clone(), parent.clone(), point.clone());
        drop(t);
        self.table.changed();
        crate::propagate::mounted(&m, &parent, &point);
        Ok(m)
    }

    /// Bind-mounts the tree at `src` on `at` (MS_BIND, with MS_REC when
    /// `recursive`). With `recursive`, mounts below `src` are copied too
    /// (those on directories inside the bound subtree; unbindable ones are
    /// skipped).
    pub fn bind(&self, src: &PathLoc, at: &PathLoc, recursive: bool) -> Result<Arc<Mount>> {
        if src.mount.propagation() == Propagation::Unbindable {
            return Err(Errno::EINVAL);
        }
        check_point(at, src.is_dir())?;
        // Snapshot what to copy before attaching anything (the target may
        // lie inside the source).
        let mut plan: Vec<(usize, Arc<Mount>)> = Vec::new(); // (index of copied parent, original)
        if recursive {
            let kids = self.table.inner.read().children(&src.mount);
            let whole = src.is_mount_root();
            for k in kids {
                let inside = whole
                    || k.parent()
                        .is_some_and(|(_, point)| is_under(&src.inode, &point));
                if inside && k.propagation() != Propagation::Unbindable {
                    plan.push((0, k));
                }
            }
            let mut i = 0;
            while i < plan.len() {
                let kids = self.table.inner.read().children(&plan[i].1);
                for k in kids {
                    if k.propagation() != Propagation::Unbindable {
                        plan.push((i + 1, k));
                    }
                }
                i += 1;
            }
        }
        let clone = |orig: &Arc<Mount>, root: InodeRef| orig.bound_copy(root);
        let top = clone(&src.mount, src.inode.clone());
        let mut copies = alloc::vec![top.clone()];
        let mut t = self.table.inner.write();
        if t.mounts.len() + plan.len() + 1 > MAX_MOUNTS {
            return Err(Errno::ENOSPC);
        }
        let (parent, point) = t.top_at(at.mount.clone(), at.inode.clone());
        t.attach(top.clone(), parent.clone(), point.clone());
        let event = (parent, point);
        for (parent_index, orig) in &plan {
            let Some((_, point)) = orig.parent() else {
                continue;
            };
            let Some(parent) = copies.get(*parent_index).cloned() else {
                continue;
            };
            let m = clone(orig, orig.root.clone());
            t.attach(m.clone(), parent, point);
            copies.push(m);
        }
        drop(t);
        self.table.changed();
        crate::propagate::mounted(&top, &event.0, &event.1);
        Ok(top)
    }

    /// Replaces the per-mount flags of the mount whose root is `loc`.
    /// Making it read-only is EBUSY while files are open for writing
    /// through it (Linux's mnt_make_readonly).
    pub fn remount(&self, loc: &PathLoc, flags: MountFlags) -> Result<()> {
        if !loc.is_mount_root() {
            return Err(Errno::EINVAL);
        }
        let m = &loc.mount;
        let old = m.flags.swap(flags.bits(), Ordering::AcqRel);
        if flags.contains(MountFlags::RDONLY)
            && old & MountFlags::RDONLY.bits() == 0
            && m.writers.load(Ordering::Acquire) != 0
        {
            m.flags.store(old, Ordering::Release);
            return Err(Errno::EBUSY);
        }
        self.table.changed();
        Ok(())
    }

    /// mount(2) with MS_REMOUNT but without MS_BIND: the filesystem itself
    /// becomes read-only or writable, for every mount of it (EBUSY while
    /// any file is open for writing through any of them), and the mount at
    /// `loc` takes `flags` as with [`Vfs::remount`].
    pub fn remount_super(&self, loc: &PathLoc, flags: MountFlags) -> Result<()> {
        if !loc.is_mount_root() {
            return Err(Errno::EINVAL);
        }
        let sb = &loc.mount.sb;
        let ro = flags.contains(MountFlags::RDONLY);
        let was = sb.rdonly.swap(ro, Ordering::AcqRel);
        if ro && !was && sb.writers.load(Ordering::Acquire) != 0 {
            sb.rdonly.store(false, Ordering::Release);
            return Err(Errno::EBUSY);
        }
        loc.mount.flags.store(flags.bits(), Ordering::Release);
        self.table.changed();
        Ok(())
    }

    /// Changes the propagation type of the mount at `loc` (and every mount
    /// below it when `recursive`, MS_REC).
    pub fn set_propagation(
        &self,
        loc: &PathLoc,
        change: PropagationChange,
        recursive: bool,
    ) -> Result<()> {
        if !loc.is_mount_root() {
            return Err(Errno::EINVAL);
        }
        let t = self.table.inner.read();
        let targets = if recursive {
            t.subtree(&loc.mount)
        } else {
            alloc::vec![loc.mount.clone()]
        };
        for m in targets {
            let mut p = m.propagation.lock();
            *p = match (change, *p) {
                (PropagationChange::Shared, Propagation::Shared(g)) => Propagation::Shared(g),
                (PropagationChange::Shared, _) => Propagation::Shared(self.table.new_group()),
                (PropagationChange::Private, _) => Propagation::Private,
                (PropagationChange::Slave, Propagation::Shared(g) | Propagation::Slave(g)) => {
                    Propagation::Slave(g)
                }
                (PropagationChange::Slave, _) => Propagation::Private,
                (PropagationChange::Unbindable, _) => Propagation::Unbindable,
            };
        }
        self.table.changed();
        Ok(())
    }

    /// Moves the mount whose root is `src` onto `at` (MS_MOVE). As Linux:
    /// EINVAL for a mount whose parent is shared (its peers could not
    /// follow); a move onto a shared mount reaches its peers and slaves as
    /// a new mount does.
    pub fn move_mount(&self, src: &PathLoc, at: &PathLoc) -> Result<()> {
        if !src.is_mount_root() {
            return Err(Errno::EINVAL);
        }
        check_point(at, src.is_dir())?;
        let mut t = self.table.inner.write();
        if Arc::ptr_eq(&src.mount, &t.root) || src.mount.parent().is_none() {
            return Err(Errno::EINVAL);
        }
        if src.mount.parent().is_some_and(|(p, _)| matches!(p.propagation(), Propagation::Shared(_))) {
            return Err(Errno::EINVAL);
        }
        let (parent, point) = t.top_at(at.mount.clone(), at.inode.clone());
        let mut up = Some(parent.clone());
        while let Some(m) = up {
            if Arc::ptr_eq(&m, &src.mount) {
                return Err(Errno::ELOOP);
            }
            up = m.parent().map(|(p, _)| p);
        }
        t.relink(&src.mount, parent.clone(), point.clone());
        drop(t);
        self.table.changed();
        crate::propagate::mounted(&src.mount, &parent, &point);
        Ok(())
    }

    /// Unmounts the mount whose root is `loc` (umount2 `flags`: MNT_DETACH
    /// for a lazy unmount; MNT_FORCE is accepted and ignored; MNT_EXPIRE
    /// marks an unused mount, EAGAIN, and unmounts it on the next call). Without
    /// MNT_DETACH, `loc` must be the caller's only reference into the mount.
    pub fn umount(&self, loc: &PathLoc, flags: u32) -> Result<()> {
        if flags & !(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW) != 0
            || (flags & MNT_EXPIRE != 0 && flags & (MNT_FORCE | MNT_DETACH) != 0)
        {
            return Err(Errno::EINVAL);
        }
        if !loc.is_mount_root() {
            return Err(Errno::EINVAL);
        }
        // Detached mounts are dropped after the table lock is released:
        // freeing a filesystem may take a while.
        let detached: Vec<Arc<Mount>>;
        let top_place;
        {
            let mut t = self.table.inner.write();
            if Arc::ptr_eq(&loc.mount, &t.root) || loc.mount.parent().is_none() {
                return Err(Errno::EINVAL);
            }
            if flags & MNT_EXPIRE != 0 {
                // Linux's expiry: unused, the first call marks the mount
                // (EAGAIN) and the next one unmounts it.
                if !t.children(&loc.mount).is_empty() || Arc::strong_count(&loc.mount) > 3 {
                    return Err(Errno::EBUSY);
                }
                if !loc.mount.expiry_mark.swap(true, Ordering::AcqRel) {
                    return Err(Errno::EAGAIN);
                }
            }
            top_place = loc.mount.parent();
            if flags & MNT_DETACH != 0 {
                detached = t.subtree(&loc.mount);
            } else {
                if !t.children(&loc.mount).is_empty() {
                    return Err(Errno::EBUSY);
                }
                // The table holds two references, the caller's `loc` one.
                if Arc::strong_count(&loc.mount) > 3 {
                    return Err(Errno::EBUSY);
                }
                detached = alloc::vec![loc.mount.clone()];
            }
            for m in detached.iter().rev() {
                t.detach(m);
            }
        }
        self.table.changed();
        if let Some((parent, point)) = &top_place {
            crate::propagate::unmounted(&loc.mount, parent, point);
        }
        drop(detached);
        Ok(())
    }

    /// The mounts visible from `root`, in mount order (mountinfo).
    pub fn mounts(&self, root: &PathLoc) -> Vec<MountInfo> {
        let (all, ns_root) = {
            let t = self.table.inner.read();
            (t.mounts.clone(), t.root.clone())
        };
        let mut out = Vec::new();
        for m in all {
            let here = PathLoc::new(m.clone(), m.root.clone());
            let Ok(Some(mount_point)) = self.path_of(root, &here) else {
                continue;
            };
            let parent_id = m.parent().map_or(m.id, |(p, _)| p.id);
            out.push(MountInfo {
                id: m.id,
                parent_id: if Arc::ptr_eq(&m, &ns_root) {
                    m.id
                } else {
                    parent_id
                },
                dev: m.root.metadata().dev,
                root: fs_path(&m.root),
                mount_point,
                flags: m.flags(),
                propagation: m.propagation(),
                fstype: m.fstype.clone(),
                source: m.source.clone(),
                fs_options: m.root.mount_options(),
            });
        }
        out
    }
}

/// The path of `inode` from its filesystem's root (`/` for the root, and
/// for anything whose place cannot be found, such as a bound file).
fn fs_path(inode: &InodeRef) -> Vec<u8> {
    let mut names = Vec::new();
    let mut cur = inode.clone();
    while let Ok(parent) = cur.parent() {
        if same_inode(&parent, &cur) {
            break;
        }
        match name_in(&parent, &cur) {
            Ok(n) => names.push(n),
            Err(_) => return Vec::from(&b"/"[..]),
        }
        cur = parent;
    }
    join(&names)
}

/// What [`Vfs::copy_namespace`] made: the new namespace and, for each
/// mount of the old one, its copy, to carry a process's root and working
/// directory over (Linux's copy_mnt_ns switches `fs->root` and `fs->pwd`).
pub struct NamespaceCopy {
    pub vfs: Vfs,
    copies: BTreeMap<u32, Arc<Mount>>,
}

impl NamespaceCopy {
    /// `loc` as seen in the new namespace: the same inode through the copy
    /// of its mount (a mount outside the old namespace, such as a
    /// detached one, stays as it is).
    pub fn translate(&self, loc: &PathLoc) -> PathLoc {
        match self.copies.get(&loc.mount.id) {
            Some(m) => PathLoc::new(m.clone(), loc.inode.clone()),
            None => loc.clone(),
        }
    }
}

impl Vfs {
    /// A change counter of the mount table: it moves on every mount,
    /// unmount, move, remount and propagation change.
    pub fn generation(&self) -> u64 {
        self.table.generation.load(Ordering::Acquire)
    }

    /// Runs `hook` after every later change of the table, whichever
    /// namespace's call made it (propagation reaches other namespaces).
    /// Set once; later calls are ignored.
    pub fn on_change(&self, hook: ChangeHook) {
        self.table.on_change.call_once(|| hook);
    }

    /// A new mount namespace holding a copy of every mount of this one
    /// (unshare/clone with CLONE_NEWNS). Copies keep the flags, share the
    /// filesystem state with their originals, and a shared mount's copy
    /// joins its peer group, as Linux's copy_tree for a new namespace.
    pub fn copy_namespace(&self) -> NamespaceCopy {
        let t = self.table.inner.read();
        let mut copies: BTreeMap<u32, Arc<Mount>> = BTreeMap::new();
        let copy_of = |orig: &Arc<Mount>| {
            let m = Mount::new(
                NEXT_ID.fetch_add(1, Ordering::Relaxed),
                orig.root.clone(),
                &orig.fstype,
                &orig.source,
                orig.flags(),
                Some(orig.sb.clone()),
            );
            *m.propagation.lock() = orig.propagation();
            m
        };
        let root = copy_of(&t.root);
        copies.insert(t.root.id, root.clone());
        let mut inner = Inner {
            root: root.clone(),
            mounts: alloc::vec![root],
            on: BTreeMap::new(),
        };
        // `mounts` is in mount order, but a move can put a mount under a
        // later one: attach in parent-before-child order instead.
        for orig in t.subtree(&t.root).iter().skip(1) {
            let Some((parent, point)) = orig.parent() else {
                continue;
            };
            let Some(new_parent) = copies.get(&parent.id).cloned() else {
                continue;
            };
            let m = copy_of(orig);
            copies.insert(orig.id, m.clone());
            inner.attach(m, new_parent, point);
        }
        // Keep the original mount order for mountinfo.
        let order: BTreeMap<u32, usize> = t.mounts.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
        let mut by_new: Vec<(usize, Arc<Mount>)> = copies
            .iter()
            .map(|(old, m)| (order.get(old).copied().unwrap_or(usize::MAX), m.clone()))
            .collect();
        by_new.sort_by_key(|(i, _)| *i);
        inner.mounts = by_new.into_iter().map(|(_, m)| m).collect();
        drop(t);
        NamespaceCopy {
            vfs: Vfs {
                table: MountTable::register(inner),
            },
            copies,
        }
    }
}

impl Vfs {
    /// pivot_root(2): the mount at `new` becomes the root mount in place of
    /// the caller's root mount (`root`), which moves onto `old`. Linux's
    /// checks in Linux's order: EINVAL for shared mounts involved, EBUSY
    /// when `new` or `old` is on the root mount, EINVAL when the root or
    /// `new` is not the root of an attached mount, or `old` is not below
    /// `new`, or `new` not below the root. The caller moves the processes
    /// whose root or cwd was the old root (chroot_fs_refs).
    pub fn pivot_root(&self, root: &PathLoc, new: &PathLoc, old: &PathLoc) -> Result<()> {
        if !new.is_dir() || !old.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let mut t = self.table.inner.write();
        let (old_mnt, old_point) = t.top_at(old.mount.clone(), old.inode.clone());
        let shared = |m: &Arc<Mount>| matches!(m.propagation(), Propagation::Shared(_));
        let new_parent = new.mount.parent();
        let root_parent = root.mount.parent();
        if shared(&old_mnt)
            || new_parent.as_ref().is_some_and(|(p, _)| shared(p))
            || root_parent.as_ref().is_some_and(|(p, _)| shared(p))
        {
            return Err(Errno::EINVAL);
        }
        if new.inode.metadata().nlink == 0 {
            return Err(Errno::ENOENT);
        }
        if Arc::ptr_eq(&new.mount, &root.mount) || Arc::ptr_eq(&old_mnt, &root.mount) {
            return Err(Errno::EBUSY);
        }
        let Some((root_parent, root_point)) = root_parent else {
            return Err(Errno::EINVAL);
        };
        if !root.is_mount_root() || !new.is_mount_root() || new_parent.is_none() {
            return Err(Errno::EINVAL);
        }
        if !reachable(&old_mnt, &old_point, new) || !reachable(&new.mount, &new.inode, root) {
            return Err(Errno::EINVAL);
        }
        t.unhash(&new.mount);
        t.unhash(&root.mount);
        t.relink(&root.mount, old_mnt, old_point);
        t.relink(&new.mount, root_parent, root_point);
        drop(t);
        self.table.changed();
        Ok(())
    }
}

/// Whether (`mnt`, `inode`) lies at or below `top` (Linux's
/// is_path_reachable): climb the mounts to `top`'s, then the directories.
fn reachable(mnt: &Arc<Mount>, inode: &InodeRef, top: &PathLoc) -> bool {
    let (mut m, mut at) = (mnt.clone(), inode.clone());
    while !Arc::ptr_eq(&m, &top.mount) {
        match m.parent() {
            Some((p, point)) => {
                m = p;
                at = point;
            }
            None => return false,
        }
    }
    is_under(&top.inode, &at)
}

/// mount_setattr(2)'s change to the mounts of a tree.
#[derive(Clone, Copy, Debug)]
pub struct AttrChange {
    pub set: MountFlags,
    pub clear: MountFlags,
    pub propagation: Option<PropagationChange>,
}

impl Vfs {
    /// A new mount of the filesystem rooted at `root`, attached nowhere
    /// (fsmount).
    /// `sb_rdonly` makes the new instance read-only for every mount of it
    /// (fsconfig's "ro").
    pub fn new_detached(root: InodeRef, fstype: &str, source: &str, flags: MountFlags, sb_rdonly: bool) -> Arc<Mount> {
        let m = Mount::new(NEXT_ID.fetch_add(1, Ordering::Relaxed), root, fstype, source, flags, None);
        m.sb.rdonly.store(sb_rdonly, Ordering::Release);
        *m.detached.lock() = Some(Vec::new());
        m
    }

    /// A detached copy of the tree at `src` (open_tree with
    /// OPEN_TREE_CLONE; with `recursive`, AT_RECURSIVE, the mounts below
    /// come along). EINVAL for an unbindable mount.
    pub fn clone_detached(&self, src: &PathLoc, recursive: bool) -> Result<Arc<Mount>> {
        if src.mount.propagation() == Propagation::Unbindable {
            return Err(Errno::EINVAL);
        }
        let copy = |orig: &Arc<Mount>, root: InodeRef| orig.bound_copy(root);
        let top = copy(&src.mount, src.inode.clone());
        let mut below = Vec::new();
        if recursive {
            let t = self.table.inner.read();
            let whole = src.is_mount_root();
            let mut copies: BTreeMap<u32, Arc<Mount>> = BTreeMap::new();
            copies.insert(src.mount.id, top.clone());
            for m in t.subtree(&src.mount).iter().skip(1) {
                let Some((parent, point)) = m.parent() else { continue };
                let Some(new_parent) = copies.get(&parent.id).cloned() else { continue };
                let inside = !Arc::ptr_eq(&parent, &src.mount) || whole || is_under(&src.inode, &point);
                if !inside || m.propagation() == Propagation::Unbindable {
                    continue;
                }
                let c = copy(m, m.root.clone());
                copies.insert(m.id, c.clone());
                below.push((c, new_parent, point));
            }
        }
        *top.detached.lock() = Some(below);
        Ok(top)
    }

    /// Attaches the detached mount `m` (and what came with it) on `at`
    /// (move_mount from an fsmount or open_tree descriptor). EINVAL once
    /// it was attached.
    pub fn attach_detached(&self, m: &Arc<Mount>, at: &PathLoc) -> Result<()> {
        check_point(at, is_dir(&m.root))?;
        let mut t = self.table.inner.write();
        let below = {
            let mut d = m.detached.lock();
            let Some(below) = d.as_ref() else {
                return Err(Errno::EINVAL);
            };
            if t.mounts.len() + below.len() + 1 > MAX_MOUNTS {
                return Err(Errno::ENOSPC);
            }
            d.take().unwrap_or_default()
        };
        let (parent, point) = t.top_at(at.mount.clone(), at.inode.clone());
        t.attach(m.clone(), parent.clone(), point.clone());
        for (c, parent, point) in below {
            t.attach(c, parent, point);
        }
        drop(t);
        self.table.changed();
        crate::propagate::mounted(m, &parent, &point);
        Ok(())
    }

    /// move_mount's MOVE_MOUNT_SET_GROUP: `to` joins the peer group of the
    /// shared mount `from`.
    pub fn join_peer_group(&self, from: &Arc<Mount>, to: &Arc<Mount>) -> Result<()> {
        let Propagation::Shared(g) = from.propagation() else {
            return Err(Errno::EINVAL);
        };
        *to.propagation.lock() = Propagation::Shared(g);
        self.table.changed();
        Ok(())
    }

    /// Whether `m` is one of this namespace's mounts.
    pub fn contains(&self, m: &Arc<Mount>) -> bool {
        self.table.inner.read().mounts.iter().any(|x| Arc::ptr_eq(x, m))
    }

    /// mount_setattr(2) on the mount whose root is `loc` (and every mount
    /// below it when `recursive`): flags first, all or none (EBUSY when a
    /// mount would turn read-only while open for writing), then the
    /// propagation. A detached mount can be changed too.
    pub fn set_attr(&self, loc: &PathLoc, change: AttrChange, recursive: bool) -> Result<()> {
        if !loc.is_mount_root() {
            return Err(Errno::EINVAL);
        }
        let targets = if recursive && !loc.mount.is_detached() {
            self.table.inner.read().subtree(&loc.mount)
        } else {
            alloc::vec![loc.mount.clone()]
        };
        let new_flags = |m: &Arc<Mount>| (m.flags() - change.clear) | change.set;
        for m in &targets {
            let f = new_flags(m);
            if f.contains(MountFlags::RDONLY)
                && !m.flags().contains(MountFlags::RDONLY)
                && m.writers.load(Ordering::Acquire) != 0
            {
                return Err(Errno::EBUSY);
            }
        }
        for m in &targets {
            m.flags.store(new_flags(m).bits(), Ordering::Release);
        }
        if let Some(p) = change.propagation {
            self.set_propagation(loc, p, recursive)?;
        }
        self.table.changed();
        Ok(())
    }
}
