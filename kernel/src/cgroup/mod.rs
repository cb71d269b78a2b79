//! cgroup v2: the one hierarchy every `cgroup2` mount shows, the
//! processes' membership in it, and its control files (Linux's
//! kernel/cgroup/, Documentation/admin-guide/cgroup-v2.rst).
//!
//! The structure and its rules are `fs::cgroup` (host-tested); this
//! module holds the hierarchy behind one lock and adds what needs
//! processes:
//! - [`tree`]: the global hierarchy, membership (a child starts in its
//!   parent's cgroup, exit leaves it, cgroup.procs moves), freezing.
//! - [`fs_dir`], [`control_files`] and [`open_file`]: cgroupfs, a
//!   directory per cgroup with its control files, as kernfs shows them.
//! - [`options`]: the mount options (nsdelegate, memory_recursiveprot...).
//! - [`procs`], [`pids`], [`memory`], [`cpu`]: what the files read and
//!   accept.
//! - [`events`]: `cgroup.events` changes, which wake pollers (POLLPRI)
//!   and make an IN_MODIFY inotify event.
//! - [`handle`]: file handles of cgroup directories (the 8-byte cgroup id).
//!
//! Lock order: the hierarchy lock ([`tree::HIER`]) before the directory
//! table ([`fs_dir::DIRS`]), and both before a cgroup's statistics and a
//! file's stored value (leaves); none is held while calling into the
//! VFS, fsnotify, signals or an address space.

pub mod control_files;
pub mod cpu;
pub mod events;
pub mod fs_dir;
pub mod handle;
pub mod memory;
pub mod open_file;
pub mod options;
pub mod pids;
pub mod procs;
pub mod tree;

use alloc::vec::Vec;

use crate::proc::Process;

/// statfs's f_type of cgroup2.
pub const CGROUP2_SUPER_MAGIC: u64 = 0x6367_7270;

/// `/proc/PID/cgroup`: "0::/path\n".
pub fn proc_cgroup_line(p: &Process) -> Vec<u8> {
    let id = tree::cgroup_of(p);
    let mut out = b"0::".to_vec();
    out.extend_from_slice(&tree::HIER.lock().path(id));
    out.push(b'\n');
    out
}

/// `/proc/cgroups`: the v1 table, every controller on hierarchy 0 (bound
/// to v2), with the number of cgroups, as Linux prints it.
pub fn proc_cgroups_table() -> Vec<u8> {
    let n = tree::HIER.lock().len();
    let mut out = b"#subsys_name\thierarchy\tnum_cgroups\tenabled\n".to_vec();
    for name in ["cpu", "io", "memory", "pids"] {
        out.extend_from_slice(alloc::format!("{name}\t0\t{n}\t1\n").as_bytes());
    }
    out
}
