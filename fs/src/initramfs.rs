//! Unpacking the initramfs into the root filesystem, like Linux's
//! init/initramfs.c:
//!
//! - The image is a sequence of members: uncompressed cpio archives, and
//!   gzip- or zstd-compressed data ([`crate::decompress`]) holding cpio
//!   archives, with zero padding between them (Debian's images put an
//!   uncompressed microcode archive before the compressed main one). All
//!   are unpacked into one tree, in order. Decompressed data goes through
//!   the streaming [`Parser`] straight into the files, so the image never
//!   exists decompressed in memory: the compressed image and the unpacked
//!   tree are the only copies.
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
//!   and the entry skipped, as Linux does; a malformed archive, a corrupt
//!   or truncated compressed member, or a member that is neither stops the
//!   unpacking with an [`UnpackError`], keeping what was unpacked.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::clock::Timespec;
use crate::cpio::{CpioError, Entry, Parser, Sink};
use crate::cred::Creds;
use crate::decompress::{self, Failure};
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
    /// Compressed archives decompressed: gzip members, zstd frames.
    pub compressed: usize,
}

/// Why an image could not be unpacked to its end. Offsets are in the
/// image; a cpio error inside a compressed member has its offset in the
/// member's decompressed data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnpackError {
    /// A malformed cpio archive, in the member at `member` if compressed.
    Cpio { member: Option<usize>, err: CpioError },
    /// A compressed member that did not decompress.
    Decompress { offset: usize, method: &'static str, why: String },
    /// A member compressed with a method Aramid does not decompress.
    Unsupported { offset: usize, method: &'static str },
    /// Bytes that are neither cpio nor compressed data (Linux: "invalid
    /// magic at start of compressed archive").
    BadMagic { offset: usize },
    /// A compressed member's data continued past its cpio archives with
    /// something else (Linux: "junk within compressed archive").
    Junk { member: usize },
    /// A compressed member ended inside a cpio entry (Linux: "junk at the
    /// end of compressed archive").
    Incomplete { member: usize, err: CpioError },
}

impl core::fmt::Display for UnpackError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            UnpackError::Cpio { member: None, err } => write!(f, "{err}"),
            UnpackError::Cpio { member: Some(m), err } => {
                write!(f, "in the compressed archive at offset {m}: {err}")
            }
            UnpackError::Decompress { offset, method, why } => {
                write!(f, "{method} archive at offset {offset}: {why}")
            }
            UnpackError::Unsupported { offset, method } => {
                write!(f, "compression method {method} (at offset {offset}) not supported")
            }
            UnpackError::BadMagic { offset } => {
                write!(f, "invalid magic at start of compressed archive (offset {offset})")
            }
            UnpackError::Junk { member } => {
                write!(f, "junk within the compressed archive at offset {member}")
            }
            UnpackError::Incomplete { member, err } => {
                write!(f, "compressed archive at offset {member} ends inside an entry ({err})")
            }
        }
    }
}

/// Key identifying an inode of the archived tree: (archive, dev, ino, mode).
type LinkKey = (usize, (u32, u32), u32, u32);

/// What [`finish`] applies to an entry once its data is in.
#[derive(Clone, Copy)]
struct Attrs {
    uid: u32,
    gid: u32,
    mode: u32,
    mtime: u32,
}

impl From<&Entry<'_>> for Attrs {
    fn from(e: &Entry<'_>) -> Attrs {
        Attrs { uid: e.uid, gid: e.gid, mode: e.mode, mtime: e.mtime }
    }
}

/// The regular file whose data is arriving.
struct OpenFile {
    loc: PathLoc,
    name: String,
    attrs: Attrs,
    written: u64,
    /// A later hard link that carries no data leaves the shared data alone.
    keep: bool,
}

struct Unpacker<'a> {
    vfs: &'a Vfs,
    ctx: Ctx<'a>,
    root: &'a PathLoc,
    links: BTreeMap<LinkKey, Vec<u8>>,
    dir_times: Vec<(PathLoc, u32)>,
    file: Option<OpenFile>,
    stats: UnpackStats,
}

/// Unpacks every member of `image` into the root of `vfs`.
pub fn unpack(vfs: &Vfs, image: &[u8]) -> core::result::Result<UnpackStats, UnpackError> {
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
        file: None,
        stats: UnpackStats::default(),
    };
    let mut parser = Parser::new();
    let result = unpack_members(image, &mut parser, &mut u);
    // A truncated image may leave a file open: it keeps what arrived.
    u.end();
    for (loc, mtime) in core::mem::take(&mut u.dir_times) {
        let _ = set_mtime(&loc, mtime);
    }
    result.map(|()| u.stats)
}

fn unpack_members(
    image: &[u8],
    parser: &mut Parser,
    u: &mut Unpacker<'_>,
) -> core::result::Result<(), UnpackError> {
    let mut pos = 0;
    while pos < image.len() {
        parser.set_pos(pos);
        pos += parser
            .feed(&image[pos..], u)
            .map_err(|err| UnpackError::Cpio { member: None, err })?;
        let Some(rest) = image.get(pos..).filter(|r| !r.is_empty()) else {
            break;
        };
        // Not cpio: a compressed member.
        let method = decompress::detect(rest).map_err(|name| match name {
            Some(method) => UnpackError::Unsupported { offset: pos, method },
            None => UnpackError::BadMagic { offset: pos },
        })?;
        let member = pos;
        parser.set_pos(0);
        let mut feed = |piece: &[u8]| match parser.feed(piece, u) {
            Ok(n) if n == piece.len() => Ok(()),
            Ok(_) => Err(UnpackError::Junk { member }),
            Err(err) => Err(UnpackError::Cpio { member: Some(member), err }),
        };
        let decoded = decompress::decompress(method, rest, &mut feed).map_err(|f| match f {
            Failure::Output(e) => e,
            Failure::Input(why) => UnpackError::Decompress { offset: member, method: method.name(), why },
        })?;
        parser.finish().map_err(|err| UnpackError::Incomplete { member, err })?;
        u.stats.compressed += decoded.members;
        pos += decoded.used;
    }
    parser.finish().map_err(|err| UnpackError::Cpio { member: None, err })
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
fn finish(loc: &PathLoc, e: Attrs, mode: bool) -> Result<()> {
    let attr = SetAttr {
        uid: Some(e.uid),
        gid: Some(e.gid),
        mode: if mode { Some(e.mode & MODE_PERM) } else { None },
        ..SetAttr::default()
    };
    loc.inode.setattr(&attr)?;
    set_mtime(loc, e.mtime)
}

impl Sink for Unpacker<'_> {
    fn member(&mut self, e: &Entry<'_>, archive: usize) {
        self.end();
        match self.entry(e, archive) {
            Ok(Some(file)) => self.file = Some(file),
            Ok(None) => self.stats.unpacked += 1,
            Err(err) => self.skip(e.name, err),
        }
    }

    fn data(&mut self, chunk: &[u8]) {
        let Some(f) = self.file.as_mut() else { return };
        if f.keep {
            return;
        }
        let mut done = 0;
        while done < chunk.len() {
            match f.loc.inode.write_at(f.written, &chunk[done..]) {
                Ok(0) => return self.fail_file(Errno::ENOSPC),
                Ok(n) => {
                    done += n;
                    f.written += n as u64;
                }
                Err(err) => return self.fail_file(err),
            }
        }
    }

    fn end(&mut self) {
        let Some(f) = self.file.take() else { return };
        match finish(&f.loc, f.attrs, true) {
            Ok(()) => self.stats.unpacked += 1,
            Err(err) => self.skip(&f.name, err),
        }
    }
}

impl Unpacker<'_> {
    fn skip(&mut self, name: &str, err: Errno) {
        log::warn!("initramfs: {name}: {err:?}");
        self.stats.skipped += 1;
    }

    fn fail_file(&mut self, err: Errno) {
        if let Some(f) = self.file.take() {
            self.skip(&f.name, err);
        }
    }

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

    /// Creates the entry `e`; a regular file is returned open for its
    /// data (which [`Sink::data`] writes, then [`Sink::end`] finishes).
    fn entry(&mut self, e: &Entry<'_>, archive: usize) -> Result<Option<OpenFile>> {
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
                // GNU cpio puts a linked file's data on its last name: a
                // link without data leaves the shared inode as it is.
                let keep = linked && e.size == 0;
                if !keep {
                    loc.inode.truncate(e.size as u64)?;
                }
                return Ok(Some(OpenFile {
                    loc,
                    name: e.name.into(),
                    attrs: e.into(),
                    written: 0,
                    keep,
                }));
            }
            S_IFLNK => {
                self.clean(path, 0);
                let target = e.data.strip_suffix(b"\0").unwrap_or(e.data);
                let loc = crate::ops::symlinkat(vfs, &ctx, target, root, path)?;
                finish(&loc, e.into(), false)?;
            }
            S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK => {
                self.clean(path, e.mode);
                if self.maybe_link(e, archive, path)?.is_some() {
                    return Ok(None);
                }
                let rdev = makedev(e.rdev.0, e.rdev.1);
                let loc = crate::ops::mknodat(vfs, &ctx, root, path, e.mode, rdev)?;
                finish(&loc, e.into(), true)?;
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(None)
    }
}
