//! The cgroup tree: nodes by id, their names and nesting, the processes
//! each holds directly (by pid), and the states derived from them.
//!
//! As Linux's cgroup core:
//! - mkdir fails with EAGAIN when an ancestor (the parent included) is at
//!   its `cgroup.max.descendants` or the new cgroup would lie deeper below
//!   it than its `cgroup.max.depth` (cgroup_check_hierarchy_limits);
//!   EEXIST for a taken name (control files included: the caller checks
//!   those).
//! - rmdir is EBUSY while the cgroup is populated or has children
//!   (cgroup_destroy_locked).
//! - A cgroup is populated while it or a descendant holds a process; a
//!   change of that state is a change of the cgroup's `cgroup.events`,
//!   and so is a change of its effective frozen state (its own
//!   `cgroup.freeze` or an ancestor's). The operations return the ids
//!   whose events changed, for the caller to notify.
//!
//! Ids are given by the caller (the kernel uses the directory's inode
//! number, which is also the cgroup id of file handles); the root is
//! [`ROOT`].

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::Controllers;
use crate::errno::{Errno, Result};

/// A cgroup id.
pub type Id = u64;

/// The root cgroup's id (Linux's root cgroup id is 1 too).
pub const ROOT: Id = 1;

/// One cgroup.
#[derive(Debug, Default)]
pub struct Node {
    pub id: Id,
    pub parent: Option<Id>,
    pub name: Vec<u8>,
    pub children: BTreeMap<Vec<u8>, Id>,
    /// Processes attached directly (cgroup.procs).
    pub procs: BTreeSet<u32>,
    /// Controllers enabled for the children (cgroup.subtree_control).
    pub subtree_control: Controllers,
    /// Written "threaded" to cgroup.type.
    pub threaded: bool,
    /// cgroup.max.depth and cgroup.max.descendants (`None`: "max").
    pub max_depth: Option<u32>,
    pub max_descendants: Option<u32>,
    /// cgroup.freeze as written here.
    pub freeze: bool,
    /// Children that are populated (Linux's nr_populated_*_children).
    populated_children: u32,
    /// Live descendants (cgroup.stat's nr_descendants).
    pub nr_descendants: u32,
    /// Depth below the root (the root is 0).
    pub level: u32,
}

impl Node {
    /// Whether this cgroup or a descendant holds a process.
    pub fn populated(&self) -> bool {
        !self.procs.is_empty() || self.populated_children > 0
    }
}

/// A whole hierarchy.
#[derive(Debug)]
pub struct Hierarchy {
    nodes: BTreeMap<Id, Node>,
}

impl Default for Hierarchy {
    fn default() -> Self {
        Self::new()
    }
}

impl Hierarchy {
    /// A hierarchy with only the root.
    pub fn new() -> Self {
        let mut nodes = BTreeMap::new();
        nodes.insert(ROOT, Node { id: ROOT, ..Node::default() });
        Hierarchy { nodes }
    }

    pub fn get(&self, id: Id) -> Option<&Node> {
        self.nodes.get(&id)
    }

    pub fn get_mut(&mut self, id: Id) -> Option<&mut Node> {
        self.nodes.get_mut(&id)
    }

    /// The node `id`, ENODEV once removed (as a kernfs node that is gone).
    pub fn node(&self, id: Id) -> Result<&Node> {
        self.nodes.get(&id).ok_or(Errno::ENODEV)
    }

    pub fn node_mut(&mut self, id: Id) -> Result<&mut Node> {
        self.nodes.get_mut(&id).ok_or(Errno::ENODEV)
    }

    pub fn contains(&self, id: Id) -> bool {
        self.nodes.contains_key(&id)
    }

    pub fn parent(&self, id: Id) -> Option<Id> {
        self.nodes.get(&id).and_then(|n| n.parent)
    }

    /// `id` and its ancestors, nearest first.
    pub fn ancestry(&self, id: Id) -> Vec<Id> {
        let mut out = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur {
            out.push(c);
            cur = self.parent(c);
        }
        out
    }

    /// `id` and its descendants, parents before children.
    pub fn subtree(&self, id: Id) -> Vec<Id> {
        let mut out = Vec::new();
        let mut stack = alloc::vec![id];
        while let Some(c) = stack.pop() {
            if let Some(n) = self.nodes.get(&c) {
                out.push(c);
                stack.extend(n.children.values().rev());
            }
        }
        out
    }

    /// The path from the root: "/" for the root, "/a/b" below it.
    pub fn path(&self, id: Id) -> Vec<u8> {
        let mut names: Vec<&[u8]> = Vec::new();
        let mut cur = id;
        while let Some(n) = self.nodes.get(&cur) {
            match n.parent {
                Some(p) => {
                    names.push(&n.name);
                    cur = p;
                }
                None => break,
            }
        }
        let mut out = Vec::new();
        for n in names.iter().rev() {
            out.push(b'/');
            out.extend_from_slice(n);
        }
        if out.is_empty() {
            out.push(b'/');
        }
        out
    }

    /// The child of `parent` called `name`.
    pub fn child(&self, parent: Id, name: &[u8]) -> Option<Id> {
        self.nodes.get(&parent)?.children.get(name).copied()
    }

    /// Creates cgroup `name` with id `id` below `parent`.
    pub fn mkdir(&mut self, parent: Id, name: &[u8], id: Id) -> Result<()> {
        let p = self.node(parent)?;
        if p.children.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        // Linux refuses a newline in a cgroup name (it would break
        // /proc/PID/cgroup).
        if name.contains(&b'\n') {
            return Err(Errno::EINVAL);
        }
        let level = p.level + 1;
        // The new cgroup lies `depth` levels below each ancestor.
        for (depth, a) in (1..).zip(self.ancestry(parent)) {
            let n = self.node(a)?;
            if n.max_descendants.is_some_and(|m| n.nr_descendants >= m) || n.max_depth.is_some_and(|m| depth > m) {
                return Err(Errno::EAGAIN);
            }
        }
        for a in self.ancestry(parent) {
            self.node_mut(a)?.nr_descendants += 1;
        }
        self.node_mut(parent)?.children.insert(name.to_vec(), id);
        self.nodes.insert(id, Node { id, parent: Some(parent), name: name.to_vec(), level, ..Node::default() });
        Ok(())
    }

    /// Removes the child `name` of `parent`; returns its id.
    pub fn rmdir(&mut self, parent: Id, name: &[u8]) -> Result<Id> {
        let id = self.child(parent, name).ok_or(Errno::ENOENT)?;
        let n = self.node(id)?;
        if n.populated() || !n.children.is_empty() {
            return Err(Errno::EBUSY);
        }
        self.node_mut(parent)?.children.remove(name);
        for a in self.ancestry(parent) {
            let n = self.node_mut(a)?;
            n.nr_descendants = n.nr_descendants.saturating_sub(1);
        }
        self.nodes.remove(&id);
        Ok(id)
    }

    /// Renames child `old` of `parent` to `new` (same parent only).
    pub fn rename(&mut self, parent: Id, old: &[u8], new: &[u8]) -> Result<()> {
        let id = self.child(parent, old).ok_or(Errno::ENOENT)?;
        if old == new {
            return Ok(());
        }
        if self.child(parent, new).is_some() {
            return Err(Errno::EEXIST);
        }
        let p = self.node_mut(parent)?;
        p.children.remove(old);
        p.children.insert(new.to_vec(), id);
        self.node_mut(id)?.name = new.to_vec();
        Ok(())
    }

    /// Puts `pid` into `to` (taking it out of `from`): returns the cgroups
    /// whose populated state changed.
    pub fn migrate(&mut self, pid: u32, from: Option<Id>, to: Option<Id>) -> Vec<Id> {
        let mut changed = Vec::new();
        if from == to {
            return changed;
        }
        if let Some(f) = from {
            if let Some(n) = self.nodes.get_mut(&f) {
                let was = n.populated();
                n.procs.remove(&pid);
                if was && !n.populated() {
                    self.propagate(f, false, &mut changed);
                }
            }
        }
        if let Some(t) = to {
            if let Some(n) = self.nodes.get_mut(&t) {
                let was = n.populated();
                n.procs.insert(pid);
                if !was {
                    self.propagate(t, true, &mut changed);
                }
            }
        }
        changed
    }

    /// `id` just became populated (or unpopulated): so may its ancestors.
    fn propagate(&mut self, id: Id, populated: bool, changed: &mut Vec<Id>) {
        changed.push(id);
        let mut cur = id;
        while let Some(p) = self.parent(cur) {
            let Some(n) = self.nodes.get_mut(&p) else { break };
            let was = n.populated();
            if populated {
                n.populated_children += 1;
            } else {
                n.populated_children = n.populated_children.saturating_sub(1);
            }
            if was == n.populated() {
                break;
            }
            changed.push(p);
            cur = p;
        }
    }

    /// Whether `id` is frozen: its own `cgroup.freeze` or an ancestor's.
    pub fn frozen(&self, id: Id) -> bool {
        self.ancestry(id).iter().any(|a| self.nodes.get(a).is_some_and(|n| n.freeze))
    }

    /// Writes `cgroup.freeze` of `id`: returns the cgroups whose frozen
    /// state changed (the processes in them freeze or thaw).
    pub fn set_freeze(&mut self, id: Id, freeze: bool) -> Result<Vec<Id>> {
        let before: Vec<(Id, bool)> = self.subtree(id).into_iter().map(|c| (c, self.frozen(c))).collect();
        self.node_mut(id)?.freeze = freeze;
        Ok(before.into_iter().filter(|&(c, f)| self.frozen(c) != f).map(|(c, _)| c).collect())
    }

    /// The processes in `id`'s subtree.
    pub fn subtree_procs(&self, id: Id) -> Vec<u32> {
        self.subtree(id).iter().filter_map(|c| self.nodes.get(c)).flat_map(|n| n.procs.iter().copied()).collect()
    }

    /// Number of cgroups.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mkdir_rmdir_and_paths() {
        let mut h = Hierarchy::new();
        h.mkdir(ROOT, b"a", 10).unwrap();
        h.mkdir(10, b"b", 11).unwrap();
        assert_eq!(h.mkdir(ROOT, b"a", 12), Err(Errno::EEXIST));
        assert_eq!(h.mkdir(ROOT, b"x\ny", 12), Err(Errno::EINVAL));
        assert_eq!(h.path(11), b"/a/b");
        assert_eq!(h.path(ROOT), b"/");
        assert_eq!(h.node(ROOT).unwrap().nr_descendants, 2);
        assert_eq!(h.rmdir(ROOT, b"a"), Err(Errno::EBUSY));
        assert_eq!(h.rmdir(10, b"b"), Ok(11));
        assert_eq!(h.node(11).err(), Some(Errno::ENODEV));
        assert_eq!(h.rmdir(ROOT, b"a"), Ok(10));
        assert_eq!(h.rmdir(ROOT, b"a"), Err(Errno::ENOENT));
        assert_eq!(h.node(ROOT).unwrap().nr_descendants, 0);
    }

    #[test]
    fn depth_and_descendant_limits() {
        let mut h = Hierarchy::new();
        h.mkdir(ROOT, b"a", 10).unwrap();
        h.node_mut(10).unwrap().max_depth = Some(1);
        h.mkdir(10, b"b", 11).unwrap();
        assert_eq!(h.mkdir(11, b"c", 12), Err(Errno::EAGAIN));
        h.node_mut(10).unwrap().max_depth = Some(0);
        assert_eq!(h.mkdir(10, b"c", 12), Err(Errno::EAGAIN));
        h.node_mut(10).unwrap().max_depth = None;
        h.node_mut(10).unwrap().max_descendants = Some(2);
        h.mkdir(11, b"c", 12).unwrap();
        assert_eq!(h.mkdir(10, b"d", 13), Err(Errno::EAGAIN));
        h.node_mut(10).unwrap().max_descendants = Some(0);
        assert_eq!(h.mkdir(12, b"d", 13), Err(Errno::EAGAIN));
    }

    #[test]
    fn populated_propagates_up_and_down() {
        let mut h = Hierarchy::new();
        h.mkdir(ROOT, b"a", 10).unwrap();
        h.mkdir(10, b"b", 11).unwrap();
        h.mkdir(10, b"c", 12).unwrap();
        // Init lives in the root.
        assert_eq!(h.migrate(1, None, Some(ROOT)), [ROOT]);
        assert_eq!(h.migrate(5, Some(ROOT), Some(11)), [11, 10]);
        assert!(h.node(10).unwrap().populated());
        assert_eq!(h.migrate(6, Some(ROOT), Some(12)), [12]);
        assert_eq!(h.migrate(5, Some(11), Some(ROOT)), [11]);
        assert_eq!(h.migrate(6, Some(12), None), [12, 10]);
        assert!(!h.node(10).unwrap().populated());
        assert_eq!(h.subtree_procs(ROOT), [1, 5]);
    }

    #[test]
    fn freeze_is_inherited() {
        let mut h = Hierarchy::new();
        h.mkdir(ROOT, b"a", 10).unwrap();
        h.mkdir(10, b"b", 11).unwrap();
        h.node_mut(11).unwrap().freeze = true;
        assert_eq!(h.set_freeze(10, true).unwrap(), [10]);
        assert!(h.frozen(11));
        assert_eq!(h.set_freeze(10, false).unwrap(), [10]);
        assert!(h.frozen(11));
        assert_eq!(h.set_freeze(11, false).unwrap(), [11]);
    }

    #[test]
    fn rename_in_place() {
        let mut h = Hierarchy::new();
        h.mkdir(ROOT, b"a", 10).unwrap();
        h.mkdir(ROOT, b"b", 11).unwrap();
        assert_eq!(h.rename(ROOT, b"a", b"b"), Err(Errno::EEXIST));
        h.rename(ROOT, b"a", b"c").unwrap();
        assert_eq!(h.child(ROOT, b"c"), Some(10));
        assert_eq!(h.path(10), b"/c");
    }
}
