//! The three kinds of sysfs node (Linux's kernfs): a directory with a fixed
//! list of children, a read-only attribute whose text is computed on read,
//! and a symbolic link with a fixed target. An attribute cannot be opened
//! for writing, even by root (EACCES, as kernfs for an attribute without a
//! store method).

use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::inode::FileType;
use fs::synthetic::{Entry, Node, Opener};
use fs::vfs::Ctx;

/// A directory: its children in listing order.
pub struct Dir(pub Vec<(Vec<u8>, Arc<dyn Node>)>);

impl Dir {
    pub fn node(children: Vec<(&[u8], Arc<dyn Node>)>) -> Arc<dyn Node> {
        Arc::new(Dir(children.into_iter().map(|(n, c)| (n.to_vec(), c)).collect()))
    }
}

impl Node for Dir {
    fn file_type(&self) -> FileType {
        FileType::Directory
    }
    fn perm(&self) -> u32 {
        0o755
    }
    fn entries(&self) -> fs::Result<Vec<Entry>> {
        Ok(self.0.iter().enumerate().map(|(i, (n, c))| Entry::new(2 + i as u64, n, c.file_type())).collect())
    }
    fn child(&self, name: &[u8]) -> fs::Result<Arc<dyn Node>> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, c)| c.clone()).ok_or(fs::Errno::ENOENT)
    }
}

/// A read-only attribute (mode 0444).
pub struct Attr(pub fn() -> Vec<u8>);

/// An attribute with a fixed text.
pub struct Fixed(pub Vec<u8>);

pub fn attr(show: fn() -> Vec<u8>) -> Arc<dyn Node> {
    Arc::new(Attr(show))
}

pub fn fixed(text: &[u8]) -> Arc<dyn Node> {
    Arc::new(Fixed(text.to_vec()))
}

fn deny_write(flags: u32) -> fs::Result<()> {
    if flags & 3 != 0 {
        return Err(fs::Errno::EACCES);
    }
    Ok(())
}

impl Node for Attr {
    fn file_type(&self) -> FileType {
        FileType::Regular
    }
    fn perm(&self) -> u32 {
        0o444
    }
    fn open(&self, _who: &Opener, flags: u32) -> fs::Result<()> {
        deny_write(flags)
    }
    fn produce(&self, _who: &Opener) -> fs::Result<Vec<u8>> {
        Ok((self.0)())
    }
}

impl Node for Fixed {
    fn file_type(&self) -> FileType {
        FileType::Regular
    }
    fn perm(&self) -> u32 {
        0o444
    }
    fn open(&self, _who: &Opener, flags: u32) -> fs::Result<()> {
        deny_write(flags)
    }
    fn produce(&self, _who: &Opener) -> fs::Result<Vec<u8>> {
        Ok(self.0.clone())
    }
}

/// A symbolic link to a fixed (relative) target.
pub struct Link(pub Vec<u8>);

pub fn link(target: &[u8]) -> Arc<dyn Node> {
    Arc::new(Link(target.to_vec()))
}

impl Node for Link {
    fn file_type(&self) -> FileType {
        FileType::Symlink
    }
    fn perm(&self) -> u32 {
        0o777
    }
    fn readlink(&self, _ctx: &Ctx<'_>) -> fs::Result<Vec<u8>> {
        Ok(self.0.clone())
    }
}
