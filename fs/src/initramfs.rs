//! Unpacking the initramfs into the root filesystem, like Linux's
//! init/initramfs.c:
//!
//! - Directories are created (an existing one is kept), then owned and
//!   chmod'ed as archived; their mtimes are set after everything is
//!   unpacked, since adding entries changes them.
//! - Regular files are created or truncated, owned, chmod'ed, filled and
//!   given their mtime. Within one archive, a regular file (or node) with
//!   `nlink >= 2` whose (device, inode number, mode) was seen before becomes
//!   a hard link to the first name; data carried by a later link is written
//!   into the shared inode (GNU cpio puts it on the last link).
//! - Symbolic links replace whatever had the name; device nodes, fifos and
//!   sockets are made with their modes, owners and `rdev`.
//! - An existing entry of another type is removed first (an empty directory
//!   with rmdir), so later archives override earlier ones.
//! - Errors on single entries (a missing parent directory, say) are logged
//!   and the entry skipped, as Linux does; a malformed archive stops the
//!   unpacking with the reader's error, keeping what was unpacked.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::clock::Timespec;
use crate::cpio::{CpioError, Entry, Reader};
use crate::cred::Creds;
use crate::errno::{Errno, Result};
use crate::flags::*;
use crate::inode::*;
use crate::path::Lookup;
use crate::vfs::{Ctx, PathLoc, Vfs};

/// What an unpack did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnpackStats {
    /// Entries created or updated.
    pub unpacked: usize,
    /// Entries skipped after an error.
    pub skipped: usize,
}

/// Key identifying an inode of the archived tree: (archive, dev, ino, mode).
type LinkKey = (usize, (u32, u32), u32, u32);

struct Unpacker<'a> {
    vfs: &'a Vfs,
    ctx: Ctx<'a>,
    root: &'a PathLoc,
    links: BTreeMap<LinkKey, Vec<u8>>,
    dir_times: Vec<(PathLoc, u32)>,
}

/// Unpacks every archive in `image` into the root of `vfs`.
pub fn unpack_cpio(vfs: &Vfs, image: &[u8]) -> core::result::Result<UnpackStats, CpioError> {
    let root = vfs.root();
    let creds = Creds::root();
    let mut u = Unpacker {
        vfs,
        ctx: Ctx {
            root: &root,
            creds: &creds,
            caller: Default::default(),
            umask: 0,
        },
        root: &root,
        links: BTreeMap::new(),
        dir_times: Vec::new(),
    };
    let mut stats = UnpackStats::default();
    let mut reader = Reader::new(image);
    let mut failure = None;
    while let Some(entry) = reader.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        match u.entry(&entry, reader.trailers_seen()) {
            Ok(()) => stats.unpacked += 1,
            Err(e) => {
                log::warn!("initramfs: {}: {:?}", entry.name, e);
                stats.skipped += 1;
            }
        }
    }
    for (loc, mtime) in core::mem::take(&mut u.dir_times) {
        let _ = set_mtime(&loc, mtime);
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(stats),
    }
}

fn set_mtime(loc: &PathLoc, mtime: u32) -> Result<()> {
    let t = SetTime::At(Timespec::new(mtime.into(), 0));
    loc.inode.setattr(&SetAttr {
        atime: Some(t),
        mtime: Some(t),
        ..SetAttr::default()
    })
}

/// Sets owner and exact permission bits, then the times.
fn finish(loc: &PathLoc, e: &Entry<'_>, mode: bool) -> Result<()> {
    let attr = SetAttr {
        uid: Some(e.uid),
        gid: Some(e.gid),
        mode: if mode { Some(e.mode & MODE_PERM) } else { None },
        ..SetAttr::default()
    };
    loc.inode.setattr(&attr)?;
    set_mtime(loc, e.mtime)
}

impl Unpacker<'_> {
    fn lookup(&self, path: &[u8]) -> Result<PathLoc> {
        self.vfs
            .resolve(&self.ctx, self.root, path, Lookup::NOFOLLOW)
    }

    /// Removes `path` if it exists with a type other than `mode`'s (any
    /// type when `mode` is 0).
    fn clean(&self, path: &[u8], mode: u32) {
        if let Ok(loc) = self.lookup(path) {
            let existing = loc.inode.mode();
            if (existing ^ mode) & S_IFMT != 0 {
                let flags = if existing & S_IFMT == S_IFDIR {
                    AT_REMOVEDIR
                } else {
                    0
                };
                let _ = crate::ops::unlinkat(self.vfs, &self.ctx, self.root, path, flags);
            }
        }
    }

    /// Hard-links `path` to an earlier name of the same archived inode.
    fn maybe_link(
        &mut self,
        e: &Entry<'_>,
        archive: usize,
        path: &[u8],
    ) -> Result<Option<PathLoc>> {
        if e.nlink < 2 {
            return Ok(None);
        }
        let key = (archive, e.dev, e.ino, e.mode);
        let Some(first) = self.links.get(&key) else {
            self.links.insert(key, path.to_vec());
            return Ok(None);
        };
        self.clean(path, 0);
        crate::ops::linkat(self.vfs, &self.ctx, self.root, first, self.root, path, 0)?;
        self.lookup(path).map(Some)
    }

    fn entry(&mut self, e: &Entry<'_>, archive: usize) -> Result<()> {
        let path = e.name.as_bytes();
        let (vfs, ctx, root) = (self.vfs, self.ctx, self.root);
        match e.mode & S_IFMT {
            S_IFDIR => {
                self.clean(path, e.mode);
                let loc = match crate::ops::mkdirat(vfs, &ctx, root, path, e.mode) {
                    Ok(loc) => loc,
                    Err(Errno::EEXIST) => self.lookup(path)?,
                    Err(err) => return Err(err),
                };
                loc.inode.setattr(&SetAttr {
                    uid: Some(e.uid),
                    gid: Some(e.gid),
                    mode: Some(e.mode & MODE_PERM),
                    ..SetAttr::default()
                })?;
                self.dir_times.push((loc, e.mtime));
            }
            S_IFREG => {
                self.clean(path, e.mode);
                let (loc, linked) = match self.maybe_link(e, archive, path)? {
                    Some(loc) => (loc, true),
                    None => {
                        let flags = O_WRONLY | O_CREAT | O_TRUNC;
                        (
                            crate::open::open(vfs, &ctx, root, path, flags, e.mode & MODE_PERM)?
                                .loc,
                            false,
                        )
                    }
                };
                if !linked || !e.data.is_empty() {
                    loc.inode.truncate(e.data.len() as u64)?;
                }
                let mut done = 0;
                while done < e.data.len() {
                    let n = loc.inode.write_at(done as u64, &e.data[done..])?;
                    if n == 0 {
                        return Err(Errno::ENOSPC);
                    }
                    done += n;
                }
                finish(&loc, e, true)?;
            }
            S_IFLNK => {
                self.clean(path, 0);
                let target = e.data.strip_suffix(b"\0").unwrap_or(e.data);
                let loc = crate::ops::symlinkat(vfs, &ctx, target, root, path)?;
                finish(&loc, e, false)?;
            }
            S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK => {
                self.clean(path, e.mode);
                if self.maybe_link(e, archive, path)?.is_some() {
                    return Ok(());
                }
                let rdev = makedev(e.rdev.0, e.rdev.1);
                let loc = crate::ops::mknodat(vfs, &ctx, root, path, e.mode, rdev)?;
                finish(&loc, e, true)?;
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }
}
