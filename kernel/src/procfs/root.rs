//! /proc itself: the global entries (a table), then a directory per
//! process in pid order (directory offset 256 + pid, so a reader that
//! lists while processes come and go never sees one twice), and the
//! `self` and `thread-self` links, whose text names the caller.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::inode::FileType;
use fs::synthetic::{Entry, Node, TableDir, TableEntry, TextFile, TextLink};
use fs::vfs::Ctx;

use super::task::{parse_id, process_dir};
use super::{global, meminfo, sys};
use crate::proc::pid;

/// Directory offsets of process entries start here, past the table.
const PID_BASE: u64 = 256;

static GLOBAL: &[TableEntry<()>] = &[
    TableEntry::link("self", |s| TextLink::node(s, self_link)),
    TableEntry::link("thread-self", |s| TextLink::node(s, thread_self_link)),
    TableEntry::link("mounts", |s| TextLink::node(s, |_, _| Ok(b"self/mounts".to_vec()))),
    TableEntry::link("net", |s| TextLink::node(s, |_, _| Ok(b"self/net".to_vec()))),
    TableEntry::dir("sys", |_| TableDir::node((), 0o555, sys::SYS)),
    TableEntry::dir("sysvipc", |_| TableDir::node((), 0o555, super::sysvipc::SYSVIPC)),
    TableEntry::file("cmdline", |s| TextFile::ro(s, 0o444, global::cmdline)),
    TableEntry::file("cpuinfo", |s| TextFile::ro(s, 0o444, global::cpuinfo)),
    TableEntry::file("meminfo", |s| TextFile::ro(s, 0o444, meminfo::meminfo)),
    TableEntry::file("stat", |s| TextFile::ro(s, 0o444, global::stat)),
    TableEntry::file("uptime", |s| TextFile::ro(s, 0o444, global::uptime)),
    TableEntry::file("loadavg", |s| TextFile::ro(s, 0o444, global::loadavg)),
    TableEntry::file("version", |s| TextFile::ro(s, 0o444, global::version)),
    TableEntry::file("filesystems", |s| TextFile::ro(s, 0o444, global::filesystems)),
    TableEntry::file("swaps", global::swaps_node),
    TableEntry::file("devices", |s| TextFile::ro(s, 0o444, global::devices)),
    TableEntry::file("cgroups", |s| TextFile::ro(s, 0o444, |_, _| Ok(crate::cgroup::proc_cgroups_table()))),
];

fn self_link(_: &(), ctx: &Ctx<'_>) -> fs::Result<Vec<u8>> {
    if ctx.caller.pid == 0 {
        return Err(fs::Errno::ENOENT);
    }
    Ok(format!("{}", ctx.caller.pid).into_bytes())
}

fn thread_self_link(_: &(), ctx: &Ctx<'_>) -> fs::Result<Vec<u8>> {
    if ctx.caller.pid == 0 {
        return Err(fs::Errno::ENOENT);
    }
    Ok(format!("{}/task/{}", ctx.caller.pid, ctx.caller.tid).into_bytes())
}

/// The /proc directory node.
pub fn node() -> Arc<dyn Node> {
    Arc::new(Root(TableDir::node((), 0o555, GLOBAL)))
}

struct Root(Arc<dyn Node>);

impl Node for Root {
    fn file_type(&self) -> FileType {
        FileType::Directory
    }
    fn perm(&self) -> u32 {
        0o555
    }
    fn entries(&self) -> fs::Result<Vec<Entry>> {
        let mut out = self.0.entries()?;
        let mut pids: Vec<u32> = pid::all().iter().map(|p| p.pid).collect();
        pids.sort_unstable();
        out.extend(pids.into_iter().map(|p| Entry::new(PID_BASE + p as u64, format!("{p}").as_bytes(), FileType::Directory)));
        Ok(out)
    }
    fn child(&self, name: &[u8]) -> fs::Result<Arc<dyn Node>> {
        match parse_id(name) {
            Some(id) => {
                // A thread id also names its process's directory (hidden
                // from listings), as Linux.
                let p = pid::find(id).or_else(|| pid::find_thread(id).map(|t| t.process.clone())).ok_or(fs::Errno::ENOENT)?;
                if p.pid != id {
                    let t = pid::find_thread(id).ok_or(fs::Errno::ENOENT)?;
                    return Ok(TableDir::node(super::task::Task::of(&p, Some(t.tid())), 0o555, super::task::thread_table()));
                }
                Ok(process_dir(&p))
            }
            None => self.0.child(name),
        }
    }
}
