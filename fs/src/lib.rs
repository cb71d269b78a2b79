//! Aramid's filesystems: the VFS and tmpfs, initramfs, procfs, sysfs, devfs,
//! devpts and cgroup2 (DESIGN.md §5). Pure logic, tested on the host.
//!
//! # Pieces
//! - [`inode`]: the [`Inode`] trait every filesystem implements, and the
//!   types it speaks (metadata, directory entries, statfs).
//! - [`tmpfs`]: the in-memory filesystem, its file data in the pages of a
//!   [`pages::PageMemory`] that mappings share (frames in the kernel).
//! - [`vfs`], [`mount`], [`path`]: a namespace ([`Vfs`]), its mount table,
//!   and the openat-family path walk producing [`PathLoc`]s.
//! - [`mod@open`], [`ops`], [`rename`], [`attr`], [`xattr`]: the system-call
//!   level operations, with Linux's permission checks and errno values.
//! - [`lock`]: POSIX record locks and flock locks of an inode.
//! - [`devpts`]: /dev/pts, the nodes of the kernel's ptys.
//! - [`kmsg`]: the kernel log ring of /dev/kmsg and syslog(2).
//! - [`seals`]: memfd seals of a tmpfs file (F_ADD_SEALS).
//! - [`lock_waits`]: who waits for whom among F_SETLKW callers (EDEADLK).
//! - [`cgroup`]: the cgroup v2 hierarchy and its rules (the kernel shows
//!   it as cgroupfs).
//! - [`synthetic`]: generated trees (procfs, sysfs): directories listing
//!   kernel state, files produced on read and parsed on write, magic links.
//! - [`initramfs`] unpacks a [`cpio`] image, plain or compressed
//!   ([`decompress`]: gzip, zstd), into the root.
//!
//! Everything is synchronous and never blocks: the kernel wraps operations
//! that wait (pipes, ttys, F_SETLKW) itself. Timestamps come from a
//! [`Clock`] the kernel provides.
//!
//! # Lock order
//! Outer to inner; a lock is never taken while a later one is held.
//! 1. A filesystem's rename lock (tmpfs: cross-directory renames only).
//! 2. Directory entry locks: parent before child; two unrelated
//!    directories only under 1, by address; ancestor before descendant.
//! 3. A regular file's data lock.
//! 4. Leaf locks: inode metadata and xattrs, the file-lock table of an
//!    inode ([`FileLocks`]), filesystem usage counters, and the VFS mount
//!    table (with each mount's parent link nested inside it), and the page
//!    memory's own locks (`PageMemory::evicted` is called with no lock
//!    held). The mount table is read from VFS callbacks that run under
//!    level-2 locks; no inode method is ever called while it is held.
//!
//! A generated directory's child cache ([`synthetic`]) is taken with no
//! other `fs` lock held; under it, the kernel's [`synthetic::Node::alive`]
//! reads kernel state (its own leaf locks). Contents are produced with no
//! `fs` lock held.
//!
//! Spin locks are never held across a call back into user-supplied code
//! other than these callbacks, and never across an `.await` (there is none).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod attr;
pub mod cgroup;
pub mod clock;
pub mod cpio;
pub mod decompress;
pub mod cred;
pub mod deny_write;
pub mod devpts;
pub mod errno;
pub mod file_points;
pub mod flags;
pub mod initramfs;
pub mod inode;
pub mod kmsg;
pub mod lock;
pub mod lock_waits;
pub mod mount;
pub mod open;
pub mod ops;
pub mod pages;
pub mod path;
mod propagate;
pub mod rename;
pub mod synthetic;
pub mod seals;
pub mod tmpfs;
pub mod vfs;
pub mod xattr;

pub use clock::{Clock, FakeClock, Timespec};
pub use cred::{Access, Creds};
pub use errno::{Errno, Result};
pub use inode::{FileType, Inode, InodeRef, Metadata, Owner, SetAttr, SetTime};
pub use lock::FileLocks;
pub use mount::{Mount, MountFlags, MountInfo, Propagation};
pub use open::{open, OpenResult};
pub use path::{Last, Lookup, Parent};
pub use tmpfs::{Tmpfs, TmpfsOptions};
pub use vfs::{Ctx, PathLoc, Vfs};
