//! /proc/PID/mountinfo and /proc/PID/mounts (Linux's show_mountinfo and
//! show_vfsmnt): the mounts of the process's namespace as seen from its
//! root, in mount order. Paths escape space, tab, newline and backslash
//! as octal (`\040`). An open file of either reports POLLPRI|POLLERR (with
//! POLLIN) once per change of the namespace's mounts since the open or the
//! last poll (Linux's mounts_poll); mount(2) and umount2(2) wake the
//! queue ([`mounts_changed`]).

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use executor::WaitQueue;
use fs::inode::{major, minor, EventSource, FileType, Owner};
use fs::mount::{mount_options, Propagation};
use fs::synthetic::{Node, Opener, Scope};

use super::task::Task;
use crate::file::events::Watched;
use crate::file::vfs::vfs;

/// Woken on every change to a mount table.
static MOUNT_EVENTS: WaitQueue = WaitQueue::new();

/// A mount table changed: wakes pollers of mountinfo.
pub fn mounts_changed() {
    MOUNT_EVENTS.wake_all();
}

fn count() -> u64 {
    vfs().mount_events()
}

fn escape(out: &mut Vec<u8>, s: &[u8]) {
    for &b in s {
        match b {
            b' ' | b'\t' | b'\n' | b'\\' => out.extend_from_slice(format!("\\{b:03o}").as_bytes()),
            _ => out.push(b),
        }
    }
}

fn show(task: &Task, info: bool) -> fs::Result<Vec<u8>> {
    let p = task.process()?;
    if p.is_zombie() {
        return Ok(Vec::new());
    }
    let root = p.fs.lock().root.clone();
    let mut out = Vec::new();
    for m in vfs().mounts(&root) {
        let opts = mount_options(m.flags);
        let sb = if m.flags.contains(fs::MountFlags::RDONLY) { "ro" } else { "rw" };
        if info {
            out.extend_from_slice(format!("{} {} {}:{} ", m.id, m.parent_id, major(m.dev), minor(m.dev)).as_bytes());
            escape(&mut out, &m.root);
            out.push(b' ');
            escape(&mut out, &m.mount_point);
            out.extend_from_slice(format!(" {opts}").as_bytes());
            match m.propagation {
                Propagation::Shared(g) => out.extend_from_slice(format!(" shared:{g}").as_bytes()),
                Propagation::Slave(g) => out.extend_from_slice(format!(" master:{g}").as_bytes()),
                Propagation::Unbindable => out.extend_from_slice(b" unbindable"),
                Propagation::Private => {}
            }
            out.extend_from_slice(format!(" - {} ", m.fstype).as_bytes());
            escape(&mut out, m.source.as_bytes());
            out.extend_from_slice(format!(" {sb}\n").as_bytes());
        } else {
            escape(&mut out, m.source.as_bytes());
            out.push(b' ');
            escape(&mut out, &m.mount_point);
            out.extend_from_slice(format!(" {} {opts} 0 0\n", m.fstype).as_bytes());
        }
    }
    Ok(out)
}

struct MountsFile {
    task: Task,
    info: bool,
}

impl Node for MountsFile {
    fn file_type(&self) -> FileType {
        FileType::Regular
    }
    fn perm(&self) -> u32 {
        0o444
    }
    fn owner(&self) -> Owner {
        self.task.owner()
    }
    fn alive(&self) -> bool {
        self.task.alive()
    }
    fn produce(&self, _who: &Opener) -> fs::Result<Vec<u8>> {
        show(&self.task, self.info)
    }
    fn events(&self) -> Option<Arc<dyn EventSource>> {
        Some(Arc::new(Watched { count, queue: &MOUNT_EVENTS }))
    }
}

pub fn mountinfo(task: &Task) -> Arc<dyn Node> {
    Arc::new(MountsFile { task: task.clone(), info: true })
}

pub fn mounts(task: &Task) -> Arc<dyn Node> {
    Arc::new(MountsFile { task: task.clone(), info: false })
}
