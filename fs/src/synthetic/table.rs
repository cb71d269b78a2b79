//! Table-driven nodes: a directory whose entries are a static table
//! ([`TableDir`], Linux's `pid_entry` arrays and sysctl tables), text files
//! produced and parsed by plain functions ([`TextFile`]) and links whose
//! text is computed per caller ([`TextLink`]). Each is built for a
//! [`Scope`] (the process of /proc/PID, or nothing for global files), which
//! decides whether the nodes are alive and who owns them. Adding an entry
//! to a directory is adding one row to its table.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{Entry, Node, Opener};
use crate::errno::{Errno, Result};
use crate::inode::{FileType, Owner};
use crate::vfs::Ctx;

/// What the nodes of a table are about: it says whether they are still
/// alive and who owns them.
pub trait Scope: Clone + Send + Sync + 'static {
    fn alive(&self) -> bool {
        true
    }
    fn owner(&self) -> Owner {
        Owner::default()
    }
}

/// Global entries: always alive, owned by root.
impl Scope for () {}

/// Produces a file's text for a reader.
pub type Show<S> = fn(&S, &Opener) -> Result<Vec<u8>>;
/// Parses a write (the whole buffer, at offset 0 or further on).
pub type Store<S> = fn(&S, &Opener, &[u8]) -> Result<usize>;
/// Makes a node of any kind for a scope.
pub type Make<S> = fn(&S) -> Arc<dyn Node>;

/// One row of a [`TableDir`].
pub struct TableEntry<S> {
    pub name: &'static str,
    pub kind: FileType,
    pub make: Make<S>,
}

impl<S> TableEntry<S> {
    /// An entry of any kind, made by `make`.
    pub const fn node(name: &'static str, kind: FileType, make: Make<S>) -> Self {
        Self { name, kind, make }
    }
    /// A subdirectory made by `make`.
    pub const fn dir(name: &'static str, make: Make<S>) -> Self {
        Self { name, kind: FileType::Directory, make }
    }
    /// A file (its node made by `make`, usually [`TextFile::new`]).
    pub const fn file(name: &'static str, make: Make<S>) -> Self {
        Self { name, kind: FileType::Regular, make }
    }
    /// A link (its node made by `make`).
    pub const fn link(name: &'static str, make: Make<S>) -> Self {
        Self { name, kind: FileType::Symlink, make }
    }
}

/// A directory whose entries are a static table.
pub struct TableDir<S: Scope> {
    scope: S,
    perm: u32,
    table: &'static [TableEntry<S>],
}

impl<S: Scope> TableDir<S> {
    pub fn node(scope: S, perm: u32, table: &'static [TableEntry<S>]) -> Arc<dyn Node> {
        Arc::new(Self { scope, perm, table })
    }
}

impl<S: Scope> Node for TableDir<S> {
    fn file_type(&self) -> FileType {
        FileType::Directory
    }
    fn perm(&self) -> u32 {
        self.perm
    }
    fn owner(&self) -> Owner {
        self.scope.owner()
    }
    fn alive(&self) -> bool {
        self.scope.alive()
    }
    fn entries(&self) -> Result<Vec<Entry>> {
        Ok(self
            .table
            .iter()
            .enumerate()
            .map(|(i, e)| Entry::new(2 + i as u64, e.name.as_bytes(), e.kind))
            .collect())
    }
    fn child(&self, name: &[u8]) -> Result<Arc<dyn Node>> {
        let e = self.table.iter().find(|e| e.name.as_bytes() == name).ok_or(Errno::ENOENT)?;
        Ok((e.make)(&self.scope))
    }
}

/// A file whose text `show` produces; writable through `store` if given.
pub struct TextFile<S: Scope> {
    scope: S,
    perm: u32,
    show: Show<S>,
    store: Option<Store<S>>,
}

impl<S: Scope> TextFile<S> {
    /// A read-only file.
    pub fn ro(scope: &S, perm: u32, show: Show<S>) -> Arc<dyn Node> {
        Arc::new(Self { scope: scope.clone(), perm, show, store: None })
    }
    /// A file that also takes writes.
    pub fn rw(scope: &S, perm: u32, show: Show<S>, store: Store<S>) -> Arc<dyn Node> {
        Arc::new(Self { scope: scope.clone(), perm, show, store: Some(store) })
    }
}

impl<S: Scope> Node for TextFile<S> {
    fn file_type(&self) -> FileType {
        FileType::Regular
    }
    fn perm(&self) -> u32 {
        self.perm
    }
    fn owner(&self) -> Owner {
        self.scope.owner()
    }
    fn alive(&self) -> bool {
        self.scope.alive()
    }
    fn produce(&self, who: &Opener) -> Result<Vec<u8>> {
        (self.show)(&self.scope, who)
    }
    fn store(&self, who: &Opener, _offset: u64, data: &[u8]) -> Result<usize> {
        match self.store {
            Some(store) => store(&self.scope, who, data),
            None => Err(Errno::EINVAL),
        }
    }
}

/// A symbolic link whose text `text` computes for the caller (and which a
/// walk follows as that path).
pub struct TextLink<S: Scope> {
    scope: S,
    text: fn(&S, &Ctx<'_>) -> Result<Vec<u8>>,
}

impl<S: Scope> TextLink<S> {
    pub fn node(scope: &S, text: fn(&S, &Ctx<'_>) -> Result<Vec<u8>>) -> Arc<dyn Node> {
        Arc::new(Self { scope: scope.clone(), text })
    }
}

impl<S: Scope> Node for TextLink<S> {
    fn file_type(&self) -> FileType {
        FileType::Symlink
    }
    fn perm(&self) -> u32 {
        0o777
    }
    fn owner(&self) -> Owner {
        self.scope.owner()
    }
    fn alive(&self) -> bool {
        self.scope.alive()
    }
    fn readlink(&self, ctx: &Ctx<'_>) -> Result<Vec<u8>> {
        (self.text)(&self.scope, ctx)
    }
}
