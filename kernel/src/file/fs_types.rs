//! The filesystem types that mount(2) and fsopen(2) make instances of, by
//! name (Linux's `file_system_type` list, as /proc/filesystems shows it).
//! A type checks one mount option at a time (fsconfig) and makes a new
//! instance from a whole option string (mount's `data`, or the options
//! fsconfig collected). An unknown type is ENODEV.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;

use fs::tmpfs::{Tmpfs, TmpfsOptions};
use fs::InodeRef;

use crate::errno::Errno;

/// The filesystem types, in /proc/filesystems order, and whether each
/// needs a block device (none does here).
pub const TYPES: &[&str] = &["sysfs", "tmpfs", "cgroup2", "ramfs", "devtmpfs", "proc", "devpts", "mqueue"];

pub fn known(fstype: &str) -> bool {
    TYPES.contains(&fstype)
}

fn ram() -> u64 {
    platform::mem::frame::total_bytes()
}

/// Checks one option as fsconfig passes it (`key` or `key=value`):
/// EINVAL for one the type does not know or a bad value, as Linux's
/// parameter parsers ("tmpfs: Unknown parameter").
pub fn check_option(fstype: &str, key: &str, value: Option<&str>) -> Result<(), Errno> {
    let item = match value {
        Some(v) => format!("{key}={v}"),
        None => String::from(key),
    };
    match fstype {
        "tmpfs" => TmpfsOptions::parse(&item, ram()).map(|_| ()).map_err(Errno::from),
        // ramfs knows mode= and ignores what it does not know.
        "ramfs" => match key {
            "mode" => TmpfsOptions::parse(&item, 0).map(|_| ()).map_err(Errno::from),
            _ => Ok(()),
        },
        // devtmpfs takes tmpfs's options and does not apply them (see
        // super::devtmpfs).
        "devtmpfs" => TmpfsOptions::parse(&item, ram()).map(|_| ()).map_err(Errno::from),
        // cgroup2's options are flags (nsdelegate, memory_recursiveprot...).
        "cgroup2" if value.is_none() => Ok(crate::cgroup::options::apply_check(key)?),
        "cgroup2" => Err(Errno::EINVAL),
        // procfs knows these (and does not apply them, see crate::procfs).
        "proc" => match key {
            "hidepid" | "gid" | "subset" => Ok(()),
            _ => Err(Errno::EINVAL),
        },
        // sysfs takes no options and ignores what it is given.
        "sysfs" | "mqueue" => Ok(()),
        "devpts" => fs::devpts::DevptsOptions::parse(&item).map(|_| ()).map_err(Errno::from),
        _ => Err(Errno::ENODEV),
    }
}

/// A new instance of `fstype` (devtmpfs, devpts: their one instance) with the
/// comma-separated `options`: the root of its tree.
pub fn create(fstype: &str, options: &str, t: &crate::proc::Thread) -> Result<InodeRef, Errno> {
    let tmpfs = |opts: TmpfsOptions| Tmpfs::with_memory(Arc::new(super::vfs::Realtime), crate::mm::filemap::memory(), opts).root();
    match fstype {
        "tmpfs" => Ok(tmpfs(TmpfsOptions::parse(options, ram())?)),
        "ramfs" => {
            // ramfs takes only mode= and traditionally ignores the rest.
            let mode = options.split(',').find_map(|o| o.strip_prefix("mode="));
            Ok(tmpfs(TmpfsOptions::parse(&mode.map(|m| format!("mode={m}")).unwrap_or_default(), 0)?))
        }
        "devtmpfs" => {
            TmpfsOptions::parse(options, ram())?;
            Ok(super::devtmpfs::root())
        }
        // The one cgroup hierarchy: every mount shows the same root, and
        // the options are the hierarchy's own (crate::cgroup::options).
        "cgroup2" => {
            crate::cgroup::options::apply(options)?;
            Ok(crate::cgroup::fs_dir::root())
        }
        "proc" => {
            for o in options.split(',').filter(|o| !o.is_empty()) {
                let (k, v) = o.split_once('=').map_or((o, None), |(k, v)| (k, Some(v)));
                check_option("proc", k, v)?;
            }
            Ok(crate::procfs::new_instance())
        }
        "sysfs" => Ok(crate::sysfs::root()),
        // The queues of the mounter's IPC namespace; options are ignored
        // as Linux's mqueue ignores what it does not know.
        "mqueue" => Ok(crate::ipc::mqueue_fs::root(t.process.ipc())),
        // One devpts instance: every mount shows it, and the options apply
        // to it (see fs::devpts).
        "devpts" => {
            fs::devpts::DevptsOptions::parse(options)?;
            let root = super::pty::devpts().root();
            root.reconfigure(options, ram())?;
            Ok(root)
        }
        _ => Err(Errno::ENODEV),
    }
}

/// Applies `options` to an existing instance (a remount without MS_BIND,
/// or fsconfig's FSCONFIG_CMD_RECONFIGURE on an fspick context).
pub fn reconfigure(fstype: &str, root: &InodeRef, options: &str) -> Result<(), Errno> {
    match fstype {
        // ramfs ignores the options it does not know, which are all but
        // mode=, and mode= applies only at mount time; devtmpfs's are not
        // applied (see super::devtmpfs).
        "ramfs" | "devtmpfs" | "proc" | "sysfs" | "mqueue" => Ok(()),
        _ => Ok(root.reconfigure(options, ram())?),
    }
}
