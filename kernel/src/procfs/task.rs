//! /proc/PID and /proc/PID/task/TID: the per-process and per-thread
//! tables (Linux's `tgid_base_stuff` and `tid_base_stuff`), and the
//! [`Task`] scope their entries are built for.
//!
//! A process's entries are alive while its pid names it (a zombie's too,
//! showing state Z); once reaped, lookups are ENOENT and reads of files
//! still open are ESRCH, as Linux. The entries belong to the process's
//! effective uid and gid while it is dumpable, else to root (Linux's
//! `task_dump_owner`). Adding an entry is adding a row to a table.

use alloc::format;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use fs::inode::{FileType, Owner};
use fs::synthetic::{Entry, Node, Scope, TableDir, TableEntry, TextFile};

use super::{maps, mountinfo, pid_fd, pid_mem, pid_misc, pid_ns, pid_stat, pid_status};
use crate::proc::{pid, Process, Thread};

/// A process (`tid` None: /proc/PID) or one of its threads.
#[derive(Clone)]
pub struct Task {
    pub pid: u32,
    pub tid: Option<u32>,
    process: Weak<Process>,
}

impl Task {
    pub fn of(p: &Arc<Process>, tid: Option<u32>) -> Task {
        Task { pid: p.pid, tid, process: Arc::downgrade(p) }
    }

    /// The process, or ESRCH once it has been reaped.
    pub fn process(&self) -> fs::Result<Arc<Process>> {
        let p = self.process.upgrade().ok_or(fs::Errno::ESRCH)?;
        match pid::find(self.pid) {
            Some(q) if Arc::ptr_eq(&p, &q) => Ok(p),
            _ => Err(fs::Errno::ESRCH),
        }
    }

    /// The address space, or None once the process is exiting (Linux's
    /// exit_mm runs before the task shows Z, so a zombie has no memory).
    pub fn mm(&self) -> fs::Result<Option<Arc<crate::mm::Mm>>> {
        let p = self.process()?;
        let live = !p.is_zombie() && self.thread().is_some();
        Ok(p.mm().filter(|_| live))
    }

    /// The thread shown: the tid's, else the leader while it runs, else
    /// any live thread; None for a zombie.
    pub fn thread(&self) -> Option<Arc<Thread>> {
        let p = self.process.upgrade()?;
        let id = self.tid.unwrap_or(self.pid);
        let mine = |t: &Arc<Thread>| Arc::ptr_eq(&t.process, &p);
        match pid::find_thread(id).filter(mine) {
            Some(t) => Some(t),
            None if self.tid.is_none() => p.threads().into_iter().next(),
            None => None,
        }
    }

    /// The id this entry shows as its own (tid, or pid).
    pub fn id(&self) -> u32 {
        self.tid.unwrap_or(self.pid)
    }
}

impl Scope for Task {
    fn alive(&self) -> bool {
        if self.process().is_err() {
            return false;
        }
        match self.tid {
            Some(tid) => pid::find_thread(tid).is_some_and(|t| t.process.pid == self.pid),
            None => true,
        }
    }

    fn owner(&self) -> Owner {
        let Ok(p) = self.process() else { return Owner::default() };
        if !p.dumpable.load(core::sync::atomic::Ordering::Relaxed) {
            return Owner::default();
        }
        p.with_creds(|c| Owner { uid: c.euid, gid: c.egid })
    }
}

/// The directory of `p` (/proc/PID).
pub fn process_dir(p: &Arc<Process>) -> Arc<dyn Node> {
    TableDir::node(Task::of(p, None), 0o555, PROCESS)
}

/// The entries of /proc/PID and /proc/PID/task/TID, after `$extra`.
macro_rules! task_table {
    ($($extra:expr),*) => {
        &[
            $($extra,)*
            TableEntry::dir("fd", pid_fd::fd_dir),
            TableEntry::dir("fdinfo", pid_fd::fdinfo_dir),
            TableEntry::dir("ns", |t| TableDir::node(t.clone(), 0o511, pid_ns::NS)),
            TableEntry::dir("attr", |t| TableDir::node(t.clone(), 0o555, pid_misc::ATTR)),
            TableEntry::dir("net", |t| TableDir::node(t.clone(), 0o555, NET)),
            TableEntry::file("environ", pid_mem::environ),
            TableEntry::file("status", |t| TextFile::ro(t, 0o444, pid_status::status)),
            TableEntry::file("limits", |t| TextFile::ro(t, 0o444, pid_misc::limits)),
            TableEntry::file("cgroup", |t| TextFile::ro(t, 0o444, |t, _| t.process().map(|p| crate::cgroup::proc_cgroup_line(&p)))),
            TableEntry::file("comm", |t| TextFile::rw(t, 0o644, pid_misc::comm, pid_misc::set_comm)),
            TableEntry::file("wchan", |t| TextFile::ro(t, 0o444, pid_misc::wchan)),
            TableEntry::file("cmdline", |t| TextFile::ro(t, 0o444, pid_mem::cmdline)),
            TableEntry::file("stat", |t| TextFile::ro(t, 0o444, pid_stat::stat)),
            TableEntry::file("statm", |t| TextFile::ro(t, 0o444, pid_stat::statm)),
            TableEntry::file("maps", |t| TextFile::ro(t, 0o444, maps::maps)),
            TableEntry::link("cwd", pid_fd::cwd),
            TableEntry::link("root", pid_fd::root),
            TableEntry::link("exe", pid_fd::exe),
            TableEntry::file("mounts", mountinfo::mounts),
            TableEntry::file("mountinfo", mountinfo::mountinfo),
            TableEntry::file("smaps_rollup", |t| TextFile::ro(t, 0o444, maps::smaps_rollup)),
            TableEntry::file("oom_score", |t| TextFile::ro(t, 0o444, pid_misc::oom_score)),
            TableEntry::file("oom_score_adj", |t| TextFile::rw(t, 0o644, pid_misc::oom_score_adj, pid_misc::set_oom_score_adj)),
            TableEntry::file("loginuid", |t| TextFile::rw(t, 0o644, pid_misc::loginuid, pid_misc::set_loginuid)),
            TableEntry::file("sessionid", |t| TextFile::ro(t, 0o444, pid_misc::sessionid)),
            TableEntry::file("uid_map", |t| TextFile::rw(t, 0o644, pid_misc::id_map, pid_misc::set_id_map)),
            TableEntry::file("gid_map", |t| TextFile::rw(t, 0o644, pid_misc::id_map, pid_misc::set_id_map)),
            TableEntry::file("setgroups", |t| TextFile::rw(t, 0o644, pid_misc::setgroups, pid_misc::set_id_map)),
        ]
    };
}

/// /proc/PID: `task/` and the shared entries.
/// /proc/PID/net (and /proc/net through /proc/self): the sockets of the
/// one network namespace.
static NET: &[TableEntry<Task>] = &[TableEntry::file("unix", |t| TextFile::ro(t, 0o444, |_, _| Ok(net::unix::proc::net_unix().into_bytes())))];

static PROCESS: &[TableEntry<Task>] = task_table!(TableEntry::dir("task", |t| Arc::new(TaskDir(t.clone()))));

/// /proc/PID/task/TID.
static THREAD: &[TableEntry<Task>] = task_table!();

/// /proc/PID/task: a directory per live thread, keyed by tid.
struct TaskDir(Task);

impl Node for TaskDir {
    fn file_type(&self) -> FileType {
        FileType::Directory
    }
    fn perm(&self) -> u32 {
        0o555
    }
    fn owner(&self) -> Owner {
        self.0.owner()
    }
    fn alive(&self) -> bool {
        self.0.alive()
    }
    fn entries(&self) -> fs::Result<Vec<Entry>> {
        let p = self.0.process()?;
        let mut tids: Vec<u32> = p.threads().iter().filter(|t| !t.exited.load(core::sync::atomic::Ordering::Acquire)).map(|t| t.tid()).collect();
        tids.sort_unstable();
        Ok(tids.into_iter().map(|tid| Entry::new(2 + tid as u64, format!("{tid}").as_bytes(), FileType::Directory)).collect())
    }
    fn child(&self, name: &[u8]) -> fs::Result<Arc<dyn Node>> {
        let p = self.0.process()?;
        let tid = parse_id(name).ok_or(fs::Errno::ENOENT)?;
        let t = pid::find_thread(tid).filter(|t| Arc::ptr_eq(&t.process, &p)).ok_or(fs::Errno::ENOENT)?;
        Ok(TableDir::node(Task::of(&p, Some(t.tid())), 0o555, THREAD))
    }
}

/// A decimal id without sign or leading zeros (Linux's name_to_int).
pub fn parse_id(name: &[u8]) -> Option<u32> {
    if name.is_empty() || (name[0] == b'0' && name.len() > 1) || !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    core::str::from_utf8(name).ok()?.parse().ok()
}

/// The table of /proc/PID/task/TID (also /proc/TID for a thread).
pub fn thread_table() -> &'static [TableEntry<Task>] {
    THREAD
}
