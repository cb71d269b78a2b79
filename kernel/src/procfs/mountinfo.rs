//! /proc/PID/mountinfo and /proc/PID/mounts (Linux's show_mountinfo and
//! show_vfsmnt): the mounts of the process's namespace as seen from its
//! root, in mount order. Paths escape space, tab, newline and backslash
//! as octal (`\040`). An open file of either reports POLLPRI|POLLERR (with
//! POLLIN) once per change of the namespace's mounts since the open or the
//! last poll (Linux's mounts_poll): the namespace's change counter
//! (`Vfs::generation`) and queue (`MntNs::changes`), taken at open.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use executor::WaitQueue;
use fs::inode::{major, minor, EventSource, FileType, Owner};
use fs::mount::{mount_options, Propagation};
use fs::synthetic::{Node, Opener, Scope};

use super::task::Task;
use crate::file::events::{Watch, Watched};
use crate::ns::mnt::MntNs;

impl Watch for MntNs {
    fn count(&self) -> u64 {
        self.vfs.generation()
    }
    fn queue(&self) -> &WaitQueue {
        &self.changes
    }
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
    let fsc = p.fs().lock().clone();
    let mut out = Vec::new();
    for m in fsc.mnt.vfs.mounts(&fsc.root) {
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
            out.extend_from_slice(format!(" {sb}{}\n", m.fs_options).as_bytes());
        } else {
            escape(&mut out, m.source.as_bytes());
            out.push(b' ');
            escape(&mut out, &m.mount_point);
            out.extend_from_slice(format!(" {} {opts}{} 0 0\n", m.fstype, m.fs_options).as_bytes());
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
        let p = self.task.process().ok()?;
        let ns: Arc<dyn Watch> = p.fs().lock().mnt.clone();
        Some(Arc::new(Watched(ns)))
    }
}

pub fn mountinfo(task: &Task) -> Arc<dyn Node> {
    Arc::new(MountsFile { task: task.clone(), info: true })
}

pub fn mounts(task: &Task) -> Arc<dyn Node> {
    Arc::new(MountsFile { task: task.clone(), info: false })
}
