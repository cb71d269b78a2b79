//! The inode: one file, directory, symlink or special node of some
//! filesystem, as an [`Inode`] trait object shared through [`InodeRef`].
//!
//! The trait is the contract between the VFS (path walk, permission checks,
//! mounts, the `*at` operations) and a filesystem (tmpfs today; procfs, sysfs,
//! devfs later). Like Linux's `inode_operations` and `file_operations` in one:
//! the VFS checks permissions, mount flags and argument shapes, the
//! filesystem keeps its own structure consistent and reports the errors only
//! it can see (ENOENT, EEXIST, ENOTEMPTY, ENOSPC, ...). Every method has a
//! default that fails the way Linux fails for an inode without that
//! operation, so a filesystem implements only what it supports.
//!
//! Callbacks handed to [`Inode::unlink`], [`Inode::rmdir`] and
//! [`Inode::rename`] run while the filesystem holds its directory locks; they
//! may only take leaf locks (inode metadata, the mount table), see the lock
//! order in the crate documentation.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;

use crate::clock::Timespec;
use crate::errno::{Errno, Result};
use crate::lock::FileLocks;
use crate::vfs::{Ctx, PathLoc};

/// A shared reference to an inode.
pub type InodeRef = Arc<dyn Inode>;

/// File-type bits of a mode, as in `<sys/stat.h>`.
pub const S_IFMT: u32 = 0o170000;
pub const S_IFSOCK: u32 = 0o140000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFIFO: u32 = 0o010000;
/// Permission and special bits.
pub const S_ISUID: u32 = 0o4000;
pub const S_ISGID: u32 = 0o2000;
pub const S_ISVTX: u32 = 0o1000;
pub const S_IXGRP: u32 = 0o010;
/// Everything `chmod` may set.
pub const MODE_PERM: u32 = 0o7777;

/// `d_type` values of `getdents64` (the mode's type bits shifted down).
pub const DT_UNKNOWN: u8 = 0;
pub const DT_FIFO: u8 = 1;
pub const DT_CHR: u8 = 2;
pub const DT_DIR: u8 = 4;
pub const DT_BLK: u8 = 6;
pub const DT_REG: u8 = 8;
pub const DT_LNK: u8 = 10;
pub const DT_SOCK: u8 = 12;

/// Longest file name component (NAME_MAX).
pub const NAME_MAX: usize = 255;
/// Longest path including its terminating NUL (PATH_MAX).
pub const PATH_MAX: usize = 4096;

/// What kind of node an inode is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

impl FileType {
    /// The type encoded in `mode`'s `S_IFMT` bits; `None` for an invalid type.
    pub fn from_mode(mode: u32) -> Option<Self> {
        Some(match mode & S_IFMT {
            S_IFREG => Self::Regular,
            S_IFDIR => Self::Directory,
            S_IFLNK => Self::Symlink,
            S_IFCHR => Self::CharDevice,
            S_IFBLK => Self::BlockDevice,
            S_IFIFO => Self::Fifo,
            S_IFSOCK => Self::Socket,
            _ => return None,
        })
    }

    /// The `S_IFMT` bits of this type.
    pub fn mode_bits(self) -> u32 {
        match self {
            Self::Regular => S_IFREG,
            Self::Directory => S_IFDIR,
            Self::Symlink => S_IFLNK,
            Self::CharDevice => S_IFCHR,
            Self::BlockDevice => S_IFBLK,
            Self::Fifo => S_IFIFO,
            Self::Socket => S_IFSOCK,
        }
    }

    /// The `d_type` reported by `getdents64`.
    pub fn dirent_type(self) -> u8 {
        (self.mode_bits() >> 12) as u8
    }
}

/// Encodes a device number the way glibc's `makedev` does (and `st_rdev`
/// carries it).
pub const fn makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (major as u64, minor as u64);
    (ma & 0xfff) << 8 | (ma & !0xfff) << 32 | (mi & 0xff) | (mi & !0xff) << 12
}

/// The major number of a device number made by [`makedev`].
pub const fn major(dev: u64) -> u32 {
    (((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff)) as u32
}

/// The minor number of a device number made by [`makedev`].
pub const fn minor(dev: u64) -> u32 {
    ((dev & 0xff) | ((dev >> 12) & !0xff)) as u32
}

/// Allocates the device number of a filesystem without a backing device
/// (Linux's anonymous `0:N` devices: tmpfs, procfs, ...).
pub fn alloc_anon_dev() -> u64 {
    use core::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(16);
    makedev(0, NEXT.fetch_add(1, Ordering::Relaxed) & 0xf_ffff)
}

/// Everything `stat`/`statx` reports about an inode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// Device of the filesystem ([`makedev`] encoding).
    pub dev: u64,
    pub ino: u64,
    /// Type and permission bits.
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    /// Device number of a character or block device node.
    pub rdev: u64,
    pub size: u64,
    pub blksize: u32,
    /// Allocated space in 512-byte units.
    pub blocks: u64,
    pub atime: Timespec,
    pub mtime: Timespec,
    pub ctime: Timespec,
    /// Creation time (statx `stx_btime`).
    pub btime: Timespec,
}

impl Metadata {
    pub fn file_type(&self) -> Option<FileType> {
        FileType::from_mode(self.mode)
    }
    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
    pub fn is_symlink(&self) -> bool {
        self.mode & S_IFMT == S_IFLNK
    }
    pub fn is_regular(&self) -> bool {
        self.mode & S_IFMT == S_IFREG
    }
}

/// A time to set: the filesystem's clock now, or a given time. The kernel
/// turns `UTIME_NOW` into `Now` and `UTIME_OMIT` into `None`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetTime {
    Now,
    At(Timespec),
}

/// Attribute changes for [`Inode::setattr`]; `None` leaves a field alone.
/// The filesystem also sets ctime to now whenever anything changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// Permission bits only ([`MODE_PERM`]); the type never changes.
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub atime: Option<SetTime>,
    pub mtime: Option<SetTime>,
}

/// Owner of a new inode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

/// One directory entry as `getdents64` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub ino: u64,
    /// `DT_*` value.
    pub kind: u8,
    pub name: Vec<u8>,
    /// Offset of the entry after this one (`d_off`): pass it to the next
    /// [`Inode::readdir`] call, or store it as the directory's file position.
    pub next: u64,
}

/// A directory entry lent to [`Inode::readdir_batch`]'s callback.
pub struct DirEntryRef<'a> {
    pub ino: u64,
    pub kind: u8,
    pub name: &'a [u8],
    pub next: u64,
}

/// What `statfs` reports (the VFS adds the mount's flags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatFs {
    /// Magic number (`f_type`), e.g. [`TMPFS_MAGIC`].
    pub fs_type: u64,
    pub bsize: u64,
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub fsid: u64,
    pub namelen: u64,
    pub frsize: u64,
    /// `ST_*` flags.
    pub flags: u64,
}

/// `f_type` of tmpfs.
pub const TMPFS_MAGIC: u64 = 0x0102_1994;

bitflags::bitflags! {
    /// `renameat2` flags.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct RenameFlags: u32 {
        /// Fail with EEXIST instead of replacing the target.
        const NOREPLACE = 1;
        /// Swap source and target atomically; both must exist.
        const EXCHANGE = 2;
        /// Leave a whiteout behind (overlayfs): the VFS makes it after the
        /// move; filesystems never see this bit.
        const WHITEOUT = 4;
    }
}

bitflags::bitflags! {
    /// `setxattr` flags.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct XattrFlags: u32 {
        /// Fail with EEXIST if the attribute exists.
        const CREATE = 1;
        /// Fail with ENODATA if the attribute does not exist.
        const REPLACE = 2;
    }
}

/// What the VFS's rename check tells the filesystem to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenameAction {
    Proceed,
    /// Source and target are the same inode: succeed without change.
    Nothing,
}

/// The VFS's check on a victim of unlink/rmdir, run under the directory lock.
pub type VictimCheck<'a> = &'a dyn Fn(&InodeRef) -> Result<()>;
/// The VFS's check on a rename's source and (existing) target.
pub type RenameCheck<'a> = &'a dyn Fn(&InodeRef, Option<&InodeRef>) -> Result<RenameAction>;

/// `fallocate` mode bits.
pub const FALLOC_FL_KEEP_SIZE: u32 = 0x01;
pub const FALLOC_FL_PUNCH_HOLE: u32 = 0x02;
pub const FALLOC_FL_COLLAPSE_RANGE: u32 = 0x08;
pub const FALLOC_FL_ZERO_RANGE: u32 = 0x10;
pub const FALLOC_FL_INSERT_RANGE: u32 = 0x20;

/// One inode of some filesystem.
///
/// Offsets and lengths are unsigned; the kernel rejects negative values from
/// user space (EINVAL) before calling in. Names are single components, never
/// empty, `.` or `..`, and at most [`NAME_MAX`] bytes: the VFS guarantees it.
pub trait Inode: Any + Send + Sync {
    /// The inode's attributes.
    fn metadata(&self) -> Metadata;

    /// Inode number (cheaper than [`Inode::metadata`]).
    fn ino(&self) -> u64 {
        self.metadata().ino
    }

    /// Type and permission bits (cheaper than [`Inode::metadata`]).
    fn mode(&self) -> u32 {
        self.metadata().mode
    }

    /// Changes attributes; the VFS has checked the caller may.
    fn setattr(&self, attr: &SetAttr) -> Result<()>;

    /// Filesystem-wide statistics.
    fn statfs(&self) -> Result<StatFs>;

    /// Applies the filesystem-specific options of a remount (the `data` of
    /// mount(2) with MS_REMOUNT); `ram_bytes` is the memory size options in
    /// percent refer to. Filesystems without options take none.
    fn reconfigure(&self, data: &str, ram_bytes: u64) -> Result<()> {
        let _ = ram_bytes;
        if data.is_empty() {
            Ok(())
        } else {
            Err(Errno::EINVAL)
        }
    }

    /// The filesystem's own options as mountinfo's super options show
    /// them after "rw"/"ro", each with a leading comma (cgroup2's
    /// ",nsdelegate"); none by default.
    fn mount_options(&self) -> alloc::string::String {
        alloc::string::String::new()
    }

    /// The POSIX record locks and flock locks on this inode.
    fn file_locks(&self) -> &FileLocks;

    // ---- regular files ----

    /// Reads at `offset`; 0 at or past end of file.
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> Result<usize> {
        Err(if self.mode() & S_IFMT == S_IFDIR {
            Errno::EISDIR
        } else {
            Errno::EINVAL
        })
    }

    /// Writes at `offset`, extending the file as needed.
    fn write_at(&self, _offset: u64, _data: &[u8]) -> Result<usize> {
        Err(if self.mode() & S_IFMT == S_IFDIR {
            Errno::EISDIR
        } else {
            Errno::EINVAL
        })
    }

    /// Sets the size; new space reads as zeros.
    fn truncate(&self, _len: u64) -> Result<()> {
        Err(if self.mode() & S_IFMT == S_IFDIR {
            Errno::EISDIR
        } else {
            Errno::EINVAL
        })
    }

    /// `fallocate(2)`: `mode` is a set of `FALLOC_FL_*` bits.
    fn fallocate(&self, _mode: u32, _offset: u64, _len: u64) -> Result<()> {
        Err(Errno::EOPNOTSUPP)
    }

    /// Whether [`Inode::map_page`] works: the file's data lives in pages
    /// of a [`crate::pages::PageMemory`] that mappings can share.
    /// The file's seal set (F_ADD_SEALS/F_GET_SEALS), for a filesystem
    /// that has seals (tmpfs regular files); None is EINVAL.
    fn seals(&self) -> Option<&crate::seals::Seals> {
        None
    }

    fn maps_pages(&self) -> bool {
        false
    }

    /// The page holding bytes `index * PAGE_SIZE..` of the file, with a
    /// reference taken for the caller (who releases it through the same
    /// memory); a hole below the size is filled with a zeroed page first.
    /// ENXIO past the page holding the end of file; ENODEV when the file
    /// does not keep its data in shareable pages.
    fn map_page(&self, _index: u64) -> Result<u64> {
        Err(Errno::ENODEV)
    }

    /// The page holding bytes `index * PAGE_SIZE..` if the file has it
    /// already (never allocating), with a reference taken as by
    /// [`Inode::map_page`]: for fault-around, which maps only what is
    /// there.
    fn cached_page(&self, _index: u64) -> Option<u64> {
        None
    }

    /// `lseek(SEEK_DATA)`: the first data at or after `offset`. The default
    /// treats the whole file as data (Linux's generic behaviour).
    fn seek_data(&self, offset: u64) -> Result<u64> {
        if offset >= self.metadata().size {
            return Err(Errno::ENXIO);
        }
        Ok(offset)
    }

    /// `lseek(SEEK_HOLE)`: the first hole at or after `offset`; end of file
    /// counts as a hole.
    fn seek_hole(&self, offset: u64) -> Result<u64> {
        let size = self.metadata().size;
        if offset >= size {
            return Err(Errno::ENXIO);
        }
        Ok(size)
    }

    // ---- directories ----

    /// Finds `name` in this directory (ENOENT if absent).
    fn lookup(&self, _name: &[u8]) -> Result<InodeRef> {
        Err(Errno::ENOTDIR)
    }

    /// The directory containing this one; a filesystem root returns itself.
    fn parent(&self) -> Result<InodeRef> {
        Err(Errno::ENOTDIR)
    }

    /// Creates a regular file with permission bits `mode`.
    fn create(&self, _name: &[u8], _mode: u32, _owner: Owner) -> Result<InodeRef> {
        Err(Errno::ENOTDIR)
    }

    /// Creates a directory with permission bits `mode`.
    fn mkdir(&self, _name: &[u8], _mode: u32, _owner: Owner) -> Result<InodeRef> {
        Err(Errno::ENOTDIR)
    }

    /// Creates a device node, fifo or socket: `mode` includes the type bits.
    fn mknod(&self, _name: &[u8], _mode: u32, _rdev: u64, _owner: Owner) -> Result<InodeRef> {
        Err(Errno::ENOTDIR)
    }

    /// Creates a symbolic link to `target`.
    fn symlink(&self, _name: &[u8], _target: &[u8], _owner: Owner) -> Result<InodeRef> {
        Err(Errno::ENOTDIR)
    }

    /// Creates an unnamed regular file in this directory's filesystem
    /// (O_TMPFILE); if `linkable`, [`Inode::link`] may give it a name later.
    fn tmpfile(&self, _mode: u32, _owner: Owner, _linkable: bool) -> Result<InodeRef> {
        Err(Errno::EOPNOTSUPP)
    }

    /// Adds a hard link `name` to `target` (same filesystem; not a directory).
    fn link(&self, _name: &[u8], _target: &InodeRef) -> Result<()> {
        Err(Errno::ENOTDIR)
    }

    /// Removes the non-directory `name`, after `check` approves the victim.
    fn unlink(&self, _name: &[u8], _check: VictimCheck<'_>) -> Result<()> {
        Err(Errno::ENOTDIR)
    }

    /// Removes the empty directory `name`, after `check` approves the victim.
    fn rmdir(&self, _name: &[u8], _check: VictimCheck<'_>) -> Result<()> {
        Err(Errno::ENOTDIR)
    }

    /// Moves `old_name` in this directory to `new_name` in `new_dir` (same
    /// filesystem), with `renameat2` semantics for `flags`. The filesystem
    /// reports ENOENT, EEXIST, EINVAL (into its own subtree), ENOTEMPTY; the
    /// VFS's `check` reports permission, type and mount-point errors.
    fn rename(
        &self,
        _old_name: &[u8],
        _new_dir: &InodeRef,
        _new_name: &[u8],
        _flags: RenameFlags,
        _check: RenameCheck<'_>,
    ) -> Result<()> {
        Err(Errno::ENOTDIR)
    }

    /// The entry at directory offset `offset`, or `None` at the end. Offset
    /// 0 is `.`, then `..`; an entry keeps its offset while it exists, so a
    /// reader never sees a surviving entry twice or misses it.
    fn readdir(&self, _offset: u64) -> Result<Option<DirEntry>> {
        Err(Errno::ENOTDIR)
    }

    /// Hands the entries from `offset` on to `emit`, in order, until it
    /// returns false (it had no room for that one, which is not consumed)
    /// or the directory ends; returns the offset to go on from. The same
    /// entries as [`Inode::readdir`], without an allocation per entry
    /// (getdents).
    fn readdir_batch(&self, offset: u64, emit: &mut dyn FnMut(&DirEntryRef<'_>) -> bool) -> Result<u64> {
        let mut pos = offset;
        while let Some(e) = self.readdir(pos)? {
            if !emit(&DirEntryRef { ino: e.ino, kind: e.kind, name: &e.name, next: e.next }) {
                break;
            }
            pos = e.next;
        }
        Ok(pos)
    }

    /// The node was read without [`Inode::read_at`]: a directory listed by
    /// one getdents call or a symlink read by readlink (Linux's
    /// file_accessed/touch_atime). Updates atime by the filesystem's rules.
    fn accessed(&self) {}

    // ---- symbolic links ----

    /// The target of a symbolic link (EINVAL for anything else).
    fn readlink(&self) -> Result<Vec<u8>> {
        Err(Errno::EINVAL)
    }

    /// What readlink(2) shows to the caller `ctx`: the target for most
    /// links; a link whose target depends on who asks (/proc/self) or a
    /// magic link (/proc/PID/fd/N shows the open file's path) answers here.
    fn readlink_for(&self, _ctx: &Ctx<'_>) -> Result<Vec<u8>> {
        self.readlink()
    }

    /// Where following the link leads for the caller `ctx`: a path to walk
    /// (the default, [`Inode::readlink_for`]), or for Linux's magic links
    /// (/proc/PID/fd/N, exe, cwd, root) a location itself, which the walk
    /// jumps to without reading any path.
    fn follow_link(&self, ctx: &Ctx<'_>) -> Result<LinkTarget> {
        Ok(LinkTarget::Path(self.readlink_for(ctx)?))
    }

    // ---- open files ----

    /// Called when the caller `ctx` opens the inode with open(2) `flags`
    /// (after the VFS's permission checks): a filesystem whose files keep
    /// per-open state (Linux's `->open` filling `file->private_data`, such
    /// as seq_file's snapshot of generated contents) returns it, and the
    /// open file then reads and writes through it instead of the inode.
    fn open_state(&self, _ctx: &Ctx<'_>, _flags: u32) -> Result<Option<Arc<dyn OpenState>>> {
        Ok(None)
    }

    // ---- extended attributes (the VFS checks namespaces and permissions) ----

    fn get_xattr(&self, _name: &[u8]) -> Result<Vec<u8>> {
        Err(Errno::EOPNOTSUPP)
    }

    fn set_xattr(&self, _name: &[u8], _value: &[u8], _flags: XattrFlags) -> Result<()> {
        Err(Errno::EOPNOTSUPP)
    }

    /// All attribute names.
    fn list_xattr(&self) -> Result<Vec<Vec<u8>>> {
        Ok(Vec::new())
    }

    fn remove_xattr(&self, _name: &[u8]) -> Result<()> {
        Err(Errno::EOPNOTSUPP)
    }
}

/// Where a symbolic link leads ([`Inode::follow_link`]).
pub enum LinkTarget {
    /// A path, walked from the link's directory (or the caller's root if
    /// absolute).
    Path(Vec<u8>),
    /// A location to continue from: a magic link's target.
    Jump(Jump),
    /// An inode outside the tree, reached on the link's own mount (the
    /// namespace files behind /proc/PID/ns/*, Linux's nsfs).
    Here(InodeRef),
}

/// A magic link's target: the location, and the directory and name it was
/// opened by (what /proc/PID/fd/N would show for a new open of it; `name`
/// is empty when `loc` is a directory known by itself).
#[derive(Clone, Debug)]
pub struct Jump {
    pub loc: PathLoc,
    pub parent: PathLoc,
    pub name: Vec<u8>,
}

/// Per-open-file state a filesystem attaches at open ([`Inode::open_state`]):
/// reads and writes of the open file go through it.
pub trait OpenState: Any + Send + Sync {
    /// Reads at `offset` (0 at the end).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize>;

    /// Writes `data` at `offset`.
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<usize>;

    /// Poll events beyond readable-and-writable: POLLPRI|POLLERR once per
    /// change of the [`OpenState::events`] counter, as Linux's seq poll of
    /// /proc/PID/mountinfo reports a mount change.
    fn poll(&self) -> u16 {
        0
    }

    /// The event source whose changes [`OpenState::poll`] reports (the
    /// kernel finds its wait queue through [`EventSource::as_any`]).
    fn events(&self) -> Option<&Arc<dyn EventSource>> {
        None
    }
}

impl core::fmt::Debug for dyn OpenState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("OpenState")
    }
}

/// A counter of events readers of a generated file are told about by poll
/// (a namespace's mount changes). The kernel's implementation carries the
/// wait queue woken on each change.
pub trait EventSource: Any + Send + Sync {
    /// Changes so far.
    fn count(&self) -> u64;

    /// For the kernel to find its own type (and its wait queue).
    fn as_any(&self) -> &dyn Any;
}

/// Whether two references name the same inode object.
pub fn same_inode(a: &InodeRef, b: &InodeRef) -> bool {
    core::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b))
}

/// The address identifying an inode object (mount-table keys).
pub(crate) fn inode_addr(inode: &InodeRef) -> usize {
    Arc::as_ptr(inode) as *const () as usize
}

/// Whether `inode` is a directory.
pub fn is_dir(inode: &InodeRef) -> bool {
    inode.mode() & S_IFMT == S_IFDIR
}
