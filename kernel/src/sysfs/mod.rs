//! sysfs (SYSFS_MAGIC): the device model as Linux shows it, for the
//! devices Aramid has — consistent with devtmpfs, since both come from
//! [`crate::file::vfs::DEVICES`]. Like Linux's, there is one instance:
//! every mount of sysfs shows the same tree.
//!
//! - `devices/`: each character device under its parent (`virtual/mem`,
//!   `virtual/tty`, PNP device 00:04 for ttyS0), with `dev`
//!   ("MAJOR:MINOR"), `uevent` (MAJOR, MINOR, DEVNAME, DEVMODE; written
//!   to, it announces a synthetic uevent: [`uevent`]) and a
//!   `subsystem` link to its class; `devices/virtual/tty/console/active`
//!   names the console; `devices/system/cpu/{online,possible,present}`.
//! - `class/{mem,tty}/NAME` and `dev/char/MAJOR:MINOR`: links to the
//!   device directories.
//! - `fs/cgroup/` (where cgroup2 is mounted), `kernel/` (uevent_seqnum,
//!   cgroup/{delegate,features}).
//! - `block/`, `bus/`, `firmware/` and `module/` exist and are empty: no
//!   block devices, buses, DMI tables or modules. Directories of
//!   filesystems the kernel lacks (kernel/debug, kernel/security,
//!   fs/fuse) are absent, as on a Linux built without them, so systemd
//!   skips those mounts instead of failing them.

pub mod devices;
pub mod nodes;
pub mod uevent;

use alloc::sync::Arc;
use alloc::vec;

use fs::synthetic::SynthFs;

/// statfs's f_type of sysfs.
pub const SYSFS_MAGIC: u64 = 0x6265_6572;

static INSTANCE: spin::Once<fs::InodeRef> = spin::Once::new();

/// The root of the one sysfs instance.
pub fn root() -> fs::InodeRef {
    INSTANCE
        .call_once(|| {
            let sfs = SynthFs::new(SYSFS_MAGIC, Arc::new(crate::file::vfs::Realtime));
            sfs.root(tree())
        })
        .clone()
}

fn tree() -> Arc<dyn fs::synthetic::Node> {
    use nodes::{fixed, Dir};
    let empty = || Dir::node(vec![]);
    Dir::node(vec![
        (b"block", empty()),
        (b"bus", empty()),
        (b"class", devices::class_dir()),
        (b"dev", Dir::node(vec![(b"block", empty()), (b"char", devices::dev_char_dir())])),
        (b"devices", devices::devices_dir()),
        (b"firmware", empty()),
        (b"fs", Dir::node(vec![(b"cgroup", empty())])),
        (
            b"kernel",
            Dir::node(vec![
                (
                    b"cgroup",
                    Dir::node(vec![
                        (b"delegate", fixed(b"cgroup.procs\ncgroup.threads\ncgroup.subtree_control\nmemory.oom.group\n")),
                        (b"features", fixed(b"nsdelegate\nmemory_localevents\nmemory_recursiveprot\n")),
                    ]),
                ),
                (b"mm", empty()),
                (b"uevent_seqnum", nodes::attr(uevent::seqnum)),
            ]),
        ),
        (b"module", empty()),
    ])
}
