//! The cgroup v2 hierarchy as pure data: which cgroups exist, how they
//! nest, which processes each one holds directly, and Linux's rules for
//! changing any of it (kernel/cgroup/cgroup.c and
//! Documentation/admin-guide/cgroup-v2.rst). The kernel keeps one
//! [`Hierarchy`] behind a lock, shows it as cgroupfs and attaches its
//! processes to it; everything that can be decided without processes is
//! decided (and host-tested) here.
//!
//! - [`controllers`]: the controller set (cpu, io, memory, pids) and the
//!   `+name -name` syntax of `cgroup.subtree_control`.
//! - [`tree`]: cgroups by id, mkdir/rmdir/rename with the
//!   `cgroup.max.depth`/`cgroup.max.descendants` limits, membership by
//!   pid, the `populated` and `frozen` states and which cgroups' events
//!   change when they do.
//! - [`rules`]: enabling and disabling controllers, the no-internal-process
//!   rule, `cgroup.type` (domain, threaded, domain threaded, domain
//!   invalid) and the checks on a migration's destination.

pub mod controllers;
pub mod rules;
pub mod tree;

pub use controllers::Controllers;
pub use tree::{Hierarchy, Id, Node, ROOT};
