//! Linux's cgroup v2 rules, as kernel/cgroup/cgroup.c decides them:
//!
//! - `cgroup.controllers` of a cgroup is its parent's `subtree_control`
//!   (all controllers for the root), limited to the threaded ones in a
//!   threaded cgroup (cgroup_control).
//! - `cgroup.subtree_control`: enabling a controller not in
//!   `cgroup.controllers` is ENOENT; disabling one a child still enables
//!   for its own children is EBUSY; enabling a domain controller (memory,
//!   io) in a threaded cgroup or a thread root is EOPNOTSUPP; enabling
//!   anything in a non-root cgroup that holds processes is EBUSY unless
//!   only threaded controllers are enabled in a threaded cgroup — the
//!   no-internal-process rule (cgroup_vet_subtree_control_enable).
//! - A migration's destination must be a valid domain or threaded; a
//!   non-root domain cgroup that has domain controllers enabled and could
//!   not become a thread root refuses processes with EBUSY
//!   (cgroup_migrate_vet_dst).
//! - `cgroup.type` reads "domain", "domain threaded" (a thread root),
//!   "domain invalid" (below a threaded cgroup without being threaded) or
//!   "threaded"; only "threaded" may be written (EINVAL otherwise), and
//!   only for an unpopulated cgroup without domain controllers whose
//!   parent's domain can be a thread root (EOPNOTSUPP otherwise)
//!   (cgroup_type_write, cgroup_enable_threaded).

use super::tree::{Hierarchy, Id};
use super::Controllers;
use crate::errno::{Errno, Result};

impl Hierarchy {
    fn is_root(&self, id: Id) -> bool {
        self.parent(id).is_none()
    }

    /// Whether `id` is threaded (its domain is an ancestor's).
    pub fn is_threaded(&self, id: Id) -> bool {
        self.get(id).is_some_and(|n| n.threaded)
    }

    /// The domain cgroup `id` belongs to (Linux's dom_cgrp).
    pub fn domain(&self, id: Id) -> Id {
        let mut cur = id;
        while self.is_threaded(cur) {
            match self.parent(cur) {
                Some(p) => cur = p,
                None => break,
            }
        }
        cur
    }

    fn threaded_children(&self, id: Id) -> usize {
        self.get(id).map_or(0, |n| n.children.values().filter(|c| self.is_threaded(**c)).count())
    }

    fn populated_domain_children(&self, id: Id) -> usize {
        self.get(id).map_or(0, |n| {
            n.children.values().filter(|c| !self.is_threaded(**c) && self.get(**c).is_some_and(|k| k.populated())).count()
        })
    }

    /// Whether `id` holds processes itself (cgroup_has_tasks).
    pub fn has_tasks(&self, id: Id) -> bool {
        self.get(id).is_some_and(|n| !n.procs.is_empty())
    }

    /// cgroup_is_thread_root.
    pub fn is_thread_root(&self, id: Id) -> bool {
        if self.is_threaded(id) {
            return false;
        }
        if self.threaded_children(id) > 0 {
            return true;
        }
        self.is_root(id) && self.get(id).is_some_and(|n| n.subtree_control.intersects(Controllers::THREADED))
    }

    /// cgroup_is_valid_domain: may host resources as a domain.
    pub fn is_valid_domain(&self, id: Id) -> bool {
        if self.is_threaded(id) {
            return false;
        }
        let mut cur = self.parent(id);
        while let Some(c) = cur {
            if (!self.is_root(c) && self.is_thread_root(c)) || self.is_threaded(c) {
                return false;
            }
            cur = self.parent(c);
        }
        true
    }

    /// cgroup_can_be_thread_root.
    pub fn can_be_thread_root(&self, id: Id) -> bool {
        if self.is_root(id) {
            return true;
        }
        if self.is_threaded(id) || self.populated_domain_children(id) > 0 {
            return false;
        }
        !self.get(id).is_some_and(|n| n.subtree_control.intersects(!Controllers::THREADED))
    }

    /// What `cgroup.type` reads.
    pub fn type_name(&self, id: Id) -> &'static str {
        if self.is_threaded(id) {
            "threaded"
        } else if !self.is_valid_domain(id) {
            "domain invalid"
        } else if self.is_thread_root(id) {
            "domain threaded"
        } else {
            "domain"
        }
    }

    /// `cgroup.controllers`: what `id` may enable for its children.
    pub fn controllers(&self, id: Id) -> Controllers {
        match self.parent(id) {
            None => Controllers::all(),
            Some(p) => {
                let mask = self.get(p).map_or(Controllers::empty(), |n| n.subtree_control);
                if self.is_threaded(id) {
                    mask & Controllers::THREADED
                } else {
                    mask
                }
            }
        }
    }

    /// Applies a write of `input` to `id`'s `cgroup.subtree_control`.
    pub fn write_subtree_control(&mut self, id: Id, input: &[u8]) -> Result<()> {
        let (mut enable, mut disable) = Controllers::parse_change(input)?;
        let node = self.node(id)?;
        let current = node.subtree_control;
        let available = self.controllers(id);
        for c in enable.iter() {
            if current.contains(c) {
                enable -= c;
            } else if !available.contains(c) {
                return Err(Errno::ENOENT);
            }
        }
        for c in disable.iter() {
            if !current.contains(c) {
                disable -= c;
            } else if node.children.values().any(|k| self.get(*k).is_some_and(|k| k.subtree_control.contains(c))) {
                return Err(Errno::EBUSY);
            }
        }
        if enable.is_empty() && disable.is_empty() {
            return Ok(());
        }
        self.vet_enable(id, enable)?;
        let n = self.node_mut(id)?;
        n.subtree_control = (n.subtree_control | enable) - disable;
        Ok(())
    }

    /// cgroup_vet_subtree_control_enable.
    fn vet_enable(&self, id: Id, enable: Controllers) -> Result<()> {
        if enable.is_empty() {
            return Ok(());
        }
        if !self.is_valid_domain(self.domain(id)) {
            return Err(Errno::EOPNOTSUPP);
        }
        if self.is_root(id) {
            return Ok(());
        }
        if enable.intersects(!Controllers::THREADED) {
            if self.is_thread_root(id) || self.is_threaded(id) {
                return Err(Errno::EOPNOTSUPP);
            }
        } else if self.is_threaded(id) {
            return Ok(());
        }
        if self.has_tasks(id) {
            return Err(Errno::EBUSY);
        }
        Ok(())
    }

    /// Applies a write of `input` to `id`'s `cgroup.type`.
    pub fn write_type(&mut self, id: Id, input: &[u8]) -> Result<()> {
        if input.trim_ascii() != b"threaded" || self.is_root(id) {
            return Err(Errno::EINVAL);
        }
        if self.is_threaded(id) {
            return Ok(());
        }
        let node = self.node(id)?;
        if node.populated() || node.subtree_control.intersects(!Controllers::THREADED) {
            return Err(Errno::EOPNOTSUPP);
        }
        let dom = self.domain(self.parent(id).ok_or(Errno::EINVAL)?);
        if !self.is_valid_domain(dom) || !self.can_be_thread_root(dom) {
            return Err(Errno::EOPNOTSUPP);
        }
        self.node_mut(id)?.threaded = true;
        Ok(())
    }

    /// cgroup_migrate_vet_dst: may processes be moved into `id`?
    pub fn vet_migration_dst(&self, id: Id) -> Result<()> {
        self.node(id)?;
        if !self.is_valid_domain(self.domain(id)) {
            return Err(Errno::EOPNOTSUPP);
        }
        if self.is_root(id) || self.can_be_thread_root(id) || self.is_threaded(id) {
            return Ok(());
        }
        if !self.get(id).is_some_and(|n| n.subtree_control.is_empty()) {
            return Err(Errno::EBUSY);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tree::ROOT;
    use super::*;

    fn tree() -> Hierarchy {
        let mut h = Hierarchy::new();
        h.mkdir(ROOT, b"a", 10).unwrap();
        h.mkdir(10, b"b", 11).unwrap();
        h
    }

    #[test]
    fn enable_needs_the_parent_to_offer_it() {
        let mut h = tree();
        assert_eq!(h.controllers(ROOT), Controllers::all());
        assert_eq!(h.controllers(10), Controllers::empty());
        assert_eq!(h.write_subtree_control(10, b"+pids"), Err(Errno::ENOENT));
        h.write_subtree_control(ROOT, b"+pids +memory").unwrap();
        assert_eq!(h.controllers(10), Controllers::PIDS | Controllers::MEMORY);
        h.write_subtree_control(10, b"+pids").unwrap();
        assert_eq!(h.controllers(11), Controllers::PIDS);
        assert_eq!(h.write_subtree_control(10, b"+cpu"), Err(Errno::ENOENT));
        assert_eq!(h.write_subtree_control(10, b"+bogus"), Err(Errno::EINVAL));
        // Already enabled / already disabled: nothing to do.
        h.write_subtree_control(10, b"+pids -memory").unwrap();
    }

    #[test]
    fn disable_is_busy_while_a_child_uses_it() {
        let mut h = tree();
        h.write_subtree_control(ROOT, b"+pids").unwrap();
        h.write_subtree_control(10, b"+pids").unwrap();
        assert_eq!(h.write_subtree_control(ROOT, b"-pids"), Err(Errno::EBUSY));
        h.write_subtree_control(10, b"-pids").unwrap();
        h.write_subtree_control(ROOT, b"-pids").unwrap();
        assert_eq!(h.controllers(10), Controllers::empty());
    }

    #[test]
    fn no_internal_processes() {
        let mut h = tree();
        h.write_subtree_control(ROOT, b"+memory +pids").unwrap();
        h.migrate(7, None, Some(10));
        // The root may hold processes and enable controllers.
        h.migrate(1, None, Some(ROOT));
        assert_eq!(h.write_subtree_control(10, b"+memory"), Err(Errno::EBUSY));
        h.migrate(7, Some(10), Some(11));
        h.write_subtree_control(10, b"+memory").unwrap();
        assert_eq!(h.vet_migration_dst(10), Err(Errno::EBUSY));
        assert_eq!(h.vet_migration_dst(11), Ok(()));
        assert_eq!(h.vet_migration_dst(ROOT), Ok(()));
        // Threaded controllers alone leave room for processes.
        h.write_subtree_control(10, b"-memory +pids").unwrap();
        assert_eq!(h.vet_migration_dst(10), Err(Errno::EBUSY));
        h.migrate(7, Some(11), None);
        assert_eq!(h.vet_migration_dst(10), Ok(()));
    }

    #[test]
    fn threaded_types() {
        let mut h = tree();
        assert_eq!(h.type_name(10), "domain");
        assert_eq!(h.write_type(10, b"domain"), Err(Errno::EINVAL));
        h.write_type(10, b"threaded\n").unwrap();
        assert_eq!(h.type_name(10), "threaded");
        assert_eq!(h.type_name(ROOT), "domain threaded");
        assert_eq!(h.type_name(11), "domain invalid");
        assert_eq!(h.vet_migration_dst(11), Err(Errno::EOPNOTSUPP));
        h.write_type(11, b"threaded").unwrap();
        assert_eq!(h.type_name(11), "threaded");
        assert_eq!(h.vet_migration_dst(11), Ok(()));
        // Domain controllers cannot be enabled in a threaded subtree.
        h.write_subtree_control(ROOT, b"+memory +pids").unwrap();
        assert_eq!(h.controllers(10), Controllers::PIDS);
        assert_eq!(h.write_subtree_control(10, b"+pids"), Ok(()));
    }

    #[test]
    fn threaded_needs_an_empty_cgroup_and_a_fit_parent() {
        let mut h = tree();
        h.mkdir(10, b"c", 12).unwrap();
        h.migrate(9, None, Some(11));
        assert_eq!(h.write_type(11, b"threaded"), Err(Errno::EOPNOTSUPP));
        // A parent with a populated domain child cannot become a thread root.
        assert_eq!(h.write_type(12, b"threaded"), Err(Errno::EOPNOTSUPP));
        h.migrate(9, Some(11), None);
        h.write_type(12, b"threaded").unwrap();
        assert_eq!(h.type_name(10), "domain threaded");
        // A thread root may hold processes itself.
        h.mkdir(12, b"t", 13).unwrap();
        h.migrate(9, None, Some(10));
        h.write_type(13, b"threaded").unwrap();
    }
}
