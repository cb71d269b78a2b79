//! Path walk for the openat family (Linux's fs/namei.c, as user space sees
//! it). Paths are bytes, not UTF-8.
//!
//! - Absolute paths start at the caller's root ([`Ctx::root`], its chroot),
//!   relative ones at the given start directory (cwd or a dirfd).
//! - Repeated slashes are one; `.` stays; `..` goes up but never above the
//!   caller's root, and from the root of a mount it first crosses to where
//!   the mount sits, then goes up there (Linux's `follow_dotdot`).
//! - Looking a name up in a directory needs search (x) permission on it
//!   (EACCES) and the directory must be one (ENOTDIR) — every directory
//!   walked through, including the parent of the last component.
//! - A component longer than 255 bytes, or a path of 4096 bytes or more, is
//!   ENAMETOOLONG; an empty path is ENOENT unless AT_EMPTY_PATH.
//! - Symbolic links in the middle are always followed; the last component's
//!   only without [`Lookup::NOFOLLOW`] or when a trailing slash follows it.
//!   More than 40 links in one walk is ELOOP; so is any link on a
//!   MS_NOSYMFOLLOW mount.
//! - A trailing slash, or [`Lookup::DIRECTORY`], makes a non-directory
//!   result ENOTDIR.
//! - A magic link (/proc/PID/fd/N: [`LinkTarget::Jump`]) is followed like
//!   a symlink, counted towards the 40, but leads to a location itself,
//!   not to a path to walk.
//! - After each step, mounts on the new location are followed down to the
//!   topmost.
//!
//! The walk is iterative: symlink bodies are pushed on a stack of pending
//! path pieces, so link chains cost heap, not kernel stack.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::cred::{check_access, Access};
use crate::errno::{Errno, Result};
use crate::inode::{InodeRef, LinkTarget, NAME_MAX, PATH_MAX, S_IFLNK, S_IFMT};
use crate::mount::MountFlags;
use crate::vfs::{Ctx, PathLoc, Vfs};

/// Most symbolic links one walk may follow (Linux's MAXSYMLINKS).
pub const MAX_SYMLINKS: u32 = 40;

bitflags::bitflags! {
    /// How to resolve a path.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Lookup: u32 {
        /// Do not follow a symlink in the last component (AT_SYMLINK_NOFOLLOW, O_NOFOLLOW).
        const NOFOLLOW = 1;
        /// The result must be a directory (O_DIRECTORY).
        const DIRECTORY = 2;
        /// An empty path means the start location itself (AT_EMPTY_PATH).
        const EMPTY_PATH = 4;
    }
}

/// The last component of a path, for operations that act on a name in a
/// directory (create, unlink, rename, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Last {
    Name(Vec<u8>),
    Dot,
    DotDot,
    /// The path was `/` (or only slashes).
    Root,
}

/// A resolved parent directory and the name in it.
#[derive(Clone, Debug)]
pub struct Parent {
    pub dir: PathLoc,
    pub last: Last,
    /// The path ended in `/`.
    pub trailing_slash: bool,
}

impl Parent {
    /// The name, or `err` if the last component is `.`, `..` or `/`.
    pub fn name(&self, err: Errno) -> Result<&[u8]> {
        match &self.last {
            Last::Name(n) => Ok(n),
            _ => Err(err),
        }
    }
}

/// One piece of path still to walk.
struct Frame<'p> {
    buf: Cow<'p, [u8]>,
    pos: usize,
    /// A trailing slash applies to this piece's last component.
    trailing: bool,
}

impl<'p> Frame<'p> {
    fn new(buf: Cow<'p, [u8]>, inherited_trailing: bool) -> Self {
        let trailing = inherited_trailing || buf.last() == Some(&b'/');
        Self {
            buf,
            pos: 0,
            trailing,
        }
    }

    /// The next component's byte range, skipping slashes.
    fn next_component(&mut self) -> Option<(usize, usize)> {
        while self.buf.get(self.pos) == Some(&b'/') {
            self.pos += 1;
        }
        if self.pos >= self.buf.len() {
            return None;
        }
        let start = self.pos;
        while self.pos < self.buf.len() && self.buf[self.pos] != b'/' {
            self.pos += 1;
        }
        Some((start, self.pos))
    }

    /// Only slashes (or nothing) remain.
    fn at_end(&self) -> bool {
        self.buf[self.pos.min(self.buf.len())..]
            .iter()
            .all(|&b| b == b'/')
    }
}

/// One path resolution; counts symlinks across the pieces of a walk (open
/// and rename resolve several).
pub(crate) struct Walker<'a> {
    vfs: &'a Vfs,
    ctx: &'a Ctx<'a>,
    links: u32,
    /// The directory and name the location walked to last was found by
    /// (none after `.`, `..` or a link to an inode outside the tree).
    entry: Option<Entry>,
}

/// The directory a name was found in, and the name.
pub type Entry = (InodeRef, Vec<u8>);

impl<'a> Walker<'a> {
    pub(crate) fn new(vfs: &'a Vfs, ctx: &'a Ctx<'a>) -> Self {
        Self { vfs, ctx, links: 0, entry: None }
    }

    /// Search permission on a directory (ENOTDIR if it is not one).
    fn check_search(&self, dir: &PathLoc) -> Result<()> {
        let meta = dir.inode.metadata();
        if !meta.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        check_access(&meta, self.ctx.creds, Access::EXEC)
    }

    /// Looks up a normal component in `dir` and follows mounts on it.
    pub(crate) fn step(&self, dir: &PathLoc, name: &[u8]) -> Result<PathLoc> {
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let inode = dir.inode.lookup(name)?;
        Ok(self
            .vfs
            .follow_mounts(PathLoc::new(dir.mount.clone(), inode)))
    }

    /// Counts one more symlink and says where it leads for the caller: a
    /// path to walk, or a magic link's location.
    pub(crate) fn follow(&mut self, link: &PathLoc) -> Result<LinkTarget> {
        self.links += 1;
        if self.links > MAX_SYMLINKS || link.mount.flags().contains(MountFlags::NOSYMFOLLOW) {
            return Err(Errno::ELOOP);
        }
        match link.inode.follow_link(self.ctx)? {
            LinkTarget::Path(t) if t.is_empty() => Err(Errno::ENOENT),
            target => Ok(target),
        }
    }

    fn start_of(&self, start: &PathLoc, path: &[u8]) -> PathLoc {
        if path.first() == Some(&b'/') {
            self.ctx.root.clone()
        } else {
            start.clone()
        }
    }

    /// Resolves `path` from `start`.
    pub(crate) fn walk(&mut self, start: &PathLoc, path: &[u8], flags: Lookup) -> Result<PathLoc> {
        if path.is_empty() {
            if !flags.contains(Lookup::EMPTY_PATH) {
                return Err(Errno::ENOENT);
            }
            if flags.contains(Lookup::DIRECTORY) && !start.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            return Ok(start.clone());
        }
        if path.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut cur = self.start_of(start, path);
        let mut stack = alloc::vec![Frame::new(Cow::Borrowed(path), false)];
        let mut must_dir = flags.contains(Lookup::DIRECTORY) || path.last() == Some(&b'/');
        loop {
            let depth = stack.len();
            let Some(top) = stack.last_mut() else { break };
            let Some((from, to)) = top.next_component() else {
                stack.pop();
                continue;
            };
            let is_final = depth == 1 && top.at_end();
            let trailing = top.trailing;
            self.check_search(&cur)?;
            let next = match &top.buf[from..to] {
                b"." => cur.clone(),
                b".." => {
                    self.entry = None;
                    self.vfs.dotdot(self.ctx.root, &cur)?
                }
                name => {
                    let next = self.step(&cur, name)?;
                    self.entry = Some((cur.inode.clone(), name.to_vec()));
                    next
                }
            };
            if is_final {
                must_dir |= trailing;
            }
            let follow = !is_final || !flags.contains(Lookup::NOFOLLOW) || trailing;
            if follow && next.inode.mode() & S_IFMT == S_IFLNK {
                let target = match self.follow(&next)? {
                    LinkTarget::Path(target) => target,
                    // A magic link: its location is where the walk is now.
                    LinkTarget::Jump(j) => {
                        self.entry = (!j.name.is_empty()).then(|| (j.parent.inode.clone(), j.name.clone()));
                        cur = j.loc;
                        continue;
                    }
                    LinkTarget::Here(inode) => {
                        self.entry = None;
                        cur = PathLoc::new(next.mount.clone(), inode);
                        continue;
                    }
                };
                let inherited = if is_final {
                    stack.pop().is_some_and(|f| f.trailing)
                } else {
                    false
                };
                if target.first() == Some(&b'/') {
                    cur = self.ctx.root.clone();
                }
                stack.push(Frame::new(Cow::Owned(target), inherited));
                continue;
            }
            cur = next;
        }
        if must_dir && !cur.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(cur)
    }

    /// Resolves all but the last component of `path`, and classifies the last.
    pub(crate) fn walk_parent(&mut self, start: &PathLoc, path: &[u8]) -> Result<Parent> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        if path.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let end = path.iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1);
        let trailing_slash = end < path.len();
        if end == 0 {
            return Ok(Parent {
                dir: self.ctx.root.clone(),
                last: Last::Root,
                trailing_slash,
            });
        }
        let trimmed = &path[..end];
        let (dir_part, last) = match trimmed.iter().rposition(|&b| b == b'/') {
            Some(i) => (&trimmed[..=i], &trimmed[i + 1..]),
            None => (&trimmed[..0], trimmed),
        };
        let dir = if dir_part.is_empty() {
            start.clone()
        } else {
            self.walk(start, dir_part, Lookup::DIRECTORY)?
        };
        self.check_search(&dir)?;
        let last = match last {
            b"." => Last::Dot,
            b".." => Last::DotDot,
            name if name.len() > NAME_MAX => return Err(Errno::ENAMETOOLONG),
            name => Last::Name(name.to_vec()),
        };
        Ok(Parent {
            dir,
            last,
            trailing_slash,
        })
    }
}

impl Vfs {
    /// Resolves `path` relative to `start` (cwd or a dirfd's location) for
    /// the caller `ctx`.
    pub fn resolve(
        &self,
        ctx: &Ctx<'_>,
        start: &PathLoc,
        path: &[u8],
        flags: Lookup,
    ) -> Result<PathLoc> {
        Walker::new(self, ctx).walk(start, path, flags)
    }

    /// [`Vfs::resolve`], also giving the directory and name the result was
    /// found by (none for `/`, `.`, `..` and the like).
    pub fn resolve_entry(
        &self,
        ctx: &Ctx<'_>,
        start: &PathLoc,
        path: &[u8],
        flags: Lookup,
    ) -> Result<(PathLoc, Option<Entry>)> {
        let mut w = Walker::new(self, ctx);
        let loc = w.walk(start, path, flags)?;
        Ok((loc, w.entry))
    }

    /// Resolves the directory holding the last component of `path`.
    pub fn resolve_parent(&self, ctx: &Ctx<'_>, start: &PathLoc, path: &[u8]) -> Result<Parent> {
        Walker::new(self, ctx).walk_parent(start, path)
    }
}
