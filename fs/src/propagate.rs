//! Mount propagation between shared mounts (Linux's fs/pnode.c, as far as
//! mount and unmount events go): a mount made on a directory of a shared
//! mount appears at the same place in each of its peers (members of the
//! same peer group, in any namespace) and its slaves; unmounting it there
//! unmounts the copies that nothing was mounted on since.
//!
//! - The new mount joins a peer group of its own when its parent is
//!   shared, and its copies on peers join that group; copies on slaves
//!   become its slaves, as Linux's attach_recursive_mnt.
//! - Only the direct peers and slaves of the parent receive: a slave's own
//!   peers and slaves of slaves do not (Linux walks the whole propagation
//!   tree).
//! - Receivers are found after the event's own table lock is released,
//!   and each receiving table is locked on its own.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use crate::inode::{same_inode, InodeRef};
use crate::mount::{is_under, Mount, MountTable, Propagation, NEXT_GROUP, TABLES};

/// How a mount receives events from peer group `g`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Receives {
    Peer,
    Slave,
}

/// Every mount other than `from` that receives events of `from`'s peer
/// group at `point`, with its table.
fn receivers(from: &Arc<Mount>, point: &InodeRef) -> Vec<(Arc<MountTable>, Arc<Mount>, Receives)> {
    let Propagation::Shared(g) = from.propagation() else {
        return Vec::new();
    };
    let tables: Vec<Arc<MountTable>> = TABLES.lock().iter().filter_map(|w| w.upgrade()).collect();
    let mut out = Vec::new();
    for t in tables {
        let mounts = t.inner.read().mounts.clone();
        for q in mounts {
            if Arc::ptr_eq(&q, from) {
                continue;
            }
            let how = match q.propagation() {
                Propagation::Shared(h) if h == g => Receives::Peer,
                Propagation::Slave(h) if h == g => Receives::Slave,
                _ => continue,
            };
            if is_under(q.root(), point) {
                out.push((t.clone(), q, how));
            }
        }
    }
    out
}

/// `n` was just attached on (`parent`, `point`): copies of it go on the
/// peers and slaves of `parent`. Returns the tables that changed.
pub(crate) fn mounted(n: &Arc<Mount>, parent: &Arc<Mount>, point: &InodeRef) -> Vec<Arc<MountTable>> {
    let recv = receivers(parent, point);
    if !matches!(parent.propagation(), Propagation::Shared(_)) {
        return Vec::new();
    }
    let group = match n.propagation() {
        Propagation::Shared(g) => g,
        _ => {
            let g = NEXT_GROUP.fetch_add(1, Ordering::Relaxed);
            n.set_propagation_to(Propagation::Shared(g));
            g
        }
    };
    let mut changed = Vec::new();
    for (table, q, how) in recv {
        let c = n.copy();
        c.set_propagation_to(match how {
            Receives::Peer => Propagation::Shared(group),
            Receives::Slave => Propagation::Slave(group),
        });
        {
            let mut inner = table.inner.write();
            // A table may have been dropped from the list in between.
            if !inner.mounts.iter().any(|m| Arc::ptr_eq(m, &q)) {
                continue;
            }
            let (p, at) = inner.top_at(q, point.clone());
            inner.attach(c, p, at);
        }
        table.changed();
        changed.push(table);
    }
    changed
}

/// `n`, mounted on (`parent`, `point`), was unmounted: the copies of it
/// on the peers and slaves of `parent` that have nothing mounted below
/// them go too.
pub(crate) fn unmounted(n: &Arc<Mount>, parent: &Arc<Mount>, point: &InodeRef) {
    for (table, q, _) in receivers(parent, point) {
        let mut inner = table.inner.write();
        let copy = inner.mounts.iter().find(|m| {
            m.parent().is_some_and(|(p, at)| Arc::ptr_eq(&p, &q) && same_inode(&at, point))
                && same_inode(m.root(), n.root())
        });
        let Some(copy) = copy.cloned() else { continue };
        if inner.children(&copy).is_empty() {
            inner.detach(&copy);
            drop(inner);
            table.changed();
        }
    }
}
