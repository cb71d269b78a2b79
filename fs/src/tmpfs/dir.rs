//! tmpfs directories: entries, `readdir` offsets, creation, removal and
//! rename.
//!
//! Every entry gets a cookie from a per-directory counter when it is
//! inserted; `readdir` offset 0 is `.`, 1 is `..`, and any other offset
//! means "the first entry whose cookie is at least this". A surviving entry
//! keeps its cookie, so a reader that resumes from `d_off` never sees it
//! twice or skips it, whatever else is created or removed meanwhile (Linux's
//! `simple_offset` scheme, fs/libfs.c). A renamed entry gets a new cookie
//! (it may show up again under its new name, as on Linux).
//!
//! A removed directory is dead: it refuses new entries (ENOENT) and reading
//! it fails with ENOENT, like Linux's IS_DEADDIR.
//!
//! Rename follows the lock order in [`super`]: within one directory it takes
//! that directory's lock only; between two it takes the filesystem's rename
//! lock, computes both directories' ancestor chains (stable under that
//! lock), locks the ancestor first (or by address when unrelated), and only
//! then looks at the entries.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use spin::{Mutex, MutexGuard};

use super::{Body, NodeKind, TmpNode, DIRENT_SIZE};
use crate::errno::{Errno, Result};
use crate::inode::*;

/// Cookie of the first real entry (0 and 1 are `.` and `..`).
const FIRST_COOKIE: u64 = 2;

pub(super) struct DirData {
    by_name: BTreeMap<Vec<u8>, (u64, Arc<TmpNode>)>,
    /// The same entries in directory order (a cookie is an entry's
    /// offset), with the node, so a listing needs no name lookups.
    by_cookie: BTreeMap<u64, (Vec<u8>, Arc<TmpNode>)>,
    next_cookie: u64,
    /// The containing directory (the root points at itself).
    pub(super) parent: Weak<TmpNode>,
    dead: bool,
}

impl DirData {
    pub(super) fn new(parent: Weak<TmpNode>) -> Self {
        Self {
            by_name: BTreeMap::new(),
            by_cookie: BTreeMap::new(),
            next_cookie: FIRST_COOKIE,
            parent,
            dead: false,
        }
    }

    pub(super) fn get(&self, name: &[u8]) -> Option<&Arc<TmpNode>> {
        self.by_name.get(name).map(|(_, n)| n)
    }

    fn insert(&mut self, name: &[u8], node: Arc<TmpNode>) {
        let cookie = self.next_cookie;
        self.next_cookie += 1;
        self.by_cookie.insert(cookie, (name.to_vec(), node.clone()));
        self.by_name.insert(name.to_vec(), (cookie, node));
    }

    fn remove(&mut self, name: &[u8]) -> Option<Arc<TmpNode>> {
        let (cookie, node) = self.by_name.remove(name)?;
        self.by_cookie.remove(&cookie);
        Some(node)
    }

    /// Points an existing entry at another node, keeping its cookie.
    fn replace(&mut self, name: &[u8], node: Arc<TmpNode>) {
        if let Some(slot) = self.by_name.get_mut(name) {
            if let Some(entry) = self.by_cookie.get_mut(&slot.0) {
                entry.1 = node.clone();
            }
            slot.1 = node;
        }
    }

    fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Empties the directory (dropping a whole tree iteratively).
    pub(super) fn take_children(&mut self) -> Vec<Arc<TmpNode>> {
        self.by_cookie.clear();
        core::mem::take(&mut self.by_name)
            .into_values()
            .map(|(_, n)| n)
            .collect()
    }
}

/// The old and new directory of a rename, locked (one guard if the same).
struct Pair<'a> {
    old: MutexGuard<'a, DirData>,
    new: Option<MutexGuard<'a, DirData>>,
}

impl Pair<'_> {
    fn old_dir(&mut self) -> &mut DirData {
        &mut self.old
    }
    fn new_dir(&mut self) -> &mut DirData {
        match &mut self.new {
            Some(n) => n,
            None => &mut self.old,
        }
    }
}

impl TmpNode {
    pub(super) fn dir(&self) -> Result<&Mutex<DirData>> {
        match &self.body {
            Body::Dir(d) => Ok(d),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// Adjusts the link count and size of a directory after an entry change.
    fn dir_changed(&self, nlink_delta: i32, size_delta: i64) {
        let now = self.sb.now();
        let mut m = self.meta.lock();
        m.nlink = m.nlink.saturating_add_signed(nlink_delta);
        m.size = m
            .size
            .saturating_add_signed(size_delta * DIRENT_SIZE as i64);
        m.mtime = now;
        m.ctime = now;
    }

    pub(super) fn add_child(
        &self,
        name: &[u8],
        mode: u32,
        owner: Owner,
        rdev: u64,
        kind: NodeKind<'_>,
    ) -> Result<InodeRef> {
        let is_dir = matches!(kind, NodeKind::Dir(_));
        let mut d = self.dir()?.lock();
        if d.dead {
            return Err(Errno::ENOENT);
        }
        if d.get(name).is_some() {
            return Err(Errno::EEXIST);
        }
        let ino = self.sb.charge_inode()?;
        let node = TmpNode::new(&self.sb, ino, mode, owner, rdev, kind);
        d.insert(name, node.clone());
        drop(d);
        self.dir_changed(if is_dir { 1 } else { 0 }, 1);
        Ok(node)
    }

    pub(super) fn link_node(&self, name: &[u8], target: &Arc<TmpNode>) -> Result<()> {
        if target.is_dir() {
            return Err(Errno::EPERM);
        }
        let mut d = self.dir()?.lock();
        if d.dead {
            return Err(Errno::ENOENT);
        }
        if d.get(name).is_some() {
            return Err(Errno::EEXIST);
        }
        // Every name beyond the first costs an inode (an O_TMPFILE's first
        // link has its inode charged already). `usage` is a leaf lock like
        // `meta`, so the charge is made before and settled after.
        let charged = target.meta.lock().nlink > 0;
        if charged {
            self.sb.reserve_inode()?;
        }
        let settle;
        {
            let now = self.sb.now();
            let mut m = target.meta.lock();
            if m.nlink == 0 && !m.linkable {
                drop(m);
                if charged {
                    self.sb.release_inode();
                }
                return Err(Errno::ENOENT);
            }
            settle = (m.nlink > 0) != charged;
            m.nlink += 1;
            m.linkable = false;
            m.ctime = now;
        }
        if settle {
            // nlink changed through another directory meanwhile.
            if charged {
                self.sb.release_inode();
            } else {
                self.sb.usage.lock().inodes += 1;
            }
        }
        d.insert(name, target.clone());
        drop(d);
        self.dir_changed(0, 1);
        Ok(())
    }

    pub(super) fn remove_child(
        &self,
        name: &[u8],
        want_dir: bool,
        check: VictimCheck<'_>,
    ) -> Result<()> {
        let mut d = self.dir()?.lock();
        let victim = d.get(name).cloned().ok_or(Errno::ENOENT)?;
        check(&victim.as_inode())?;
        match (want_dir, victim.is_dir()) {
            (true, false) => return Err(Errno::ENOTDIR),
            (false, true) => return Err(Errno::EISDIR),
            _ => {}
        }
        if want_dir {
            let mut vd = victim.dir()?.lock();
            if !vd.is_empty() {
                return Err(Errno::ENOTEMPTY);
            }
            vd.dead = true;
        }
        d.remove(name);
        drop(d);
        victim.unlinked();
        self.dir_changed(if want_dir { -1 } else { 0 }, -1);
        Ok(())
    }

    /// Drops one name of this node (a directory loses both of its links);
    /// a name beyond the last gives back the inode its link was charged.
    fn unlinked(&self) {
        let now = self.sb.now();
        let mut m = self.meta.lock();
        let extra_name = !self.is_dir() && m.nlink > 1;
        m.nlink = if self.is_dir() {
            0
        } else {
            m.nlink.saturating_sub(1)
        };
        m.ctime = now;
        drop(m);
        if extra_name {
            self.sb.release_inode();
        }
    }

    pub(super) fn read_dir_entry(&self, offset: u64) -> Result<Option<DirEntry>> {
        let d = self.dir()?.lock();
        if d.dead {
            return Err(Errno::ENOENT);
        }
        let entry = match offset {
            0 => DirEntry {
                ino: self.ino,
                kind: DT_DIR,
                name: b".".to_vec(),
                next: 1,
            },
            1 => {
                let ino = d.parent.upgrade().map_or(self.ino, |p| p.ino);
                DirEntry {
                    ino,
                    kind: DT_DIR,
                    name: b"..".to_vec(),
                    next: FIRST_COOKIE,
                }
            }
            _ => {
                let Some((&cookie, (name, node))) = d.by_cookie.range(offset..).next() else {
                    return Ok(None);
                };
                DirEntry {
                    ino: node.ino,
                    kind: node.dirent_type(),
                    name: name.clone(),
                    next: cookie + 1,
                }
            }
        };
        Ok(Some(entry))
    }

    /// Hands the entries from `offset` on to `emit` (see
    /// [`crate::inode::Inode::readdir_batch`]) under one lock.
    pub(super) fn read_dir_batch(&self, offset: u64, emit: &mut dyn FnMut(&DirEntryRef<'_>) -> bool) -> Result<u64> {
        let d = self.dir()?.lock();
        if d.dead {
            return Err(Errno::ENOENT);
        }
        let mut pos = offset;
        if pos == 0 {
            if !emit(&DirEntryRef { ino: self.ino, kind: DT_DIR, name: b".", next: 1 }) {
                return Ok(pos);
            }
            pos = 1;
        }
        if pos == 1 {
            let ino = d.parent.upgrade().map_or(self.ino, |p| p.ino);
            if !emit(&DirEntryRef { ino, kind: DT_DIR, name: b"..", next: FIRST_COOKIE }) {
                return Ok(pos);
            }
            pos = FIRST_COOKIE;
        }
        for (&cookie, (name, node)) in d.by_cookie.range(pos..) {
            if !emit(&DirEntryRef { ino: node.ino, kind: node.dirent_type(), name, next: cookie + 1 }) {
                break;
            }
            pos = cookie + 1;
        }
        Ok(pos)
    }

    fn dirent_type(&self) -> u8 {
        FileType::from_mode(self.mode()).map_or(DT_UNKNOWN, FileType::dirent_type)
    }

    /// This directory and its ancestors up to the root. Stable only while
    /// the rename lock is held.
    fn ancestry(self: &Arc<Self>) -> Result<Vec<Arc<TmpNode>>> {
        let mut chain = alloc::vec![self.clone()];
        let mut cur = self.clone();
        loop {
            let parent = cur.dir()?.lock().parent.upgrade().ok_or(Errno::ENOENT)?;
            if Arc::ptr_eq(&parent, &cur) {
                return Ok(chain);
            }
            chain.push(parent.clone());
            cur = parent;
        }
    }

    pub(super) fn rename_entry(
        &self,
        old_name: &[u8],
        new_dir: &Arc<TmpNode>,
        new_name: &[u8],
        flags: RenameFlags,
        check: RenameCheck<'_>,
    ) -> Result<()> {
        let old_dir = self.me.upgrade().ok_or(Errno::ENOENT)?;
        if Arc::ptr_eq(&old_dir, new_dir) {
            let pair = Pair {
                old: self.dir()?.lock(),
                new: None,
            };
            return rename_locked(
                pair,
                &old_dir,
                old_name,
                new_dir,
                new_name,
                flags,
                check,
                &[],
                &[],
            );
        }
        let _guard = self.sb.rename_lock.lock();
        let old_chain = old_dir.ancestry()?;
        let new_chain = new_dir.ancestry()?;
        let old_lock = old_dir.dir()?;
        let new_lock = new_dir.dir()?;
        let old_first = if new_chain.iter().any(|n| Arc::ptr_eq(n, &old_dir)) {
            true
        } else if old_chain.iter().any(|n| Arc::ptr_eq(n, new_dir)) {
            false
        } else {
            Arc::as_ptr(&old_dir) < Arc::as_ptr(new_dir)
        };
        let pair = if old_first {
            let old = old_lock.lock();
            Pair {
                old,
                new: Some(new_lock.lock()),
            }
        } else {
            let new = new_lock.lock();
            Pair {
                old: old_lock.lock(),
                new: Some(new),
            }
        };
        rename_locked(
            pair, &old_dir, old_name, new_dir, new_name, flags, check, &old_chain, &new_chain,
        )
    }
}

fn contains(chain: &[Arc<TmpNode>], node: &Arc<TmpNode>) -> bool {
    chain.iter().any(|n| Arc::ptr_eq(n, node))
}

/// The body of rename, with both directories locked. `old_chain` and
/// `new_chain` are the directories' ancestries (empty within one directory).
#[allow(clippy::too_many_arguments)]
fn rename_locked(
    mut dirs: Pair<'_>,
    old_dir: &Arc<TmpNode>,
    old_name: &[u8],
    new_dir: &Arc<TmpNode>,
    new_name: &[u8],
    flags: RenameFlags,
    check: RenameCheck<'_>,
    old_chain: &[Arc<TmpNode>],
    new_chain: &[Arc<TmpNode>],
) -> Result<()> {
    let exchange = flags.contains(RenameFlags::EXCHANGE);
    if dirs.old_dir().dead || dirs.new_dir().dead {
        return Err(Errno::ENOENT);
    }
    let source = dirs.old_dir().get(old_name).cloned().ok_or(Errno::ENOENT)?;
    let target = dirs.new_dir().get(new_name).cloned();
    if flags.contains(RenameFlags::NOREPLACE) && target.is_some() {
        return Err(Errno::EEXIST);
    }
    if exchange && target.is_none() {
        return Err(Errno::ENOENT);
    }
    // Neither may end up inside itself.
    if source.is_dir() && contains(new_chain, &source) {
        return Err(Errno::EINVAL);
    }
    if let Some(t) = &target {
        if t.is_dir() && contains(old_chain, t) {
            return Err(if exchange {
                Errno::EINVAL
            } else {
                Errno::ENOTEMPTY
            });
        }
    }
    let target_ref = target.as_ref().map(|t| t.as_inode());
    if check(&source.as_inode(), target_ref.as_ref())? == RenameAction::Nothing {
        return Ok(());
    }
    if let Some(t) = &target {
        if Arc::ptr_eq(t, &source) {
            return Ok(());
        }
    }
    let cross = !Arc::ptr_eq(old_dir, new_dir);
    if exchange {
        let Some(target) = target else {
            return Err(Errno::ENOENT);
        };
        dirs.old_dir().replace(old_name, target.clone());
        dirs.new_dir().replace(new_name, source.clone());
        if cross {
            if source.is_dir() {
                source.dir()?.lock().parent = Arc::downgrade(new_dir);
            }
            if target.is_dir() {
                target.dir()?.lock().parent = Arc::downgrade(old_dir);
            }
        }
        drop(dirs);
        let moved = i32::from(source.is_dir()) - i32::from(target.is_dir());
        if cross {
            old_dir.dir_changed(-moved, 0);
            new_dir.dir_changed(moved, 0);
        } else {
            old_dir.dir_changed(0, 0);
        }
        source.touch_changed();
        target.touch_changed();
        return Ok(());
    }
    if let Some(t) = &target {
        match (source.is_dir(), t.is_dir()) {
            (true, false) => return Err(Errno::ENOTDIR),
            (false, true) => return Err(Errno::EISDIR),
            (true, true) => {
                let mut td = t.dir()?.lock();
                if !td.is_empty() {
                    return Err(Errno::ENOTEMPTY);
                }
                td.dead = true;
            }
            (false, false) => {}
        }
    }
    dirs.old_dir().remove(old_name);
    let replaced = dirs.new_dir().remove(new_name);
    dirs.new_dir().insert(new_name, source.clone());
    if cross && source.is_dir() {
        source.dir()?.lock().parent = Arc::downgrade(new_dir);
    }
    drop(dirs);
    if let Some(victim) = &replaced {
        victim.unlinked();
    }
    let src_dir = i32::from(source.is_dir());
    let victim_dir = replaced.as_ref().map_or(0, |v| i32::from(v.is_dir()));
    let new_entries = i64::from(replaced.is_none());
    if cross {
        old_dir.dir_changed(-src_dir, -1);
        new_dir.dir_changed(src_dir - victim_dir, new_entries);
    } else {
        old_dir.dir_changed(-victim_dir, new_entries - 1);
    }
    source.touch_changed();
    Ok(())
}
