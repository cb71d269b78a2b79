//! Notifications of a cgroup's `cgroup.events` (and `pids.events`): when
//! it changes, the cgroup's event count goes up, so every open control
//! file of the cgroup polls with POLLPRI|POLLERR until it is read again,
//! pollers are woken, and inotify watches on the file (and on its
//! directory, with the name) get IN_MODIFY — Linux's cgroup_file_notify
//! through kernfs_notify, which is how systemd learns a unit's
//! processes are gone.

use fs::cgroup::Id;
use fs::inode::InodeRef;

use super::control_files::Kind;
use super::fs_dir;
use crate::fsnotify;

/// The `cgroup.events` of cgroups `ids` changed.
pub fn changed(ids: &[Id]) {
    for &id in ids {
        file_changed(id, Kind::Events);
    }
}

/// The notifying file `kind` (cgroup.events, memory.events, pids.events)
/// of cgroup `id` changed.
pub fn file_changed(id: Id, kind: Kind) {
    let Some(dir) = fs_dir::dir(id) else { return };
    dir.event_seq.fetch_add(1, core::sync::atomic::Ordering::AcqRel);
    dir.events.wake_all();
    if fsnotify::active() && id != fs::cgroup::ROOT {
        if let Some(f) = dir.file(kind) {
            let file: InodeRef = f.clone();
            let d: InodeRef = dir.clone();
            fsnotify::event(&file, fsnotify::IN_MODIFY, Some((&d, kind.name().as_bytes())), 0);
        }
    }
}
