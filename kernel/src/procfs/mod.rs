//! procfs (Linux's fs/proc), built on the `fs` crate's generated trees
//! (`fs::synthetic`): every mount of "proc" is a new instance (statfs
//! magic PROC_SUPER_MAGIC, its own device number) showing the one pid
//! namespace, as Linux since 5.8.
//!
//! - [`root`]: /proc itself: the global files, `self`, `thread-self`,
//!   `mounts`, `sys/` and a directory per process.
//! - [`task`]: /proc/PID and /proc/PID/task/TID, one table each; the
//!   [`task::Task`] scope says whether the process lives (entries of a
//!   reaped process are ENOENT, open files of them read ESRCH) and owns
//!   the entries (its effective ids while dumpable, else root).
//! - One module per family of entries: [`pid_stat`] (stat, statm),
//!   [`pid_status`], [`pid_mem`] (cmdline, environ), [`pid_fd`] (fd/,
//!   fdinfo/ and the exe, cwd, root magic links), [`maps`],
//!   [`mountinfo`] (mountinfo, mounts, with POLLPRI on mount changes),
//!   [`pid_misc`] (comm, limits, oom_score_adj, ids, attr/), [`pid_ns`]
//!   (ns/ links and the namespace inodes they lead to),
//!   [`sys`] (/proc/sys), [`sysvipc`] (/proc/sysvipc and the IPC limits), [`meminfo`] and [`global`] (cmdline, cpuinfo,
//!   stat, uptime, loadavg, version, filesystems, swaps, devices).

use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::synthetic::SynthFs;

pub mod global;
pub mod maps;
pub mod meminfo;
pub mod mountinfo;
pub mod pid_fd;
pub mod pid_mem;
pub mod pid_misc;
pub mod pid_ns;
pub mod pid_stat;
pub mod pid_status;
pub mod root;
pub mod sys;
pub mod sysvipc;
pub mod task;

/// statfs's f_type of procfs.
pub const PROC_SUPER_MAGIC: u64 = 0x9fa0;

/// A new procfs instance: its root. Each mount is its own instance with
/// its own device number (Linux 5.8 and later), showing the same
/// processes.
pub fn new_instance() -> fs::InodeRef {
    sys::init_defaults();
    let sfs = SynthFs::new(PROC_SUPER_MAGIC, Arc::new(crate::file::vfs::Realtime));
    sfs.root(root::node())
}

/// `text` as bytes (for show functions building a String).
pub fn bytes(text: alloc::string::String) -> fs::Result<Vec<u8>> {
    Ok(text.into_bytes())
}

/// Clock ticks (USER_HZ, 100 a second) from nanoseconds.
pub fn ticks(ns: u64) -> u64 {
    ns / 10_000_000
}
